"""Lots that would expire on the truck: swapped for a later lot of the same depot, or not sent.

The allocation checks a lot's expiry against the direct trip's arrival; the truck stage
then times each line by its truck (hiring, loading, second trips), which may be later,
on another day. ``fresh_lots`` looks at every truck stop again: a line whose lot would
arrive expired takes the same depot's earliest-expiring free units that are still good on
that day (never a reserve floor kept), and what no lot can cover is not sent and counts
as unmet. Trucks are renumbered when one is left empty; loads are recomputed.
"""

from __future__ import annotations

import dataclasses

from relief.routing.core.consolidate import Stock
from relief.routing.core.problem import DispatchProblem
from relief.routing.core.results import PlanResult, Shipment, Shortfall, Truck, TruckLine, TruckStop


def fresh_lots(p: DispatchProblem, r: PlanResult) -> tuple[PlanResult, int]:
    """Takes a problem and a result with trucks; returns the result with no lot arriving
    expired, and how many units had to stay home for want of a good lot."""
    expires = {(lot.depot, lot.item, lot.lot): lot.expires for lot in p.lots}

    def stale(depot: str, stop: TruckStop, line: TruckLine) -> bool:
        when = expires.get((depot, line.item, line.lot))
        return when is not None and when < p.params.arrival_day(stop.arrive_minutes)

    if not any(stale(t.depot, s, ln) for t in r.trucks for s in t.stops for ln in s.lines):
        return r, 0
    stock = Stock(p, r)
    dropped: dict[tuple[int, str], int] = {}
    trucks = []
    for truck in r.trucks:
        stops = []
        for stop in truck.stops:
            lines: dict[tuple[str, str], int] = {}
            for line in stop.lines:
                if not stale(truck.depot, stop, line):
                    lines[(line.item, line.lot)] = lines.get((line.item, line.lot), 0) + line.qty
                    continue
                stock.use(truck.depot, line.item, line.lot, -line.qty)
                need, day = line.qty, p.params.arrival_day(stop.arrive_minutes)
                for row in stock.free(truck.depot, line.item):
                    if need and row["qty"] > 0 and (row["expires"] is None or row["expires"] >= day):
                        units = min(need, row["qty"])
                        stock.use(truck.depot, line.item, row["lot"], units)
                        lines[(line.item, row["lot"])] = lines.get((line.item, row["lot"]), 0) + units
                        need -= units
                if need:
                    dropped[(stop.incident, line.item)] = dropped.get((stop.incident, line.item), 0) + need
            if lines:
                stops.append(dataclasses.replace(stop, lines=tuple(TruckLine(i, lot, q) for (i, lot), q in lines.items())))
        if stops:
            kg = sum(ln.qty * p.weight_kg[ln.item] for s in stops for ln in s.lines)
            m3 = sum(ln.qty * p.volume_m3.get(ln.item, 0.0) for s in stops for ln in s.lines)
            trucks.append(dataclasses.replace(truck, id=len(trucks) + 1, stops=tuple(stops), load_kg=round(kg, 1),
                                              load_m3=round(m3, 3)))
    return dataclasses.replace(r, trucks=tuple(trucks), shipments=_lines(r, trucks),
                               unmet=_unmet(r, dropped)), sum(dropped.values())


def _lines(r: PlanResult, trucks: list[Truck]) -> tuple[Shipment, ...]:
    """The shipment lines of ``trucks``, one per truck stop line, with the trip's km."""
    km = {(s.depot, s.incident): s.km for s in r.shipments}
    lines = [Shipment(t.depot, s.incident, ln.item, ln.lot, ln.qty, km.get((t.depot, s.incident), t.km),
                      s.arrive_minutes) for t in trucks for s in t.stops for ln in s.lines]
    return tuple(sorted(lines, key=lambda ln: (ln.incident, ln.item, ln.minutes, ln.depot, ln.lot)))


def _unmet(r: PlanResult, dropped: dict[tuple[int, str], int]) -> tuple[Shortfall, ...]:
    """The result's shortfalls with the units left home added."""
    short = {(u.incident, u.item): u.qty for u in r.unmet}
    for key, qty in dropped.items():
        short[key] = short.get(key, 0) + qty
    return tuple(Shortfall(i, item, q) for (i, item), q in sorted(short.items()))
