"""What a planning method returns, as typed records: no I/O, standard library only.

``Method`` names the two planners and ``SolveStatus`` what the solver proved; a
``PlanResult`` holds the shipments, team trips and shortfalls a method decided, and
``IncidentFill`` / ``Totals`` are how ``summary`` explains a result. The enums are
``str`` enums, so they compare equal to, and serialise as, their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from relief.errors import InvalidInput


class Method(str, Enum):
    """How a plan is made: the optimizer or the coordinator's rule of thumb."""

    OPTIMAL = "optimal"
    GREEDY = "greedy"

    @classmethod
    def parse(cls, value: object) -> Method:
        """``value`` as a ``Method``; raises ``InvalidInput`` naming the value and the choices."""
        try:
            return cls(value)
        except ValueError:
            raise InvalidInput(f"method must be one of {', '.join(m.value for m in cls)}; got {value!r}",
                               option="method") from None


class SolveStatus(str, Enum):
    """What is known about a result: proven optimal, feasible (search cut short), failed, or a heuristic's."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    FAILED = "failed"
    HEURISTIC = "heuristic"


class PlanStatus(str, Enum):
    """Where a plan is in its life; a drill's plan is never saved."""

    DRAFT = "draft"
    COMMITTED = "committed"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    DRILL = "drill"


@dataclass(frozen=True)
class Shipment:
    """Units of one lot sent from a depot to an incident, with the trip's km and minutes."""

    depot: str
    incident: int
    item: str
    lot: str
    qty: int
    km: float
    minutes: int


@dataclass(frozen=True)
class TeamTrip:
    """A ready team sent to an incident: its kind and headcount (``members``), the team
    request it covers (``request``, as the incident asked: a kind or a skill), the road
    km and the minutes until it arrives (mobilisation included)."""

    team: str
    kind: str
    incident: int
    km: float
    minutes: int
    members: int = 0
    request: str = ""


@dataclass(frozen=True)
class Shortfall:
    """Units of an item an incident needs that the plan does not send."""

    incident: int
    item: str
    qty: int


@dataclass(frozen=True)
class TeamShortfall:
    """What no ready team covers of one team request of an incident: ``count`` teams and
    ``people`` people still missing. ``kind`` names the request as it was asked (a team
    kind or a skill)."""

    incident: int
    kind: str
    count: int
    people: int = 0


@dataclass(frozen=True)
class TruckLine:
    """Units of one lot a truck unloads at a stop."""

    item: str
    lot: str
    qty: int


@dataclass(frozen=True)
class TruckStop:
    """One stop of a truck run: the incident, when the truck arrives, what it unloads."""

    incident: int
    arrive_minutes: int
    lines: tuple[TruckLine, ...]


@dataclass(frozen=True)
class Truck:
    """One truck run (a waybill): number, depot, vehicle type, capacity and load, departure and stops in order.

    ``trip`` is 1 for a vehicle's first run and 2, 3 ... for runs it makes after it has
    come back; ``km`` is the road length of the run out to its last stop."""

    id: int
    depot: str
    vehicle: str
    capacity_kg: float
    capacity_m3: float
    load_kg: float
    load_m3: float
    depart_minutes: int
    stops: tuple[TruckStop, ...]
    trip: int = 1
    km: float = 0.0


@dataclass(frozen=True)
class SolverInfo:
    """How a result was computed: status, what was proven, objective and bound, timings, size."""

    status: SolveStatus
    method: str
    objective: float | None
    bound: float | None
    seconds: float
    build_seconds: float
    subproblems: int
    arcs: int
    proven_optimal: bool
    proof: str
    team_objective: float | None = None
    restriction: str | None = None
    rounds: int = 1
    truck_seconds: float = 0.0
    ride_alongs: int = 0


@dataclass(frozen=True)
class PlanResult:
    """What a method decided: shipments, team trips, shortfalls and solver facts."""

    shipments: tuple[Shipment, ...]
    teams: tuple[TeamTrip, ...]
    unmet: tuple[Shortfall, ...]
    teams_unmet: tuple[TeamShortfall, ...]
    solver: SolverInfo | None = None
    trucks: tuple[Truck, ...] = ()


@dataclass(frozen=True)
class IncidentFill:
    """One incident in a plan: where it is, what it needs and how well the plan serves it."""

    id: int
    name: str
    county: str
    lon: float
    lat: float
    priority: int
    need_units: int
    people: int
    fill: float
    fill_12h: float
    fill_24h: float
    t50_minutes: int | None
    t90_minutes: int | None
    first_arrival_minutes: int | None
    first_team_minutes: int | None
    unmet_items: tuple[str, ...]


@dataclass(frozen=True)
class Totals:
    """A plan's totals: units, shares met, tonnes and tonne-km, unmet, teams."""

    incidents: int
    need_units: int
    shipped_units: int
    unmet_units: int
    fill: float
    fill_12h: float
    fill_24h: float
    t50_minutes: int | None
    t90_minutes: int | None
    weighted_fill: float
    worst_fill: float
    weighted_unmet: float
    weighted_unmet_units: int
    shortfall_penalty: float
    tonnes: float
    tonne_km: float
    shipment_lines: int
    teams_sent: int
    team_requests_uncovered: int
    trucks: int = 0
    truck_km: float = 0.0
    team_people_uncovered: int = 0
