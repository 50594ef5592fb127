"""The one place that creates database engines and sessions.

A database is named by a URL (``sqlite:///relief.db``, ``postgresql://user@host/name``)
or by a plain file path, which means SQLite. Writers on SQLite take the write lock when
their transaction begins (``BEGIN IMMEDIATE``) so that two keepers never read the same
balance and both spend it; on PostgreSQL the ledger locks the balance rows it changes.

A session opens only on a database whose schema is at the revision this relief needs
(``depot.schema.HEAD``): one plain query of ``alembic_version`` per database and process,
without loading Alembic (only ``depot.migrate`` imports it, to build or upgrade a schema).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event, func, inspect, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel, create_engine

from relief.depot import models  # noqa: F401  (registers the tables)
from relief.depot import schema
from relief.errors import (DatabaseNotEmpty, DatabaseNotReady, DatabaseUnavailable, InvalidInput, SchemaOutOfDate,
                           SchemaTooNew)

DEFAULT_DB = "relief.db"
_engines: dict[str, Engine] = {}
_at_head: set[str] = set()  # databases already found at schema.HEAD by this process
T = TypeVar("T")


def database_url(value: str | None = None) -> str:
    """Return a SQLAlchemy URL for ``value``, ``$RELIEF_DB`` or ``relief.db``.

    A value without ``://`` is a SQLite file path; ``postgresql://`` URLs use psycopg 3.
    """
    value = value or os.environ.get("RELIEF_DB") or DEFAULT_DB
    if "://" not in value:
        path = Path(value).expanduser().resolve()
        if path.is_dir():
            raise InvalidInput(f"database {value} is a folder; give a database file such as {path / DEFAULT_DB}",
                               option="database")
        return f"sqlite:///{path}"
    scheme, rest = value.split("://", 1)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return "postgresql+psycopg://" + rest
    if scheme == "sqlite":
        return value
    raise InvalidInput(f"database must be a SQLite file path or a postgresql:// URL, got {value!r}", option="database")


def describe(url: str) -> str:
    """A short human name for a database URL (the file path, or host/database)."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    return url.split("@")[-1]


def is_sqlite(url: str) -> bool:
    """True when ``url`` names a SQLite database."""
    return url.startswith("sqlite")


def get_engine(url: str) -> Engine:
    """Return the (cached) engine for ``url``, configured for safe concurrent writes.

    Its errors never show the values bound to a statement (``hide_parameters``): what a
    keeper typed stays out of messages and of the failure log."""
    if url in _engines:
        return _engines[url]
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": 60, "isolation_level": None}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    _engines[url] = engine
    return engine


def dispose(url: str) -> None:
    """Close every pooled connection to ``url`` and forget its engine (a no-op if none).

    Needed before a database can be dropped or its file removed.
    """
    _at_head.discard(url)
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _sqlite_connect(dbapi_connection, _record) -> None:
    # synchronous = FULL: under WAL, NORMAL lets a power cut lose transactions already
    # reported committed; FULL syncs the WAL at every commit, so a recorded document stays.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 60000")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = FULL")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    write = connection.get_execution_options().get("relief_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def drop_schema(url: str) -> None:
    """Drop the whole relief schema at ``url``: every table, the revision table and, on
    PostgreSQL, the ledger's trigger functions (triggers go with their tables)."""
    _at_head.discard(url)
    with get_engine(url).begin() as conn:
        _drop(conn)


def _drop(conn: Connection) -> None:
    SQLModel.metadata.drop_all(conn)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {schema.VERSION_TABLE}")
    if conn.dialect.name == "postgresql":
        for function in schema.PG_FUNCTIONS:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}() CASCADE")


def rebuild(url: str, work: Callable[[Session], T], *, force: bool = False) -> T:
    """Replace the database at ``url`` with a fresh relief schema filled by ``work``, all in
    one write transaction: drop whatever relief schema it holds, build the current one
    (every migration), run ``work(session)`` on the same transaction, commit. If anything
    fails or the process dies, the database is as it was before.

    Returns what ``work`` returns. Raises ``DatabaseNotEmpty`` when the database holds
    relief rows and ``force`` is false, ``DatabaseNotReady`` when it cannot be reached or
    written, and whatever ``work`` raises.
    """
    from relief.depot import migrate  # Alembic loads only when a schema is made

    _at_head.discard(url)
    try:
        with get_engine(url).execution_options(relief_write=True).connect() as conn, conn.begin():
            migrate.lock(conn)
            used = _rows_held(conn)
            if used and not force:
                raise DatabaseNotEmpty(f"{describe(url)} already holds relief data ({used:,} rows; replacing it "
                                       "would lose every record in it)", option="force")
            _drop(conn)
            migrate.build(conn)
            with Session(bind=conn, expire_on_commit=False) as s:
                result = work(s)
                s.flush()
            return result
    except (OperationalError, DatabaseError) as exc:
        if _not_a_database(exc):
            raise unavailable(url, exc) from None
        if not isinstance(exc, OperationalError):
            raise
        raise DatabaseNotReady(f"cannot create the database {describe(url)}: {_reason(exc)}") from None
    finally:
        _at_head.discard(url)


def _rows_held(conn: Connection) -> int:
    """How many rows the relief tables present at ``conn`` hold (0 when there are none)."""
    present = set(inspect(conn).get_table_names())
    return sum(conn.execute(select(func.count()).select_from(table)).scalar_one()
               for table in SQLModel.metadata.sorted_tables if table.name in present)


def revision(url: str) -> str | None:
    """The schema revision recorded in the database at ``url``, or None when it records
    none (a database made before revisions were tracked). One plain query; no Alembic."""
    try:
        with get_engine(url).connect() as conn:
            row = conn.exec_driver_sql(f"SELECT version_num FROM {schema.VERSION_TABLE}").first()
    except (OperationalError, ProgrammingError) as exc:
        missing = getattr(exc.orig, "sqlstate", None) == "42P01" or "no such table" in str(exc.orig)
        if not missing:
            raise
        return None
    return row[0] if row else None


def check_revision(url: str) -> None:
    """Refuse a database whose schema is not at the revision this relief needs.

    Raises ``SchemaOutOfDate`` (naming the upgrade command) for an older schema and
    ``SchemaTooNew`` for one made by a newer relief. Checked once per database and process.
    """
    if url in _at_head:
        return
    found = revision(url)
    if found == schema.HEAD:
        _at_head.add(url)
        return
    name, needs = describe(url), schema.label(schema.HEAD)
    if found is None or found in schema.REVISIONS:
        at = (f"is at schema revision {schema.label(found)}" if found else
              "records no schema revision (it was made by an earlier relief)")
        raise SchemaOutOfDate(f"the database {name} {at}; this relief needs revision {needs}",
                              hint="upgrade", database=command_name(url))
    raise SchemaTooNew(f"the database {name} is at schema revision {schema.label(found)}, newer than this "
                       f"relief knows (its newest is {needs}); use the relief release that upgraded it, or newer")


def command_name(url: str) -> str:
    """How to name the database at ``url`` on the command line: the SQLite file path, or a
    ``postgresql://`` URL without its password."""
    if is_sqlite(url):
        return describe(url)
    parsed = make_url(url).set(drivername="postgresql")
    parsed = parsed._replace(password=None)  # URL.set() takes None as "leave it": the password would stay
    return parsed.render_as_string(hide_password=False)


def has_schema(url: str) -> bool:
    """True when the database at ``url`` exists and holds the relief tables."""
    if is_sqlite(url) and not Path(describe(url)).exists():
        return False
    try:
        return inspect(get_engine(url)).has_table("meta")
    except DBAPIError as exc:
        if _not_a_database(exc) or exc.connection_invalidated:
            raise unavailable(url, exc) from None
        if not isinstance(exc, OperationalError):
            raise
        raise DatabaseNotReady(f"cannot open the database {describe(url)}: {_reason(exc)}") from None


@contextmanager
def session(url: str, *, write: bool = False, any_revision: bool = False) -> Iterator[Session]:
    """Open a session on an initialised database; commit on success, roll back on error.

    ``write=True`` takes SQLite's write lock at the start of the transaction. Raises
    ``DatabaseNotReady`` when the database has not been initialised with ``relief init``,
    and ``SchemaOutOfDate`` / ``SchemaTooNew`` when its schema is not the one this relief
    needs, unless ``any_revision`` (for code that only counts rows before replacing it).
    """
    if url not in _at_head and not has_schema(url):  # a schema found at HEAD is not looked up again
        raise DatabaseNotReady(f"no relief database at {describe(url)}", hint="init", database=command_name(url))
    try:
        if not any_revision:
            check_revision(url)
        engine = get_engine(url)
        bind = engine.execution_options(relief_write=True) if write else engine
        with Session(bind, expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise
    except DBAPIError as exc:
        if _retryable(exc) or not (isinstance(exc, OperationalError) or _not_a_database(exc)):
            raise
        raise unavailable(url, exc) from None


def unavailable(url: str, exc: DBAPIError) -> DatabaseUnavailable:
    """The ``DatabaseUnavailable`` error for a fault of the database at ``url`` itself that
    no retry or other input can cure: a file that is not a SQLite database, a disk or
    database that is full, a connection lost (the server stopped or ended it), or another
    failure the driver reports. The transaction it happened in has been rolled back."""
    name, reason = describe(url), _reason(exc)
    if _not_a_database(exc):
        return DatabaseUnavailable(f"{name} is not a SQLite database file ({reason})", database=command_name(url))
    if "disk is full" in reason or (getattr(exc.orig, "sqlstate", None) or "").startswith("53"):
        return DatabaseUnavailable(f"the database {name} is full ({reason}); nothing was written; free some "
                                   "disk space and try again", database=command_name(url))
    code = getattr(exc.orig, "sqlstate", None) or ""
    if exc.connection_invalidated or code.startswith(("08", "57P")):
        return DatabaseUnavailable(f"lost the connection to the database {name} ({reason}); nothing was written",
                                   database=command_name(url))
    return DatabaseUnavailable(f"the database {name} failed ({reason}); nothing was written",
                               database=command_name(url))


def _not_a_database(exc: DBAPIError) -> bool:
    """Whether SQLite found the file is not a database (or not a whole one)."""
    reason = _reason(exc)
    return "file is not a database" in reason or "disk image is malformed" in reason


def _reason(exc: DBAPIError) -> str:
    """The first line of what the driver said."""
    text = str(exc.orig).strip() if exc.orig is not None else str(exc)
    return (text.splitlines() or [type(exc.orig or exc).__name__])[0]


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
