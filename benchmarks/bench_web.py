"""Benchmark of the web workbench: opening a long transcript and coding it, over real HTTP.

Builds a project with one invented interview of 20,000 words, a codebook of 6 themes
x 5 codes and 1,000 codings, serves it with uvicorn in a separate process (as
``qualframe serve`` does, single-user mode with a token), and times, over loopback with
keep-alive connections of the standard library's http.client (a client whose own cost
per request is small beside the server's, as a browser's is):

1. opening the transcript reader, GET /sources/<guid> (target: under 200 ms);
2. applying a code from one client, POST /sources/<guid>/codings exactly as the
   reader's script sends it (target: under 10 ms at the median);
3. applying codes from 20 clients at once, each with its own session and connection
   (target: under 50 ms at the 95th percentile), twice: first at a busy coder's pace
   (each client waits 0.5-1.5 s between an answer and its next request), then back to
   back (each sends its next request as soon as it has the answer: the server is never
   idle, so this measures the most it can do and how long requests then queue).

Every applied code is a new coding (a new span or code), so each request writes to
the database. The server also reports, in a header added by a thin wrapper around the
app, how long each request took inside the server; the server process's CPU time is
read from /proc; and the reader and coding views are timed in-process too, step by
step, without HTTP. Runs on SQLite and, with
``--postgres URL`` or ``--start-postgres``, on PostgreSQL. With ``--team-workers N``, the
PostgreSQL run serves the project in team mode with N worker processes (as ``qualframe
serve --team --workers N`` does), and every client signs in with an account through
/login; the server's CPU time is then that of all its processes.

Run from the repository root::

    .venv/bin/python benchmarks/bench_web.py                       # SQLite only
    .venv/bin/python benchmarks/bench_web.py --start-postgres      # and a throwaway PostgreSQL server
    .venv/bin/python benchmarks/bench_web.py --postgres postgresql://user@127.0.0.1:5432/emptydb
    .venv/bin/python benchmarks/bench_web.py --start-postgres --profile   # where the time goes
    .venv/bin/python benchmarks/bench_web.py --start-postgres --team-workers 2   # team mode, 2 processes
    .venv/bin/python benchmarks/bench_web.py --start-postgres --write-docs

The text is invented (bench_core.py's fixed vocabulary and a seeded random generator):
no real person is named, and every run builds the same study.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import glob
import http.client
import http.cookies
import io
import math
import multiprocessing
import os
import pstats
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

# the sibling script: vocabulary, codebook, machine facts; it also puts the checkout's src/ on the path
import bench_core as core  # noqa: E402

REPO = core.REPO
DOCS = core.DOCS
MARK_START = "<!-- bench_web:start -->"
MARK_END = "<!-- bench_web:end -->"

# Targets, in milliseconds.
TARGET_READER_MS = 200.0  # the reader page of a 20,000-word transcript with 1,000 codings
TARGET_APPLY_MS = 10.0  # applying a code, median, one client
TARGET_CONCURRENT_P95_MS = 50.0  # applying codes, 95th percentile, 20 clients

FULL_WORDS = 20_000
FULL_CODINGS = 1_000
FULL_CLIENTS = 20

HOST = "127.0.0.1"
SOURCE = "P01"
PARTICIPANT = "Marwen Quillby"  # invented, like every name bench_core makes
USER = "ines"  # the (invented) researcher the server runs for; in team mode, her account
PASSWORD = "ines's long bench password"
PG_BIN = "/usr/lib/postgresql/15/bin"
TIMING_HEADER = "x-bench-server-ms"


# --------------------------------------------------------------------------- the study


@dataclass
class Study:
    """The generated interview and what the benchmark needs to know about it."""

    folder: Path
    transcript: Path
    codebook: Path
    codings: Path
    paragraphs: list[list[tuple[int, int]]]  # sentence spans of each participant paragraph
    leaves: list[str]
    text: str
    words: int
    characters: int
    coding_rows: int


def generate(folder: Path, words: int, codings: int, seed: int) -> Study:
    """Write the interview, the codebook (YAML) and the codings (CSV) to import."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}-web")
    text, paragraphs = core.transcript(SOURCE, PARTICIPANT, words, rng)
    path = folder / f"{SOURCE}.txt"
    path.write_text(text, encoding="utf-8", newline="\n")
    codebook = folder / "codebook.yaml"
    core.write_codebook(codebook)
    leaves = [f"{theme}/{code}" for theme, codes in core.CODEBOOK.items() for code in codes]
    rows = core.pick_codings(SOURCE, paragraphs, codings, leaves, rng)
    codings_path = folder / "codings.csv"
    with open(codings_path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["source", "start", "end", "code", "coder", "memo"])
        for number, row in enumerate(rows):
            out.writerow([*row, core.MEMOS[number % len(core.MEMOS)] if number % 40 == 39 else ""])
    return Study(folder, path, codebook, codings_path, paragraphs, leaves, text, len(text.split()), len(text),
                 len(rows))


def build_project(study: Study, project_dir: Path, database_url: str | None) -> tuple[str, dict[str, float]]:
    """A project holding the study, through the library; returns the source's GUID and timings."""
    import qualframe as qf
    from qualframe.sources import get_source

    seconds: dict[str, float] = {}
    began = time.perf_counter()
    with qf.init_project(project_dir, database_url) as project:
        qf.import_file(project, study.transcript, case=SOURCE)
        qf.import_codebook(project, study.codebook)
        added = qf.import_codings(project, study.codings, default_coder=core.CODERS[0])["added"]
        if added != study.coding_rows:
            raise SystemExit(f"bench_web: import_codings added {added} codings, the CSV has {study.coding_rows}")
        guid = get_source(project, SOURCE)["guid"]
    seconds["build"] = time.perf_counter() - began
    return guid, seconds


class NewSpans:
    """Spans and codes never coded before, so every apply-code request writes a row."""

    def __init__(self, study: Study, seed: int) -> None:
        self.rng = random.Random(f"{seed}-apply")
        self.study = study
        self.used: set[tuple[int, int, str]] = set()
        self.lock = threading.Lock()

    def next(self) -> tuple[int, int, str]:
        with self.lock:
            while True:
                spans = self.rng.choice(self.study.paragraphs)
                first = self.rng.randrange(len(spans))
                last = min(len(spans) - 1, first + self.rng.randrange(3))
                start, end = spans[first][0], spans[last][1]
                # half of them start a few words into the sentence, as a selection by hand may
                if self.rng.random() < 0.5:
                    spaces = [m.end() for m in re.finditer(" ", self.study.text[start:end])][:3]
                    if spaces:
                        start += self.rng.choice(spaces)
                key = (start, end, self.rng.choice(self.study.leaves))
                if key not in self.used:
                    self.used.add(key)
                    return key


# --------------------------------------------------------------------------- the server


class TimedApp:
    """ASGI wrapper: adds how long the app took to start its answer, in a response header.

    The reader and coding views build the whole page before sending anything, so the
    time to the start of the response is the server's share of the request.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        began = time.perf_counter()

        async def timed_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                spent = f"{(time.perf_counter() - began) * 1000:.3f}"
                message["headers"] = list(message.get("headers", [])) + [(TIMING_HEADER.encode(), spent.encode())]
            await send(message)

        await self.app(scope, receive, timed_send)


def serve_in_child(project_dir: str, port: int, token: str) -> None:
    """What ``qualframe serve`` runs (single-user mode), with the timing wrapper around the app."""
    from qualframe import open_project
    from qualframe.web.app import create_app, loopback_hosts
    from qualframe.web.serve import run_app

    project = open_project(project_dir)
    app = create_app(project, token=token, user=USER, cookie=f"qualframe_{port}", allowed_hosts=loopback_hosts(HOST))
    run_app(TimedApp(app), HOST, port)


def timed_worker_app() -> Any:
    """What each worker of a team server with several processes serves, with the timing wrapper."""
    from qualframe.web.serve import worker_app

    return TimedApp(worker_app())


def serve_team_in_child(project_dir: str, port: int, workers: int) -> None:
    """What ``qualframe serve --team --workers N`` runs, with the timing wrapper around the app."""
    from qualframe import open_project
    from qualframe.web.app import create_app, loopback_hosts
    from qualframe.web.serve import WorkerSettings, bind_listener, run_app, run_workers

    # multiprocessing gave this process a stdin of its own that its children cannot reopen,
    # and uvicorn's workers reopen their parent's: give them none
    sys.stdin = None  # type: ignore[assignment]
    project = open_project(project_dir)
    cookie, allowed_hosts = f"qualframe_{port}", loopback_hosts(HOST)
    if workers == 1:  # as serve() does: the app in this process
        run_app(TimedApp(create_app(project, team=True, user=USER, cookie=cookie, allowed_hosts=allowed_hosts)),
                HOST, port)
        return
    settings = WorkerSettings(root=str(project.root), database_url=project.database_url, user=USER, cookie=cookie,
                              allowed_hosts=allowed_hosts)
    project.close()
    run_workers(settings, bind_listener(HOST, port), workers, factory="bench_web:timed_worker_app")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _proc_stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state is [0], parent [1])."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


@dataclass
class Server:
    base: str
    token: str | None  # None: team mode, clients sign in with an account
    pid: int

    def cpu_s(self) -> float:
        """CPU time the server has used so far: its process and its children, the worker
        processes of a team server with several (Linux; 0 where /proc is missing). A
        worker that ended is not counted; none should during a run."""
        tick = os.sysconf("SC_CLK_TCK")
        try:
            own = _proc_stat(self.pid)
        except OSError:
            return 0.0
        total = int(own[11]) + int(own[12])
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = _proc_stat(entry.name)
            except OSError:
                continue
            if int(fields[1]) == self.pid:
                total += int(fields[11]) + int(fields[12])
        return total / tick


def _answers(port: int, path: str) -> bool:
    try:
        client = LoopbackClient(f"http://{HOST}:{port}")
        try:
            return client.get(path).status_code == 200
        finally:
            client.close()
    except (OSError, http.client.HTTPException):
        return False


@contextmanager
def served(project_dir: Path, team_workers: int = 0) -> Iterator[Server]:
    """A uvicorn server on the project in a separate process: single-user with a token, or
    (``team_workers`` > 0) in team mode with that many worker processes."""
    port, token = free_port(), secrets.token_urlsafe(24)
    if team_workers:
        # not a daemon: a daemonic process may not start the worker processes
        process = multiprocessing.get_context("spawn").Process(
            target=serve_team_in_child, args=(str(project_dir), port, team_workers))
    else:
        process = multiprocessing.get_context("spawn").Process(
            target=serve_in_child, args=(str(project_dir), port, token), daemon=True)
    process.start()
    deadline = time.monotonic() + 60
    while True:
        if team_workers:
            # the parent listens before its workers are up: wait for an answer, not a connection
            if _answers(port, "/login"):
                break
        else:
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    break
            except OSError:
                pass
        if not process.is_alive() or time.monotonic() > deadline:
            process.terminate()  # a team server's parent stops its workers
            process.join(15)
            process.kill()
            raise SystemExit("bench_web: the server did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://{HOST}:{port}", None if team_workers else token, process.pid)
    finally:
        process.terminate()
        process.join(15)
        if process.is_alive():
            process.kill()
            process.join()


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]  # names in lower case
    text: str


class LoopbackClient:
    """One keep-alive connection to the server with its cookies, as a browser tab has.

    The standard library's http.client costs a fraction of a millisecond per request, so
    the end-to-end figures are the server's and the network's rather than a heavy
    client's (httpx, used here before, added about 1.5 ms to each request).
    """

    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        sent = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8")
        for header in response.headers.get_all("set-cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Answer(response.status, {name.lower(): value for name, value in response.getheaders()}, text)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str], headers: dict[str, str]) -> Answer:
        return self.request("POST", path, data, headers)

    def close(self) -> None:
        self.connection.close()


def signed_in_client(server: Server) -> tuple[LoopbackClient, str]:
    """A client with a session and its CSRF token: as a browser opening the printed link,
    or in team mode signing in through /login."""
    client = LoopbackClient(server.base)
    if server.token is None:
        form = client.get("/login")
        field_match = re.search(r'name="csrf" value="([^"]+)"', form.text)
        if form.status_code != 200 or not field_match:
            raise SystemExit(f"bench_web: the sign-in page answered {form.status_code} without its form's token")
        signed = client.post("/login", {"name": USER, "password": PASSWORD, "csrf": field_match.group(1),
                                        "next": "/"}, {})
        if signed.status_code != 303:
            raise SystemExit(f"bench_web: signing in as {USER} answered {signed.status_code}, not 303")
    else:
        opened = client.get(f"/?token={server.token}")
        if opened.status_code != 303:
            raise SystemExit(f"bench_web: opening the token link answered {opened.status_code}, not 303")
    page = client.get("/")
    match = re.search(r'data-csrf="([^"]+)"', page.text)
    if page.status_code != 200 or not match:
        raise SystemExit(f"bench_web: the overview page answered {page.status_code} without a CSRF token")
    return client, match.group(1)


# --------------------------------------------------------------------------- measuring


@dataclass
class Timings:
    """Latencies of one kind of request, end to end and inside the server, in ms."""

    total_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    server_cpu_s: float = 0.0

    @contextmanager
    def clocked(self, server: Server) -> Iterator[None]:
        """Wall time and the server's CPU time of the timed stretch."""
        cpu, began = server.cpu_s(), time.perf_counter()
        yield
        self.wall_s, self.server_cpu_s = time.perf_counter() - began, server.cpu_s() - cpu

    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / len(self.total_ms) if self.total_ms else float("nan")

    def add(self, began: float, response: Any, expected: int = 200) -> None:
        self.total_ms.append((time.perf_counter() - began) * 1000)
        if TIMING_HEADER in response.headers:
            self.server_ms.append(float(response.headers[TIMING_HEADER]))
        if response.status_code != expected:
            self.errors.append(f"{response.status_code}: {response.text[:200]}")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest rank: the value 95% of requests were at or under."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def apply_form(span: tuple[int, int, str]) -> dict[str, str]:
    """The fields the reader's script posts when a code is picked (static/reader.js, choose)."""
    start, end, code = span
    return {"start": str(start), "end": str(end), "code": code, "create": "", "memo": ""}


def apply_code(client: Any, csrf: str, guid: str, span: tuple[int, int, str], into: Timings) -> None:
    """One apply-code request as the reader's script sends it; a refused or broken one is an error."""
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    began = time.perf_counter()
    try:
        response = client.post(f"/sources/{guid}/codings", data=apply_form(span), headers=headers)
    except (OSError, http.client.HTTPException) as exc:  # e.g. the server closed the connection after a crash
        into.errors.append(f"{type(exc).__name__}: {exc}")
        return
    into.add(began, response)


@dataclass
class HttpResult:
    reader: Timings
    reader_first_ms: float
    reader_kb: float
    reader_count_shown: str
    apply_one: Timings
    apply_saturated: Timings
    apply_paced: Timings


def many_clients(server: Server, guid: str, spans: NewSpans, *, clients: int, per_client: int,
                 pause_s: float, seed: int) -> Timings:
    """``clients`` clients at once, each with its own session and connection, each applying
    ``per_client`` codes; between an answer and its next request a client waits a random
    0.5-1.5 x ``pause_s`` (0: none, so the server is never idle)."""
    timings = Timings()
    sessions = [signed_in_client(server) for _ in range(clients)]
    start_together = threading.Barrier(clients + 1)
    lock = threading.Lock()

    def work(number: int, session: tuple[Any, str]) -> None:
        own = Timings()
        rng = random.Random(f"{seed}-client-{number}")
        mine = [spans.next() for _ in range(per_client)]
        apply_code(session[0], session[1], guid, spans.next(), own)  # warm the connection (not timed)
        own.total_ms.clear()
        own.server_ms.clear()
        start_together.wait()
        if pause_s:
            time.sleep(rng.uniform(0, pause_s))  # spread the first requests out
        for span in mine:
            apply_code(session[0], session[1], guid, span, own)
            if pause_s:
                time.sleep(rng.uniform(0.5 * pause_s, 1.5 * pause_s))
        with lock:
            timings.total_ms += own.total_ms
            timings.server_ms += own.server_ms
            timings.errors += own.errors

    threads = [threading.Thread(target=work, args=(number, session)) for number, session in enumerate(sessions)]
    for thread in threads:
        thread.start()
    with timings.clocked(server):
        start_together.wait()
        for thread in threads:
            thread.join()
    for client, _ in sessions:
        client.close()
    return timings


def measure_http(server: Server, guid: str, spans: NewSpans, args: argparse.Namespace) -> HttpResult:
    """The timed workloads against the running server, in this order."""
    client, csrf = signed_in_client(server)
    # 1. the reader page: the first request after start is reported apart (templates compile)
    began = time.perf_counter()
    first = client.get(f"/sources/{guid}")
    first_ms = (time.perf_counter() - began) * 1000
    count = re.search(r'<span id="coding-count">(\d+)</span>', first.text)
    for _ in range(3):
        client.get(f"/sources/{guid}")
    reader = Timings()
    with reader.clocked(server):
        for _ in range(args.requests):
            began = time.perf_counter()
            response = client.get(f"/sources/{guid}")
            reader.add(began, response)

    # 2. one client applying codes one after another (after a few untimed ones)
    for _ in range(5):
        apply_code(client, csrf, guid, spans.next(), Timings())
    one = Timings()
    with one.clocked(server):
        for _ in range(args.applies):
            apply_code(client, csrf, guid, spans.next(), one)
    client.close()

    # 3. many clients: at a coder's pace, then back to back
    paced = many_clients(server, guid, spans, clients=args.clients, per_client=args.per_client,
                         pause_s=args.pause_ms / 1000, seed=args.seed)
    saturated = many_clients(server, guid, spans, clients=args.clients, per_client=args.per_client,
                             pause_s=0, seed=args.seed)
    return HttpResult(reader, first_ms, len(first.text.encode("utf-8")) / 1024, count.group(1) if count else "?", one,
                      saturated, paced)


# --------------------------------------------------------------------------- in-process views


def in_process_visit(project: Any, guid: str, path: str, form: dict[str, str] | None = None) -> Any:
    """A Visit as the routing layer builds it, for calling a view without HTTP."""
    from starlette.requests import Request

    from qualframe.accounts import SignedIn
    from qualframe.web.app import create_app
    from qualframe.web.routing import Visit

    app = create_app(project, token="in-process", user=USER)
    scope = {"type": "http", "method": "POST" if form else "GET", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": [(b"host", HOST.encode())] + ([(b"hx-request", b"true")] if form else []),
             "scheme": "http", "server": (HOST, 80), "root_path": "", "app": app}
    return Visit(Request(scope), project, SignedIn(USER, "owner", "in-process"), form=dict(form or {}))


def time_steps(steps: list[tuple[str, Callable[[], Any]]], repeats: int) -> dict[str, list[float]]:
    """Run the steps in order, ``repeats`` times; each step's durations in ms."""
    spent: dict[str, list[float]] = {name: [] for name, _ in steps}
    for _ in range(repeats):
        for name, step in steps:
            began = time.perf_counter()
            step()
            spent[name].append((time.perf_counter() - began) * 1000)
    return spent


def reader_steps(project: Any, guid: str) -> list[tuple[str, Callable[[], Any]]]:
    """The reader view (views/reader.py, read) cut into the library and rendering calls it makes."""
    from qualframe import coding, sources
    from qualframe.web.views import reader

    visit = in_process_visit(project, guid, f"/sources/{guid}")
    state: dict[str, Any] = {}

    def transcript() -> None:
        state["data"] = coding.transcript(project, sources.name_of(project, guid))

    def layout() -> None:
        data = state["data"]
        state["blocks"] = reader.layout(data["text"], reader.block_spans(data["text"], data["turns"]), data["codings"])

    def picker() -> None:
        state["codes"] = reader._codebook_for_picker(visit)

    def render() -> None:
        visit.render("reader/page.html", source=state["data"], blocks=state["blocks"],
                      codes=state["codes"], coding_count=state["data"]["coding_count"])

    return [
        ("whole view, reader.read", lambda: reader.read(visit, guid=guid)),
        ("sources.name_of + coding.transcript", transcript),
        ("block_spans + layout", layout),
        ("codebook for the picker (list_codes)", picker),
        ("render page.html (with project.revision)", render),
        ("project.revision alone", project.revision),
    ]


def apply_steps(project: Any, guid: str, spans: NewSpans) -> list[tuple[str, Callable[[], Any]]]:
    """The coding view (views/reader.py, apply_code), whole, and its write and its redraw alone."""
    from qualframe import coding, sources
    from qualframe.web.views import reader

    def whole() -> None:
        start, end, code = spans.next()
        visit = in_process_visit(project, guid, f"/sources/{guid}/codings", apply_form((start, end, code)))
        reader.apply_code(visit, guid=guid)

    state: dict[str, Any] = {}

    def write() -> None:
        start, end, code = spans.next()
        state["span"] = (start, end)
        state["name"] = sources.name_of(project, guid)
        coding.code_text(project, state["name"], code, start=start, end=end, coder=USER)

    def answer() -> None:
        visit = in_process_visit(project, guid, f"/sources/{guid}/codings", {"x": "1"})
        start, end = state["span"]
        reader._change_and_redraw(visit, guid, lambda _name: {"start": start, "end": end}, "Coded.")

    return [
        ("whole view, reader.apply_code", whole),
        ("sources.name_of + coding.code_text (the write alone)", write),
        ("the blocks to swap in alone (reader._change_and_redraw, no change)", answer),
    ]


def in_process_reader(project_dir: Path, guid: str, *, repeats: int,
                      profile: bool) -> tuple[dict[str, list[float]], str]:
    """Time the reader view without HTTP, step by step (and profile it, if asked)."""
    import qualframe as qf

    with qf.open_project(project_dir) as project:
        steps = reader_steps(project, guid)
        time_steps(steps, 2)  # warm: templates compiled, connections open
        spent = time_steps(steps, repeats)
        return spent, profiled("reader.read", steps[0][1], repeats) if profile else ""


def in_process_apply(project_dir: Path, guid: str, spans: NewSpans, *, repeats: int,
                     profile: bool) -> tuple[dict[str, list[float]], str]:
    """Time the coding view without HTTP, whole and in parts (and profile it, if asked)."""
    import qualframe as qf

    with qf.open_project(project_dir) as project:
        steps = apply_steps(project, guid, spans)
        time_steps(steps, 3)
        spent = time_steps(steps, repeats)
        return spent, profiled("reader.apply_code", steps[0][1], repeats) if profile else ""


def profiled(label: str, work: Callable[[], Any], repeats: int) -> str:
    """cProfile of ``repeats`` calls: the functions that take the most time, per call."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        work()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(35)
    out.write("\n-- by own time --\n")
    stats.sort_stats("tottime").print_stats(20)
    return f"===== {label}: {repeats} calls (cProfile; times are totals over all calls) =====\n" + out.getvalue()


# --------------------------------------------------------------------------- PostgreSQL


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the 'postgres' user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _pg_bin(name: str) -> str:
    if (Path(PG_BIN) / name).exists():
        return str(Path(PG_BIN) / name)
    found = shutil.which(name) or (sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [None])[-1]
    if not found:
        raise SystemExit(f"bench_web: {name} not found: install PostgreSQL (apt-get install postgresql) "
                         "or give --postgres URL")
    return found


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server of its own in a temporary folder, on loopback, with default
    durability settings (fsync and synchronous_commit on); yields an empty database's URL."""
    import psycopg

    folder = Path(tempfile.mkdtemp(prefix="qualframe-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "bench", "-E", "UTF8"]),
                   check=True, capture_output=True)
    options = f"-c listen_addresses={HOST} -p {port} -k {folder}"
    subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                                 "-w", "start"]), check=True, capture_output=True)
    try:
        with psycopg.connect(f"postgresql://bench@{HOST}:{port}/postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE qf_bench_web")
        yield f"postgresql://bench@{HOST}:{port}/qf_bench_web"
    finally:
        subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def postgres_facts(url: str) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed)
    try:
        with engine.connect() as connection:
            settings = [connection.exec_driver_sql(f"SHOW {name}").scalar()
                        for name in ("server_version", "fsync", "synchronous_commit")]
    finally:
        engine.dispose()
    return (f"PostgreSQL {settings[0].split()[0]} at {parsed.host or 'a local socket'} "
            f"(fsync {settings[1]}, synchronous_commit {settings[2]})")


# --------------------------------------------------------------------------- one backend


@dataclass
class BackendResult:
    backend: str
    http: HttpResult
    read_steps_ms: dict[str, list[float]]
    apply_steps_ms: dict[str, list[float]]
    build_s: float
    server: str = ""
    problems: list[str] = field(default_factory=list)
    profile: str = ""
    serving: str = "one process, single-user mode"


def run_backend(backend: str, study: Study, project_dir: Path, database_url: str | None,
                args: argparse.Namespace) -> BackendResult:
    import qualframe as qf

    print(f"[{backend}] building the project ...", flush=True)
    guid, seconds = build_project(study, project_dir, database_url)
    spans = NewSpans(study, args.seed)
    print(f"[{backend}] timing the reader view in-process ...", flush=True)
    read_ms, read_profile = in_process_reader(project_dir, guid, repeats=args.requests, profile=args.profile)
    team_workers = args.team_workers if database_url else 0
    if team_workers:
        from qualframe import accounts

        with qf.open_project(project_dir) as project:
            accounts.add_account(project, USER, PASSWORD, "owner")
    print(f"[{backend}] serving the project and timing over HTTP ...", flush=True)
    with served(project_dir, team_workers) as server:
        http = measure_http(server, guid, spans, args)
    print(f"[{backend}] timing the coding view in-process ...", flush=True)
    apply_ms, apply_profile = in_process_apply(project_dir, guid, spans, repeats=args.in_process_applies,
                                               profile=args.profile)
    result = BackendResult(backend, http, read_ms, apply_ms, seconds["build"],
                           profile="\n".join(filter(None, (read_profile, apply_profile))))
    if database_url:
        result.server = postgres_facts(database_url)
    if team_workers:
        result.serving = (f"{team_workers} worker process{'es' if team_workers > 1 else ''}, team mode "
                          "(clients signed in with an account)")
    # check what the server did against the library
    if http.reader_count_shown != str(study.coding_rows):
        result.problems.append(f"the reader page showed {http.reader_count_shown} codings, not {study.coding_rows}")
    for name, timings in (("reader", http.reader), ("apply, one client", http.apply_one),
                          ("apply, clients at a coder's pace", http.apply_paced),
                          ("apply, clients back to back", http.apply_saturated)):
        if timings.errors:
            result.problems.append(f"{name}: {len(timings.errors)} request(s) failed, first: {timings.errors[0]}")
    with qf.open_project(project_dir) as project:
        mine = len(qf.list_codings(project, source=SOURCE, coder=USER))
    expected = len(spans.used)
    if mine != expected:
        result.problems.append(f"the project holds {mine} codings by {USER}, but {expected} were applied")
    return result


# --------------------------------------------------------------------------- reporting


def verdict(value: float, target: float, full_size: bool) -> str:
    if not full_size:
        return "(scaled down)"
    return "met" if value < target else "**missed**"


def figures(values: list[float]) -> str:
    return f"{median(values):.1f} / {p95(values):.1f} / {max(values):.1f} ms" if values else "—"


def results_markdown(study: Study, results: list[BackendResult], facts: dict[str, str], full_size: bool,
                     args: argparse.Namespace) -> str:
    """The results as Markdown: the same text on screen and in the docs."""
    names = [r.backend for r in results]
    servers = [r.server for r in results if r.server]
    lines = [
        f"- Date: {facts['date']}",
        f"- Machine: {facts['cpu']}, {facts['memory']} RAM; {facts['os']}; SQLite project on "
        f"{core.filesystem(study.folder)}",
        f"- Software: {facts['python']}; SQLite {facts['sqlite']}; " + "".join(f"{s}; " for s in servers)
        + f"uvicorn {_version('uvicorn')} (httptools {_version('httptools')}, uvloop {_version('uvloop')}), "
        f"Starlette {_version('starlette')}; "
        f"qualframe {facts['qualframe']}",
        "- Server and clients on the same machine: uvicorn in its own process as `qualframe serve` "
        "runs it (" + "; ".join(f"{r.backend}: {r.serving}" for r in results) + "); the clients are "
        "keep-alive connections of Python's http.client, in threads of another process. "
        f"Load average (1 minute) at the start and end of the run: {facts['load']}: other work on the "
        "machine slows the figures down. Speed check (`bench_core.speed_check`, a fixed pure-Python "
        f"loop; lower is faster) at the start and end: {facts['speed']} ms: every figure below moves "
        "with it.",
        "",
        f"Study: one transcript of {study.words:,} words ({study.characters:,} characters), "
        f"a codebook of {len(core.CODEBOOK)} themes × {len(study.leaves) // len(core.CODEBOOK)} codes, "
        f"{study.coding_rows:,} codings by 2 coders, put in a new project with the library in "
        + ", ".join(f"{r.build_s:.1f} s on {r.backend}" for r in results) + ". Reader page: "
        + ", ".join(f"{r.http.reader_kb:,.0f} KB of HTML on {r.backend}" for r in results) + ".",
        "",
    ]
    if not full_size:
        lines += [f"**Scaled-down run: the targets apply to {FULL_WORDS:,} words, {FULL_CODINGS:,} codings "
                  f"and {FULL_CLIENTS} clients.**", ""]
    lines += ["Median / 95th percentile / maximum, in milliseconds; \"end to end\" is measured by the "
              "client around the whole request, \"in the server\" from the app receiving the request to its "
              "starting the answer (a header added by a wrapper around the app).", "",
              "| Request | Target | " + " | ".join(names) + " |",
              "|---|---|" + "---|" * len(names)]

    def row(label: str, target: str, cell: Callable[[BackendResult], str]) -> None:
        lines.append(f"| {label} | {target} | " + " | ".join(cell(r) for r in results) + " |")

    row(f"(1) open the reader, GET /sources/&lt;guid&gt;, end to end ({args.requests} requests)",
        f"< {TARGET_READER_MS:g} ms (p95)",
        lambda r: f"{figures(r.http.reader.total_ms)} "
                  f"{verdict(p95(r.http.reader.total_ms), TARGET_READER_MS, full_size)}")
    row("(1) the same requests, in the server", "—", lambda r: figures(r.http.reader.server_ms))
    row("(1) the reader view called in-process (no HTTP, no sign-in check)", "—",
        lambda r: figures(r.read_steps_ms["whole view, reader.read"]))
    row("(1) first request after the server started (templates compiled)", "—",
        lambda r: f"{r.http.reader_first_ms:.0f} ms")
    row(f"(2) apply a code, POST /sources/&lt;guid&gt;/codings, one client ({args.applies} requests)",
        f"< {TARGET_APPLY_MS:g} ms (median)",
        lambda r: f"{figures(r.http.apply_one.total_ms)} "
                  f"{verdict(median(r.http.apply_one.total_ms), TARGET_APPLY_MS, full_size)}")
    row("(2) the same requests, in the server", "—", lambda r: figures(r.http.apply_one.server_ms))
    pace = f"{args.pause_ms / 1000:g} s"
    row(f"(3) apply a code, {args.clients} clients at once, each waiting 0.5–1.5 × {pace} between "
        f"an answer and its next request ({args.clients} × {args.per_client} requests)",
        f"< {TARGET_CONCURRENT_P95_MS:g} ms (p95)",
        lambda r: f"{figures(r.http.apply_paced.total_ms)} "
                  f"{verdict(p95(r.http.apply_paced.total_ms), TARGET_CONCURRENT_P95_MS, full_size)}")
    row("(3) the same requests, in the server", "—", lambda r: figures(r.http.apply_paced.server_ms))
    row(f"(3) apply a code, {args.clients} clients at once, back to back: each sends its next request "
        f"as soon as it has the answer ({args.clients} × {args.per_client} requests)",
        f"< {TARGET_CONCURRENT_P95_MS:g} ms (p95)",
        lambda r: f"{figures(r.http.apply_saturated.total_ms)} "
                  f"{verdict(p95(r.http.apply_saturated.total_ms), TARGET_CONCURRENT_P95_MS, full_size)}")
    row("(3) the same requests, in the server", "—", lambda r: figures(r.http.apply_saturated.server_ms))
    row("codings applied per second: one client / clients at a coder's pace / back to back", "—",
        lambda r: " / ".join(f"{len(t.total_ms) / t.wall_s:.0f}"
                             for t in (r.http.apply_one, r.http.apply_paced, r.http.apply_saturated)))
    row("server CPU time per request (CPU time of the server's processes / requests): reader / one client / "
        "coder's pace / back to back", "—", lambda r: " / ".join(f"{t.cpu_ms_per_request():.1f}" for t in (
            r.http.reader, r.http.apply_one, r.http.apply_paced, r.http.apply_saturated)) + " ms")
    row("failed requests", "0", lambda r: str(sum(len(t.errors) for t in (
        r.http.reader, r.http.apply_one, r.http.apply_paced, r.http.apply_saturated))))
    lines.append("")
    budget = TARGET_CONCURRENT_P95_MS / args.clients
    lines += [f"Back to back, each of the {args.clients} clients always has a request waiting, so every request "
              f"queues behind the others and takes about {args.clients} times what the server spends on one "
              f"(Little's law). Under {TARGET_CONCURRENT_P95_MS:g} ms would need the server to answer in under "
              f"{budget:g} ms of its time per request; it spends " + ", ".join(
                  f"{r.http.apply_saturated.cpu_ms_per_request():.1f} ms of CPU on {r.backend}" for r in results)
              + " (one Python process uses one core at a time; "
              + "; ".join(f"{r.backend}: {r.serving}" for r in results) + ").", ""]

    lines += [f"Where the time goes inside the views, called in-process without HTTP (medians of "
              f"{args.requests} calls of the reader, before the HTTP runs, with {study.coding_rows:,} codings; "
              f"{args.in_process_applies} calls of coding, after them), in ms:", "",
              "| Step | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key in results[0].read_steps_ms:
        lines.append(f"| reader: {key} | " + " | ".join(f"{median(r.read_steps_ms[key]):.1f}" for r in results) + " |")
    for key in results[0].apply_steps_ms:
        lines.append(f"| coding: {key} | " + " | ".join(f"{median(r.apply_steps_ms[key]):.1f}" for r in results) + " |")
    lines.append("")

    problems = [f"{r.backend}: {problem}" for r in results for problem in r.problems]
    if problems:
        lines += ["Checks **failed**:", ""] + [f"- {problem}" for problem in problems] + [""]
    else:
        lines += ["Checks passed on every backend: every request answered 200, the reader page showed "
                  f"{study.coding_rows:,} codings, and the project holds exactly the codings the requests applied.", ""]
    return "\n".join(lines)


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


SECTION_INTRO = """## bench_web.py: the web workbench — reader and coding over HTTP

What is timed is described in this script's docstring. Run it with
`.venv/bin/python benchmarks/bench_web.py --start-postgres --write-docs`.
"""


def write_docs(body: str) -> None:
    """Replace the results block; the first time, add the section with its heading."""
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    if MARK_START not in text:
        DOCS.write_text(text.rstrip() + "\n\n" + SECTION_INTRO + "\n" + MARK_START + "\n" + MARK_END + "\n",
                        encoding="utf-8")
    core.write_docs_section(DOCS, MARK_START, MARK_END, body)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=FULL_WORDS, help="words in the transcript (20000)")
    parser.add_argument("--codings", type=int, default=FULL_CODINGS, help="codings before the timed requests (1000)")
    parser.add_argument("--requests", type=int, default=30, help="timed GETs of the reader page (30)")
    parser.add_argument("--applies", type=int, default=200, help="timed apply-code requests from one client (200)")
    parser.add_argument("--clients", type=int, default=FULL_CLIENTS, help="concurrent clients (20)")
    parser.add_argument("--per-client", type=int, default=25, help="apply-code requests per concurrent client (25)")
    parser.add_argument("--pause-ms", type=float, default=1000,
                        help="mean pause of a client between an answer and its next request in the paced "
                             "concurrent run (1000)")
    parser.add_argument("--in-process-applies", type=int, default=50, help="coding view calls timed in-process (50)")
    parser.add_argument("--seed", type=int, default=1729, help="seed of the generator")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", metavar="URL",
                       help="also run on this PostgreSQL database (it must be empty; the run leaves the "
                            "project's tables in it)")
    where.add_argument("--start-postgres", action="store_true",
                       help=f"also run on a throwaway PostgreSQL server started from {PG_BIN} "
                            "(as the postgres user when run as root), removed afterwards")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite (with a PostgreSQL option)")
    parser.add_argument("--team-workers", type=int, default=0, metavar="N",
                        help="on PostgreSQL, serve in team mode with N worker processes (qualframe serve "
                             "--team --workers N), clients signing in with an account (default: single-user "
                             "mode, one process)")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the reader and coding views (called in-process)")
    core.add_run_options(parser)
    args = parser.parse_args(argv)
    if args.words < 500 or args.codings < 1 or min(args.requests, args.applies, args.clients, args.per_client) < 1:
        parser.error("--words must be at least 500, and --codings, --requests, --applies, --clients "
                     "and --per-client at least 1")
    if args.no_sqlite and not (args.postgres or args.start_postgres):
        parser.error("--no-sqlite needs --postgres URL or --start-postgres")
    from qualframe.web.serve import MAX_WORKERS

    if args.team_workers and not (args.postgres or args.start_postgres):
        parser.error("--team-workers needs --postgres URL or --start-postgres (team mode serves PostgreSQL projects)")
    if not 0 <= args.team_workers <= MAX_WORKERS:
        parser.error(f"--team-workers must be between 1 and {MAX_WORKERS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    full_size = (args.words, args.codings, args.clients) == (FULL_WORDS, FULL_CODINGS, FULL_CLIENTS)
    if args.postgres:
        problem = core.postgres_problem(args.postgres)
        if problem:
            print(f"bench_web: {problem}", file=sys.stderr)
            return 2
    facts = core.machine()
    load_at_start, speed_at_start = os.getloadavg()[0], core.speed_check()
    folder = Path(tempfile.mkdtemp(prefix="qualframe-bench-web-", dir=args.tmpdir))
    try:
        study = generate(folder / "study", args.words, args.codings, args.seed)
        print(f"Generated a transcript of {study.words:,} words and {study.coding_rows:,} codings in {folder}",
              flush=True)
        results = []
        if not args.no_sqlite:
            results.append(run_backend("SQLite", study, folder / "project-sqlite", None, args))
        if args.postgres:
            results.append(run_backend("PostgreSQL", study, folder / "project-postgres", args.postgres, args))
        elif args.start_postgres:
            print("Starting a throwaway PostgreSQL server ...", flush=True)
            with throwaway_postgres() as url:
                results.append(run_backend("PostgreSQL", study, folder / "project-postgres", url, args))

        facts["load"] = f"{load_at_start:.1f} and {os.getloadavg()[0]:.1f}"
        facts["speed"] = f"{speed_at_start:.0f} and {core.speed_check():.0f}"
        body = results_markdown(study, results, facts, full_size, args)
        for result in results:
            if result.profile:
                print(f"\n######## profile on {result.backend} ########\n{result.profile}")
        print()
        print(body)
        if args.write_docs:
            write_docs(body)
            print(f"Wrote the results into {DOCS}")
        if args.keep:
            print(f"Kept the study and projects in {folder}")
        return 1 if any(r.problems for r in results) else 0
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
