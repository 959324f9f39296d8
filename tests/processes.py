"""Running Lessons KB as real processes in tests and benchmarks: a free loopback port, and
the environment that points `kb` at one data directory and this checkout's code."""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kb_env(data_dir: Path) -> dict:
    """This process's environment without any KB_ setting, plus KB_DATA_DIR and this checkout on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    return env | {"KB_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
