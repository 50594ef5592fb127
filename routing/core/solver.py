"""The one module that talks to OR-Tools.

Two solvers, both fed from numpy arrays:

* ``solve_transport``: a transportation problem with a convex shortage penalty, solved
  exactly as a min-cost flow (network simplex; whole units, proven optimal). Used per
  item for supplies when items are independent, and for teams.
* ``solve_coupled``: the same problem for all items at once with extra rows (depot
  daily outbound tonnage), built as a sparse matrix and solved as a MIP with HiGHS.

A shortage is modelled as flow from a virtual "unmet" node into each sink through
``K`` parallel arcs of increasing unit cost: since the solver fills cheaper arcs first,
this is exactly a convex piecewise-linear penalty on the unmet quantity.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.graph.python import min_cost_flow
from ortools.linear_solver.python import model_builder as mb

from relief.routing.core.results import SolveStatus

OPTIMAL, FEASIBLE, FAILED = SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.FAILED
MIP_GAP = 1e-4  # HiGHS's relative optimality gap for the coupled model


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
    flow = min_cost_flow.SimpleMinCostFlow()
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


def solve_coupled(p: Transport, rows: sp.csr_matrix, row_upper: np.ndarray, time_limit: float = 60.0) -> Solution:
    """Solve ``p`` with extra constraints ``rows @ arc_flow <= row_upper`` as a MIP (HiGHS).

    ``rows`` has one column per arc of ``p``. Returns the best whole-unit solution
    found, with status optimal when HiGHS proves it within a relative gap of ``MIP_GAP``
    (the bound is reported), feasible when the time limit cut the search with a solution
    in hand, failed otherwise.
    """
    start = time.perf_counter()
    n_arc, (n_snk, k) = len(p.tail), p.seg_cap.shape
    n_src = len(p.supply)
    n_seg = n_snk * k
    n_var = n_arc + n_seg
    arc_ids = np.arange(n_arc)
    seg_ids = n_arc + np.arange(n_seg)
    supply_rows = sp.csr_matrix((np.ones(n_arc), (p.tail, arc_ids)), shape=(n_src, n_var))
    need_rows = sp.csr_matrix((np.ones(n_arc + n_seg), (np.concatenate([p.head, np.repeat(np.arange(n_snk), k)]),
                                                         np.concatenate([arc_ids, seg_ids]))), shape=(n_snk, n_var))
    extra = sp.hstack([rows, sp.csr_matrix((rows.shape[0], n_seg))]).tocsr()
    matrix = sp.vstack([supply_rows, need_rows, extra]).tocsr()
    lower = np.concatenate([np.full(n_src, -np.inf), p.demand, np.full(rows.shape[0], -np.inf)]).astype(float)
    upper = np.concatenate([p.supply, p.demand, row_upper]).astype(float)
    var_upper = np.concatenate([np.minimum(p.supply[p.tail], p.demand[p.head]), p.seg_cap.ravel()]).astype(float)
    objective = np.concatenate([p.cost, p.seg_cost.ravel()]).astype(float)
    model = mb.Model()
    model.helper.fill_model_from_sparse_data(np.zeros(n_var), var_upper, objective, lower, upper, matrix)
    for index in range(n_arc):
        model.helper.set_var_integrality(index, True)
    solver = mb.Solver("highs")
    solver.set_time_limit_in_seconds(time_limit)
    solver.set_solver_specific_parameters(f"output_flag=false\nlog_to_console=false\nmip_rel_gap={MIP_GAP}")
    status = solver.solve(model)
    seconds = time.perf_counter() - start
    found = status in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE) or np.isfinite(solver.objective_value)
    if not found:
        return Solution(np.zeros(n_arc, np.int64), p.demand.copy(), FAILED, float("nan"), float("nan"), seconds)
    values = np.rint(solver.values(model.get_variables()).to_numpy()).astype(np.int64)
    arcs = values[:n_arc]
    shortage = p.demand - np.bincount(p.head, weights=arcs, minlength=n_snk).astype(np.int64)
    label = OPTIMAL if status == mb.SolveStatus.OPTIMAL else FEASIBLE
    return Solution(arcs, shortage, label, float(solver.objective_value), float(solver.best_objective_bound), seconds)
