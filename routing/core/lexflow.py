"""One item's time-first plan: a lexicographic min-cost flow over the whole network, arcs added lazily.

The network of an item has a node per supply (a lot's units at a depot), per incident
(its sink, needing ``q`` units), a *gap* node per incident, one *unmet* node and one dump:

* a lot → incident arc when the trip arrives within the item's delivery window, else a
  lot → gap arc (a late delivery);
* unmet → gap (need not delivered at all), gap → incident through ``SEGMENTS`` parallel
  arcs of rising cost (the convex shortfall penalty), lot → dump for stock left home.

Whatever reaches an incident through its gap node is need *not met within its window*.
The objective, in order:

1. the priority-weighted convex penalty on need not met within its window: the k-th
   eighth of an incident's shortfall costs ``w (2k + 1)`` per unit (w = 8, 4, 2, 1 for
   priorities 1-4), so shortfalls spread in proportion to need and no incident starves;
2. need delivered late, by lateness: ``w`` per unit and minute late, and need not
   delivered at all ``w (L + 1)`` per unit, L being the latest any arc of the item could
   be, so late beats never;
3. cost: kilometres per unit (to 10 m; for one item that is tonne-km up to its weight),
   with the lot's expiry rank at its depot as the last tie-break (first-expiring first).

Tiers 1 and 2 are one min-cost flow whose tier-1 costs are scaled by ``M``, larger than
the dearest tier-2 unit times the longest augmenting cycle, so no lateness saving ever
buys a shortfall; tier 3 is then solved on the optimal face of tiers 1-2 (arcs whose
reduced cost is negative are fixed full, positive ones removed, node potentials found by
Bellman-Ford on the residual network). All costs are integers that fit comfortably in
64 bits, so light items are planned as exactly as heavy ones.

Lazy arcs: an item with at most ``ALL_AT_ONCE`` arcs is solved over all of them in one
round. A larger one starts from each incident's quickest arcs and the region depots;
every omitted arc is priced with the two node potentials, and those with a
lexicographically negative reduced cost are added and the item solved again, until none
is left. The optimum is then an optimum over every allowed arc.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from relief.routing.core import solver
from relief.routing.core.candidates import ItemArcs, weights
from relief.routing.core.problem import SEGMENTS

ALL_AT_ONCE = 100_000
START_PER_SINK = 8
START_COVER = 2
MAX_ROUNDS = 200
PARALLEL_ARCS = 400_000  # from this many arcs in all, items are solved in two processes
_PENDING: list = []


@dataclass(frozen=True)
class ItemPlan:
    """Flow on every arc of an item, units unmet per sink, and how the solve went."""

    flow: np.ndarray
    unmet: np.ndarray
    solved: bool
    objective: float
    rounds: int
    arcs: int
    seconds: float


@dataclass(frozen=True)
class _Net:
    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    c12: np.ndarray
    c3: np.ndarray
    supplies: np.ndarray
    nodes: int


def solve_item(a: ItemArcs, window_min: int, region_src: np.ndarray | None = None) -> ItemPlan:
    """Plan one item time-first over all of ``a``'s arcs; returns an ``ItemPlan``.

    ``window_min`` is the item's delivery window; ``region_src`` marks the supply nodes
    held at region depots (their arcs are candidates from the start)."""
    start = time.perf_counter()
    n_src, n_snk, n_arc = len(a.src_qty), len(a.demand), len(a.tail)
    if n_snk == 0:
        return ItemPlan(np.zeros(n_arc, np.int64), np.zeros(0, np.int64), True, 0.0, 0, 0, 0.0)
    late_min = np.maximum(a.minutes - window_min, 0).astype(np.int64)
    w = weights(a.priority)
    arc_c12 = w[a.head] * late_min
    arc_head = np.where(late_min > 0, n_src + n_snk + a.head, n_src + a.head)
    arc_c3 = np.rint(a.km * 100.0).astype(np.int64) * 64 + a.rank
    arc_cap = np.minimum(a.src_qty[a.tail], a.demand[a.head])
    fixed = _fixed_arcs(a, w, int(late_min.max(initial=0)))
    chosen = _start(a, region_src)
    rounds, ok, objective = 0, True, 0.0
    flow = np.zeros(n_arc, np.int64)
    while rounds < MAX_ROUNDS:
        rounds += 1
        idx = np.nonzero(chosen)[0]
        net = _Net(np.concatenate([a.tail[idx], fixed.tails]), np.concatenate([arc_head[idx], fixed.heads]),
                   np.concatenate([arc_cap[idx], fixed.caps]), np.concatenate([arc_c12[idx], fixed.c12]),
                   np.concatenate([arc_c3[idx], fixed.c3]), fixed.supplies, fixed.nodes)
        ok, arc_flow, pi12, pi3, objective = _lexicographic(net, priced=not chosen.all())
        if not ok:
            break
        flow = np.zeros(n_arc, np.int64)
        flow[idx] = arc_flow[:len(idx)]
        unmet_flow = arc_flow[len(idx):len(idx) + n_snk]
        if chosen.all():
            return ItemPlan(flow, unmet_flow.astype(np.int64), True, objective, rounds, n_arc,
                            time.perf_counter() - start)
        rc12 = arc_c12 + pi12[a.tail] - pi12[arc_head]
        rc3 = arc_c3 + pi3[a.tail] - pi3[arc_head]
        better = ~chosen & ((rc12 < 0) | ((rc12 == 0) & (rc3 < 0)))
        if not better.any():
            return ItemPlan(flow, unmet_flow.astype(np.int64), True, objective, rounds, int(chosen.sum()),
                            time.perf_counter() - start)
        chosen |= better
    unmet = a.demand - np.bincount(a.head, weights=flow, minlength=n_snk).astype(np.int64)
    return ItemPlan(flow, unmet, False, objective, rounds, int(chosen.sum()), time.perf_counter() - start)


def solve_items(jobs: list[tuple[ItemArcs, int, np.ndarray | None]]) -> list[ItemPlan]:
    """Solve every (arcs, window, region sources) job with ``solve_item``; returns the plans in order.

    A large problem (``PARALLEL_ARCS`` arcs or more) on a machine with two or more cores
    is split between two forked worker processes, items dealt by size so that both get
    about half the arcs; the plans are the same as in one process."""
    total = sum(len(job[0].tail) for job in jobs)
    if total < PARALLEL_ARCS or (os.cpu_count() or 1) < 2 or multiprocessing.current_process().daemon \
            or "fork" not in multiprocessing.get_all_start_methods():
        return [solve_item(*job) for job in jobs]
    global _PENDING
    _PENDING = jobs
    order = sorted(range(len(jobs)), key=lambda n: -len(jobs[n][0].tail))
    halves: list[list[int]] = [[], []]
    load = [0, 0]
    for n in order:
        side = 0 if load[0] <= load[1] else 1
        halves[side].append(n)
        load[side] += len(jobs[n][0].tail)
    try:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            done = list(pool.map(_solve_pending, halves))
    finally:
        _PENDING = []
    plans: list[ItemPlan | None] = [None] * len(jobs)
    for half, results in zip(halves, done):
        for n, (nonzero, values, rest) in zip(half, results):
            flow = np.zeros(len(jobs[n][0].tail), np.int64)
            flow[nonzero] = values
            plans[n] = ItemPlan(flow, *rest)
    return plans


def _solve_pending(indices: list[int]) -> list[tuple]:
    """Solve the pending jobs named (in a worker); returns each plan with its flow as (nonzero, values)."""
    out = []
    for n in indices:
        plan = solve_item(*_PENDING[n])
        nonzero = np.nonzero(plan.flow)[0]
        out.append((nonzero, plan.flow[nonzero], (plan.unmet, plan.solved, plan.objective, plan.rounds, plan.arcs,
                                                  plan.seconds)))
    return out


def _fixed_arcs(a: ItemArcs, w: np.ndarray, latest: int) -> _Net:
    """The arcs every round has: unmet → gap, gap → sink segments, supply → dump, unmet → dump."""
    n_src, n_snk = len(a.src_qty), len(a.demand)
    gap, unmet, dump = n_src + n_snk + np.arange(n_snk), n_src + 2 * n_snk, n_src + 2 * n_snk + 1
    unmet_cost = w * (latest + 1)
    cycle = 2 * min(n_src, n_snk) + 2
    big_m = int(unmet_cost.max(initial=1)) * cycle + 1
    base, extra = np.divmod(a.demand, SEGMENTS)
    seg_cap = base[:, None] + (np.arange(SEGMENTS)[None, :] < extra[:, None])
    seg_cost = w[:, None] * big_m * (2 * np.arange(SEGMENTS)[None, :] + 1)
    total = int(a.demand.sum())
    tails = np.concatenate([np.full(n_snk, unmet), np.repeat(gap, SEGMENTS), np.arange(n_src), [unmet]])
    heads = np.concatenate([gap, np.repeat(n_src + np.arange(n_snk), SEGMENTS), np.full(n_src, dump), [dump]])
    caps = np.concatenate([a.demand, seg_cap.ravel(), a.src_qty, [total]])
    c12 = np.concatenate([unmet_cost, seg_cost.ravel(), np.zeros(n_src + 1, np.int64)])
    supplies = np.concatenate([a.src_qty, -a.demand, np.zeros(n_snk, np.int64), [total, -int(a.src_qty.sum())]])
    return _Net(tails, heads, caps.astype(np.int64), c12.astype(np.int64), np.zeros(len(tails), np.int64),
                supplies.astype(np.int64), n_src + 2 * n_snk + 2)


def _start(a: ItemArcs, region_src: np.ndarray | None) -> np.ndarray:
    """The first candidate arcs: all of them for a small item; else each sink's quickest
    arcs until they hold ``START_COVER`` times its need (at least ``START_PER_SINK`` arcs),
    and every region-depot arc."""
    chosen = np.zeros(len(a.tail), bool)
    if len(a.tail) <= ALL_AT_ONCE:
        chosen[:] = True
    if chosen.all():
        return chosen
    order = np.lexsort((a.minutes, a.head))
    sorted_head = a.head[order]
    first = np.searchsorted(sorted_head, sorted_head, side="left")
    held = np.cumsum(a.src_qty[a.tail[order]])
    before = held - a.src_qty[a.tail[order]] - np.concatenate([[0], held])[first]
    keep = (np.arange(len(order)) - first < START_PER_SINK) | (before < START_COVER * a.demand[sorted_head])
    chosen[order[keep]] = True
    if region_src is not None:
        chosen |= region_src[a.tail]
    return chosen


def _lexicographic(net: _Net, priced: bool = True):
    """Tiers 1-2, then tier 3 on their optimal face; returns (solved, flow, pi12, pi3, tier-1-2 cost).

    Without ``priced`` (no arc left to price) the tier-3 potentials are not computed (zeros)."""
    ok, f12, cost12 = solver.flow_network(net.tails, net.heads, net.caps, net.c12, net.supplies)
    if not ok:
        zeros = np.zeros(net.nodes, np.int64)
        return False, f12, zeros, zeros, float("nan")
    pi12 = potentials(net.tails, net.heads, net.caps, net.c12, f12, net.nodes)
    rc = net.c12 + pi12[net.tails] - pi12[net.heads]
    full, free = rc < 0, rc == 0
    supplies = (net.supplies - np.bincount(net.tails[full], weights=net.caps[full], minlength=net.nodes)
                + np.bincount(net.heads[full], weights=net.caps[full], minlength=net.nodes)).astype(np.int64)
    ok, f3, _ = solver.flow_network(net.tails[free], net.heads[free], net.caps[free], net.c3[free], supplies)
    if not ok:
        return False, f12, pi12, np.zeros(net.nodes, np.int64), float(cost12)
    pi3 = potentials(net.tails[free], net.heads[free], net.caps[free], net.c3[free], f3, net.nodes) if priced \
        else np.zeros(net.nodes, np.int64)
    flow = np.where(full, net.caps, 0)
    flow[free] = f3
    return True, flow, pi12, pi3, float(cost12)


def potentials(tails, heads, caps, costs, flows, nodes: int) -> np.ndarray:
    """Node potentials of an optimal flow: shortest distances in its residual network from
    a root joined to every node at cost 0 (Bellman-Ford), so that every residual arc has a
    non-negative reduced cost ``cost + pi[tail] - pi[head]``. Raises ``ArithmeticError`` if
    the flow is not optimal (a negative cycle)."""
    fwd, bwd = flows < caps, flows > 0
    t = np.concatenate([tails[fwd], heads[bwd]])
    h = np.concatenate([heads[fwd], tails[bwd]])
    c = np.concatenate([costs[fwd], -costs[bwd]]).astype(np.int64)
    order = np.argsort(h, kind="stable")
    t, h, c = t[order], h[order], c[order]
    targets, starts = np.unique(h, return_index=True)
    dist = np.zeros(nodes, np.int64)
    for _ in range(nodes + 1):
        if not len(t):
            return dist
        best = np.minimum.reduceat(dist[t] + c, starts)
        improved = best < dist[targets]
        if not improved.any():
            return dist
        dist[targets[improved]] = best[improved]
    raise ArithmeticError("the flow is not optimal: its residual network has a negative cycle")
