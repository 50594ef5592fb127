"""The truck stage: a plan's shipments as truckloads, runs and waybills. Plain Python and numpy.

``load_trucks`` takes what a method allocated and returns it with ``trucks`` filled and
every shipment line's ``minutes`` set to the arrival of the truck stop that carries it. A
line that rides on several trucks is split, one line per truck stop; the units per depot,
incident, item and lot do not change. Each sending depot is handled on its own:

1. Loads. Every unit must fit the depot's largest vehicle type, else ``InvalidInput``
   names the item. An incident that receives more than that vehicle carries (by weight or
   by volume) gets full loads of it, each driving straight there, until the rest fits one.
2. Runs (``solver.truck_routes``, OR-Tools routing). The rest for each incident is a stop;
   the depot's stops are grouped into runs, each on one vehicle type within its payload
   and volume, and put in order: a capacitated vehicle routing problem with soft time
   windows, every route closed. Its cost, in minutes: driving out and back (at the
   vehicle's speed when that is below the plan's); a fixed cost for every truck used, its
   trip cost in yuan / ``YUAN_PER_MIN`` (at least ``MIN_FIXED``), so that a small load
   rides along with a truck going that way anyway; each stop's arrival, weighted by its
   incident's priority weight (8, 4, 2, 1), so that no truck wanders far for a small load;
   and ``LATE`` times that weight for each minute a stop is past its window (the earliest
   delivery window of what it receives): lateness is penalised, never forbidden, so there
   is always a solution. The largest type offers a truck per stop, the others as many as
   the depot owns and may hire; those beyond what it owns are ready after the hire time,
   and those beyond what it may hire after an estimated round trip (a second trip), so
   that a depot with few vehicles fills them.
   Effort: PATH_CHEAPEST_ARC, then greedy descent capped at ``solver.ROUTE_SOLUTIONS``
   improving solutions (no time limit governs it, so plans repeat exactly); a depot with
   more than ``ROUTE_MAX`` stops has them cut into groups of at most that many by sweeping
   round the depot by bearing, each group routed on its own.
3. Schedule. Runs go, most urgent first (best priority, earliest window, shortest run),
   each to the vehicle that brings it to its last stop first (ties: a vehicle at hand
   before a new hire, then the smaller): an owned vehicle is ready at the start, a hired
   one after the fleet's ``hire_hours`` (hired only when it is the earliest), and one that
   has come back (last stop, unloading, the drive back) loads again for a second trip
   (``trip`` 2, 3 ...). Loading takes the vehicle's ``loading_min``; the truck then drives
   to each stop in turn and unloads ``STOP_MIN`` minutes at each.

Loading capacity. A depot loads at most its ``outbound_t_day`` tonnes in any 24 hours (a
rolling window, counted when loading starts); a truck whose load would exceed it waits
until enough earlier loads leave the window (a single load above a whole day's capacity
goes alone). Capacity thus delays trucks instead of cutting what is sent, which replaces
the former cap on a plan's tonnes per depot. A depot with capacity 0 is not limited.

Travel. Depot to incident as on the shipment line: its km, and its minutes less the
plan's handling time (the vehicle's loading time replaces it), slowed by
``max(1, plan speed / vehicle speed)``. Between incidents: ``travel.estimate`` with the
plan's circuity, speed, county slowdowns and spread, without handling.
"""

from __future__ import annotations

import bisect
import dataclasses
import math

import numpy as np

from relief.depot.fleet import DEFAULT_VEHICLE, FleetEntry, Vehicle, default_entry
from relief.errors import InvalidInput
from relief.routing.core import solver
from relief.routing.core.problem import PRIORITY_WEIGHT, DepotSpec, DispatchProblem, IncidentSpec
from relief.routing.core.results import PlanResult, Shipment, Truck, TruckLine, TruckStop
from relief.routing.core.travel import estimate

STOP_MIN = 15  # minutes a truck spends unloading at each stop (an assumption)
ROUTE_MAX = 20  # stops routed together at most; more are cut into groups by bearing
LATE = 10  # a minute past a stop's window costs this many times a minute of its arrival
YUAN_PER_MIN = 10  # a truck's fixed cost in the routing: its trip cost in yuan / this, as minutes
MIN_FIXED = 30
DAY_MIN = 24 * 60
EPS = 1e-6

Lines = dict[tuple[str, str], int]  # (item, lot) -> units


@dataclasses.dataclass(frozen=True)
class _Stop:
    """What a run unloads at one incident."""

    incident: int
    lines: tuple[tuple[str, str, int], ...]
    kg: float
    m3: float


@dataclasses.dataclass(frozen=True)
class _Run:
    """Stops in order, planned for a vehicle type."""

    vehicle: Vehicle
    stops: tuple[_Stop, ...]


@dataclasses.dataclass
class _Unit:
    """A vehicle of a depot during the schedule: when it is next ready and how many trips it made."""

    vehicle: Vehicle
    free: int
    trips: int = 0


@dataclasses.dataclass(frozen=True)
class _Depot:
    """One depot's side of the plan: its fleet and the incidents it sends to."""

    spec: DepotSpec | None
    entries: tuple[FleetEntry, ...]
    drive: dict[int, int]  # incident -> minutes of driving at the plan's speed
    km: dict[int, float]


def load_trucks(p: DispatchProblem, r: PlanResult) -> PlanResult:
    """Takes a problem and a method's result for it; returns the result with ``trucks`` (ids
    1..N by depot code, then departure) and its shipment lines re-timed to the truck arrivals,
    split where a line rides on several trucks.

    Raises ``InvalidInput`` naming the item when one unit is heavier or bulkier than every
    vehicle the sending depot has.
    """
    if not r.shipments:
        return dataclasses.replace(r, trucks=())
    vehicles = {v.code: v for v in p.vehicles} or {DEFAULT_VEHICLE.code: DEFAULT_VEHICLE}
    between = _between(p, sorted({s.incident for s in r.shipments}))
    specs = {d.code: d for d in p.depots}
    by_depot: dict[str, list[Shipment]] = {}
    for s in r.shipments:
        by_depot.setdefault(s.depot, []).append(s)
    fleet: dict[str, list[FleetEntry]] = {}
    for e in p.fleet:
        if e.vehicle in vehicles and e.owned + e.hire > 0:
            fleet.setdefault(e.depot, []).append(e)
    trucks: list[Truck] = []
    for code, lines in sorted(by_depot.items()):
        entries = tuple(fleet.get(code, ())) or (default_entry(code, tuple(vehicles.values())),)
        handling = p.params.travel.handling_min
        depot = _Depot(specs.get(code), entries, {s.incident: max(s.minutes - handling, 0) for s in lines},
                       {s.incident: s.km for s in lines})
        trucks += _depot_trucks(p, code, depot, lines, vehicles, between)
    trucks.sort(key=lambda t: (t.depot, t.depart_minutes, t.stops[0].arrive_minutes, t.vehicle,
                               tuple(s.incident for s in t.stops)))
    trucks = [dataclasses.replace(t, id=n) for n, t in enumerate(trucks, start=1)]
    km = {(s.depot, s.incident): s.km for s in r.shipments}
    shipments = [Shipment(t.depot, stop.incident, ln.item, ln.lot, ln.qty, km[(t.depot, stop.incident)],
                          stop.arrive_minutes) for t in trucks for stop in t.stops for ln in stop.lines]
    shipments.sort(key=lambda s: (s.incident, s.item, s.minutes, s.depot, s.lot))
    return dataclasses.replace(r, shipments=tuple(shipments), trucks=tuple(trucks))


@dataclasses.dataclass(frozen=True)
class _Between:
    """The incidents of a plan by id, and the driving minutes (no handling) and km between
    those that receive anything (rows and columns in the order of ``index``)."""

    incidents: dict[int, IncidentSpec]
    index: dict[int, int]
    minutes: np.ndarray
    km: np.ndarray

    def drive(self, a: int, b: int) -> int:
        return int(self.minutes[self.index[a], self.index[b]])


def _between(p: DispatchProblem, ids: list[int]) -> _Between:
    incs = {inc.id: inc for inc in p.incidents}
    rows = [incs[i] for i in ids]
    lon, lat = [i.lon for i in rows], [i.lat for i in rows]
    counties = [i.county for i in rows]
    params = dataclasses.replace(p.params.travel, handling_min=0, table={}, cut=frozenset())
    travel = estimate(params, [f"incident {i}" for i in ids], lon, lat, counties, lon, lat,
                      [i.spread_km for i in rows])
    minutes, km = travel.minutes.copy(), travel.km.copy()
    np.fill_diagonal(minutes, 0)
    np.fill_diagonal(km, 0.0)
    return _Between(incs, {i: n for n, i in enumerate(ids)}, minutes, km)


def _depot_trucks(p: DispatchProblem, code: str, depot: _Depot, lines: list[Shipment],
                  vehicles: dict[str, Vehicle], between: _Between) -> list[Truck]:
    """The trucks one depot sends for its shipment ``lines``."""
    types = sorted({vehicles[e.vehicle] for e in depot.entries}, key=lambda v: (v.payload_kg, v.volume_m3, v.code))
    per_incident: dict[int, Lines] = {}
    for s in lines:
        _fits(p, s.item, types[-1], code)
        key = (s.item, s.lot)
        per_incident.setdefault(s.incident, {})
        per_incident[s.incident][key] = per_incident[s.incident].get(key, 0) + s.qty
    big = _full_load_type(p, depot, types, {s.item for s in lines})
    runs, rest = [], []
    for incident in sorted(per_incident):
        full, left = _full_loads(p, per_incident[incident], big)
        runs += [_Run(big, (_stop(p, incident, load),)) for load in full]
        if left:
            rest.append(_stop(p, incident, left))
    for group in _groups(depot, rest, between):
        runs += _route(p, depot, group, types, between)
    return _schedule(p, code, depot, runs, vehicles, between)


def _fits(p: DispatchProblem, item: str, big: Vehicle, depot: str) -> None:
    """Refuse an item one unit of which no vehicle of ``depot`` can carry."""
    kg, m3 = p.weight_kg[item], p.volume_m3.get(item, 0.0)
    if kg > big.payload_kg + EPS or m3 > big.volume_m3 + EPS:
        raise InvalidInput(f"one unit of {item} ({kg:g} kg, {m3:g} m³) does not fit any vehicle of depot {depot}: "
                           f"its largest, {big.code}, carries {big.payload_kg / 1000:g} t and {big.volume_m3:g} m³",
                           field="item")


def _full_load_type(p: DispatchProblem, depot: _Depot, types: list[Vehicle], items: set[str]) -> Vehicle:
    """The vehicle full loads are packed for: the largest type the depot owns, when every
    item it sends fits one (its trucks leave at once; hired larger ones may still carry
    these loads), else its largest type."""
    owned = {e.vehicle for e in depot.entries if e.owned > 0}
    mine = [v for v in types if v.code in owned]
    if mine and all(_carries(mine[-1], p.weight_kg[i], p.volume_m3.get(i, 0.0)) for i in items):
        return mine[-1]
    return types[-1]


def _weight(p: DispatchProblem, lines: Lines) -> tuple[float, float]:
    return (sum(q * p.weight_kg[i] for (i, _), q in lines.items()),
            sum(q * p.volume_m3.get(i, 0.0) for (i, _), q in lines.items()))


def _full_loads(p: DispatchProblem, lines: Lines, big: Vehicle) -> tuple[list[Lines], Lines]:
    """Full loads of ``big`` taken from ``lines`` (in item, lot order) until the rest fits one; (loads, rest)."""
    left = dict(sorted(lines.items()))
    loads = []
    while True:
        kg, m3 = _weight(p, left)
        if kg <= big.payload_kg + EPS and m3 <= big.volume_m3 + EPS:
            return loads, {k: q for k, q in left.items() if q}
        load, used_kg, used_m3 = {}, 0.0, 0.0
        for (item, lot), qty in left.items():
            w, v = p.weight_kg[item], p.volume_m3.get(item, 0.0)
            room = qty
            if w > 0:
                room = min(room, math.floor((big.payload_kg - used_kg) / w + EPS))
            if v > 0:
                room = min(room, math.floor((big.volume_m3 - used_m3) / v + EPS))
            if room > 0:
                load[(item, lot)] = room
                left[(item, lot)] = qty - room
                used_kg, used_m3 = used_kg + room * w, used_m3 + room * v
        loads.append(load)


def _stop(p: DispatchProblem, incident: int, lines: Lines) -> _Stop:
    kg, m3 = _weight(p, lines)
    return _Stop(incident, tuple((i, lot, q) for (i, lot), q in sorted(lines.items())), kg, m3)


def _groups(depot: _Depot, stops: list[_Stop], between: _Between) -> list[list[_Stop]]:
    """``stops`` cut into groups of at most ``ROUTE_MAX`` by bearing round the depot (one group when few)."""
    if len(stops) <= ROUTE_MAX:
        return [stops] if stops else []
    here = depot.spec or DepotSpec("", "", 0.0, 0.0, "", 0.0)
    scale = math.cos(math.radians(here.lat))

    def bearing(s: _Stop) -> tuple[float, int]:
        inc = between.incidents[s.incident]
        return math.atan2(inc.lat - here.lat, (inc.lon - here.lon) * scale), s.incident

    ordered = sorted(stops, key=bearing)
    size = math.ceil(len(ordered) / math.ceil(len(ordered) / ROUTE_MAX))
    return [ordered[n:n + size] for n in range(0, len(ordered), size)]


def _slowness(p: DispatchProblem, v: Vehicle) -> float:
    return max(1.0, p.params.travel.speed_kmh / v.speed_kmh)


def _fixed(v: Vehicle) -> int:
    return max(MIN_FIXED, round(v.cost_per_trip / YUAN_PER_MIN))


def _route(p: DispatchProblem, depot: _Depot, stops: list[_Stop], types: list[Vehicle],
           between: _Between) -> list[_Run]:
    """Runs for one group of stops (``solver.truck_routes``); each stop on its own run of
    the largest type should the search find nothing."""
    if len(stops) == 1:
        return [_Run(_alone(p, depot, stops[0], types, between), tuple(stops))]
    routing, planned = _routing(p, depot, stops, types, between)
    routes = solver.truck_routes(routing)
    if routes is None:
        return [_Run(types[-1], (s,)) for s in stops]
    return [_Run(planned[v], tuple(stops[node - 1] for node in route)) for v, route in enumerate(routes) if route]


def _routing(p: DispatchProblem, depot: _Depot, stops: list[_Stop], types: list[Vehicle],
             between: _Between) -> tuple[solver.Routing, list[Vehicle]]:
    """The routing model's arrays for a group of stops, and the vehicle type of each of its vehicles."""
    at = np.array([between.index[s.incident] for s in stops])
    n = len(stops) + 1
    drive = np.zeros((n, n), np.int64)
    drive[1:, 1:] = between.minutes[np.ix_(at, at)]
    drive[0, 1:] = drive[1:, 0] = [depot.drive[s.incident] for s in stops]
    incs = between.incidents
    window = np.array([0] + [min(p.window(i) for i, _, _ in s.lines) for s in stops], np.int64)
    weight = np.array([0] + [PRIORITY_WEIGHT[incs[s.incident].priority] for s in stops], np.int64)
    load = np.array([[0, 0]] + [[math.ceil(s.kg - EPS), math.ceil(s.m3 * 1000 - EPS)] for s in stops], np.int64)
    service = np.array([0] + [STOP_MIN] * len(stops), np.int64)
    round_trip = 2 * float(np.median(drive[0, 1:])) + STOP_MIN
    fleet = {e.vehicle: e for e in depot.entries}
    planned, capacity, slowness, ready, fixed = [], [], [], [], []
    for v in types:
        cap = [math.floor(v.payload_kg + EPS), math.floor(v.volume_m3 * 1000 + EPS)]
        count = sum(1 for row in load[1:] if row[0] <= cap[0] and row[1] <= cap[1])
        e = fleet[v.code]
        if v is not types[-1]:  # the largest type can take every stop alone; the others what the depot has
            count = min(count, e.owned + e.hire)
        for j in range(count):
            if j < e.owned:
                wait = 0
            elif j < e.owned + e.hire:
                wait = e.hire_minutes
            else:
                wait = (j // max(e.owned + e.hire, 1)) * round(round_trip + v.loading_min)
            planned.append(v)
            capacity.append(cap)
            slowness.append(_slowness(p, v))
            ready.append(v.loading_min + wait)
            fixed.append(_fixed(v))
    return solver.Routing(drive, service, load, window, weight, np.array(capacity, np.int64), np.array(slowness),
                          np.array(ready, np.int64), np.array(fixed, np.int64), LATE), planned


def _alone(p: DispatchProblem, depot: _Depot, stop: _Stop, types: list[Vehicle], between: _Between) -> Vehicle:
    """The vehicle type of the run to a single stop, as ``_route`` and the routing model
    would choose it (``solver.alone_cost``), without building the model's arrays: each
    type's first vehicle the depot can send is the cheapest of its type (the others
    leave later), the first type of least cost wins; the largest type when none carries
    the load."""
    drive = depot.drive[stop.incident]
    window = min(p.window(i) for i, _, _ in stop.lines)
    weight = PRIORITY_WEIGHT[between.incidents[stop.incident].priority]
    load = (math.ceil(stop.kg - EPS), math.ceil(stop.m3 * 1000 - EPS))
    fleet = {e.vehicle: e for e in depot.entries}
    best = None
    for v in types:
        if load[0] > math.floor(v.payload_kg + EPS) or load[1] > math.floor(v.volume_m3 * 1000 + EPS):
            continue
        e = fleet[v.code]
        if v is not types[-1] and e.owned + e.hire == 0:
            continue
        wait = 0 if e.owned > 0 else e.hire_minutes if e.hire > 0 else 0
        leg = round(drive * _slowness(p, v))
        cost = solver.alone_cost(leg, leg, v.loading_min + wait, _fixed(v), weight, window, LATE)
        if best is None or cost < best[0]:
            best = (cost, v)
    return types[-1] if best is None else best[1]


def _schedule(p: DispatchProblem, code: str, depot: _Depot, runs: list[_Run], vehicles: dict[str, Vehicle],
              between: _Between) -> list[Truck]:
    """Put ``runs`` on the depot's vehicles, most urgent first, within its loading capacity."""
    incs = between.incidents

    def urgency(run: _Run):
        return (min(incs[s.incident].priority for s in run.stops),
                min(p.window(i) for s in run.stops for i, _, _ in s.lines),
                _times(run, 0, 1.0, depot, between)[1], tuple(s.incident for s in run.stops), run.vehicle.code)

    units = [_Unit(vehicles[e.vehicle], 0) for e in sorted(depot.entries, key=lambda e: e.vehicle)
             for _ in range(e.owned)]
    hires = {e.vehicle: e.hire for e in depot.entries}
    hire_at = {e.vehicle: e.hire_minutes for e in depot.entries}
    dock = _Dock(depot.spec.outbound_t_day * 1000.0 if depot.spec and depot.spec.outbound_t_day > 0 else None)
    trucks = []
    for run in sorted(runs, key=urgency):
        kg, m3 = sum(s.kg for s in run.stops), sum(s.m3 for s in run.stops)
        options = {}
        for n, unit in enumerate(units):
            if _carries(unit.vehicle, kg, m3):
                options.setdefault((unit.vehicle.code, unit.free), (False, n))
        for v_code, left in sorted(hires.items()):
            if left > 0 and _carries(vehicles[v_code], kg, m3):
                options.setdefault((v_code, hire_at[v_code]), (True, None))
        best, starts = None, _earliest(dock, sorted({free for _, free in options}), kg)
        for (v_code, free), (new, n) in options.items():
            v = vehicles[v_code]
            start = starts[free]
            arrive, back = _times(run, start + v.loading_min, _slowness(p, v), depot, between)
            key = (arrive[-1], arrive[0], new, v.payload_kg, v.volume_m3, v_code, free)
            if best is None or key < best[0]:
                best = (key, v, start, arrive, back, new, n)
        _, v, start, arrive, back, new, n = best
        if new:
            hires[v.code] -= 1
            units.append(_Unit(v, hire_at[v.code]))
            n = len(units) - 1
        unit = units[n]
        unit.free, unit.trips = back, unit.trips + 1
        dock.load(start, kg)
        trucks.append(_truck(code, run, unit, start, arrive, kg, m3, depot, between))
    return trucks


def _earliest(dock: _Dock, frees: list[int], kg: float) -> dict[int, int]:
    """When ``kg`` may start loading for each ready time of ``frees`` (ascending). The answer
    never decreases with the ready time and is the same for every ready time up to it, so
    the dock is asked only for ready times past the last answer."""
    starts, last = {}, None
    for free in frees:
        if last is None or free > last:
            last = dock.earliest(free, kg)
        starts[free] = last
    return starts


def _carries(v: Vehicle, kg: float, m3: float) -> bool:
    return kg <= v.payload_kg + EPS and m3 <= v.volume_m3 + EPS


def _times(run: _Run, depart: int, slow: float, depot: _Depot, between: _Between):
    """Arrival minute at each stop of ``run`` leaving at ``depart``, and the minute it is back at the depot."""
    clock, arrive, here = depart, [], None
    for stop in run.stops:
        leg = depot.drive[stop.incident] if here is None else between.drive(here, stop.incident)
        clock += round(leg * slow)
        arrive.append(clock)
        clock += STOP_MIN
        here = stop.incident
    return arrive, clock + round(depot.drive[here] * slow)


class _Dock:
    """A depot's loading capacity: at most ``cap`` kg of loads started in any 24 hours (None: no limit)."""

    def __init__(self, cap: float | None):
        self.cap = cap
        self.starts: list[int] = []  # sorted
        self.kg: list[float] = []
        self.total = 0.0
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None

    def load(self, start: int, kg: float) -> None:
        """Record a load of ``kg`` started at ``start``."""
        at = bisect.bisect_right(self.starts, start)
        self.starts.insert(at, start)
        self.kg.insert(at, kg)
        self.total += kg
        self._arrays = None

    def earliest(self, ready: int, kg: float) -> int:
        """The first minute from ``ready`` at which ``kg`` may start loading (a single load
        above the whole capacity goes alone)."""
        limit = max(self.cap, kg) + EPS if self.cap is not None else None
        if limit is None or self.total + kg <= limit:
            return ready
        if self._arrays is None:
            self._arrays = (np.array(self.starts, np.int64), np.concatenate([[0.0], np.cumsum(self.kg)]))
        starts, cumulative = self._arrays
        later = starts + DAY_MIN
        for t in [ready] + sorted(set(later[later > ready].tolist())):
            # the windows [a, a + 24 h) holding t: the fullest opens at t or at a load started in the day before
            opening = np.concatenate([[t], starts[(starts > t - DAY_MIN) & (starts <= t)]])
            inside = (cumulative[np.searchsorted(starts, opening + DAY_MIN)] -
                      cumulative[np.searchsorted(starts, opening)])
            if inside.max() + kg <= limit:
                return int(t)
        raise AssertionError("a load always fits once every earlier load has left its window")


def _truck(code: str, run: _Run, unit: _Unit, start: int, arrive: list[int], kg: float, m3: float, depot: _Depot,
           between: _Between) -> Truck:
    stops = tuple(TruckStop(s.incident, a, tuple(TruckLine(i, lot, q) for i, lot, q in s.lines))
                  for s, a in zip(run.stops, arrive))
    road = depot.km[run.stops[0].incident] + sum(float(between.km[between.index[a.incident], between.index[b.incident]])
                                                 for a, b in zip(run.stops, run.stops[1:]))
    v = unit.vehicle
    return Truck(0, code, v.code, v.payload_kg, v.volume_m3, round(kg, 1), round(m3, 3),
                 start + v.loading_min, stops, unit.trips, round(road, 1))
