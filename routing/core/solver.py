"""The one module that talks to OR-Tools.

Solvers fed from numpy arrays:

* ``flow_network``: a min-cost flow given as arc arrays and node supplies, solved
  exactly (OR-Tools cost-scaling push-relabel; whole units, proven optimal): each item of a plan
  (``routing.core.lexflow``).
* ``solve_transport``: a transportation problem with a convex shortage penalty, solved
  the same way.
* ``solve_teams``: ready teams to team requests by skill and headcount, CP-SAT,
  lexicographic, repeatable (see the section ``Teams (CP-SAT)``).

A shortage is modelled as flow from a virtual "unmet" node into each sink through
``K`` parallel arcs of increasing unit cost: since the solver fills cheaper arcs first,
this is exactly a convex piecewise-linear penalty on the unmet quantity.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow as mcf

from relief.routing.core.results import SolveStatus

OPTIMAL, FEASIBLE, FAILED = SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.FAILED


@dataclass(frozen=True)
class Transport:
    """A transportation problem with convex shortage penalties.

    ``supply`` (S,) units per source; ``demand`` (I,) units per sink; arcs
    ``tail`` (source index), ``head`` (sink index), ``cost`` per unit (int64);
    ``seg_cap`` and ``seg_cost`` (I, K): capacity and unit cost of each shortage segment
    (caps of a sink sum to its demand, costs increase along K).
    """

    supply: np.ndarray
    demand: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    cost: np.ndarray
    seg_cap: np.ndarray
    seg_cost: np.ndarray


@dataclass(frozen=True)
class Solution:
    """Flow per arc, shortage per sink, status, objective, bound and wall seconds."""

    flow: np.ndarray
    shortage: np.ndarray
    status: SolveStatus
    objective: float
    bound: float
    seconds: float


def flow_network(tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, costs: np.ndarray,
                  supplies: np.ndarray) -> tuple[bool, np.ndarray, int]:
    """Solve a min-cost flow exactly (OR-Tools cost scaling, whole units).

    Takes arc arrays (tail and head node indices, capacity and integer unit cost) and the
    supply of every node (negative for demand; they sum to 0). Returns (solved, flow per
    arc, total cost); ``solved`` is False when the problem is infeasible or its costs
    overflow, and the flows are then zero."""
    flow = mcf.SimpleMinCostFlow()
    if len(tails):
        flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                                  caps.astype(np.int64), costs.astype(np.int64))
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies.astype(np.int64))
    if flow.solve() != flow.OPTIMAL:
        return False, np.zeros(len(tails), np.int64), 0
    return True, np.asarray(flow.flows(np.arange(len(tails), dtype=np.int32)), np.int64), int(flow.optimal_cost())


def solve_transport(p: Transport) -> Solution:
    """Solve ``p`` exactly as a min-cost flow; returns a ``Solution`` (status optimal)."""
    start = time.perf_counter()
    n_src, n_snk = len(p.supply), len(p.demand)
    if n_snk == 0:
        return Solution(np.zeros(len(p.tail), np.int64), np.zeros(0, np.int64), OPTIMAL, 0.0, 0.0, 0.0)
    unmet, dump = n_src + n_snk, n_src + n_snk + 1
    k = p.seg_cap.shape[1]
    snk_nodes = np.arange(n_src, n_src + n_snk)
    tails = np.concatenate([p.tail, np.arange(n_src), np.full(n_snk * k, unmet), [unmet]])
    heads = np.concatenate([p.head + n_src, np.full(n_src, dump), np.repeat(snk_nodes, k), [dump]])
    arc_cap = np.minimum(p.supply[p.tail], p.demand[p.head])
    caps = np.concatenate([arc_cap, p.supply, p.seg_cap.ravel(), [p.demand.sum()]])
    costs = np.concatenate([p.cost, np.zeros(n_src, np.int64), p.seg_cost.ravel(), [0]])
    flow = mcf.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                              caps.astype(np.int64), costs.astype(np.int64))
    supplies = np.concatenate([p.supply, -p.demand, [p.demand.sum(), -p.supply.sum()]]).astype(np.int64)
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = flow.solve()
    seconds = time.perf_counter() - start
    if status != flow.OPTIMAL:
        return Solution(np.zeros(len(p.tail), np.int64), p.demand.copy(), FAILED, float("nan"), float("nan"), seconds)
    flows = flow.flows(np.arange(len(tails), dtype=np.int32))
    n_arcs = len(p.tail)
    seg = flows[n_arcs + n_src: n_arcs + n_src + n_snk * k].reshape(n_snk, k)
    cost = float(flow.optimal_cost())
    return Solution(flows[:n_arcs].astype(np.int64), seg.sum(axis=1).astype(np.int64), OPTIMAL, cost, cost, seconds)


# Teams (CP-SAT)
#
# ``solve_teams`` sends ready teams to team requests: each team to at most one request its
# skills and reach allow; a request wants a number of teams and/or a headcount, which
# several teams may reach together. Lexicographic, one CP-SAT solve per level, each keeping
# the optimum of the levels before it: (1) priority-weighted people not covered (a missing
# team counts as ``team_people`` people), (2) priority-weighted arrival minutes of the
# teams sent, (3) people sent beyond the headcounts asked; solved as one objective with the
# levels folded by weights when the numbers stay exact in a double (below 2^53), else one
# solve per level. Repeatable: one search worker (single-threaded CP-SAT, a fixed seed)
# with an effort limit in deterministic time. A wall-clock budget for the whole
# assignment guards very large problems (hundreds of teams for thousands of requests):
# when it cuts the search, the best assignment found is kept, reported as feasible.

TEAM_WORKERS = 1  # one search worker: repeatable by construction, and faster here than two interleaved
TEAM_SEED = 1122
TEAM_EFFORT = 10.0  # deterministic seconds per level
TEAM_SECONDS = 20.0  # wall-clock budget of the three levels together


@dataclass(frozen=True)
class TeamModel:
    """Teams to team requests. ``members`` (T,) people per team; per request (R,):
    ``want_teams``, ``want_people`` and priority ``weight``; candidate arcs ``tail`` (team
    index) to ``head`` (request index) with arrival ``minutes``; a missing team counts as
    ``team_people`` people."""

    members: np.ndarray
    want_teams: np.ndarray
    want_people: np.ndarray
    weight: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    minutes: np.ndarray
    team_people: int


def solve_teams(m: TeamModel, hint: np.ndarray | None = None, *, effort: float = TEAM_EFFORT,
                seconds: float = TEAM_SECONDS) -> Solution:
    """Takes a ``TeamModel``, optionally a first assignment to start from (``hint``: 0/1 per
    arc, each team on at most one arc, e.g. the rule of thumb's), the effort limit per level
    (deterministic seconds) and the wall-clock budget. Returns a ``Solution``: ``flow`` 1 on
    each arc used, ``shortage`` the teams still missing per request, and the three levels
    folded into one number as ``objective`` (uncovered × W1 + minutes × W2 + excess people,
    W1 and W2 above anything the later levels can reach) with its lower ``bound``. Status
    optimal when CP-SAT proves every level, feasible when a limit cut a search short (the
    best assignment found, never worse than ``hint``), failed when none was found."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    n_req, n_arc = len(m.want_teams), len(m.tail)
    members = m.members[m.tail].astype(np.int64)
    cost = (m.weight[m.head] * m.minutes).astype(np.int64)
    most_minutes = np.zeros(len(m.members), np.int64)  # each team arrives once at most
    np.maximum.at(most_minutes, m.tail, cost)
    w2 = int(m.members[np.unique(m.tail)].sum()) + 1  # above any excess of people
    w1 = w2 * (int(most_minutes.sum()) + 1)  # above any minutes and excess together
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{k}") for k in range(n_arc)]
    for arcs in _groups(m.tail):
        model.add_at_most_one(x[k] for k in arcs)
    by_request = dict(zip(np.unique(m.head).tolist(), _groups(m.head)))
    uncovered, uncovered_cost, excess = [], [], []
    for r in range(n_req):
        arcs = by_request.get(r, [])
        teams, people, weight = int(m.want_teams[r]), int(m.want_people[r]), int(m.weight[r])
        if teams:
            short = model.new_int_var(0, teams, f"teams_short{r}")
            model.add(cp_model.LinearExpr.sum([x[k] for k in arcs]) + short >= teams)
            uncovered, uncovered_cost = uncovered + [short], uncovered_cost + [weight * int(m.team_people)]
        if people:  # a team covers at most the people asked (a tighter relaxation)
            short = model.new_int_var(0, people, f"people_short{r}")
            model.add(cp_model.LinearExpr.weighted_sum([x[k] for k in arcs],
                                                       [min(int(members[k]), people) for k in arcs]) + short >= people)
            uncovered, uncovered_cost = uncovered + [short], uncovered_cost + [weight]
        if arcs:
            extra = model.new_int_var(0, int(members[arcs].sum()), f"excess{r}")
            model.add(extra >= cp_model.LinearExpr.weighted_sum([x[k] for k in arcs],
                                                                [int(members[k]) for k in arcs]) - people)
            excess.append(extra)
    levels = [(cp_model.LinearExpr.weighted_sum(uncovered, uncovered_cost), w1),
              (cp_model.LinearExpr.weighted_sum(x, cost.tolist()), w2), (cp_model.LinearExpr.sum(excess), 1)]
    most_uncovered = int((m.weight * (m.team_people * m.want_teams + m.want_people)).sum())
    if (most_uncovered + 1) * w1 < 2 ** 53:  # small enough for one exact solve of the levels folded together
        levels = [(cp_model.LinearExpr.weighted_sum(uncovered + x + excess, [c * w1 for c in uncovered_cost]
                                                    + [int(c) * w2 for c in cost] + [1] * len(excess)), 1)]
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = TEAM_WORKERS
    solver.parameters.random_seed = TEAM_SEED
    solver.parameters.linearization_level = 2  # the full LP relaxation: it proves these models quickly
    solver.parameters.symmetry_level = 0  # symmetry detection is slow on large assignments and gains nothing here
    solver.parameters.max_deterministic_time = effort
    best = None if hint is None else np.asarray(hint, np.int64)
    values, bounds, proven = [], [], True  # bounds: of the levels proven, then of the first one cut short
    for level, _ in levels:
        left = seconds - (time.perf_counter() - start)
        if left <= 0:
            proven = False
            break
        solver.parameters.max_time_in_seconds = left
        model.clear_hints()
        for var, value in zip(x, best if best is not None else ()):
            model.add_hint(var, bool(value))
        model.minimize(level)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = False
            break
        value = int(round(solver.objective_value))
        if proven:
            bounds.append(value if status == cp_model.OPTIMAL else int(np.ceil(solver.best_objective_bound)))
            proven = status == cp_model.OPTIMAL
        values.append(value)
        best = np.array([int(solver.boolean_value(var)) for var in x], np.int64)
        model.add(level <= value)
    seconds_used = time.perf_counter() - start
    if best is None:
        return Solution(np.zeros(n_arc, np.int64), m.want_teams.astype(np.int64), FAILED, float("nan"),
                        float("nan"), seconds_used)
    got = np.bincount(m.head, weights=best, minlength=n_req).astype(np.int64)
    people_got = np.bincount(m.head, weights=best * np.minimum(members, m.want_people[m.head]), minlength=n_req)
    sent = np.bincount(m.head, weights=best * members, minlength=n_req)
    shortage = np.maximum(m.want_teams - got, 0).astype(np.int64)
    reached = [int((m.weight * (m.team_people * shortage + np.maximum(m.want_people - people_got, 0))).sum()),
               int((cost * best).sum()), int(np.maximum(sent - m.want_people, 0).sum())]
    bound = sum(b * weight for b, (_, weight) in zip(bounds, levels))
    objective = reached[0] * w1 + reached[1] * w2 + reached[2]
    return Solution(best, shortage, OPTIMAL if proven else FEASIBLE, float(objective), float(bound), seconds_used)


def _groups(index: np.ndarray) -> list[list[int]]:
    """Positions of ``index`` grouped by value, in order of value (each group ascending)."""
    order = np.argsort(index, kind="stable")
    cuts = np.nonzero(np.diff(index[order]))[0] + 1
    return [part.tolist() for part in np.split(order, cuts)] if len(order) else []




# Truck runs (vehicle routing)
#
# ``truck_routes`` groups one depot's stops into truck runs and orders them: a capacitated
# vehicle routing problem with soft time windows (OR-Tools routing), all loads picked up
# at the depot, every route closed (a truck comes back). ``routing.core.trucks`` builds
# the arrays and schedules the runs it returns.

ROUTE_SOLUTIONS = 100  # improving solutions the local search may find per call: the effort cap
ROUTE_SAFETY_SECONDS = 10  # a guard against a runaway search only; the solution cap binds first


@dataclass(frozen=True)
class Routing:
    """One depot's runs to plan. Node 0 is the depot, nodes 1..N-1 the stops.

    ``drive`` (N, N) whole minutes of driving at the plan's speed; ``service`` (N,)
    minutes spent at a node before driving on; ``load`` (N, 2) what a node receives, in
    whole kg and whole litres (node 0: 0); ``window`` (N,) the minute by which a stop
    should be reached, ``weight`` (N,) what a minute of its arrival costs (a minute past
    its window costs ``late`` times more). Per vehicle: ``capacity`` (V, 2) kg and litres,
    ``slowness`` (V,) factor on driving minutes (1 or more), ``ready`` (V,) the minute it
    leaves the depot, ``fixed`` (V,) what using it costs. Arc costs are driving minutes.
    """

    drive: np.ndarray
    service: np.ndarray
    load: np.ndarray
    window: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    slowness: np.ndarray
    ready: np.ndarray
    fixed: np.ndarray
    late: int = 10


def _leg(r: Routing, a: int, b: int) -> np.ndarray:
    """Driving minutes from node ``a`` to ``b`` for every vehicle, as the routing model rounds them."""
    return np.rint(r.drive[a, b] * r.slowness)


def arrival_cost(arrive, weight: int, window: int, late: int):
    """What arriving at a stop at minute ``arrive`` (a number or an array) costs in the
    routing model: ``weight`` a minute, ``late`` times that past its ``window``."""
    return weight * arrive + late * weight * np.maximum(arrive - window, 0)


def alone_cost(out, back, ready, fixed, weight: int, window: int, late: int, service: int = 0):
    """The routing model's cost of a run to one stop alone (numbers or arrays, one per
    vehicle): its fixed cost, the legs out and back (``out``, ``back``: driving minutes
    as the model rounds them), and the cost of arriving at ``ready`` + ``service`` + ``out``."""
    return fixed + out + back + arrival_cost(ready + out + service, weight, window, late)


def _soft(r: Routing, node: int, arrive: np.ndarray) -> np.ndarray:
    """What arriving at ``node`` at minute ``arrive`` costs (``arrival_cost``)."""
    return arrival_cost(arrive, int(r.weight[node]), int(r.window[node]), r.late)


def _alone(r: Routing, node: int) -> np.ndarray:
    """Per vehicle, the cost of a run to ``node`` alone (infinite when the vehicle cannot carry its load)."""
    cost = alone_cost(_leg(r, 0, node), _leg(r, node, 0), r.ready, r.fixed, int(r.weight[node]),
                      int(r.window[node]), r.late, int(r.service[0]))
    return np.where(np.all(r.capacity >= r.load[node], axis=1), cost, np.inf)


def _both(r: Routing, a: int, b: int) -> np.ndarray:
    """Per vehicle, the cost of one run to ``a`` then ``b`` (infinite when it cannot carry both loads)."""
    first = r.ready + _leg(r, 0, a) + int(r.service[0])
    second = first + _leg(r, a, b) + int(r.service[a])
    cost = (r.fixed + _leg(r, 0, a) + _leg(r, a, b) + _leg(r, b, 0) + _soft(r, a, first) + _soft(r, b, second))
    return np.where(np.all(r.capacity >= r.load[a] + r.load[b], axis=1), cost, np.inf)


def _exact(r: Routing) -> list[list[int]] | None:
    """The exact answer for one or two stops, by trying every way (each stop alone on
    two different vehicles, or both on one in either order), scored as the routing
    model counts (fixed cost, the legs, each arrival's cost and its lateness); the
    first on a tie. None when no way carries the loads."""
    vehicles = len(r.ready)
    routes: list[list[int]] = [[] for _ in range(vehicles)]
    if len(r.service) == 2:
        alone = _alone(r, 1)
        best = int(np.argmin(alone))
        if not np.isfinite(alone[best]):
            return None
        routes[best] = [1]
        return routes
    ways = np.stack([_both(r, 1, 2), _both(r, 2, 1)])
    split = _alone(r, 1)[:, None] + _alone(r, 2)[None, :]
    np.fill_diagonal(split, np.inf)
    one, two = np.unravel_index(int(np.argmin(ways)), ways.shape), np.unravel_index(int(np.argmin(split)), split.shape)
    if not (np.isfinite(ways[one]) or np.isfinite(split[two])):
        return None
    if ways[one] <= split[two]:
        order, v = one
        routes[int(v)] = [1, 2] if order == 0 else [2, 1]
    else:
        routes[int(two[0])], routes[int(two[1])] = [1], [2]
    return routes


def truck_routes(r: Routing, solutions: int = ROUTE_SOLUTIONS) -> list[list[int]] | None:
    """Takes a ``Routing``; returns, per vehicle, the stops (node numbers) it visits in
    order ([] for a vehicle not used), or None when the search finds no solution.

    One or two stops are answered exactly without a search (``_exact``). More stops:
    PATH_CHEAPEST_ARC for the first solution, then greedy descent (local search to a
    local optimum, no metaheuristic) stopped after ``solutions`` improving solutions:
    deterministic, so the same arrays always give the same routes.
    """
    return _exact(r) if len(r.service) <= 3 else _search(r, solutions)


def _search(r: Routing, solutions: int = ROUTE_SOLUTIONS) -> list[list[int]] | None:
    """``truck_routes`` by the OR-Tools routing search (any number of stops)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    nodes, vehicles = len(r.service), len(r.ready)
    manager = pywrapcp.RoutingIndexManager(nodes, vehicles, 0)
    model = pywrapcp.RoutingModel(manager)
    arc_cost, transit = {}, {}
    for factor in sorted(set(r.slowness.tolist())):
        drive = np.rint(r.drive * factor).astype(np.int64)
        arc_cost[factor] = model.RegisterTransitMatrix(drive.tolist())
        transit[factor] = model.RegisterTransitMatrix((drive + r.service[:, None]).tolist())
    for v in range(vehicles):
        model.SetArcCostEvaluatorOfVehicle(arc_cost[float(r.slowness[v])], v)
        model.SetFixedCostOfVehicle(int(r.fixed[v]), v)
    for column, name in ((0, "kg"), (1, "litres")):
        demand = model.RegisterUnaryTransitVector(r.load[:, column].astype(np.int64).tolist())
        model.AddDimensionWithVehicleCapacity(demand, 0, r.capacity[:, column].astype(np.int64).tolist(), True, name)
    horizon = int(r.ready.max() + (r.drive.max() * r.slowness.max() + r.service.max() + 1) * nodes + 1)
    evaluators = [transit[float(f)] for f in r.slowness]
    # "time" carries the soft windows (lateness), "clock" the same times at a cost per minute of arrival
    for name in ("time", "clock"):
        model.AddDimensionWithVehicleTransits(evaluators, 0, horizon, False, name)
    time_dim, clock = model.GetDimensionOrDie("time"), model.GetDimensionOrDie("clock")
    for v in range(vehicles):
        for dim in (time_dim, clock):
            dim.CumulVar(model.Start(v)).SetValue(int(r.ready[v]))
    for node in range(1, nodes):
        index = manager.NodeToIndex(node)
        time_dim.SetCumulVarSoftUpperBound(index, int(r.window[node]), int(r.late * r.weight[node]))
        clock.SetCumulVarSoftUpperBound(index, 0, int(r.weight[node]))
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    search.solution_limit = solutions
    search.time_limit.seconds = ROUTE_SAFETY_SECONDS
    found = model.SolveWithParameters(search)
    if found is None:
        return None
    routes = []
    for v in range(vehicles):
        index, stops = found.Value(model.NextVar(model.Start(v))), []
        while not model.IsEnd(index):
            stops.append(manager.IndexToNode(index))
            index = found.Value(model.NextVar(index))
        routes.append(stops)
    return routes
