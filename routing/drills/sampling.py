"""Random scenarios for batch drills, from documented distributions. No I/O.

* Earthquakes: a zone is drawn by weight from the region's ``hazard_zones.csv`` (for
  Inner Mongolia: the Hetao-Yinshan belt 45 %, Xilamulun and the south-east 30 %, the
  rest 25 %), the epicentre uniformly over the zone's area; the magnitude from a
  Gutenberg-Richter law truncated to 5.0 <= M <= 7.5 with b = 1.0 (so M >= 6 in about
  one scenario in ten); depth uniform 5-25 km; strike uniform; any day of the 365
  starting today.
* Blizzards: a pastoral zone by weight, 2 or more of its counties (its only county
  when it has one), snow 15-60 cm for 2-10 days, on a day of the region's next blizzard
  season not before today.
* Floods: a river zone by weight, 1-4 of its counties, severity 1-4 with weights
  40/30/20/10 %, on a day of the region's next flood season not before today.

The seasons are ``[seasons] blizzard`` and ``flood`` of the region's region.toml
(defaults: 1 December to 15 March, 15 June to 15 September). Dates are drawn from today
onwards so that a drill sees the stock, and the lot expiry dates, as they will be. Only
the hazards the region has are drawn (``hazards.region_hazards``); without zones in the
region folder, the whole region is one zone (for blizzards: its pastoral counties).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import shapely

from relief.routing.drills.hazards import Region, check_hazard, region_hazards
from relief.routing.drills.scenario import Area, Blizzard, Earthquake, Flood, Scenario

M_MIN, M_MAX, B_VALUE = 5.0, 7.5, 1.0
WINTER = ((12, 1), (3, 15))
FLOOD_SEASON = ((6, 15), (9, 15))
ALL = "all"


def window(days: list[str] | tuple[str, str] | None, default: tuple[tuple[int, int], tuple[int, int]]):
    """A season ``["MM-DD", "MM-DD"]`` (as in region.toml) as ((month, day), (month, day));
    ``default`` when ``days`` is None."""
    if days is None:
        return default
    first, last = (tuple(int(part) for part in str(d).split("-")) for d in days)
    return first, last


def gutenberg_richter(u: float) -> float:
    """Magnitude for a uniform draw ``u`` in [0, 1) from the truncated G-R law."""
    span = 1.0 - 10 ** (-B_VALUE * (M_MAX - M_MIN))
    return M_MIN - math.log10(1.0 - u * span) / B_VALUE


def zones(rows: list[dict], hazard: str, reg: Region) -> list[tuple[str, float, tuple[str, ...]]]:
    """(zone, weight, counties) for ``hazard`` from ``hazard_zones.csv`` rows; an empty
    county list means the whole region."""
    found = [(r["zone"], float(r["weight"]), tuple(c for c in str(r["counties"]).split(";") if c.strip()) or reg.adcodes)
             for r in rows if r["hazard"].strip() == hazard]
    herding = tuple(c for c, kind in zip(reg.adcodes, reg.pastoral) if kind)
    if not found and hazard == "blizzard" and herding:
        return [("pastoral counties", 1.0, herding)]
    return found or [("region", 1.0, reg.adcodes)]


def sample(hazard: str, n: int, seed: int, reg: Region, zone_rows: list[dict], today: date,
           seasons: dict | None = None) -> list[Scenario]:
    """``n`` scenarios of ``hazard`` drawn with ``seed``, dated from ``today`` on (the same
    seed and the same ``today`` give the same list).

    ``hazard`` ``all`` takes the region's hazards in turn (scenario 1 the first, 2 the
    second ...). ``seasons`` holds the region's ``blizzard`` and ``flood`` windows
    (``["MM-DD", "MM-DD"]``; defaults ``WINTER`` and ``FLOOD_SEASON``). Raises
    ``HazardNotInRegion`` for a hazard the region does not have.
    """
    available = region_hazards(zone_rows, reg.pastoral)
    if hazard == ALL:
        kinds = available  # never empty: without zone rows a region has earthquakes and floods
    else:
        check_hazard(hazard, available, "hazard", reg.name, option="hazard")
        kinds = (hazard,)
    seasons = seasons or {}
    windows = {"blizzard": window(seasons.get("blizzard"), WINTER), "flood": window(seasons.get("flood"), FLOOD_SEASON)}
    tables = {kind: zones(zone_rows, kind, reg) for kind in kinds}
    streams = np.random.SeedSequence(seed).spawn(n)
    areas: dict[tuple[str, ...], object] = {}
    out = []
    for k, stream in enumerate(streams, start=1):
        kind = kinds[(k - 1) % len(kinds)]
        table = tables[kind]
        weights = np.array([z[1] for z in table])
        rng = np.random.default_rng(stream)
        zone, _, counties = table[int(rng.choice(len(table), p=weights / weights.sum()))]
        if kind == "earthquake" and counties not in areas:
            area = shapely.union_all(reg.shapes[[reg.adcodes.index(c) for c in counties]])
            shapely.prepare(area)
            areas[counties] = area
        out.append(_one(kind, k, zone, counties, rng, areas.get(counties), today, windows))
    return out


def _one(hazard: str, k: int, zone: str, counties: tuple[str, ...], rng: np.random.Generator, area,
         today: date, windows: dict) -> Scenario:
    if hazard == "earthquake":
        lon, lat = _point_in(area, rng)
        m = round(gutenberg_richter(float(rng.random())), 1)
        day = today + timedelta(days=int(rng.integers(0, 365)))
        eq = Earthquake(round(lon, 3), round(lat, 3), m, round(float(rng.uniform(5, 25)), 1),
                        round(float(rng.uniform(0, 180)), 0))
        return Scenario(f"#{k} M{m} {zone}", datetime.combine(day, datetime.min.time()).replace(hour=int(rng.integers(0, 24))), eq)
    size = (int(rng.integers(min(2, len(counties)), len(counties) + 1)) if hazard == "blizzard"
            else int(rng.integers(1, min(4, len(counties)) + 1)))
    chosen = tuple(sorted(rng.choice(counties, size=min(size, len(counties)), replace=False).tolist()))
    if hazard == "blizzard":
        day = _season_day(windows["blizzard"], today, rng)
        depth, days = round(float(rng.uniform(15, 60)), 0), round(float(rng.uniform(2, 10)), 1)
        return Scenario(f"#{k} blizzard {zone} {depth:.0f} cm", datetime.combine(day, datetime.min.time()).replace(hour=8),
                        Blizzard(Area(chosen), depth, days))
    day = _season_day(windows["flood"], today, rng)
    severity = int(rng.choice([1, 2, 3, 4], p=[0.4, 0.3, 0.2, 0.1]))
    return Scenario(f"#{k} flood {zone} severity {severity}", datetime.combine(day, datetime.min.time()).replace(hour=8),
                    Flood(Area(chosen), severity))


def _season_day(season: tuple[tuple[int, int], tuple[int, int]], today: date, rng: np.random.Generator) -> date:
    """A day drawn uniformly from the first ``season`` window ((month, day) to (month, day),
    both included) that has a day on or after ``today``, and not before ``today``."""
    (m0, d0), (m1, d1) = season
    for year in (today.year - 1, today.year, today.year + 1):
        first, last = date(year, m0, d0), date(year + ((m1, d1) < (m0, d0)), m1, d1)
        if last >= today:
            break
    first = max(first, today)
    return first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _point_in(area, rng: np.random.Generator) -> tuple[float, float]:
    x0, y0, x1, y1 = area.bounds
    while True:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(area, x, y):
            return float(x), float(y)
