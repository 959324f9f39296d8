"""Another process writes while the server serves (issue 9, "Writers are safe
together"): a real `kb ingest` runs while `kb serve` ingests uploads and answers
searches, on one SQLite database and one embedded Chroma directory. Afterwards
every file is stored exactly once, the server finds the CLI's lessons within
seconds, no request failed, and `kb doctor` is clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.accounts import cli_token
from tests.processes import free_port, kb_env


ROOT = Path(__file__).resolve().parents[2]
CLOSURES = ROOT / "demo" / "closure-reports"
BY_CLI = ("ENR-ERP-2024_closure-report.md", "FIN-APP-2021_closure-report.md")
BY_UPLOAD = ("FIN-CLD-2023_closure-report.md", "FIN-CRM-2020_closure-report.md", "FIN-OFF-2024_closure-report.md")


AUTH: dict[str, str] = {}
"""The Authorization header of the served app's PMO admin, set by the `server` fixture."""


def wait_until_serving(url: str, server: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read()[-2000:]
        try:
            if httpx.get(f"{url}/api/search", params={"q": "warm up"}, headers=AUTH, timeout=60).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"kb serve did not answer within {seconds} s")


@pytest.fixture
def server(tmp_path: Path):
    if not all((CLOSURES / name).exists() for name in BY_CLI + BY_UPLOAD):
        pytest.skip("the demo corpus is missing")
    env, port = kb_env(tmp_path / "data"), free_port()
    AUTH["Authorization"] = f"Bearer {cli_token(env, ROOT)}"  # as a script would: `kb users add` + `token`
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, proc)
        yield url, env
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)


def search_until_stopped(url: str, stop: threading.Event, statuses: list) -> None:
    with httpx.Client(base_url=url, headers=AUTH, timeout=120) as client:
        while not stop.is_set():
            for q in ("vendor delays", "data migration testing", "what went wrong with the budget"):
                statuses.append((q, client.get("/api/search", params={"q": q}).status_code))
                stop.wait(0.1)  # a user's pace, not a tight loop: the writers are what is under test


def test_cli_ingest_while_the_server_ingests_and_searches(server, tmp_path: Path) -> None:
    url, env = server
    cli_dir = tmp_path / "by-cli"
    cli_dir.mkdir()
    for name in BY_CLI:
        shutil.copy(CLOSURES / name, cli_dir / name)
    stop, statuses = threading.Event(), []
    searchers = [threading.Thread(target=search_until_stopped, args=(url, stop, statuses)) for _ in range(3)]
    for t in searchers:
        t.start()
    try:
        cli = subprocess.Popen([sys.executable, "-m", "cli.main", "ingest", str(cli_dir)], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        with httpx.Client(base_url=url, headers=AUTH, timeout=300) as client:
            for name in BY_UPLOAD:
                reply = client.post("/api/ingest", files=[("files", (name, (CLOSURES / name).read_bytes()))])
                assert reply.status_code == 200, reply.text
                assert reply.json()[0]["outcome"] == "ingested", reply.json()
        output, _ = cli.communicate(timeout=600)
        assert cli.returncode == 0, output
        found = cli_lessons_found(url, code=BY_CLI[0].split("_")[0], seconds=10)
    finally:
        stop.set()
        for t in searchers:
            t.join(120)

    assert found, "the server did not find the lessons `kb ingest` stored"
    failed = [s for s in statuses if s[1] != 200]
    assert statuses and not failed, failed[:5]
    listed = httpx.get(f"{url}/api/documents", params={"limit": 100}, headers=AUTH).json()["items"]
    names = [d["source_name"] for d in listed]
    assert sorted(names) == sorted(BY_CLI + BY_UPLOAD)  # each exactly once
    doctor = subprocess.run([sys.executable, "-m", "cli.main", "doctor"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr


def cli_lessons_found(url: str, *, code: str, seconds: float) -> bool:
    """Whether a search for that project's code finds its lessons within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        hits = httpx.get(f"{url}/api/search", params={"limit": 100}, headers=AUTH,
                         timeout=60).json()["hits"]
        if any(h["project"] and h["project"]["code"] == code for h in hits):
            return True
        time.sleep(0.5)
    return False
