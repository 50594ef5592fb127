"""Drill scenarios: a TOML file read into frozen, validated objects. No database.

A scenario names a hazard and its parameters, a start time (the date decides the
season; years 1900 to 2200), and changes to the world: depots closed or damaged, teams
unavailable, travel slowed in counties or inside a polygon, roads cut. Every field is
checked here; a bad one raises ``ScenarioError`` naming the field and what is allowed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from shapely.geometry import Polygon

from relief.depot import datafiles, text
from relief.errors import InvalidInput, ScenarioError

HAZARDS = ("earthquake", "blizzard", "flood", "incidents")
SEVERITIES = {"minor": 1, "moderate": 2, "severe": 3, "extreme": 4}
START_YEARS = (1900, 2200)


@dataclass(frozen=True)
class Earthquake:
    """Epicentre, magnitude (Ms), focal depth and, optionally, the strike of the long axis."""

    lon: float
    lat: float
    magnitude: float
    depth_km: float = 10.0
    strike_deg: float | None = None


@dataclass(frozen=True)
class Area:
    """Counties (adcodes) and/or a polygon [(lon, lat), ...]."""

    counties: tuple[str, ...] = ()
    polygon: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Blizzard:
    """白灾: snow over pastoral counties; herding households are cut off."""

    area: Area
    snow_depth_cm: float
    duration_days: float


@dataclass(frozen=True)
class Flood:
    """A flooded area and its severity 1 (minor) to 4 (extreme)."""

    area: Area
    severity: int


@dataclass(frozen=True)
class TabletopIncident:
    """One incident of a tabletop exercise."""

    name: str
    lon: float
    lat: float
    people: int
    priority: int
    needs: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Incidents:
    """An explicit list of incidents."""

    incidents: tuple[TabletopIncident, ...]


@dataclass(frozen=True)
class Slow:
    """Travel into these counties (or into the polygon) takes ``factor`` times longer."""

    area: Area
    factor: float


@dataclass(frozen=True)
class World:
    """Changes to depots, teams and roads for the drill."""

    depots_closed: tuple[str, ...] = ()
    depots_damaged: tuple[tuple[str, float], ...] = ()
    teams_unavailable: tuple[str, ...] = ()
    slow: tuple[Slow, ...] = ()
    roads_cut: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A whole drill scenario."""

    name: str
    start: datetime
    hazard: Earthquake | Blizzard | Flood | Incidents
    world: World = field(default_factory=World)
    description: str = ""


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario: a TOML file, or the name of a shipped scenario
    (``relief drill scenarios`` lists them).

    Raises ``ScenarioError`` for a bad file, ``UnknownScenario`` for a name that is neither.
    """
    file = Path(path)
    if file.is_file():
        try:
            return from_text(file.read_text(encoding="utf-8"), file.name)
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"{file.name} is not valid TOML: {exc}") from None
    if file.suffix in ("", ".toml") and file.parent == Path("."):
        return shipped(str(path))
    raise ScenarioError(f"scenario file not found: {path}")


def shipped(name: str) -> Scenario:
    """The shipped scenario ``name`` (never a file); raises ``UnknownScenario`` naming the shipped ones."""
    found = datafiles.shipped_scenario(name)
    return from_text(found.text, found.name)


def from_text(content: str | bytes, label: str) -> Scenario:
    """Validate a scenario given as TOML text (bytes must be UTF-8); ``label`` names it in
    messages. Raises ``ScenarioError``."""
    try:
        content = content.decode("utf-8") if isinstance(content, bytes) else content
        data = tomllib.loads(content)
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{label} is not valid TOML: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{label} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{label} is not a readable TOML file: it is nested too deeply to read") from None
    return parse(data)


def parse(data: dict) -> Scenario:
    """Validate a scenario given as a dict (the parsed TOML); raises ``ScenarioError``."""
    _keys(data, "scenario", required=("name", "start", "hazard"), optional=("world", "description"))
    name = _text(data, "name", "name")
    start = _start(data["start"])
    hazard = _hazard(_table(data, "hazard", "hazard"))
    world = _world(_table(data, "world", "world") if "world" in data else {})
    return Scenario(name, start, hazard, world, _checked(text.note, data.get("description"), "description") or "")


def _keys(table: dict, where: str, required: tuple = (), optional: tuple = ()) -> None:
    missing = [k for k in required if k not in table]
    if missing:
        raise ScenarioError(f"{where}: missing field {missing[0]!r}; required: {', '.join(required)}")
    unknown = [k for k in table if k not in required + optional]
    if unknown:
        raise ScenarioError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(required + optional)}")


def _table(data: dict, key: str, where: str) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ScenarioError(f"{where} must be a table ([{key}]), got {value!r}")
    return value


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{where} must be non-empty text, got {value!r}")
    return _checked(text.name, value, where)


def _checked(check, value: object, what: str):
    """``check(value, what)`` (a rule of ``depot.text``), its error raised as a ``ScenarioError``."""
    try:
        return check(value, what)
    except InvalidInput as exc:
        raise ScenarioError(str(exc)) from None


def _number(data: dict, key: str, where: str, low: float, high: float, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low <= value <= high):
        raise ScenarioError(f"{where}.{key} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _start(value) -> datetime:
    start = None
    if isinstance(value, datetime):
        start = value.replace(tzinfo=None)
    elif isinstance(value, date):
        start = datetime.combine(value, time(8, 0))
    elif isinstance(value, str):
        try:
            start = datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            pass
    if start is None:
        raise ScenarioError(f"start must be a date-time such as 2027-01-15T08:00:00+08:00, got {value!r}")
    if not START_YEARS[0] <= start.year <= START_YEARS[1]:
        raise ScenarioError(f"start must be a date-time in the years {START_YEARS[0]} to {START_YEARS[1]}, "
                            f"got {value if isinstance(value, str) else value.isoformat()}")
    return start


def _hazard(h: dict) -> Earthquake | Blizzard | Flood | Incidents:
    kind = h.get("type")
    if kind not in HAZARDS:
        raise ScenarioError(f"hazard.type must be one of {', '.join(HAZARDS)}, got {kind!r}")
    if kind == "earthquake":
        _keys(h, "hazard", ("type", "lon", "lat", "magnitude"), ("depth_km", "strike_deg"))
        strike = h.get("strike_deg")
        return Earthquake(_number(h, "lon", "hazard", -180, 180), _number(h, "lat", "hazard", -90, 90),
                          _number(h, "magnitude", "hazard", 4.0, 8.5),
                          _number(h, "depth_km", "hazard", 1, 70, 10.0),
                          None if strike is None else _number(h, "strike_deg", "hazard", 0, 360))
    if kind == "blizzard":
        _keys(h, "hazard", ("type", "snow_depth_cm", "duration_days"), ("counties", "polygon"))
        return Blizzard(_area(h, "hazard"), _number(h, "snow_depth_cm", "hazard", 1, 300),
                        _number(h, "duration_days", "hazard", 0.5, 60))
    if kind == "flood":
        _keys(h, "hazard", ("type", "severity"), ("counties", "polygon"))
        severity = h.get("severity")
        if isinstance(severity, str):
            severity = SEVERITIES.get(severity.lower(), severity)
        if isinstance(severity, bool) or severity not in (1, 2, 3, 4):
            raise ScenarioError(f"hazard.severity must be 1-4 or one of {', '.join(SEVERITIES)}, got {h.get('severity')!r}")
        return Flood(_area(h, "hazard"), int(severity))
    _keys(h, "hazard", ("type", "incidents"))
    rows = h["incidents"]
    if not isinstance(rows, list) or not rows:
        raise ScenarioError("hazard.incidents must be a non-empty list of [[hazard.incidents]] tables")
    return Incidents(tuple(_incident(r, n) for n, r in enumerate(rows, start=1)))


def _incident(r, n: int) -> TabletopIncident:
    where = f"hazard.incidents[{n}]"
    if not isinstance(r, dict):
        raise ScenarioError(f"{where} must be a table, got {r!r}")
    _keys(r, where, ("lon", "lat", "people"), ("name", "priority", "needs"))
    needs = r.get("needs", {})
    if not isinstance(needs, dict) or any(not isinstance(v, int) or isinstance(v, bool) or v <= 0 for v in needs.values()):
        raise ScenarioError(f"{where}.needs must be a table of ITEM = whole number > 0, got {needs!r}")
    priority = r.get("priority", 3)
    if isinstance(priority, bool) or priority not in (1, 2, 3, 4):
        raise ScenarioError(f"{where}.priority must be 1, 2, 3 or 4, got {priority!r}")
    name = _checked(text.name, r.get("name"), f"{where}.name") or f"incident {n}"
    return TabletopIncident(name, _number(r, "lon", where, -180, 180),
                            _number(r, "lat", where, -90, 90), int(_number(r, "people", where, 0, 10_000_000)),
                            int(priority), tuple(sorted((str(k).upper(), int(v)) for k, v in needs.items())))


def _area(h: dict, where: str) -> Area:
    counties = h.get("counties", [])
    if not isinstance(counties, list) or any(not isinstance(c, (str, int)) for c in counties):
        raise ScenarioError(f"{where}.counties must be a list of county codes (adcodes), got {counties!r}")
    polygon = _polygon(h.get("polygon"), f"{where}.polygon") if "polygon" in h else ()
    if not counties and not polygon:
        raise ScenarioError(f"{where} needs counties = [...] or polygon = [[lon, lat], ...]")
    return Area(tuple(str(c) for c in counties), polygon)


def _polygon(value, where: str) -> tuple[tuple[float, float], ...]:
    ok = isinstance(value, list) and len(value) >= 3 and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)
        and -180 <= p[0] <= 180 and -90 <= p[1] <= 90 for p in value)
    if not ok:
        raise ScenarioError(f"{where} must be a list of at least 3 [lon, lat] pairs in degrees, got {value!r}")
    points = tuple((float(x), float(y)) for x, y in value)
    shape = Polygon(points)
    if not shape.is_valid or shape.area == 0:
        raise ScenarioError(f"{where} is not a valid polygon (its edges cross or it has no area)")
    return points


def _world(w: dict) -> World:
    _keys(w, "world", optional=("depots_closed", "depots_damaged", "teams_unavailable", "slow", "roads_cut"))
    closed = _codes(w, "depots_closed")
    damaged = []
    for n, d in enumerate(_list(w, "depots_damaged", "[[world.depots_damaged]] tables with depot and loss"), start=1):
        where = f"world.depots_damaged[{n}]"
        if not isinstance(d, dict):
            raise ScenarioError(f"{where} must be a table with depot and loss")
        _keys(d, where, ("depot", "loss"))
        depot = _text(d, "depot", f"{where}.depot").upper()
        if any(depot == code for code, _ in damaged):
            raise ScenarioError(f"{where}.depot: depot {depot!r} is already listed as damaged; give each depot once")
        damaged.append((depot, _number(d, "loss", where, 0.0, 1.0)))
    slow = []
    for n, s in enumerate(_list(w, "slow", "[[world.slow]] tables with counties or polygon, and factor"), start=1):
        where = f"world.slow[{n}]"
        if not isinstance(s, dict):
            raise ScenarioError(f"{where} must be a table with counties or polygon, and factor")
        _keys(s, where, ("factor",), ("counties", "polygon"))
        slow.append(Slow(_area(s, where), _number(s, "factor", where, 1.0, 20.0)))
    cut = w.get("roads_cut", [])
    if not isinstance(cut, list) or any(not isinstance(c, list) or len(c) != 2 for c in cut):
        raise ScenarioError(f"world.roads_cut must be a list of [depot or team code, county code] pairs, got {cut!r}")
    return World(closed, tuple(damaged), _codes(w, "teams_unavailable"), tuple(slow),
                 tuple((str(a).upper(), str(b)) for a, b in cut))


def _list(w: dict, key: str, what: str) -> list:
    value = w.get(key, [])
    if not isinstance(value, list):
        raise ScenarioError(f"world.{key} must be a list of {what}, got {value!r}")
    return value


def _codes(w: dict, key: str) -> tuple[str, ...]:
    value = w.get(key, [])
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        raise ScenarioError(f"world.{key} must be a list of codes, got {value!r}")
    return tuple(_checked(text.code, v, f"world.{key}").upper() for v in value)
