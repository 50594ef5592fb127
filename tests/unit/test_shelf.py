"""A lot that would arrive expired on its truck is swapped for a later lot or left home."""

from __future__ import annotations

from datetime import date, datetime

from relief.routing.core import summary
from relief.routing.core.methods import solve
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams

START = datetime(2026, 5, 1, 20, 0)  # the direct trip arrives before midnight; a hired lorry after it


def problem(*lots: LotSupply) -> DispatchProblem:
    return DispatchProblem((IncidentSpec(1, "i", "C1", 111.8, 40.0, 2, 100, (("WATER", 10),)),),
                           (DepotSpec("A", "X", 110.0, 40.0, "county", 100.0),), lots, (), {"WATER": 13.5}, {},
                           PlanParams(start=START))


def test_a_lot_expiring_before_its_truck_arrives_is_swapped_for_a_later_one():
    p = problem(LotSupply("A", "WATER", "OLD", date(2026, 5, 1), 10), LotSupply("A", "WATER", "NEW", date(2027, 5, 1), 6))
    r = solve(p)
    assert [(s.lot, s.qty) for s in r.shipments] == [("NEW", 6)]
    assert all(p.params.arrival_day(s.minutes) > date(2026, 5, 1) for s in r.shipments)
    assert [(u.item, u.qty) for u in r.unmet] == [("WATER", 4)]
    assert [ln.lot for t in r.trucks for stop in t.stops for ln in stop.lines] == ["NEW"]
    assert summary.totals(p, r).unmet_units == 4


def test_without_a_good_lot_the_units_stay_home_and_count_as_unmet():
    p = problem(LotSupply("A", "WATER", "OLD", date(2026, 5, 1), 10))
    r = solve(p)
    assert r.shipments == () and r.trucks == ()
    assert [(u.incident, u.item, u.qty) for u in r.unmet] == [(1, "WATER", 10)]
