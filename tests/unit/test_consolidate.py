"""Ride-alongs: a small load moves onto a depot already sending to the incident, never making need later."""

from __future__ import annotations

from datetime import datetime

from relief.routing.core.consolidate import ride_along
from relief.routing.core.optimize import optimal
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams
from relief.routing.core.results import PlanResult, Shipment

WEIGHT = {"TENT": 40.0, "MASK": 0.25}
VOLUME = {"TENT": 0.2, "MASK": 0.002}


def problem(big_holds_masks: int = 10, *, floors=None, keep_reserve=False) -> DispatchProblem:
    depots = (DepotSpec("BIG", "X", 111.0, 40.0, "league", 100.0), DepotSpec("FAR", "X", 113.0, 40.0, "county", 10.0))
    lots = [LotSupply("BIG", "TENT", "-", None, 200), LotSupply("FAR", "MASK", "-", None, 5)]
    if big_holds_masks:
        lots.append(LotSupply("BIG", "MASK", "M1", None, big_holds_masks))
    incident = IncidentSpec(1, "i", "C", 111.2, 40.0, 2, 500, (("MASK", 4), ("TENT", 100)))
    return DispatchProblem((incident,), depots, tuple(lots), (), dict(WEIGHT), dict(floors or {}),
                           PlanParams(start=datetime(2026, 11, 22, 8, 0), keep_reserve=keep_reserve),
                           volume_m3=dict(VOLUME), window_min={"TENT": 720, "MASK": 720})


def plan(far_minutes: int = 400, big_minutes: int = 60) -> PlanResult:
    return PlanResult((Shipment("BIG", 1, "TENT", "-", 100, 20.0, big_minutes),
                       Shipment("FAR", 1, "MASK", "-", 4, 160.0, far_minutes)), (), (), ())


def test_a_small_load_rides_with_the_truck_that_goes_there_anyway():
    moved, count = ride_along(problem(), plan())
    assert count == 1
    assert sorted((s.depot, s.item, s.lot, s.qty, s.minutes) for s in moved.shipments) == [
        ("BIG", "MASK", "M1", 4, 60), ("BIG", "TENT", "-", 100, 60)]


def test_a_load_on_time_is_not_moved_onto_a_trip_that_would_be_late():
    kept, count = ride_along(problem(), plan(far_minutes=400, big_minutes=800))
    assert count == 0 and kept.shipments == plan(far_minutes=400, big_minutes=800).shipments


def test_a_late_load_moves_only_onto_a_trip_that_is_no_later():
    assert ride_along(problem(), plan(far_minutes=900, big_minutes=800))[1] == 1
    assert ride_along(problem(), plan(far_minutes=800, big_minutes=900))[1] == 0


def test_a_load_moves_whole_or_not_at_all():
    kept, count = ride_along(problem(big_holds_masks=3), plan())
    assert count == 0 and kept.shipments == plan().shipments


def test_a_donor_keeps_its_reserve_floor():
    floors = {("BIG", "MASK"): 8}
    assert ride_along(problem(floors=floors, keep_reserve=True), plan())[1] == 0
    assert ride_along(problem(floors=floors, keep_reserve=False), plan())[1] == 1


def test_units_a_moved_load_leaves_behind_do_not_break_a_reserve_floor():
    # A holds 10 masks with a floor of 8: its reserve goes only to the priority-1 incident. When A's
    # small load to incident 1 moves to B, A's units must not become free for the priority-3 incident.
    p = DispatchProblem(
        (IncidentSpec(1, "p1", "C1", 110.0, 40.0, 1, 100, (("MASK", 3), ("WATER", 10))),
         IncidentSpec(2, "p3", "C2", 110.6, 40.0, 3, 100, (("MASK", 12), ("TENT", 20)))),
        (DepotSpec("A", "X", 110.2, 40.0, "county", 0), DepotSpec("B", "X", 109.5, 40.0, "county", 0),
         DepotSpec("C", "X", 110.8, 40.0, "county", 0)),
        (LotSupply("A", "MASK", "L", None, 10), LotSupply("A", "TENT", "T", None, 20),
         LotSupply("B", "MASK", "L", None, 100), LotSupply("B", "WATER", "W", None, 10),
         LotSupply("C", "MASK", "L", None, 4)),
        (), {"MASK": 0.25, "TENT": 40.0, "WATER": 13.5}, {("A", "MASK"): 8},
        PlanParams(keep_reserve=True, start=datetime(2026, 5, 1, 8)))
    moved, count = ride_along(p, optimal(p))
    assert count >= 1
    assert sum(s.qty for s in moved.shipments if (s.depot, s.item, s.incident) == ("A", "MASK", 2)) <= 2
