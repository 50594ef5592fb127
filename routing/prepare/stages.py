"""The two stages of the preparation model as sparse matrices, built from arrays.

First stage (shared by the extensive form and the Benders master): columns
``[buy | moves | held]`` with

* ``held_di - buy_di - Σ_a move_adi + Σ_b move_dbi = stock_di`` (one row per depot and item),
* ``Σ_b move_dbi <= stock_di - floor_di`` (the column bounds cannot say it: one row per
  depot and item that can send),
* ``Σ price·buy + Σ transfer_cost·tonnes·move <= budget`` (written as a share of the budget),
* ``Σ_i volume_i·held_di <= max(capacity_d, volume held now)``.

Second stage of one scenario: a column per delivery ``x_dki`` (depot d reaches site k
and k needs item i) with ``Σ_k x_dki <= held_di`` and ``Σ_d x_dki <= need_ki``; its
value is the scenario's fill ``Σ c_k x_dki`` with ``c_k = weight_k / Σ_k weight_k Σ_i need_ki``.
Scenarios are solved together as one block-diagonal LP (each block's optimum and duals
are those of its scenario alone), so a chunk of scenarios costs one HiGHS call.

Transfers are many (every allowed pair of depots, every item above its floor): on a large
network the LP starts from the cheapest few sources of each depot and item
(``first_moves``) and the others are priced from the duals and added while any would
improve it (``priced_moves``), so the optimum is over all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

START_SOURCES = 3      # cheapest sources per depot and item in the first round of transfers
ALL_MOVES = 20_000     # below this many allowed transfers, all are in from the start
ADD_MOVES = 2_000      # at most this many transfers priced in per round


@dataclass(frozen=True)
class FirstStage:
    """The first-stage columns and rows of a problem (see the module docstring)."""

    n_buy: int
    n_move: int
    n_held: int
    buy_idx: np.ndarray        # flat d*I+i of each buy column
    move_from: np.ndarray
    move_to: np.ndarray
    move_item: np.ndarray
    cost: np.ndarray           # yuan per unit of each buy and move column
    bounds: np.ndarray         # (n, 2) column bounds of [buy | moves | held]
    a_eq: sp.csr_matrix
    b_eq: np.ndarray
    a_ub: sp.csr_matrix
    b_ub: np.ndarray
    move_ids: np.ndarray       # index of each move column in ``move_candidates``
    senders: np.ndarray        # flat d*I+i of each out row

    @property
    def n(self) -> int:
        return self.n_buy + self.n_move + self.n_held


def move_candidates(problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every allowed transfer (from depot, to depot, item): a finite cost and stock above the floor."""
    n_dep = problem.stock.shape[0]
    movable = np.maximum(problem.stock - problem.floor, 0.0)
    allowed = np.isfinite(problem.transfer_cost) & ~np.eye(n_dep, dtype=bool)
    mask = allowed[:, :, None] & (movable > 0)[:, None, :]
    return tuple(a.astype(np.int64) for a in np.nonzero(mask))


def first_moves(problem, per_destination: int | None = None, all_below: int | None = None) -> np.ndarray:
    """The transfers to start from: all of them when fewer than ``all_below``, else for each
    depot and item the ``per_destination`` cheapest sources (the rest priced in later)."""
    per_destination = START_SOURCES if per_destination is None else per_destination
    src, dst, item = move_candidates(problem)
    if len(src) < (ALL_MOVES if all_below is None else all_below):
        return np.arange(len(src))
    key = dst * problem.stock.shape[1] + item
    order = np.lexsort((problem.transfer_cost[src, dst], key))
    first = np.concatenate([[True], key[order][1:] != key[order][:-1]])
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    return np.sort(order[np.arange(len(order)) - start < per_destination])


def first_stage(problem, moves: np.ndarray | None = None) -> FirstStage:
    """The first-stage matrices of ``problem`` (a validated ``PrepareProblem``), with the
    transfers ``moves`` (indices into ``move_candidates``; all when None)."""
    p = problem
    n_dep, n_item = p.stock.shape
    n_held = n_dep * n_item
    max_buy = np.full((n_dep, n_item), np.inf) if p.max_buy is None else np.asarray(p.max_buy, float)
    buy_idx = np.flatnonzero(max_buy.ravel() > 0)
    movable = np.maximum(p.stock - p.floor, 0.0)
    all_from, all_to, all_item = move_candidates(p)
    move_ids = np.arange(len(all_from)) if moves is None else np.asarray(moves, dtype=np.int64)
    move_from, move_to, move_item = all_from[move_ids], all_to[move_ids], all_item[move_ids]
    n_buy, n_move = len(buy_idx), len(move_from)
    cost = np.concatenate([
        p.price[buy_idx % n_item],
        p.transfer_cost[move_from, move_to] * p.tonnes[move_item]])
    bounds = np.zeros((n_buy + n_move + n_held, 2))
    bounds[:n_buy, 1] = max_buy.ravel()[buy_idx]
    bounds[n_buy:, 1] = np.inf
    # balance rows: held - buy - in + out = stock
    src = move_from * n_item + move_item
    dst = move_to * n_item + move_item
    rows = np.concatenate([np.arange(n_held), buy_idx, dst, src])
    cols = np.concatenate([n_buy + n_move + np.arange(n_held), np.arange(n_buy),
                           n_buy + np.arange(n_move), n_buy + np.arange(n_move)])
    vals = np.concatenate([np.ones(n_held), -np.ones(n_buy), -np.ones(n_move), np.ones(n_move)])
    n = n_buy + n_move + n_held
    a_eq = sp.csr_matrix((vals, (rows, cols)), shape=(n_held, n))
    b_eq = p.stock.ravel().astype(float)
    # out rows, one per (depot, item) that may send (whether or not a transfer of it is in yet)
    senders = np.unique(all_from * n_item + all_item)
    out_row = np.searchsorted(senders, src)
    a_out = sp.csr_matrix((np.ones(n_move), (out_row, n_buy + np.arange(n_move))), shape=(len(senders), n))
    b_out = movable.ravel()[senders]
    # the budget row as a share of the budget (yuan are millions, fills below one: HiGHS
    # converges far better with both near one)
    a_budget = sp.csr_matrix((cost / p.budget, (np.zeros(n_buy + n_move, dtype=np.int64), np.arange(n_buy + n_move))),
                             shape=(1, n))
    held_cols = n_buy + n_move + np.arange(n_held)
    a_cap = sp.csr_matrix((np.tile(p.volume, n_dep), (np.repeat(np.arange(n_dep), n_item), held_cols)),
                          shape=(n_dep, n))
    b_cap = np.maximum(p.capacity, p.stock @ p.volume)
    a_ub = sp.vstack([a_out, a_budget, a_cap], format="csr")
    b_ub = np.concatenate([b_out, [1.0], b_cap])
    return FirstStage(n_buy, n_move, n_held, buy_idx, move_from, move_to, move_item, cost, bounds,
                      a_eq, b_eq, a_ub, b_ub, move_ids, senders)


def priced_moves(problem, fs: FirstStage, y_eq: np.ndarray, y_ub: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Transfers not in ``fs`` worth adding: those whose reduced cost, from the LP's duals
    ``y_eq`` (balance rows) and ``y_ub`` (the first stage's inequality rows, in order), is
    negative (for the minimisation HiGHS solves), at most ``limit``, most negative first.
    Returns indices into ``move_candidates``; empty when the LP is optimal over them all."""
    n_item = problem.stock.shape[1]
    src, dst, item = move_candidates(problem)
    a_key, b_key = src * n_item + item, dst * n_item + item
    cost = problem.transfer_cost[src, dst] * problem.tonnes[item]
    n_out = len(fs.senders)
    reduced = -(y_eq[a_key] - y_eq[b_key] + y_ub[np.searchsorted(fs.senders, a_key)]
                + y_ub[n_out] * cost / problem.budget)
    reduced[fs.move_ids] = 0.0
    out = np.flatnonzero(reduced < -1e-9)
    return out[np.argsort(reduced[out])[:ADD_MOVES if limit is None else limit]]


@dataclass(frozen=True)
class SecondStage:
    """One scenario's deliveries: columns ``x`` of (depot, site, item) with value ``coef``,
    its held rows (flat depot*I+item indices ``held_rows``) and need rows (``need_rhs``)."""

    depot: np.ndarray
    site: np.ndarray
    item: np.ndarray
    coef: np.ndarray
    held_rows: np.ndarray      # flat d*I+i of each held row
    held_of_x: np.ndarray      # held row of each column
    need_rhs: np.ndarray
    need_of_x: np.ndarray      # need row of each column
    empty: bool                # no need at all: fill is 1


def second_stage(scenario, n_item: int) -> SecondStage:
    """The second-stage columns and rows of one ``ScenarioNeeds``."""
    need = np.asarray(scenario.need, float)
    weight = np.asarray(scenario.weight, float)
    total = float(weight @ need.sum(axis=1))
    mask = np.asarray(scenario.reach, bool)[:, :, None] & (need > 0)[None, :, :]
    d, k, i = (a.astype(np.int64) for a in np.nonzero(mask))
    if total <= 0:
        e = np.zeros(0, np.int64)
        return SecondStage(e, e, e, np.zeros(0), e, e, np.zeros(0), e, True)
    held_flat = d * n_item + i
    held_rows, held_of_x = np.unique(held_flat, return_inverse=True)
    need_flat = k * n_item + i
    need_keys, need_of_x = np.unique(need_flat, return_inverse=True)
    need_rhs = need.ravel()[need_keys]
    return SecondStage(d, k, i, weight[k] / total, held_rows, held_of_x, need_rhs, need_of_x, False)


def block(stage: SecondStage) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The held rows and need rows of one scenario over its own columns."""
    n = len(stage.coef)
    cols = np.arange(n)
    a_held = sp.csr_matrix((np.ones(n), (stage.held_of_x, cols)), shape=(len(stage.held_rows), n))
    a_need = sp.csr_matrix((np.ones(n), (stage.need_of_x, cols)), shape=(len(stage.need_rhs), n))
    return a_held, a_need


@dataclass(frozen=True)
class ChunkResult:
    """Fills and duals of a chunk of scenarios at given holdings.

    ``fills[j]`` is scenario ``indices[j]``'s optimal fill; ``pi[j]`` the marginal fill
    of one more unit held on each of its held rows (>= 0) and ``const[j]`` the need
    rows' dual value, so that ``fill_s(h) <= pi[j] · h[held_rows] + const[j]`` for any h."""

    indices: list[int]
    fills: np.ndarray
    pi: list[np.ndarray]
    const: np.ndarray
    ok: bool


def solve_chunk(stages: list[SecondStage], indices: list[int], held: np.ndarray,
                duals: bool = True) -> ChunkResult:
    """Solve the second stages ``stages[s]`` for ``s`` in ``indices`` at holdings ``held``
    (flat D*I) as one block-diagonal LP; returns their fills (and duals)."""
    parts = [stages[s] for s in indices]
    live = [j for j, st in enumerate(parts) if not st.empty and len(st.coef)]
    fills = np.array([1.0 if st.empty else 0.0 for st in parts])
    pi = [np.zeros(len(st.held_rows)) for st in parts]
    const = fills.copy()
    if not live:
        return ChunkResult(list(indices), fills, pi, const, True)
    helds, needs, c, rhs_h, rhs_n = [], [], [], [], []
    for j in live:
        st = parts[j]
        a_h, a_n = block(st)
        helds.append(a_h)
        needs.append(a_n)
        c.append(st.coef)
        rhs_h.append(np.maximum(held[st.held_rows], 0.0))
        rhs_n.append(st.need_rhs)
    a_ub = sp.vstack([sp.block_diag(helds, format="csr"), sp.block_diag(needs, format="csr")], format="csr")
    b_ub = np.concatenate(rhs_h + rhs_n)
    cc = np.concatenate(c)
    # each block scaled so its largest coefficient is one (a unit is a tiny share of a
    # scenario's need; HiGHS's tolerances are absolute)
    block_scale = np.array([1.0 / ci.max() for ci in c])
    sizes = np.array([len(ci) for ci in c])
    res = linprog(-cc * np.repeat(block_scale, sizes), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    if res.status != 0:
        return ChunkResult(list(indices), fills, pi, const, False)
    x = res.x
    owner = np.repeat(np.arange(len(live)), sizes)
    value = np.bincount(owner, weights=cc * x, minlength=len(live))
    n_h = [len(parts[j].held_rows) for j in live]
    n_n = [len(parts[j].need_rhs) for j in live]
    live_of_row = np.concatenate([np.repeat(np.arange(len(live)), n_h), np.repeat(np.arange(len(live)), n_n)])
    marg = -res.ineqlin.marginals / block_scale[live_of_row]
    dual_h = np.split(marg[:sum(n_h)], np.cumsum(n_h)[:-1])
    dual_n = np.split(marg[sum(n_h):], np.cumsum(n_n)[:-1])
    for pos, j in enumerate(live):
        fills[j] = min(max(value[pos], 0.0), 1.0)
        if duals:
            pi[j] = np.maximum(dual_h[pos], 0.0)
            const[j] = float(np.maximum(dual_n[pos], 0.0) @ parts[j].need_rhs)
    return ChunkResult(list(indices), fills, pi, const, True)


def cvar(fills: np.ndarray, prob: np.ndarray, share: float) -> float:
    """The expected fill over the worst ``share`` of scenarios by probability (the last
    scenario taken in part), i.e. CVaR of the fill distribution at level ``share``."""
    order = np.argsort(fills, kind="stable")
    f, p = fills[order], prob[order]
    before = np.concatenate([[0.0], np.cumsum(p)[:-1]])
    take = np.clip(share - before, 0.0, p)
    return float(take @ f / share)


def tail_weights(fills: np.ndarray, prob: np.ndarray, share: float) -> np.ndarray:
    """The probability weights (summing to 1) that ``cvar`` puts on each scenario."""
    order = np.argsort(fills, kind="stable")
    p = prob[order]
    before = np.concatenate([[0.0], np.cumsum(p)[:-1]])
    out = np.zeros(len(fills))
    out[order] = np.clip(share - before, 0.0, p) / share
    return out
