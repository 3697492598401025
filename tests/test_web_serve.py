"""`qualframe serve` as a user runs it: one line with the URL, the token in it, Ctrl+C stops it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx

from conftest import cli, write_text, INTERVIEW


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
