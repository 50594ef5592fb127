"""SQLite connections of relief keep every commit they report: WAL with ``synchronous = FULL``."""

from __future__ import annotations

from relief.depot import db


def test_relief_sqlite_connections_sync_every_commit_of_the_write_ahead_log(tiny_sqlite):
    with db.get_engine(tiny_sqlite).connect() as conn:
        journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    assert (journal, synchronous) == ("wal", 2)  # 2 is FULL (NORMAL is 1)
