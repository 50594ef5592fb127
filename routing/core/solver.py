"""The one module that talks to OR-Tools.

Solvers fed from numpy arrays:

* ``flow_network``: a min-cost flow given as arc arrays and node supplies, solved
  exactly (network simplex; whole units, proven optimal): each item of a plan
  (``routing.core.lexflow``).
* ``solve_transport``: a transportation problem with a convex shortage penalty, solved
  the same way.

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
    """Solve a min-cost flow exactly (OR-Tools network simplex on whole units).

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


