"""The truck stage on instances small enough to check by hand: loads within weight and
volume, small loads riding along, second trips, hiring, loading capacity, split lines.

Places lie on the equator or near it, where a degree is 111.2 km of great circle: with
the default circuity (1.3) and speed (60 km/h) one degree of road is about 145 minutes
of driving. Shipment lines are built here as a method would give them (km and minutes
of ``travel.estimate``, handling included), so only the truck stage is under test.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime

import pytest

from relief.depot.fleet import FleetEntry, Vehicle
from relief.errors import InvalidInput
from relief.routing.core.methods import solve
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams
from relief.routing.core.results import PlanResult, Shipment
from relief.routing.core.travel import estimate
from relief.routing.core.trucks import STOP_MIN, load_trucks

WEIGHT_KG = {"TENT": 40.0, "QUILT": 3.0, "WATER": 13.5, "FAK": 2.5, "YURT": 380.0}
VOLUME_M3 = {"TENT": 0.2, "QUILT": 0.02, "WATER": 0.02, "FAK": 0.004, "YURT": 2.5}
L5 = Vehicle("L5", "5 t lorry", 5000.0, 18.0, 60.0, 20, 600.0)
L10 = Vehicle("L10", "10 t lorry", 10000.0, 38.0, 60.0, 30, 1000.0)
HANDLING = 30  # the plan's handling minutes, which the vehicle's loading time replaces
START = datetime(2026, 11, 22, 8, 0)


def incident(id_: int, lon: float, lat: float = 0.0, *, priority: int = 3) -> IncidentSpec:
    return IncidentSpec(id_, f"incident {id_}", "X", lon, lat, priority, 100, (("TENT", 1),))


def world(incidents, fleet=(), *, depots=None, outbound_t: float = 1000.0, vehicles=(L5, L10),
          windows=None) -> DispatchProblem:
    """A problem with depot D at (0, 0) (unless ``depots`` are given) and the ``fleet``."""
    depots = depots or (DepotSpec("D", "X", 0.0, 0.0, "county", outbound_t),)
    return DispatchProblem(tuple(incidents), tuple(depots), (), (), dict(WEIGHT_KG), {}, PlanParams(start=START),
                           volume_m3=dict(VOLUME_M3), window_min=dict(windows or {}), vehicles=tuple(vehicles),
                           fleet=tuple(fleet))


def sent(p: DispatchProblem, *lines: tuple) -> PlanResult:
    """A result sending ``lines`` (depot, incident, item, qty[, lot]), timed as a method times them."""
    depots = {d.code: d for d in p.depots}
    incs = {i.id: i for i in p.incidents}
    shipments = []
    for depot, inc, item, qty, *lot in lines:
        d, i = depots[depot], incs[inc]
        travel = estimate(p.params.travel, [depot], [d.lon], [d.lat], [i.county], [i.lon], [i.lat])
        shipments.append(Shipment(depot, inc, item, lot[0] if lot else "-", qty, round(float(travel.km[0, 0]), 1),
                                  int(travel.minutes[0, 0])))
    return PlanResult(tuple(shipments), (), (), ())


def drive(result: PlanResult, depot: str, inc: int) -> int:
    """Minutes of driving from ``depot`` to ``inc`` (the line's minutes less handling)."""
    return next(s.minutes for s in result.shipments if (s.depot, s.incident) == (depot, inc)) - HANDLING


def owned(vehicle: Vehicle, count: int, depot: str = "D", hire: int = 0, hire_minutes: int = 0) -> FleetEntry:
    return FleetEntry(depot, vehicle.code, count, hire, hire_minutes)


def test_no_truck_carries_more_than_its_payload(depot_with_two_small_lorries):
    p = depot_with_two_small_lorries
    loaded = load_trucks(p, sent(p, ("D", 1, "WATER", 1000)))  # 13.5 t, 20 m³
    assert [t.vehicle for t in loaded.trucks] == ["L5"] * 3
    assert all(t.load_kg <= t.capacity_kg for t in loaded.trucks)
    assert sum(t.load_kg for t in loaded.trucks) == pytest.approx(13_500.0)


def test_no_truck_carries_more_than_its_volume(depot_with_two_small_lorries):
    p = depot_with_two_small_lorries
    loaded = load_trucks(p, sent(p, ("D", 1, "QUILT", 2000)))  # 6 t but 40 m³: three 18 m³ boxes
    assert len(loaded.trucks) == 3
    assert all(t.load_m3 <= t.capacity_m3 + 1e-9 for t in loaded.trucks)
    assert sum(ln.qty for t in loaded.trucks for s in t.stops for ln in s.lines) == 2000


@pytest.fixture
def depot_with_two_small_lorries() -> DispatchProblem:
    return world([incident(1, 1.0)], [owned(L5, 2)])


def test_a_small_load_rides_along_with_a_truck_going_near_it_but_not_the_other_way():
    p = world([incident(1, 1.0), incident(2, 1.02), incident(3, -1.0)], [owned(L10, 4)])
    loaded = load_trucks(p, sent(p, ("D", 1, "TENT", 100), ("D", 2, "FAK", 1), ("D", 3, "FAK", 1)))
    runs = sorted(sorted(s.incident for s in t.stops) for t in loaded.trucks)
    assert runs == [[1, 2], [3]], "2.5 kg for incident 2 goes on the 4 t truck to incident 1, 2 km away"


def test_a_tight_delivery_window_puts_its_stop_first():
    incidents = [incident(1, 1.0), incident(2, 1.02)]
    loose = world(incidents, [owned(L10, 1)])
    tight = world(incidents, [owned(L10, 1)], windows={"FAK": 150})
    lines = (("D", 1, "TENT", 100), ("D", 2, "FAK", 1))
    assert [s.incident for s in load_trucks(loose, sent(loose, *lines)).trucks[0].stops] == [1, 2]
    assert [s.incident for s in load_trucks(tight, sent(tight, *lines)).trucks[0].stops] == [2, 1]


def test_a_depot_with_one_vehicle_sends_a_second_trip_after_the_first_comes_back():
    p = world([incident(1, 1.0, priority=1), incident(2, 0.0, 1.0)], [owned(L5, 1)])
    result = sent(p, ("D", 1, "TENT", 80), ("D", 2, "TENT", 80))  # 3.2 t and 16 m³ each: a lorry load each
    first, second = load_trucks(p, result).trucks
    assert (first.stops[0].incident, first.trip, first.depart_minutes) == (1, 1, L5.loading_min)
    back = first.stops[0].arrive_minutes + STOP_MIN + drive(result, "D", 1)
    assert (second.stops[0].incident, second.trip, second.depart_minutes) == (2, 2, back + L5.loading_min)
    assert second.stops[0].arrive_minutes == second.depart_minutes + drive(result, "D", 2)


def test_hired_vehicles_leave_only_after_the_hire_time():
    p = world([incident(1, 1.0)], [owned(L10, 0, hire=2, hire_minutes=180)])
    result = sent(p, ("D", 1, "TENT", 100))
    loaded = load_trucks(p, result)
    (truck,) = loaded.trucks
    assert truck.depart_minutes == 180 + L10.loading_min
    assert [s.minutes for s in loaded.shipments] == [truck.depart_minutes + drive(result, "D", 1)]


def test_a_depot_without_a_fleet_hires_10_t_lorries_within_two_hours():
    p = replace(world([incident(1, 1.0)]), vehicles=())
    (truck,) = load_trucks(p, sent(p, ("D", 1, "TENT", 10))).trucks
    assert (truck.vehicle, truck.capacity_kg, truck.depart_minutes) == ("T10", 10_000.0, 120 + 30)


def test_trucks_wait_for_the_depots_daily_loading_capacity():
    incidents = [incident(1, 1.0), incident(2, 0.0, 1.0), incident(3, -1.0)]
    lines = [("D", n, "WATER", 592) for n in (1, 2, 3)]  # 8 t each
    slow = world(incidents, [owned(L10, 3)], outbound_t=10.0)
    fast = world(incidents, [owned(L10, 3)], outbound_t=1000.0)
    assert sorted(t.depart_minutes for t in load_trucks(fast, sent(fast, *lines)).trucks) == [30, 30, 30]
    assert sorted(t.depart_minutes for t in load_trucks(slow, sent(slow, *lines)).trucks) == [30, 1470, 2910]


def test_a_load_left_in_the_window_lets_a_small_one_go_the_same_day():
    p = world([incident(1, 1.0), incident(2, -1.0)], [owned(L10, 2)], outbound_t=10.0)
    loaded = load_trucks(p, sent(p, ("D", 1, "WATER", 592), ("D", 2, "WATER", 148)))  # 8 t and 2 t
    assert sorted(t.depart_minutes for t in loaded.trucks) == [30, 30]


@pytest.fixture
def busy_plan() -> tuple[DispatchProblem, PlanResult]:
    """Two depots sending four items of several lots to five incidents, some lines above a truckload."""
    depots = (DepotSpec("A", "X", 0.0, 0.0, "region", 200.0), DepotSpec("B", "X", 2.0, 0.5, "county", 15.0))
    incidents = [incident(n, lon, lat, priority=1 + n % 4)
                 for n, (lon, lat) in enumerate([(1.0, 0.0), (1.1, 0.1), (1.9, 0.6), (0.2, 1.0), (2.5, 0.2)], 1)]
    p = world(incidents, [owned(L10, 2, "A", hire=3, hire_minutes=120), owned(L5, 1, "A"), owned(L5, 1, "B")],
              depots=depots)
    return p, sent(p, ("A", 1, "TENT", 320), ("A", 1, "WATER", 400, "W1"), ("A", 1, "WATER", 90, "W2"),
                   ("A", 2, "QUILT", 1500), ("A", 4, "FAK", 3), ("A", 3, "TENT", 12), ("B", 3, "WATER", 500, "W9"),
                   ("B", 5, "QUILT", 40), ("B", 5, "FAK", 10), ("B", 3, "FAK", 2))


def test_every_line_rides_on_exactly_one_truck_stop_and_no_unit_is_lost(busy_plan):
    p, result = busy_plan
    loaded = load_trucks(p, result)

    def units(lines):
        total = Counter()
        for s in lines:
            total[(s.depot, s.incident, s.item, s.lot)] += s.qty
        return total

    assert units(loaded.shipments) == units(result.shipments)
    carried = Counter((t.depot, stop.incident, ln.item, ln.lot, ln.qty, stop.arrive_minutes)
                      for t in loaded.trucks for stop in t.stops for ln in stop.lines)
    assert carried == Counter((s.depot, s.incident, s.item, s.lot, s.qty, s.minutes) for s in loaded.shipments)
    assert len(loaded.shipments) > len(result.shipments), "lines above a truckload are split"
    for t in loaded.trucks:
        assert t.load_kg <= t.capacity_kg and t.load_m3 <= t.capacity_m3 + 1e-9
        assert t.load_kg == pytest.approx(sum(ln.qty * WEIGHT_KG[ln.item] for s in t.stops for ln in s.lines), abs=0.05)
        assert [s.arrive_minutes for s in t.stops] == sorted(s.arrive_minutes for s in t.stops) and \
            t.stops[0].arrive_minutes > t.depart_minutes


def test_trucks_are_numbered_by_depot_then_departure(busy_plan):
    trucks = load_trucks(*busy_plan).trucks
    assert [t.id for t in trucks] == list(range(1, len(trucks) + 1))
    assert [(t.depot, t.depart_minutes) for t in trucks] == sorted((t.depot, t.depart_minutes) for t in trucks)


def test_the_same_plan_gives_the_same_trucks(busy_plan):
    assert load_trucks(*busy_plan) == load_trucks(*busy_plan)


def test_a_unit_no_vehicle_can_carry_is_named():
    p = world([incident(1, 1.0)], [owned(L5, 1)], vehicles=(L5, replace(L5, code="VAN", payload_kg=300.0)))
    p = replace(p, fleet=(FleetEntry("D", "VAN", 1, 0, 0),))
    with pytest.raises(InvalidInput, match="one unit of YURT .* does not fit any vehicle of depot D"):
        load_trucks(p, sent(p, ("D", 1, "YURT", 1)))


def test_solving_loads_the_trucks_unless_told_not_to():
    p = replace(world([replace(incident(1, 1.0), needs=(("TENT", 5),))], [owned(L10, 1)]),
                lots=(LotSupply("D", "TENT", "-", None, 5),))
    with_trucks, without = solve(p, "greedy"), solve(p, "greedy", trucks=False)
    assert len(with_trucks.trucks) == 1 and without.trucks == ()
    assert with_trucks.solver.truck_seconds >= 0.0
    assert with_trucks.shipments[0].minutes == with_trucks.trucks[0].stops[0].arrive_minutes


def _routing_cost(r, routes) -> int:
    """The routing model's objective for ``routes`` (per vehicle, its stops in order) of a ``Routing``."""
    import numpy as np

    total = 0
    for v, route in enumerate(routes):
        if not route:
            continue
        clock, here, total = int(r.ready[v]), 0, total + int(r.fixed[v])
        for node in [*route, 0]:
            leg = int(np.rint(r.drive[here, node] * r.slowness[v]))
            total += leg
            clock += leg + int(r.service[here])
            if node:
                w = int(r.weight[node])
                total += w * clock + r.late * w * max(clock - int(r.window[node]), 0)
            here = node
    return total


def _random_routing(seed: int, stops: int):
    import numpy as np

    from relief.routing.core import solver

    rng = np.random.default_rng(seed)
    vehicles = int(rng.integers(2, 8))
    drive = rng.integers(5, 900, (stops + 1, stops + 1))
    np.fill_diagonal(drive, 0)
    return solver.Routing(drive, np.array([0] + [STOP_MIN] * stops),
                          np.vstack([[0, 0], rng.integers(100, 4000, (stops, 2))]),
                          np.concatenate([[0], rng.integers(30, 900, stops)]),
                          np.concatenate([[0], rng.choice([1, 2, 4, 8], stops)]),
                          rng.integers(2000, 12000, (vehicles, 2)), rng.choice([1.0, 1.2, 1.5], vehicles),
                          rng.integers(10, 40, vehicles), rng.integers(30, 400, vehicles))


@pytest.mark.parametrize("stops", [1, 2])
@pytest.mark.parametrize("seed", range(40))
def test_one_or_two_stops_are_answered_at_least_as_well_as_the_routing_search(seed, stops):
    from relief.routing.core import solver

    r = _random_routing(seed, stops)
    fast, searched = solver.truck_routes(r), solver._search(r)
    assert (fast is None) == (searched is None)
    if fast is not None:
        assert sorted(node for route in fast for node in route) == list(range(1, stops + 1))
        assert _routing_cost(r, fast) <= _routing_cost(r, searched)
        if stops == 1:
            assert _routing_cost(r, fast) == _routing_cost(r, searched)


@pytest.mark.parametrize("seed", range(60))
def test_a_single_stop_gets_the_vehicle_type_the_routing_model_would_give_it(seed):
    import numpy as np

    from relief.routing.core import solver, trucks

    rng = np.random.default_rng(seed)
    slow = Vehicle("L20", "20 t lorry", 20000.0, 60.0, 50.0, 40, 1500.0)
    types = [L5, L10, slow]
    entries = tuple(FleetEntry("D", v.code, int(rng.integers(0, 3)), int(rng.integers(0, 3)),
                               int(rng.integers(0, 240))) for v in types)
    inc = incident(1, 1.0, priority=int(rng.integers(1, 5)))
    p = world([inc], windows={"TENT": int(rng.integers(60, 1500))})
    qty = int(rng.integers(1, 300))  # within what the largest type carries, as the full loads leave it
    stop = trucks._Stop(1, (("TENT", "-", qty),), qty * WEIGHT_KG["TENT"], qty * VOLUME_M3["TENT"])
    depot = trucks._Depot(None, entries, {1: int(rng.integers(5, 900))}, {1: 100.0})
    between = trucks._Between({1: inc}, {1: 0}, np.zeros((1, 1), np.int64), np.zeros((1, 1)))
    routing, planned = trucks._routing(p, depot, [stop], types, between)
    routes = solver.truck_routes(routing)
    expected = types[-1] if routes is None else next(planned[v] for v, route in enumerate(routes) if route)
    assert trucks._alone(p, depot, stop, types, between) == expected
