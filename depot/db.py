"""The one place that creates database engines and sessions.

A database is named by a URL (``sqlite:///relief.db``, ``postgresql://user@host/name``)
or by a plain file path, which means SQLite. Writers on SQLite take the write lock when
their transaction begins (``BEGIN IMMEDIATE``) so that two keepers never read the same
balance and both spend it; on PostgreSQL the ledger locks the balance rows it changes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

from relief.depot import models  # noqa: F401  (registers the tables)
from relief.errors import DatabaseNotReady, InvalidInput

DEFAULT_DB = "relief.db"
_engines: dict[str, Engine] = {}
T = TypeVar("T")


def database_url(value: str | None = None) -> str:
    """Return a SQLAlchemy URL for ``value``, ``$RELIEF_DB`` or ``relief.db``.

    A value without ``://`` is a SQLite file path; ``postgresql://`` URLs use psycopg 3.
    """
    value = value or os.environ.get("RELIEF_DB") or DEFAULT_DB
    if "://" not in value:
        path = Path(value).expanduser().resolve()
        if path.is_dir():
            raise InvalidInput(f"--db {value} is a folder; give a database file such as {path / DEFAULT_DB}")
        return f"sqlite:///{path}"
    scheme, rest = value.split("://", 1)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return "postgresql+psycopg://" + rest
    if scheme == "sqlite":
        return value
    raise InvalidInput(f"--db must be a SQLite file path or a postgresql:// URL, got {value!r}")


def describe(url: str) -> str:
    """A short human name for a database URL (the file path, or host/database)."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    return url.split("@")[-1]


def is_sqlite(url: str) -> bool:
    """True when ``url`` names a SQLite database."""
    return url.startswith("sqlite")


def get_engine(url: str) -> Engine:
    """Return the (cached) engine for ``url``, configured for safe concurrent writes."""
    if url in _engines:
        return _engines[url]
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": 60, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    _engines[url] = engine
    return engine


def dispose(url: str) -> None:
    """Close every pooled connection to ``url`` and forget its engine (a no-op if none).

    Needed before a database can be dropped or its file removed.
    """
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 60000")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    write = connection.get_execution_options().get("relief_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_schema(url: str) -> None:
    """Create every relief table that does not exist yet in the database at ``url``."""
    try:
        SQLModel.metadata.create_all(get_engine(url))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseNotReady(f"cannot create the database {describe(url)}: {reason}") from None


def drop_schema(url: str) -> None:
    """Drop every relief table in the database at ``url``."""
    SQLModel.metadata.drop_all(get_engine(url))


def has_schema(url: str) -> bool:
    """True when the database at ``url`` exists and holds the relief tables."""
    if is_sqlite(url) and not Path(describe(url)).exists():
        return False
    try:
        return inspect(get_engine(url)).has_table("meta")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseNotReady(f"cannot open the database {describe(url)}: {reason}") from None


@contextmanager
def session(url: str, *, write: bool = False) -> Iterator[Session]:
    """Open a session on an initialised database; commit on success, roll back on error.

    ``write=True`` takes SQLite's write lock at the start of the transaction. Raises
    ``DatabaseNotReady`` when the database has not been initialised with ``relief init``.
    """
    if not has_schema(url):
        raise DatabaseNotReady(f"no relief database at {describe(url)}; create one with: relief init --db {describe(url)}")
    engine = get_engine(url)
    bind = engine.execution_options(relief_write=True) if write else engine
    with Session(bind, expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


def write(url: str, work: Callable[[Session], T], attempts: int = 8) -> T:
    """Run ``work(session)`` in one write transaction and commit it; return its result.

    The whole of ``work`` commits or none of it does. A transaction that PostgreSQL
    aborts because of a deadlock, a serialisation failure or a unique-key clash with a
    concurrent writer (two keepers recording the same document or new lot at once), or
    that SQLite finds locked, is retried from the start (up to ``attempts`` times); the
    retry sees what the other writer committed.
    """
    for attempt in range(attempts):
        try:
            with session(url, write=True) as s:
                return work(s)
        except (OperationalError, DBAPIError) as exc:
            if attempt == attempts - 1 or not _retryable(exc):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    if code in ("40001", "40P01", "23505"):
        return True
    return "database is locked" in str(exc.orig)
