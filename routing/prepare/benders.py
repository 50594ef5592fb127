"""Multi-cut L-shaped (Benders) decomposition of the preparation LP, scenarios solved in chunks.

The master holds the first stage (buys, moves, holdings) and one variable ``θ_s <= 1`` per
scenario standing for its fill. Each iteration solves every scenario's dispatch at the
master's holdings ``ĥ``; the duals ``π_s`` (marginal fill of a unit held) and ``σ_s``
(of a unit of need) give the optimality cut ``θ_s <= π_s·h + σ_s·need``, valid for every
``h`` by LP duality. The master's optimum is an upper bound on the LP, the best exact
value of an iterate a lower bound; the loop stops when they meet within the tolerance.

CVaR is supported in the master: ``η`` and ``u_s >= η - θ_s`` with the objective
``(1 - w)·Σ p_s θ_s + w·(η - Σ p_s u_s / share)``, which rises with every ``θ_s``, so the
same cuts bound it.

Scenarios are solved through ``map_fn(_chunk_task, tasks)``: each task is small (a key,
a list of scenario indices, the holdings), the scenario data stay in the module's
snapshot ``_SHARED``, registered before ``map_fn`` is called, so forked workers (and
``map`` in the same process) find them.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from relief.routing.prepare.stages import (FirstStage, SecondStage, cvar, first_moves, first_stage, priced_moves,
                                           solve_chunk)

CHUNK = 32            # scenarios per task
MAX_ITERATIONS = 200
_SHARED: dict[int, list[SecondStage]] = {}
_KEYS = itertools.count()


@dataclass(frozen=True)
class Evaluation:
    """Every scenario's fill at some holdings, with its cut: ``pi[s]`` on the held rows of
    scenario s, ``const[s]`` the need rows' dual value."""

    fills: np.ndarray
    pi: list[np.ndarray]
    const: np.ndarray


@dataclass(frozen=True)
class BendersOutcome:
    """The best first stage found (``first``, values of the columns of ``stage``), its exact
    value ``lower``, the master's bound ``upper``, the status and the number of iterations."""

    stage: FirstStage
    first: np.ndarray
    lower: float
    upper: float
    status: str
    iterations: int


def _chunk_task(task):
    """Solve one chunk of scenarios from the shared snapshot (module level: picklable)."""
    key, indices, held, duals = task
    return solve_chunk(_SHARED[key], indices, held, duals)


def evaluate(stages: list[SecondStage], held: np.ndarray, map_fn=map, duals: bool = True) -> Evaluation:
    """Every scenario's optimal fill (and cut) at flat holdings ``held`` (D*I), the
    scenarios solved in chunks of ``CHUNK`` through ``map_fn``. Raises ``RuntimeError``
    if HiGHS fails on a chunk (the dispatch LP is always feasible, so it should not)."""
    key = next(_KEYS)
    _SHARED[key] = stages
    try:
        chunks = [list(range(a, min(a + CHUNK, len(stages)))) for a in range(0, len(stages), CHUNK)]
        results = list(map_fn(_chunk_task, [(key, c, held, duals) for c in chunks]))
    finally:
        _SHARED.pop(key, None)
    fills = np.zeros(len(stages))
    pi: list[np.ndarray] = [np.zeros(0)] * len(stages)
    const = np.zeros(len(stages))
    for r in results:
        if not r.ok:
            raise RuntimeError("HiGHS failed on a scenario's dispatch")
        fills[r.indices] = r.fills
        const[r.indices] = r.const
        for s, v in zip(r.indices, r.pi):
            pi[s] = v
    return Evaluation(fills, pi, const)


def marginals(stages: list[SecondStage], ev: Evaluation, mix: np.ndarray, n_held: int) -> np.ndarray:
    """The objective's marginal value of one more unit held at each flat (depot, item):
    ``Σ_s mix_s π_s`` (``mix`` the scenarios' weights in the objective)."""
    rows = np.concatenate([st.held_rows for st in stages] + [np.zeros(0, np.int64)])
    vals = np.concatenate([mix[s] * ev.pi[s] for s in range(len(stages))] + [np.zeros(0)])
    return np.bincount(rows, weights=vals, minlength=n_held)


def objective(fills: np.ndarray, prob: np.ndarray, share: float, weight: float) -> float:
    """``(1 - weight)·E[fill] + weight·CVaR_share(fill)``."""
    mean = float(prob @ fills)
    return mean if weight == 0 else (1 - weight) * mean + weight * cvar(fills, prob, share)


def solve(problem, stages: list[SecondStage], prob: np.ndarray, share: float, weight: float, *,
          tolerance: float = 1e-4, time_limit: float | None = None, map_fn=map,
          max_iterations: int = MAX_ITERATIONS) -> BendersOutcome:
    """Solve the preparation LP of ``problem`` (validated) by multi-cut L-shaped decomposition.

    ``stages`` are its scenarios' second stages, ``prob`` their probabilities. Transfers
    enter the master by column generation (``stages.priced_moves``) alongside the cuts;
    the master's value counts as a bound only in a round where no transfer priced in. Returns a ``BendersOutcome``
    with status "optimal" (no cut violated, or bound and value within 1e-7), "within
    gap" (within ``tolerance``), "time limit" or "iteration limit"."""
    start = time.perf_counter()
    n_s = len(stages)
    use_cvar = weight > 0
    n_extra = n_s + (1 + n_s if use_cvar else 0)   # [θ | η | u] after the first stage
    c_extra = np.zeros(n_extra)
    c_extra[:n_s] = -(1 - weight) * prob
    b_extra = np.zeros((n_extra, 2))
    b_extra[:n_s, 1] = 1.0
    empty = np.array([st.empty for st in stages])
    b_extra[:n_s][empty, 0] = 1.0  # no need: fill 1
    unreached = np.array([not st.empty and not len(st.coef) for st in stages])
    b_extra[:n_s][unreached, 1] = 0.0  # need no depot reaches: fill 0
    if use_cvar:
        c_extra[n_s] = -weight
        c_extra[n_s + 1:] = weight * prob / share
        b_extra[n_s] = (-np.inf, np.inf)
        b_extra[n_s + 1:, 1] = np.inf
    # cuts: θ_s - π·held <= const, kept by held index so the first stage may grow
    cut_scen: list[int] = []
    cut_held: list[np.ndarray] = []
    cut_pi: list[np.ndarray] = []
    cut_rhs: list[float] = []

    def add_cuts(ev: Evaluation, theta: np.ndarray | None) -> int:
        added = 0
        for s, st in enumerate(stages):
            if st.empty or not len(st.coef):
                continue
            if theta is not None and theta[s] <= ev.fills[s] + 1e-9:
                continue
            keep = ev.pi[s] > 0
            cut_scen.append(s)
            cut_held.append(st.held_rows[keep])
            cut_pi.append(ev.pi[s][keep])
            cut_rhs.append(ev.const[s])
            added += 1
        return added

    def master(fs: FirstStage, options: dict):
        n1, off = fs.n, fs.n_buy + fs.n_move
        n = n1 + n_extra
        th = n1 + np.arange(n_s)
        c = np.concatenate([np.zeros(n1), c_extra])
        rows = [sp.hstack([fs.a_ub, sp.csr_matrix((fs.a_ub.shape[0], n_extra))], format="csr")]
        rhs = [fs.b_ub]
        if use_cvar:  # η - θ_s - u_s <= 0
            r = np.arange(n_s)
            rows.append(sp.csr_matrix(
                (np.concatenate([np.ones(n_s), -np.ones(n_s), -np.ones(n_s)]),
                 (np.concatenate([r, r, r]), np.concatenate([np.full(n_s, n1 + n_s), th, n1 + n_s + 1 + r]))),
                shape=(n_s, n)))
            rhs.append(np.zeros(n_s))
        if cut_rhs:
            sizes = np.array([len(h) for h in cut_held])
            k = np.arange(len(cut_rhs))
            rows.append(sp.csr_matrix(
                (np.concatenate([np.ones(len(k))] + [-v for v in cut_pi]),
                 (np.concatenate([k, np.repeat(k, sizes)]),
                  np.concatenate([th[cut_scen]] + [off + h for h in cut_held]))), shape=(len(k), n)))
            rhs.append(np.array(cut_rhs))
        a_eq = sp.hstack([fs.a_eq, sp.csr_matrix((fs.a_eq.shape[0], n_extra))], format="csr")
        # a scenario's weight and a unit's fill are both small: scaled so the largest
        # objective coefficient is one, HiGHS's absolute tolerances sit on the right scale
        scale = 1.0 / max(float(np.abs(c).max()), 1e-300)
        res = linprog(c * scale, A_ub=sp.vstack(rows, format="csr"), b_ub=np.concatenate(rhs), A_eq=a_eq,
                      b_eq=fs.b_eq, bounds=np.vstack([fs.bounds, b_extra]), method="highs", options=options)
        if res.status == 0:
            res.fun /= scale
            res.eqlin.marginals = res.eqlin.marginals / scale
            res.ineqlin.marginals = res.ineqlin.marginals / scale
        return res

    ids = first_moves(problem)
    fs = first_stage(problem, ids)
    best_fs, best = fs, np.zeros(fs.n)
    best[fs.n_buy + fs.n_move:] = fs.b_eq
    ev = evaluate(stages, fs.b_eq, map_fn)
    lower = objective(ev.fills, prob, share, weight)
    add_cuts(ev, None)
    upper, status, iteration = math.inf, "iteration limit", 0
    while iteration < max_iterations:
        iteration += 1
        options = {}
        if time_limit is not None:
            remaining = time_limit - (time.perf_counter() - start)
            if remaining <= 0:
                status = "time limit"
                break
            options = {"time_limit": remaining}
        res = master(fs, options)
        if res.status != 0:
            status = "time limit" if time_limit is not None else "iteration limit"
            break
        z, n1, off = res.x, fs.n, fs.n_buy + fs.n_move
        more = priced_moves(problem, fs, res.eqlin.marginals, res.ineqlin.marginals[:fs.a_ub.shape[0]])
        priced_out = not more.size
        if priced_out:  # optimal over every transfer: a bound
            upper = min(upper, -res.fun)
        ev = evaluate(stages, z[off:n1], map_fn)
        value = objective(ev.fills, prob, share, weight)
        if value > lower:
            lower, best, best_fs = value, z[:n1].copy(), fs
        if upper - lower <= 1e-7:
            status = "optimal"
            break
        if upper - lower <= tolerance:
            status = "within gap"
            break
        added = add_cuts(ev, z[n1:n1 + n_s])
        if not priced_out:  # the transfers the duals asked for, in for the next round
            ids = np.union1d(ids, more)
            fs = first_stage(problem, ids)
        elif added == 0:
            status = "optimal"
            break
    return BendersOutcome(best_fs, best, lower, upper, status, iteration)
