"""Developer commands: `python -m kb.migrations revision "message"` writes the
next revision by autogenerate; `python -m kb.migrations upgrade` brings the
configured database (KB_DATA_DIR / KB_DATABASE_URL) to head."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine

from kb.migrations import _scripts, alembic_config, upgrade_database


def next_revision_id() -> str:
    numbers = [int(s.revision) for s in _scripts().walk_revisions() if re.fullmatch(r"\d{4}", s.revision)]
    return f"{max(numbers, default=0) + 1:04d}"


def revision(message: str) -> Path:
    """Autogenerate against a scratch SQLite database at head, so no real database is needed."""
    from alembic import command

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/head.sqlite3")
        upgrade_database(engine)
        with engine.begin() as conn:
            script = command.revision(alembic_config(conn), message=message, autogenerate=True,
                                      rev_id=next_revision_id())
        engine.dispose()
    return Path(script.path)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "revision" and argv[1].strip():
        print(f"wrote {revision(argv[1])}; review it before committing")
        return 0
    if argv == ["upgrade"]:
        from kb.db import create_db_engine
        from kb.settings import Settings

        create_db_engine(Settings())  # upgrades on open
        print("database is at head")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
