"""The dispatch problem and its result: frozen, validated plain objects, no I/O.

A ``DispatchProblem`` holds everything a plan is computed from: open incidents with
their needs and team requests, the available lots at each depot, ready teams, item
weights, reserve floors and the parameters. Both the optimizer and the greedy rule of
thumb take one and return a ``PlanResult`` (``routing.core.results``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from relief.depot.fleet import FleetEntry, Vehicle
from relief.errors import InvalidInput
from relief.routing.core.travel import TravelParams

PRIORITY_WEIGHT = {1: 8, 2: 4, 3: 2, 4: 1}
SEGMENTS = 8
DEFAULT_WINDOW_MIN = 24 * 60


@dataclass(frozen=True)
class TeamRequest:
    """What an incident asks of teams with one skill: ``teams`` teams and/or ``people`` people.

    ``name`` is how it was asked: a team kind (``medical``) or a skill (``search-rescue``);
    ``skill`` is the skill that covers it (``name`` itself when empty; ``routing.books``
    resolves a kind through ``data/team_skills.csv``). Several teams may be combined to
    reach ``people``."""

    name: str
    teams: int = 0
    people: int = 0
    skill: str = ""

    @property
    def need(self) -> str:
        """The skill a team must have to cover this request."""
        return self.skill or self.name


_SHARED: dict[tuple, tuple[tuple, object]] = {}
SHARED_MAX = 64  # a batch needs about 16 (its base problem); a few plans of a server at most are kept


def shared(owners: tuple, name: str, make):
    """``make()``, made once for these very ``owners`` objects (compared by identity and
    kept alive while remembered) and ``name``: what many problems sharing one base
    problem's lots, depots and floors (a batch of drills) would each derive again. The
    value is shared, so its users only read it."""
    key = (name, *map(id, owners))
    hit = _SHARED.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], owners)):
        return hit[1]
    value = make()
    if len(_SHARED) >= SHARED_MAX:
        _SHARED.clear()
    _SHARED[key] = (owners, value)
    return value


def free_first(quantities: list[int], floor: int) -> list[int]:
    """Units free above a reserve ``floor``, lot by lot, for ``quantities`` of lots in
    earliest-expiring order: the free units are the earliest, so the floor stays in the
    latest-expiring lots. Every planner and pass splits a depot's stock this way."""
    free, out = max(0, sum(quantities) - floor), []
    for qty in quantities:
        take = min(qty, free)
        out.append(take)
        free -= take
    return out


@dataclass(frozen=True)
class IncidentSpec:
    """An open incident: its remaining needs {item: qty} and team requests (``TeamRequest``;
    a pair ``(kind, n)`` is read as ``n`` teams of that kind).

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
    teams: tuple[TeamRequest, ...] = ()
    spread_km: float = 0.0

    def __post_init__(self):
        asked = tuple(t if isinstance(t, TeamRequest) else TeamRequest(str(t[0]), int(t[1])) for t in self.teams)
        object.__setattr__(self, "teams", asked)


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
    """A ready team: where it starts from, its headcount and skills, and how it travels.

    A team has the skills it lists and its own ``kind`` (a team of a kind is taken to
    have that kind's skill: ``routing.books`` adds it). ``speed_kmh`` and
    ``mobilise_min`` are its own road speed and time to get going; None takes the
    plan's speed and ``PlanParams.team_mobilise_min``."""

    code: str
    kind: str
    lon: float
    lat: float
    members: int = 0
    skills: frozenset[str] = frozenset()
    speed_kmh: float | None = None
    mobilise_min: int | None = None

    def able(self, skill: str) -> bool:
        """Whether this team can cover a request for ``skill``."""
        return skill == self.kind or skill in self.skills


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
    """Everything a plan is computed from. Raises ``InvalidInput`` when inconsistent.

    ``vehicles`` are the vehicle types and ``fleet`` what each depot can send in them (a
    depot no entry names hires 10 t lorries within 2 h: ``depot.fleet.default_entry``)."""

    incidents: tuple[IncidentSpec, ...]
    depots: tuple[DepotSpec, ...]
    lots: tuple[LotSupply, ...]
    teams: tuple[TeamSpec, ...]
    weight_kg: dict[str, float] = field(hash=False, compare=False)
    floors: dict[tuple[str, str], int] = field(default_factory=dict, hash=False, compare=False)
    params: PlanParams = field(default_factory=PlanParams)
    volume_m3: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    window_min: dict[str, int] = field(default_factory=dict, hash=False, compare=False)
    vehicles: tuple[Vehicle, ...] = ()
    fleet: tuple[FleetEntry, ...] = ()

    def _check_lots(self) -> bool:
        codes = {d.code for d in self.depots}
        for lot in self.lots:
            if lot.depot not in codes or lot.qty <= 0 or lot.item not in self.weight_kg:
                raise InvalidInput(f"lot {lot.lot} of {lot.item} at {lot.depot}: unknown depot or item, or no units")
        return True

    def floor(self, depot: str, item: str) -> int:
        """The reserve floor ``depot`` keeps of ``item`` in this plan (0 unless floors are kept)."""
        return self.floors.get((depot, item), 0) if self.params.keep_reserve else 0

    def window(self, item: str) -> int:
        """Minutes from the start within which ``item`` should arrive (``DEFAULT_WINDOW_MIN`` when none is set)."""
        return self.window_min.get(item, DEFAULT_WINDOW_MIN)

    def __post_init__(self):
        shared((self.lots, self.depots, self.weight_kg), "lots checked", self._check_lots)
        for inc in self.incidents:
            if inc.priority not in PRIORITY_WEIGHT:
                raise InvalidInput(f"incident {inc.id}: priority {inc.priority} is not 1-4")
            for item, qty in inc.needs:
                if item not in self.weight_kg or qty <= 0:
                    raise InvalidInput(f"incident {inc.id}: need {item}={qty} names an unknown item or no units")
            for ask in inc.teams:
                if ask.teams < 0 or ask.people < 0:
                    raise InvalidInput(f"incident {inc.id}: team request {ask.name} asks for a negative number")
        for team in self.teams:
            if team.members < 0 or (team.speed_kmh is not None and not 5 <= team.speed_kmh <= 200) or \
                    (team.mobilise_min is not None and team.mobilise_min < 0):
                raise InvalidInput(f"team {team.code}: members, speed (5-200 km/h) or mobilisation out of range")
