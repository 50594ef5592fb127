"""Turn stock operations into ledger lines, against an in-memory book. No I/O.

An ``Operation`` is what a keeper asks for (receive 40 tents, issue 10 quilts, ...).
``plan`` walks a sequence of operations over a ``Book`` of lots, applying each one's
lines before the next so that a file of operations behaves like the same operations
typed one after another, and returns the ``Line`` rows the ledger must write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from relief.depot import rules
from relief.errors import InvalidDate, Problem, Refused, ReliefError, ReservedStock
from relief.depot.rules import LotStock

OPERATION_KINDS = ("receive", "issue", "transfer", "adjust", "count", "reserve", "release", "dispatch", "opening")


@dataclass(frozen=True)
class Operation:
    """One requested change. ``qty`` is units for most kinds, the signed delta for
    ``adjust`` and the counted units for ``count``; ``line`` is the source file line."""

    kind: str
    depot: str
    item: str
    qty: int
    lot: str | None = None
    expires: date | None = None
    to: str | None = None
    reason: str | None = None
    source: str | None = None
    note: str | None = None
    allow_expired: bool = False
    line: int | None = None

    def key(self) -> tuple:
        """A canonical tuple of what the operation does (for document fingerprints)."""
        return (self.kind, self.depot, self.item, self.qty, self.lot or "", str(self.expires or ""),
                self.to or "", self.reason or "", self.source or "", self.note or "", self.allow_expired)


@dataclass(frozen=True)
class Line:
    """One ledger movement: on-hand and reserved deltas of a lot at a depot."""

    kind: str
    depot: str
    item: str
    lot: str
    qty: int
    reserved_delta: int = 0
    reason: str | None = None
    counterparty: str | None = None
    note: str | None = None


@dataclass
class Book:
    """Lots per (depot, item) and the known expiry of each (item, lot)."""

    lots: dict[tuple[str, str], dict[str, LotStock]] = field(default_factory=dict)
    expiry: dict[tuple[str, str], date | None] = field(default_factory=dict)
    new_lots: dict[tuple[str, str], date | None] = field(default_factory=dict)

    def held(self, depot: str, item: str) -> list[LotStock]:
        """The lots of ``item`` at ``depot`` (possibly empty)."""
        return list(self.lots.get((depot, item), {}).values())

    def apply(self, line: Line) -> None:
        """Apply a line's deltas, creating the lot at the depot if it is new there."""
        lots = self.lots.setdefault((line.depot, line.item), {})
        stock = lots.get(line.lot)
        if stock is None:
            stock = LotStock(line.lot, self.expiry.get((line.item, line.lot)), 0, 0)
        lots[line.lot] = LotStock(stock.lot, stock.expires, stock.on_hand + line.qty, stock.reserved + line.reserved_delta)

    def register_lot(self, item: str, lot: str, expires: date | None) -> None:
        """Record a lot's expiry; raises ``InvalidDate`` if the lot is known with another."""
        key = (item, lot)
        if key in self.expiry:
            known = self.expiry[key]
            if known != expires:
                shown = known.isoformat() if known else "no expiry"
                raise InvalidDate(f"lot {lot} of {item} is recorded with {shown}; got {expires.isoformat() if expires else 'no expiry'}")
            return
        self.expiry[key] = expires
        self.new_lots[key] = expires


@dataclass(frozen=True)
class ItemFacts:
    """What the planner needs to know about an item."""

    code: str
    shelf_life_days: int | None


def plan(ops: list[Operation], book: Book, items: dict[str, ItemFacts], today: date,
         errors: list[Problem] | None = None, refused: list[Problem] | None = None) -> list[Line]:
    """Return the ledger lines for ``ops`` applied in order to ``book`` (which is updated).

    With ``errors`` given, an operation that fails is recorded there as a ``Problem``
    (at ``line N`` when the operation came from a file's line) and skipped, so a whole file can be checked at once; without
    it the first failure raises its domain error (``OutOfStock``, ``UnknownLot`` ...).
    Failures that are refusals (not enough stock ...) are also added to ``refused``.
    """
    lines: list[Line] = []
    for op in ops:
        try:
            produced = _lines_for(op, book, items[op.item], today)
        except ReliefError as exc:
            if errors is None:
                raise
            problem = Problem.at_line(op.line, exc) if op.line is not None else Problem.of(exc)
            errors.append(problem)
            if refused is not None and isinstance(exc, Refused):
                refused.append(problem)
            continue
        for line in produced:
            book.apply(line)
        lines.extend(produced)
    return lines


def _lines_for(op: Operation, book: Book, item: ItemFacts, today: date) -> list[Line]:
    held = book.held(op.depot, op.item)
    what = f"{op.item} at {op.depot}"
    if op.kind in ("receive", "opening"):
        if op.kind == "opening":
            lot = op.lot or (f"EXP{op.expires:%Y%m%d}" if op.expires else rules.NO_LOT)
            expires = op.expires
        else:
            known = book.expiry.get((op.item, op.lot)) if op.lot and op.expires is None else None
            lot, expires = rules.receipt_lot(op.lot, op.expires or known, item.shelf_life_days, today)
        book.register_lot(op.item, lot, expires)
        return [Line(op.kind, op.depot, op.item, lot, op.qty, counterparty=op.source, note=op.note)]
    if op.kind == "issue":
        picks = rules.allocate_issue(held, op.qty, today, lot=op.lot, allow_expired=op.allow_expired, what=what)
        return [Line("issue", op.depot, op.item, lot, -n, counterparty=op.to, note=op.note) for lot, n in picks]
    if op.kind == "transfer":
        picks = rules.allocate_issue(held, op.qty, today, lot=op.lot, allow_expired=op.allow_expired, what=what)
        out = [Line("transfer_out", op.depot, op.item, lot, -n, counterparty=op.to, note=op.note) for lot, n in picks]
        into = [Line("transfer_in", op.to, op.item, lot, n, counterparty=op.depot, note=op.note) for lot, n in picks]
        return out + into
    if op.kind == "adjust":
        rules.check_reason(op.reason or "")
        if op.qty > 0:
            lot = rules.gain_lot(held, lot=op.lot, durable=item.shelf_life_days is None, what=what)
            if lot == rules.NO_LOT:
                book.register_lot(op.item, lot, None)
            return [Line("adjust", op.depot, op.item, lot, op.qty, reason=op.reason, note=op.note)]
        picks = rules.allocate_loss(held, -op.qty, today, lot=op.lot, expired_only=op.reason == "expired", what=what)
        return [Line("adjust", op.depot, op.item, lot, -n, reason=op.reason, note=op.note) for lot, n in picks]
    if op.kind == "count":
        variance = rules.count_variance(held, op.qty, lot=op.lot, what=what)
        if variance > 0:
            lot = rules.gain_lot(held, lot=op.lot, durable=item.shelf_life_days is None, what=what)
            if lot == rules.NO_LOT:
                book.register_lot(op.item, lot, None)
            return [Line("count", op.depot, op.item, lot, variance, reason="found", note=op.note)]
        if variance < 0:
            picks = rules.allocate_loss(held, -variance, today, lot=op.lot, what=what)
            return [Line("count", op.depot, op.item, lot, -n, reason="lost", note=op.note) for lot, n in picks]
        return []
    if op.kind == "reserve":
        picks = rules.allocate_issue(held, op.qty, today, lot=op.lot, what=what)
        return [Line("reserve", op.depot, op.item, lot, 0, n, counterparty=op.to, note=op.note) for lot, n in picks]
    if op.kind in ("release", "dispatch"):
        stock = next((s for s in held if s.lot == op.lot), None)
        if stock is None or stock.reserved < op.qty:
            have = stock.reserved if stock else 0
            raise ReservedStock(f"cannot {op.kind} {op.qty} of {what} lot {op.lot}: only {have} reserved")
        d_on_hand = -op.qty if op.kind == "dispatch" else 0
        return [Line(op.kind, op.depot, op.item, op.lot, d_on_hand, -op.qty, counterparty=op.to, note=op.note)]
    raise AssertionError(f"unknown operation kind {op.kind}")
