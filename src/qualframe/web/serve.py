"""Running the workbench: ``qualframe serve`` starts uvicorn on the app for a project."""

from __future__ import annotations

import gc
import secrets
import socket
import threading
import webbrowser
from typing import Any, Callable

import uvicorn

from ..errors import QualframeError
from ..project import Project
from .app import create_app, loopback_hosts


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serving_url(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(
    project: Project,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    team: bool = False,
    user: str,
    open_browser: bool = True,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve until interrupted. Single-user mode only listens on this computer."""
    allowed_hosts = loopback_hosts(host)
    if team:
        if project.is_sqlite:
            raise QualframeError(
                "team mode needs a PostgreSQL project (SQLite is for one researcher on one computer); "
                "create one with 'qualframe init --db postgresql://…'"
            )
        token = None
    else:
        if allowed_hosts is None:
            raise QualframeError(
                f"single-user mode listens only on this computer (127.0.0.1), not on '{host}'; "
                "to share a project, serve a PostgreSQL project with --team"
            )
        token = secrets.token_urlsafe(24)
    port = port or free_port(host)
    app = create_app(project, team=team, token=token, user=user, cookie=f"qualframe_{port}",
                     allowed_hosts=allowed_hosts)
    url = serving_url(host, port, token)

    def started() -> None:
        announce(f"qualframe serving at {url}")
        if open_browser:
            webbrowser.open(url)

    run_app(app, host, port, on_started=started)


def run_app(app: Any, host: str, port: int, on_started: Callable[[], None] | None = None) -> None:
    """Run an ASGI app with uvicorn as the workbench runs (the web benchmark runs it so too)."""
    # The app's long-lived objects (templates, SQLAlchemy metadata) would otherwise be
    # walked by every full garbage collection a large reader page sets off.
    gc.collect()
    gc.freeze()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    original_startup = server.startup

    async def startup(sockets=None):  # type: ignore[no-untyped-def]
        await original_startup(sockets=sockets)
        if server.started and on_started is not None:
            threading.Thread(target=on_started, daemon=True).start()

    server.startup = startup  # type: ignore[method-assign]
    server.run()
