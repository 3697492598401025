"""Running the workbench: ``qualframe serve`` starts uvicorn on the app for a project.

By default one process serves everything. A team server can run several worker
processes (``--workers N``), so that a machine with several cores answers many coders at
once: the parent binds the socket once, and uvicorn's supervisor starts N processes that
each build the app with ``worker_app`` and serve that socket. A worker learns what to
serve from environment variables the parent sets before starting it (see
``WorkerSettings``): the project's folder and database URL, the coder name, the
cookie's name, the Host names to answer and the upload limit. Only team mode may run
several workers: everything a team server remembers between requests (accounts,
sessions, CSRF tokens, the change counter) is in the database, which every worker
shares; single-user mode keeps its checked sign-ins in one process's memory.
"""

from __future__ import annotations

import gc
import os
import secrets
import socket
import sys
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from ..errors import QualframeError
from ..importing import DEFAULT_MAX_BYTES
from ..project import Project
from .app import create_app, loopback_hosts

# Each worker has its own database connections (up to 15: SQLAlchemy's pool of 5 and 10
# more when busy), and PostgreSQL allows 100 by default; more workers than cores only
# take turns anyway.
MAX_WORKERS = 16
WORKER_FACTORY = "qualframe.web.serve:worker_app"

ENV_ROOT = "QUALFRAME_SERVE_ROOT"
ENV_DATABASE_URL = "QUALFRAME_SERVE_DATABASE_URL"
ENV_USER = "QUALFRAME_SERVE_USER"
ENV_COOKIE = "QUALFRAME_SERVE_COOKIE"
ENV_ALLOWED_HOSTS = "QUALFRAME_SERVE_ALLOWED_HOSTS"  # comma-separated; unset: any Host
ENV_MAX_UPLOAD_BYTES = "QUALFRAME_SERVE_MAX_UPLOAD_BYTES"


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serving_url(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def check_workers(workers: int, team: bool) -> None:
    """Refuse a number of worker processes that cannot work, before anything starts."""
    if not 1 <= workers <= MAX_WORKERS:
        raise QualframeError(f"--workers must be between 1 and {MAX_WORKERS}, not {workers}")
    if workers > 1 and not team:
        raise QualframeError(
            "--workers needs team mode: single-user mode serves one person, and remembers its sign-in "
            "in one process; to serve many people at once, use --team with a PostgreSQL project"
        )


def serve(
    project: Project,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    team: bool = False,
    user: str,
    open_browser: bool = True,
    announce: Callable[[str], None] = print,
    workers: int = 1,
) -> None:
    """Serve until interrupted. Single-user mode only listens on this computer.

    With ``workers`` > 1 (team mode only), that many processes serve the same socket.
    """
    check_workers(workers, team)
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

    def started_at(port: int) -> Callable[[], None]:
        url = serving_url(host, port, token)

        def started() -> None:
            announce(f"qualframe serving at {url}")
            if open_browser:
                webbrowser.open(url)

        return started

    if workers > 1:
        listener = bind_listener(host, port)
        port = int(listener.getsockname()[1])
        settings = WorkerSettings(root=str(project.root), database_url=project.database_url, user=user,
                                  cookie=f"qualframe_{port}", allowed_hosts=allowed_hosts)
        run_workers(settings, listener, workers, on_started=started_at(port))
        return
    port = port or free_port(host)
    app = create_app(project, team=team, token=token, user=user, cookie=f"qualframe_{port}",
                     allowed_hosts=allowed_hosts)
    run_app(app, host, port, on_started=started_at(port))


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


# --------------------------------------------------------------------------- worker processes


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker process needs to build the team app: passed in environment variables."""

    root: str
    database_url: str
    user: str
    cookie: str
    allowed_hosts: set[str] | None
    max_upload_bytes: int = DEFAULT_MAX_BYTES

    def environment(self) -> dict[str, str]:
        variables = {
            ENV_ROOT: self.root,
            ENV_DATABASE_URL: self.database_url,
            ENV_USER: self.user,
            ENV_COOKIE: self.cookie,
            ENV_MAX_UPLOAD_BYTES: str(self.max_upload_bytes),
        }
        if self.allowed_hosts is not None:
            variables[ENV_ALLOWED_HOSTS] = ",".join(sorted(self.allowed_hosts))
        return variables

    @classmethod
    def from_environment(cls) -> "WorkerSettings":
        missing = [name for name in (ENV_ROOT, ENV_DATABASE_URL, ENV_USER, ENV_COOKIE) if not os.environ.get(name)]
        if missing:
            raise QualframeError(
                f"{', '.join(missing)} not set: worker_app runs in a worker process that 'qualframe serve "
                "--workers' starts"
            )
        hosts = os.environ.get(ENV_ALLOWED_HOSTS)
        return cls(
            root=os.environ[ENV_ROOT],
            database_url=os.environ[ENV_DATABASE_URL],
            user=os.environ[ENV_USER],
            cookie=os.environ[ENV_COOKIE],
            allowed_hosts=set(hosts.split(",")) if hosts is not None else None,
            max_upload_bytes=int(os.environ.get(ENV_MAX_UPLOAD_BYTES) or DEFAULT_MAX_BYTES),
        )


def worker_app() -> Any:
    """The team app one worker process serves; uvicorn calls this once in each worker."""
    try:
        settings = WorkerSettings.from_environment()
        # the parent has opened the project (and checked its schema); a worker only connects
        project = Project(Path(settings.root), settings.database_url)
        app = create_app(project, team=True, user=settings.user, cookie=settings.cookie,
                         allowed_hosts=settings.allowed_hosts, max_upload_bytes=settings.max_upload_bytes)
    except Exception as exc:
        # uvicorn's supervisor starts a worker that ended otherwise again, and again: this
        # exit status says the worker could not start, so the server stops instead
        print(f"qualframe: a worker process could not open the project: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(STARTUP_FAILURE) from None
    gc.collect()
    gc.freeze()  # as run_app does, in each worker
    return app


def bind_listener(host: str, port: int) -> socket.socket:
    """The listening socket the workers share, bound once here (port 0: a free one)."""
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise QualframeError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    # listening from now on: a browser that connects before a worker is up waits in the queue
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


def run_workers(settings: WorkerSettings, listener: socket.socket, workers: int, *,
                on_started: Callable[[], None] | None = None, factory: str = WORKER_FACTORY) -> None:
    """Serve ``listener`` with ``workers`` processes, each running ``factory``, until interrupted.

    uvicorn's supervisor starts them (spawned: each a fresh Python), starts a new one if
    one dies, and on Ctrl+C or SIGTERM stops them all before returning. ``factory`` is an
    import string of a function without arguments returning the app (the web benchmark
    wraps ``worker_app`` in a timing layer).
    """
    host, port = listener.getsockname()[:2]
    config = uvicorn.Config(factory, factory=True, host=host, port=port, workers=workers,
                            log_level="warning", access_log=False)
    variables = settings.environment()
    before = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)  # the workers are started from this environment
    try:
        supervisor = Multiprocess(config, sockets=[listener])
        if on_started is not None:
            threading.Thread(target=on_started, daemon=True).start()
        supervisor.run()
    finally:
        listener.close()
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        raise QualframeError("the server's worker processes could not start (see the message above)")
