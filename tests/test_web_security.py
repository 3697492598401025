"""Security of the web workbench: the token, sessions, CSRF, escaping and upload refusals."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from qualframe import codebook, coding, sources
from qualframe.importing import import_file
from qualframe.web.app import create_app
from qualframe.web.routing import ROUTES
from webkit import csrf_of, http_client, running

HOSTILE = '<script>alert("x")</script><b>bold</b><img src=x onerror=alert(1)>'
HOSTILE_CODE = 'Theme <img src=x onerror=alert(1)><b>bold'  # code names cannot hold "/"


def test_every_route_needs_the_token_or_a_session(server):
    anonymous = httpx.Client(base_url=server.base, follow_redirects=False)
    guid = sources.list_sources(server.project, with_text=False)[0]["guid"]
    paths = ["/", "/sources", f"/sources/{guid}", "/codebook", "/cases", "/matrix", "/anonymise", "/bcw",
             "/downloads", "/revision", "/static/app.css", "/static/app.js", "/static/vendor/htmx/htmx.min.js",
             "/no-such-page"]
    for path in paths:
        response = anonymous.get(path)
        assert response.status_code == 403, path
        assert "qualframe serve" in response.text
    assert anonymous.get("/?token=wrong").status_code == 403
    assert anonymous.post(f"/sources/{guid}/codings", data={"start": 0, "end": 5, "code": "Funding"}).status_code == 403
    assert coding.list_codings(server.project) == []
    # a forged cookie opens nothing either
    anonymous.cookies.set(f"qualframe_{server.base.rsplit(':', 1)[1]}", "forged")
    assert anonymous.get("/").status_code == 403


def test_the_token_link_opens_a_session_and_drops_the_token_from_the_address(server):
    client = httpx.Client(base_url=server.base, follow_redirects=False)
    response = client.get(server.opening("/sources?x=1"))
    assert response.status_code == 303
    assert response.headers["location"] == "/sources?x=1"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/sources")
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_routes_are_all_guarded():
    """Every route the views register goes through the guard (no raw endpoints slip in)."""
    for route in ROUTES:
        assert route.endpoint.__qualname__.endswith("register.<locals>.endpoint"), route.path


def test_state_changes_need_the_csrf_token(server):
    client = http_client(server)
    guid = sources.list_sources(server.project, with_text=False)[0]["guid"]
    csrf = csrf_of(client.get("/sources").text)
    span = {"start": "0", "end": "9", "code": "Funding"}
    assert client.post(f"/sources/{guid}/codings", data=span).status_code == 403
    assert client.post(f"/sources/{guid}/codings", data=span, headers={"X-CSRF-Token": "not-it"}).status_code == 403
    assert client.post(f"/sources/{guid}/codings", data={**span, "csrf": csrf[:-1]}).status_code == 403
    assert coding.list_codings(server.project) == []
    assert client.post(f"/sources/{guid}/codings", data={**span, "csrf": csrf}).status_code == 200
    assert client.post(f"/sources/{guid}/codings", data={**span, "start": "10", "end": "20"},
                       headers={"X-CSRF-Token": csrf}).status_code == 200
    assert len(coding.list_codings(server.project)) == 2


def test_a_foreign_host_header_is_refused(server):
    """A site that points its own name at 127.0.0.1 (DNS rebinding) cannot reach the workbench."""
    client = httpx.Client(base_url=server.base, follow_redirects=False)
    assert client.get(server.opening("/"), headers={"Host": "evil.example"}).status_code == 400


def test_transcript_and_code_names_render_as_text(project, tmp_path):
    path = tmp_path / "hostile.txt"
    path.write_text(f"Interviewer: {HOSTILE}\n\nAmara Okafor: Fine {HOSTILE} words.\n", encoding="utf-8")
    import_file(project, path)
    codebook.add_code(project, HOSTILE_CODE)
    coding.code_text(project, "hostile", HOSTILE_CODE, quote=f"Fine {HOSTILE} words.", coder="ana")
    with running(project) as live:
        client = http_client(live)
        guid = sources.list_sources(live.project, with_text=False)[0]["guid"]
        for path in (f"/sources/{guid}", "/sources", "/"):
            html = client.get(path).text
            assert "<script>alert" not in html and "<b>bold" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert" in client.get(f"/sources/{guid}").text


@pytest.mark.parametrize(
    "filename, reason",
    [
        ("../../etc/passwd.txt", "not a plain file name"),
        ("..\\..\\evil.txt", "not a plain file name"),
        ("/absolute.txt", "not a plain file name"),
        (".hidden.txt", "not a plain file name"),
        ("program.exe", "this type of file cannot be imported"),
        ("notes.pdf", "this type of file cannot be imported"),
    ],
)
def test_uploads_with_tricky_names_or_types_are_refused(server, filename, reason, tmp_path):
    client = http_client(server)
    csrf = csrf_of(client.get("/sources").text)
    before = sources.list_sources(server.project, with_text=False)
    response = client.post(
        "/sources/upload", data={"csrf": csrf}, files={"files": (filename, b"Interviewer: hello\n", "text/plain")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert reason in response.text
    assert sources.list_sources(server.project, with_text=False) == before
    assert not list(tmp_path.parent.glob("**/passwd.txt"))


def test_oversized_uploads_are_refused_before_reading(study, tmp_path):
    with running(study, max_upload_bytes=1024 * 1024) as live:
        client = http_client(live)
        csrf = csrf_of(client.get("/sources").text)
        big = b"Interviewer: " + b"word " * (2 * 1024 * 1024 // 5)
        response = client.post("/sources/upload", data={"csrf": csrf}, files={"files": ("big.txt", big, "text/plain")},
                               headers={"HX-Request": "true"})
        assert response.status_code == 413
        assert "larger than the limit of 1 MB" in response.text
        assert [s["name"] for s in sources.list_sources(live.project, with_text=False)] == ["P01"]


def test_upload_imports_good_files_and_lists_refusals(server):
    client = http_client(server)
    csrf = csrf_of(client.get("/sources").text)
    response = client.post(
        "/sources/upload",
        data={"csrf": csrf, "case": "P02"},
        files=[
            ("files", ("P02.txt", "Interviewer: Hello.\n\nDara Quinn: Hello back.\n\nInterviewer: Shall we start?\n\nDara Quinn: Yes.\n".encode("utf-16"), "text/plain")),
            ("files", ("empty.txt", b"", "text/plain")),
        ],
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Imported 1: P02" in response.text
    assert re.search(r"empty\.txt</strong>: .*empty", response.text)
    imported = sources.get_source(server.project, "P02")
    assert imported["case"] == "P02" and imported["speakers"] == ["Dara Quinn", "Interviewer"]


def test_single_user_mode_refuses_a_public_address(project):
    from qualframe.errors import QualframeError
    from qualframe.web.serve import serve

    with pytest.raises(QualframeError, match="only on this computer"):
        serve(project, host="0.0.0.0", user="ana", open_browser=False)


def test_team_mode_needs_postgresql(project, backend):
    from qualframe.errors import QualframeError
    from qualframe.web.serve import serve

    if backend != "sqlite":
        pytest.skip("the refusal is for SQLite projects")
    with pytest.raises(QualframeError, match="team mode needs a PostgreSQL project"):
        serve(project, team=True, user="ana", open_browser=False)


def test_app_needs_exactly_one_mode(project):
    with pytest.raises(ValueError):
        create_app(project, team=True, token="x")
    with pytest.raises(ValueError):
        create_app(project)


def test_signing_out_in_single_user_mode_closes_the_session(server):
    client = http_client(server)
    csrf = csrf_of(client.get("/").text)
    response = client.post("/logout", data={"csrf": csrf})
    assert response.status_code == 200 and "Signed out" in response.text
    assert client.get("/").status_code == 403


def test_a_signed_out_session_cookie_opens_nothing_even_if_sent_again(server):
    client = http_client(server)
    csrf = csrf_of(client.get("/").text)  # the server has now checked, and remembers, this session
    kept = dict(client.cookies)
    client.post("/logout", data={"csrf": csrf})
    replay = httpx.Client(base_url=server.base, cookies=kept, follow_redirects=False, timeout=10)
    assert replay.get("/").status_code == 403


def test_an_expired_single_user_session_is_refused_once_rechecked(server, monkeypatch):
    from sqlalchemy import update

    from qualframe.store import LoginSession, utcnow
    from qualframe.web.app import SingleUserSessions

    client = http_client(server)
    assert client.get("/").status_code == 200
    with server.project.session() as s:
        s.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert client.get("/").status_code == 200  # trusted for a short while after its last check
    monkeypatch.setattr(SingleUserSessions, "RECHECK", timedelta(0))
    assert client.get("/").status_code == 403
