"""The stock part of the HTTP API: what is on hand, and every movement a keeper records.

Reads take a session and call ``depot.reports`` as ``relief stock show/low/expiring/
history/verify --json`` do, with the same keys. Every write goes through
``routing.office`` as the signed-in account, which checks its scope and records it as the
actor: a request can never name the actor. A write answers 201 with the document it
recorded, or 200 when the same document number was already recorded with the same
content (nothing changes then); the same number with other content is a 409.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile

from relief.depot import reports
from relief.depot.ledger import Posted
from relief.routing import office
from relief.web import uploads
from relief.web.api_common import Body, User, Whole, pick, read_upload, reading, url_of
from relief.web.clock import today

router = APIRouter(tags=["stock"])
STOCK_KEYS = ("depot", "item", "lot", "expires", "expired", "on_hand", "reserved", "available")
IMPORT_TYPES = (".csv", ".xlsx")
MAX_IMPORT = 5 * 1024 * 1024


class Receive(Body):
    """``POST /api/stock/receive``."""

    depot: str
    item: str
    qty: Whole
    lot: str | None = None
    expires: str | None = None
    doc: str | None = None
    source: str | None = None
    note: str | None = None


class Issue(Body):
    """``POST /api/stock/issue``: earliest-expiring lots first unless ``lot`` is named."""

    depot: str
    item: str
    qty: Whole
    lot: str | None = None
    doc: str | None = None
    to: str | None = None
    allow_expired: bool = False
    note: str | None = None


class Transfer(Body):
    """``POST /api/stock/transfer``: out of ``source`` and into ``dest`` as one document."""

    source: str
    dest: str
    item: str
    qty: Whole
    lot: str | None = None
    doc: str | None = None
    note: str | None = None


class Adjust(Body):
    """``POST /api/stock/adjust``: ``delta`` up or down for a ``reason`` (damaged, lost, found, expired, other)."""

    depot: str
    item: str
    delta: Whole
    reason: str
    lot: str | None = None
    doc: str | None = None
    note: str | None = None


class Count(Body):
    """``POST /api/stock/count``: the units counted; the variance becomes a count movement."""

    depot: str
    item: str
    counted: Whole
    lot: str | None = None
    doc: str | None = None
    note: str | None = None


def posted_json(posted: Posted) -> dict:
    """A recorded document as the API returns it: document, kind, status and its ledger lines."""
    return {"document": posted.number, "kind": posted.kind, "status": posted.status,
            "lines": [{"kind": line.kind, "depot": line.depot, "item": line.item, "lot": line.lot, "qty": line.qty,
                       "reserved_delta": line.reserved_delta} for line in posted.lines]}


def _answer(response: Response, posted: Posted) -> dict:
    if posted.status != "recorded":
        response.status_code = 200
    return posted_json(posted)


@router.get("/stock")
def stock(request: Request, who: User, depot: str | None = None, item: str | None = None) -> list[dict]:
    """Stock per depot, item and lot (the keys of ``relief stock show --json``)."""
    with reading(request) as s:
        return pick(reports.stock(s, depot=depot, item=item, today=today()), STOCK_KEYS)


@router.get("/stock/low")
def low(request: Request, who: User, depot: str | None = None) -> list[dict]:
    """Items below the reserve-norm minimum of their depot's level."""
    with reading(request) as s:
        return reports.low(s, depot=depot, today=today())


@router.get("/stock/expiring")
def expiring(request: Request, who: User, days: int = 90, depot: str | None = None) -> list[dict]:
    """Lots expiring within ``days`` days, and those already expired."""
    with reading(request) as s:
        return reports.expiring(s, days=days, depot=depot, today=today())


@router.get("/stock/history")
def history(request: Request, who: User, depot: str | None = None, item: str | None = None,
            doc: str | None = None, limit: int = 20) -> list[dict]:
    """Ledger movements, newest first, each with the account that recorded it as ``actor``."""
    with reading(request) as s:
        return reports.history(s, depot=depot, item=item, doc=doc, limit=limit)


@router.get("/stock/verify")
def verify(request: Request, who: User, head: str | None = None) -> dict:
    """Every balance recomputed from the ledger and the hash chain walked (``ok`` says whether they agree)."""
    with reading(request) as s:
        return reports.verify(s, head=head)


@router.post("/stock/receive", status_code=201)
def receive(body: Receive, request: Request, response: Response, who: User) -> dict:
    """Receive units into a depot; 201 with the document, 200 when it was already recorded."""
    posted = office.receive(url_of(request), who, body.depot, body.item, body.qty, today=today(), lot=body.lot,
                            expires=body.expires, doc=body.doc, source=body.source, note=body.note)
    return _answer(response, posted)


@router.post("/stock/issue", status_code=201)
def issue(body: Issue, request: Request, response: Response, who: User) -> dict:
    """Issue units from a depot (409 when too few are available)."""
    posted = office.issue(url_of(request), who, body.depot, body.item, body.qty, today=today(), lot=body.lot,
                          doc=body.doc, to=body.to, allow_expired=body.allow_expired, note=body.note)
    return _answer(response, posted)


@router.post("/stock/transfer", status_code=201)
def transfer(body: Transfer, request: Request, response: Response, who: User) -> dict:
    """Move units between two depots; the account must hold the sending depot in its scope."""
    posted = office.transfer(url_of(request), who, body.source, body.dest, body.item, body.qty, today=today(),
                             lot=body.lot, doc=body.doc, note=body.note)
    return _answer(response, posted)


@router.post("/stock/adjust", status_code=201)
def adjust(body: Adjust, request: Request, response: Response, who: User) -> dict:
    """Correct stock up or down for a reason."""
    posted = office.adjust(url_of(request), who, body.depot, body.item, body.delta, body.reason, today=today(),
                           lot=body.lot, doc=body.doc, note=body.note)
    return _answer(response, posted)


@router.post("/stock/count", status_code=201)
def count(body: Count, request: Request, response: Response, who: User) -> dict:
    """Record a stock count (no lines when it matches the books)."""
    posted = office.count(url_of(request), who, body.depot, body.item, body.counted, today=today(), lot=body.lot,
                          doc=body.doc, note=body.note)
    return _answer(response, posted)


@router.post("/stock/import", status_code=201)
def import_file(request: Request, response: Response, who: User,
                file: Annotated[UploadFile, File(description="A .csv or .xlsx file of movements, at most 5 MB.")]
                ) -> list[dict]:
    """Record every document of an uploaded CSV or XLSX file, all or none.

    201 with the documents (200 when every one was already recorded); 422 for another type
    of file or bad rows (``problems`` lists every one by line); 409 when the only faults are
    refusals of the books (too little stock); 413 above 5 MB. The upload is kept as
    ``web.uploads`` says: the name the client sent is never a path, only the file's name in
    messages and document numbers, as in ``relief stock import``."""
    extension = uploads.suffix(file.filename, IMPORT_TYPES)
    data = read_upload(file.file, MAX_IMPORT, "the file")
    with uploads.saved(data, extension) as path:
        posted = office.import_file(url_of(request), who, path, today=today(),
                                    name=uploads.client_name(file.filename, path.name))
    if not any(p.status == "recorded" for p in posted):
        response.status_code = 200
    return [posted_json(p) for p in posted]
