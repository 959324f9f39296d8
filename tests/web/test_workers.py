"""`kb serve --workers 2` on PostgreSQL and a Chroma server, as the README's scale-out
section runs it: a change made through one worker, or by a `kb ingest` process, is
seen by every worker within CONSISTENT_WITHIN seconds, and no worker goes back.

Runs in the scale-out pass of `make test` (tests/servers.sh starts the servers)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ingest import ingest_file
from tests.accounts import user_token
from tests.backends import servers_configured

pytestmark = pytest.mark.scaleout

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "samples"
WARM_UP = "what went wrong on the ERP go-live"
WORKERS = 2
CONSISTENT_WITHIN = 5.0
"""Seconds; a worker checks the store's generation at most once a second, then rebuilds its index."""


def retro(code: str, lesson: str) -> bytes:
    return (f"---\nkind: retrospective\ncode: {code}\n---\n\n# {code} retrospective\n\n"
            f"## Learned\n\n- {lesson}\n").encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kb_env(settings) -> dict[str, str]:
    """The README's exports, pointed at this test's own database and collection."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "KB_DATA_DIR": str(settings.data_dir),
            "KB_DATABASE_URL": settings.database_url, "KB_CHROMA_URL": settings.chroma_url,
            "KB_CHROMA_COLLECTION": settings.chroma_collection}


def kb_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


AUTH: dict[str, str] = {}
"""The Authorization header of the served app's PMO admin, set by the `served` fixture."""


@pytest.fixture
def served(request, settings):
    """`kb serve --workers 2` on a free loopback port over a store holding one closure report;
    yields its base URL once every worker has answered a search with hits."""
    if not servers_configured():
        pytest.skip("needs the scale-out servers: `make test` starts them with tests/servers.sh "
                    "(KB_TEST_DATABASE_URL, KB_TEST_CHROMA_URL)")
    # Seeded first, so a worker's first search with hits (lazy set-up, seconds on a busy
    # machine) is behind us and the test times consistency, not a cold start.
    ingest_file(request.getfixturevalue("kb"), SAMPLES / "FIN-ERP-2021_closure_report.md")
    AUTH["Authorization"] = f"Bearer {user_token(request.getfixturevalue('kb'))}"
    port = free_port()
    server = subprocess.Popen(kb_command("serve", "--workers", str(WORKERS), "--host", "127.0.0.1", "--port", str(port)),
                              env=kb_env(settings), cwd=ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_workers(base, server)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: uvicorn's supervisor and its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wait_for_workers(base: str, server: subprocess.Popen, seconds: float = 240) -> None:
    """Until WORKERS different processes have answered a search (each loads the model)."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while len(seen) < WORKERS:
        if server.poll() is not None:
            pytest.fail(f"kb serve exited with {server.returncode}: {server.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"only workers {seen} answered within {seconds} s")
        seen |= {pid for pid, titles in ask_all(base, WARM_UP) if titles}
        time.sleep(0.2)


def ask(base: str, q: str) -> tuple[str, list[str]] | None:
    """(worker pid, hit titles) on a new connection each time, so the workers share the requests."""
    try:
        r = httpx.get(f"{base}/api/search", params={"q": q}, headers={"Connection": "close", **AUTH}, timeout=30)
    except httpx.TransportError:
        return None
    r.raise_for_status()
    return r.headers["x-kb-worker"], [h["title"] for h in r.json()["results"]]


def ask_all(base: str, q: str, at_once: int = 4) -> list[tuple[str, list[str]]]:
    # Requests at once keep one worker busy while the next connection goes to another.
    with ThreadPoolExecutor(at_once) as pool:
        return [a for a in pool.map(lambda _: ask(base, q), range(at_once)) if a]


def seconds_until_every_worker_sees(base: str, q: str, title: str, since: float, seconds: float = 30) -> float:
    """Poll until every worker has answered with `title`; a worker that saw it must keep seeing it."""
    fresh: dict[str, float] = {}
    stale: dict[str, float] = {}  # when each worker last answered without it: says which one lagged
    while time.monotonic() - since < seconds:
        # Requests of one round run at once, so only a later round may be held to an earlier one.
        answers = ask_all(base, q)
        now = time.monotonic() - since
        old = {pid for pid, titles in answers if title not in titles}
        assert not old & fresh.keys(), f"workers {old & fresh.keys()} went back to an index without {title!r}"
        stale.update({pid: now for pid in old})
        fresh.update({pid: now for pid, titles in answers if title in titles and pid not in fresh})
        if len(fresh) == WORKERS:
            print(f"\n{title!r}: first fresh answer per worker {fresh}, last stale {stale}")
            return max(fresh.values())
    pytest.fail(f"after {seconds} s only workers {fresh} return {title!r}; last stale answers {stale}")


def test_every_worker_sees_a_change_made_by_another_worker_or_process(served, settings, tmp_path, record_property):
    before = ask_all(served, "zebrafish telemetry")
    assert before and all("Zebrafish" not in " ".join(titles) for _, titles in before)

    lesson = "Zebrafish telemetry dashboards need an owner before go-live"
    upload = httpx.post(f"{served}/api/ingest", timeout=120, headers=AUTH,
                        files=[("files", ("zebra-retro.md", retro("ZEB-2024", lesson)))])
    assert [r["outcome"] for r in upload.json()] == ["ingested"]
    via_worker = seconds_until_every_worker_sees(served, "zebrafish telemetry", lesson, since=time.monotonic())

    other = "Quokka survey forms were printed before the wording was signed off"
    (tmp_path / "quokka-retro.md").write_bytes(retro("QKA-2024", other))
    subprocess.run(kb_command("ingest", str(tmp_path / "quokka-retro.md")), env=kb_env(settings), cwd=ROOT,
                   check=True, capture_output=True, timeout=300)
    via_process = seconds_until_every_worker_sees(served, "quokka survey forms", other, since=time.monotonic())

    record_property("consistent_after_upload_s", round(via_worker, 2))
    record_property("consistent_after_kb_ingest_s", round(via_process, 2))
    print(f"\nevery worker consistent {via_worker:.2f} s after an upload to one worker, "
          f"{via_process:.2f} s after a `kb ingest` process")
    assert via_worker < CONSISTENT_WITHIN and via_process < CONSISTENT_WITHIN


def test_the_readme_scale_out_section_is_what_this_test_runs():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Scale-out"):readme.index("## How it is built")]
    assert f"kb serve --workers {WORKERS}" in section
    for line in ("pg_ctlcluster 15 kb start", "chroma run --path", "export KB_DATABASE_URL=postgresql+psycopg://",
                 "export KB_CHROMA_URL=http://127.0.0.1:"):
        assert line in section
    servers = (ROOT / "tests" / "servers.sh").read_text()
    assert "pg_createcluster" in servers and "pg_ctlcluster" in servers and '"$BIN/chroma" run --path' in servers


def test_several_workers_without_a_chroma_server_is_a_clear_error(tmp_path, monkeypatch):
    from cli.main import app

    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    env = {"KB_DATA_DIR": str(tmp_path / "data"), "KB_CHROMA_URL": "", "KB_DATABASE_URL": ""}
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", str(free_port())], env=env)
    assert result.exit_code == 1
    assert "needs a Chroma server" in result.output and "KB_CHROMA_URL" in result.output
    assert not (tmp_path / "data").exists(), "nothing is opened before the check"
