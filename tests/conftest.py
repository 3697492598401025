"""Test fixtures: projects on SQLite and on a real, throwaway PostgreSQL server.

The PostgreSQL server is started once per test session from the machine's own
PostgreSQL binaries (Debian's ``postgresql`` package) in a temporary folder,
listening on loopback only, and removed afterwards. Set QUALFRAME_TEST_POSTGRES_URL
to an admin URL to use an existing server instead. Without either, PostgreSQL tests
are skipped, except under CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

import qualframe as qf

pytest_plugins = ["webkit"]


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the 'postgres' user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@pytest.fixture(scope="session")
def postgres_admin_url():
    """An admin URL of a PostgreSQL server that tests may create databases on."""
    given = os.environ.get("QUALFRAME_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        message = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must test on PostgreSQL")
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="qualframe-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "qualframe", "-E", "UTF8", "--no-sync"]),
        check=True, capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
    subprocess.run(
        _as_postgres([pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]),
        check=True, capture_output=True,
    )
    try:
        yield f"postgresql://qualframe@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_admin_url):
    """A fresh, empty database for one test; dropped afterwards."""
    import psycopg

    name = f"qf_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _ = postgres_admin_url.rsplit("/", 1)
    yield f"{base}/{name}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


@pytest.fixture
def db_url(backend, request):
    """None for SQLite (the default), or a fresh PostgreSQL database URL."""
    if backend == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def project(tmp_path, db_url):
    """An empty project on each backend."""
    proj = qf.init_project(tmp_path / "study", db_url)
    yield proj
    proj.close()


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


INTERVIEW = """Interviewer: Thank you for joining me today. Could you start by describing your role?

Priya Raman: I commission public health services for Wrenhallow County Council. Funding is always short-term, so we only ever plan a year ahead.

Interviewer: How does that affect services for parents and infants?

Priya Raman: It means providers cannot keep staff. Funding is always short-term, and the good people leave.
We also struggle to show impact within a single year.

Interviewer: Thank you.
"""


@pytest.fixture
def interview_file(tmp_path) -> Path:
    return write_text(tmp_path / "P01.txt", INTERVIEW)


def cli(*args, ok: bool = True, input: str | None = None):
    """Run the real CLI in-process; by default insist that it succeeds."""
    from typer.testing import CliRunner

    from qualframe.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args], input=input)
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result
