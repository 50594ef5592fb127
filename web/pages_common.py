"""What every web page shares: templates, the signed-in account, today, scope and form errors.

A page handler reads its form with ``form(request)``, checks the CSRF field with
``csrf(request, data)``, calls one function of ``routing.office`` (writes) or a report
(reads) and renders a template with ``render``. A library error on a form becomes
``FormError``-placed text: next to the field it concerns when the form has that field
(``field_of``), else above the form.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session, select

from relief.depot.access import Principal
from relief.depot.models import County, Depot
from relief.errors import (DocumentConflict, ExpiredLot, InvalidDate, InvalidReason, OutOfStock, ReliefError,
                           ReservedStock, UnknownDepot, UnknownItem, UnknownLot)
from relief.web import auth, i18n
from relief.web.clock import today  # noqa: F401  (the pages use the server's date)

HERE = Path(__file__).resolve().parent
TEMPLATES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)
ROW_LIMIT = 200  # rows a dashboard table shows before saying how many more there are


def url(request: Request) -> str:
    """The database URL the application serves."""
    return request.app.state.url


def lang(request: Request) -> str:
    """The language of the request: the ``relief_lang`` cookie, English by default."""
    return i18n.language(request.cookies.get(i18n.COOKIE))


def render(request: Request, template: str, *, who: Principal | None = None, status: int = 200,
           **context) -> HTMLResponse:
    """Render ``template`` with the page's labels, the signed-in account ``who`` (for the
    header) and the CSRF token of its session; returns the HTML response with ``status``."""
    code = lang(request)
    session = request.cookies.get(auth.SESSION_COOKIE)
    page = TEMPLATES.get_template(template).render(
        t=i18n.labels(code), lang=code, who=who, path=request.url.path,
        csrf=auth.csrf_for(session) if session and who else "", status=status, **context)
    return HTMLResponse(page, status_code=status)


async def form(request: Request) -> dict:
    """The submitted form fields as text (files as their upload objects)."""
    data = await request.form()
    return {key: value for key, value in data.multi_items()}


def csrf(request: Request, data: dict) -> None:
    """Raise ``Forbidden`` unless the form ``data`` carries the session's CSRF token."""
    auth.check_csrf(request, data.get(auth.CSRF_FIELD))


def safe_path(target: str | None) -> str:
    """``target`` when it is a path on this site (``/plans?x=1``), else ``"/"``: a
    redirect never leaves the site, whatever the client sends."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return "/"
    return target


def scoped_depots(s: Session, who: Principal) -> list[tuple[str, str, str]]:
    """The depots (code, name, league) the dashboard and the stock forms show ``who``: a
    keeper's depots, a coordinator's leagues (all when it names none), every depot for the
    other roles (``stock_depots`` narrows the forms)."""
    rows = s.exec(select(Depot.code, Depot.name, County.league).join(County, County.adcode == Depot.county)
                  .order_by(Depot.code)).all()
    if who.role == "keeper":
        return [r for r in rows if r[0] in who.depots]
    if who.role == "coordinator" and who.leagues:
        return [r for r in rows if r[2] in who.leagues]
    return list(rows)


def stock_depots(s: Session, who: Principal) -> list[tuple[str, str, str]]:
    """The depots ``who`` may record stock movements at (none for planners and viewers)."""
    return scoped_depots(s, who) if who.role in ("admin", "coordinator", "keeper") else []


# What the library calls a setting, as the forms name the field.
OPTION_FIELDS = {"expiry": "expires", "quantity": "qty", "allow_expired": "lot"}
# Messages that begin with what they are about, for errors that carry no field.
PREFIXES = (("counted quantity", "counted"), ("quantity", "qty"), ("delta", "delta"), ("item code", "item"),
            ("depot code", "depot"), ("document number", "doc"), ("recipient", "to"), ("lot", "lot"),
            ("expiry", "expires"), ("note", "note"), ("source", "source"), ("name", "name"),
            ("people", "people"), ("priority", "priority"), ("longitude", "lon"), ("latitude", "lat"),
            ("method", "method"))
CLASS_FIELDS = ((UnknownItem, "item"), (UnknownLot, "lot"), (ExpiredLot, "lot"), (InvalidDate, "expires"),
                (InvalidReason, "reason"), (DocumentConflict, "doc"))
AMOUNT = ("qty", "delta", "counted")


def field_of(error: ReliefError, fields: list[str], data: dict) -> str | None:
    """The form field of ``fields`` that ``error`` concerns, or None when it concerns none
    of them (then the page shows it above the form). Takes the error's ``field`` or
    ``option``, else its kind, else the subject its message begins with; ``data`` (the
    submitted values) tells a transfer's two depots apart."""
    candidates = []
    for name in (getattr(error, "field", None), getattr(error, "option", None)):
        if name:
            candidates.append(OPTION_FIELDS.get(name, name))
    candidates += [name for kind, name in CLASS_FIELDS if isinstance(error, kind)]
    if isinstance(error, (OutOfStock, ReservedStock)):
        candidates += list(AMOUNT)
    message = str(error).lower()
    if isinstance(error, UnknownDepot) or message.startswith("depot code") or "two different depots" in message:
        candidates += _depot_field(error, fields, data)
    candidates += [name for prefix, name in PREFIXES if message.startswith(prefix)]
    return next((name for name in candidates if name in fields), None)


def _depot_field(error: ReliefError, fields: list[str], data: dict) -> list[str]:
    if "dest" not in fields:
        return ["depot", "source"]
    message = str(error)
    dest, source = (str(data.get(k) or "").strip().upper() for k in ("dest", "source"))
    if "two different depots" in message or not source:
        return ["dest"] if source else ["source"]
    if isinstance(error, UnknownDepot):
        return ["dest"] if f"{dest!r}" in message and f"{source!r}" not in message else ["source"]
    return ["dest"]


def hours(minutes: int | None) -> str:
    """Minutes as ``h:mm`` (``"-"`` for None)."""
    return "-" if minutes is None else f"{minutes // 60}:{minutes % 60:02d}"


TEMPLATES.filters["hours"] = hours
TEMPLATES.filters["share"] = lambda value: "-" if value is None else f"{value:.0%}"
TEMPLATES.filters["units"] = lambda value: "-" if value is None else f"{value:,}"
