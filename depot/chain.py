"""The ledger's hash chain: what each movement's ``hash`` is, and how to check a run of them. No I/O.

Every movement carries the SHA-256 of a canonical encoding of its own fields, the fields
of its document, and the hash of the movement before it (by id; the first one chains to
``GENESIS``). Changing, removing or inserting a movement, or its document, breaks the
chain from that movement on, unless every later hash is recomputed too: a supervisor who
noted the chain head (the last movement's id and hash) can tell that from the head now.

The encoding is JSON of a fixed layout: ``["relief-ledger/1", [movement fields ...],
[document fields ...] or null, previous hash]``, datetimes as UTC ISO 8601 with
microseconds (SQLite gives them back naive, PostgreSQL in UTC: both mean the same time).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from relief.errors import InvalidInput

LAYOUT = "relief-ledger/1"
GENESIS = "0" * 64
MOVEMENT_FIELDS = ("id", "at", "kind", "depot", "item", "lot", "qty", "reserved_delta", "doc", "actor",
                   "reason", "counterparty", "note")
DOCUMENT_FIELDS = ("number", "kind", "fingerprint", "at", "actor", "lines")


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    return value


def canonical(movement: Mapping[str, Any], document: Mapping[str, Any] | None, previous: str) -> bytes:
    """The bytes hashed for ``movement`` (a mapping with ``MOVEMENT_FIELDS``), its
    ``document`` (``DOCUMENT_FIELDS``, or None when it has none) and the ``previous`` hash.
    Raises ``KeyError`` when a field is missing."""
    fields = [_value(movement[name]) for name in MOVEMENT_FIELDS]
    doc = None if document is None else [_value(document[name]) for name in DOCUMENT_FIELDS]
    return json.dumps([LAYOUT, fields, doc, previous], ensure_ascii=False, separators=(",", ":")).encode()


def link(movement: Mapping[str, Any], document: Mapping[str, Any] | None, previous: str) -> str:
    """The hash of ``movement`` chained to ``previous``: 64 lower-case hex digits."""
    return hashlib.sha256(canonical(movement, document, previous)).hexdigest()


@dataclass(frozen=True)
class Head:
    """A point of the chain: a movement id and its hash (``ID:HASH`` as people note it)."""

    id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.id}:{self.hash}"


@dataclass(frozen=True)
class Break:
    """The first movement whose stored hash is not what the chain gives: its id, document and why."""

    id: int
    doc: str
    problem: str


@dataclass(frozen=True)
class Walk:
    """The result of checking a chain: the last movement checked (None for an empty
    ledger), how many were checked, and the first break (None when there is none)."""

    head: Head | None
    movements: int
    broken: Break | None


def walk(rows: Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None, str | None]]) -> Walk:
    """Check the chain of ``rows``: (movement, its document or None, its stored hash), in
    id order. Stops at the first movement whose hash does not match and says what is wrong."""
    previous, last, count = GENESIS, None, 0
    for movement, document, stored in rows:
        count += 1
        expected = link(movement, document, previous)
        if stored != expected:
            return Walk(last, count, Break(movement["id"], movement["doc"], _why(movement, document, stored, last)))
        previous, last = expected, Head(movement["id"], expected)
    return Walk(last, count, None)


def _why(movement: Mapping[str, Any], document: Mapping[str, Any] | None, stored: str | None,
         before: Head | None) -> str:
    if not stored:
        return "it has no hash: it was not recorded by relief"
    if document is None:
        return f"its document {movement['doc']} is missing (removed after it was recorded)"
    if before is not None and movement["id"] != before.id + 1:
        return (f"it does not chain to movement {before.id} before it: movement(s) between them were removed, "
                "or this one or its document was changed or inserted")
    return ("its hash does not match its fields, its document's and the movement before it: one of them was "
            "changed after it was recorded, or it was inserted")


def parse_head(text: str) -> Head:
    """Read a noted chain head ``ID:HASH`` (as ``stock verify --json`` reports it).

    Raises ``InvalidInput`` (option ``head``) for anything else."""
    number, _, digest = (text or "").strip().partition(":")
    digest = digest.strip().lower()
    if not number.strip().isdecimal() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput(f"head must be a movement id and its hash, ID:HASH (64 hex digits), got {text!r}",
                           option="head")
    return Head(int(number), digest)
