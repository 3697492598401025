"""Fixtures and helpers for the web workbench tests (loaded by conftest as a plugin).

A test gets a real server (uvicorn in a thread, on a free loopback port) over a real
project, and, for end-to-end tests, Debian's chromium driven by Playwright. Each view's
screenshot is kept in test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import uvicorn

from qualframe import accounts, cases, codebook
from qualframe.importing import import_file
from qualframe.project import Project
from qualframe.web.app import create_app, loopback_hosts
from qualframe.web.serve import free_port

CHROMIUM = os.environ.get("QUALFRAME_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"

TRANSCRIPT = """Interview P01 (invented for the tests)

Interviewer: Thank you for joining me today. Could you start by describing your role?

Priya Raman: I commission public health services for Wrenhallow County Council. Funding is always short-term, so we only ever plan a year ahead.

Interviewer: How does that affect services for parents and infants?

Priya Raman: It means providers cannot keep staff. Funding is always short-term, and the good people leave.
We also struggle to show impact within a single year.

Interviewer: Thank you.
"""


def fill_study(project: Project, folder: Path) -> None:
    """A small study: one transcript linked to a case, and a two-theme codebook."""
    path = folder / "P01.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    import_file(project, path, case="P01")
    cases.set_attribute(project, "P01", "role", "commissioner")
    for code in ("Funding", "Funding/Short-term funding", "Funding/Impact", "Workforce", "Workforce/Staff turnover"):
        codebook.add_code(project, code)


@dataclass
class LiveServer:
    base: str
    token: str | None
    project: Project

    def opening(self, path: str = "/") -> str:
        """The URL a person opens first: single-user mode carries the token."""
        separator = "&" if "?" in path else "?"
        return f"{self.base}{path}" + (f"{separator}token={self.token}" if self.token else "")


@contextmanager
def running(project: Project, *, team: bool = False, user: str = "ana", **options: Any) -> Iterator[LiveServer]:
    token = None if team else secrets.token_urlsafe(16)
    port = free_port("127.0.0.1")
    app = create_app(project, team=team, token=token, user=user, cookie=f"qualframe_{port}",
                     allowed_hosts=loopback_hosts("127.0.0.1"), **options)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", token, project)
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def study(project: Project, tmp_path: Path) -> Project:
    fill_study(project, tmp_path)
    return project


@pytest.fixture
def server(study: Project) -> Iterator[LiveServer]:
    with running(study) as live:
        yield live


def add_team(project: Project) -> None:
    accounts.add_account(project, "olu", PASSWORD, "owner")
    accounts.add_account(project, "cara", PASSWORD, "coder")
    accounts.add_account(project, "vic", PASSWORD, "viewer")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"browser tests need chromium at {CHROMIUM} (Debian package 'chromium')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Open a fresh browser context (its own cookies) and page; closed after the test."""
    contexts = []

    def open_page() -> Any:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.add_init_script(path=str(AXE))  # init scripts are not subject to the page's CSP
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_accessibility(page: Any) -> None:
    """axe-core's WCAG 2 A and AA rules find nothing in the page as it is now."""
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}); "
        "return r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html)})); }"
    )
    assert result == [], "accessibility problems:\n" + "\n".join(f"{v['id']}: {v['help']} {v['nodes']}" for v in result)


def sign_in(page: Any, live: LiveServer, name: str) -> None:
    page.goto(f"{live.base}/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live.base}/")


def select_text(page: Any, text: str) -> None:
    """Select ``text`` in the transcript by dragging the mouse from its first to last character."""
    page.wait_for_selector("#transcript[data-ready='yes']")
    box = page.evaluate(
        """(wanted) => {
            for (const seg of document.querySelectorAll('#transcript .seg')) {
                const at = seg.textContent.indexOf(wanted);
                if (at === -1) continue;
                const node = seg.firstChild, range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + 1);
                const first = range.getBoundingClientRect();
                range.setStart(node, at + wanted.length - 1); range.setEnd(node, at + wanted.length);
                const last = range.getBoundingClientRect();
                return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
            }
            return null;
        }""",
        text,
    )
    assert box is not None, f"{text!r} is not in the transcript"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=4)
    page.mouse.move(box["x2"], box["y2"], steps=4)
    page.mouse.up()


def http_client(live: LiveServer) -> Any:
    """An httpx client holding a session (single-user: opened with the token)."""
    import httpx

    client = httpx.Client(base_url=live.base, follow_redirects=False, timeout=10)
    if live.token:
        response = client.get(live.opening("/"))
        assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    """The CSRF token a rendered page carries (every page has it on <body>)."""
    match = re.search(r'data-csrf="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def detect_on_the_anonymisation_page(page: Any, live: LiveServer) -> list[str]:
    """Open /anonymise, run detection on the test study (3 mentions), and return the list of
    every URL the page requests from then on (to check no identifier travels in one)."""
    from playwright.sync_api import expect

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live.opening("/anonymise"))
    page.get_by_role("button", name="Run detection").click()
    expect(page.locator(".message.ok")).to_contain_text("found 3 new mentions")
    page.wait_for_load_state()  # the shortcuts' script has run
    return requested
