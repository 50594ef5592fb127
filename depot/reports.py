"""Read-only views of the books: stock, low stock, expiring lots, history, verification.

Each function takes an open session and plain filters and returns a list of plain
dicts with stable keys (the ``--json`` output of the matching command).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from relief.depot import chain, text
from relief.errors import InvalidQuantity, UnknownDepot, UnknownItem
from relief.depot.models import Balance, Depot, Document, Item, Lot, Movement, ReserveNorm
from relief.depot.rules import LotStock

# The filters and ``stock`` (what ``relief stock show`` runs) select columns of the tables
# themselves (Core), not model classes: a read then needs no ORM mapper configuration,
# which would cost every keeper command a few milliseconds at start-up.
BALANCE, DEPOT, ITEM, LOT = Balance.__table__, Depot.__table__, Item.__table__, Lot.__table__


def check_depot(s: Session, code: str | None) -> str | None:
    """Return the upper-cased depot code if it exists (None passes); raises ``UnknownDepot``."""
    if code is None:
        return None
    code = text.code(code, "depot code").upper()
    if s.exec(select(DEPOT.c.code).where(DEPOT.c.code == code)).first() is None:
        raise UnknownDepot(f"unknown depot {code!r}", hint="depots")
    return code


def check_item(s: Session, code: str | None) -> str | None:
    """Return the upper-cased item code if it exists (None passes); raises ``UnknownItem``."""
    if code is None:
        return None
    code = text.code(code, "item code").upper()
    if s.exec(select(ITEM.c.code).where(ITEM.c.code == code)).first() is None:
        raise UnknownItem(f"unknown item {code!r}", hint="items")
    return code


def stock(s: Session, *, depot: str | None = None, item: str | None = None, today: date) -> list[dict]:
    """Stock rows per depot, item and lot with units on hand, reserved and available.

    Keys: depot, depot_name, item, item_name, unit, lot, expires, expired, on_hand,
    reserved, available. Raises ``UnknownDepot`` / ``UnknownItem`` for bad filters.
    """
    depot, item = check_depot(s, depot), check_item(s, item)
    bal = BALANCE.c
    query = (select(bal.depot, DEPOT.c.name, bal.item, ITEM.c.name, ITEM.c.unit, bal.lot, LOT.c.expires,
                    bal.on_hand, bal.reserved)
             .join_from(BALANCE, LOT, (LOT.c.item == bal.item) & (LOT.c.code == bal.lot))
             .join(DEPOT, DEPOT.c.code == bal.depot).join(ITEM, ITEM.c.code == bal.item)
             .where((bal.on_hand > 0) | (bal.reserved > 0))
             .order_by(bal.depot, bal.item, LOT.c.expires, bal.lot))
    if depot:
        query = query.where(bal.depot == depot)
    if item:
        query = query.where(bal.item == item)
    rows = []
    for depot_code, depot_name, item_code, item_name, unit, lot_code, expires, on_hand, reserved in s.exec(query):
        lot = LotStock(lot_code, expires, on_hand, reserved)
        rows.append({"depot": depot_code, "depot_name": depot_name, "item": item_code, "item_name": item_name,
                     "unit": unit, "lot": lot_code, "expires": expires.isoformat() if expires else None,
                     "expired": lot.is_expired(today), "on_hand": on_hand, "reserved": reserved,
                     "available": lot.available(today)})
    return rows


def totals(s: Session, *, today: date) -> dict[tuple[str, str], dict[str, int]]:
    """Per (depot, item): summed on_hand, reserved, expired and available units."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    query = select(Balance, Lot.expires).join(Lot, (Lot.item == Balance.item) & (Lot.code == Balance.lot))
    for bal, expires in s.exec(query):
        lot = LotStock(bal.lot, expires, bal.on_hand, bal.reserved)
        acc = out.setdefault((bal.depot, bal.item), {"on_hand": 0, "reserved": 0, "expired": 0, "available": 0})
        acc["on_hand"] += lot.on_hand
        acc["reserved"] += lot.reserved
        acc["expired"] += lot.expired(today)
        acc["available"] += lot.available(today)
    return out


def low(s: Session, *, depot: str | None = None, today: date) -> list[dict]:
    """Depot items whose available units are below the reserve norm minimum for the depot's level.

    Keys: depot, depot_name, level, item, item_name, available, min, max, short, to_max.
    """
    depot = check_depot(s, depot)
    have = totals(s, today=today)
    query = select(Depot, ReserveNorm, Item.name).join(ReserveNorm, ReserveNorm.level == Depot.level).join(
        Item, Item.code == ReserveNorm.item).order_by(Depot.code, ReserveNorm.item)
    if depot:
        query = query.where(Depot.code == depot)
    rows = []
    for d, norm, item_name in s.exec(query):
        available = have.get((d.code, norm.item), {}).get("available", 0)
        if available < norm.min_qty:
            rows.append({"depot": d.code, "depot_name": d.name, "level": d.level, "item": norm.item,
                         "item_name": item_name, "available": available, "min": norm.min_qty, "max": norm.max_qty,
                         "short": norm.min_qty - available, "to_max": norm.max_qty - available})
    return rows


def expiring(s: Session, *, days: int, depot: str | None = None, today: date) -> list[dict]:
    """Lots with units on hand that expire within ``days`` days (or already have).

    Keys: depot, item, item_name, lot, expires, days_left, on_hand, reserved. Raises
    ``InvalidQuantity`` when ``days`` is negative.
    """
    if not 0 <= days <= 36500:
        raise InvalidQuantity(f"days must be from 0 to 36500, got {days}", option="days")
    depot = check_depot(s, depot)
    horizon = today + timedelta(days=days)
    query = (select(Balance, Lot.expires, Item.name)
             .join(Lot, (Lot.item == Balance.item) & (Lot.code == Balance.lot)).join(Item, Item.code == Balance.item)
             .where(Lot.expires.is_not(None), Lot.expires <= horizon, Balance.on_hand > 0)
             .order_by(Lot.expires, Balance.depot, Balance.item))
    if depot:
        query = query.where(Balance.depot == depot)
    return [{"depot": b.depot, "item": b.item, "item_name": name, "lot": b.lot, "expires": exp.isoformat(),
             "days_left": (exp - today).days, "on_hand": b.on_hand, "reserved": b.reserved}
            for b, exp, name in s.exec(query)]


def history(s: Session, *, depot: str | None = None, item: str | None = None, doc: str | None = None,
            limit: int = 50) -> list[dict]:
    """Ledger movements, newest first. Keys: id, at, kind, depot, item, lot, qty,
    reserved_delta, doc, actor, reason, counterparty, note. Raises ``InvalidQuantity``
    when ``limit`` is not positive."""
    if not 0 < limit <= 10**9:
        raise InvalidQuantity(f"limit must be from 1 to 1,000,000,000, got {limit}", option="limit")
    depot, item = check_depot(s, depot), check_item(s, item)
    query = select(Movement).order_by(Movement.id.desc()).limit(limit)
    if depot:
        query = query.where(Movement.depot == depot)
    if item:
        query = query.where(Movement.item == item)
    doc = text.optional_code(doc, "document number", option="doc")
    if doc:
        query = query.where(Movement.doc == doc)
    return [{"id": m.id, "at": m.at.isoformat(timespec="seconds"), "kind": m.kind, "depot": m.depot,
             "item": m.item, "lot": m.lot, "qty": m.qty, "reserved_delta": m.reserved_delta, "doc": m.doc,
             "actor": m.actor, "reason": m.reason, "counterparty": m.counterparty, "note": m.note}
            for m in s.exec(query)]


def verify(s: Session, head: str | None = None) -> dict:
    """Recompute every balance and the hash chain from the ledger and compare them with
    what is stored; with ``head`` (``ID:HASH``, a chain head noted earlier) also check
    that the chain still passes through that movement with that hash.

    Returns {"ok", "balances", "movements", "problems": [{depot, item, lot,
    stored_on_hand, ledger_on_hand, stored_reserved, ledger_reserved, problem}],
    "chain": {"ok", "head": {id, hash} | None, "broken": {id, doc, problem} | None,
    "noted": {id, hash, ok, problem} | None}}: "head" is the last movement (what a
    supervisor notes), "broken" the first movement whose hash does not match. Raises
    ``InvalidInput`` for a ``head`` that is not ``ID:HASH``.
    """
    noted = chain.parse_head(head) if head is not None else None
    ledger = {(d, i, lot): (q, r) for d, i, lot, q, r in s.exec(
        select(Movement.depot, Movement.item, Movement.lot, func.sum(Movement.qty), func.sum(Movement.reserved_delta))
        .group_by(Movement.depot, Movement.item, Movement.lot))}
    stored = {(b.depot, b.item, b.lot): (b.on_hand, b.reserved) for b in s.exec(select(Balance))}
    movements = s.exec(select(func.count()).select_from(Movement)).one()
    problems = []
    for key in sorted(set(ledger) | set(stored)):
        book_q, book_r = (int(v) for v in ledger.get(key, (0, 0)))
        have_q, have_r = stored.get(key, (0, 0))
        issue = None
        if (book_q, book_r) != (have_q, have_r):
            issue = "stored balance differs from the ledger"
        elif have_q < 0 or have_r < 0 or have_r > have_q:
            issue = "negative stock or more reserved than on hand"
        if issue:
            problems.append({"depot": key[0], "item": key[1], "lot": key[2], "stored_on_hand": have_q,
                             "ledger_on_hand": book_q, "stored_reserved": have_r, "ledger_reserved": book_r,
                             "problem": issue})
    chained = _check_chain(s, noted)
    return {"ok": not problems and chained["ok"], "balances": len(stored), "movements": movements,
            "problems": problems, "chain": chained}


def _check_chain(s: Session, noted: chain.Head | None) -> dict:
    """Walk the ledger's hash chain (``depot.chain.walk``) and, if given, find the noted head on it."""
    movement, document = Movement.__table__, Document.__table__
    fields = [movement.c[name] for name in chain.MOVEMENT_FIELDS]
    doc_fields = [document.c[name].label(f"document_{name}") for name in chain.DOCUMENT_FIELDS]
    query = (select(*fields, movement.c.hash, *doc_fields)
             .join_from(movement, document, document.c.number == movement.c.doc, isouter=True)
             .order_by(movement.c.id))
    at_noted: list[str | None] = []

    def rows():
        result = s.execute(query.execution_options(yield_per=1000))
        try:
            for row in result.mappings():
                found = {name: row[f"document_{name}"] for name in chain.DOCUMENT_FIELDS}
                if noted is not None and row["id"] == noted.id:
                    at_noted.append(row["hash"])
                yield row, (found if found["number"] is not None else None), row["hash"]
        finally:
            result.close()

    walked = chain.walk(rows())
    check = None
    if noted is not None:
        problem = None
        if walked.broken is not None and walked.broken.id <= noted.id:
            problem = f"the chain is broken before it reaches movement {noted.id}"
        elif not at_noted and (walked.head is None or noted.id > walked.head.id):
            problem = f"movement {noted.id} is not in the ledger (history after it was removed, or the id is wrong)"
        elif not at_noted:
            problem = f"movement {noted.id} is not in the ledger (it was removed)"
        elif at_noted[0] != noted.hash:
            problem = (f"movement {noted.id} now has hash {at_noted[0]}, not the noted one: "
                       "the history up to it was rewritten")
        check = {"id": noted.id, "hash": noted.hash, "ok": problem is None, "problem": problem}
    head = None if walked.head is None or walked.broken is not None else walked.head
    broken = walked.broken
    return {"ok": broken is None and (check is None or check["ok"]),
            "head": None if head is None else {"id": head.id, "hash": head.hash},
            "broken": None if broken is None else {"id": broken.id, "doc": broken.doc, "problem": broken.problem},
            "noted": check}
