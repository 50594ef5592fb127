"""The optimal plan: supplies and teams for all open incidents together.

Supplies. Objective, in this order: (1) meet the priority-weighted need with a convex
shortfall penalty, (2) minimise tonne-kilometres. For an incident of priority p
(weight w = 8, 4, 2, 1 for p = 1..4) that needs q units of an item and gets q - u, the
penalty is w * M * K * q * (u/q)^2, made piecewise linear in K = 8 equal steps: the k-th
eighth of the shortfall costs w * M * (2k + 1) per unit. Because marginal penalties rise,
shortfalls are spread in proportion to need instead of starving one incident, and
because M exceeds the largest transport cost of any unit times the longest chain of
re-routings that could meet one more unit (the fewer of the item's supply nodes and
sinks), no tonne-kilometre saving ever buys a unit of shortfall. Transport cost is
kg·km / 10 per unit, times 64, plus the lot's expiry rank at its depot so that
earlier-expiring lots go first (FEFO).

Items are independent unless depot outbound tonnage is enforced: while they are, each
item is a min-cost flow solved exactly; with outbound tonnage all items form one sparse
MIP (HiGHS, whole units, proven within a 0.01 % relative gap; objective and bound are
both reported).

Teams. Each ready team goes to at most one incident and only to requests of its own
kind; uncovered requests cost w * BIG each (BIG above any weighted travel time times
the fewer of teams and requests), arrivals cost w * minutes, so coverage of urgent
incidents comes first, then quick arrival.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from relief.routing.core import solver
from relief.routing.core.candidates import ItemArcs, Network, item_arcs, network, weights
from relief.routing.core.problem import SEGMENTS, DispatchProblem
from relief.routing.core.results import PlanResult, Shipment, Shortfall, SolverInfo, TeamShortfall, TeamTrip

LIMIT = 2 ** 60


def optimal(p: DispatchProblem) -> PlanResult:
    """Plan ``p`` optimally; returns a ``PlanResult`` with solver status and timings."""
    start = time.perf_counter()
    net = network(p)
    items = sorted({item for inc in p.incidents for item, _ in inc.needs})
    arcs = [item_arcs(p, net, item) for item in items]
    unit = [_unit_cost(p, a) for a in arcs]
    # A unit of shortage can be saved by re-routing along a chain of up to min(sources, sinks) arcs,
    # so M must exceed the dearest arc times that length for no t-km saving to buy a shortage.
    big_m = int(max((u.max() * min(len(a.src_qty), len(a.demand)) for a, u in zip(arcs, unit) if len(u)),
                    default=0)) + 1
    total = sum(int(a.demand.sum()) for a in arcs)
    coarse = -(-8 * (2 * SEGMENTS - 1) * big_m * max(total, 1) // LIMIT)
    if coarse > 1:  # keep every cost sum inside int64: coarser tonne-km (and FEFO ranks) on huge instances
        unit = [np.maximum(u // coarse, 1) for u in unit]
        big_m = -(-big_m // coarse)
    problems = [_transport(a, u, big_m) for a, u in zip(arcs, unit)]
    build = time.perf_counter() - start
    coupled = bool(p.params.outbound and problems)
    if coupled:
        solutions = _solve_coupled(p, arcs, problems)
        how = "one MIP over all items (HiGHS), depot outbound tonnage enforced"
    else:
        solutions = [solver.solve_transport(t) for t in problems]
        how = "min-cost flow per item (network simplex)"
    shipments, unmet = _read_back(p, arcs, solutions)
    teams, teams_unmet, team_solution = assign_teams(p, net)
    all_solutions = solutions + [team_solution]
    statuses = {s.status for s in all_solutions}
    status = solver.FAILED if solver.FAILED in statuses else solver.FEASIBLE if solver.FEASIBLE in statuses else solver.OPTIMAL
    info = SolverInfo(status=status, method=how, objective=float(sum(s.objective for s in solutions)),
                      bound=float(sum(s.bound for s in solutions)), team_objective=float(team_solution.objective),
                      seconds=round(sum(s.seconds for s in all_solutions), 4), build_seconds=round(build, 4),
                      subproblems=len(all_solutions), arcs=int(sum(len(t.tail) for t in problems)),
                      proven_optimal=status == solver.OPTIMAL and not coupled,
                      proof=("proven optimal" if not coupled else f"within {solver.MIP_GAP:.2%} of the bound")
                      if status == solver.OPTIMAL else "not proven optimal")
    return PlanResult(tuple(shipments), tuple(teams), tuple(unmet), tuple(teams_unmet), info)


def _unit_cost(p: DispatchProblem, a: ItemArcs) -> np.ndarray:
    kg_km = np.rint(p.weight_kg[a.item] * a.km / 10.0).astype(np.int64)
    return kg_km * 64 + a.rank


def _transport(a: ItemArcs, cost: np.ndarray, big_m: int) -> solver.Transport:
    return solver.Transport(a.src_qty, a.demand, a.tail, a.head, cost, *segments(a.demand, a.priority, big_m))


def segments(demand: np.ndarray, priority: np.ndarray, big_m: int, k: int = SEGMENTS):
    """Shortage segment capacities and unit costs, each (sinks, k), for the convex penalty."""
    base, extra = np.divmod(demand, k)
    caps = base[:, None] + (np.arange(k)[None, :] < extra[:, None])
    costs = weights(priority)[:, None] * big_m * (2 * np.arange(k)[None, :] + 1)
    return caps.astype(np.int64), costs.astype(np.int64)


def _solve_coupled(p: DispatchProblem, arcs: list[ItemArcs], problems: list[solver.Transport]) -> list[solver.Solution]:
    src_off = np.cumsum([0] + [len(t.supply) for t in problems])
    snk_off = np.cumsum([0] + [len(t.demand) for t in problems])
    arc_off = np.cumsum([0] + [len(t.tail) for t in problems])
    whole = solver.Transport(
        np.concatenate([t.supply for t in problems]), np.concatenate([t.demand for t in problems]),
        np.concatenate([t.tail + o for t, o in zip(problems, src_off)]),
        np.concatenate([t.head + o for t, o in zip(problems, snk_off)]),
        np.concatenate([t.cost for t in problems]),
        np.vstack([t.seg_cap for t in problems]), np.vstack([t.seg_cost for t in problems]))
    depot_of_arc = np.concatenate([a.src_depot[a.tail] for a in arcs])
    kg = np.concatenate([np.full(len(a.tail), p.weight_kg[a.item]) for a in arcs])
    rows = sp.csr_matrix((kg, (depot_of_arc, np.arange(len(kg)))), shape=(len(p.depots), len(kg)))
    limit = np.array([d.outbound_t_day * 1000.0 for d in p.depots])
    joint = solver.solve_coupled(whole, rows, limit)
    return [solver.Solution(joint.flow[arc_off[n]:arc_off[n + 1]], joint.shortage[snk_off[n]:snk_off[n + 1]],
                            joint.status, joint.objective if n == 0 else 0.0, joint.bound if n == 0 else 0.0,
                            joint.seconds if n == 0 else 0.0) for n in range(len(problems))]


def _read_back(p: DispatchProblem, arcs: list[ItemArcs], solutions: list[solver.Solution]):
    lines: dict[tuple, dict] = {}
    unmet = []
    for a, s in zip(arcs, solutions):
        for n in np.nonzero(s.flow)[0]:
            inc = p.incidents[a.sink_incident[a.head[n]]]
            depot = p.depots[a.src_depot[a.tail[n]]].code
            key = (depot, inc.id, a.item, a.src_lot[a.tail[n]])
            line = lines.setdefault(key, {"depot": depot, "incident": inc.id, "item": a.item, "lot": key[3], "qty": 0,
                                          "km": round(float(a.km[n]), 1), "minutes": int(a.minutes[n])})
            line["qty"] += int(s.flow[n])
        for sink in np.nonzero(s.shortage)[0]:
            unmet.append({"incident": p.incidents[a.sink_incident[sink]].id, "item": a.item, "qty": int(s.shortage[sink])})
    shipments = sorted((Shipment(**line) for line in lines.values()),
                       key=lambda r: (r.incident, r.item, r.minutes, r.depot, r.lot))
    return shipments, sorted((Shortfall(**u) for u in unmet), key=lambda r: (r.incident, r.item))


def team_requests(p: DispatchProblem) -> list[tuple[int, str, int]]:
    """(incident index, kind, count) for every team request of ``p``."""
    return [(n, kind, count) for n, inc in enumerate(p.incidents) for kind, count in inc.teams if count > 0]


def assign_teams(p: DispatchProblem, net: Network):
    """Assign ready teams to team requests optimally; returns (teams, uncovered, solution)."""
    requests = team_requests(p)
    if not requests or not p.teams:
        uncovered = [TeamShortfall(p.incidents[n].id, k, c) for n, k, c in requests]
        return [], uncovered, solver.Solution(np.zeros(0), np.zeros(0), solver.OPTIMAL, 0.0, 0.0, 0.0)
    req_inc = np.array([r[0] for r in requests])
    req_kind = np.array([r[1] for r in requests])
    demand = np.array([r[2] for r in requests], dtype=np.int64)
    team_kind = np.array([t.kind for t in p.teams])
    match = (team_kind[:, None] == req_kind[None, :]) & net.teams.allowed[:, req_inc]
    tail, head = np.nonzero(match)
    minutes = net.teams.minutes[tail, req_inc[head]]
    priority = np.array([p.incidents[n].priority for n in req_inc], dtype=np.int64)
    big = 8 * (int(net.teams.minutes.max(initial=0)) + 1) * min(len(p.teams), len(requests))
    cost = weights(priority[head]) * minutes
    seg_cap = demand[:, None]
    seg_cost = (weights(priority) * big)[:, None]
    solution = solver.solve_transport(solver.Transport(np.ones(len(p.teams), np.int64), demand, tail, head,
                                                       cost.astype(np.int64), seg_cap, seg_cost.astype(np.int64)))
    chosen = np.nonzero(solution.flow)[0]
    teams = [TeamTrip(p.teams[tail[n]].code, p.teams[tail[n]].kind, p.incidents[req_inc[head[n]]].id,
                      round(float(net.teams.km[tail[n], req_inc[head[n]]]), 1), int(minutes[n])) for n in chosen]
    uncovered = [TeamShortfall(p.incidents[req_inc[r]].id, str(req_kind[r]), int(solution.shortage[r]))
                 for r in np.nonzero(solution.shortage)[0]]
    return sorted(teams, key=lambda t: (t.incident, t.minutes, t.team)), uncovered, solution
