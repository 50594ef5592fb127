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

from relief.routing.core.problem import DispatchProblem
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
    free = _free_stock(p, r)
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
        taken = _cover(p, lines, donors, pairs, key[1], free)
        if taken is None:
            continue
        for line in lines:  # the depot left keeps its units
            for lot in free.get((line.depot, line.item), []):
                if lot["lot"] == line.lot:
                    lot["qty"] += line.qty
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
           free: dict) -> dict[str, list[Shipment]] | None:
    """Lines from the donors covering every unit of ``lines`` (stock taken from ``free``),
    or None, leaving ``free`` as it was, when they cannot."""
    taken: dict[str, list[Shipment]] = {}
    undo: list[tuple[dict, int]] = []
    for line in lines:
        need, window = line.qty, p.window(line.item)
        for donor in donors:
            trip = pairs[(donor, incident)][0]
            if (trip.minutes > window and line.minutes <= window) or (line.minutes > window and trip.minutes > line.minutes):
                continue
            arrive = p.params.arrival_day(trip.minutes)
            for lot in free.get((donor, line.item), []):
                if need == 0:
                    break
                if lot["qty"] <= 0 or (lot["expires"] is not None and lot["expires"] < arrive):
                    continue
                units = min(need, lot["qty"])
                lot["qty"] -= units
                undo.append((lot, units))
                need -= units
                taken.setdefault(donor, []).append(Shipment(donor, incident, line.item, lot["lot"], units, trip.km,
                                                            trip.minutes))
            if need == 0:
                break
        if need:
            for lot, units in undo:
                lot["qty"] += units
            return None
    return taken


def _free_stock(p: DispatchProblem, r: PlanResult) -> dict[tuple[str, str], list[dict]]:
    """Units per (depot, item) the plan leaves, lot by lot earliest-expiring first, less
    the reserve floor when floors are kept."""
    used: dict[tuple[str, str, str], int] = {}
    for line in r.shipments:
        used[(line.depot, line.item, line.lot)] = used.get((line.depot, line.item, line.lot), 0) + line.qty
    free: dict[tuple[str, str], list[dict]] = {}
    for lot in sorted(p.lots, key=lambda s: (s.depot, s.item, s.expires or date.max, s.lot)):
        free.setdefault((lot.depot, lot.item), []).append(
            {"lot": lot.lot, "expires": lot.expires, "qty": lot.qty - used.get((lot.depot, lot.item, lot.lot), 0)})
    if p.params.keep_reserve:
        for (depot, item), lots in free.items():
            floor = p.floors.get((depot, item), 0)
            for lot in reversed(lots):  # the floor stays in the latest-expiring lots
                keep = min(floor, max(lot["qty"], 0))
                lot["qty"] -= keep
                floor -= keep
    return free


def _merge(lines: list[Shipment]) -> list[Shipment]:
    """Lines of one depot and incident with the same item and lot added together."""
    merged: dict[tuple[str, str], Shipment] = {}
    for line in lines:
        key = (line.item, line.lot)
        merged[key] = dataclasses.replace(merged[key], qty=merged[key].qty + line.qty) if key in merged else line
    return list(merged.values())
