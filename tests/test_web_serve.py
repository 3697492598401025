"""`qualframe serve` as a user runs it: one line with the URL, the token in it, Ctrl+C stops it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from uvicorn.config import STARTUP_FAILURE

import qualframe as qf
from qualframe import coding, sources
from qualframe.web.serve import ENV_DATABASE_URL, MAX_WORKERS, WorkerSettings, free_port, worker_app
from conftest import cli, write_text, INTERVIEW
from webkit import csrf_of


def test_serve_prints_one_line_with_a_token_url(tmp_path):
    folder = tmp_path / "study"
    cli("init", folder)
    cli("import", write_text(tmp_path / "P01.txt", INTERVIEW), "-p", folder)
    process = subprocess.Popen(
        [sys.executable, "-m", "qualframe", "serve", "-p", str(folder), "--no-browser", "--coder", "ana"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline().strip()
        match = re.fullmatch(r"qualframe serving at (http://127\.0\.0\.1:(\d+)/\?token=([\w-]{20,}))", line)
        assert match, line
        url, port, token = match.groups()
        client = httpx.Client(follow_redirects=True)
        page = client.get(url)
        assert page.status_code == 200 and "Overview" in page.text
        assert f"qualframe_{port}" in client.cookies
        assert "ana" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 403
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    assert token not in process.stderr.read()  # not logged


def test_users_commands(project, backend):
    folder = project.root
    cli("users", "add", "olu", "--role", "owner", "--password", "a long enough password", "-p", folder)
    cli("users", "add", "cara", "--password", "another long password", "-p", folder)
    listed = cli("users", "--json", "-p", folder).stdout
    assert '"name": "cara"' in listed and '"role": "coder"' in listed
    cli("users", "role", "cara", "viewer", "-p", folder)
    assert '"role": "viewer"' in cli("users", "--json", "-p", folder).stdout
    refused = cli("users", "add", "bea", "--password", "short", "-p", folder, ok=False)
    assert refused.exit_code == 1 and "at least 10 characters" in refused.output
    cli("users", "deactivate", "cara", "-p", folder)
    assert '"active": false' in cli("users", "--json", "-p", folder).stdout


# --------------------------------------------------------------------------- several worker processes


def _children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid and stat[0] != "Z":
                found.append(int(entry.name))
    return found


def _workers_of(pid: int) -> list[int]:
    """The uvicorn workers among the children: spawned by multiprocessing (not its resource tracker)."""
    workers = []
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in command:
            workers.append(child)
    return workers


def _holding_connections_on(port: int, pids: list[int]) -> set[int]:
    """Which of ``pids`` hold an accepted (established) connection on ``port`` right now."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    holding = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                holding.add(pid)
    return holding


def _signed_in_client(base: str, name: str, password: str) -> httpx.Client:
    """Sign in through /login as a browser does: the form's token, then name and password."""
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    form = client.get("/login")
    assert form.status_code == 200, form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = client.post("/login", data={"name": name, "password": password, "csrf": csrf, "next": "/"})
    assert answer.status_code == 303, answer.text
    return client


@pytest.mark.postgres
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="looks at processes through Linux's /proc")
def test_a_team_server_with_two_workers_codes_and_stops_them_all(tmp_path, postgres_url):
    folder = tmp_path / "study"
    cli("init", folder, "--db", postgres_url)
    cli("import", write_text(tmp_path / "P01.txt", INTERVIEW), "-p", folder)
    password = "a long enough password"
    cli("users", "add", "olu", "--role", "owner", "--password", password, "-p", folder)
    port = free_port("127.0.0.1")
    process = subprocess.Popen(
        [sys.executable, "-m", "qualframe", "serve", "--team", "--workers", "2", "--no-browser",
         "--port", str(port), "-p", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    workers: list[int] = []
    try:
        line = process.stdout.readline().strip()
        started = f"qualframe serving at http://127.0.0.1:{port}/"
        assert line == started, (line, process.stderr.read() if process.poll() is not None else "")
        base = f"http://127.0.0.1:{port}"
        client = _signed_in_client(base, "olu", password)
        with qf.open_project(folder) as project:
            guid = sources.list_sources(project)[0]["guid"]
            text = coding.transcript(project, "P01")["text"]
        page = client.get(f"/sources/{guid}")
        assert page.status_code == 200 and "olu" in page.text
        start = text.index("It means providers")
        answer = client.post(f"/sources/{guid}/codings",
                             data={"start": str(start), "end": str(start + 18), "code": "Workforce/Staff turnover",
                                   "create": "1"},
                             headers={"X-CSRF-Token": csrf_of(page.text), "HX-Request": "true"})
        assert answer.status_code == 200, answer.text
        # read back on new connections, whichever worker takes them
        for _ in range(4):
            with httpx.Client(base_url=base, cookies=client.cookies, timeout=30) as fresh:
                assert "Staff turnover" in fresh.get(f"/sources/{guid}").text
        with qf.open_project(folder) as project:
            codings = [(c["code"], c["coder"]) for c in coding.list_codings(project)]
        assert codings == [("Workforce/Staff turnover", "olu")]

        workers = _workers_of(process.pid)
        assert len(workers) == 2, workers
        # both answer: hold many connections open at once, and see which processes took them
        holding: set[int] = set()
        for _ in range(5):
            clients = [httpx.Client(base_url=base, cookies=client.cookies, timeout=30) for _ in range(12)]
            try:
                with ThreadPoolExecutor(12) as pool:
                    assert all(r.status_code == 200 for r in pool.map(lambda c: c.get("/revision"), clients))
                holding |= _holding_connections_on(port, workers)
            finally:
                for each in clients:
                    each.close()
            if holding == set(workers):
                break
        assert holding == set(workers)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert process.returncode == 0, process.stderr.read()


def test_several_workers_need_team_mode_and_a_sensible_number(tmp_path):
    folder = tmp_path / "study"
    cli("init", folder)
    refused = cli("serve", "--workers", "2", "--no-browser", "-p", folder, ok=False)
    assert refused.exit_code == 1 and "--workers needs team mode" in refused.output
    assert "--team with a PostgreSQL project" in refused.output
    for number in ("0", "-3", "1000"):
        refused = cli("serve", "--team", "--workers", number, "--no-browser", "-p", folder, ok=False)
        assert refused.exit_code == 1
        assert f"--workers must be between 1 and {MAX_WORKERS}, not {number}" in refused.output
    refused = cli("serve", "--team", "--workers", "2", "--no-browser", "-p", folder, ok=False)
    assert refused.exit_code == 1 and "team mode needs a PostgreSQL project" in refused.output


def test_a_worker_builds_the_app_from_the_environment_it_is_given(project, backend, monkeypatch):
    settings = WorkerSettings(root=str(project.root), database_url=project.database_url, user="olu",
                              cookie="qualframe_8123", allowed_hosts={"127.0.0.1", "localhost"},
                              max_upload_bytes=3 * 1024 * 1024)
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    assert WorkerSettings.from_environment() == settings
    app = worker_app()
    assert app.state.team and app.state.cookie == "qualframe_8123" and app.state.max_upload_bytes == 3 * 1024 * 1024
    monkeypatch.delenv(ENV_DATABASE_URL)
    with pytest.raises(SystemExit) as stopped:
        worker_app()
    assert stopped.value.code == STARTUP_FAILURE  # so uvicorn's supervisor stops rather than start it again
