"""The warehouse keeper's operations: receive, issue, transfer, adjust, count.

Each function takes plain values as a keeper types them (codes, quantities as text or
numbers, dates as ``YYYY-MM-DD``), validates them, and records one document in one
transaction on the database at ``url``. Each returns the ``Posted`` document and
raises the domain errors of ``depot.errors``; on any error nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from relief.depot import db, reports, rules, sheets, text
from relief.errors import InvalidFile, InvalidInput, Problem, RefusedRows
from relief.depot.ledger import DocumentRequest, Posted, post
from relief.depot.posting import Operation


def receive(url: str, depot: str, item: str, qty: object, *, lot: str | None = None,
            expires: object = None, doc: str | None = None, source: str | None = None,
            note: str | None = None, actor: str, today: date) -> Posted:
    """Receive ``qty`` units of ``item`` into ``depot`` (a new lot or an existing one).

    ``expires`` is required in spirit for perishable items; when omitted it is the
    recorded expiry of a named lot already known, else today plus the item's shelf life.
    Raises ``InvalidDate`` for an expiry already past.
    """
    when = rules.parse_date(expires, "expiry", option="expiry") if expires not in (None, "") else None
    op = Operation("receive", _code(depot), _code(item, "item"), rules.positive_quantity(qty), lot=_lot(lot),
                   expires=when, source=text.note(source, "source", option="source"), note=_note(note))
    return _record(url, "receive", op, doc, actor, today)


def issue(url: str, depot: str, item: str, qty: object, *, lot: str | None = None,
          doc: str | None = None, to: str | None = None, allow_expired: bool = False,
          note: str | None = None, actor: str, today: date) -> Posted:
    """Issue ``qty`` units of ``item`` from ``depot``, earliest-expiring lots first.

    Raises ``OutOfStock`` when fewer units are available, ``UnknownLot`` for a lot the
    depot does not hold and ``ExpiredLot`` for an expired lot without ``allow_expired``.
    """
    op = Operation("issue", _code(depot), _code(item, "item"), rules.positive_quantity(qty), lot=_lot(lot),
                   to=text.name(to, "recipient", option="to") or None, note=_note(note), allow_expired=allow_expired)
    return _record(url, "issue", op, doc, actor, today)


def transfer(url: str, source: str, dest: str, item: str, qty: object, *, lot: str | None = None,
             doc: str | None = None, note: str | None = None, actor: str, today: date) -> Posted:
    """Move ``qty`` units of ``item`` from ``source`` to ``dest`` as one document.

    The lots keep their codes and expiry. Raises ``InvalidInput`` when both depots are
    the same, and ``OutOfStock`` when the source has too little available.
    """
    src, dst = _code(source), _code(dest)
    if src == dst:
        raise InvalidInput(f"a transfer needs two different depots; got {src} twice")
    op = Operation("transfer", src, _code(item, "item"), rules.positive_quantity(qty), lot=_lot(lot), to=dst,
                   note=_note(note))
    return _record(url, "transfer", op, doc, actor, today)


def adjust(url: str, depot: str, item: str, delta: object, reason: str, *, lot: str | None = None,
           doc: str | None = None, note: str | None = None, actor: str, today: date) -> Posted:
    """Add (``delta`` > 0) or remove units of ``item`` at ``depot`` for a stated reason.

    ``reason`` is one of damaged, lost, found, expired, other. Losses come from expired
    lots first, then earliest-expiring; ``expired`` write-offs only from expired lots.
    Raises ``InvalidReason``, ``InvalidQuantity`` or ``ReservedStock``.
    """
    op = Operation("adjust", _code(depot), _code(item, "item"), rules.nonzero_delta(delta), lot=_lot(lot),
                   reason=rules.check_reason(reason), note=_note(note))
    return _record(url, "adjust", op, doc, actor, today)


def count(url: str, depot: str, item: str, counted: object, *, lot: str | None = None,
          doc: str | None = None, note: str | None = None, actor: str, today: date) -> Posted:
    """Record a stock count; the difference from the books becomes a count movement.

    Counts the one ``lot`` if named, else all lots of the item at the depot. Raises
    ``ReservedStock`` when the count is below the units reserved for committed plans.
    """
    op = Operation("count", _code(depot), _code(item, "item"), rules.counted_quantity(counted), lot=_lot(lot),
                   note=_note(note))
    return _record(url, "count", op, doc, actor, today)


def import_file(url: str, path: str, *, actor: str, today: date, name: str | None = None,
                check: Callable[[list[DocumentRequest]], None] | None = None) -> list[Posted]:
    """Record every document of a CSV or XLSX file in one transaction (``name``: the file's
    name as its sender calls it, see ``sheets.read_documents``). ``check``, when given,
    sees the documents read before anything is written, and may raise to refuse them.

    Documents already recorded with the same content are skipped (``already recorded``).
    Raises ``InvalidFile`` listing every bad row by line number (malformed values,
    unknown codes, too little stock ...), or ``RefusedRows`` when the only faults are
    refusals such as too little stock; then nothing is written.
    """
    actor = _actor(actor)
    malformed: list[Problem] = []
    name = name or Path(path).name
    docs = sheets.read_documents(path, malformed, name=name)
    if check is not None:
        check(docs)

    def work(s) -> list[Posted]:
        try:
            posted = post(s, docs, actor=actor, today=today, collect_errors=True)
        except (InvalidFile, RefusedRows) as exc:
            rows = sorted(malformed + exc.problems, key=lambda p: p.line or 0)
            kind = RefusedRows if isinstance(exc, RefusedRows) and not malformed else InvalidFile
            raise kind(f"{name}: {len(rows)} bad row(s); nothing was recorded", rows) from None
        if malformed:
            raise InvalidFile(f"{name}: {len(malformed)} bad row(s); nothing was recorded", malformed)
        return posted
    return db.write(url, work)


def export_file(url: str, path: str, *, ledger: bool = False, today: date, force: bool = False) -> int:
    """Write the current stock rows (or, with ``ledger``, every movement) to a CSV or
    XLSX file, every text cell made safe to open (``cells.safe_cell``); returns the number
    of rows. Raises ``InvalidFile`` for a bad path and ``Refused`` (``option="force"``)
    when the file exists and ``force`` is not given; either way nothing is written."""
    sheets.check_output(path, force=force)
    with db.session(url) as s:
        if ledger:
            rows = list(reversed(reports.history(s, limit=10**9)))
            return sheets.write_rows(path, rows, sheet="ledger", force=force)
        return sheets.write_rows(path, reports.stock(s, today=today), sheet="stock", force=force)


def _record(url: str, kind: str, op: Operation, doc: str | None, actor: str, today: date) -> Posted:
    request = DocumentRequest(text.optional_code(doc, "document number", option="doc"), kind, [op])
    actor = _actor(actor)
    return db.write(url, lambda s: post(s, [request], actor=actor, today=today)[0])


def _code(value: str, what: str = "depot") -> str:
    return text.code(value, f"{what} code").upper()


def _lot(value: str | None) -> str | None:
    return text.optional_code(value, "lot", option="lot")


def _note(value: str | None) -> str | None:
    return text.note(value, "note", option="note")


def _actor(value: str) -> str:
    return text.name(value, "actor", option="actor")
