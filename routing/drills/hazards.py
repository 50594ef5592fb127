"""Hazard models: from a scenario's hazard to affected counties and incidents. No I/O.

Earthquake intensity follows the elliptical intensity attenuation relation of the eastern
strong-earthquake region of China adopted for the fifth-generation seismic zonation map
(GB 18306-2015), as tabulated in "Development of ground motion attenuation relations for
the new seismic hazard map of China" (2013):

    long axis   I = 5.7123 + 1.3626 M - 4.2903 lg(Ra + 25)
    short axis  I = 3.6588 + 1.3626 M - 3.5406 lg(Rb + 13)

with M the surface-wave magnitude and R in km. A site lies on the isoseismal ellipse of
intensity I whose semi-axes are Ra(I) and Rb(I), the long axis along the strike; without
a strike the two axes are averaged (a circle). Focal depths beyond 10 km lengthen the
distance as sqrt(R^2 + (h - 10)^2).

Intensity and damage are computed where people live and then summed, never applied to a
county average. Each county's people are spread over sample points (``Region.build``):
its reference point stands for the county seat (the data has no seat coordinates; the
county depot stands there). An urban district (a name ending in 区) puts ``DISTRICT_CORE``
(90 %, an assumption) of its people at the seat and the rest over a grid inside it; a
banner, county or county-level city puts its towns' share at the seat and spreads the
rest over the grid, each grid point weighted by exp(-d / ``RURAL_DECAY_KM``) with d its
distance from the seat (30 km, an assumption: villages cluster along the roads out of the
seat). The towns' share follows the region's urbanisation rate (``urban_rate``; Inner
Mongolia 67.48 % at the 2020 census): the region's town dwellers less the people of its
districts, shared over the other counties in proportion to their people.

People displaced follow a vulnerability table calibrated on Chinese earthquakes (see
data/README.md and data/earthquake_events.csv): the share of residents displaced is 1.1
times the mean damage index at the middle of each degree of the Chinese intensity scale
(GB/T 17742: VI 0.055, VII 0.20, VIII 0.40, IX 0.60, X 0.80), at most 90 %: VI 6 %, VII 22 %,
VIII 44 %, IX 66 %, X 88 %, XI-XII 90 %, linear in between and none below V.5. A county
reports the highest intensity where its people live (``intensity``) and the
population-weighted mean (``intensity_mean``).

Blizzard (白灾): herding people cut off = population x pastoral share x severity x 0.25,
where the pastoral share comes from the region's ``pastoral.csv`` (pastoral counties
35 %, semi-pastoral 12 %, any other county none; an urban district never) and severity =
min(1, depth / 40 cm) x sqrt(min(1, days / 7)). They are counted in households (the
region's household size) who stay in their homes: no tents or beds, but coal and food for
every day of isolation (``blizzard_needs``), with the hay for their herds
(``FODDER_KG_PER_HOUSEHOLD_DAY``; the catalogue has no fodder item, so it is reported in
tonnes) and the road to clear to reach them (one road from the seat to every grid point
where they live) reported beside the needs.
Flood: displaced = population of the flooded part of a county x 0.5 %, 2 %, 6 % or 12 % for
severity 1-4.

A region has the hazards its ``hazard_zones.csv`` has rows for; without that file,
earthquakes and floods anywhere and blizzards over its pastoral counties (if it has any).
A scenario of a hazard the region does not have is refused.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import Polygon

from relief.errors import HazardNotInRegion
from relief.routing.core import needs
from relief.routing.core.problem import IncidentSpec
from relief.routing.drills.scenario import Area, Blizzard, Earthquake, Flood, Incidents, Scenario, ScenarioError
from relief.routing.core.travel import haversine_km

LONG = (5.7123, 1.3626, -4.2903, 25.0)
SHORT = (3.6588, 1.3626, -3.5406, 13.0)
# Share displaced = VULNERABILITY_SCALE x the mean damage index at the middle of each degree
# (GB/T 17742), at most 90 %; the scale is fitted on data/earthquake_events.csv.
DAMAGE_INDEX = ((6.0, 0.055), (7.0, 0.20), (8.0, 0.40), (9.0, 0.60), (10.0, 0.80), (11.0, 0.945), (12.0, 1.0))
VULNERABILITY_SCALE = 1.1
VULNERABILITY = ((5.5, 0.0),) + tuple((level, round(min(0.90, VULNERABILITY_SCALE * d), 4)) for level, d in DAMAGE_INDEX)
DISTRICT_CORE = 0.9
RURAL_DECAY_KM = 30.0
URBAN_RATE = 0.6748
SEAT_SHARE_BOUNDS = (0.1, 0.9)
MAX_OUTSIDE_KM = 200.0
FLOOD_SHARE = {1: 0.005, 2: 0.02, 3: 0.06, 4: 0.12}
HERDER_SHARE = {"pastoral": 0.35, "semi-pastoral": 0.12}
# Blizzard needs per cut-off household per day of isolation (see data/README.md): 10 kg of
# coal for the stove of a house or yurt (an assumption), 3 meals a person (needs.csv's FOOD
# basis), and hay for its herd: 160 head a household (Bayannur's 2019 snow disaster: 1.8
# million head of 11,174 households, Xinhua), each taken as one sheep unit eating 1.8 kg of
# standard hay a day (the sheep unit of NY/T 635; an assumption where cattle are many).
COAL_KG_PER_HOUSEHOLD_DAY = 10.0
MEALS_PER_PERSON_DAY = 3
SHEEP_UNITS_PER_HOUSEHOLD = 160
HAY_KG_PER_SHEEP_UNIT_DAY = 1.8
FODDER_KG_PER_HOUSEHOLD_DAY = SHEEP_UNITS_PER_HOUSEHOLD * HAY_KG_PER_SHEEP_UNIT_DAY
HAZARDS = ("earthquake", "blizzard", "flood")
KINDS = {Earthquake: "earthquake", Blizzard: "blizzard", Flood: "flood"}


def region_hazards(zone_rows: list[dict] | tuple = (), pastoral: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
    """The hazards a region has: those its ``hazard_zones.csv`` rows name; without rows,
    earthquake and flood, and blizzard when any county is pastoral or semi-pastoral."""
    named = {str(r["hazard"]).strip() for r in zone_rows}
    if not named:
        named = {"earthquake", "flood"} | ({"blizzard"} if any(pastoral) else set())
    return tuple(h for h in HAZARDS if h in named)


def check_hazard(hazard: str, available: tuple[str, ...], where: str, region: str = "the region", *,
                 option: str | None = None) -> None:
    """Raise ``HazardNotInRegion`` when ``hazard`` is not one of the region's ``available``
    hazards, naming it (as ``where``; about the setting ``option`` when given as one) and
    the hazards the region has."""
    if hazard not in available:
        raise HazardNotInRegion(f"{where} {hazard!r}: {region} has no {hazard} hazard; its hazards: "
                                f"{', '.join(available)} (the hazard rows of its hazard_zones.csv)", option=option)


@dataclass(frozen=True)
class Region:
    """What hazard models need of a region: counties, population, where people live, norms.

    ``sample_*`` are the points where people live (``sample_county`` the county of each,
    ``sample_weight`` its share of the county's people, ``sample_seat`` whether it is the
    county seat); ``district`` marks the urban districts."""

    adcodes: tuple[str, ...]
    names: tuple[str, ...]
    leagues: tuple[str, ...]
    population: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    shapes: np.ndarray
    sample_county: np.ndarray
    sample_lon: np.ndarray
    sample_lat: np.ndarray
    sample_weight: np.ndarray
    sample_seat: np.ndarray
    district: np.ndarray
    household_size: float
    need_norms: tuple
    team_norms: tuple
    name: str = "the region"
    pastoral: tuple[str, ...] = ()
    winter_months: tuple[int, ...] = needs.WINTER_MONTHS
    hazards: tuple[str, ...] = ("earthquake", "flood")

    @classmethod
    def build(cls, rows: list[tuple], household_size: float, need_norms, team_norms, grid: int = 7, *,
              name: str = "the region", pastoral_rows: list[dict] | tuple = (), zone_rows: list[dict] | tuple = (),
              winter_months: tuple[int, ...] | list[int] = needs.WINTER_MONTHS,
              urban_rate: float | None = None) -> "Region":
        """From ``(adcode, name, league, population, lon, lat, shapely geometry)`` rows, the
        region's ``pastoral.csv`` and ``hazard_zones.csv`` rows, its winter months and its
        urbanisation rate (share of residents living in towns; ``URBAN_RATE`` when None).

        People are spread as the module docstring says (``spread_people``)."""
        kinds = {str(r["county"]).strip(): str(r["pastoral"]).strip() for r in pastoral_rows}
        pastoral = tuple(kinds.get(r[0], "") for r in rows)
        shapes = np.array([r[6] for r in rows], dtype=object)
        population = np.array([r[3] for r in rows], float)
        district = np.array([is_district(r[1]) for r in rows], bool)
        seat = seat_share(population, district, URBAN_RATE if urban_rate is None else urban_rate)
        county, lon, lat, weight, is_seat = [], [], [], [], []
        for n, geom in enumerate(shapes):
            x0, y0, x1, y1 = geom.bounds
            gx, gy = np.meshgrid(np.linspace(x0, x1, grid + 2)[1:-1], np.linspace(y0, y1, grid + 2)[1:-1])
            inside = shapely.contains_xy(geom, gx.ravel(), gy.ravel())
            xs, ys = gx.ravel()[inside], gy.ravel()[inside]
            county += [n] * (len(xs) + 1)
            lon += [rows[n][4], *xs]
            lat += [rows[n][5], *ys]
            weight += list(spread_people(float(seat[n]), haversine_km(rows[n][4], rows[n][5], xs, ys)))
            is_seat += [True] + [False] * len(xs)
        return cls(tuple(r[0] for r in rows), tuple(r[1] for r in rows), tuple(r[2] for r in rows),
                   population, np.array([r[4] for r in rows]), np.array([r[5] for r in rows]),
                   shapes, np.array(county), np.array(lon), np.array(lat), np.array(weight), np.array(is_seat, bool),
                   district, household_size, tuple(need_norms), tuple(team_norms),
                   name, pastoral, tuple(winter_months), region_hazards(zone_rows, pastoral))

    def index(self, adcode: str, where: str) -> int:
        """Position of a county; raises ``ScenarioError`` naming an unknown adcode."""
        try:
            return self.adcodes.index(adcode)
        except ValueError:
            raise ScenarioError(f"{where}: unknown county code {adcode!r}", hint="counties") from None

    def area_shares(self, area: Area, where: str) -> np.ndarray:
        """Share (0-1) of each county inside ``area``: 1 for listed counties, the area share inside the polygon."""
        share = np.zeros(len(self.adcodes))
        for code in area.counties:
            share[self.index(code, where)] = 1.0
        if area.polygon:
            poly = Polygon(area.polygon)
            cut = shapely.area(shapely.intersection(self.shapes, poly)) / shapely.area(self.shapes)
            share = np.maximum(share, cut)
        if not share.any():
            raise ScenarioError(f"{where}: the area touches no county of the region")
        return share


def is_district(name: str) -> bool:
    """Whether a county-level division is an urban district (市辖区): its name ends in 区."""
    return str(name).strip().endswith("区")


def seat_share(population: np.ndarray, district: np.ndarray, urban_rate: float) -> np.ndarray:
    """Share of each county's people living at its seat.

    An urban district: ``DISTRICT_CORE``. Any other county: the region's town dwellers
    (``urban_rate`` x all its people) less the people of its districts, over the people of
    the other counties, kept within ``SEAT_SHARE_BOUNDS``. Raises ``ValueError`` for a rate
    outside 0-1."""
    if not 0.0 <= urban_rate <= 1.0:
        raise ValueError(f"urban_rate must be a share from 0 to 1, got {urban_rate!r}")
    population = np.asarray(population, float)
    district = np.asarray(district, bool)
    rural = population[~district].sum()
    towns = (urban_rate * population.sum() - population[district].sum()) / rural if rural else 0.0
    share = float(np.clip(towns, *SEAT_SHARE_BOUNDS))
    return np.where(district, DISTRICT_CORE, share)


def spread_people(seat: float, distance_km: np.ndarray) -> np.ndarray:
    """Weights (summing to 1) of a county's seat and its grid points ``distance_km`` from the
    seat: ``seat`` at the seat and the rest over the grid, each point by
    exp(-distance / ``RURAL_DECAY_KM``); everything at the seat when there is no grid point."""
    distance_km = np.asarray(distance_km, float)
    if not len(distance_km):
        return np.array([1.0])
    decay = np.exp(-distance_km / RURAL_DECAY_KM)
    return np.concatenate([[seat], (1.0 - seat) * decay / decay.sum()])


def intensity(eq: Earthquake, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Macroseismic intensity at each point for earthquake ``eq`` (0 where not felt)."""
    dx = (np.asarray(lon) - eq.lon) * 111.32 * math.cos(math.radians(eq.lat))
    dy = (np.asarray(lat) - eq.lat) * 110.57
    extra = max(0.0, eq.depth_km - 10.0)
    if eq.strike_deg is None:
        r = np.sqrt(dx ** 2 + dy ** 2 + extra ** 2)
        return np.maximum(0.0, (_axis(LONG, eq.magnitude, r) + _axis(SHORT, eq.magnitude, r)) / 2)
    theta = math.radians(eq.strike_deg)
    along = dx * math.sin(theta) + dy * math.cos(theta)
    across = dx * math.cos(theta) - dy * math.sin(theta)
    r = np.hypot(along, across)
    stretch = np.sqrt(r ** 2 + extra ** 2) / np.maximum(r, 1e-9)
    along, across = along * stretch, across * stretch
    # a point is inside no ellipse of a level its distance along the long axis does not
    # reach, so only the points the long axis reaches above 0 are bisected
    felt = np.nonzero(_axis(LONG, eq.magnitude, r * stretch) > 0)[0]
    low = np.zeros_like(r)
    a, b = along[felt], across[felt]
    lo, hi = np.zeros(len(felt)), np.full(len(felt), _axis(LONG, eq.magnitude, 0.0))
    for _ in range(40):
        mid = (lo + hi) / 2
        inside = (a / _radius(LONG, eq.magnitude, mid)) ** 2 + (b / _radius(SHORT, eq.magnitude, mid)) ** 2 <= 1
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    low[felt] = lo
    if extra > 0:  # right above a deep focus no direction is defined: average the two axes
        centre = (_axis(LONG, eq.magnitude, extra) + _axis(SHORT, eq.magnitude, extra)) / 2
        low = np.where(r == 0, max(0.0, float(centre)), low)
    return low


def _axis(c, m: float, r) -> np.ndarray:
    a, b, slope, r0 = c
    return a + b * m + slope * np.log10(np.asarray(r) + r0)


def _radius(c, m: float, level: np.ndarray) -> np.ndarray:
    a, b, slope, r0 = c
    return np.maximum(10 ** ((level - a - b * m) / slope) - r0, 1e-6)


def county_intensity(region: Region, eq: Earthquake) -> np.ndarray:
    """Population-weighted intensity of ``eq`` in each county of ``region``."""
    at = intensity(eq, region.sample_lon, region.sample_lat)
    return np.bincount(region.sample_county, weights=at * region.sample_weight, minlength=len(region.adcodes))


def displaced_share(level: np.ndarray) -> np.ndarray:
    """Share of residents displaced at each intensity (the vulnerability table)."""
    xs, ys = zip(*VULNERABILITY)
    return np.interp(level, xs, ys, left=0.0, right=ys[-1])


def affected(region: Region, scenario: Scenario) -> tuple[list[dict], list[IncidentSpec]]:
    """Affected counties and the incidents the hazard creates.

    Returns ``(rows, incidents)``: rows {county, name, population, displaced} and, for an
    earthquake, ``intensity`` (the highest where the county's people live) and
    ``intensity_mean`` (population-weighted), for a blizzard ``households`` cut off,
    ``days`` of isolation, ``fodder_t`` (tonnes of hay) and ``road_km`` (road to clear);
    one incident per affected county (at its reference point, spread over where its
    affected people live) or per tabletop incident. Raises ``ScenarioError`` for an
    epicentre far outside the region or an area/county that is not in it.
    """
    hazard, day = scenario.hazard, scenario.start.date()
    if isinstance(hazard, Incidents):
        return _tabletop(region, hazard, day)
    check_hazard(KINDS[type(hazard)], region.hazards, "hazard.type", region.name)
    extra: dict[str, np.ndarray] = {}
    if isinstance(hazard, Earthquake):
        _check_epicentre(region, hazard)
        people, top, mean, where = earthquake_people(region, hazard)
        extra = {"intensity": top, "intensity_mean": mean}
        priority = np.select([top >= 9, top >= 8, top >= 7], [1, 2, 3], 4)
    elif isinstance(hazard, Blizzard):
        share = region.area_shares(hazard.area, "hazard")
        severity = min(1.0, hazard.snow_depth_cm / 40.0) * math.sqrt(min(1.0, hazard.duration_days / 7.0))
        people = region.population * share * herder_share(region) * severity * 0.25
        grade = 1 if hazard.snow_depth_cm >= 50 or hazard.duration_days >= 10 else (
            2 if hazard.snow_depth_cm >= 30 else 3 if hazard.snow_depth_cm >= 15 else 4)
        priority = np.full(len(region.adcodes), grade)
        where = region.sample_weight * ~region.sample_seat
        extra = {"road_km": road_to_clear(region) * share}
    else:
        share = region.area_shares(hazard.area, "hazard")
        people = region.population * share * FLOOD_SHARE[hazard.severity]
        priority = np.full(len(region.adcodes), 5 - hazard.severity)
        where = region.sample_weight
    spread = _spread(region, where)
    people = np.floor(people).astype(np.int64)
    rows, incidents = [], []
    for n in np.nonzero(people)[0]:
        row = {"county": region.adcodes[n], "name": region.names[n], "population": int(region.population[n]),
               "displaced": int(people[n])}
        if isinstance(hazard, Earthquake):
            row["intensity"] = round(float(extra["intensity"][n]), 1)
            row["intensity_mean"] = round(float(extra["intensity_mean"][n]), 1)
        given: dict[str, int] | None = None
        if isinstance(hazard, Blizzard):
            households = math.ceil(int(people[n]) / region.household_size)
            given = blizzard_needs(households, hazard.duration_days, region.household_size)
            row.update(households=households, days=hazard.duration_days,
                       fodder_t=round(households * hazard.duration_days * FODDER_KG_PER_HOUSEHOLD_DAY / 1000, 1),
                       road_km=round(float(extra["road_km"][n])))
        incident = _incident(region, len(incidents) + 1, int(n), int(people[n]), int(priority[n]), day, None,
                             given or (), derive=given is None)
        rows.append(row)
        incidents.append(dataclasses.replace(incident, spread_km=round(float(spread[n]), 1)))
    return rows, incidents


def earthquake_people(region: Region, eq: Earthquake) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per county: people displaced by ``eq`` (summed over the points where its people live,
    each point's share displaced at its own intensity), the highest intensity where they
    live, the population-weighted mean intensity; and per sample point, the share of its
    county's people displaced there. Returns ``(people, top, mean, at_points)``."""
    at = intensity(eq, region.sample_lon, region.sample_lat)
    share = displaced_share(at) * region.sample_weight
    size = len(region.adcodes)
    people = np.bincount(region.sample_county, weights=share, minlength=size) * region.population
    mean = np.bincount(region.sample_county, weights=at * region.sample_weight, minlength=size)
    top = np.zeros(size)
    np.maximum.at(top, region.sample_county, np.where(region.sample_weight > 0, at, 0.0))
    return people, top, mean, share


def blizzard_needs(households: int, days: float, household_size: float) -> dict[str, int]:
    """What ``households`` cut off by a blizzard for ``days`` need while staying in their
    homes: ``COAL`` (25 kg bags, ``COAL_KG_PER_HOUSEHOLD_DAY``) and ``FOOD`` (cases of 12
    meals, ``MEALS_PER_PERSON_DAY`` a person), rounded up; no tents, beds or bedding."""
    if households <= 0 or days <= 0:
        return {}
    coal = math.ceil(households * days * COAL_KG_PER_HOUSEHOLD_DAY / 25.0 - 1e-9)
    food = math.ceil(households * days * household_size * MEALS_PER_PERSON_DAY / 12.0 - 1e-9)
    return {"COAL": coal, "FOOD": food}


def road_to_clear(region: Region) -> np.ndarray:
    """Per county, km of road to clear to reach its herders: one road from the seat to each
    grid point where people live (an assumption: each point stands for the herding
    households around it); 0 for an urban district."""
    own = region.sample_county
    d = haversine_km(region.lon[own], region.lat[own], region.sample_lon, region.sample_lat)
    km = np.bincount(own, weights=np.where(region.sample_seat, 0.0, d), minlength=len(region.adcodes))
    return np.where(region.district, 0.0, km)


def herder_share(region: Region) -> np.ndarray:
    """Share of each county's residents who live from herding: by its class in the
    region's ``pastoral.csv`` (``HERDER_SHARE``), none for a county not listed and none
    for an urban district (its people are not cut off)."""
    if not region.pastoral:
        return np.zeros(len(region.adcodes))
    return np.where(region.district, 0.0, np.array([HERDER_SHARE.get(kind, 0.0) for kind in region.pastoral]))


def _spread(region: Region, weight: np.ndarray) -> np.ndarray:
    """Per county, the weighted root-mean-square distance (km) from its point to the sample
    points where the affected people live (herders out on the steppe, the shaken part ...)."""
    own = region.sample_county
    d = haversine_km(region.lon[own], region.lat[own], region.sample_lon, region.sample_lat)
    total = np.bincount(own, weights=weight, minlength=len(region.adcodes))
    square = np.bincount(own, weights=weight * d ** 2, minlength=len(region.adcodes))
    return np.sqrt(np.divide(square, total, out=np.zeros_like(square), where=total > 0))


def _incident(region: Region, number: int, n: int, people: int, priority: int, day, season, given=(), name=None,
              lon=None, lat=None, *, derive: bool = True) -> IncidentSpec:
    derived = (needs.derive_needs(people, region.household_size, list(region.need_norms), day, region.winter_months,
                                  in_season=season) if derive else {})
    wanted = {**derived, **dict(given)}
    teams = needs.derive_teams(people, priority, list(region.team_norms))
    return IncidentSpec(number, name or region.names[n], region.adcodes[n],
                        float(region.lon[n] if lon is None else lon), float(region.lat[n] if lat is None else lat),
                        priority, people, tuple(sorted(wanted.items())), tuple(teams[k] for k in sorted(teams)))


def _tabletop(region: Region, hazard: Incidents, day) -> tuple[list[dict], list[IncidentSpec]]:
    rows, incidents = [], []
    points = shapely.points([i.lon for i in hazard.incidents], [i.lat for i in hazard.incidents])
    for k, (spec, point) in enumerate(zip(hazard.incidents, points), start=1):
        inside = np.nonzero(shapely.contains(region.shapes, point))[0]
        if not len(inside):
            raise ScenarioError(f"hazard.incidents[{k}]: point {spec.lon}, {spec.lat} is outside the region")
        n = int(inside[0])
        rows.append({"county": region.adcodes[n], "name": region.names[n], "population": int(region.population[n]),
                     "displaced": spec.people})
        incidents.append(_incident(region, k, n, spec.people, spec.priority, day, None, spec.needs, spec.name,
                                   spec.lon, spec.lat))
    return rows, incidents


def _check_epicentre(region: Region, eq: Earthquake) -> None:
    """Raise ``ScenarioError`` when the epicentre lies more than ``MAX_OUTSIDE_KM`` from the
    region: the great-circle distance to the nearest point of the nearest county."""
    point = shapely.Point(eq.lon, eq.lat)
    nearest = region.shapes[int(np.argmin(shapely.distance(region.shapes, point)))]
    edge = shapely.ops.nearest_points(nearest, point)[0]
    gap_km = float(haversine_km(edge.x, edge.y, eq.lon, eq.lat))
    if gap_km > MAX_OUTSIDE_KM:
        raise ScenarioError(f"hazard.lon/lat: the epicentre {eq.lon}, {eq.lat} is about {gap_km:,.0f} km outside the "
                            f"region; allowed: inside it or within {MAX_OUTSIDE_KM:.0f} km of its border")
