"""Drills: run a disaster scenario against a copy of the live stock and teams.

The live database is only read: the current stock (on hand less reserved) and ready
teams are copied into a dispatch problem, the scenario's world changes are applied to
the copy, the hazard model creates incidents, and the plan is solved and measured.
Nothing is ever written to the database.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date

import numpy as np
from shapely.geometry import Polygon, shape

from relief.depot import db
from relief.routing import books
from relief.routing.core import document as documents
from relief.routing.core.candidates import network
from relief.routing.core.document import PlanDocument
from relief.routing.core.methods import solve
from relief.routing.core.problem import DispatchProblem, IncidentSpec
from relief.routing.core.results import Method, PlanResult, PlanStatus
from relief.routing.drills import hazards, metrics
from relief.routing.drills.scenario import Earthquake, Incidents, Scenario, ScenarioError, World, load

_regions: dict[str, hazards.Region] = {}


@dataclass(frozen=True)
class DrillReport:
    """One drill: the scenario, affected counties, felt area, needs, the plan (None when
    nobody needs anything), its metrics and the restocking that would close the gap."""

    scenario: dict
    affected: list[dict]
    felt: list[dict]
    needs: list[dict]
    plan: PlanDocument | None
    metrics: dict
    restock: list[dict]


def as_json(report: DrillReport) -> dict:
    """Takes a drill report; returns it as plain JSON data (the plan as ``relief dispatch plan --json``)."""
    return {**{f.name: getattr(report, f.name) for f in dataclasses.fields(report)},
            "plan": documents.as_json(report.plan) if report.plan else None}


def region(url: str) -> hazards.Region:
    """The hazard view of the region in the database at ``url`` (cached per URL)."""
    if url not in _regions:
        with db.session(url) as s:
            rows = books.county_rows(s)
            household, need_norms, team_norms = books.need_rules(s)
            name = books.region_meta(s).get("name") or "the region"
            pastoral, zones = books.region_rows(s, "pastoral.csv"), books.region_rows(s, "hazard_zones.csv")
            months = books.winter_months(s)
        _regions[url] = hazards.Region.build(
            [(c.adcode, c.name, c.league, c.population, c.lon, c.lat, shape(json.loads(c.geometry))) for c in rows],
            household, need_norms, team_norms, name=name, pastoral_rows=pastoral, zone_rows=zones,
            winter_months=months)
    return _regions[url]


def base_problem(url: str, scenario: Scenario, *, today: date) -> DispatchProblem:
    """The live stock and ready teams as a problem without incidents, with the scenario's
    world changes applied; lots count as good when they are on the scenario's start day,
    so that a drill dated from a given day repeats whatever ``today`` is (the trip's
    arrival is checked against expiry when the plan is made). Raises ``ScenarioError``
    for unknown depot, team or county codes."""
    with db.session(url) as s:
        params = books.plan_params(s, start=scenario.start)
        problem = books.dispatch_problem(s, params, today=scenario.start.date())
        depots, teams = books.depot_codes(s), books.team_codes(s)
    return apply_world(dataclasses.replace(problem, incidents=()), scenario.world, region(url), depots, teams)


def apply_world(p: DispatchProblem, world: World, reg: hazards.Region, depots: set[str], teams: set[str]) -> DispatchProblem:
    """Close and damage depots, remove teams, slow travel and cut roads in a copy of ``p``."""
    for n, code in enumerate(world.depots_closed, start=1):
        _known(code, depots, f"world.depots_closed[{n}]", "depot")
    for n, (code, _) in enumerate(world.depots_damaged, start=1):
        _known(code, depots, f"world.depots_damaged[{n}].depot", "depot")
    for n, code in enumerate(world.teams_unavailable, start=1):
        _known(code, teams, f"world.teams_unavailable[{n}]", "team")
    for n, (code, county) in enumerate(world.roads_cut, start=1):
        _known(code, depots | teams, f"world.roads_cut[{n}]", "depot or team")
        reg.index(county, f"world.roads_cut[{n}]")
    loss = dict(world.depots_damaged)
    lots = []
    for lot in p.lots:
        if lot.depot in world.depots_closed:
            continue
        qty = int(lot.qty * (1.0 - loss.get(lot.depot, 0.0)))
        if qty > 0:
            lots.append(dataclasses.replace(lot, qty=qty))
    slow, areas = slowdowns(world, reg, p.params.travel.grid is not None)
    travel = dataclasses.replace(p.params.travel, slow=slow, slow_areas=areas, cut=frozenset(world.roads_cut))
    return dataclasses.replace(p, depots=tuple(d for d in p.depots if d.code not in world.depots_closed),
                               lots=tuple(lots), teams=tuple(t for t in p.teams if t.code not in world.teams_unavailable),
                               params=dataclasses.replace(p.params, travel=travel))


def slowdowns(world: World, reg: hazards.Region, routes: bool) -> tuple[dict[str, float], tuple]:
    """The scenario's slowdowns as travel takes them: ({county: factor} for the counties
    it names, ((polygon, factor), ...) for its polygons). When travel does not follow
    routes (``routes`` False: no county boundaries to cut them by), a polygon slows
    instead every county it touches. Raises ``ScenarioError`` for an area outside the
    region."""
    slow: dict[str, float] = {}
    areas = []
    for n, s in enumerate(world.slow, start=1):
        share = reg.area_shares(s.area, f"world.slow[{n}]")
        named = {reg.index(code, f"world.slow[{n}]") for code in s.area.counties}
        for k in share.nonzero()[0]:
            if k in named or not routes:
                slow[reg.adcodes[k]] = max(slow.get(reg.adcodes[k], 1.0), s.factor)
        if s.area.polygon and routes:
            areas.append((Polygon(s.area.polygon), s.factor))
    return slow, tuple(areas)


def _known(code: str, known: set[str], where: str, what: str) -> None:
    if code not in known:
        raise ScenarioError(f"{where}: unknown {what} code {code!r}",
                            hint={"depot": "depots", "team": "teams"}.get(what, "depots_teams"))


def with_incidents(p: DispatchProblem, incidents: list[IncidentSpec]) -> DispatchProblem:
    """``p`` with the drill's incidents, derived needs kept to the catalogue's items
    (a tabletop incident naming an unknown item is refused earlier, in ``simulate``)."""
    clean = [dataclasses.replace(inc, needs=tuple((i, q) for i, q in inc.needs if i in p.weight_kg))
             for inc in incidents]
    return dataclasses.replace(p, incidents=tuple(clean))


def simulate(reg: hazards.Region, base: DispatchProblem, scenario: Scenario,
             method: Method | str = Method.OPTIMAL, *, details: bool = True) -> DrillReport:
    """Run one scenario on a prepared base problem with ``method``; returns the drill
    report (no I/O). With ``details`` False the felt area, the restocking and the depots
    emptied are left empty (a batch summarises none of them; the rest of the report is
    the same). Raises
    ``ScenarioError`` for a tabletop need naming an unknown item."""
    rows, incidents = hazards.affected(reg, scenario)
    if isinstance(scenario.hazard, Incidents):
        for n, spec in enumerate(scenario.hazard.incidents, start=1):
            unknown = [item for item, _ in spec.needs if item not in base.weight_kg]
            if unknown:
                raise ScenarioError(f"hazard.incidents[{n}].needs: unknown item {unknown[0]!r}", hint="items")
    problem = with_incidents(dataclasses.replace(base, params=dataclasses.replace(base.params, start=scenario.start)),
                             incidents)
    if not problem.incidents:
        nothing = PlanResult((), (), (), ())
        return DrillReport(describe(scenario), [], felt(reg, scenario) if details else [], [], None,
                           metrics.drill_metrics(problem, nothing), [])
    result = solve(problem, method)
    need: dict[str, int] = {}
    for inc in problem.incidents:
        for item, qty in inc.needs:
            need[item] = need.get(item, 0) + qty
    document = documents.build(problem, result, method, PlanStatus.DRILL)
    return DrillReport(describe(scenario), rows, felt(reg, scenario) if details else [],
                       [{"item": k, "qty": v} for k, v in sorted(need.items())], document,
                       metrics.drill_metrics(problem, result, document, emptied=details),
                       metrics.restock(problem, result, network(problem)) if details else [])


def felt(reg: hazards.Region, scenario: Scenario) -> list[dict]:
    """For an earthquake, every county where it is felt (intensity IV or more): {county, name, intensity}."""
    if not isinstance(scenario.hazard, Earthquake):
        return []
    level = hazards.county_intensity(reg, scenario.hazard)
    return [{"county": reg.adcodes[n], "name": reg.names[n], "intensity": round(float(level[n]), 1)}
            for n in np.nonzero(level >= 4.0)[0]]


def describe(s: Scenario) -> dict:
    """The scenario as plain data for reports."""
    hazard = dataclasses.asdict(s.hazard)
    return {"name": s.name, "start": s.start.isoformat(timespec="minutes"), "description": s.description,
            "hazard": {"type": type(s.hazard).__name__.lower(), **hazard}}


def run(url: str, path: str | Scenario, *, method: Method | str = Method.OPTIMAL, today: date) -> DrillReport:
    """Run the scenario file at ``path`` (or a shipped scenario's name, or a ``Scenario``
    already read) against a copy of the live books at ``url``.

    Returns the ``DrillReport``. Raises ``InvalidInput`` for an unknown method and
    ``ScenarioError`` naming a bad field; never writes to the database.
    """
    method = Method.parse(method)
    scenario = path if isinstance(path, Scenario) else load(path)
    base = base_problem(url, scenario, today=today)
    return simulate(region(url), base, scenario, method)

