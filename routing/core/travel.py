"""Travel times from depots and team bases to incidents.

Road distance is the great-circle (haversine) distance times a circuity factor (1.3 by
default; higher in mountain counties, ``circuity.csv`` of the region); time is that
distance at a road speed (60 km/h) plus handling (loading, 30 min), in whole minutes.
A measured travel-time table (CSV: code, county, minutes) overrides the estimate, and
arcs longer than ``max_hours`` are not candidates. Drills may slow travel into counties
(``slow``: a factor on driving time) and cut roads (``cut``: source code and county).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from relief.depot import rules
from relief.depot.columns import check_columns
from relief.errors import InvalidFile, InvalidInput, InvalidQuantity
from relief.errors import InvalidTravelTable, Problem

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class TravelParams:
    """How travel is estimated. ``county_circuity`` maps adcode to a factor; ``table``
    maps (source code, county adcode) to measured minutes."""

    circuity: float = 1.3
    speed_kmh: float = 60.0
    max_hours: float | None = None
    handling_min: int = 30
    county_circuity: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    table: dict[tuple[str, str], int] = field(default_factory=dict, hash=False, compare=False)
    slow: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    cut: frozenset[tuple[str, str]] = frozenset()

    def __post_init__(self):
        if not (1.0 <= self.circuity <= 5.0):
            raise InvalidInput(f"circuity must be between 1.0 and 5.0, got {self.circuity}", option="circuity")
        if not (5.0 <= self.speed_kmh <= 200.0):
            raise InvalidInput(f"speed must be between 5 and 200 km/h, got {self.speed_kmh}", option="speed")
        if self.max_hours is not None and not (0 < self.max_hours <= 240):
            raise InvalidInput(f"max hours must be greater than 0 and at most 240, got {self.max_hours}",
                               option="max_hours")
        if self.handling_min < 0:
            raise InvalidInput(f"handling time must be 0 minutes or more, got {self.handling_min}")


@dataclass(frozen=True)
class Travel:
    """Road kilometres, whole minutes and candidate mask, each (sources, destinations)."""

    km: np.ndarray
    minutes: np.ndarray
    allowed: np.ndarray


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km between points (degrees); arrays broadcast."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def estimate(params: TravelParams, src_codes: list[str], src_lon, src_lat,
             dst_counties: list[str], dst_lon, dst_lat, dst_spread=None, *, src_speed=None,
             src_handling=None) -> Travel:
    """Travel from each source to each destination (a full matrix, vectorised).

    ``dst_spread`` (km per destination) spreads a destination's people around its point:
    the distance becomes sqrt(d^2 + spread^2), so even a depot at the point has a last mile.
    ``src_speed`` (km/h) and ``src_handling`` (minutes), one per source, replace the
    params' speed and handling for each source (a team's own speed and mobilisation).
    """
    great = haversine_km(np.asarray(src_lon)[:, None], np.asarray(src_lat)[:, None],
                         np.asarray(dst_lon)[None, :], np.asarray(dst_lat)[None, :])
    if dst_spread is not None:
        great = np.sqrt(great ** 2 + np.asarray(dst_spread, dtype=float)[None, :] ** 2)
    factor = np.array([params.county_circuity.get(c, params.circuity) for c in dst_counties], dtype=float)
    km = great * factor[None, :]
    slow = np.array([params.slow.get(c, 1.0) for c in dst_counties], dtype=float)
    speed = params.speed_kmh if src_speed is None else np.asarray(src_speed, dtype=float)[:, None]
    handling = params.handling_min if src_handling is None else np.asarray(src_handling, dtype=float)[:, None]
    minutes = np.rint(km / speed * 60.0 * slow[None, :] + handling).astype(np.int64)
    src_index = {c: i for i, c in enumerate(src_codes)}
    columns: dict[str, list[int]] = {}
    for j, county in enumerate(dst_counties):
        columns.setdefault(county, []).append(j)
    for (code, county), measured in params.table.items():
        if code in src_index and county in columns:
            minutes[src_index[code], columns[county]] = measured
    allowed = np.ones(minutes.shape, bool) if params.max_hours is None else minutes <= params.max_hours * 60
    for code, county in params.cut:
        if code in src_index and county in columns:
            allowed[src_index[code], columns[county]] = False
    return Travel(km, minutes, allowed)


def read_table(path: str, sources: set[str], counties: set[str]) -> dict[tuple[str, str], int]:
    """Read a travel-time table (columns code, county, minutes) into {(code, county): minutes}.

    Spaces around the column names and values are ignored; a ``note`` column may be
    added. Raises ``InvalidTravelTable`` for a missing, unreadable or non-UTF-8 file, a
    column missing, unknown or named twice, and listing every row with an unknown depot
    or team code, an unknown county adcode, minutes that are not a whole number from 0
    to 100000 (plain digits, ``rules.whole_number``), or a code and county given on an
    earlier row as well.
    """
    file = Path(path)
    if not file.is_file():
        raise InvalidTravelTable(f"travel table not found: {path}")
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
    except UnicodeDecodeError:
        raise InvalidTravelTable(f"{file.name} is not UTF-8 text; save it as CSV UTF-8") from None
    except (OSError, csv.Error) as exc:
        raise InvalidTravelTable(f"cannot read {file.name}: {getattr(exc, 'strerror', None) or exc}") from None
    header = [h.strip() for h in lines[0]] if lines else []
    try:
        check_columns(file.name, header, ("code", "county", "minutes"), ("note",))
    except InvalidFile as exc:
        raise InvalidTravelTable(str(exc)) from None
    rows = [(n, dict(zip(header, line))) for n, line in enumerate(lines[1:], start=2) if line]
    table, problems, first = {}, [], {}
    problems += [Problem(f"line {n}", None, f"{len(line)} cells under {len(header)} columns", n)
                 for n, line in enumerate(lines[1:], start=2) if any(c.strip() for c in line[len(header):])]
    for n, row in rows:
        code, county, minutes = (str(row.get(k) or "").strip() for k in ("code", "county", "minutes"))
        if code.upper() not in sources:
            problems.append(Problem(f"line {n}", "code", f"unknown depot or team code {code!r}", n))
        if county not in counties:
            problems.append(Problem(f"line {n}", "county", f"unknown county adcode {county!r}", n))
        try:
            value = rules.whole_number(minutes, "minutes", low=0, high=100_000)
        except InvalidQuantity as exc:
            problems.append(Problem(f"line {n}", "minutes", str(exc), n))
            value = -1
        key = (code.upper(), county)
        if key in first:
            problems.append(Problem(f"line {n}", "county", f"code {code.upper()} and county {county} are given "
                                    f"again (first on line {first[key]}); give each pair once", n))
        first.setdefault(key, n)
        table[key] = value
    if problems:
        raise InvalidTravelTable(f"{file.name}: {len(problems)} bad row(s)", problems)
    return table
