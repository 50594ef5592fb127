"""``prepare``: what to buy, where to hold it and what to move, for a budget, checked out of sample.

The service reads the live books once (depots with their storage volume, available stock,
reserve norms, the catalogue, unit prices), samples scenarios as batch drills do, turns
each into the needs the optimiser weighs, calls ``routing.prepare.model.solve`` and then
measures the recommendation on a fresh batch beside today's stock and two rules of thumb
(``routing.prepare.validate``).

How a scenario becomes ``ScenarioNeeds``:

* sites are the incidents ``hazards.affected`` creates (one per affected county), need the
  units of each catalogue item they ask for (the region's need norms);
* weights are the dispatch plan's priority weights (``PRIORITY_WEIGHT``: 8, 4, 2, 1 for
  priorities 1-4), so that the fill is the same priority-weighted share a dispatch plan puts
  first;
* a depot reaches a site when a supply truck would arrive within the window: the travel
  model of dispatch (great-circle distance to the site, lengthened by the spread of the
  site's people, times the county's circuity, at the plan's road speed, plus the 30 minutes
  of depot handling; supplies wait for no team);
* every scenario has probability 1/n.

The floor a depot keeps when it sends stock to another is its reserve-norm minimum, or what
it holds when it holds less (a depot below its norm sends nothing). Items without a unit
price in ``prices.csv`` are not bought (they may still be moved). Transfers cost the road
kilometres between the two depots (great-circle times the destination county's circuity)
times the ``TRANSPORT`` rate of ``prices.csv`` (yuan per tonne-km) times the tonnes moved.
Nothing is written to the database.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from relief.depot import datafiles, db
from relief.errors import InvalidInput
from relief.routing import books, parallel
from relief.routing.core import travel
from relief.routing.core.problem import PRIORITY_WEIGHT
from relief.routing.core.windows import duration_minutes
from relief.routing.drills import hazards, sampling
from relief.routing.drills import run as drills
from relief.routing.prepare import model
from relief.routing.prepare import validate as rules

HAZARDS = ("earthquake", "blizzard", "flood", sampling.ALL)
DEFAULT_SEED = 1
CVAR_WEIGHT = 0.5  # with a CVaR share, the objective is half the mean fill and half the worst share's


@dataclass(frozen=True)
class Purchase:
    """Units of an item to buy for a depot, what they cost (yuan) and the volume they take (m³)."""

    depot: str
    item: str
    units: int
    cost_yuan: float
    m3: float


@dataclass(frozen=True)
class Transfer:
    """Units of an item to move from one depot to another, and what moving them costs (yuan)."""

    source: str
    target: str
    item: str
    units: int
    km: float
    cost_yuan: float


@dataclass(frozen=True)
class Solver:
    """What the optimiser reports: method, objective value and bound (mean fill, or the
    mean/CVaR blend when asked), relative gap, what rounding to whole units lost,
    iterations, seconds and status (``optimal`` only when proven within the tolerance)."""

    method: str
    value: float
    bound: float
    gap: float
    rounding_loss: float
    iterations: int
    seconds: float
    status: str


@dataclass(frozen=True)
class Comparison:
    """One row of the out-of-sample table: a way of spending the budget, what it spent and
    its mean and 5th-percentile fill within the window on the validation batch."""

    name: str
    spent_yuan: float
    mean: float
    p5: float


@dataclass(frozen=True)
class PrepareResult:
    """A recommendation: purchases per depot, transfers, totals, the solver's figures and
    the out-of-sample comparison (today's stock, the recommendation, rules A and B)."""

    budget_yuan: float
    hazard: str
    n: int
    seed: int
    window_min: int
    validate_n: int
    validate_seed: int
    cvar: float | None
    purchases: tuple[Purchase, ...]
    transfers: tuple[Transfer, ...]
    bought_yuan: float
    moved_yuan: float
    spent_yuan: float
    m3_added: float
    solver: Solver
    comparison: tuple[Comparison, ...]
    scenarios_with_need: int
    seconds: dict[str, float] = field(default_factory=dict)
    unpriced: tuple[str, ...] = ()
    transport_yuan_tkm: float = 0.0


def as_json(result: PrepareResult) -> dict:
    """Takes a ``PrepareResult``; returns it as plain JSON data (lists of dicts, numbers)."""
    import dataclasses

    return dataclasses.asdict(result)


def check(*, budget: float, hazard: str, n: int, window: str | int, validate_n: int | None = None,
          cvar: float | None = None, workers: int | None = None, scheduler: str | None = None) -> int:
    """Check a request before anything is read; returns the window in minutes.

    Raises ``InvalidInput`` (naming the setting) for a budget that is not a number greater
    than 0, an unknown hazard, n or validate_n <= 0, a window that is not a positive
    duration of at most 240 h, a CVaR share outside (0, 1], workers <= 0 or a scheduler
    address not of the form tcp://HOST:PORT.
    """
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not math.isfinite(budget) or budget <= 0:
        raise InvalidInput(f"budget must be a number of yuan greater than 0, got {budget!r}", option="budget")
    if hazard not in HAZARDS:
        raise InvalidInput(f"hazard must be one of {', '.join(HAZARDS)}, got {hazard!r}", option="hazard")
    if n <= 0:
        raise InvalidInput(f"runs must be a whole number greater than 0, got {n}", option="runs")
    if validate_n is not None and validate_n <= 0:
        raise InvalidInput(f"validate n must be a whole number greater than 0, got {validate_n}", option="validate_n")
    if cvar is not None and not (0 < cvar <= 1):
        raise InvalidInput(f"cvar must be a share greater than 0 and at most 1 (0.1: the worst tenth of the "
                           f"scenarios), got {cvar}", option="cvar")
    if workers is not None and workers <= 0:
        raise InvalidInput(f"workers must be greater than 0, got {workers}", option="workers")
    if scheduler is not None:
        parallel.check_scheduler(scheduler)
    return duration_minutes(window, "window")


def prepare(url: str, *, budget: float, hazard: str = "all", n: int = 1000, seed: int = DEFAULT_SEED,
            window: str | int = "12h", validate_n: int | None = None, validate_seed: int | None = None,
            cvar: float | None = None, scheduler: str | None = None, workers: int | None = None,
            today: date, time_limit: float | None = None) -> PrepareResult:
    """Recommend purchases and transfers for ``budget`` yuan against ``n`` sampled scenarios
    of ``hazard`` (``seed``), and compare them out of sample on ``validate_n`` (default
    ``n``) fresh scenarios (``validate_seed``, default ``seed + 1``).

    ``window`` is how soon need counts as met (``12h``, ``90m``); ``cvar`` (a share, e.g.
    0.1) weighs the mean fill of the worst share of scenarios equally with the mean;
    ``scheduler`` (tcp://HOST:PORT) runs scenario work on a Dask cluster, else on
    ``workers`` local processes (default: every core; 1 runs in this process).

    Returns a ``PrepareResult``. Raises ``InvalidInput`` for bad values (see ``check``),
    ``HazardNotInRegion`` for a hazard the region lacks, ``SchedulerUnavailable`` when no
    scheduler answers; never writes to the database.
    """
    window_min = check(budget=budget, hazard=hazard, n=n, window=window, validate_n=validate_n, cvar=cvar,
                       workers=workers, scheduler=scheduler)
    validate_n = validate_n or n
    validate_seed = seed + 1 if validate_seed is None else validate_seed
    clock: dict[str, float] = {}
    started = time.perf_counter()
    reg = drills.region(url)
    net = read_network(url, today=today)
    with db.session(url) as s:
        zone_rows = books.region_rows(s, "hazard_zones.csv")
        seasons = {k: v for k in ("blizzard", "flood") if (v := books.region_season(s, k, None)) is not None}
    if hazard != sampling.ALL:
        hazards.check_hazard(hazard, reg.hazards, "hazard", reg.name, option="hazard")
    if scheduler is not None:
        parallel.run_chunks(_noop, [0], None, scheduler=scheduler)  # a scheduler that does not answer: refused now
    clock["read"] = time.perf_counter() - started
    snapshot = Snapshot(reg, net.codes, net.lon, net.lat, net.items, net.travel, window_min)
    run = functools.partial(parallel.run_chunks, workers=workers, scheduler=scheduler)

    started = time.perf_counter()
    training = scenario_needs(snapshot, sampling.sample(hazard, n, seed, reg, zone_rows, today, seasons), run)
    clock["scenarios"] = time.perf_counter() - started
    problem = model.PrepareProblem(net.codes, net.items, net.stock, net.floor, net.price, net.volume, net.tonnes,
                                   net.capacity, net.transfer_cost, float(budget), tuple(training),
                                   max_buy=net.max_buy)
    started = time.perf_counter()
    solve_map = _mapper(workers, scheduler)
    solved = model.solve(problem, cvar_share=cvar, cvar_weight=CVAR_WEIGHT if cvar else 0.0,
                         time_limit=time_limit, map_fn=solve_map)
    clock["solve"] = time.perf_counter() - started

    started = time.perf_counter()
    checking = scenario_needs(snapshot, sampling.sample(hazard, validate_n, validate_seed, reg, zone_rows, today,
                                                         seasons), run)
    fresh = model.PrepareProblem(net.codes, net.items, net.stock, net.floor, net.price, net.volume, net.tonnes,
                                 net.capacity, net.transfer_cost, float(budget), tuple(checking),
                                 max_buy=net.max_buy)
    held = net.stock + np.asarray(solved.buy, dtype=float)
    for source, target, item, units in solved.moves:
        held[source, item] -= units
        held[target, item] += units
    plans = [("today's stock", net.stock, 0.0), ("recommendation", held, float(solved.spent))]
    for name, buy in (("rule A: by county population", rules.by_population(net, float(budget))),
                      ("rule B: top up to norm maximum", rules.to_norm_max(net, float(budget)))):
        plans.append((name, net.stock + buy, float((buy * net.price).sum())))
    comparison = tuple(_compare(name, model.fill(fresh, stock, map_fn=solve_map), spent)
                       for name, stock, spent in plans)
    clock["validate"] = time.perf_counter() - started
    return _result(net, solved, comparison, budget=float(budget), hazard=hazard, n=n, seed=seed,
                   window_min=window_min, validate_n=validate_n, validate_seed=validate_seed, cvar=cvar,
                   with_need=sum(1 for s in training if len(s.sites)), seconds=clock)


@dataclass(frozen=True)
class Network:
    """The books as the optimiser and the rules see them (D depots, I items, arrays):
    available stock, the floor a depot keeps when it sends stock, norm maxima, unit
    prices (0 and ``max_buy`` 0 for an item without one), volume (m³) and tonnes per unit,
    storage volume, road km and transfer cost (yuan per tonne) between depots, the
    population each depot serves, the need norms' units per person of each item, and
    the travel model of dispatch."""

    codes: tuple[str, ...]
    levels: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    items: tuple[str, ...]
    stock: np.ndarray
    floor: np.ndarray
    norm_max: np.ndarray
    price: np.ndarray
    volume: np.ndarray
    tonnes: np.ndarray
    capacity: np.ndarray
    km: np.ndarray
    transfer_cost: np.ndarray
    max_buy: np.ndarray
    served: np.ndarray
    per_person: np.ndarray
    travel: travel.TravelParams
    unpriced: tuple[str, ...]
    transport_yuan_tkm: float

    def free_m3(self, held: np.ndarray) -> np.ndarray:
        """Storage volume (m³) each depot has left when it holds ``held`` (D×I), never below 0."""
        return np.maximum(self.capacity - held @ self.volume, 0.0)


def read_network(url: str, *, today: date) -> Network:
    """Read the books at ``url`` into a ``Network``: depots, available unexpired stock (on
    hand less reserved), reserve norms, the catalogue and its prices (``datafiles.prices``
    of the region's folder), the counties' population and the dispatch travel model.

    Raises ``InvalidFile`` for a bad prices.csv."""
    from datetime import datetime

    from sqlmodel import select

    from relief.depot.models import Depot, ReserveNorm

    with db.session(url) as s:
        params = books.plan_params(s, start=datetime.combine(today, datetime.min.time()))
        problem = books.dispatch_problem(s, params, today=today)
        depots = list(s.exec(select(Depot).order_by(Depot.code)))
        norms = {(r.level, r.item): (r.min_qty, r.max_qty) for r in s.exec(select(ReserveNorm))}
        counties = books.county_rows(s)
        household, need_norms, _ = books.need_rules(s)
        folder = books.region_meta(s).get("folder")
    costs = datafiles.prices(folder)
    codes = tuple(d.code for d in depots)
    items = tuple(sorted(problem.weight_kg))
    d_of, i_of = {c: n for n, c in enumerate(codes)}, {c: n for n, c in enumerate(items)}
    stock = np.zeros((len(codes), len(items)))
    for lot in problem.lots:
        stock[d_of[lot.depot], i_of[lot.item]] += lot.qty
    low = np.array([[norms.get((d.level, i), (0, 0))[0] for i in items] for d in depots], dtype=float)
    high = np.array([[norms.get((d.level, i), (0, 0))[1] for i in items] for d in depots], dtype=float)
    price = np.array([costs.items[i][0] if i in costs.items else 0.0 for i in items])
    unpriced = tuple(i for i in items if i not in costs.items)
    max_buy = np.where(price > 0, np.inf, 0.0)[None, :].repeat(len(codes), axis=0)
    lon, lat = np.array([d.lon for d in depots]), np.array([d.lat for d in depots])
    km = travel.estimate(params.travel, list(codes), lon, lat, [d.county for d in depots], lon, lat).km  # along the routes
    transfer = km * costs.transport_yuan_tkm
    np.fill_diagonal(transfer, np.inf)
    per_person = np.zeros(len(items))
    for norm in need_norms:
        if norm.item in i_of:
            per_person[i_of[norm.item]] += norm.per_unit / (household if norm.basis == "household" else 1.0)
    return Network(codes, tuple(d.level for d in depots), lon, lat, items, stock, np.minimum(low, stock), high,
                   price, np.array([problem.volume_m3[i] for i in items], dtype=float),
                   np.array([problem.weight_kg[i] for i in items], dtype=float) / 1000.0,
                   np.array([d.capacity_m3 for d in depots], dtype=float), km, transfer, max_buy,
                   _served(depots, counties, params.travel), per_person, params.travel, unpriced,
                   costs.transport_yuan_tkm)


def _served(depots, counties, params: travel.TravelParams) -> np.ndarray:
    """Population each depot serves: a county's people go to the depots standing in it
    (shared equally), or to the depot nearest by road time when none stands in it."""
    served = np.zeros(len(depots))
    if not depots or not counties:
        return served
    trip = travel.estimate(params, [d.code for d in depots], [d.lon for d in depots], [d.lat for d in depots],
                           [c.adcode for c in counties], [c.lon for c in counties], [c.lat for c in counties])
    for k, county in enumerate(counties):
        own = [n for n, d in enumerate(depots) if d.county == county.adcode]
        for n in own or [int(np.argmin(trip.minutes[:, k]))]:
            served[n] += county.population / len(own or [0])
    return served


@dataclass(frozen=True)
class Snapshot:
    """What turning a scenario into needs takes: the hazard region, the depots (codes and
    places), the catalogue's item codes, the travel model and the window in minutes."""

    region: hazards.Region
    codes: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    items: tuple[str, ...]
    travel: travel.TravelParams
    window_min: int


def needs_of(snap: Snapshot, scenario) -> model.ScenarioNeeds:
    """Takes a ``Snapshot`` and a sampled scenario; returns its ``ScenarioNeeds`` (sites,
    need per site and item, priority weights, which depots reach each site within the
    window), probability 1 (the caller scales it). Raises what ``hazards.affected`` raises."""
    _, incidents = hazards.affected(snap.region, scenario)
    index = {code: i for i, code in enumerate(snap.items)}
    need = np.zeros((len(incidents), len(snap.items)))
    for k, inc in enumerate(incidents):
        for item, qty in inc.needs:
            if item in index:
                need[k, index[item]] += qty
    weight = np.array([PRIORITY_WEIGHT.get(inc.priority, 1) for inc in incidents], dtype=float)
    if incidents:
        trip = travel.estimate(snap.travel, list(snap.codes), snap.lon, snap.lat, [i.county for i in incidents],
                               np.array([i.lon for i in incidents]), np.array([i.lat for i in incidents]),
                               np.array([i.spread_km for i in incidents]))
        reach = trip.allowed & (trip.minutes <= snap.window_min)
    else:
        reach = np.zeros((len(snap.codes), 0), dtype=bool)
    return model.ScenarioNeeds(1.0, tuple(i.county for i in incidents), need, weight, reach)


def _needs_one(snap: Snapshot, scenario) -> model.ScenarioNeeds:
    return needs_of(snap, scenario)


def scenario_needs(snap: Snapshot, scenarios: list, run=parallel.run_chunks) -> list[model.ScenarioNeeds]:
    """Takes a ``Snapshot``, sampled scenarios and a ``run_chunks``-like runner; returns one
    ``ScenarioNeeds`` per scenario, each of probability 1/len(scenarios), in order."""
    import dataclasses

    found = run(_needs_one, scenarios, snap)
    share = 1.0 / max(len(found), 1)
    return [dataclasses.replace(s, probability=share) for s in found]


def _noop(shared, item):
    return item


def _fork_map(workers: int, fn, tasks) -> list:
    tasks = list(tasks)
    if len(tasks) <= 1:
        return list(map(fn, tasks))
    with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
        return pool.map(fn, tasks)


def _mapper(workers: int | None, scheduler: str | None):
    """The ``map_fn`` the optimiser solves its scenario chunks with. The optimiser keeps
    the scenarios in a module snapshot that only forked processes see, so its chunks run
    on ``workers`` forked local processes (every core by default; the builtin ``map`` for
    one worker or where processes cannot be forked), whatever the scheduler."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return map
    return functools.partial(_fork_map, workers)


def _compare(name: str, fills, spent: float) -> Comparison:
    fills = np.asarray(fills, dtype=float)
    return Comparison(name, round(spent, 2), round(float(fills.mean()), 4) if fills.size else 1.0,
                      round(float(np.percentile(fills, 5)), 4) if fills.size else 1.0)


def _result(net: Network, solved, comparison, *, budget, hazard, n, seed, window_min, validate_n, validate_seed,
            cvar, with_need, seconds) -> PrepareResult:
    buy = np.rint(np.asarray(solved.buy, dtype=float)).astype(np.int64)
    purchases = tuple(Purchase(net.codes[d], net.items[i], int(buy[d, i]), round(float(buy[d, i] * net.price[i]), 2),
                               round(float(buy[d, i] * net.volume[i]), 3))
                      for d, i in zip(*np.nonzero(buy > 0)))
    transfers = []
    for source, target, item, units in solved.moves:
        units = int(round(units))
        if units > 0:
            km = float(net.km[source, target])
            cost = float(net.transfer_cost[source, target] * net.tonnes[item] * units)
            transfers.append(Transfer(net.codes[source], net.codes[target], net.items[item], units, round(km, 1),
                                      round(cost, 2)))
    bought = round(sum(p.cost_yuan for p in purchases), 2)
    moved = round(sum(t.cost_yuan for t in transfers), 2)
    added = sum(p.m3 for p in purchases)
    figures = Solver(str(getattr(solved.method, "value", solved.method)), round(float(solved.value), 6),
                     round(float(solved.bound), 6), round(float(solved.gap), 6),
                     round(float(solved.rounding_loss), 6), int(solved.iterations), round(float(solved.seconds), 2),
                     str(getattr(solved.status, "value", solved.status)))
    return PrepareResult(budget, hazard, n, seed, window_min, validate_n, validate_seed, cvar, purchases,
                         tuple(sorted(transfers, key=lambda t: (t.source, t.target, t.item))), bought, moved,
                         round(bought + moved, 2), round(added, 3), figures, comparison, with_need,
                         {k: round(v, 2) for k, v in seconds.items()}, net.unpriced, net.transport_yuan_tkm)
