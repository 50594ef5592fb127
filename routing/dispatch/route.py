"""One route as plans see it (``relief travel``): road km, minutes and the counties it crosses.

The route runs from a depot or a team's base to a county (its reference point), a depot
or a point, along the great-circle line cut by the region's counties
(``routing.core.travel``); with a scenario, under its slowdowns, closed depots, teams
away and cut roads. Nothing is written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from relief.depot import db
from relief.depot.models import County, Depot, Team
from relief.errors import InvalidCoordinates, InvalidInput
from relief.routing import books
from relief.routing.core import geo, travel
from relief.routing.core.travel import Leg, TravelParams


@dataclass(frozen=True)
class Place:
    """A route's end: its code or label, name, where it is and the county holding it."""

    code: str
    name: str
    lon: float
    lat: float
    county: str


@dataclass(frozen=True)
class Route:
    """A route: from a depot or team (``source_kind``), to a place; road ``km``, whole
    ``minutes`` (``start_minutes`` of handling or mobilisation, then driving), the
    great-circle km, the ``legs`` by county; under a scenario, its name, the minutes
    without it, and whether the scenario cuts the road or closes or takes the source."""

    source: Place
    source_kind: str
    to: Place
    km: float
    minutes: int
    start_minutes: int
    great_km: float
    legs: tuple[Leg, ...]
    county_names: dict[str, str]
    scenario: str | None = None
    minutes_without: int | None = None
    cut: bool = False
    unavailable: bool = False


def route(url: str, source: str, to: str, *, scenario: str | None = None) -> Route:
    """Takes a depot or team code, a destination (a county adcode, a depot code or
    ``LON,LAT``) and optionally a scenario (file or shipped name); returns the ``Route``.

    Raises ``InvalidInput`` for an unknown code or a destination that is none of those,
    ``InvalidCoordinates`` for a malformed point, ``OutsideRegion`` for a point outside
    every county, ``UnknownScenario``/``ScenarioError`` for a bad scenario.
    """
    with db.session(url) as s:
        params = books.plan_params(s, start=datetime(2000, 1, 1))
        start, place, kind, speed = _source(s, source, params)
        end = _destination(s, url, to)
        names = dict(s.exec(select(County.adcode, County.name)).all())
    base = params.travel
    plain = _estimate(base, place, end, speed, start)
    if scenario is None:
        return Route(place, kind, end, plain[0], plain[1], start, plain[2], tuple(_legs(base, place, end, speed)), names)
    from relief.routing.drills import run as drills
    from relief.routing.drills.scenario import load

    loaded = load(scenario)
    world = loaded.world
    slow, areas = drills.slowdowns(world, drills.region(url), base.grid is not None)
    under = dataclasses.replace(base, slow=slow, slow_areas=areas, cut=frozenset(world.roads_cut))
    km, minutes, great = _estimate(under, place, end, speed, start)
    away = place.code in (world.depots_closed if kind == "depot" else world.teams_unavailable)
    return Route(place, kind, end, km, minutes, start, great, tuple(_legs(under, place, end, speed)), names,
                 loaded.name, plain[1], (place.code, end.county) in under.cut, away)


def _estimate(params: TravelParams, source: Place, end: Place, speed: float | None, start: int):
    trip = travel.estimate(params, [source.code], [source.lon], [source.lat], [end.county], [end.lon], [end.lat],
                           src_speed=None if speed is None else [speed], src_handling=[start])
    great = float(travel.haversine_km(source.lon, source.lat, end.lon, end.lat))
    return round(float(trip.km[0, 0]), 1), int(trip.minutes[0, 0]), round(great, 1)


def _legs(params: TravelParams, source: Place, end: Place, speed: float | None) -> list[Leg]:
    if params.grid is None:
        return []
    return travel.legs(params, source.lon, source.lat, end.lon, end.lat, speed)


def _source(s: Session, code: str, params) -> tuple[int, Place, str, float | None]:
    """(start minutes, place, "depot" or "team", own speed) of a depot or team code."""
    key = code.strip().upper()
    depot = s.get(Depot, key)
    if depot is not None:
        return params.travel.handling_min, Place(depot.code, depot.name, depot.lon, depot.lat, depot.county), "depot", None
    team = s.get(Team, key)
    if team is not None:
        start = params.team_mobilise_min if team.mobilise_min is None else team.mobilise_min
        county = _county_of(s, team.base)
        return start, Place(team.code, team.name, team.lon, team.lat, county), "team", team.speed_kmh
    raise InvalidInput(f"FROM must be a depot or team code, got {code!r}", field="from", hint="depots_teams")


def _county_of(s: Session, base: str) -> str:
    depot = s.get(Depot, base)
    return depot.county if depot is not None else ""


def _destination(s: Session, url: str, to: str) -> Place:
    """A county adcode (its reference point), a depot code, or ``LON,LAT`` in the region."""
    text = to.strip()
    county = s.get(County, text)
    if county is not None:
        return Place(county.adcode, county.name, county.lon, county.lat, county.adcode)
    depot = s.get(Depot, text.upper())
    if depot is not None:
        return Place(depot.code, depot.name, depot.lon, depot.lat, depot.county)
    if "," in text:
        parts = text.split(",")
        if len(parts) != 2:
            raise InvalidCoordinates(f"TO as a point must be LON,LAT (two numbers), got {to!r}")
        lon, lat = geo.check_point(parts[0].strip(), parts[1].strip())
        adcode = books.counties(s, url).locate(lon, lat)
        return Place(f"{lon:.4f},{lat:.4f}", f"point in {adcode}", lon, lat, adcode)
    raise InvalidInput(f"TO must be a county adcode, a depot code or LON,LAT, got {to!r}", field="to",
                       hint="counties")
