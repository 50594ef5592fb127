"""The dispatch problem and its result: frozen, validated plain objects, no I/O.

A ``DispatchProblem`` holds everything a plan is computed from: open incidents with
their needs and team requests, the available lots at each depot, ready teams, item
weights, reserve floors and the parameters. Both the optimizer and the greedy rule of
thumb take one and return a ``PlanResult`` (``routing.core.results``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from relief.errors import InvalidInput
from relief.routing.core.travel import TravelParams

PRIORITY_WEIGHT = {1: 8, 2: 4, 3: 2, 4: 1}
SEGMENTS = 8
DEFAULT_WINDOW_MIN = 24 * 60


@dataclass(frozen=True)
class IncidentSpec:
    """An open incident: its remaining needs {item: qty} and team requests {kind: n}.

    ``spread_km`` is how far, as a root-mean-square distance, the people it stands for
    live from its point (0 for an incident at one place; a county's affected population
    for a drill); it lengthens every trip to the incident."""

    id: int
    name: str
    county: str
    lon: float
    lat: float
    priority: int
    people: int
    needs: tuple[tuple[str, int], ...]
    teams: tuple[tuple[str, int], ...] = ()
    spread_km: float = 0.0


@dataclass(frozen=True)
class DepotSpec:
    """A depot as the planner sees it."""

    code: str
    county: str
    lon: float
    lat: float
    level: str
    outbound_t_day: float


@dataclass(frozen=True)
class LotSupply:
    """Available units of one lot at one depot (on hand less reserved, not expired)."""

    depot: str
    item: str
    lot: str
    expires: date | None
    qty: int


@dataclass(frozen=True)
class TeamSpec:
    """A ready team and where it starts from."""

    code: str
    kind: str
    lon: float
    lat: float


@dataclass(frozen=True)
class PlanParams:
    """How to plan: travel estimate, candidate arcs (``nearest``: None for the whole
    network), reserve floors, start, and delivery-window overrides {item kind: minutes}."""

    travel: TravelParams = field(default_factory=TravelParams)
    nearest: int | None = None
    keep_reserve: bool = False
    start: datetime = field(default_factory=lambda: datetime(2000, 1, 1))
    team_mobilise_min: int = 60
    windows: tuple[tuple[str, int], ...] = ()

    def __post_init__(self):
        if self.nearest is not None and self.nearest < 1:
            raise InvalidInput(f"nearest must be 1 or more, got {self.nearest}", option="nearest")

    def arrival_day(self, minutes) -> date:
        """The date on which something leaving at ``start`` arrives after ``minutes``."""
        return (self.start + timedelta(minutes=int(minutes))).date()


@dataclass(frozen=True)
class DispatchProblem:
    """Everything a plan is computed from. Raises ``InvalidInput`` when inconsistent."""

    incidents: tuple[IncidentSpec, ...]
    depots: tuple[DepotSpec, ...]
    lots: tuple[LotSupply, ...]
    teams: tuple[TeamSpec, ...]
    weight_kg: dict[str, float] = field(hash=False, compare=False)
    floors: dict[tuple[str, str], int] = field(default_factory=dict, hash=False, compare=False)
    params: PlanParams = field(default_factory=PlanParams)
    volume_m3: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    window_min: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    def window(self, item: str) -> int:
        """Minutes from the start within which ``item`` should arrive (``DEFAULT_WINDOW_MIN`` when none is set)."""
        return self.window_min.get(item, DEFAULT_WINDOW_MIN)

    def __post_init__(self):
        codes = {d.code for d in self.depots}
        for lot in self.lots:
            if lot.depot not in codes or lot.qty <= 0 or lot.item not in self.weight_kg:
                raise InvalidInput(f"lot {lot.lot} of {lot.item} at {lot.depot}: unknown depot or item, or no units")
        for inc in self.incidents:
            if inc.priority not in PRIORITY_WEIGHT:
                raise InvalidInput(f"incident {inc.id}: priority {inc.priority} is not 1-4")
            for item, qty in inc.needs:
                if item not in self.weight_kg or qty <= 0:
                    raise InvalidInput(f"incident {inc.id}: need {item}={qty} names an unknown item or no units")
