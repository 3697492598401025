"""How a browser request becomes one call into the library, and its answer a page.

Every view is a plain function of a ``Visit``, registered with ``@page``. The decorator
does what every route must: it checks the signed-in person's role, refuses a
state-changing request without the session's CSRF token, runs the (blocking) library
call in a worker thread, and turns a ``QualframeError`` into a message for the person.
"""

from __future__ import annotations

import hmac
import logging
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import anyio
import anyio.to_thread
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import OperationalError
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..accounts import SignedIn
from ..errors import Conflict, NotAllowed, NotFound, QualframeError
from ..project import Project

log = logging.getLogger("qualframe.web")

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["urlpart"] = lambda value: quote(str(value), safe="")

ROUTES: list[Route] = []
SAFE_METHODS = ("GET", "HEAD")
MAX_FORM_FIELD_BYTES = 1024 * 1024

NAVIGATION = [
    ("overview", "/", "Overview"),
    ("sources", "/sources", "Sources"),
    ("codebook", "/codebook", "Codebook"),
    ("cases", "/cases", "Cases"),
    ("matrix", "/matrix", "Framework matrix"),
    ("anonymise", "/anonymise", "Anonymisation"),
    ("bcw", "/bcw", "Behaviour Change Wheel"),
    ("downloads", "/downloads", "Downloads"),
]


def megabytes(size: int) -> int:
    """Whole megabytes, as upload limits are stated to people."""
    return size // (1024 * 1024)


def plural(count: int, word: str) -> str:
    """"1 code", "2 codes": for the counts messages and pages show."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass
class Visit:
    """One request, as a view sees it: who asks, what they sent, and the project."""

    request: Request
    project: Project
    who: SignedIn
    form: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, UploadFile]] = field(default_factory=list)
    repeated: list[tuple[str, str]] = field(default_factory=list)  # every field, in order

    @property
    def from_htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def fields(self, name: str) -> list[str]:
        """Every value of a field sent more than once (checkboxes sharing a name)."""
        return [value for key, value in self.repeated if key == name]

    def files_named(self, name: str) -> list[UploadFile]:
        return [upload for key, upload in self.files if key == name and upload.filename]

    @property
    def max_upload_mb(self) -> int:
        """The upload limit, for the forms that state it."""
        return megabytes(self.request.app.state.max_upload_bytes)

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params)

    def field(self, name: str, default: str | None = None) -> str:
        """A form field, or a clear error naming it when it is missing."""
        if name in self.form:
            return self.form[name]
        if default is not None:
            return default
        raise QualframeError(f"the form is missing the field '{name}'")

    def version(self, name: str = "version") -> int | None:
        """The version of the item the person was looking at when they edited it."""
        raw = self.form.get(name, "")
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            raise QualframeError(f"field '{name}' must be a whole number, not {raw!r}") from None

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        state = self.request.app.state
        html = TEMPLATES.get_template(template).render(
            who=self.who,
            csrf=self.who.csrf,
            team=state.team,
            project_name=state.project_name,
            navigation=NAVIGATION,
            path=self.request.url.path,
            from_htmx=self.from_htmx,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        response.headers["X-Qualframe-Revision"] = str(self.project.revision())
        return response

    def redirect(self, url: str) -> Response:
        """Where to go after a change: htmx follows a header, a plain form a 303."""
        if self.from_htmx:
            return Response(status_code=204, headers={"HX-Location": url})
        return RedirectResponse(url, status_code=303)


def page(path: str, *, methods: tuple[str, ...] = ("GET",), role: str = "viewer") -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register ``view(visit, **path_params)`` for ``path``, guarded as described above."""

    def register(view: Callable[..., Response]) -> Callable[..., Response]:
        async def endpoint(request: Request) -> Response:
            who: SignedIn | None = request.scope.get("state", {}).get("who")
            if who is None:  # the sign-in gate lets no one through without a session
                return message_response(request, None, "Sign in first.", 401)
            if not who.may(role):
                return message_response(
                    request, who, f"Your role ({who.role}) cannot do this; it needs {role} or above.", 403
                )
            visit = Visit(request, request.app.state.project, who)
            if request.method not in SAFE_METHODS:
                refused = await _read_form(request, visit)
                if refused is not None:
                    return refused
            try:
                return await anyio.to_thread.run_sync(partial(view, visit, **request.path_params),
                                                      limiter=_view_threads(request))
            except Conflict as exc:
                return message_response(request, who, str(exc), 409)
            except NotAllowed as exc:
                return message_response(request, who, str(exc), 403)
            except NotFound as exc:
                return message_response(request, who, str(exc), 404)
            except QualframeError as exc:
                return message_response(request, who, str(exc), 400)
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                log.warning("project database busy: %s", type(exc).__name__)
                return message_response(request, who, "The project is busy with other changes; nothing was saved. "
                                        "Try again in a moment.", 503)

        endpoint.__name__ = view.__name__
        ROUTES.append(Route(path, endpoint, methods=list(methods)))
        return view

    return register


def _view_threads(request: Request) -> anyio.CapacityLimiter:
    """How many views may run at once: a few, not a thread per request.

    SQLite takes one writer at a time, and a writer that finds the database locked
    sleeps in growing steps, so many threads writing at once make long queues; and
    Python runs one thread at a time anyway. PostgreSQL gains from a few more, which
    overlap their waits for the server. (Made on first use: it needs the event loop.)
    """
    state = request.app.state
    if getattr(state, "view_threads", None) is None:
        state.view_threads = anyio.CapacityLimiter(2 if state.project.is_sqlite else 4)
    return state.view_threads


async def _read_form(request: Request, visit: Visit) -> Response | None:
    """Parse the form and check its CSRF token; a response if the request is refused."""
    limit = request.app.state.max_upload_bytes + MAX_FORM_FIELD_BYTES
    length = request.headers.get("content-length")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/") and length is None:
        return message_response(request, visit.who, "Uploads must state their length.", 411)
    if length is not None and (not length.isdigit() or int(length) > limit):
        return message_response(request, visit.who,
                                f"The upload is larger than the limit of {visit.max_upload_mb} MB.", 413)
    try:
        form = await request.form(max_files=50, max_fields=500, max_part_size=MAX_FORM_FIELD_BYTES)
    except Exception as exc:  # malformed bodies: python-multipart raises several kinds
        return message_response(request, visit.who, f"The form could not be read: {exc}", 400)
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            visit.files.append((key, value))
        else:
            visit.form.setdefault(key, value)
            visit.repeated.append((key, value))
    sent = request.headers.get("X-CSRF-Token") or visit.form.get("csrf", "")
    if not hmac.compare_digest(sent.encode(), visit.who.csrf.encode()):
        return message_response(
            request, visit.who, "This page is out of date or did not come from qualframe: reload it and try again.", 403
        )
    return None


def message_response(request: Request, who: SignedIn | None, message: str, status: int, heading: str = "") -> Response:
    """A refusal or failure: into the page's message area for htmx, else a page of its own."""
    if request.headers.get("HX-Request") == "true":
        html = TEMPLATES.get_template("_message.html").render(message=message, kind="error")
        return HTMLResponse(html, status_code=status, headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"})
    state = request.app.state
    html = TEMPLATES.get_template("message.html").render(
        message=message,
        who=who,
        csrf=who.csrf if who else "",
        team=state.team,
        project_name=state.project_name,
        navigation=NAVIGATION if who else [],
        path=request.url.path,
        status=status,
        heading=heading,
    )
    return HTMLResponse(html, status_code=status)
