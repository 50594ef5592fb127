"""Listings of the region's fixed records: depots, items and teams.

Each function takes an open session and returns plain dicts with the documented
``--json`` keys.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from relief.depot import db, reports, text
from relief.errors import InvalidInput
from relief.depot.models import County, Depot, Item, ReserveNorm, Team
from relief.depot.region import LEVELS, TEAM_STATUSES


def depots(s: Session, *, level: str | None = None, league: str | None = None) -> list[dict]:
    """Depots ordered by level then code. Keys: code, name, level, county, county_name,
    league, lon, lat, capacity_m3, outbound_t_day. Raises ``InvalidInput`` for an unknown level."""
    if level is not None and level not in LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}; got {level!r}", option="level")
    query = select(Depot, County.name, County.league).join(County, County.adcode == Depot.county)
    if level:
        query = query.where(Depot.level == level)
    if league:
        query = query.where(County.league == league)
    rows = [{"code": d.code, "name": d.name, "level": d.level, "county": d.county, "county_name": county_name,
             "league": league_name, "lon": d.lon, "lat": d.lat, "capacity_m3": d.capacity_m3,
             "outbound_t_day": d.outbound_t_day} for d, county_name, league_name in s.exec(query)]
    return sorted(rows, key=lambda r: (LEVELS.index(r["level"]), r["code"]))


def depot_detail(s: Session, code: str, *, today: date) -> dict:
    """One depot with its per-item totals against the reserve norm.

    Returns the depot keys plus ``items``: [{item, item_name, unit, on_hand, reserved,
    expired, available, min, max}]. Raises ``UnknownDepot``.
    """
    code = reports.check_depot(s, code)
    row = next(r for r in depots(s) if r["code"] == code)
    have = reports.totals(s, today=today)
    norms = {n.item: n for n in s.exec(select(ReserveNorm).where(ReserveNorm.level == row["level"]))}
    items = []
    for item in s.exec(select(Item).order_by(Item.code)):
        got = have.get((code, item.code), {"on_hand": 0, "reserved": 0, "expired": 0, "available": 0})
        norm = norms.get(item.code)
        if got["on_hand"] or norm:
            items.append({"item": item.code, "item_name": item.name, "unit": item.unit, **got,
                          "min": norm.min_qty if norm else None, "max": norm.max_qty if norm else None})
    return {**row, "items": items}


def items(s: Session, *, category: str | None = None) -> list[dict]:
    """Catalogue items ordered by category and code. Keys: code, name, name_en, unit,
    weight_kg, volume_m3, shelf_life_days (None when durable), category."""
    query = select(Item).order_by(Item.category, Item.code)
    if category:
        query = query.where(Item.category == category)
    return [{"code": i.code, "name": i.name, "name_en": i.name_en, "unit": i.unit, "weight_kg": i.weight_kg,
             "volume_m3": i.volume_m3, "shelf_life_days": i.shelf_life_days, "category": i.category}
            for i in s.exec(query)]


def teams(s: Session, *, status: str | None = None) -> list[dict]:
    """Teams ordered by code. Keys: code, name, kind, base, lon, lat, members, vehicles,
    skills (list), status, speed_kmh and mobilise_min (None: the plan's speed and default
    mobilisation)."""
    query = select(Team).order_by(Team.code)
    if status:
        query = query.where(Team.status == status)
    return [{"code": t.code, "name": t.name, "kind": t.kind, "base": t.base, "lon": t.lon, "lat": t.lat,
             "members": t.members, "vehicles": t.vehicles, "skills": [k for k in t.skills.split(";") if k],
             "status": t.status, "speed_kmh": t.speed_kmh, "mobilise_min": t.mobilise_min} for t in s.exec(query)]


def set_team_status(url: str, code: str, status: str) -> dict:
    """Mark a team ready, deployed or resting (e.g. back from an incident); returns it.

    The team's row is locked while it changes, so a plan being committed at the same
    time is waited for, not overwritten. Raises ``InvalidInput`` for an unknown team
    code or status.
    """
    if status not in TEAM_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(TEAM_STATUSES)}; got {status!r}")
    team_code = text.code(code, "team code").upper()

    def work(s: Session) -> dict:
        team = s.exec(select(Team).where(Team.code == team_code).with_for_update()).first()
        if team is None:
            raise InvalidInput(f"unknown team {code!r}", hint="teams")
        team.status = status
        s.add(team)
        s.flush()
        return next(t for t in teams(s) if t["code"] == team.code)
    return db.write(url, work)
