"""The dispatch part of the HTTP API: incidents, dispatch plans and their pick lists.

Reads return what ``relief incident list --json``, ``relief dispatch list --json`` and
``relief dispatch show --json`` print; every write goes through ``routing.office`` as the
signed-in account, which checks that it dispatches in the incidents' leagues. A plan or
incident named by the path and unknown is a 404; one named in a request body is a 422.
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from relief.depot import rules
from relief.routing import books, office
from relief.routing.core.document import as_json
from relief.routing.dispatch import incidents, plans
from relief.routing.outputs.export import export
from relief.web.api_common import Body, Number, User, Whole, pick, url_of
from relief.web.clock import today

router = APIRouter(tags=["dispatch"])
INCIDENT_KEYS = ("id", "name", "lon", "lat", "county", "priority", "people", "status", "needs", "teams")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NewIncident(Body):
    """``POST /api/incidents``: needs as ``ITEM=QTY`` and team requests as ``NAME=N``,
    ``NAME=Np`` or ``NAME=N+Mp``; those not given derive from the people displaced."""

    name: str
    lon: Number
    lat: Number
    people: Whole = 0
    priority: Whole = 3
    needs: list[str] | None = None
    teams: list[str] | None = None


class NewPlan(Body):
    """``POST /api/plans``: the options of ``relief dispatch plan`` that need no file.

    ``windows`` are delivery windows ``KIND=DURATION`` (``food=36h``); ``start`` is the
    departure ``YYYY-MM-DDTHH:MM`` (default now)."""

    method: str = "optimal"
    incident_ids: list[Whole] | None = None
    nearest: Whole | None = None
    max_hours: Number | None = None
    keep_reserve: bool = False
    circuity: Number | None = None  # None: the region's (its plain counties' circuity)
    speed: Number | None = None  # None: the region's road speed
    windows: list[str] | None = None
    start: str | None = None


@router.get("/incidents")
def incident_list(request: Request, who: User, status: Literal["open", "closed"] | None = None) -> list[dict]:
    """Incidents ordered by id, with their needs and team requests."""
    return pick(incidents.listing(url_of(request), status=status), INCIDENT_KEYS)


@router.post("/incidents", status_code=201)
def incident_add(body: NewIncident, request: Request, who: User) -> dict:
    """Register an incident (its county found from the point); 201 with the incident.

    403 unless the account dispatches in the league the point lies in."""
    return office.add_incident(url_of(request), who, body.name, body.lon, body.lat, today=today(),
                               people=body.people, priority=body.priority, need=body.needs, team=body.teams)


@router.post("/incidents/{incident_id}/close")
def incident_close(incident_id: int, request: Request, who: User) -> dict:
    """Close an incident: later plans leave it out. 404 for an unknown incident."""
    return office.close_incident(url_of(request), who, incident_id)


@router.get("/plans")
def plan_list(request: Request, who: User) -> list[dict]:
    """Every plan, oldest first: status, method, incidents, fill, unmet units, tonne-km."""
    return [p.as_json() for p in plans.listing(url_of(request))]


@router.post("/plans", status_code=201)
def plan_make(body: NewPlan, request: Request, who: User) -> dict:
    """Make a draft plan for the open incidents the account dispatches for (or those named);
    201 with the plan document, 409 when nothing is left to plan."""
    start = rules.parse_datetime(body.start, "start", option="start") if body.start is not None else None
    doc = office.plan(url_of(request), who, incident_ids=body.incident_ids, today=today(), method=body.method,
                      start=start, circuity=body.circuity, speed=body.speed, max_hours=body.max_hours,
                      nearest=body.nearest, keep_reserve=body.keep_reserve, windows=body.windows)
    return as_json(doc)


@router.get("/plans/{plan_id}")
def plan_show(plan_id: int, request: Request, who: User) -> dict:
    """A saved plan's document with its current status; 404 for an unknown plan."""
    return as_json(plans.show(url_of(request), plan_id))


@router.post("/plans/{plan_id}/commit")
def plan_commit(plan_id: int, request: Request, who: User) -> dict:
    """Reserve every line and deploy the teams, all or nothing (409 with ``problems`` when stale)."""
    return as_json(office.commit(url_of(request), who, plan_id, today=today()))


@router.post("/plans/{plan_id}/ship")
def plan_ship(plan_id: int, request: Request, who: User) -> dict:
    """Issue the reserved stock of a committed plan."""
    return as_json(office.ship(url_of(request), who, plan_id, today=today()))


@router.post("/plans/{plan_id}/cancel")
def plan_cancel(plan_id: int, request: Request, who: User) -> dict:
    """Cancel a draft or committed plan, releasing its reservations and teams."""
    return as_json(office.cancel(url_of(request), who, plan_id, today=today()))


@router.get("/plans/{plan_id}/picklists.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}},
                             "description": "The pick-list workbook: a summary and a sheet per depot."}})
def plan_picklists(plan_id: int, request: Request, who: User) -> Response:
    """The pick lists of a plan as the workbook ``relief dispatch export --format xlsx`` writes."""
    url = url_of(request)
    doc = plans.show(url, plan_id)
    with TemporaryDirectory(prefix="relief-picklists-") as folder:
        path = export(doc, books.places(url), "xlsx", str(Path(folder) / "picklists.xlsx"))
        data = Path(path).read_bytes()
    name = f"plan-{doc.plan_id}-picklists.xlsx"
    return Response(data, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{name}"'})
