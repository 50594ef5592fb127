"""Create a relief database and load a region into it (``relief init``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from relief.depot import datafiles, db, rules, text, travelrules
from relief.depot import fleet as fleets
from relief.depot.ledger import DocumentRequest, post
from relief.depot.models import County, Depot, Item, Meta, ReserveNorm, Team
from relief.depot.posting import Book, ItemFacts, Operation, plan
from relief.errors import InvalidFile, InvalidFleet, InvalidInput, Problem, ReliefError

LEVELS = ("region", "league", "county")
REGION_TABLES = ("needs.csv", "team_norms.csv", "circuity.csv", "hazard_zones.csv", "pastoral.csv", "windows.csv",
                 "vehicles.csv", "fleet.csv")
HAZARDS = ("earthquake", "blizzard", "flood")
TEAM_STATUSES = ("ready", "deployed", "resting")
TEAM_SPEED = (5, 200)  # km/h, the range the plan's road speed allows too
MAX_MOBILISE_MIN = 7 * 24 * 60
ADCODE_LENGTH = 6  # the county table's key column holds six characters


@dataclass(frozen=True)
class Loaded:
    """Counts of what ``init`` loaded."""

    region: str
    counties: int
    depots: int
    items: int
    teams: int
    stock_lines: int


def init(url: str, region: str = "inner-mongolia", *, sample_stock: bool = True,
         force: bool = False, today: date, actor: str = "init") -> Loaded:
    """Create the schema at ``url`` and load ``region`` (a built-in name or a folder).

    Refuses with ``DatabaseNotEmpty`` when the database already holds data, unless
    ``force`` (which drops the whole schema and builds it again at the current
    revision). Raises ``UnknownRegion`` or ``InvalidFile`` for a region that cannot be
    read; nothing is written then.
    """
    files = datafiles.read_region(region, with_stock=sample_stock)
    tables = _tables(files)
    openings = _opening(files, tables, today)

    def load(s: Session) -> int:
        for model, rows in tables:
            if rows:
                s.execute(insert(model), rows)
        s.flush()
        if not openings:
            return 0
        doc = DocumentRequest(f"OPENING-{files.folder.name}", "opening", openings)
        return len(post(s, [doc], actor=actor, today=today, collect_errors=True)[0].lines)

    lines = db.rebuild(url, load, force=force)
    counts = {model.__name__: len(rows) for model, rows in tables}
    return Loaded(str(files.meta.get("name")), counts["County"], counts["Depot"], counts["Item"], counts["Team"], lines)


def _tables(files: datafiles.RegionFiles) -> list[tuple[type, list[dict]]]:
    problems: list[Problem] = []
    meta = [{"key": k, "value": str(v)} for k, v in files.meta.items() if not isinstance(v, dict)]
    for row in meta:
        try:
            text.note(row["value"], row["key"])
        except InvalidInput as exc:
            problems.append(Problem("region.toml", row["key"], str(exc)))
    meta.append({"key": "schema_version", "value": "1"})
    meta += [{"key": f"season:{k}", "value": json.dumps(v)}
             for k, v in datafiles.region_seasons(files.meta, files.folder / "region.toml").items()]
    region_tables = {name: datafiles.region_table(files.folder, name) for name in REGION_TABLES}
    travel = travelrules.settings(files.meta, files.folder / "region.toml")
    travelrules.county_rules(travel, region_tables["circuity.csv"], files.folder / "circuity.csv")
    meta.append({"key": "travel", "value": json.dumps(travel)})
    for name, rows in region_tables.items():
        meta.append({"key": f"table:{name}", "value": json.dumps(rows, ensure_ascii=False)})
    folder = files.folder.name if files.builtin else str(Path(str(files.folder)).resolve())
    meta.append({"key": "folder", "value": folder})
    counties = [_convert(problems, "counties.geojson", n, r, adcode=_adcode, name=_name, league=_name,
                         population=_whole, lon=rules.decimal_number, lat=rules.decimal_number, geometry=str)
                for n, r in enumerate(files.counties, 1)]
    depots = [_convert(problems, "depots.csv", n, r, code=_code, name=_name, level=str, county=str, lon=rules.decimal_number,
                       lat=rules.decimal_number, capacity_m3=rules.decimal_number, outbound_t_day=rules.decimal_number) for n, r in enumerate(files.depots, 2)]
    items = [_convert(problems, "items.csv", n, r, code=_code, name=_name, name_en=_name, unit=_name, weight_kg=rules.decimal_number,
                      volume_m3=rules.decimal_number, shelf_life_days=_optional_int, category=_name) for n, r in enumerate(files.items, 2)]
    norms = [_convert(problems, "norms.csv", n, r, level=str, item=str, min_qty=_whole, max_qty=_whole)
             for n, r in enumerate(files.norms, 2)]
    teams = [_convert(problems, "teams.csv", n, r, code=_code, name=_name, kind=_name, base=_code, lon=rules.decimal_number, lat=rules.decimal_number,
                      members=_whole, vehicles=_whole, skills=_name, status=str, speed_kmh=_optional_decimal,
                      mobilise_min=_optional_int) for n, r in enumerate(files.teams, 2)]
    adcodes = {c["adcode"] for c in counties}
    for n, d in enumerate(depots, 2):
        if d["level"] not in LEVELS:
            problems.append(_at("depots.csv", n, "level", f"level {d['level']!r} is not one of {', '.join(LEVELS)}"))
        if d["county"] not in adcodes:
            problems.append(_at("depots.csv", n, "county", f"county {d['county']!r} is not in counties.geojson"))
    for n, t in enumerate(teams, 2):
        if t["status"] not in TEAM_STATUSES:
            problems.append(_at("teams.csv", n, "status",
                                f"status {t['status']!r} is not one of {', '.join(TEAM_STATUSES)}"))
        if t["speed_kmh"] is not None and not TEAM_SPEED[0] <= t["speed_kmh"] <= TEAM_SPEED[1]:
            problems.append(_at("teams.csv", n, "speed_kmh", f"speed_kmh {t['speed_kmh']:g} is not between "
                                f"{TEAM_SPEED[0]} and {TEAM_SPEED[1]} km/h"))
        if t["mobilise_min"] is not None and t["mobilise_min"] > MAX_MOBILISE_MIN:
            problems.append(_at("teams.csv", n, "mobilise_min", f"mobilise_min {t['mobilise_min']} is more than "
                                f"{MAX_MOBILISE_MIN:,} minutes (a week)"))
    problems += _check_pastoral(region_tables["pastoral.csv"], adcodes)
    problems += _check_counties("circuity.csv", region_tables["circuity.csv"], adcodes)
    problems += _check_zones(region_tables["hazard_zones.csv"], adcodes)
    problems += _check_fleet(region_tables["vehicles.csv"], region_tables["fleet.csv"], {d["code"] for d in depots})
    for name, rows, key in (("counties.geojson", counties, "adcode"), ("depots.csv", depots, "code"),
                            ("items.csv", items, "code"), ("teams.csv", teams, "code")):
        seen = [r[key] for r in rows if r[key] is not None]
        problems += [Problem(name, key, f"{key} {code!r} appears more than once")
                     for code in sorted(set(seen)) if seen.count(code) > 1]
    if problems:
        raise InvalidFile(f"region folder {files.folder} has {len(problems)} problem(s)", problems)
    return [(Meta, meta), (County, counties), (Depot, depots), (Item, items), (ReserveNorm, norms), (Team, teams)]


def _check_counties(name: str, rows: list[dict], adcodes: set[str]) -> list[Problem]:
    """Problems of the ``county`` column of a region table keyed by county (``pastoral.csv``,
    ``circuity.csv``): a county not in the region, a county listed twice."""
    problems, seen = [], set()
    for n, row in enumerate(rows, 2):
        county = str(row.get("county") or "").strip()
        if county not in adcodes:
            problems.append(_at(name, n, "county", f"county {county!r} is not in counties.geojson"))
        if county in seen:
            problems.append(_at(name, n, "county", f"county {county!r} appears more than once"))
        seen.add(county)
    return problems


def _check_pastoral(rows: list[dict], adcodes: set[str]) -> list[Problem]:
    """Problems of ``pastoral.csv``: a county not in the region or listed twice, a class
    other than pastoral or semi-pastoral."""
    problems = _check_counties("pastoral.csv", rows, adcodes)
    for n, row in enumerate(rows, 2):
        kind = str(row.get("pastoral") or "").strip()
        if kind not in datafiles.PASTORAL_CLASSES:
            problems.append(_at("pastoral.csv", n, "pastoral", f"pastoral {kind!r} is not one of "
                            f"{', '.join(datafiles.PASTORAL_CLASSES)}"))
    return sorted(problems, key=lambda p: p.line or 0)


def _check_zones(rows: list[dict], adcodes: set[str]) -> list[Problem]:
    """Problems of ``hazard_zones.csv``: an unknown hazard, a weight that is not a positive
    number, a county not in the region."""
    problems = []
    for n, row in enumerate(rows, 2):
        hazard = str(row.get("hazard") or "").strip()
        if hazard not in HAZARDS:
            problems.append(_at("hazard_zones.csv", n, "hazard",
                                f"hazard {hazard!r} is not one of {', '.join(HAZARDS)}"))
        try:
            weight = rules.decimal_number(row.get("weight") or "")
        except ValueError:
            weight = 0.0
        if not weight > 0:
            problems.append(_at("hazard_zones.csv", n, "weight",
                                f"weight {row.get('weight')!r} must be a number greater than 0"))
        unknown = [c for c in str(row.get("counties") or "").split(";") if c.strip() and c.strip() not in adcodes]
        if unknown:
            problems.append(_at("hazard_zones.csv", n, "county", f"county {unknown[0]!r} is not in counties.geojson"))
    return problems


def _check_fleet(vehicle_rows: list[dict], fleet_rows: list[dict], depots: set[str]) -> list[Problem]:
    """Problems of ``vehicles.csv`` and ``fleet.csv`` (see ``depot.fleet``): bad capacities,
    speeds and counts, unknown vehicle types and depots, depots left without a vehicle."""
    try:
        types = fleets.vehicle_types(list(enumerate(vehicle_rows, 2)))
        fleets.fleet(list(enumerate(fleet_rows, 2)), types, depots)
    except InvalidFleet as exc:
        return exc.problems
    return []


def _at(file: str, line: int, field: str | None, message: str) -> Problem:
    """The problem ``message`` about ``field`` at ``line`` of a region ``file``."""
    return Problem(f"{file} line {line}", field, message, line)


def _optional_int(value: str | None) -> int | None:
    return _whole(value) if value is not None and str(value).strip() else None


def _optional_decimal(value: str | None) -> float | None:
    """A decimal of an optional column (None when the column or the value is absent)."""
    return rules.decimal_number(value) if value is not None and str(value).strip() else None


def _whole(value: object) -> int:
    """A count of a region table (0 or more, plain digits as ``rules.whole_number`` reads
    them); raises ``ValueError`` saying what is wrong."""
    try:
        return rules.whole_number(value, "value", low=0, high=10**10)
    except ReliefError as exc:
        raise ValueError(str(exc)) from None


def _stock_values(row: dict, today: date) -> tuple[int, date | None]:
    """The quantity and expiry of a ``stock.csv`` row: ``qty`` in plain digits, and either
    ``expires_in_days`` (days from today, negative for stock already expired) or
    ``expires`` (YYYY-MM-DD), read by the rules' one number and date readers. Raises
    ``ValueError`` saying what is wrong."""
    try:
        qty = rules.whole_number(row.get("qty"), "qty", low=0)
        days = str(row.get("expires_in_days") or "").strip()
        on = str(row.get("expires") or "").strip()
        if days:
            return qty, today + timedelta(days=rules.whole_number(days, "expires_in_days", low=-36500, high=36500,
                                                                  signed=True))
        return qty, rules.parse_date(on, "expires") if on else None
    except ReliefError as exc:
        raise ValueError(str(exc)) from None


def _code(value: object, what: str) -> str:
    return text.code(value, what)


def _adcode(value: object, what: str) -> str:
    code = text.code(value, what)
    if len(code) > ADCODE_LENGTH:
        raise InvalidInput(f"{what} must be at most {ADCODE_LENGTH} characters, got {code!r}")
    return code


def _name(value: object, what: str) -> str:
    return text.name(value, what)


def _convert(problems: list[Problem], file: str, line: int, row: dict, /, **types) -> dict:
    """The values of ``row`` converted by ``types`` (``key=converter``); a value that does
    not convert is None and a problem about it at ``line`` of ``file`` is added. The
    text checks (``_code``, ``_name``) are given the key to name in their message."""
    out = {}
    for key, kind in types.items():
        try:
            if kind in (_code, _adcode, _name):
                out[key] = kind(row.get(key), key)
            else:
                out[key] = kind(row.get(key)) if kind is not str else str(row.get(key, "")).strip()
        except InvalidInput as exc:
            problems.append(_at(file, line, key, str(exc)))
            out[key] = None
        except (TypeError, ValueError):
            kind_name = ("whole number" if kind in (_whole, _optional_int) else
                         "number" if kind in (rules.decimal_number, _optional_decimal) else
                         getattr(kind, "__name__", "value"))
            problems.append(_at(file, line, key, f"{key} {row.get(key)!r} is not a valid {kind_name}"))
            out[key] = None
    return out


def _opening(files: datafiles.RegionFiles, tables: list[tuple[type, list[dict]]], today: date) -> list[Operation]:
    """The opening stock as operations, fully checked (codes, quantities, dates, lots) in
    memory before the database is touched; raises ``InvalidFile`` listing every bad row."""
    by_model = dict(tables)
    depots = {d["code"] for d in by_model[Depot]}
    items = {i["code"]: ItemFacts(i["code"], i["shelf_life_days"]) for i in by_model[Item]}
    problems, ops = [], []
    for n, row in enumerate(files.stock, 2):
        try:
            qty, expires = _stock_values(row, today)
            lot = text.optional_code(row.get("lot"), "lot", field="lot")
        except (TypeError, ValueError, OverflowError, InvalidInput) as exc:
            problems.append(Problem.at_line(n, exc, "stock.csv"))
            continue
        depot, item = str(row.get("depot") or "").strip(), str(row.get("item") or "").strip()
        if depot not in depots or item not in items or qty <= 0:
            problems.append(_at("stock.csv", n, None, f"depot {depot!r} and item {item!r} must be in depots.csv and "
                            f"the item catalogue, qty {qty} greater than 0"))
            continue
        ops.append(Operation("opening", depot, item, qty, lot=lot,
                             expires=expires, line=n))
    plan(ops, Book(), items, today, problems)
    if problems:
        raise InvalidFile(f"region folder {files.folder}: {len(problems)} bad opening stock row(s)", problems)
    return ops
