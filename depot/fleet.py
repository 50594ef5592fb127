"""The vehicles depots send supplies in: vehicle types and each depot's fleet, checked.

``vehicles.csv`` lists vehicle types (code, name, payload_t, volume_m3, speed_kmh,
loading_min, cost_per_trip_yuan; source and note optional): the shared
``data/vehicles.csv`` unless a region folder has its own. ``fleet.csv`` of a region says,
per depot and vehicle type, how many vehicles the depot ``owned`` (has), how many it can
``hire`` and how many hours hiring takes (``hire_hours``); a coordinator may give a file
of the same form for one plan. ``vehicle_types`` and ``fleet`` turn such rows into frozen
records, checking every value; ``with_override`` lets a plan's own fleet file replace
the region's rows of the depots it names.

A depot no fleet row names gets ``default_entry``: it hires ``DEFAULT_VEHICLE`` lorries
(10 t) within ``DEFAULT_HIRE_HOURS`` (2 h), as many as it needs. Plain Python: only
``read_file`` reads a file (one a user gives).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from relief.depot import datafiles, rules, text
from relief.depot.columns import check_columns
from relief.errors import InvalidFile, InvalidFleet, InvalidInput, Problem

MAX_PAYLOAD_T, MAX_VOLUME_M3, MAX_COUNT, MAX_HIRE_HOURS = 100.0, 300.0, 1000, 240.0
DEFAULT_HIRE_HOURS = 2.0
UNLIMITED = MAX_COUNT  # hired vehicles of the default entry: as many as a depot needs


@dataclass(frozen=True)
class Vehicle:
    """A vehicle type: payload (kg), cargo volume (m³), average road speed, minutes to load
    it and what a trip costs (yuan)."""

    code: str
    name: str
    payload_kg: float
    volume_m3: float
    speed_kmh: float
    loading_min: int
    cost_per_trip: float


@dataclass(frozen=True)
class FleetEntry:
    """Vehicles of one type a depot can send: ``owned`` at once, up to ``hire`` more after
    ``hire_minutes``."""

    depot: str
    vehicle: str
    owned: int
    hire: int
    hire_minutes: int


# The T10 row of data/vehicles.csv: the type of the default entry when a problem names no
# vehicle types at all (one built by hand).
DEFAULT_VEHICLE = Vehicle("T10", "10吨厢式货车（6.8米厢）", 10_000.0, 38.0, 60.0, 30, 1000.0)


def default_entry(depot: str, vehicles: tuple[Vehicle, ...] = ()) -> FleetEntry:
    """What ``depot`` can send when no fleet row names it: hired ``DEFAULT_VEHICLE`` lorries
    (or the first of ``vehicles`` when they have no such code), as many as it needs, within
    ``DEFAULT_HIRE_HOURS``."""
    codes = [v.code for v in vehicles]
    code = DEFAULT_VEHICLE.code if not codes or DEFAULT_VEHICLE.code in codes else codes[0]
    return FleetEntry(depot, code, 0, UNLIMITED, round(DEFAULT_HIRE_HOURS * 60))


def vehicle_types(rows: list[tuple[int, dict]], where: str = "vehicles.csv") -> tuple[Vehicle, ...]:
    """Takes (line number, row) pairs of a vehicles table named ``where``; returns its
    vehicle types in file order. Raises ``InvalidFleet`` listing every row with a bad code,
    a code given twice, a payload or volume that is not a number greater than 0 (at most
    100 t and 300 m³), a speed outside 5-200 km/h, loading minutes that are not a whole
    number from 0 to 1440 or a negative trip cost; and when the table has no row."""
    problems, found, seen = [], [], {}
    for line, row in rows:
        at = f"{where} line {line}"
        try:
            code = text.code(row.get("code"), "code", field="code")
            name = text.name(row.get("name"), "name", field="name")
        except InvalidInput as exc:
            problems.append(Problem.of(exc, at, line=line))
            continue
        values = _numbers(problems, at, line, row, payload_t=(0.0, MAX_PAYLOAD_T, "tonnes"),
                          volume_m3=(0.0, MAX_VOLUME_M3, "m³"), speed_kmh=(5.0, 200.0, "km/h"),
                          cost_per_trip_yuan=(None, 10_000_000.0, "yuan"))
        loading = _whole(problems, at, line, row, "loading_min", 1440)
        if code in seen:
            problems.append(Problem(at, "code", f"vehicle type {code!r} is given again (first on line "
                                    f"{seen[code]}); give each type once", line))
        seen.setdefault(code, line)
        if None not in values.values() and loading is not None:
            found.append(Vehicle(code, name, values["payload_t"] * 1000.0, values["volume_m3"], values["speed_kmh"],
                                 loading, values["cost_per_trip_yuan"]))
    if not rows:
        problems.append(Problem(where, None, "no vehicle type; give at least one row"))
    if problems:
        raise InvalidFleet(f"{where}: {len(problems)} bad row(s)", problems)
    return tuple(found)


def fleet(rows: list[tuple[int, dict]], vehicles: tuple[Vehicle, ...], depots: set[str], where: str = "fleet.csv",
          *, option: str | None = None) -> tuple[FleetEntry, ...]:
    """Takes (line number, row) pairs of a fleet table named ``where``, the vehicle types and
    the depot codes; returns the fleet entries in file order.

    Raises ``InvalidFleet`` (about the setting ``option`` when the table was given as one)
    listing every row with an unknown depot or vehicle type, ``owned`` or ``hire`` that is
    not a whole number from 0 to 1000, ``hire_hours`` that is not a number from 0 to 240
    (it may be empty when ``hire`` is 0), a depot and vehicle type given twice, and every
    depot whose rows give it no vehicle at all (``owned`` and ``hire`` 0 on every row).
    """
    known = {v.code for v in vehicles}
    problems, found, first, count = [], [], {}, {}
    for line, row in rows:
        at = f"{where} line {line}"
        depot, vehicle = (str(row.get(k) or "").strip() for k in ("depot", "vehicle"))
        if depot not in depots:
            problems.append(Problem(at, "depot", f"depot {depot!r} is not a depot of the region", line))
        if vehicle not in known:
            problems.append(Problem(at, "vehicle", f"vehicle {vehicle!r} is not a vehicle type; known types: "
                                    f"{', '.join(sorted(known))}", line))
        owned = _whole(problems, at, line, row, "owned", MAX_COUNT)
        hire = _whole(problems, at, line, row, "hire", MAX_COUNT)
        hours = 0.0 if not str(row.get("hire_hours") or "").strip() and hire == 0 else \
            _numbers(problems, at, line, row, hire_hours=(None, MAX_HIRE_HOURS, "hours"))["hire_hours"]
        key = (depot, vehicle)
        if key in first:
            problems.append(Problem(at, "vehicle", f"depot {depot} and vehicle {vehicle} are given again (first on "
                                    f"line {first[key]}); give each pair once", line))
        first.setdefault(key, line)
        if owned is not None and hire is not None:
            count[depot] = count.get(depot, 0) + owned + hire
        if depot in depots and vehicle in known and None not in (owned, hire, hours):
            found.append(FleetEntry(depot, vehicle, owned, hire, round(hours * 60)))
    for depot, vehicles_there in count.items():
        if vehicles_there == 0 and depot in depots:
            line = first[next(k for k in first if k[0] == depot)]
            problems.append(Problem(f"{where} line {line}", "owned", f"depot {depot} has no vehicle: owned and hire "
                                    "are 0 on every row of it; give at least 1 owned or hired vehicle, or leave the "
                                    "depot out (it then hires 10 t lorries)", line))
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise InvalidFleet(f"{where}: {len(problems)} bad row(s)", problems, option=option)
    return tuple(found)


def with_override(region: tuple[FleetEntry, ...], override: tuple[FleetEntry, ...]) -> tuple[FleetEntry, ...]:
    """The region's fleet with every depot that ``override`` names taking the override's rows instead."""
    named = {e.depot for e in override}
    return tuple(e for e in region if e.depot not in named) + override


def read_file(path: str) -> list[tuple[int, dict]]:
    """Read a fleet file a user gives (columns depot, vehicle, owned, hire, hire_hours;
    name and note optional) into (line number, row) pairs; spaces around the column names
    are ignored and blank lines skipped.

    Raises ``InvalidFleet`` about the setting ``fleet`` for a missing, unreadable or
    non-UTF-8 file, a column missing, unknown or named twice, and a file without rows.
    """
    file = Path(path)
    if not file.is_file():
        raise InvalidFleet(f"fleet file not found: {path}", option="fleet")
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
    except UnicodeDecodeError:
        raise InvalidFleet(f"fleet {file.name} is not UTF-8 text; save it as CSV UTF-8", option="fleet") from None
    except (OSError, csv.Error) as exc:
        raise InvalidFleet(f"fleet {file.name}: cannot read it ({getattr(exc, 'strerror', None) or exc})",
                           option="fleet") from None
    header = [h.strip() for h in lines[0]] if lines else []
    try:
        check_columns(file.name, header, datafiles.COLUMNS["fleet.csv"],
                      datafiles.EXTRA_COLUMNS["fleet.csv"] + ("note",))
    except InvalidFile as exc:
        raise InvalidFleet(f"fleet {exc}", option="fleet") from None
    rows = [(n, dict(zip(header, line))) for n, line in enumerate(lines[1:], start=2) if any(c.strip() for c in line)]
    if not rows:
        raise InvalidFleet(f"fleet {file.name} has no rows; give one row per depot and vehicle type", option="fleet")
    return rows


def _whole(problems: list[Problem], at: str, line: int, row: dict, key: str, high: int) -> int | None:
    """``row[key]`` read by ``rules.whole_number`` (0 to ``high``), or None with a problem added."""
    try:
        return rules.whole_number(row.get(key) if row.get(key) is not None else "", key, low=0, high=high)
    except InvalidInput as exc:
        problems.append(Problem(at, key, str(exc), line))
        return None


def _numbers(problems: list[Problem], at: str, line: int, row: dict, **limits) -> dict[str, float | None]:
    """Each ``row[key]`` of ``limits`` (key=(above, at most, unit); ``above`` None for 0 or
    more) as a number, or None with a problem naming the value and what is allowed."""
    out: dict[str, float | None] = {}
    for key, (above, high, unit) in limits.items():
        value = row.get(key)
        rule = (f"a number greater than {above:g}" if above is not None else "a number from 0") + \
            (f" and at most {high:,g} {unit}" if above is not None else f" to {high:,g} {unit}")
        try:
            number = rules.decimal_number(value if value is not None else "")
        except ValueError:
            number = None
        if number is None or number > high or (number <= above if above is not None else number < 0):
            problems.append(Problem(at, key, f"{key} must be {rule}, got {value!r}", line))
            out[key] = None
        else:
            out[key] = number
    return out
