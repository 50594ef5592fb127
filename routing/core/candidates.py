"""Candidate arcs of a dispatch problem, built as numpy arrays.

``network`` computes travel from every depot and team to every incident and keeps, per
incident, the ``nearest`` depots within ``max_hours`` (plus region-level depots, whose
reserve exists to serve the whole region). ``item_arcs`` turns one item's lots into
supply nodes (split into free and reserve-floor parts when floors are kept) and joins
them to the incidents that need the item, dropping lots that would expire before they
arrive.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

import numpy as np

from relief.routing.core import travel
from relief.routing.core.problem import PRIORITY_WEIGHT, DispatchProblem, free_first, shared

NO_EXPIRY = date.max.toordinal()


@dataclass(frozen=True)
class Network:
    """Travel depot→incident and team→incident, and the candidate depot-incident pairs."""

    depots: travel.Travel
    teams: travel.Travel
    pair_depot: np.ndarray
    pair_incident: np.ndarray
    seconds: float
    lots: dict[str, dict[str, list]] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class ItemArcs:
    """One item's supply nodes, sink incidents and arcs (all index arrays)."""

    item: str
    src_depot: np.ndarray
    src_lot: list[str]
    src_qty: np.ndarray
    sink_incident: np.ndarray
    demand: np.ndarray
    priority: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    km: np.ndarray
    minutes: np.ndarray
    rank: np.ndarray


def network(p: DispatchProblem) -> Network:
    """Travel matrices and candidate pairs for ``p`` (vectorised)."""
    import time

    start = time.perf_counter()
    inc_lon = np.array([i.lon for i in p.incidents])
    inc_lat = np.array([i.lat for i in p.incidents])
    counties = [i.county for i in p.incidents]
    tp = p.params.travel
    spread = np.array([i.spread_km for i in p.incidents])
    dep = travel.estimate(tp, [d.code for d in p.depots], [d.lon for d in p.depots], [d.lat for d in p.depots],
                          counties, inc_lon, inc_lat, spread)
    teams = travel.estimate(tp, [t.code for t in p.teams], [t.lon for t in p.teams], [t.lat for t in p.teams],
                            counties, inc_lon, inc_lat, spread,  # each team at its own speed and mobilisation
                            src_speed=[t.speed_kmh or tp.speed_kmh for t in p.teams],
                            src_handling=[p.params.team_mobilise_min if t.mobilise_min is None else t.mobilise_min
                                          for t in p.teams])
    keep = dep.allowed.copy()
    n_dep = len(p.depots)
    if p.params.nearest is not None and p.params.nearest < n_dep and len(p.incidents):
        near = np.zeros_like(keep)
        closest = np.argpartition(dep.minutes, p.params.nearest - 1, axis=0)[: p.params.nearest]
        near[closest, np.arange(len(p.incidents))[None, :]] = True
        region = np.array([d.level == "region" for d in p.depots])
        keep &= near | region[:, None]
    pair_depot, pair_incident = np.nonzero(keep)
    lots = shared((p.lots,), "lots by item and depot", lambda: _by_item(p))
    return Network(dep, teams, pair_depot, pair_incident, time.perf_counter() - start, lots)


def _by_item(p: DispatchProblem) -> dict[str, dict[str, list]]:
    """{item: {depot: its lots}}."""
    lots: dict[str, dict[str, list]] = {}
    for lot in p.lots:
        lots.setdefault(lot.item, {}).setdefault(lot.depot, []).append(lot)
    return lots


def item_arcs(p: DispatchProblem, net: Network, item: str) -> ItemArcs:
    """Supply nodes, sinks and arcs of ``item`` in problem ``p`` over network ``net``."""
    depot_index = {d.code: i for i, d in enumerate(p.depots)}
    src_depot, src_lot, src_qty, src_exp, src_reserve, src_rank = shared(
        (p.lots, p.depots, p.floors), f"supplies of {item}, floors {p.params.keep_reserve}",
        lambda: _frozen(_supplies(p, item, depot_index, net.lots.get(item, {}))))
    demand_of = np.zeros(len(p.incidents), np.int64)
    for n, inc in enumerate(p.incidents):
        demand_of[n] = dict(inc.needs).get(item, 0)
    sink_incident = np.nonzero(demand_of)[0]
    sink_of = np.full(len(p.incidents), -1)
    sink_of[sink_incident] = np.arange(len(sink_incident))
    priority = np.array([p.incidents[i].priority for i in sink_incident], dtype=np.int64)
    wanted = sink_of[net.pair_incident] >= 0
    cd, ci = net.pair_depot[wanted], net.pair_incident[wanted]
    order = np.argsort(src_depot, kind="stable")
    counts = np.bincount(src_depot, minlength=len(p.depots))
    starts = np.cumsum(counts) - counts
    rep = counts[cd]
    pair = np.repeat(np.arange(len(cd)), rep)
    within = np.arange(rep.sum()) - np.repeat(np.cumsum(rep) - rep, rep)
    tail = order[starts[cd][pair] + within] if len(pair) else np.zeros(0, np.int64)
    inc = ci[pair]
    minutes = net.depots.minutes[src_depot[tail], inc]
    arrive = _arrival_ordinals(p, minutes)
    ok = src_exp[tail] >= arrive
    if src_reserve.any():
        ok &= ~src_reserve[tail] | (np.array([i.priority for i in p.incidents])[inc] == 1)
    tail, inc, minutes = tail[ok], inc[ok], minutes[ok]
    return ItemArcs(item, src_depot, src_lot, src_qty, sink_incident, demand_of[sink_incident], priority,
                    tail, sink_of[inc], net.depots.km[src_depot[tail], inc], minutes, src_rank[tail])


def _arrival_ordinals(p: DispatchProblem, minutes: np.ndarray) -> np.ndarray:
    start = p.params.start
    of_day = start.hour * 60 + start.minute
    return start.date().toordinal() + (of_day + minutes) // 1440


def _frozen(arrays: tuple) -> tuple:
    """The arrays of ``arrays`` made read-only (they are shared), the rest as they are."""
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.flags.writeable = False
    return arrays


def _supplies(p: DispatchProblem, item: str, depot_index: dict[str, int], by_depot: dict[str, list]):
    """Supply nodes of ``item``: per depot its lots earliest-expiring first, each split into
    the units above the depot's reserve floor and those of the floor (when floors are kept)."""
    rows = []
    for code in sorted(by_depot):
        held = by_depot[code]
        if len(held) > 1:
            held = sorted(held, key=lambda s: (s.expires or date.max, s.lot))
        depot = depot_index[code]
        for n, (lot, free) in enumerate(zip(held, free_first([s.qty for s in held], p.floor(code, item)))):
            expires = lot.expires.toordinal() if lot.expires else NO_EXPIRY
            if free > 0:
                rows.append((depot, lot.lot, free, expires, False, min(n, 63)))
            if lot.qty > free:
                rows.append((depot, lot.lot, lot.qty - free, expires, True, min(n, 63)))
    depots, lots, qty, exp, reserve, rank = zip(*rows) if rows else ((),) * 6
    return (np.array(depots, dtype=np.int64), list(lots), np.array(qty, dtype=np.int64), np.array(exp, dtype=np.int64),
            np.array(reserve, dtype=bool), np.array(rank, dtype=np.int64))


def weights(priority: np.ndarray) -> np.ndarray:
    """Priority weights (8, 4, 2, 1 for priorities 1-4) of an array of priorities."""
    table = np.zeros(5, np.int64)
    for level, weight in PRIORITY_WEIGHT.items():
        table[level] = weight
    return table[priority]
