"""Back up a whole relief database to one portable file, and restore it (``relief db``).

The file is gzip-compressed JSON lines (UTF-8), the same for SQLite and PostgreSQL, so a
backup of one restores into the other:

* line 1, the header: ``{"format": "relief-backup", "version": 1, "relief": "0.2.0",
  "schema": "0002", "created": <UTC ISO time>, "source": "sqlite" | "postgresql",
  "tables": [{"name": "county", "columns": [["adcode", "str"], ...], "rows": 103}, ...]}``,
  the tables in foreign-key order (parents first);
* then one line per row, ``["county", [value, ...]]``, every row of a table after the
  rows of the tables before it, values in the header's column order.

Values are JSON: text, whole numbers, floats (written as the shortest exact repr), null;
dates and datetimes are ISO 8601 strings (``2027-05-01``, ``2026-11-22T08:00:00+00:00``),
decimals are strings, booleans JSON booleans. The column types named in the header are
``str``, ``int``, ``float``, ``date``, ``datetime``, ``decimal``, ``bool``. Alembic's
``alembic_version`` table is not part of the data: the header's ``schema`` says the
revision, and a restore refuses a backup from another revision.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql import sqltypes
from sqlmodel import SQLModel

from relief import __version__
from relief.depot import db, reports, schema
from relief.errors import DatabaseNotReady, InvalidFile, Refused, SchemaOutOfDate, SchemaTooNew

FORMAT = "relief-backup"
VERSION = 1
BATCH = 1000
_TYPES = ((sqltypes.Boolean, "bool"), (sqltypes.Integer, "int"), (sqltypes.Float, "float"),
          (sqltypes.Numeric, "decimal"), (sqltypes.DateTime, "datetime"), (sqltypes.Date, "date"),
          (sqltypes.String, "str"))


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


def tables() -> list[Table]:
    """The relief tables in foreign-key order (parents first), without Alembic's own table."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name != schema.VERSION_TABLE]


def backup(url: str, file: str | os.PathLike) -> BackedUp:
    """Write a consistent snapshot of every relief table at ``url`` to ``file``.

    SQLite is copied first with the online backup API; PostgreSQL is read inside one
    ``REPEATABLE READ READ ONLY`` transaction; either way writers may go on meanwhile.
    The file is written beside ``file`` under a temporary name and renamed at the end, so
    an interrupted backup never leaves a partial file under the real name. Returns
    ``BackedUp``; raises ``DatabaseNotReady`` when ``url`` holds no relief database and
    ``OSError`` when ``file`` cannot be written.
    """
    if not db.has_schema(url):
        raise DatabaseNotReady(f"no relief database at {db.describe(url)}; nothing to back up")
    target = Path(file)
    if target.is_dir():
        raise InvalidFile(f"backup file {file} is a folder; give a file name such as {target / 'relief.backup.gz'}")
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
    return BackedUp(db.describe(url), str(file), len(tables()), rows, target.stat().st_size)


def _write(conn: Connection, target: Path, source: str) -> int:
    """Write the header and every row read through ``conn`` (one snapshot) to ``target``."""
    present = set(inspect(conn).get_table_names())
    chosen = [t for t in tables() if t.name in present]
    counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in chosen}
    header = {"format": FORMAT, "version": VERSION, "relief": __version__, "schema": _revision(conn),
              "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "source": source,
              "tables": [{"name": t.name, "columns": [[c.name, _kind(c)] for c in t.columns], "rows": counts[t.name]}
                         for t in chosen]}
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as raw:
            with gzip.GzipFile(filename=target.name, fileobj=raw, mode="wb", compresslevel=6, mtime=0) as packed:
                packed.write(_line(header))
                for table in chosen:
                    encoders = [_ENCODE[_kind(c)] for c in table.columns]
                    query = select(table).order_by(*table.primary_key.columns)
                    for row in conn.execution_options(yield_per=BATCH).execute(query):
                        packed.write(_line([table.name, [None if v is None else enc(v)
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
    books verified (``reports.verify``): if they do not balance, ``Refused`` is raised and
    the database is left exactly as it was, old data included. Returns ``Restored``. Raises ``InvalidFile`` for a
    missing, unreadable, corrupt, truncated or foreign file, ``SchemaOutOfDate`` /
    ``SchemaTooNew`` for a backup of another schema revision, and ``DatabaseNotReady``
    when the database cannot be reached.
    """
    name = str(file)
    header = _check(Path(file), name)
    loaded = {t.name: t for t in tables()}
    summary: dict = {}

    def load(s) -> None:
        conn = s.connection()
        batch: list[dict] = []
        current: Table | None = None
        for table_name, columns, values in _rows(Path(file), name, header):
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
        if not result["ok"]:
            raise Refused(f"{name} holds books that do not balance ({len(result['problems'])} balance(s) differ "
                          f"from the ledger); nothing was restored and {db.describe(url)} is as it was")
        summary.update(result)

    db.rebuild(url, load, force=force)
    return Restored(db.describe(url), name, len(header["tables"]), sum(t["rows"] for t in header["tables"]),
                    header["schema"], header["source"], header["created"], summary["balances"], summary["movements"])


def _reset_sequences(conn: Connection) -> None:
    """Move each PostgreSQL id sequence past the largest restored id (next id = max + 1)."""
    for table in tables():
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


def _kind(column) -> str:
    """The portable type name of ``column`` (raises ``TypeError`` for a type the format lacks)."""
    kind = column.type
    kind = getattr(kind, "impl_instance", kind)  # a TypeDecorator (AutoString, UTCDateTime) stores as its impl
    for base, name in _TYPES:
        if isinstance(kind, base):
            return name
    raise TypeError(f"column {column.table.name}.{column.name} has type {column.type!r}, "
                    "which the backup format cannot hold")


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def _check(path: Path, name: str) -> dict:
    """Read the whole backup once, checking everything; return its header."""
    header = _header(path, name)
    for _ in _rows(path, name, header):
        pass
    return header


def _header(path: Path, name: str) -> dict:
    """The checked header of the backup at ``path``."""
    with _open(path, name) as lines:
        first = next(lines, None)
    try:
        header = json.loads(first) if first else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidFile(f"{name} is not a relief backup (its first line is not a {FORMAT} header)")
    if header.get("version") != VERSION:
        raise InvalidFile(f"{name} is a relief backup of format version {header.get('version')!r}; "
                          f"this relief reads version {VERSION}")
    found = header.get("schema")
    if found != schema.HEAD:
        at = f"{header.get('relief')}, schema revision " + (schema.label(found) if isinstance(found, str) else repr(found))
        if found in schema.REVISIONS:
            raise SchemaOutOfDate(f"{name} holds a database of an older schema (relief {at}); this relief "
                                  f"restores only revision {schema.label(schema.HEAD)}: restore it where it was "
                                  "made, upgrade that database and back it up again", hint="upgrade_command")
        raise SchemaTooNew(f"{name} holds a database of a schema this relief does not know (relief {at}); "
                           f"this relief restores only revision {schema.label(schema.HEAD)}: use the relief "
                           "release that made it, or newer")
    _check_tables(header.get("tables"), name)
    return header


def _check_tables(listed: Any, name: str) -> None:
    expected = {t.name: [[c.name, _kind(c)] for c in t.columns] for t in tables()}
    if not isinstance(listed, list) or not all(isinstance(t, dict) for t in listed):
        raise InvalidFile(f"{name}: the header has no list of tables")
    names = [t.get("name") for t in listed]
    if sorted(map(str, names)) != sorted(expected):
        missing = sorted(set(expected) - set(map(str, names)))
        extra = sorted(set(map(str, names)) - set(expected))
        raise InvalidFile(f"{name}: its tables do not match this schema (missing: {', '.join(missing) or 'none'}; "
                          f"unknown: {', '.join(extra) or 'none'})")
    for entry in listed:
        columns, rows = entry.get("columns"), entry.get("rows")
        if not isinstance(columns, list) or sorted(map(tuple, columns)) != sorted(map(tuple, expected[entry["name"]])):
            raise InvalidFile(f"{name}: the columns of table {entry['name']} do not match this schema "
                              f"(expected {', '.join(f'{c} {k}' for c, k in expected[entry['name']])})")
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise InvalidFile(f"{name}: table {entry['name']} has row count {rows!r}; expected a whole number")


def _rows(path: Path, name: str, header: dict) -> Iterator[tuple[str, list[str], list]]:
    """Yield (table, column names, decoded values) for every row, checking each one and the counts."""
    order = [t["name"] for t in header["tables"]]
    columns = {t["name"]: [c for c, _ in t["columns"]] for t in header["tables"]}
    decoders = {t["name"]: [(c, k, _nullable(t["name"], c)) for c, k in t["columns"]]
                for t in header["tables"]}
    wanted = {t["name"]: t["rows"] for t in header["tables"]}
    seen = dict.fromkeys(order, 0)
    position = 0
    number = 1
    with _open(path, name) as lines:
        next(lines, None)
        for number, line in enumerate(lines, 2):
            try:
                table, values = json.loads(line)
                position = order.index(table, position)
            except (ValueError, TypeError):
                raise InvalidFile(f"{name} line {number}: not a row of a known table in backup order") from None
            if not isinstance(values, list) or len(values) != len(decoders[table]):
                raise InvalidFile(f"{name} line {number}: a row of {table} needs {len(decoders[table])} values")
            out = []
            for (column, kind, nullable), value in zip(decoders[table], values):
                if value is None:
                    if not nullable:
                        raise InvalidFile(f"{name} line {number}: {table}.{column} is empty but may not be")
                    out.append(None)
                    continue
                try:
                    out.append(_DECODE[kind](value))
                except (TypeError, ValueError, ArithmeticError):
                    raise InvalidFile(f"{name} line {number}: {table}.{column} value {value!r} is not a "
                                      f"valid {kind}") from None
            seen[table] += 1
            yield table, columns[table], out
    short = [f"{t} has {seen[t]:,} of {wanted[t]:,} rows" for t in order if seen[t] != wanted[t]]
    if short:
        raise InvalidFile(f"{name} is incomplete or altered: {'; '.join(short)} (after line {number})")


def _nullable(table: str, column: str) -> bool:
    return bool(SQLModel.metadata.tables[table].c[column].nullable)


class _open:
    """Iterate the text lines of a gzip backup; every way it can be unreadable becomes ``InvalidFile``."""

    def __init__(self, path: Path, name: str):
        self.path, self.name = path, name

    def __enter__(self) -> Iterator[str]:
        try:
            self.file = gzip.open(self.path, "rt", encoding="utf-8")
        except OSError as exc:
            raise InvalidFile(f"cannot read backup {self.name}: {exc.strerror or exc}") from None
        return self._lines()

    def _lines(self) -> Iterator[str]:
        try:
            yield from self.file
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            reason = "it ends early (truncated)" if isinstance(exc, EOFError) else f"{exc}"
            raise InvalidFile(f"{self.name} is not a readable relief backup: {reason}") from None

    def __exit__(self, *exc) -> None:
        self.file.close()


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


def _as_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(value)
    return float(value)


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(value)
    return value


def _as_decimal(value: Any) -> Decimal:
    try:
        return Decimal(_as_str(value))
    except InvalidOperation:
        raise ValueError(value) from None


_ENCODE: dict[str, Callable[[Any], Any]] = {
    "str": str, "int": int, "float": float, "bool": bool, "decimal": str,
    "date": date.isoformat, "datetime": datetime.isoformat,
}
_DECODE: dict[str, Callable[[Any], Any]] = {
    "str": _as_str, "int": _as_int, "float": _as_float, "bool": _as_bool, "decimal": _as_decimal,
    "date": lambda v: date.fromisoformat(_as_str(v)), "datetime": lambda v: datetime.fromisoformat(_as_str(v)),
}
