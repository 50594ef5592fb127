"""Travel times from depots and team bases to incidents.

With the region's counties (``TravelParams.grid``, ``routing.core.roads``) a route is the
great-circle line from source to destination: its road distance is the sum, over the
counties it crosses, of the length inside each county times that county's circuity
(``county_circuity``; ``circuity`` in a county without its own factor and outside the
region), and its driving time the sum of those road kilometres at each county's road
speed (``county_speed``; ``speed_kmh`` otherwise), times the slowdown of a slowed county
(``slow``) or polygon (``slow_areas``) for the part of the line inside it only. A
destination's spread (the last mile to its people) is driven at its own county's
circuity, speed and slowdown. Without a grid, the destination county's circuity,
speed and slowdown apply to the whole trip.

Time is the driving time plus handling (loading at a depot, 30 min unless the region
says otherwise) or a team's mobilisation, in whole minutes; a team's own speed scales
its driving against ``speed_kmh``. A measured travel-time table (CSV: code, county,
minutes) overrides the estimate, and arcs longer than ``max_hours`` are not candidates.
Drills may cut roads (``cut``: source code and county).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

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
    county_speed: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    grid: object = field(default=None, hash=False, compare=False)  # a roads.CountyGrid, or None
    slow_areas: tuple = field(default=(), hash=False, compare=False)  # (shapely polygon, factor) pairs

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
    if params.grid is not None and len(src_codes) and len(dst_counties):
        fastest = 1.0 if src_speed is None else max(1.0, float(np.max(src_speed, initial=0.0)) / params.speed_kmh)
        km, hours = _along_routes(params, src_lon, src_lat, dst_counties, dst_lon, dst_lat, dst_spread, fastest)
    else:
        great = haversine_km(np.asarray(src_lon)[:, None], np.asarray(src_lat)[:, None],
                             np.asarray(dst_lon)[None, :], np.asarray(dst_lat)[None, :])
        if dst_spread is not None:
            great = np.sqrt(great ** 2 + np.asarray(dst_spread, dtype=float)[None, :] ** 2)
        circuity, speed, slow = county_rules(params, dst_counties)
        km = great * circuity[None, :]
        hours = km / speed[None, :] * slow[None, :]
    if src_speed is not None:
        hours = hours * (params.speed_kmh / np.asarray(src_speed, dtype=float)[:, None])
    handling = params.handling_min if src_handling is None else np.asarray(src_handling, dtype=float)[:, None]
    minutes = np.rint(hours * 60.0 + handling).astype(np.int64)
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


def county_rules(params: TravelParams, counties) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Circuity, road speed (km/h) and slowdown of each county of ``counties`` (the
    defaults for a county without its own)."""
    return (np.array([params.county_circuity.get(c, params.circuity) for c in counties], dtype=float),
            np.array([params.county_speed.get(c, params.speed_kmh) for c in counties], dtype=float),
            np.array([params.slow.get(c, 1.0) for c in counties], dtype=float))


def _along_routes(params: TravelParams, src_lon, src_lat, dst_counties, dst_lon, dst_lat, dst_spread,
                  fastest: float = 1.0):
    """Road km and driving hours (sources, destinations) along the great-circle routes
    (``fastest``: how much faster than the params' speed the fastest source drives)."""
    from relief.routing.core import roads

    grid = params.grid
    n_src, n_dst = len(src_lon), len(dst_lon)
    s_lon, s_lat = np.repeat(np.asarray(src_lon, float), n_dst), np.repeat(np.asarray(src_lat, float), n_dst)
    d_lon, d_lat = np.tile(np.asarray(dst_lon, float), n_src), np.tile(np.asarray(dst_lat, float), n_src)
    circuity, speed, slow = county_rules(params, [*grid.adcodes, ""])  # the last column: outside the region
    great = haversine_km(np.asarray(src_lon, float)[:, None], np.asarray(src_lat, float)[:, None],
                         np.asarray(dst_lon, float)[None, :], np.asarray(dst_lat, float)[None, :])
    # a route that could not be driven within max_hours even at the least circuity and the
    # greatest speed is not cut: it is no candidate, and the plain estimate stands for it
    km = great * circuity[-1]
    hours = km / speed[-1] * slow[-1]
    cut = np.ones(great.shape, bool) if params.max_hours is None else (
        great * circuity.min() / (speed.max() * fastest) <= params.max_hours)
    at = np.nonzero(cut.reshape(-1))[0]
    if len(at):
        s_lon, s_lat, d_lon, d_lat = s_lon[at], s_lat[at], d_lon[at], d_lat[at]
        if params.slow_areas:  # the slowdown varies inside a county: sample by sample
            s = roads.samples(grid, s_lon, s_lat, d_lon, d_lat)
            county, factor = _sample_rules(params, s, slow)
            road = s.km * circuity[county]
            km.reshape(-1)[at] = np.bincount(s.arc, weights=road, minlength=len(at))
            hours.reshape(-1)[at] = np.bincount(s.arc, weights=road / speed[county] * factor, minlength=len(at))
        else:  # county by county, each route cut once per process
            inside = roads.crossing(grid, s_lon, s_lat, d_lon, d_lat)
            km.reshape(-1)[at] = inside @ circuity
            hours.reshape(-1)[at] = inside @ (circuity / speed * slow)
    if dst_spread is not None:
        last = np.sqrt(great ** 2 + np.asarray(dst_spread, dtype=float)[None, :] ** 2) - great
        c, v, w = county_rules(params, dst_counties)
        km = km + last * c[None, :]
        hours = hours + last * (c / v * w)[None, :]
    return km, hours


@dataclass(frozen=True)
class Leg:
    """The part of a route inside one county (``county`` "" outside the region): km of
    great-circle line, the county's circuity, road km, speed, slowdown and driving minutes."""

    county: str
    line_km: float
    circuity: float
    km: float
    speed_kmh: float
    slow: float
    minutes: float


def legs(params: TravelParams, src_lon: float, src_lat: float, dst_lon: float, dst_lat: float,
         src_speed: float | None = None) -> list[Leg]:
    """Takes travel parameters with a county grid, one route's end points and the source's
    own speed (a team's; None for the params' speeds); returns the route cut by county, in
    the order it enters them (the same samples the estimate sums; a polygon's slowdown
    shows as the county's mean over its part of the route; a source's own speed scales
    every county's speed as the estimate does)."""
    from relief.routing.core import roads

    grid = params.grid
    s = roads.samples(grid, np.array([src_lon]), np.array([src_lat]), np.array([dst_lon]), np.array([dst_lat]))
    circuity, speed, slow = county_rules(params, [*grid.adcodes, ""])
    county, factor = _sample_rules(params, s, slow)
    out: dict[int, list[float]] = {}
    for k, km, f in zip(county.tolist(), s.km.tolist(), factor.tolist()):
        line, plain, slowed = out.setdefault(k, [0.0, 0.0, 0.0])
        out[k] = [line + km, plain + km * circuity[k] / speed[k], slowed + km * circuity[k] / speed[k] * f]
    codes = [*grid.adcodes, ""]
    scale = 1.0 if src_speed is None else src_speed / params.speed_kmh
    return [Leg(codes[k], line, float(circuity[k]), line * float(circuity[k]), float(speed[k]) * scale,
                slowed / plain if plain else 1.0, slowed * 60.0 / scale) for k, (line, plain, slowed) in out.items()]


def _sample_rules(params: TravelParams, s, slow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For route samples ``s`` (``roads.samples``): the column of each sample's county in
    ``county_rules`` order (the last, outside the region) and its slowdown, the greatest
    of its county's (``slow``) and of the polygons holding it."""
    county = np.where(s.county < 0, len(slow) - 1, s.county)
    factor = slow[county]
    for polygon, by in params.slow_areas:
        factor = np.where(shapely.contains_xy(polygon, s.lon, s.lat), np.maximum(factor, by), factor)
    return county, factor


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
