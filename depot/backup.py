"""Back up a whole relief database to one portable file, and restore it (``relief db``).

The file's format, and reading it back, are ``depot.backup_file``: gzip-compressed JSON
lines, the same for SQLite and PostgreSQL, so a backup of one restores into the other.
"""

from __future__ import annotations

import gzip
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.engine import Connection

from relief import __version__
from relief.depot import backup_file, db, outfiles, reports, schema
from relief.errors import DatabaseNotReady, InvalidFile, Refused

BATCH = 1000


@dataclass(frozen=True)
class BackedUp:
    """What ``backup`` wrote: the database, the file, its tables, rows and size in bytes."""

    database: str
    file: str
    tables: int
    rows: int
    size: int

    def __str__(self) -> str:
        return (f"backed up {self.database}: {self.tables} tables, {self.rows:,} rows → "
                f"{self.file} ({_size(self.size)})")


@dataclass(frozen=True)
class Restored:
    """What ``restore`` loaded, and the books verification that followed it."""

    database: str
    file: str
    tables: int
    rows: int
    schema: str
    source: str
    created: str
    balances: int
    movements: int

    def __str__(self) -> str:
        return (f"restored {self.file} into {self.database}: {self.tables} tables, {self.rows:,} rows "
                f"(backed up from {self.source} at {self.created}); books verified: "
                f"{self.balances:,} balances agree with {self.movements:,} movements")



def backup(url: str, file: str | os.PathLike, *, force: bool = False) -> BackedUp:
    """Write a consistent snapshot of every relief table at ``url`` to ``file``.

    SQLite is copied first with the online backup API; PostgreSQL is read inside one
    ``REPEATABLE READ READ ONLY`` transaction; either way writers may go on meanwhile.
    The file is written beside ``file`` under a temporary name and renamed at the end, so
    an interrupted backup never leaves a partial file under the real name. Returns
    ``BackedUp``; raises ``DatabaseNotReady`` when ``url`` holds no relief database,
    ``Refused`` (option ``force``) when ``file`` exists and ``force`` is false, and
    ``OSError`` when ``file`` cannot be written.
    """
    if not db.has_schema(url):
        raise DatabaseNotReady(f"no relief database at {db.describe(url)}; nothing to back up")
    target = Path(file)
    if target.is_dir():
        raise InvalidFile(f"backup file {file} is a folder; give a file name such as {target / 'relief.backup.gz'}")
    outfiles.claim([target], force=force)
    if db.is_sqlite(url):
        with tempfile.TemporaryDirectory(prefix="relief-backup-") as folder:
            copy = Path(folder) / "snapshot.db"
            source = sqlite3.connect(db.describe(url), timeout=60)
            try:
                with sqlite3.connect(copy) as dest:
                    source.backup(dest)
                dest.close()
            finally:
                source.close()
            copy_url = f"sqlite:///{copy}"
            try:
                with db.get_engine(copy_url).connect() as conn:
                    rows = _write(conn, target, "sqlite")
            finally:
                db.dispose(copy_url)
    else:
        engine = db.get_engine(url).execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with engine.connect() as conn:
            rows = _write(conn, target, "postgresql")
            conn.rollback()
    return BackedUp(db.describe(url), str(file), len(backup_file.tables()), rows, target.stat().st_size)


def _write(conn: Connection, target: Path, source: str) -> int:
    """Write the header and every row read through ``conn`` (one snapshot) to ``target``."""
    present = set(inspect(conn).get_table_names())
    chosen = [t for t in backup_file.tables() if t.name in present]
    counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in chosen}
    header = {"format": backup_file.FORMAT, "version": backup_file.VERSION, "relief": __version__, "schema": _revision(conn),
              "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "source": source,
              "tables": [{"name": t.name, "columns": [[c.name, backup_file.kind(c)] for c in t.columns], "rows": counts[t.name]}
                         for t in chosen]}
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as raw:
            with gzip.GzipFile(filename=target.name, fileobj=raw, mode="wb", compresslevel=6, mtime=0) as packed:
                packed.write(backup_file.line(header))
                for table in chosen:
                    encoders = [backup_file.ENCODE[backup_file.kind(c)] for c in table.columns]
                    query = select(table).order_by(*table.primary_key.columns)
                    for row in conn.execution_options(yield_per=BATCH).execute(query):
                        packed.write(backup_file.line([table.name, [None if v is None else enc(v)
                                                         for enc, v in zip(encoders, row)]]))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return sum(counts.values())


def restore(url: str, file: str | os.PathLike, *, force: bool = False) -> Restored:
    """Load the backup ``file`` into the database at ``url`` and verify the books.

    The whole file is read and checked (header, format, schema revision, tables, columns,
    every value, row counts) before anything is written. A database holding relief rows
    is refused with ``DatabaseNotEmpty`` unless ``force``. In one transaction
    (``db.rebuild``, as ``relief init`` does) the schema is dropped and built afresh,
    every row inserted, PostgreSQL's id sequences moved past the restored ids and the
    books verified (``reports.verify``, balances and the ledger's hash chain): if they do
    not balance or the chain is broken, ``Refused`` is raised and
    the database is left exactly as it was, old data included. Returns ``Restored``. Raises ``InvalidFile`` for a
    missing, unreadable, corrupt, truncated or foreign file, ``SchemaOutOfDate`` /
    ``SchemaTooNew`` for a backup of another schema revision, and ``DatabaseNotReady``
    when the database cannot be reached.
    """
    name = str(file)
    header = backup_file.check(Path(file), name)
    loaded = {t.name: t for t in backup_file.tables()}
    summary: dict = {}

    def load(s) -> None:
        conn = s.connection()
        batch: list[dict] = []
        current: Table | None = None
        for table_name, columns, values in backup_file.rows(Path(file), name, header):
            table = loaded[table_name]
            if table is not current:
                if batch:
                    conn.execute(current.insert(), batch)
                batch, current = [], table
            batch.append(dict(zip(columns, values)))
            if len(batch) >= BATCH:
                conn.execute(current.insert(), batch)
                batch = []
        if batch:
            conn.execute(current.insert(), batch)
        if not db.is_sqlite(url):
            _reset_sequences(conn)
        s.flush()
        result = reports.verify(s)
        broken = result["chain"]["broken"]
        if result["problems"]:
            raise Refused(f"{name} holds books that do not balance ({len(result['problems'])} balance(s) differ "
                          f"from the ledger); nothing was restored and {db.describe(url)} is as it was")
        if broken:
            raise Refused(f"{name} holds a ledger whose hash chain is broken at movement {broken['id']} "
                          f"(document {broken['doc']}): {broken['problem']}; nothing was restored and "
                          f"{db.describe(url)} is as it was")
        summary.update(result)

    db.rebuild(url, load, force=force)
    return Restored(db.describe(url), name, len(header["tables"]), sum(t["rows"] for t in header["tables"]),
                    header["schema"], header["source"], header["created"], summary["balances"], summary["movements"])


def _reset_sequences(conn: Connection) -> None:
    """Move each PostgreSQL id sequence past the largest restored id (next id = max + 1)."""
    for table in backup_file.tables():
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.name, "c": column.name}).scalar_one()
        if sequence:
            largest = conn.execute(select(func.max(column))).scalar()
            conn.execute(text("SELECT setval(:s, :n, false)"), {"s": sequence, "n": (largest or 0) + 1})


def _revision(conn: Connection) -> str:
    """The schema revision of the database behind ``conn``; one made before revisions were
    recorded is the baseline (as ``relief db upgrade`` treats it)."""
    if not inspect(conn).has_table(schema.VERSION_TABLE):
        return schema.BASELINE
    found = conn.exec_driver_sql(f"SELECT version_num FROM {schema.VERSION_TABLE}").scalar()
    return found or schema.BASELINE










def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


