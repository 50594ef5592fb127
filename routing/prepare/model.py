"""What to buy and where to hold it: a two-stage stochastic LP over sampled scenarios.

First stage: units of each item to buy at each depot and transfers of existing stock
between depots, within the budget (unit prices plus yuan per tonne moved), each depot's
storage volume (never less than what it holds now) and its reserve floor. Second stage,
per scenario: the dispatch of the holdings to the sites that need relief, each depot
delivering only to the sites it reaches within the window. A scenario's fill is the
priority-weighted share of its need met; the objective is
``(1 - cvar_weight)·E[fill] + cvar_weight·CVaR_share(fill)`` (Rockafellar-Uryasev).

The LP is solved as one extensive form with HiGHS for up to ``extensive_limit``
scenarios, else by multi-cut L-shaped decomposition (``routing.prepare.benders``);
transfers enter both by column generation (``routing.prepare.stages``). The plan is
rounded to whole units (buys and moves down, then the budget left spent greedily
on the units of best marginal fill per yuan) and its value recomputed exactly on the
scenarios; the LP optimum is reported as the bound. Pure numpy/scipy: no database, no files.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from relief.errors import InvalidInput
from relief.routing.prepare import benders
from relief.routing.prepare.stages import (FirstStage, block, first_moves, first_stage, priced_moves, second_stage,
                                           tail_weights)

METHODS = ("auto", "extensive", "benders")
GREEDY_ROUNDS = 20
IPM_COLUMNS = 50_000  # from this many columns the extensive form is solved by the interior point method


@dataclass(frozen=True)
class ScenarioNeeds:
    """One sampled scenario: K sites needing relief, with probability ``probability``.

    ``need`` is K×I units needed, ``weight`` K priority weights (the value of a unit met
    at the site), ``reach`` D×K (a depot can deliver to a site within the window)."""

    probability: float
    sites: tuple[str, ...]
    need: np.ndarray
    weight: np.ndarray
    reach: np.ndarray


@dataclass(frozen=True)
class PrepareProblem:
    """The preparation problem: depots D, items I, what is held, what it costs, the scenarios.

    See the module docstring; ``transfer_cost`` is yuan per tonne from depot a to b
    (``np.inf`` where no transfer is allowed), ``floor`` the units each depot must keep,
    ``max_buy`` an optional D×I bound on units bought."""

    depots: tuple[str, ...]
    items: tuple[str, ...]
    stock: np.ndarray
    floor: np.ndarray
    price: np.ndarray
    volume: np.ndarray
    tonnes: np.ndarray
    capacity: np.ndarray
    transfer_cost: np.ndarray
    budget: float
    scenarios: tuple[ScenarioNeeds, ...]
    max_buy: np.ndarray | None = None


@dataclass(frozen=True)
class PrepareResult:
    """A whole-unit plan, its exact value on the scenarios, the LP bound and how it was found."""

    buy: np.ndarray
    moves: tuple[tuple[int, int, int, int], ...]
    value: float
    bound: float
    gap: float
    rounding_loss: float
    method: str
    iterations: int
    spent: float
    seconds: float
    status: str


def _bad(message: str, option: str | None = None, field: str | None = None) -> InvalidInput:
    return InvalidInput(message, option=option, field=field)


def _shape(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape != shape:
        raise _bad(f"{name} must have shape {shape}, got {arr.shape}", field=name)
    if np.isnan(arr).any():
        raise _bad(f"{name} must not contain NaN", field=name)
    return arr


def validate(problem: PrepareProblem, cvar_share: float | None = None, cvar_weight: float = 0.0,
             method: str = "auto") -> PrepareProblem:
    """Check ``problem`` and the options; returns the problem with float arrays.

    Raises ``InvalidInput`` (``option`` "budget", "cvar" or "method" for those settings,
    ``field`` naming the array otherwise) when the budget is not a finite positive number,
    ``cvar_share`` is not in (0, 1], ``cvar_weight`` not in [0, 1], the method unknown,
    shapes disagree, a quantity is negative or the probabilities do not sum to 1."""
    if method not in METHODS:
        raise _bad(f"method must be one of {', '.join(METHODS)}, got {method!r}", option="method")
    if not (isinstance(cvar_weight, (int, float)) and 0.0 <= cvar_weight <= 1.0):
        raise _bad(f"cvar weight must be between 0 and 1, got {cvar_weight!r}", option="cvar")
    if cvar_share is not None and not (isinstance(cvar_share, (int, float)) and 0.0 < cvar_share <= 1.0):
        raise _bad(f"cvar share must be greater than 0 and at most 1, got {cvar_share!r}", option="cvar")
    try:
        budget = float(problem.budget)
    except (TypeError, ValueError):
        raise _bad(f"budget must be a number of yuan greater than 0, got {problem.budget!r}", option="budget")
    if not math.isfinite(budget) or budget <= 0:
        raise _bad(f"budget must be a finite number of yuan greater than 0, got {problem.budget!r}",
                   option="budget")
    n_dep, n_item = len(problem.depots), len(problem.items)
    if n_dep == 0 or n_item == 0:
        raise _bad("a problem needs at least one depot and one item", field="depots")
    arrays = {}
    for name, shape in (("stock", (n_dep, n_item)), ("floor", (n_dep, n_item)), ("price", (n_item,)),
                        ("volume", (n_item,)), ("tonnes", (n_item,)), ("capacity", (n_dep,)),
                        ("transfer_cost", (n_dep, n_dep))):
        arrays[name] = _shape(name, getattr(problem, name), shape)
        if (arrays[name] < 0).any():
            raise _bad(f"{name} must not be negative", field=name)
    for name in ("stock", "floor", "price", "volume", "tonnes", "capacity"):
        if not np.isfinite(arrays[name]).all():
            raise _bad(f"{name} must be finite", field=name)
    max_buy = None
    if problem.max_buy is not None:
        max_buy = _shape("max_buy", problem.max_buy, (n_dep, n_item))
        if (max_buy < 0).any():
            raise _bad("max_buy must not be negative", field="max_buy")
    if not problem.scenarios:
        raise _bad("a problem needs at least one scenario", field="scenarios")
    scenarios = []
    for s, sc in enumerate(problem.scenarios):
        n_site = len(sc.sites)
        need = _shape(f"need of scenario {s}", sc.need, (n_site, n_item))
        weight = _shape(f"weight of scenario {s}", sc.weight, (n_site,))
        reach = np.asarray(sc.reach, dtype=bool)
        if reach.shape != (n_dep, n_site):
            raise _bad(f"reach of scenario {s} must have shape {(n_dep, n_site)}, got {reach.shape}",
                       field="reach")
        if (need < 0).any() or not np.isfinite(need).all():
            raise _bad(f"need of scenario {s} must be finite and not negative", field="need")
        if (weight <= 0).any() or not np.isfinite(weight).all():
            raise _bad(f"weight of scenario {s} must be finite and greater than 0", field="weight")
        if not (sc.probability > 0 and math.isfinite(sc.probability)):
            raise _bad(f"probability of scenario {s} must be greater than 0, got {sc.probability!r}",
                       field="probability")
        scenarios.append(ScenarioNeeds(float(sc.probability), tuple(sc.sites), need, weight, reach))
    total = sum(sc.probability for sc in scenarios)
    if abs(total - 1.0) > 1e-6:
        raise _bad(f"scenario probabilities must sum to 1, got {total:.6g}", field="probability")
    return PrepareProblem(tuple(problem.depots), tuple(problem.items), budget=budget,
                          scenarios=tuple(scenarios), max_buy=max_buy, **arrays)


def fill(problem: PrepareProblem, held: np.ndarray, *, map_fn=map) -> np.ndarray:
    """Per scenario, the optimal second-stage fill (0..1) when the depots hold ``held`` (D×I).

    Exact on the problem's scenarios, so any policy's holdings can be scored with it.
    Raises ``InvalidInput`` if the problem or ``held``'s shape is invalid."""
    p = validate(problem)
    held = _shape("held", held, p.stock.shape)
    stages = [second_stage(sc, len(p.items)) for sc in p.scenarios]
    return benders.evaluate(stages, held.ravel(), map_fn, duals=False).fills


def solve(problem: PrepareProblem, *, cvar_share: float | None = None, cvar_weight: float = 0.0,
          method: str = "auto", extensive_limit: int = 300, tolerance: float = 1e-4,
          time_limit: float | None = None, map_fn=map) -> PrepareResult:
    """The whole-unit preparation plan of ``problem`` that maximises the (CVaR-mixed) expected fill.

    ``cvar_weight`` (0..1) weighs the expected fill over the worst ``cvar_share`` of
    scenarios (0.1 when not given; ignored when the weight is 0). ``method`` is
    "extensive", "benders" or "auto" (extensive up to ``extensive_limit`` scenarios);
    Benders stops when its bound and best value are within ``tolerance`` (fill units),
    at ``time_limit`` seconds or its iteration limit, and solves scenarios through
    ``map_fn(fn, chunks)``. Returns a ``PrepareResult``. Raises ``InvalidInput`` for
    bad options or data (see ``validate``)."""
    start = time.perf_counter()
    p = validate(problem, cvar_share, cvar_weight, method)
    share = 0.1 if cvar_share is None else float(cvar_share)
    weight = float(cvar_weight)
    if method == "auto":
        method = "extensive" if len(p.scenarios) <= extensive_limit else "benders"
    stages = [second_stage(sc, len(p.items)) for sc in p.scenarios]
    prob = np.array([sc.probability for sc in p.scenarios])
    if method == "extensive":
        fs, z, lp_value, bound, status, _ = _extensive(p, stages, prob, share, weight, time_limit)
        iterations = 1
    else:
        out = benders.solve(p, stages, prob, share, weight, tolerance=tolerance,
                            time_limit=time_limit, map_fn=map_fn)
        fs, z, lp_value, bound, status = out.stage, out.first, out.lower, out.upper, out.status
        iterations = out.iterations
    buy, moves, spent, value = _round(p, fs, stages, prob, share, weight, z, map_fn, start, time_limit)
    return PrepareResult(buy=buy, moves=moves, value=value, bound=bound, gap=max(bound - value, 0.0),
                         rounding_loss=0.0 if lp_value is None else lp_value - value, method=method,
                         iterations=iterations,
                         spent=spent, seconds=time.perf_counter() - start, status=status)


def _extensive(p, stages, prob, share, weight, time_limit):
    """Solve the extensive form, transfers priced in by column generation (``stages.priced_moves``).

    Returns (first stage, its values, LP value or None, bound, status, rounds)."""
    started = time.perf_counter()
    ids, rounds = first_moves(p), 0
    while True:
        rounds += 1
        fs = first_stage(p, ids)
        options = {}
        if time_limit is not None:
            options = {"time_limit": max(time_limit - (time.perf_counter() - started), 1e-3)}
        res, const = _extensive_lp(fs, stages, prob, share, weight, options)
        if res.status != 0:
            break
        n_ub = fs.a_ub.shape[0]
        more = priced_moves(p, fs, res.eqlin.marginals[:fs.n_held], res.ineqlin.marginals[:n_ub])
        if not more.size:
            value = -res.fun + const
            return fs, res.x[:fs.n], value, value, "optimal", rounds
        ids = np.union1d(ids, more)
    timed_out = time_limit is not None and time.perf_counter() - started >= 0.95 * time_limit
    status = "time limit" if timed_out else "iteration limit"
    # stopped before a proof: no bound, and no LP value to measure the rounding against
    if res.x is not None:
        return fs, res.x[:fs.n], None, math.inf, status, rounds
    z = np.zeros(fs.n)
    z[fs.n_buy + fs.n_move:] = fs.b_eq
    return fs, z, None, math.inf, status, rounds


def _extensive_lp(fs: FirstStage, stages, prob, share, weight, options):
    """One HiGHS solve of the extensive form over the first stage ``fs``; returns (result, constant)."""
    n1, off = fs.n, fs.n_buy + fs.n_move
    live = [s for s, st in enumerate(stages) if not st.empty and len(st.coef)]
    sizes = np.array([len(stages[s].coef) for s in live], dtype=np.int64)
    nx = int(sizes.sum())
    n_s = len(stages)
    use_cvar = weight > 0
    n = n1 + nx + (1 + n_s if use_cvar else 0)
    c = np.zeros(n)
    const = sum((1 - weight) * prob[s] for s, st in enumerate(stages) if st.empty)
    col0 = n1 + np.concatenate([[0], np.cumsum(sizes)[:-1]]) if live else np.zeros(0, np.int64)
    held_blocks, need_blocks, held_cols, need_rhs, cvar_rows = [], [], [], [], []
    for j, s in enumerate(live):
        st = stages[s]
        c[col0[j]:col0[j] + sizes[j]] = -(1 - weight) * prob[s] * st.coef
        a_h, a_n = block(st)
        held_blocks.append(a_h)
        need_blocks.append(a_n)
        held_cols.append(off + st.held_rows)
        need_rhs.append(st.need_rhs)
    n_held_rows = sum(len(h) for h in held_cols)
    pad = lambda m, left, right: sp.hstack([sp.csr_matrix((m.shape[0], left)), m,  # noqa: E731
                                            sp.csr_matrix((m.shape[0], right))], format="csr")
    tail = 1 + n_s if use_cvar else 0
    blocks_ub = [pad(fs.a_ub, 0, nx + tail)]
    rhs_ub = [fs.b_ub]
    if live:
        hc = np.concatenate(held_cols)
        a_h = sp.hstack([sp.csr_matrix((-np.ones(n_held_rows), (np.arange(n_held_rows), hc)),
                                       shape=(n_held_rows, n1)),
                         sp.block_diag(held_blocks, format="csr"), sp.csr_matrix((n_held_rows, tail))],
                        format="csr")
        a_n = sp.block_diag(need_blocks, format="csr")
        blocks_ub += [a_h, pad(a_n, n1, tail)]
        rhs_ub += [np.zeros(n_held_rows), np.concatenate(need_rhs)]
    bounds = [fs.bounds, np.column_stack([np.zeros(nx), np.full(nx, np.inf)])]
    if use_cvar:
        eta, u0 = n1 + nx, n1 + nx + 1
        c[eta] = -weight
        c[u0:u0 + n_s] = weight * prob / share
        # eta - fill_s - u_s <= 0 ; fill_s = coef·x_s (1 for a scenario with no need)
        rows, cols, vals = [np.arange(n_s), np.arange(n_s)], [np.full(n_s, eta), u0 + np.arange(n_s)], \
            [np.ones(n_s), -np.ones(n_s)]
        for j, s in enumerate(live):
            rows.append(np.full(sizes[j], s))
            cols.append(col0[j] + np.arange(sizes[j]))
            vals.append(-stages[s].coef)
        a_c = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_s, n))
        blocks_ub.append(a_c)
        rhs_ub.append(np.array([1.0 if st.empty else 0.0 for st in stages]))
        bounds += [np.array([[-np.inf, np.inf]]), np.column_stack([np.zeros(n_s), np.full(n_s, np.inf)])]
    a_eq = pad(fs.a_eq, 0, nx + tail)
    # dual simplex stalls on large forms with many transfer columns; the interior point
    # method (with crossover, so the plan is a vertex and the duals exact) does not
    # fills per unit are tiny (a unit of a scenario's whole need): scaled so the largest
    # objective coefficient is one, HiGHS's tolerances bite on the right scale
    scale = 1.0 / max(float(np.abs(c).max()), 1e-300) if c.any() else 1.0
    res = linprog(c * scale, A_ub=sp.vstack(blocks_ub, format="csr"), b_ub=np.concatenate(rhs_ub), A_eq=a_eq,
                  b_eq=fs.b_eq, bounds=np.vstack(bounds), options=options,
                  method="highs-ipm" if n > IPM_COLUMNS else "highs")
    if res.status == 0:
        res.fun /= scale
        res.eqlin.marginals = res.eqlin.marginals / scale
        res.ineqlin.marginals = res.ineqlin.marginals / scale
    return res, const


def _round(p, fs: FirstStage, stages, prob, share, weight, z, map_fn, start, time_limit):
    """Whole units from the LP's first stage ``z``: floor, repair, then greedy top-up.

    Returns (buy D×I, moves, yuan spent, exact objective)."""
    n_dep, n_item = p.stock.shape
    nb, nm = fs.n_buy, fs.n_move
    cols = np.floor(np.maximum(z[:nb + nm], 0.0) + 1e-6)
    cols = np.minimum(cols, np.floor(fs.bounds[:nb + nm, 1] + 1e-9))
    movable = np.floor(np.maximum(p.stock - p.floor, 0.0) + 1e-9).ravel()
    src = fs.move_from * n_item + fs.move_item
    dst = fs.move_to * n_item + fs.move_item
    frac = np.maximum(z[:nb + nm], 0.0) - cols
    # keep each depot's out within what it may send
    sent = np.bincount(src, weights=cols[nb:], minlength=n_dep * n_item) if nm else np.zeros(n_dep * n_item)
    for key in np.flatnonzero(sent > movable + 1e-9):
        sel = np.flatnonzero(src == key)
        excess = cols[nb + sel].sum() - movable[key]
        for j in sel[np.argsort(frac[nb + sel])]:
            if excess <= 0:
                break
            cut = min(excess, cols[nb + j])
            cols[nb + j] -= cut
            excess -= cut
    vol = np.tile(p.volume, n_dep)
    allow = np.maximum(p.capacity, p.stock @ p.volume)

    def held_of(v):
        h = p.stock.ravel().astype(float).copy()
        np.add.at(h, fs.buy_idx, v[:nb])
        np.add.at(h, dst, v[nb:])
        np.subtract.at(h, src, v[nb:])
        return h

    def depot_volume(h):
        return (h * vol).reshape(n_dep, n_item).sum(axis=1)

    # budget: floors only lower spending, but guard the nudge above
    while fs.cost @ cols > p.budget + 1e-9:
        j = int(np.argmax(np.where(cols > 0, fs.cost, -1)))
        cols[j] -= 1
    # capacity: flooring a depot's outgoing moves can leave it holding more than the LP did
    # buys at the depot go first, then its incoming moves (which return the units to their
    # source, so the check runs again until no depot is over; units only ever decrease)
    held = held_of(cols)
    item_of = np.concatenate([fs.buy_idx % n_item, fs.move_item])
    to_of = np.concatenate([fs.buy_idx // n_item, fs.move_to])
    while (over_d := np.flatnonzero(depot_volume(held) > allow + 1e-9)).size:
        d = over_d[0]
        over = depot_volume(held)[d] - allow[d]
        incoming = np.flatnonzero((to_of == d) & (cols > 0))
        if not incoming.size:
            break  # holding no more than now: within its allowance up to rounding noise
        incoming = incoming[np.lexsort((-p.volume[item_of[incoming]], incoming >= nb))]
        for j in incoming:
            while over > 1e-9 and cols[j] > 0:
                cols[j] -= 1
                over -= p.volume[item_of[j]]
        held = held_of(cols)
    ev = benders.evaluate(stages, held, map_fn, duals=True)
    value = benders.objective(ev.fills, prob, share, weight)
    for _ in range(GREEDY_ROUNDS):
        if time_limit is not None and time.perf_counter() - start > time_limit:
            break
        left = p.budget - fs.cost @ cols
        mix = (1 - weight) * prob + (weight * tail_weights(ev.fills, prob, share) if weight else 0)
        mu = benders.marginals(stages, ev, mix, n_dep * n_item)
        gain = np.concatenate([mu[fs.buy_idx], mu[dst] - mu[src]])
        can = (fs.cost <= left + 1e-9) & (gain > 1e-12) & (cols + 1 <= fs.bounds[:nb + nm, 1] + 1e-9)
        can[nb:] &= frac[nb:] > 1e-6  # only moves the LP made in part
        if not can.any():
            break
        ratio = np.where(can, gain / np.maximum(fs.cost, 1e-9), -np.inf)
        trial = cols.copy()
        touched, room, spend = set(), allow - depot_volume(held), 0.0
        sent = np.bincount(src, weights=trial[nb:], minlength=n_dep * n_item) if nm else np.zeros(n_dep * n_item)
        for j in np.argsort(-ratio):
            if not np.isfinite(ratio[j]):
                break
            key_to = fs.buy_idx[j] if j < nb else dst[j - nb]
            key_from = None if j < nb else src[j - nb]
            d_to = key_to // n_item
            if key_to in touched or fs.cost[j] > left - spend + 1e-9 or p.volume[key_to % n_item] > room[d_to] + 1e-9:
                continue
            if key_from is not None and (key_from in touched or sent[key_from] + 1 > movable[key_from]):
                continue
            trial[j] += 1
            spend += fs.cost[j]
            room[d_to] -= p.volume[key_to % n_item]
            touched.add(key_to)
            if key_from is not None:
                touched.add(key_from)
                sent[key_from] += 1
                room[key_from // n_item] += p.volume[key_to % n_item]
        if not touched:
            break
        t_held = held_of(trial)
        t_ev = benders.evaluate(stages, t_held, map_fn, duals=True)
        t_value = benders.objective(t_ev.fills, prob, share, weight)
        if t_value < value - 1e-12:
            break
        cols, held, ev, value = trial, t_held, t_ev, t_value
    buy = np.zeros(n_dep * n_item)
    buy[fs.buy_idx] = cols[:nb]
    moved = np.flatnonzero(cols[nb:] > 0)
    moves = tuple((int(fs.move_from[j]), int(fs.move_to[j]), int(fs.move_item[j]), int(cols[nb + j]))
                  for j in moved)
    return buy.reshape(n_dep, n_item).astype(np.int64), moves, float(fs.cost @ cols), value
