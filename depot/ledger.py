"""Post stock documents to the database: the append-only ledger and its balances.

``post`` is the one way stock changes. It checks codes and document numbers, locks the
balances it may spend, plans the lines with ``depot.posting`` and writes movements,
lots, documents and balance deltas in the caller's transaction. A document number
already recorded with the same content is skipped and reported as such.

Each movement is written with its hash, chained to the movement before it
(``depot.chain``). Writers take the chain head in turn: SQLite's write lock already
orders them; on PostgreSQL an advisory lock, held to the end of the transaction, does.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import insert, text
from sqlmodel import Session, select

from relief.depot import chain
from relief.depot.models import Balance, Depot, Document, Item, Lot, Movement
from relief.depot.posting import Book, ItemFacts, Line, Operation, plan
from relief.depot.rules import LotStock
from relief.errors import DocumentConflict, InvalidFile, Problem, RefusedRows, UnknownDepot, UnknownItem

CHAIN_LOCK = 7_041_506  # PostgreSQL advisory lock key held by a writer that extends the chain
PREFIX = {"receive": "RCV", "issue": "ISS", "transfer": "TRF", "adjust": "ADJ", "count": "CNT",
          "opening": "OPN", "import": "IMP", "reserve": "RSV", "release": "REL", "dispatch": "DSP"}


@dataclass(frozen=True)
class DocumentRequest:
    """Operations to record under one document number (None: a new number is made)."""

    number: str | None
    kind: str
    ops: list[Operation]

    def fingerprint(self) -> str:
        """A hash of the operations, to tell a repeat of this document from a clash."""
        payload = json.dumps([op.key() for op in self.ops], ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Posted:
    """What happened to one document: ``recorded`` with its lines, or ``already recorded``."""

    number: str
    kind: str
    status: str
    lines: list[Line]


def new_number(kind: str, today: date) -> str:
    """A fresh document number such as ``ISS-20261122-3f9a1c2b``."""
    return f"{PREFIX.get(kind, kind.upper()[:3])}-{today:%Y%m%d}-{uuid.uuid4().hex[:8]}"


def post(s: Session, docs: list[DocumentRequest], *, actor: str, today: date,
         collect_errors: bool = False) -> list[Posted]:
    """Record ``docs`` in the session's transaction and return what each did.

    Raises ``UnknownDepot``/``UnknownItem`` for codes not in the database,
    ``DocumentConflict`` when a number is recorded with other content, and the stock
    errors of ``depot.rules``. With ``collect_errors`` every failing operation is
    gathered and one ``InvalidFile`` listing them all is raised instead (imports), or
    ``RefusedRows`` when every failure is a refusal (not enough stock ...).
    """
    fresh, results = _split_known(s, docs, today)
    ops = [op for doc in fresh for op in doc.ops]
    errors: list[Problem] | None = [] if collect_errors else None
    refused: list[Problem] = []
    failed: set[int] = set()
    items = _check_codes(s, ops, errors, failed)
    book = _load_book(s, ops)
    planned: list[tuple[DocumentRequest, list[Line]]] = []
    for doc in fresh:
        valid = [op for op in doc.ops if id(op) not in failed]
        planned.append((doc, plan(valid, book, items, today, errors, refused)))
    if errors:
        kind = RefusedRows if len(refused) == len(errors) else InvalidFile
        raise kind(f"{len(errors)} bad row(s); nothing was recorded", errors)
    _write(s, planned, book, actor)
    return results + [Posted(doc.number, doc.kind, "recorded", lines) for doc, lines in planned]


def _split_known(s: Session, docs: list[DocumentRequest], today: date):
    numbered = [d for d in docs if d.number]
    known: dict[str, Document] = {}
    numbers = [d.number for d in numbered]
    for chunk in range(0, len(numbers), 500):
        for row in s.exec(select(Document).where(Document.number.in_(numbers[chunk:chunk + 500]))):
            known[row.number] = row
    fresh, results = [], []
    for doc in docs:
        if doc.number is None:
            fresh.append(DocumentRequest(new_number(doc.kind, today), doc.kind, doc.ops))
            continue
        seen = known.get(doc.number)
        if seen is None:
            fresh.append(doc)
        elif seen.fingerprint == doc.fingerprint():
            results.append(Posted(doc.number, doc.kind, "already recorded", []))
        else:
            raise DocumentConflict(
                f"document {doc.number} is already recorded ({seen.kind}, {seen.lines} line(s), "
                f"{seen.at:%Y-%m-%d %H:%M} UTC by {seen.actor or 'unknown'}) with different content; "
                "use a new document number or correct the ledger with an adjustment"
            )
    return fresh, results


def _check_codes(s: Session, ops: list[Operation], errors: list[Problem] | None, failed: set[int]) -> dict[str, ItemFacts]:
    depots = {op.depot for op in ops} | {op.to for op in ops if op.kind == "transfer" and op.to}
    item_codes = {op.item for op in ops}
    known_depots = set(s.exec(select(Depot.code).where(Depot.code.in_(depots)))) if depots else set()
    items = {code: ItemFacts(code, shelf) for code, shelf in
             s.exec(select(Item.code, Item.shelf_life_days).where(Item.code.in_(item_codes)))} if item_codes else {}
    for op in ops:
        for code in (op.depot, op.to if op.kind == "transfer" else None):
            if code is not None and code not in known_depots:
                _fail(errors, failed, op, UnknownDepot(f"unknown depot {code!r}", hint="depots"))
        if op.item not in items:
            _fail(errors, failed, op, UnknownItem(f"unknown item {op.item!r}", hint="items"))
    return items


def _fail(errors: list[Problem] | None, failed: set[int], op: Operation, exc: Exception) -> None:
    if errors is None:
        raise exc
    errors.append(Problem.at_line(op.line, exc) if op.line is not None else Problem.of(exc))
    failed.add(id(op))


def _load_book(s: Session, ops: list[Operation]) -> Book:
    book = Book()
    if not ops:
        return book
    depots = sorted({op.depot for op in ops} | {op.to for op in ops if op.kind == "transfer" and op.to})
    items = sorted({op.item for op in ops})
    for lot in s.exec(select(Lot).where(Lot.item.in_(items))):
        book.expiry[(lot.item, lot.code)] = lot.expires
    query = (select(Balance).where(Balance.depot.in_(depots), Balance.item.in_(items))
             .order_by(Balance.depot, Balance.item, Balance.lot).with_for_update())
    for bal in s.exec(query):
        expires = book.expiry.get((bal.item, bal.lot))
        book.lots.setdefault((bal.depot, bal.item), {})[bal.lot] = LotStock(bal.lot, expires, bal.on_hand, bal.reserved)
    return book


def _write(s: Session, planned: list[tuple[DocumentRequest, list[Line]]], book: Book, actor: str) -> None:
    now = datetime.now(timezone.utc)
    if any(lines for _, lines in planned):
        lock_chain(s)
    if book.new_lots:
        s.execute(insert(Lot.__table__), [{"item": i, "code": c, "expires": e} for (i, c), e in book.new_lots.items()])
    docs = [{"number": d.number, "kind": d.kind, "fingerprint": d.fingerprint(), "at": now,
             "actor": actor, "lines": len(lines)} for d, lines in planned]
    if docs:
        s.execute(insert(Document.__table__), docs)
    movements = [{"at": now, "kind": ln.kind, "depot": ln.depot, "item": ln.item, "lot": ln.lot,
                  "qty": ln.qty, "reserved_delta": ln.reserved_delta, "doc": d.number, "actor": actor,
                  "reason": ln.reason, "counterparty": ln.counterparty, "note": ln.note}
                 for d, lines in planned for ln in lines]
    if not movements:
        return
    _chain(s, movements, {d["number"]: d for d in docs})
    s.execute(insert(Movement.__table__), movements)
    if s.get_bind().dialect.name == "postgresql":  # ids are given here: keep the sequence past them
        s.execute(text("SELECT setval(pg_get_serial_sequence('movement', 'id'), :last)"),
                  {"last": movements[-1]["id"]})
    deltas: dict[tuple[str, str, str], list[int]] = {}
    for m in movements:
        acc = deltas.setdefault((m["depot"], m["item"], m["lot"]), [0, 0])
        acc[0] += m["qty"]
        acc[1] += m["reserved_delta"]
    rows = [{"depot": d, "item": i, "lot": lot, "on_hand": q, "reserved": r} for (d, i, lot), (q, r) in sorted(deltas.items())]
    _upsert_balances(s, rows)


def lock_chain(s: Session) -> None:
    """Hold the ledger's chain head for the rest of the session's transaction, so that no
    other writer chains a movement to the same one (PostgreSQL: an advisory lock; SQLite's
    write transaction already holds the database's one write lock)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})"))


def chain_head(s: Session) -> chain.Head | None:
    """The last movement's id and hash (None for an empty ledger)."""
    row = s.execute(select(Movement.id, Movement.hash).order_by(Movement.id.desc()).limit(1)).first()
    return None if row is None else chain.Head(row[0], row[1])


def _chain(s: Session, movements: list[dict], documents: dict[str, dict]) -> None:
    """Number ``movements`` after the chain head and give each its chained hash (in place)."""
    head = chain_head(s)
    number, previous = (0, chain.GENESIS) if head is None else (head.id, head.hash)
    for m in movements:
        number += 1
        m["id"] = number
        m["hash"] = previous = chain.link(m, documents[m["doc"]], previous)


def _upsert_balances(s: Session, rows: list[dict]) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
    table = Balance.__table__
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.depot, table.c.item, table.c.lot],
        set_={"on_hand": table.c.on_hand + stmt.excluded.on_hand,
              "reserved": table.c.reserved + stmt.excluded.reserved},
    )
    s.execute(stmt, rows)
