"""The web workbench as an ASGI app: the sign-in gate, sign-in pages and the views.

Single-user mode: the server is started with a random token, and only a browser that
has opened the link carrying it gets a session cookie; every route, static files
included, needs that cookie. Team mode: people sign in with an account of the project.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import accounts
from ..accounts import SignedIn
from ..errors import NotAllowed
from ..importing import DEFAULT_MAX_BYTES
from ..project import Project
from . import views  # noqa: F401  (registers the views' routes)
from .routing import ROUTES, TEMPLATES, message_response, page, Visit

STATIC = Path(__file__).parent / "static"
OPEN_IN_TEAM_MODE = ("/login", "/static/app.css")
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
     b"img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class SignInGate:
    """ASGI middleware: who is asking, or a refusal, before any route runs."""

    def __init__(self, app: Any, *, project: Project, team: bool, token: str | None, cookie: str,
                 user: str, allowed_hosts: set[str] | None, sessions: SingleUserSessions) -> None:
        self.app, self.project, self.team, self.token = app, project, team, token
        self.cookie, self.user, self.allowed_hosts, self.sessions = cookie, user, allowed_hosts, sessions

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        request = Request(scope)
        if self.allowed_hosts is not None and request.url.hostname not in self.allowed_hosts:
            # a page elsewhere pointing a name it controls at 127.0.0.1 (DNS rebinding)
            return await Response("unexpected Host header", 400)(scope, receive, send_with_headers)
        token = request.query_params.get("token")
        if token is not None and not self.team:
            return await self._open_with_token(request, token)(scope, receive, send_with_headers)
        secret = request.cookies.get(self.cookie, "")
        who = None if self.team else self.sessions.recall(secret)
        if who is None and secret:
            who = await run_in_threadpool(accounts.signed_in, self.project, secret, team=self.team)
            if who is not None and not self.team:
                self.sessions.remember(secret, who)
        scope.setdefault("state", {})["who"] = who
        if who is None and not (self.team and scope["path"] in OPEN_IN_TEAM_MODE):
            return await self._refuse(request)(scope, receive, send_with_headers)
        await self.app(scope, receive, send_with_headers)

    def _open_with_token(self, request: Request, token: str) -> Response:
        assert self.token is not None
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            return message_response(request, None, "This link's token is not the one this server was started with.", 403)
        secret = accounts.start_session(self.project, self.user, "owner")
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, self.cookie, secret, request)
        return response

    def _refuse(self, request: Request) -> Response:
        wants_page = "text/html" in request.headers.get("accept", "") and request.headers.get("HX-Request") != "true"
        if self.team and request.method == "GET" and wants_page:
            return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
        if self.team:
            return message_response(request, None, "Sign in first.", 401)
        return message_response(
            request, None, "Open the workbench with the link that 'qualframe serve' printed: it carries the token.", 403
        )


class SingleUserSessions:
    """Single-user sessions this server has checked, so a request need not ask the database.

    With one person and no roles to change, only the session's end matters: a checked
    session is trusted for ``RECHECK`` (then looked up again, so expiry still applies), and
    signing out forgets it at once. Team mode always asks the database, so that a changed
    role or a deactivated account takes effect at the next request.
    """

    RECHECK = timedelta(minutes=1)

    def __init__(self) -> None:
        self._checked: dict[str, tuple[SignedIn, datetime]] = {}

    def recall(self, secret: str) -> SignedIn | None:
        found = self._checked.get(secret)
        if found is None or datetime.now(timezone.utc) - found[1] > self.RECHECK:
            return None
        return found[0]

    def remember(self, secret: str, who: SignedIn) -> None:
        self._checked[secret] = (who, datetime.now(timezone.utc))

    def forget(self, secret: str) -> None:
        self._checked.pop(secret, None)


def set_session_cookie(response: Response, name: str, secret: str, request: Request) -> None:
    response.set_cookie(name, secret, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        max_age=int(accounts.SESSION_LIFETIME.total_seconds()))


async def revision(request: Request) -> Response:
    """How far the project has changed: pages poll this to refresh when others edit."""
    project: Project = request.app.state.project
    return JSONResponse({"revision": await run_in_threadpool(project.revision)})


async def login(request: Request) -> Response:
    state = request.app.state
    if not state.team:
        return RedirectResponse("/", status_code=303)
    next_path = request.query_params.get("next", "/")
    error = ""
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=10, max_part_size=10_000)
        next_path = str(form.get("next", "/"))
        sent, expected = str(form.get("csrf", "")), request.cookies.get("qualframe_login", "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            error = "The sign-in form had expired; please try again."
        else:
            name, password = str(form.get("name", "")), str(form.get("password", ""))
            try:
                role = await run_in_threadpool(accounts.verify_login, state.project, name, password)
            except NotAllowed as exc:
                error = str(exc)
            else:
                secret = await run_in_threadpool(accounts.start_session, state.project, name, role)
                safe_next = next_path if next_path.startswith("/") and not next_path.startswith("//") else "/"
                response = RedirectResponse(safe_next, status_code=303)
                set_session_cookie(response, state.cookie, secret, request)
                response.delete_cookie("qualframe_login")
                return response
    # one token per browser: a second GET (a favicon's redirect, another tab) must not
    # invalidate the form already shown
    form_token = request.cookies.get("qualframe_login", "")
    if len(form_token) < 32:
        form_token = secrets.token_urlsafe(32)
    html = TEMPLATES.get_template("login.html").render(
        csrf=form_token, next=next_path, error=error, project_name=state.project_name, navigation=[], who=None,
        team=True, path="/login",
    )
    response = HTMLResponse(html, status_code=401 if error else 200)
    response.set_cookie("qualframe_login", form_token, httponly=True, samesite="strict", max_age=3600)
    return response


@page("/logout", methods=("POST",))
def logout(visit: Visit) -> Response:
    request = visit.request
    secret = request.cookies.get(request.app.state.cookie, "")
    request.app.state.sessions.forget(secret)
    accounts.end_session(visit.project, secret)
    if request.app.state.team:
        response: Response = RedirectResponse("/login", status_code=303)
    else:
        response = message_response(request, None, "To come back, open the link that 'qualframe serve' printed.",
                                    200, heading="Signed out")
    response.delete_cookie(request.app.state.cookie)
    return response


def create_app(
    project: Project,
    *,
    team: bool = False,
    token: str | None = None,
    user: str = "researcher",
    cookie: str = "qualframe_session",
    max_upload_bytes: int = DEFAULT_MAX_BYTES,
    allowed_hosts: set[str] | None = None,
) -> Starlette:
    """The workbench for ``project``: single-user with ``token``, or ``team`` with accounts."""
    if team == (token is not None):
        raise ValueError("give a token for single-user mode, or team=True, not both")
    routes = [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/revision", revision),
        *ROUTES,
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.project = project
    app.state.team = team
    app.state.cookie = cookie
    app.state.project_name = project.info().get("name") or project.root.name
    app.state.max_upload_bytes = max_upload_bytes
    app.state.sessions = SingleUserSessions()
    app.add_middleware(
        SignInGate, project=project, team=team, token=token, cookie=cookie, user=user, allowed_hosts=allowed_hosts,
        sessions=app.state.sessions,
    )
    return app


def loopback_hosts(host: str) -> set[str] | None:
    """The Host names a loopback server answers to; None (any) for a public team server."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return {"127.0.0.1", "localhost", "::1", "[::1]", host}
    except ValueError:
        if host == "localhost":
            return {"127.0.0.1", "localhost", "::1", "[::1]"}
    return None
