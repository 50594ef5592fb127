"""Ride-alongs: a small load from one depot moves onto a depot whose trucks go there anyway.

The optimal supplies are proven optimal for need in time, lateness and tonne-km, but
tonne-km alone may leave a few kilograms on a depot of their own: a truck run for a
box of masks. Trucks come before tonne-km in the plan's third tier, so after the
allocation every depot-to-incident load smaller than ``SMALL_SHARE`` of the smallest
vehicle (in weight and in volume) is offered, line by line, to the other depots
already sending to that incident, the quickest first. A donor gives only free units
(never a reserve floor it keeps) of lots that do not expire before they arrive, and only
when its trip keeps the need as much in time as it was: on time stays on time, a late
line does not arrive later. A load moves whole or not at all; the depot it leaves keeps
its units. Tiers 1 and 2 of the plan are thus unchanged, one truck run fewer is needed,
and the tonne-km rise a little.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from relief.routing.core.problem import DispatchProblem, free_first, shared
from relief.routing.core.results import PlanResult, Shipment

SMALL_SHARE = 0.1
DEFAULT_SMALLEST = (5000.0, 18.0)  # kg and m³ of a 5 t lorry when the problem names no vehicles


def ride_along(p: DispatchProblem, r: PlanResult) -> tuple[PlanResult, int]:
    """Takes a problem and a result of it; returns the result with small loads moved onto
    depots already sending to the same incident, and how many loads moved."""
    smallest = (min((v.payload_kg for v in p.vehicles), default=DEFAULT_SMALLEST[0]),
                min((v.volume_m3 for v in p.vehicles), default=DEFAULT_SMALLEST[1]))
    pairs: dict[tuple[str, int], list[Shipment]] = {}
    for line in r.shipments:
        pairs.setdefault((line.depot, line.incident), []).append(line)
    stock = Stock(p, r)
    moved = 0

    def load(lines: list[Shipment]) -> tuple[float, float]:
        return (sum(ln.qty * p.weight_kg[ln.item] for ln in lines),
                sum(ln.qty * p.volume_m3.get(ln.item, 0.0) for ln in lines))

    for key in sorted(pairs, key=lambda k: (load(pairs[k]), k)):
        lines = pairs[key]
        kg, m3 = load(lines)
        if not lines or kg >= SMALL_SHARE * smallest[0] or m3 >= SMALL_SHARE * smallest[1]:
            continue
        donors = sorted((d for (d, i), held in pairs.items() if i == key[1] and d != key[0] and held),
                        key=lambda d: (pairs[(d, key[1])][0].minutes, d))
        taken = _cover(p, lines, donors, pairs, key[1], stock)
        if taken is None:
            continue
        for line in lines:  # the depot left keeps its units
            stock.use(line.depot, line.item, line.lot, -line.qty)
        for new in taken.values():
            for line in new:
                stock.use(line.depot, line.item, line.lot, line.qty)
        pairs[key] = []
        for donor, new in taken.items():
            pairs[(donor, key[1])] = _merge(pairs[(donor, key[1])] + new)
        moved += 1
    if not moved:
        return r, 0
    shipments = sorted((ln for held in pairs.values() for ln in held),
                       key=lambda ln: (ln.incident, ln.item, ln.minutes, ln.depot, ln.lot))
    return dataclasses.replace(r, shipments=tuple(shipments)), moved


def _cover(p: DispatchProblem, lines: list[Shipment], donors: list[str], pairs: dict, incident: int,
           stock: Stock) -> dict[str, list[Shipment]] | None:
    """Lines from the donors covering every unit of ``lines`` out of their free stock, or
    None when they cannot (nothing is taken until the caller records the move)."""
    taken: dict[str, list[Shipment]] = {}
    free = {}
    for line in lines:
        need, window = line.qty, p.window(line.item)
        for donor in donors:
            trip = pairs[(donor, incident)][0]
            if (trip.minutes > window and line.minutes <= window) or (line.minutes > window and trip.minutes > line.minutes):
                continue
            arrive = p.params.arrival_day(trip.minutes)
            for lot in free.setdefault((donor, line.item), stock.free(donor, line.item)):
                if need == 0:
                    break
                if lot["qty"] <= 0 or (lot["expires"] is not None and lot["expires"] < arrive):
                    continue
                units = min(need, lot["qty"])
                lot["qty"] -= units
                need -= units
                taken.setdefault(donor, []).append(Shipment(donor, incident, line.item, lot["lot"], units, trip.km,
                                                            trip.minutes))
            if need == 0:
                break
        if need:
            return None
    return taken


class Stock:
    """What each depot holds and what the plan takes, lot by lot; ``free`` is what a depot
    can still give, earliest-expiring first, less its reserve floor when floors are kept."""

    def __init__(self, p: DispatchProblem, r: PlanResult):
        self.p = p
        self.lots: dict[tuple[str, str], list] = shared((p.lots,), "lots by depot and item", lambda: _by_depot(p))
        self.used: dict[tuple[str, str, str], int] = {}
        for line in r.shipments:
            self.use(line.depot, line.item, line.lot, line.qty)

    def use(self, depot: str, item: str, lot: str, qty: int) -> None:
        """Record ``qty`` more units of a lot taken (negative: given back)."""
        self.used[(depot, item, lot)] = self.used.get((depot, item, lot), 0) + qty

    def free(self, depot: str, item: str) -> list[dict]:
        """Fresh {lot, expires, qty} rows of what ``depot`` can still give of ``item``."""
        lots = self.lots.get((depot, item), [])
        left = [s.qty - self.used.get((depot, item, s.lot), 0) for s in lots]
        return [{"lot": s.lot, "expires": s.expires, "qty": free}
                for s, free in zip(lots, free_first(left, self.p.floor(depot, item)))]


def _by_depot(p: DispatchProblem) -> dict[tuple[str, str], list]:
    """{(depot, item): its lots, earliest-expiring first}."""
    out: dict[tuple[str, str], list] = {}
    for lot in sorted(p.lots, key=lambda s: (s.depot, s.item, s.expires or date.max, s.lot)):
        out.setdefault((lot.depot, lot.item), []).append(lot)
    return out


def _merge(lines: list[Shipment]) -> list[Shipment]:
    """Lines of one depot and incident with the same item and lot added together."""
    merged: dict[tuple[str, str], Shipment] = {}
    for line in lines:
        key = (line.item, line.lot)
        merged[key] = dataclasses.replace(merged[key], qty=merged[key].qty + line.qty) if key in merged else line
    return list(merged.values())
