"""The optimal plan: supplies and teams for all open incidents together.

Supplies. Each item is planned on its own, time first, by ``routing.core.lexflow``: in
order (1) the priority-weighted convex shortfall of need met within the item's delivery
window, (2) need delivered late, by lateness, then not at all, (3) kilometres per unit
(tonne-km for the item) and first-expiring lots first. Trucks and their trips are the
next stage (``routing.core.trucks``). Each item is proven optimal over every arc the
plan allows: every depot that can reach an incident (within ``max_hours`` when set),
unless the user restricts the candidates to the ``nearest`` depots of each incident, in
which case the plan says so and claims optimality only over that restriction.

Teams. See ``assign_teams``: coverage of urgent requests first, then quick arrival.
"""

from __future__ import annotations

import time

import numpy as np

from relief.routing.core import lexflow, solver
from relief.routing.core.candidates import ItemArcs, item_arcs, network
from relief.routing.core.problem import DispatchProblem
from relief.routing.core.results import PlanResult, Shipment, Shortfall, SolverInfo
from relief.routing.core.teams import assign_teams, team_requests  # noqa: F401 (team_requests: re-exported)


def optimal(p: DispatchProblem) -> PlanResult:
    """Plan ``p`` optimally; returns a ``PlanResult`` with solver status, what was proven and timings."""
    start = time.perf_counter()
    net = network(p)
    items = sorted({item for inc in p.incidents for item, _ in inc.needs})
    arcs = [item_arcs(p, net, item) for item in items]
    region = np.array([d.level == "region" for d in p.depots], bool)
    build = time.perf_counter() - start
    plans = lexflow.solve_items([(a, p.window(a.item), region[a.src_depot] if len(a.src_depot) else None)
                                 for a in arcs])
    shipments, unmet = _read_back(p, arcs, plans)
    teams, teams_unmet, team_solution = assign_teams(p, net)
    solved = all(plan.solved for plan in plans) and team_solution.status != solver.FAILED
    status = solver.OPTIMAL if solved and team_solution.status == solver.OPTIMAL else \
        solver.FEASIBLE if solved else solver.FAILED
    restriction = _restriction(p)
    if status != solver.OPTIMAL:
        proof = "not proven optimal"
    elif restriction:
        proof = f"optimal over {restriction}, not over the whole network"
    else:
        within = p.params.travel.max_hours
        proof = f"proven optimal over every depot within {within:g} h" if within else \
            "proven optimal over the whole network"
    info = SolverInfo(status=status, method="time-first min-cost flow per item (OR-Tools)"
                      + (", arcs priced in lazily" if any(plan.rounds > 1 for plan in plans) else ""),
                      objective=float(sum(plan.objective for plan in plans)),
                      bound=float(sum(plan.objective for plan in plans)), team_objective=float(team_solution.objective),
                      seconds=round(sum(plan.seconds for plan in plans) + team_solution.seconds, 4),
                      build_seconds=round(build, 4), subproblems=len(plans) + 1,
                      arcs=int(sum(plan.arcs for plan in plans)),
                      proven_optimal=status == solver.OPTIMAL and not restriction, proof=proof,
                      restriction=restriction, rounds=max((plan.rounds for plan in plans), default=0))
    return PlanResult(tuple(shipments), tuple(teams), tuple(unmet), tuple(teams_unmet), info)


def _restriction(p: DispatchProblem) -> str | None:
    """What the user restricted the candidate depots to, in words, or None for the whole network."""
    nearest = p.params.nearest
    if nearest is None or nearest >= len(p.depots):
        return None
    return f"the {nearest} nearest depots of each incident (and the region depots)"


def _read_back(p: DispatchProblem, arcs: list[ItemArcs], plans: list[lexflow.ItemPlan]):
    """Shipment lines (one per depot, incident, item and lot; a lot's free and reserve parts
    added together) and shortfalls of the item plans, grouped with numpy."""
    codes = [d.code for d in p.depots]
    ids = [inc.id for inc in p.incidents]
    shipments, unmet = [], []
    for a, plan in zip(arcs, plans):
        used = np.nonzero(plan.flow)[0]
        if len(used):
            lot_names, lot_of_src = np.unique(np.array(a.src_lot, dtype=str), return_inverse=True)
            tail, head = a.tail[used], a.head[used]
            key = (a.src_depot[tail] * len(lot_names) + lot_of_src[tail]) * len(a.demand) + head
            keys, first, group = np.unique(key, return_index=True, return_inverse=True)
            qty = np.bincount(group, weights=plan.flow[used], minlength=len(keys)).astype(np.int64)
            n = used[first]
            sink_ids = [ids[i] for i in a.sink_incident.tolist()]
            for depot, sink, lot, units, km, minutes in zip(a.src_depot[a.tail[n]].tolist(), a.head[n].tolist(),
                                                            lot_of_src[a.tail[n]].tolist(), qty.tolist(),
                                                            a.km[n].tolist(), a.minutes[n].tolist()):
                shipments.append(Shipment(codes[depot], sink_ids[sink], a.item, str(lot_names[lot]),
                                          units, round(km, 1), minutes))
        for sink in np.nonzero(plan.unmet)[0]:
            unmet.append(Shortfall(ids[a.sink_incident[sink]], a.item, int(plan.unmet[sink])))
    shipments.sort(key=lambda r: (r.incident, r.item, r.minutes, r.depot, r.lot))
    return shipments, sorted(unmet, key=lambda r: (r.incident, r.item))
