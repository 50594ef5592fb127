"""The readers of the live books: the one place planners query the database.

Dispatch and drills read the region's rules, the live stock, teams and incidents, and
the places a renderer draws through these functions; each takes an open session (or,
for the cached and whole-read ones, a database URL) and returns plain values or the
core's frozen objects. Nothing here writes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import shapely
from sqlalchemy import func
from sqlmodel import Session, select

from relief.depot import datafiles, db, travelrules
from relief.depot import fleet as fleets
from relief.depot.models import (Balance, County, Depot, Incident, IncidentNeed, IncidentTeam, Item, Lot, Meta, Plan,
                                 PlanShipment, PlanTeam, ReserveNorm, Team)
from relief.errors import UnknownIncident
from relief.routing.core import geo, needs, roads
from relief.routing.core import windows as window_rules
from relief.routing.core.problem import (DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams, TeamRequest,
                                         TeamSpec)
from relief.routing.core.results import PlanStatus
from relief.routing.core.roads import CountyGrid
from relief.routing.core.travel import TravelParams, read_table
from relief.routing.outputs.places import Places

LIVE = (PlanStatus.COMMITTED, PlanStatus.SHIPPED)
_counties: dict[str, geo.Counties] = {}
_GRIDS: dict[str, CountyGrid] = {}


def counties(s: Session, url: str) -> geo.Counties:
    """The region's counties with a spatial index (cached per database URL)."""
    if url not in _counties:
        rows = s.exec(select(County.adcode, County.name, County.geometry).order_by(County.adcode)).all()
        _counties[url] = geo.Counties.from_rows(list(rows))
    return _counties[url]


def region_meta(s: Session) -> dict[str, str]:
    """The key/value facts stored by ``relief init`` (name, household_size, folder ...)."""
    return {m.key: m.value for m in s.exec(select(Meta))}


def region_rows(s: Session, name: str) -> list[dict]:
    """Rows of a region table (``needs.csv``, ``circuity.csv`` ...) as stored by ``relief
    init``, so that every user of a shared database plans with the same rules."""
    meta = region_meta(s)
    stored = meta.get(f"table:{name}")
    return json.loads(stored) if stored is not None else datafiles.region_table(meta.get("folder"), name)


def need_rules(s: Session) -> tuple[float, list[needs.NeedNorm], list[needs.TeamNorm]]:
    """Household size, need norms and team norms of the loaded region."""
    return (float(region_meta(s).get("household_size", 3.0)),
            needs.need_norms(region_rows(s, "needs.csv")), needs.team_norms(region_rows(s, "team_norms.csv")))


def region_season(s: Session, name: str, default):
    """A ``[seasons]`` setting of the loaded region (``winter_months``, ``blizzard`` or
    ``flood``) as stored by ``relief init``; ``default`` when its region.toml names none."""
    stored = region_meta(s).get(f"season:{name}")
    return json.loads(stored) if stored is not None else default


def winter_months(s: Session) -> tuple[int, ...]:
    """The months in which the loaded region needs winter items (``needs.WINTER_MONTHS``
    when its region.toml names none)."""
    return tuple(region_season(s, "winter_months", needs.WINTER_MONTHS))


def county_rows(s: Session) -> list[County]:
    """Every county of the region, ordered by adcode."""
    return list(s.exec(select(County).order_by(County.adcode)))


def depot_codes(s: Session) -> set[str]:
    """The codes of every depot."""
    return set(s.exec(select(Depot.code)))


def team_codes(s: Session) -> set[str]:
    """The codes of every team, whatever its status."""
    return set(s.exec(select(Team.code)))


def committed_supplies(s: Session) -> dict[tuple[int, str], int]:
    """Units per (incident, item) that committed or shipped plans send."""
    rows = s.exec(select(PlanShipment.incident, PlanShipment.item, func.sum(PlanShipment.qty))
                  .join(Plan, Plan.id == PlanShipment.plan).where(Plan.status.in_(LIVE))
                  .group_by(PlanShipment.incident, PlanShipment.item))
    return {(i, item): int(q) for i, item, q in rows}


def committed_teams(s: Session) -> dict[tuple[int, str], tuple[int, int]]:
    """(teams, people) per (incident, team request) that committed or shipped plans send."""
    rows = s.exec(select(PlanTeam.incident, PlanTeam.request, func.count(), func.sum(Team.members))
                  .join(Plan, Plan.id == PlanTeam.plan).join(Team, Team.code == PlanTeam.team)
                  .where(Plan.status.in_(LIVE)).group_by(PlanTeam.incident, PlanTeam.request))
    return {(i, request): (int(n), int(people or 0)) for i, request, n, people in rows}


def team_skills(s: Session) -> tuple[dict[str, str], tuple[str, ...]]:
    """The team vocabulary of the loaded region: {team kind: the skill that covers a request
    for it} (``data/team_skills.csv``), and every name a team request may use: those kinds
    and skills and the kinds and skills of the region's teams, sorted."""
    covers = needs.team_skills(datafiles.region_table(None, "team_skills.csv"))
    names = set(covers) | set(covers.values())
    for kind, skills in s.exec(select(Team.kind, Team.skills)):
        names |= {kind.strip().lower()} | {k.strip().lower() for k in skills.split(";") if k.strip()}
    return covers, tuple(sorted(names))


def teams_held(s: Session, *, besides: int) -> set[str]:
    """Codes of the teams that committed or shipped plans other than plan ``besides`` send."""
    return set(s.exec(select(PlanTeam.team).join(Plan, Plan.id == PlanTeam.plan)
                      .where(Plan.status.in_(LIVE), Plan.id != besides)))


def travel_rules(s: Session) -> dict:
    """The region's travel settings as stored by ``relief init`` (``depot.travelrules``:
    circuity, speed_kmh, handling_min, team_mobilise_min, kinds); a database made before
    they were stored reads its region folder's region.toml."""
    stored = region_meta(s).get("travel")
    if stored is not None:
        return json.loads(stored)
    folder = region_meta(s).get("folder")
    return travelrules.settings(datafiles.region_toml(folder) if folder else {})


def road_grid(s: Session) -> CountyGrid | None:
    """The region's counties rasterised for cutting routes (``routing.core.roads``), made
    once per process for the same boundaries; None for a region without counties."""
    rows = list(s.exec(select(County.adcode, County.geometry).order_by(County.adcode)))
    if not rows:
        return None
    digest = hashlib.blake2b(digest_size=16)
    for adcode, geometry in rows:
        digest.update(f"{adcode}\n{geometry}\n".encode())
    key = digest.hexdigest()
    if key not in _GRIDS:
        _GRIDS.clear()
        _GRIDS[key] = roads.county_grid([a for a, _ in rows], list(shapely.from_geojson([g for _, g in rows])))
    return _GRIDS[key]


def plan_params(s: Session, *, circuity: float | None = None, speed: float | None = None,
                max_hours: float | None = None, nearest: int | None = None, keep_reserve: bool = False,
                travel_table: str | None = None, windows: list[str] | None = None, start: datetime) -> PlanParams:
    """Plan parameters: the region's travel rules (circuity and road speed by county,
    depot handling, team mobilisation; ``circuity`` and ``speed`` replace the region's
    defaults, which counties of a kind do not use), routes cut by the region's counties,
    an optional travel table and delivery-window overrides (``KIND=DURATION``, e.g.
    ``food=36h``).

    Raises ``InvalidInput`` for out-of-range values or a bad window, and
    ``InvalidTravelTable`` for a bad table.
    """
    kinds = {code for code in s.exec(select(Item.code))} | set(s.exec(select(Item.category)))
    overrides = window_rules.overrides(windows or [], kinds)
    rules = travel_rules(s)
    by_county, speeds = travelrules.county_rules(rules, region_rows(s, "circuity.csv"))
    table = {}
    if travel_table:
        table = read_table(travel_table, depot_codes(s) | team_codes(s), set(s.exec(select(County.adcode))))
    travel = TravelParams(rules["circuity"] if circuity is None else circuity,
                          rules["speed_kmh"] if speed is None else speed, max_hours, int(rules["handling_min"]),
                          by_county, table, county_speed=speeds, grid=road_grid(s))
    return PlanParams(travel, nearest, keep_reserve, start, windows=overrides,
                      team_mobilise_min=int(rules["team_mobilise_min"]))


def fleet(s: Session, depots: set[str], fleet_file: str | None = None) -> tuple[tuple[fleets.Vehicle, ...],
                                                                                 tuple[fleets.FleetEntry, ...]]:
    """The region's vehicle types and depot fleet (``vehicles.csv``, ``fleet.csv``) as stored
    by ``relief init``, with the rows of ``fleet_file`` (a fleet file the user gives for a
    plan) in place of the region's for every depot it names; ``depots`` are the depot codes.

    Raises ``InvalidFleet`` (about the setting ``fleet`` for the user's file) naming every
    unknown depot or vehicle type and every bad count or capacity.
    """
    types = fleets.vehicle_types(list(enumerate(region_rows(s, "vehicles.csv"), start=2)))
    entries = fleets.fleet(list(enumerate(region_rows(s, "fleet.csv"), start=2)), types, depots)
    if fleet_file:
        own = fleets.fleet(fleets.read_file(fleet_file), types, depots, Path(fleet_file).name, option="fleet")
        entries = fleets.with_override(entries, own)
    return types, entries


def dispatch_problem(s: Session, params: PlanParams, *, incident_ids: list[int] | None = None,
                     today: date, fleet_file: str | None = None) -> DispatchProblem:
    """The dispatch problem of the live books: open incidents' remaining needs and team
    requests, available unexpired lots, ready teams, reserve floors, and the vehicles
    depots can send (``fleet``; ``fleet_file`` replaces the region's fleet of the depots it names).

    Raises ``UnknownIncident`` for an id that does not exist or is closed.
    """
    chosen = list(s.exec(select(Incident).where(Incident.status == "open").order_by(Incident.id)))
    if incident_ids:
        known = {i.id: i for i in chosen}
        missing = [i for i in incident_ids if i not in known]
        if missing:
            raise UnknownIncident(f"no open incident {', '.join(map(str, missing))}", hint="incidents")
        chosen = [known[i] for i in sorted(set(incident_ids))]
    sent, teamed = committed_supplies(s), committed_teams(s)
    needs_of: dict[int, dict[str, int]] = {}
    for n in s.exec(select(IncidentNeed)):
        needs_of.setdefault(n.incident, {})[n.item] = n.qty - sent.get((n.incident, n.item), 0)
    covers, _ = team_skills(s)
    teams_of: dict[int, list[TeamRequest]] = {}
    for t in s.exec(select(IncidentTeam).order_by(IncidentTeam.incident, IncidentTeam.kind)):
        got_teams, got_people = teamed.get((t.incident, t.kind), (0, 0))
        ask = TeamRequest(t.kind, max(t.count - got_teams, 0), max(t.people - got_people, 0),
                          covers.get(t.kind, t.kind))
        if ask.teams or ask.people:
            teams_of.setdefault(t.incident, []).append(ask)
    incidents = tuple(IncidentSpec(i.id, i.name, i.county, i.lon, i.lat, i.priority, i.people,
                                   tuple(sorted((k, v) for k, v in needs_of.get(i.id, {}).items() if v > 0)),
                                   tuple(teams_of.get(i.id, ())))
                      for i in chosen)
    depots = tuple(DepotSpec(d.code, d.county, d.lon, d.lat, d.level, d.outbound_t_day)
                   for d in s.exec(select(Depot).order_by(Depot.code)))
    lot_rows = s.exec(select(Balance, Lot.expires).join(Lot, (Lot.item == Balance.item) & (Lot.code == Balance.lot))
                      .where(Balance.on_hand > Balance.reserved)
                      .order_by(Balance.depot, Balance.item, Balance.lot))
    lots = tuple(LotSupply(b.depot, b.item, b.lot, exp, b.on_hand - b.reserved) for b, exp in lot_rows
                 if exp is None or exp >= today)
    teams = tuple(TeamSpec(t.code, t.kind, t.lon, t.lat, t.members, needs.abilities(t.kind, t.skills, covers),
                           t.speed_kmh, t.mobilise_min)
                  for t in s.exec(select(Team).where(Team.status == "ready").order_by(Team.code)))
    catalogue = list(s.exec(select(Item.code, Item.weight_kg, Item.volume_m3, Item.category)))
    weights = {code: kg for code, kg, _, _ in catalogue}
    volumes = {code: m3 for code, _, m3, _ in catalogue}
    window_min = window_rules.item_windows(region_rows(s, "windows.csv"), {c: cat for c, _, _, cat in catalogue},
                                           dict(params.windows))
    level = {d.code: d.level for d in depots}
    norms = {(n.level, n.item): n.min_qty for n in s.exec(select(ReserveNorm))}
    floors = {(d, i): norms.get((level[d], i), 0) for d in level for i in weights}
    vehicles, entries = fleet(s, set(level), fleet_file)
    return DispatchProblem(incidents, depots, lots, teams, weights, floors, params, volume_m3=volumes,
                           window_min=window_min, vehicles=vehicles, fleet=entries)


def places(url: str) -> Places:
    """Everything a renderer draws besides the plan: depots, teams, items and county outlines."""
    with db.session(url) as s:
        return Places.of(s.exec(select(Depot)), s.exec(select(Team)), s.exec(select(Item)),
                         s.exec(select(County.adcode, County.name, County.geometry).order_by(County.adcode)))
