"""Random scenarios for batch drills, from documented distributions. No I/O.

* Earthquakes: a zone is drawn by weight from the region's ``hazard_zones.csv`` (for
  Inner Mongolia: the Hetao-Yinshan belt 45 %, Xilamulun and the south-east 30 %, the
  rest 25 %), the epicentre uniformly over the zone's area; the magnitude from a
  Gutenberg-Richter law truncated to 5.0 <= M <= 7.5 with b = 1.0 (so M >= 6 in about
  one scenario in ten); depth uniform 5-25 km; strike uniform; any day of the year.
* Blizzards: a pastoral zone by weight, 2 or more of its counties, snow 15-60 cm for
  2-10 days, between 1 December and 15 March.
* Floods: a river zone by weight, 1-4 of its counties, severity 1-4 with weights
  40/30/20/10 %, between 15 June and 15 September.

Without zones in the region folder, every county is one zone.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import shapely

from routing.hazards import Region
from routing.scenario import Area, Blizzard, Earthquake, Flood, Scenario

M_MIN, M_MAX, B_VALUE = 5.0, 7.5, 1.0
YEAR = 2027


def gutenberg_richter(u: float) -> float:
    """Magnitude for a uniform draw ``u`` in [0, 1) from the truncated G-R law."""
    span = 1.0 - 10 ** (-B_VALUE * (M_MAX - M_MIN))
    return M_MIN - math.log10(1.0 - u * span) / B_VALUE


def zones(rows: list[dict], hazard: str, reg: Region) -> list[tuple[str, float, tuple[str, ...]]]:
    """(zone, weight, counties) for ``hazard`` from ``hazard_zones.csv`` rows; an empty
    county list means the whole region."""
    found = [(r["zone"], float(r["weight"]), tuple(c for c in str(r["counties"]).split(";") if c.strip()) or reg.adcodes)
             for r in rows if r["hazard"].strip() == hazard]
    return found or [("region", 1.0, reg.adcodes)]


def sample(hazard: str, n: int, seed: int, reg: Region, zone_rows: list[dict]) -> list[Scenario]:
    """``n`` scenarios of ``hazard`` drawn with ``seed`` (the same seed gives the same list)."""
    table = zones(zone_rows, hazard, reg)
    weights = np.array([z[1] for z in table])
    streams = np.random.SeedSequence(seed).spawn(n)
    areas: dict[tuple[str, ...], object] = {}
    out = []
    for k, stream in enumerate(streams, start=1):
        rng = np.random.default_rng(stream)
        zone, _, counties = table[int(rng.choice(len(table), p=weights / weights.sum()))]
        if hazard == "earthquake" and counties not in areas:
            area = shapely.union_all(reg.shapes[[reg.adcodes.index(c) for c in counties]])
            shapely.prepare(area)
            areas[counties] = area
        out.append(_one(hazard, k, zone, counties, rng, areas.get(counties)))
    return out


def _one(hazard: str, k: int, zone: str, counties: tuple[str, ...], rng: np.random.Generator, area) -> Scenario:
    if hazard == "earthquake":
        lon, lat = _point_in(area, rng)
        m = round(gutenberg_richter(float(rng.random())), 1)
        day = date(YEAR, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
        eq = Earthquake(round(lon, 3), round(lat, 3), m, round(float(rng.uniform(5, 25)), 1),
                        round(float(rng.uniform(0, 180)), 0))
        return Scenario(f"#{k} M{m} {zone}", datetime.combine(day, datetime.min.time()).replace(hour=int(rng.integers(0, 24))), eq)
    size = int(rng.integers(2, len(counties) + 1)) if hazard == "blizzard" else int(rng.integers(1, min(4, len(counties)) + 1))
    chosen = tuple(sorted(rng.choice(counties, size=min(size, len(counties)), replace=False).tolist()))
    if hazard == "blizzard":
        day = date(YEAR, 12, 1) + timedelta(days=int(rng.integers(0, 105)))
        depth, days = round(float(rng.uniform(15, 60)), 0), round(float(rng.uniform(2, 10)), 1)
        return Scenario(f"#{k} blizzard {zone} {depth:.0f} cm", datetime.combine(day, datetime.min.time()).replace(hour=8),
                        Blizzard(Area(chosen), depth, days))
    day = date(YEAR, 6, 15) + timedelta(days=int(rng.integers(0, 93)))
    severity = int(rng.choice([1, 2, 3, 4], p=[0.4, 0.3, 0.2, 0.1]))
    return Scenario(f"#{k} flood {zone} severity {severity}", datetime.combine(day, datetime.min.time()).replace(hour=8),
                    Flood(Area(chosen), severity))


def _point_in(area, rng: np.random.Generator) -> tuple[float, float]:
    x0, y0, x1, y1 = area.bounds
    while True:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(area, x, y):
            return float(x), float(y)
