"""The keeper's forms: receive, issue, transfer, adjust, count, and importing a file.

Every form posts the fields the JSON API takes, under the same names. The depot
choices are those of the account's scope, but the server decides: each write goes
through ``routing.office`` as the signed-in account, which refuses (403, audited) a
depot outside its scope. A library error is shown next to the field it concerns, with
its HTTP status (422 bad input, 409 refused by the books, 403 outside the scope).
"""

from __future__ import annotations


from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from sqlmodel import select
from starlette.datastructures import UploadFile

from relief.depot import db, reports
from relief.depot.access import Principal
from relief.depot.ledger import Posted
from relief.depot.models import Depot, Item
from relief.depot.rules import REASONS
from relief.errors import InvalidFile, ReliefError
from relief.routing import office
from relief.web import uploads
from relief.web.auth import page_user
from relief.web.errors import status_of
from relief.web.pages_common import csrf, field_of, form, render, stock_depots, today, url

router = APIRouter()
MAX_UPLOAD = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx")

# Each form's fields in order: (name, label key, kind). Kinds: "scope" (a depot of the
# account's scope), "depot" (any depot), "item", "text", "number", "date", "check", "reason".
FIELDS = {
    "receive": [("depot", "f_depot", "scope"), ("item", "f_item", "item"), ("qty", "f_qty", "number"),
                ("lot", "f_lot", "text"), ("expires", "f_expires", "date"), ("doc", "f_doc", "text"),
                ("source", "f_source", "text"), ("note", "f_note", "text")],
    "issue": [("depot", "f_depot", "scope"), ("item", "f_item", "item"), ("qty", "f_qty", "number"),
              ("lot", "f_lot", "text"), ("doc", "f_doc", "text"), ("to", "f_to", "text"),
              ("allow_expired", "f_allow_expired", "check"), ("note", "f_note", "text")],
    "transfer": [("source", "f_source_depot", "scope"), ("dest", "f_dest", "depot"), ("item", "f_item", "item"),
                 ("qty", "f_qty", "number"), ("lot", "f_lot", "text"), ("doc", "f_doc", "text"),
                 ("note", "f_note", "text")],
    "adjust": [("depot", "f_depot", "scope"), ("item", "f_item", "item"), ("delta", "f_delta", "signed"),
               ("reason", "f_reason", "reason"), ("lot", "f_lot", "text"), ("doc", "f_doc", "text"),
               ("note", "f_note", "text")],
    "count": [("depot", "f_depot", "scope"), ("item", "f_item", "item"), ("counted", "f_counted", "number"),
              ("lot", "f_lot", "text"), ("doc", "f_doc", "text"), ("note", "f_note", "text")],
}
OPS = tuple(FIELDS)


def record(target: str, who: Principal, op: str, data: dict) -> Posted:
    """Record the stock form ``op`` with the submitted ``data`` as ``who`` through
    ``routing.office``; returns the ``Posted`` document. Raises the library's errors
    (``Forbidden`` outside the scope, ``InvalidInput``, ``Refused``)."""
    value = {name: _value(data.get(name)) for name, _, _ in FIELDS[op]}
    details = {k: value[k] for k in ("lot", "doc", "note")}
    day = today()
    if op == "receive":
        return office.receive(target, who, value["depot"], value["item"], value["qty"], today=day,
                              expires=value["expires"], source=value["source"], **details)
    if op == "issue":
        return office.issue(target, who, value["depot"], value["item"], value["qty"], today=day, to=value["to"],
                            allow_expired=value["allow_expired"] is not None, **details)
    if op == "transfer":
        return office.transfer(target, who, value["source"], value["dest"], value["item"], value["qty"],
                               today=day, **details)
    if op == "adjust":
        return office.adjust(target, who, value["depot"], value["item"], value["delta"], value["reason"] or "",
                             today=day, **details)
    return office.count(target, who, value["depot"], value["item"], value["counted"], today=day, **details)


@router.get("/stock/import", include_in_schema=False)
def import_page(request: Request, who: Principal = Depends(page_user)) -> Response:
    """The form to import a CSV or XLSX file of stock documents."""
    return render(request, "stock/import.html", who=who)


@router.post("/stock/import", include_in_schema=False)
async def import_upload(request: Request, who: Principal = Depends(page_user)) -> Response:
    """Import the uploaded file as ``who``: the documents recorded, or every bad row by
    line (422, or 409 when the books refuse them) with nothing recorded. The upload is
    kept as ``web.uploads`` says: the client's file name is never a path."""
    data = await form(request)
    return await run_in_threadpool(_import_upload, request, who, data)


def _import_upload(request: Request, who: Principal, data: dict) -> Response:
    csrf(request, data)
    upload = data.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidFile("choose a CSV or XLSX file to import", field="file")
        extension = uploads.suffix(upload.filename, UPLOAD_SUFFIXES)
        content = uploads.read(upload.file, MAX_UPLOAD, "the file")
        with uploads.saved(content, extension) as path:
            posted = office.import_file(url(request), who, path, today=today(),
                                        name=uploads.client_name(upload.filename, path.name))
    except ReliefError as exc:
        problems = [str(p) for p in getattr(exc, "problems", [])]
        return render(request, "stock/import.html", who=who, status=status_of(exc), error=str(exc), problems=problems)
    return render(request, "stock/import.html", who=who, posted=posted)


@router.get("/stock/lots", include_in_schema=False)
def lot_choices(request: Request, who: Principal = Depends(page_user)) -> Response:
    """The lots of an item at a depot (query ``depot`` or ``source``, and ``item``) as
    ``<option>`` elements for the lot field's suggestions (fetched by htmx); none for
    unknown codes."""
    query = request.query_params
    depot, item = query.get("depot") or query.get("source"), query.get("item")
    rows = []
    if depot and item:
        try:
            with db.session(url(request)) as s:
                rows = reports.stock(s, depot=depot, item=item, today=today())
        except ReliefError:
            rows = []
    return render(request, "stock/lots.html", who=who, lots=rows)


@router.get("/stock/{op}", include_in_schema=False)
def stock_form(request: Request, op: str, who: Principal = Depends(page_user)) -> Response:
    """The empty form of the stock operation ``op`` (receive, issue, transfer, adjust, count); 404 for another."""
    if op not in OPS:
        return render(request, "error.html", who=who, status=404, message=f"no stock operation {op!r}")
    return _page(request, who, op, {})


@router.post("/stock/{op}", include_in_schema=False)
async def stock_post(request: Request, op: str, who: Principal = Depends(page_user)) -> Response:
    """Record the submitted form of ``op`` as ``who``: the form again with a notice naming
    the document, or with the error next to its field and the error's status. Raises
    ``Forbidden`` (403, nothing written) without the session's CSRF token."""
    data = await form(request)
    return await run_in_threadpool(_stock_post, request, op, who, data)


def _stock_post(request: Request, op: str, who: Principal, data: dict) -> Response:
    if op not in OPS:
        return render(request, "error.html", who=who, status=404, message=f"no stock operation {op!r}")
    csrf(request, data)
    try:
        posted = record(url(request), who, op, data)
    except ReliefError as exc:
        names = [name for name, _, _ in FIELDS[op]]
        where = field_of(exc, names, data)
        errors = {where: str(exc)} if where else {}
        return _page(request, who, op, data, status=status_of(exc), errors=errors,
                     error=None if where else str(exc))
    return _page(request, who, op, {}, posted=posted)


def _page(request: Request, who: Principal, op: str, values: dict, *, status: int = 200, **context) -> Response:
    with db.session(url(request)) as s:
        scope = [(code, name) for code, name, _ in stock_depots(s, who)]
        every = [tuple(r) for r in s.exec(select(Depot.code, Depot.name).order_by(Depot.code)).all()]
        items = [tuple(r) for r in s.exec(select(Item.code, Item.name).order_by(Item.code)).all()]
    shown = {k: v for k, v in values.items() if isinstance(v, str) and k != "csrf_token"}
    return render(request, "stock/form.html", who=who, status=status, op=op, ops=OPS, fields=FIELDS[op],
                  values=shown, scope=scope, depots=every, items=items, reasons=REASONS,
                  errors=context.pop("errors", {}), **context)


def _value(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    return raw if raw.strip() else None
