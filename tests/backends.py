"""Where a test's store lives: SQLite + embedded Chroma under tmp_path (the default),
or, for tests marked `scaleout` when `KB_TEST_DATABASE_URL` and `KB_TEST_CHROMA_URL`
are set (`make test` sets them from tests/servers.sh), a fresh PostgreSQL database and
a fresh collection on the Chroma server, dropped again after the test."""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kb.settings import Settings

DATABASE_URL = os.environ.get("KB_TEST_DATABASE_URL", "")
CHROMA_URL = os.environ.get("KB_TEST_CHROMA_URL", "")


def servers_configured() -> bool:
    return bool(DATABASE_URL and CHROMA_URL)


def on_servers(node: pytest.Item | pytest.Collector) -> bool:
    """True when this test (or module) is in the scale-out suite and the servers are set."""
    return servers_configured() and node.get_closest_marker("scaleout") is not None


def embedded_settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url="", chroma_url="", _env_file=None)


@contextmanager
def isolated_settings(data_dir: Path, *, servers: bool) -> Iterator[Settings]:
    """Settings for a store no other test sees. On the servers: `CREATE DATABASE`
    and a collection name of its own; both are dropped when the block ends."""
    if not servers:
        yield embedded_settings(data_dir)
        return
    name = f"kb_test_{secrets.token_hex(6)}"
    _admin(text(f'CREATE DATABASE "{name}"'))
    try:
        yield Settings(data_dir=data_dir, database_url=database_url(name), chroma_url=CHROMA_URL,
                       chroma_collection=name, _env_file=None)
    finally:
        # FORCE: the test's KnowledgeBase may still hold pooled connections.
        _admin(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        _drop_collection(name)


def database_url(name: str) -> str:
    return make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)


@lru_cache(maxsize=1)
def _admin_engine():
    return create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT", pool_size=1)


def _admin(statement) -> None:
    with _admin_engine().connect() as conn:
        conn.execute(statement)


def _drop_collection(name: str) -> None:
    import httpx

    # The collection may never have been made (a test that failed early); 404 is fine.
    httpx.delete(f"{CHROMA_URL}/api/v2/tenants/default_tenant/databases/default_database/collections/{name}",
                 timeout=30)
