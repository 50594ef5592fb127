"""Dispatch plans: make one from the live books and save it as a draft.

``plan`` reads open incidents (less what committed plans already send), available lots
and ready teams, runs the optimizer or the greedy baseline, and saves a draft; what
happens to a saved plan (commit, ship, cancel) is ``routing.plans``.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlalchemy import func
from sqlmodel import Session, select

from relief.depot import db
from relief.errors import InvalidInput
from relief.depot.models import (Balance, County, Depot, Incident, IncidentNeed, IncidentTeam, Item, Lot, Plan, PlanShipment,
                          PlanTeam, ReserveNorm, Team)
from relief.routing.core import summary
from relief.errors import NothingToPlan, UnknownIncident
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams, TeamSpec
from relief.routing.core.travel import TravelParams, read_table

METHODS = ("optimal", "greedy")
LIVE = ("committed", "shipped")


def build_problem(s: Session, params: PlanParams, *, incident_ids: list[int] | None = None,
                  today: date) -> DispatchProblem:
    """The dispatch problem of the live books: open incidents' remaining needs and team
    requests, available unexpired lots, ready teams, reserve floors.

    Raises ``UnknownIncident`` for an id that does not exist or is closed.
    """
    query = select(Incident).where(Incident.status == "open").order_by(Incident.id)
    chosen = list(s.exec(query))
    if incident_ids:
        known = {i.id: i for i in chosen}
        missing = [i for i in incident_ids if i not in known]
        if missing:
            raise UnknownIncident(f"no open incident {', '.join(map(str, missing))}; see `relief incident list`")
        chosen = [known[i] for i in sorted(set(incident_ids))]
    sent = committed_supplies(s)
    teamed = committed_teams(s)
    needs_of: dict[int, dict[str, int]] = {}
    for n in s.exec(select(IncidentNeed)):
        needs_of.setdefault(n.incident, {})[n.item] = n.qty - sent.get((n.incident, n.item), 0)
    teams_of: dict[int, dict[str, int]] = {}
    for t in s.exec(select(IncidentTeam)):
        teams_of.setdefault(t.incident, {})[t.kind] = t.count - teamed.get((t.incident, t.kind), 0)
    incidents = tuple(IncidentSpec(i.id, i.name, i.county, i.lon, i.lat, i.priority, i.people,
                                   tuple(sorted((k, v) for k, v in needs_of.get(i.id, {}).items() if v > 0)),
                                   tuple(sorted((k, v) for k, v in teams_of.get(i.id, {}).items() if v > 0)))
                      for i in chosen)
    depots = tuple(DepotSpec(d.code, d.county, d.lon, d.lat, d.level, d.outbound_t_day)
                   for d in s.exec(select(Depot).order_by(Depot.code)))
    lot_rows = s.exec(select(Balance, Lot.expires).join(Lot, (Lot.item == Balance.item) & (Lot.code == Balance.lot))
                      .where(Balance.on_hand > Balance.reserved)
                      .order_by(Balance.depot, Balance.item, Balance.lot))
    lots = tuple(LotSupply(b.depot, b.item, b.lot, exp, b.on_hand - b.reserved) for b, exp in lot_rows
                 if exp is None or exp >= today)
    teams = tuple(TeamSpec(t.code, t.kind, t.lon, t.lat)
                  for t in s.exec(select(Team).where(Team.status == "ready").order_by(Team.code)))
    weights = {code: kg for code, kg in s.exec(select(Item.code, Item.weight_kg))}
    level = {d.code: d.level for d in depots}
    norms = {(n.level, n.item): n.min_qty for n in s.exec(select(ReserveNorm))}
    floors = {(d, i): norms.get((level[d], i), 0) for d in level for i in weights}
    return DispatchProblem(incidents, depots, lots, teams, weights, floors, params)


def committed_supplies(s: Session) -> dict[tuple[int, str], int]:
    """Units per (incident, item) that committed or shipped plans send."""
    rows = s.exec(select(PlanShipment.incident, PlanShipment.item, func.sum(PlanShipment.qty))
                  .join(Plan, Plan.id == PlanShipment.plan).where(Plan.status.in_(LIVE))
                  .group_by(PlanShipment.incident, PlanShipment.item))
    return {(i, item): int(q) for i, item, q in rows}


def committed_teams(s: Session) -> dict[tuple[int, str], int]:
    """Teams per (incident, kind) that committed or shipped plans send."""
    rows = s.exec(select(PlanTeam.incident, Team.kind, func.count()).join(Plan, Plan.id == PlanTeam.plan)
                  .join(Team, Team.code == PlanTeam.team).where(Plan.status.in_(LIVE))
                  .group_by(PlanTeam.incident, Team.kind))
    return {(i, kind): int(n) for i, kind, n in rows}


def params_for(s: Session, *, circuity: float = 1.3, speed: float = 60.0, max_hours: float | None = None,
               nearest: int | None = 30, keep_reserve: bool = False, outbound: bool = False,
               travel_table: str | None = None, start: datetime) -> PlanParams:
    """Plan parameters, with the region's per-county circuity and an optional travel table.

    Raises ``InvalidInput`` for out-of-range values and ``InvalidTravelTable`` for a bad table.
    """
    from relief.routing.dispatch.incidents import region_rows

    by_county = {r["county"].strip(): float(r["circuity"]) for r in region_rows(s, "circuity.csv")}
    table = {}
    if travel_table:
        sources = set(s.exec(select(Depot.code))) | set(s.exec(select(Team.code)))
        table = read_table(travel_table, sources, set(s.exec(select(County.adcode))))
    travel = TravelParams(circuity, speed, max_hours, 30, by_county, table)
    return PlanParams(travel, nearest, keep_reserve, outbound, start)


def plan(url: str, *, method: str = "optimal", incident_ids: list[int] | None = None, today: date,
         start: datetime | None = None, **options) -> dict:
    """Make and save a draft plan; returns its document (see the README for the keys).

    ``options`` are those of ``params_for``. Raises ``InvalidInput`` for an unknown
    method, ``UnknownIncident``, ``NothingToPlan`` when no open incident needs anything.
    """
    if method not in METHODS:
        raise InvalidInput(f"--method must be one of {', '.join(METHODS)}; got {method!r}")
    start = start or datetime.combine(today, datetime.now().time().replace(second=0, microsecond=0))
    with db.session(url) as s:
        params = params_for(s, start=start, **options)
        problem = build_problem(s, params, incident_ids=incident_ids, today=today)
    if not any(i.needs or i.teams for i in problem.incidents):
        raise NothingToPlan("no open incident has an unmet need or team request; add one with `relief incident add`")
    document = solve(problem, method)
    return db.write(url, lambda s: _save(s, document))


def solve(problem: DispatchProblem, method: str = "optimal") -> dict:
    """Run ``method`` on ``problem`` and return the plan document (without a plan id)."""
    from relief.routing.core.greedy import greedy
    from relief.routing.core.optimize import optimal

    result = optimal(problem) if method == "optimal" else greedy(problem)
    tp = problem.params.travel
    return {"plan_id": None, "status": "draft", "method": method,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "start": problem.params.start.isoformat(timespec="minutes"),
            "params": {"circuity": tp.circuity, "speed": tp.speed_kmh, "max_hours": tp.max_hours,
                       "handling_min": tp.handling_min, "nearest": problem.params.nearest,
                       "keep_reserve": problem.params.keep_reserve, "outbound": problem.params.outbound,
                       "travel_table": bool(tp.table)},
            "shipments": result.shipments, "teams": result.teams, "unmet": result.unmet,
            "teams_unmet": result.teams_unmet, "incidents": summary.incidents(problem, result),
            "totals": summary.totals(problem, result), "solver": result.solver}


def _save(s: Session, document: dict) -> dict:
    row = Plan(created_at=datetime.now(timezone.utc), status="draft", method=document["method"], document="{}")
    s.add(row)
    s.flush()
    document = {**document, "plan_id": row.id}
    row.document = json.dumps(document, ensure_ascii=False)
    s.add(row)
    s.add_all(PlanShipment(plan=row.id, **line) for line in document["shipments"])
    s.add_all(PlanTeam(plan=row.id, team=t["team"], incident=t["incident"], km=t["km"], minutes=t["minutes"])
              for t in document["teams"])
    s.flush()
    return document
