"""Bring a relief database to the schema this release needs, with Alembic.

The migrations live in ``relief.depot.migrations`` and run on a connection from
``depot.db`` inside one transaction (SQLite's write lock, or a PostgreSQL advisory
lock, keeps two upgrades from racing). No ``alembic.ini`` is needed. A database made
before revisions were tracked holds the relief tables and ``meta`` but no
``alembic_version``: it is the baseline revision, stamped as such, then upgraded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from relief.depot import db, schema
from relief.errors import DatabaseNotEmpty, DatabaseNotReady, SchemaTooNew

SCRIPTS = "relief.depot:migrations"
PG_LOCK = 7_041_505  # the advisory lock key held by an upgrade on PostgreSQL


def config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for relief's migrations, bound to ``connection`` if given."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPTS)
    cfg.attributes["connection"] = connection
    return cfg


def script_head() -> str:
    """The head revision of the migration scripts shipped with this relief."""
    return ScriptDirectory.from_config(config()).get_current_head()


def upgrade(url: str, target: str = schema.HEAD) -> str:
    """Apply every migration the database at ``url`` lacks, up to ``target``; return a
    short account such as ``"upgraded from 1 to 2"``.

    Raises ``DatabaseNotReady`` when there is no relief database at ``url`` and
    ``SchemaTooNew`` when its schema is newer than this relief knows.
    """
    if not db.has_schema(url):
        raise DatabaseNotReady(f"no relief database at {db.describe(url)}", hint="init",
                               database=db.command_name(url))
    try:
        with _transaction(url) as conn:
            before = _current(conn)
            untracked = before is None
            if untracked:
                command.stamp(config(conn), schema.BASELINE)
                before = schema.BASELINE
            if before not in schema.REVISIONS:
                raise SchemaTooNew(f"the database {db.describe(url)} is at schema revision {schema.label(before)}, "
                                   f"newer than this relief knows (its newest is {schema.label(schema.HEAD)})")
            if schema.REVISIONS.index(before) < schema.REVISIONS.index(target):
                command.upgrade(config(conn), target)
    finally:
        db.dispose(url)  # forget the revision this process saw
    was = schema.label(before) + (" (a database made before schema revisions were recorded)" if untracked else "")
    if before == target:
        return (f"recorded as revision {was}, the current schema" if untracked
                else f"already at the current schema ({schema.label(target)})")
    return f"upgraded from {was} to {schema.label(target)}"


def create(url: str, target: str = schema.HEAD) -> None:
    """Build the relief schema, up to ``target``, in the empty database at ``url``.

    Raises ``DatabaseNotEmpty`` when the database already holds relief tables.
    """
    with _transaction(url) as conn:
        if inspect(conn).has_table("meta") or _current(conn) is not None:
            raise DatabaseNotEmpty(f"{db.describe(url)} already holds a relief schema")
        command.upgrade(config(conn), target)


def build(conn: Connection) -> None:
    """Run every migration on ``conn``, inside its open transaction, to build the current
    schema in a database that holds none."""
    command.upgrade(config(conn), schema.HEAD)


def lock(conn: Connection) -> None:
    """Hold the schema lock for the rest of ``conn``'s transaction (PostgreSQL's advisory
    lock; SQLite's write lock is already held by a write transaction)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK})")


@contextmanager
def _transaction(url: str) -> Iterator[Connection]:
    """One write transaction on ``url``, holding the schema lock."""
    with db.get_engine(url).execution_options(relief_write=True).begin() as conn:
        lock(conn)
        yield conn


def _current(conn: Connection) -> str | None:
    if not inspect(conn).has_table(schema.VERSION_TABLE):
        return None
    row = conn.exec_driver_sql(f"SELECT version_num FROM {schema.VERSION_TABLE}").first()
    return row[0] if row else None
