"""The plan document, built in one place for dispatch plans and drills. No I/O.

``build`` turns a problem and a method's result into a ``PlanDocument``: what
``relief dispatch plan/show --json`` prints, what a saved plan stores, what a drill
report carries under ``plan`` and what the renderers draw. ``as_json`` and
``from_json`` convert it to and from plain JSON data with the documented keys.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from relief.routing.core import summary
from relief.routing.core.problem import DispatchProblem
from relief.routing.core.results import (IncidentFill, Method, PlanResult, PlanStatus, Shipment, Shortfall, SolverInfo,
                                         SolveStatus, TeamShortfall, TeamTrip, Totals, Truck, TruckLine, TruckStop)


@dataclass(frozen=True)
class Settings:
    """The parameters a plan was made with, as the document reports them: ``outbound`` is
    whether depot loading capacity was scheduled in time (the plan has trucks), ``windows``
    the delivery window in minutes of every item needed."""

    circuity: float
    speed: float
    max_hours: float | None
    handling_min: int
    nearest: int | None
    keep_reserve: bool
    outbound: bool
    travel_table: bool
    windows: dict[str, int] | None = None


@dataclass(frozen=True)
class PlanDocument:
    """A plan: its id (None until saved), status, method, settings, lines, per-incident fill, totals, solver."""

    plan_id: int | None
    status: PlanStatus
    method: Method
    created_at: str | None
    start: str
    params: Settings
    shipments: tuple[Shipment, ...]
    teams: tuple[TeamTrip, ...]
    unmet: tuple[Shortfall, ...]
    teams_unmet: tuple[TeamShortfall, ...]
    incidents: tuple[IncidentFill, ...]
    totals: Totals
    solver: SolverInfo
    trucks: tuple[Truck, ...] = ()

    def with_(self, **changes) -> PlanDocument:
        """A copy with ``changes`` (e.g. ``plan_id``, ``status``)."""
        return dataclasses.replace(self, **changes)


def build(problem: DispatchProblem, result: PlanResult, method: Method, status: PlanStatus, *,
          created_at: datetime | None = None) -> PlanDocument:
    """Takes a problem, the result ``method`` gave for it, the plan's status and when it was
    made (None for a drill); returns the ``PlanDocument`` (without a plan id)."""
    tp, pp = problem.params.travel, problem.params
    rows = summary.incidents(problem, result)
    return PlanDocument(
        plan_id=None, status=PlanStatus(status), method=Method(method),
        created_at=created_at.isoformat(timespec="seconds") if created_at else None,
        start=pp.start.isoformat(timespec="minutes"),
        params=Settings(tp.circuity, tp.speed_kmh, tp.max_hours, tp.handling_min, pp.nearest, pp.keep_reserve,
                        bool(result.trucks), bool(tp.table),
                        {item: problem.window(item) for item in sorted({i for inc in problem.incidents
                                                                        for i, _ in inc.needs})}),
        shipments=tuple(result.shipments), teams=tuple(result.teams), unmet=tuple(result.unmet),
        teams_unmet=tuple(result.teams_unmet), incidents=tuple(rows),
        totals=summary.totals(problem, result, rows), solver=result.solver, trucks=tuple(result.trucks))


def as_json(document: PlanDocument) -> dict:
    """Takes a document; returns it as plain JSON data (dicts, lists, enum values as strings)."""
    def plain(value):
        if isinstance(value, (Method, SolveStatus, PlanStatus)):
            return value.value
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value
    return plain(document)


def from_json(data: dict) -> PlanDocument:
    """Takes the JSON data of a document (as ``as_json`` gives or a saved plan stores);
    returns the ``PlanDocument``. Raises ``KeyError``/``TypeError`` for data of another shape."""
    def many(kind, rows):
        return tuple(kind(**row) for row in rows)
    solver = data["solver"]
    return PlanDocument(
        plan_id=data["plan_id"], status=PlanStatus(data["status"]), method=Method(data["method"]),
        created_at=data.get("created_at"), start=data["start"], params=Settings(**data["params"]),
        shipments=many(Shipment, data["shipments"]), teams=many(TeamTrip, data["teams"]),
        unmet=many(Shortfall, data["unmet"]), teams_unmet=many(TeamShortfall, data["teams_unmet"]),
        incidents=tuple(IncidentFill(**{**row, "unmet_items": tuple(row["unmet_items"])}) for row in data["incidents"]),
        totals=Totals(**data["totals"]), solver=SolverInfo(**{**solver, "status": SolveStatus(solver["status"])}),
        trucks=tuple(_truck(row) for row in data.get("trucks", ())))


def _truck(row: dict) -> Truck:
    stops = tuple(TruckStop(stop["incident"], stop["arrive_minutes"], tuple(TruckLine(**ln) for ln in stop["lines"]))
                  for stop in row["stops"])
    return Truck(**{**row, "stops": stops})
