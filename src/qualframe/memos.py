"""Memos: the researcher's notes on the project, a source, a case, a code or a coding.

Familiarisation and interpretation happen in memos, so they are first-class data
(REFI ``Note``), exported and kept with who wrote them and when.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .errors import InvalidInput
from .project import Project, get_or_create_user
from .store import NOTE_TARGETS, Case, Coding, Note, Source, User


def add_note(session: Session, target_type: str, target_id: int | None, text: str, author: User | None) -> Note:
    if target_type not in NOTE_TARGETS:
        raise InvalidInput(f"a memo can be on {', '.join(NOTE_TARGETS)}, not '{target_type}'")
    if not text.strip():
        raise InvalidInput("the memo is empty")
    note = Note(target_type=target_type, target_id=target_id, text=text.strip(), author=author)
    session.add(note)
    session.flush()
    return note


def delete_notes(session: Session, target_type: str, target_ids: list[int]) -> None:
    """Remove the memos on things being deleted, so none is left pointing nowhere."""
    if target_ids:
        session.execute(delete(Note).where(Note.target_type == target_type, Note.target_id.in_(target_ids)))


def _target(session: Session, source: str | None, case: str | None, code: str | None) -> tuple[str, int | None, str]:
    given = [name for name, value in (("source", source), ("case", case), ("code", code)) if value]
    if len(given) > 1:
        raise InvalidInput(f"a memo is on one thing: got {' and '.join(given)}")
    if source:
        from .sources import source_by_name

        return "source", source_by_name(session, source).id, source
    if case:
        from .cases import case_by_name

        return "case", case_by_name(session, case).id, case
    if code:
        from .codebook import code_by_path

        return "code", code_by_path(session, code).id, code
    return "project", None, ""


def add_memo(
    project: Project,
    text: str,
    *,
    author: str,
    source: str | None = None,
    case: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """Write a memo on a source, case or code (or, with none named, on the project)."""
    with project.session() as s:
        target_type, target_id, target_name = _target(s, source, case, code)
        note = add_note(s, target_type, target_id, text, get_or_create_user(s, author))
        return _memo_dict(note, target_name)


def list_memos(project: Project) -> list[dict[str, Any]]:
    """Every memo with what it is on (by name), its author and when it was written."""
    from .codebook import code_tree

    with project.session() as s:
        names: dict[str, dict[int, str]] = {
            "source": dict(s.execute(select(Source.id, Source.name)).all()),
            "case": dict(s.execute(select(Case.id, Case.name)).all()),
            "code": {code.id: path for code, path, _ in code_tree(s)},
            "coding": {
                row.id: f"{row.name} {row.start}-{row.end}"
                for row in s.execute(
                    select(Coding.id, Source.name, Coding.start, Coding.end).join(Source, Coding.source_id == Source.id)
                )
            },
        }
        result = []
        for note in s.scalars(select(Note).order_by(Note.created_at, Note.id)):
            target = names.get(note.target_type, {}).get(note.target_id or -1, "")
            result.append(_memo_dict(note, target))
        return result


def _memo_dict(note: Note, target_name: str) -> dict[str, Any]:
    return {
        "guid": note.guid,
        "on": note.target_type,
        "target": target_name,
        "text": note.text,
        "author": note.author.name if note.author else None,
        "created_at": note.created_at.isoformat(timespec="seconds") if note.created_at else None,
    }


__all__ = ["add_memo", "add_note", "list_memos"]
