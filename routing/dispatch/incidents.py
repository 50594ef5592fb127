"""Incidents: register, import, list and close the places that need relief.

Each function takes the database URL and plain values; writes happen in one
transaction and nothing is written when any input is bad.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timezone
from pathlib import Path

from sqlmodel import Session, select

from relief.depot import db, text
from relief.depot.columns import check_columns
from relief.depot.models import County, Incident, IncidentNeed, IncidentTeam, Item
from relief.errors import InvalidFile, Problem, ReliefError, UnknownIncident, UnknownItem
from relief.routing import books
from relief.routing.core import geo, needs


def add(url: str, name: str, lon: object, lat: object, *, people: object = 0, priority: object = 3,
        need: list[str] | None = None, team: list[str] | None = None, today: date) -> dict:
    """Register one incident; returns it as ``list`` shows it.

    The county is found from the point. Needs and team requests not given are derived
    from people displaced and the region's norms (seasonal by ``today`` and the region's
    winter months). A team request is ``NAME=N`` (teams), ``NAME=Np`` (people) or
    ``NAME=N+Mp`` of a team kind or skill (``needs.parse_team_requests``). Raises
    ``InvalidCoordinates``, ``OutsideRegion``, ``UnknownItem``, ``InvalidInput`` (naming
    an unknown team kind or skill and those allowed), ``InvalidQuantity``.
    """
    row = {"name": name, "lon": lon, "lat": lat, "people": people, "priority": priority,
           "need": need or [], "team": team or []}
    return db.write(url, lambda s: _insert(s, url, [row], today))[0]


def import_file(url: str, path: str, *, today: date) -> list[dict]:
    """Register every incident of a CSV or GeoJSON file, all or none.

    CSV columns: name, lon, lat and optionally people, priority, needs
    (``TENT12=40;WATER=100``) and teams (``relief=1;medical=1;search-rescue=30p``: teams
    and/or people of a team kind or skill). GeoJSON: Point features with the same
    properties. Raises ``InvalidFile`` listing every bad row.
    """
    rows = _read(Path(path))
    return db.write(url, lambda s: _insert(s, url, rows, today))


COLUMNS = ("name", "lon", "lat")
OPTIONAL = ("people", "priority", "needs", "teams")


def _read(path: Path) -> list[dict]:
    """The rows of an incident file, each with ``line`` naming where it came from.

    Raises ``InvalidFile`` for a missing, unreadable or non-UTF-8 file, a CSV without the
    name, lon and lat columns or with a column unknown or named twice, a CSV row with
    more cells than columns, or a GeoJSON that is not a FeatureCollection of Feature
    objects or whose features carry properties other than those of the CSV columns
    (lon and lat come from the geometry). A Point without two coordinates keeps ``None`` for the missing ones, so that
    ``_insert`` reports the feature with the other bad rows.
    """
    if path.is_dir():
        raise InvalidFile(f"{path.name} is a folder; give the path of a .csv or .geojson file")
    if not path.is_file():
        raise InvalidFile(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".geojson", ".json"):
        raise InvalidFile(f"{path.name}: unsupported file type {suffix or '(none)'}; use .csv or .geojson")
    try:
        if suffix == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as handle:
                return _csv_rows(path.name, list(csv.reader(handle)))
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        kind = "CSV UTF-8" if suffix == ".csv" else "UTF-8"
        raise InvalidFile(f"{path.name} is not UTF-8 text; save it as {kind}") from None
    except csv.Error as exc:
        raise text.unreadable(path.name, exc, "CSV") from None
    except OSError as exc:
        raise InvalidFile(f"cannot read {path.name}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(content)
    except RecursionError as exc:
        raise text.unreadable(path.name, exc, "GeoJSON") from None
    except ValueError as exc:
        raise InvalidFile(f"{path.name} is not a GeoJSON FeatureCollection ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise InvalidFile(f"{path.name} is not a GeoJSON FeatureCollection: it needs a \"features\" list")
    rows, unknown = [], []
    for n, f in enumerate(data["features"], start=1):
        if not (isinstance(f, dict) and isinstance(f.get("properties") or {}, dict)
                and isinstance(f.get("geometry") or {}, dict)):
            raise InvalidFile(f"{path.name}: feature {n} must be a GeoJSON Feature object with object properties "
                              f"and geometry, got {f!r:.80}")
        props, geom = f.get("properties") or {}, f.get("geometry") or {}
        unknown += [Problem(f"feature {n}", key, f"unknown property {key!r}; properties allowed: "
                            f"{', '.join(('name',) + OPTIONAL)}", n) for key in props if key not in ("name",) + OPTIONAL]
        point = geom.get("coordinates") if geom.get("type") == "Point" else None
        lon, lat = ([*point, None, None][:2] if isinstance(point, list) else (None, None))
        wrong = geom.get("type") != "Point"
        rows.append({**props, "lon": lon, "lat": lat, "need": _pairs(props.get("needs")),
                     "team": _pairs(props.get("teams")), "line": f"feature {n}",
                     "error": f"geometry must be a Point (the incident's location), got {geom.get('type')!r}"
                     if wrong else None})
    if unknown:
        raise InvalidFile(f"{path.name}: {len(unknown)} unknown propert(ies); nothing was recorded", unknown)
    return rows


def _csv_rows(name: str, lines: list[list[str]]) -> list[dict]:
    """The rows of an incident CSV (its ``lines`` of cells); raises ``InvalidFile`` for a
    column missing, unknown or named twice, and listing the rows with more cells than
    columns (an unquoted comma would shift the values)."""
    header = [h.strip() for h in lines[0]] if lines else []
    check_columns(name, header, COLUMNS, OPTIONAL)
    rows, problems = [], []
    for n, cells in enumerate(lines[1:], start=2):
        if not cells:
            continue
        if any(c.strip() for c in cells[len(header):]):
            problems.append(Problem(f"line {n}", None, f"{len(cells)} cells under {len(header)} columns; "
                                    "quote a value that holds a comma", n))
        r = dict(zip(header, cells))
        rows.append({**r, "need": _split(r.get("needs")), "team": _split(r.get("teams")), "line": f"line {n}"})
    if problems:
        raise InvalidFile(f"{name}: {len(problems)} bad row(s); nothing was recorded", problems)
    return rows


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in str(text or "").replace(",", ";").split(";") if p.strip()]


def _pairs(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}={v}" for k, v in value.items()]
    return _split(value)


def _insert(s: Session, url: str, rows: list[dict], today: date) -> list[dict]:
    where = books.counties(s, url)
    items = set(s.exec(select(Item.code)))
    household, need_norms, team_norms = books.need_rules(s)
    months = books.winter_months(s)
    _, team_names = books.team_skills(s)
    problems, made = [], []
    for row in rows:
        if row.get("error"):
            problems.append(Problem(row["line"], "geometry", row["error"]))
            continue
        try:
            lon, lat = geo.check_point(row.get("lon"), row.get("lat"))
            county = where.locate(lon, lat)
            people = needs.check_people(row.get("people") or 0)
            priority = needs.check_priority(3 if row.get("priority") in (None, "") else row.get("priority"))
            given = needs.parse_pairs(row["need"], "need")
            for code in given:
                if code not in items:
                    raise UnknownItem(f"need names unknown item {code!r}", option="need", hint="items")
            asked = needs.parse_team_requests(row["team"], team_names)
            name = text.name(row.get("name"), field="name") or f"incident at {lon:.3f},{lat:.3f}"
        except ReliefError as exc:
            if "line" not in row:
                raise
            problems.append(Problem.of(exc, row["line"]))
            continue
        derived = needs.derive_needs(people, household, need_norms, today, months)
        wanted = {**{k: v for k, v in derived.items() if k in items}, **given}
        teams = {**needs.derive_teams(people, priority, team_norms), **asked}
        made.append((Incident(name=name, lon=lon, lat=lat, county=county, people=people, priority=priority,
                              created_at=datetime.now(timezone.utc)), wanted, teams))
    if problems:
        raise InvalidFile(f"{len(problems)} bad incident row(s); nothing was recorded", problems)
    for incident, _, _ in made:
        s.add(incident)
    s.flush()
    for incident, wanted, teams in made:
        s.add_all(IncidentNeed(incident=incident.id, item=k, qty=v) for k, v in sorted(wanted.items()))
        s.add_all(IncidentTeam(incident=incident.id, kind=k, count=v.teams, people=v.people)
                  for k, v in sorted(teams.items()))
    s.flush()
    return [describe(s, incident) for incident, _, _ in made]


def describe(s: Session, incident: Incident) -> dict:
    """An incident as a plain dict with the documented ``--json`` keys."""
    county = s.get(County, incident.county)
    return {"id": incident.id, "name": incident.name, "lon": incident.lon, "lat": incident.lat,
            "county": incident.county, "county_name": county.name if county else None,
            "priority": incident.priority, "people": incident.people, "status": incident.status,
            "needs": [{"item": n.item, "qty": n.qty} for n in
                      s.exec(select(IncidentNeed).where(IncidentNeed.incident == incident.id).order_by(IncidentNeed.item))],
            "teams": [{"kind": t.kind, "count": t.count, "people": t.people} for t in
                      s.exec(select(IncidentTeam).where(IncidentTeam.incident == incident.id).order_by(IncidentTeam.kind))]}


def listing(url: str, *, status: str | None = None) -> list[dict]:
    """Incidents ordered by id (all, or only ``open`` / ``closed``)."""
    with db.session(url) as s:
        query = select(Incident).order_by(Incident.id)
        if status:
            query = query.where(Incident.status == status)
        return [describe(s, i) for i in s.exec(query)]


def close(url: str, incident_id: int) -> dict:
    """Mark an incident closed; raises ``UnknownIncident``. Closing twice changes nothing."""
    incident_id = text.record_id(incident_id, "incident id")

    def work(s: Session) -> dict:
        incident = s.get(Incident, incident_id)
        if incident is None:
            raise UnknownIncident(f"no incident {incident_id}", hint="incidents")
        incident.status = "closed"
        s.add(incident)
        s.flush()
        return describe(s, incident)
    return db.write(url, work)
