"""The coordinator's rule of thumb, as a baseline for the optimal plan.

Incidents are served in order of priority (then id). For each needed item the incident
is filled from the nearest candidate depot holding stock, then the next nearest, lots
earliest-expiring first (never a lot that expires before it arrives). Teams: in the same
order, each request takes the nearest ready teams with its skill, one after another
until it has the teams and the people it asks for. Reserve floors are
respected as in the optimal plan; trucks are the next stage, as for the optimal plan.
"""

from __future__ import annotations

import time
from datetime import date

from relief.routing.core.candidates import network
from relief.routing.core.teams import nearest_first, shortfalls, team_requests
from relief.routing.core.problem import DispatchProblem, free_first
from relief.routing.core.results import PlanResult, Shipment, Shortfall, SolverInfo, SolveStatus


def greedy(p: DispatchProblem) -> PlanResult:
    """Plan ``p`` by the rule of thumb; returns a ``PlanResult`` (status heuristic)."""
    start = time.perf_counter()
    net = network(p)
    order = sorted(range(len(p.incidents)), key=lambda n: (p.incidents[n].priority, p.incidents[n].id))
    near: dict[int, list[int]] = {}
    for d, i in zip(net.pair_depot, net.pair_incident):
        near.setdefault(int(i), []).append(int(d))
    left = _stock(p)
    shipments, unmet = [], []
    for n in order:
        inc = p.incidents[n]
        depots = sorted(near.get(n, []), key=lambda d: (net.depots.minutes[d, n], p.depots[d].code))
        for item, qty in sorted(inc.needs):
            for d in depots:
                if qty == 0:
                    break
                minutes = int(net.depots.minutes[d, n])
                arrive = p.params.arrival_day(minutes)
                code = p.depots[d].code
                for lot in left.get((code, item), []):
                    if lot["expires"] is not None and lot["expires"] < arrive:
                        continue
                    usable = lot["free"] + (lot["reserve"] if inc.priority == 1 else 0)
                    take = min(usable, qty)
                    if take <= 0:
                        continue
                    from_free = min(take, lot["free"])
                    lot["free"] -= from_free
                    lot["reserve"] -= take - from_free
                    qty -= take
                    shipments.append(Shipment(code, inc.id, item, lot["lot"], take,
                                              round(float(net.depots.km[d, n]), 1), minutes))
                    if qty == 0:
                        break
            if qty:
                unmet.append(Shortfall(inc.id, item, qty))
    teams, teams_unmet = _teams(p, net, order)
    seconds = time.perf_counter() - start
    info = SolverInfo(status=SolveStatus.HEURISTIC, method="greedy: priority order, nearest depot with stock first",
                      objective=None, bound=None, seconds=round(seconds, 4), build_seconds=round(net.seconds, 4),
                      subproblems=0, arcs=int(len(net.pair_depot)), proven_optimal=False,
                      proof="a rule of thumb, not an optimization")
    return PlanResult(tuple(shipments), tuple(teams), tuple(sorted(unmet, key=lambda r: (r.incident, r.item))),
                      tuple(teams_unmet), info)


def _stock(p: DispatchProblem) -> dict[tuple[str, str], list[dict]]:
    left: dict[tuple[str, str], list[dict]] = {}
    for lot in sorted(p.lots, key=lambda s: (s.depot, s.item, s.expires or date.max, s.lot)):
        left.setdefault((lot.depot, lot.item), []).append({"lot": lot.lot, "expires": lot.expires, "qty": lot.qty})
    for (depot, item), lots in left.items():
        for lot, free in zip(lots, free_first([s["qty"] for s in lots], p.floor(depot, item))):
            lot["free"], lot["reserve"] = free, lot["qty"] - free
    return left


def _teams(p: DispatchProblem, net, order: list[int]):
    trips = nearest_first(p, net, order)
    return sorted(trips, key=lambda t: (t.incident, t.minutes, t.team)), shortfalls(p, team_requests(p), trips)

