"""The scale-out shape: the same code on PostgreSQL and a Chroma server, chosen by settings alone.

Starts a throwaway PostgreSQL cluster and `chroma run` on loopback; skipped when
their binaries are not on the machine (PostgreSQL server packages, chromadb's CLI)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlmodel import select

from kb.models import Lesson
from kb.settings import Settings
from tests.factories import closure

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


def as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres_url():
    pytest.importorskip("psycopg", reason="pip install -e '.[postgres]' for the PostgreSQL driver")
    if not PG_BIN or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("PostgreSQL server binaries are not installed")
    base = tempfile.mkdtemp(prefix="kb-pg-")
    os.chmod(base, 0o777)
    data, port = os.path.join(base, "data"), free_port()
    subprocess.run(as_postgres([f"{PG_BIN[-1]}/initdb", "-D", data, "-U", "kb", "--auth=trust"]),
                   check=True, capture_output=True)
    server = subprocess.Popen(as_postgres([f"{PG_BIN[-1]}/postgres", "-D", data, "-p", str(port),
                                           "-k", base, "-h", "127.0.0.1"]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        time.sleep(0.5)
        yield f"postgresql+psycopg://kb@127.0.0.1:{port}/postgres"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if not CHROMA.exists():
        pytest.skip("chromadb's `chroma` command is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    server = subprocess.Popen([str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_postgres_and_chroma_server_by_settings_alone(postgres_url, chroma_url, tmp_path, fake_embedder):
    from kb.store import KnowledgeBase

    settings = Settings(data_dir=tmp_path, database_url=postgres_url, chroma_url=chroma_url, _env_file=None)
    kb = KnowledgeBase.open(settings, embedder=fake_embedder)
    assert kb.engine.dialect.name == "postgresql"
    assert kb.save_document(closure(), b"v1").outcome == "ingested"
    assert kb.save_document(closure(), b"v1").outcome == "unchanged"
    assert kb.save_document(closure(extra_lesson="Rehearse the cutover"), b"v2").outcome == "replaced"
    with kb.session() as s:
        assert len(s.exec(select(Lesson)).all()) == 3
    assert kb.vectors.count() == 4 and kb.doctor().ok
    assert not (tmp_path / "chroma").exists(), "the embedded store must not be used when KB_CHROMA_URL is set"
