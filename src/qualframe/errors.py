"""Errors a user can act on.

Every error that reaches the CLI is a ``QualframeError``: its message names the file
or field and the problem, and the operation that raised it has changed nothing.
"""

from __future__ import annotations


class QualframeError(Exception):
    """Base class: a problem the user can fix (bad input, missing project, ...)."""


class ProjectNotFound(QualframeError):
    """No qualframe project at or above the given folder."""


class ImportRefused(QualframeError):
    """A file that cannot be imported; names the file and the reason."""

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(f"{filename}: {reason}")


class NotFound(QualframeError):
    """A named item (source, case, code, ...) does not exist in the project."""


class InvalidInput(QualframeError):
    """A value, row or field that does not make sense; the message says where."""


class Conflict(QualframeError):
    """An edit made from a stale copy: someone else changed the item first."""


class NotAllowed(QualframeError):
    """The signed-in person's role does not allow this action."""
