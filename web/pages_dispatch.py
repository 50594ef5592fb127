"""The coordinator's pages: incidents on a map, dispatch plans and their pick lists.

The map draws the region's county outlines served from the database
(``/map/counties.geojson``, simplified) and the open incidents
(``/map/incidents.geojson``); no tile server is used. Every write goes through
``routing.office`` as the signed-in account.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from shapely.geometry import mapping, shape
from sqlmodel import select

from relief.depot import db, text
from relief.depot.access import Principal
from relief.depot.models import County
from relief.errors import InvalidInput, ReliefError
from relief.routing import books, office
from relief.routing.core.results import Method
from relief.routing.dispatch import incidents as incident_book
from relief.routing.dispatch import plans as plan_book
from relief.routing.outputs import export
from relief.web.auth import page_user
from relief.web.errors import status_of
from relief.web.pages_common import csrf, field_of, form, render, today, url

router = APIRouter()
SIMPLIFY_DEG = 0.005  # about 500 m: outlines for a page, not for measuring
INCIDENT_FIELDS = ["name", "lon", "lat", "people", "priority"]
VERBS = {"commit": office.commit, "ship": office.ship, "cancel": office.cancel}


def counties_geojson(target: str) -> dict:
    """The counties of the database at ``target`` as a GeoJSON FeatureCollection with
    simplified outlines and properties adcode, name, league."""
    with db.session(target) as s:
        rows = s.exec(select(County.adcode, County.name, County.league, County.geometry).order_by(County.adcode)).all()
    features = []
    for adcode, name, league, geometry in rows:
        outline = shape(json.loads(geometry)).simplify(SIMPLIFY_DEG, preserve_topology=True)
        features.append({"type": "Feature", "properties": {"adcode": adcode, "name": name, "league": league},
                         "geometry": _rounded(mapping(outline))})
    return {"type": "FeatureCollection", "features": features}


@router.get("/map/counties.geojson", include_in_schema=False)
def counties(request: Request, who: Principal = Depends(page_user)) -> Response:
    """The county outlines for the map (computed once per server process)."""
    cached = getattr(request.app.state, "counties_geojson", None)
    if cached is None:
        cached = json.dumps(counties_geojson(url(request)), ensure_ascii=False, separators=(",", ":"))
        request.app.state.counties_geojson = cached
    return Response(cached, media_type="application/geo+json")


@router.get("/map/incidents.geojson", include_in_schema=False)
def incident_points(request: Request, who: Principal = Depends(page_user)) -> Response:
    """The open incidents as GeoJSON points (id, name, people, priority, county)."""
    rows = incident_book.listing(url(request), status="open")
    return JSONResponse({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
         "properties": {k: r[k] for k in ("id", "name", "people", "priority", "county_name")}} for r in rows]},
        media_type="application/geo+json")


@router.get("/incidents", include_in_schema=False)
def incidents_page(request: Request, who: Principal = Depends(page_user)) -> Response:
    """The map, the form to add an incident and the list of incidents."""
    return _incidents(request, who, {})


@router.post("/incidents", include_in_schema=False)
async def add_incident(request: Request, who: Principal = Depends(page_user)) -> Response:
    """Add an incident as ``who`` (a coordinator in scope or an admin): the page with a
    notice, or with the error next to its field and the error's status."""
    data = await form(request)
    return await run_in_threadpool(_add_incident, request, who, data)


def _add_incident(request: Request, who: Principal, data: dict) -> Response:
    csrf(request, data)
    values = {k: str(data.get(k) or "").strip() for k in INCIDENT_FIELDS}
    try:
        added = office.add_incident(url(request), who, values["name"], values["lon"], values["lat"], today=today(),
                                    people=values["people"] or 0, priority=values["priority"] or 3)
    except ReliefError as exc:
        where = field_of(exc, INCIDENT_FIELDS, data)
        return _incidents(request, who, values, status=status_of(exc), errors={where: str(exc)} if where else {},
                          error=None if where else str(exc))
    return _incidents(request, who, {}, added=added)


def _incidents(request: Request, who: Principal, values: dict, *, status: int = 200, **context) -> Response:
    rows = incident_book.listing(url(request))
    return render(request, "incidents.html", who=who, status=status, incidents=rows, values=values,
                  errors=context.pop("errors", {}), **context)


@router.get("/plans", include_in_schema=False)
def plans_page(request: Request, who: Principal = Depends(page_user)) -> Response:
    """The saved plans and the form to make one."""
    return _plans(request, who)


@router.post("/plans", include_in_schema=False)
async def make_plan(request: Request, who: Principal = Depends(page_user)) -> Response:
    """Make a draft plan for the open incidents of ``who``'s scope; 303 to its review page,
    or the plans page with the error (403 outside the role, 409 nothing to plan)."""
    data = await form(request)
    return await run_in_threadpool(_make_plan, request, who, data)


def _make_plan(request: Request, who: Principal, data: dict) -> Response:
    csrf(request, data)
    try:
        method = Method.parse(str(data.get("method") or "optimal"))
        document = office.plan(url(request), who, today=today(), method=method)
    except ReliefError as exc:
        return _plans(request, who, status=status_of(exc), error=str(exc))
    return RedirectResponse(f"/plans/{document.plan_id}", status_code=303)


def _plans(request: Request, who: Principal, *, status: int = 200, **context) -> Response:
    return render(request, "plans.html", who=who, status=status, plans=plan_book.listing(url(request)),
                  methods=[m.value for m in Method], **context)


@router.get("/plans/{plan_id}", include_in_schema=False)
def plan_page(request: Request, plan_id: str, who: Principal = Depends(page_user)) -> Response:
    """A plan's review page: status, incidents served, teams, trucks, units by depot and
    the forms to commit, ship or cancel it; 404 for an unknown plan."""
    return _plan(request, who, plan_id)


@router.post("/plans/{plan_id}/{verb}", include_in_schema=False)
async def change_plan(request: Request, plan_id: str, verb: str, who: Principal = Depends(page_user)) -> Response:
    """Commit, ship or cancel a plan as ``who``; 303 back to the plan, or the plan page with
    the error and its problems (stale lines) and the error's status."""
    data = await form(request)
    return await run_in_threadpool(_change_plan, request, plan_id, verb, who, data)


def _change_plan(request: Request, plan_id: str, verb: str, who: Principal, data: dict) -> Response:
    if verb not in VERBS:
        return render(request, "error.html", who=who, status=404, message=f"no plan action {verb!r}")
    csrf(request, data)
    try:
        number = text.record_id(plan_id, "plan id")
    except InvalidInput as exc:
        return render(request, "error.html", who=who, status=404, message=str(exc))
    try:
        VERBS[verb](url(request), who, number, today=today())
    except ReliefError as exc:
        return _plan(request, who, plan_id, status=status_of(exc), error=str(exc),
                     problems=[str(p) for p in getattr(exc, "problems", [])])
    return RedirectResponse(f"/plans/{number}", status_code=303)


@router.get("/plans/{plan_id}/picklists.xlsx", include_in_schema=False)
def picklists(request: Request, plan_id: str, who: Principal = Depends(page_user)) -> Response:
    """The plan's pick lists as an XLSX workbook (one sheet per depot), as ``relief dispatch
    export --format xlsx`` writes them; 404 for an unknown plan."""
    try:
        document = plan_book.show(url(request), plan_id)
    except InvalidInput as exc:
        return render(request, "error.html", who=who, status=404, message=str(exc))
    places = books.places(url(request))
    name = f"plan-{document.plan_id}-picklists.xlsx"
    with tempfile.TemporaryDirectory(prefix="relief-export-") as folder:
        path = export.export(document, places, "xlsx", str(Path(folder) / name))
        content = Path(path).read_bytes()
    return Response(content, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def _plan(request: Request, who: Principal, plan_id: str, *, status: int = 200, **context) -> Response:
    try:
        document = plan_book.show(url(request), plan_id)
    except InvalidInput as exc:
        return render(request, "error.html", who=who, status=404, message=str(exc))
    by_depot: dict[str, int] = {}
    for line in document.shipments:
        by_depot[line.depot] = by_depot.get(line.depot, 0) + line.qty
    return render(request, "plan.html", who=who, status=status, plan=document,
                  depots=sorted(by_depot.items()), **context)


def _rounded(geometry: dict) -> dict:
    def walk(value):
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], (int, float)):
                return [round(float(v), 4) for v in value]
            return [walk(v) for v in value]
        return value
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}
