"""The portable backup file: its format, and reading it back with every value checked.

The file is gzip-compressed JSON lines (UTF-8), the same for SQLite and PostgreSQL, so a
backup of one restores into the other:

* line 1, the header: ``{"format": "relief-backup", "version": 1, "relief": "0.2.0",
  "schema": "0003", "created": <UTC ISO time>, "source": "sqlite" | "postgresql",
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
import zlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.sql import sqltypes
from sqlmodel import SQLModel

from relief.depot import schema
from relief.errors import InvalidFile, SchemaOutOfDate, SchemaTooNew

FORMAT = "relief-backup"
VERSION = 1
_TYPES = ((sqltypes.Boolean, "bool"), (sqltypes.Integer, "int"), (sqltypes.Float, "float"),
          (sqltypes.Numeric, "decimal"), (sqltypes.DateTime, "datetime"), (sqltypes.Date, "date"),
          (sqltypes.String, "str"))


def tables() -> list[Table]:
    """The relief tables in foreign-key order (parents first), without Alembic's own table."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name != schema.VERSION_TABLE]


def kind(column) -> str:
    """The portable type name of ``column`` (raises ``TypeError`` for a type the format lacks)."""
    kind = column.type
    kind = getattr(kind, "impl_instance", kind)  # a TypeDecorator (AutoString, UTCDateTime) stores as its impl
    for base, name in _TYPES:
        if isinstance(kind, base):
            return name
    raise TypeError(f"column {column.table.name}.{column.name} has type {column.type!r}, "
                    "which the backup format cannot hold")


def line(value: Any) -> bytes:
    """One line of the file: ``value`` as compact JSON (UTF-8), newline-terminated."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def check(path: Path, name: str) -> dict:
    """Read the whole backup once, checking everything; return its header."""
    checked = header(path, name)
    for _ in rows(path, name, checked):
        pass
    return checked


def header(path: Path, name: str) -> dict:
    """The checked header of the backup at ``path``."""
    with open_lines(path, name) as lines:
        first = next(lines, None)
    try:
        found_header = json.loads(first) if first else None
    except ValueError:
        found_header = None
    if not isinstance(found_header, dict) or found_header.get("format") != FORMAT:
        raise InvalidFile(f"{name} is not a relief backup (its first line is not a {FORMAT} header)")
    if found_header.get("version") != VERSION:
        raise InvalidFile(f"{name} is a relief backup of format version {found_header.get('version')!r}; "
                          f"this relief reads version {VERSION}")
    found = found_header.get("schema")
    if found != schema.HEAD:
        revision = schema.label(found) if isinstance(found, str) else repr(found)
        at = f"{found_header.get('relief')}, schema revision {revision}"
        if found in schema.REVISIONS:
            raise SchemaOutOfDate(f"{name} holds a database of an older schema (relief {at}); this relief "
                                  f"restores only revision {schema.label(schema.HEAD)}: restore it where it was "
                                  "made, upgrade that database and back it up again", hint="upgrade_command")
        raise SchemaTooNew(f"{name} holds a database of a schema this relief does not know (relief {at}); "
                           f"this relief restores only revision {schema.label(schema.HEAD)}: use the relief "
                           "release that made it, or newer")
    _check_tables(found_header.get("tables"), name)
    return found_header


def _check_tables(listed: Any, name: str) -> None:
    expected = {t.name: [[c.name, kind(c)] for c in t.columns] for t in tables()}
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


def rows(path: Path, name: str, header: dict) -> Iterator[tuple[str, list[str], list]]:
    """Yield (table, column names, decoded values) for every row, checking each one and the counts."""
    order = [t["name"] for t in header["tables"]]
    columns = {t["name"]: [c for c, _ in t["columns"]] for t in header["tables"]}
    decoders = {t["name"]: [(c, k, _nullable(t["name"], c)) for c, k in t["columns"]]
                for t in header["tables"]}
    wanted = {t["name"]: t["rows"] for t in header["tables"]}
    seen = dict.fromkeys(order, 0)
    position = 0
    number = 1
    with open_lines(path, name) as lines:
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
                    out.append(DECODE[kind](value))
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


class open_lines:
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


ENCODE: dict[str, Callable[[Any], Any]] = {
    "str": str, "int": int, "float": float, "bool": bool, "decimal": str,
    "date": date.isoformat, "datetime": datetime.isoformat,
}
DECODE: dict[str, Callable[[Any], Any]] = {
    "str": _as_str, "int": _as_int, "float": _as_float, "bool": _as_bool, "decimal": _as_decimal,
    "date": lambda v: date.fromisoformat(_as_str(v)), "datetime": lambda v: datetime.fromisoformat(_as_str(v)),
}
