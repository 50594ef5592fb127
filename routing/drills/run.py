"""Drills: run a disaster scenario against a copy of the live stock and teams.

The live database is only read: the current stock (on hand less reserved) and ready
teams are copied into a dispatch problem, the scenario's world changes are applied to
the copy, the hazard model creates incidents, and the plan is solved and measured.
Nothing is ever written to the database.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import numpy as np
from shapely.geometry import shape
from sqlmodel import select

from relief.depot import db
from relief.depot.models import County, Depot, Team
from relief.routing.drills import hazards
from relief.routing.drills import metrics
from relief.routing.core.candidates import network
from relief.routing.dispatch.planning import build_problem, params_for
from relief.routing.dispatch.incidents import need_rules
from relief.routing.core.problem import DispatchProblem, IncidentSpec, PlanResult
from relief.routing.drills.scenario import Earthquake, Incidents, Scenario, ScenarioError, World, load

_regions: dict[str, hazards.Region] = {}


def region(url: str) -> hazards.Region:
    """The hazard view of the region in the database at ``url`` (cached per URL)."""
    if url not in _regions:
        with db.session(url) as s:
            rows = s.exec(select(County).order_by(County.adcode)).all()
            household, need_norms, team_norms = need_rules(s)
        _regions[url] = hazards.Region.build(
            [(c.adcode, c.name, c.league, c.population, c.lon, c.lat, shape(json.loads(c.geometry))) for c in rows],
            household, need_norms, team_norms)
    return _regions[url]


def base_problem(url: str, scenario: Scenario, *, today: date) -> DispatchProblem:
    """The live stock and ready teams as a problem without incidents, with the scenario's
    world changes applied. Raises ``ScenarioError`` for unknown depot, team or county codes."""
    with db.session(url) as s:
        params = params_for(s, start=scenario.start)
        problem = build_problem(s, params, today=today)
        depots = set(s.exec(select(Depot.code)))
        teams = set(s.exec(select(Team.code)))
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
    slow: dict[str, float] = {}
    for n, s in enumerate(world.slow, start=1):
        share = reg.area_shares(s.area, f"world.slow[{n}]")
        for k in share.nonzero()[0]:
            slow[reg.adcodes[k]] = max(slow.get(reg.adcodes[k], 1.0), s.factor)
    travel = dataclasses.replace(p.params.travel, slow=slow, cut=frozenset(world.roads_cut))
    return dataclasses.replace(p, depots=tuple(d for d in p.depots if d.code not in world.depots_closed),
                               lots=tuple(lots), teams=tuple(t for t in p.teams if t.code not in world.teams_unavailable),
                               params=dataclasses.replace(p.params, travel=travel))


def _known(code: str, known: set[str], where: str, what: str) -> None:
    if code not in known:
        raise ScenarioError(f"{where}: unknown {what} code {code!r}; see `relief depot list` / `relief team list`")


def with_incidents(p: DispatchProblem, incidents: list[IncidentSpec]) -> DispatchProblem:
    """``p`` with the drill's incidents, derived needs kept to the catalogue's items
    (a tabletop incident naming an unknown item is refused earlier, in ``simulate``)."""
    clean = [dataclasses.replace(inc, needs=tuple((i, q) for i, q in inc.needs if i in p.weight_kg))
             for inc in incidents]
    return dataclasses.replace(p, incidents=tuple(clean))


def simulate(reg: hazards.Region, base: DispatchProblem, scenario: Scenario, method: str = "optimal") -> dict:
    """Run one scenario on a prepared base problem; returns the drill report (no I/O)."""
    rows, incidents = hazards.affected(reg, scenario)
    if isinstance(scenario.hazard, Incidents):
        for n, spec in enumerate(scenario.hazard.incidents, start=1):
            unknown = [item for item, _ in spec.needs if item not in base.weight_kg]
            if unknown:
                raise ScenarioError(f"hazard.incidents[{n}].needs: unknown item {unknown[0]!r}; see `relief item list`")
    problem = with_incidents(dataclasses.replace(base, params=dataclasses.replace(base.params, start=scenario.start)),
                             incidents)
    if not problem.incidents:
        nothing = PlanResult([], [], [], [], {})
        return {"scenario": describe(scenario), "affected": [], "felt": felt(reg, scenario), "needs": [], "plan": None,
                "metrics": metrics.drill_metrics(problem, nothing), "restock": []}
    from relief.routing.core.greedy import greedy
    from relief.routing.core.optimize import optimal

    result = optimal(problem) if method == "optimal" else greedy(problem)
    need: dict[str, int] = {}
    for inc in problem.incidents:
        for item, qty in inc.needs:
            need[item] = need.get(item, 0) + qty
    plan = solve_document(problem, result, method)
    return {"scenario": describe(scenario), "affected": rows, "felt": felt(reg, scenario),
            "needs": [{"item": k, "qty": v} for k, v in sorted(need.items())], "plan": plan,
            "metrics": metrics.drill_metrics(problem, result),
            "restock": metrics.restock(problem, result, network(problem))}


def felt(reg: hazards.Region, scenario: Scenario) -> list[dict]:
    """For an earthquake, every county where it is felt (intensity IV or more): {county, name, intensity}."""
    if not isinstance(scenario.hazard, Earthquake):
        return []
    level = hazards.county_intensity(reg, scenario.hazard)
    return [{"county": reg.adcodes[n], "name": reg.names[n], "intensity": round(float(level[n]), 1)}
            for n in np.nonzero(level >= 4.0)[0]]


def solve_document(problem: DispatchProblem, result, method: str) -> dict:
    """The dispatch-plan document of a drill result (as ``relief dispatch plan --json``)."""
    from relief.routing.core import summary

    tp = problem.params.travel
    return {"plan_id": None, "status": "drill", "method": method, "start": problem.params.start.isoformat(timespec="minutes"),
            "params": {"circuity": tp.circuity, "speed": tp.speed_kmh, "max_hours": tp.max_hours,
                       "handling_min": tp.handling_min, "nearest": problem.params.nearest},
            "shipments": result.shipments, "teams": result.teams, "unmet": result.unmet,
            "teams_unmet": result.teams_unmet, "incidents": summary.incidents(problem, result),
            "totals": summary.totals(problem, result), "solver": result.solver}


def describe(s: Scenario) -> dict:
    """The scenario as plain data for reports."""
    hazard = dataclasses.asdict(s.hazard)
    return {"name": s.name, "start": s.start.isoformat(timespec="minutes"), "description": s.description,
            "hazard": {"type": type(s.hazard).__name__.lower(), **hazard}}


def run(url: str, path: str, *, method: str = "optimal", today: date) -> dict:
    """Run the scenario file at ``path`` against a copy of the live books at ``url``.

    Returns {scenario, affected, needs, plan, metrics, restock}. Raises ``ScenarioError``
    naming a bad field; never writes to the database.
    """
    if method not in ("optimal", "greedy"):
        raise ScenarioError(f"--method must be optimal or greedy, got {method!r}")
    scenario = load(path)
    base = base_problem(url, scenario, today=today)
    return simulate(region(url), base, scenario, method)

