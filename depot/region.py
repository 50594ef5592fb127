"""Create a relief database and load a region into it (``relief init``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, insert
from sqlmodel import Session, select

from depot import datafiles, db
from depot.errors import DatabaseNotEmpty, InvalidFile
from depot.ledger import DocumentRequest, post
from depot.models import County, Depot, Item, Meta, Movement, ReserveNorm, Team
from depot.posting import Operation

LEVELS = ("region", "league", "county")
TEAM_STATUSES = ("ready", "deployed", "resting")


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
    ``force`` (which drops and recreates every relief table). Raises ``UnknownRegion``
    or ``InvalidFile`` for a region that cannot be read; nothing is written then.
    """
    files = datafiles.read_region(region, with_stock=sample_stock)
    tables = _tables(files)
    if db.has_schema(url):
        with db.session(url) as s:
            used = s.exec(select(func.count()).select_from(County)).one() + s.exec(
                select(func.count()).select_from(Movement)).one()
        if used and not force:
            raise DatabaseNotEmpty(
                f"{db.describe(url)} already holds a region and stock; pass --force to replace it "
                "(every record in it will be lost)")
        db.drop_schema(url)
    db.create_schema(url)
    openings = _opening(files.stock, today)

    def load(s: Session) -> int:
        for model, rows in tables:
            if rows:
                s.execute(insert(model), rows)
        s.flush()
        if not openings:
            return 0
        doc = DocumentRequest(f"OPENING-{files.folder.name}", "opening", openings)
        return len(post(s, [doc], actor=actor, today=today, collect_errors=True)[0].lines)

    try:
        lines = db.write(url, load)
    except Exception:
        db.drop_schema(url)
        raise
    counts = {model.__name__: len(rows) for model, rows in tables}
    return Loaded(str(files.meta.get("name")), counts["County"], counts["Depot"], counts["Item"], counts["Team"], lines)


def _tables(files: datafiles.RegionFiles) -> list[tuple[type, list[dict]]]:
    problems: list[str] = []
    meta = [{"key": k, "value": str(v)} for k, v in files.meta.items() if not isinstance(v, dict)]
    meta.append({"key": "schema_version", "value": "1"})
    builtin = files.folder.resolve().parent == datafiles.DATA_DIR
    meta.append({"key": "folder", "value": files.folder.name if builtin else str(files.folder.resolve())})
    counties = [_convert(problems, "counties.geojson", n, r, adcode=str, name=str, league=str,
                         population=int, lon=float, lat=float, geometry=str)
                for n, r in enumerate(files.counties, 1)]
    depots = [_convert(problems, "depots.csv", n, r, code=str, name=str, level=str, county=str, lon=float,
                       lat=float, capacity_m3=float, outbound_t_day=float) for n, r in enumerate(files.depots, 2)]
    items = [_convert(problems, "items.csv", n, r, code=str, name=str, name_en=str, unit=str, weight_kg=float,
                      volume_m3=float, shelf_life_days=_optional_int, category=str) for n, r in enumerate(files.items, 2)]
    norms = [_convert(problems, "norms.csv", n, r, level=str, item=str, min_qty=int, max_qty=int)
             for n, r in enumerate(files.norms, 2)]
    teams = [_convert(problems, "teams.csv", n, r, code=str, name=str, kind=str, base=str, lon=float, lat=float,
                      members=int, vehicles=int, skills=str, status=str) for n, r in enumerate(files.teams, 2)]
    adcodes = {c["adcode"] for c in counties}
    for n, d in enumerate(depots, 2):
        if d["level"] not in LEVELS:
            problems.append(f"depots.csv line {n}: level {d['level']!r} is not one of {', '.join(LEVELS)}")
        if d["county"] not in adcodes:
            problems.append(f"depots.csv line {n}: county {d['county']!r} is not in counties.geojson")
    for n, t in enumerate(teams, 2):
        if t["status"] not in TEAM_STATUSES:
            problems.append(f"teams.csv line {n}: status {t['status']!r} is not one of {', '.join(TEAM_STATUSES)}")
    if problems:
        raise InvalidFile(f"region folder {files.folder} has {len(problems)} problem(s)", problems)
    return [(Meta, meta), (County, counties), (Depot, depots), (Item, items), (ReserveNorm, norms), (Team, teams)]


def _optional_int(value: str) -> int | None:
    return int(value) if str(value).strip() else None


def _convert(problems: list[str], file: str, line: int, row: dict, /, **types) -> dict:
    out = {}
    for key, kind in types.items():
        try:
            out[key] = kind(row.get(key)) if kind is not str else str(row.get(key, "")).strip()
        except (TypeError, ValueError):
            problems.append(f"{file} line {line}: {key} {row.get(key)!r} is not a valid {getattr(kind, '__name__', 'value')}")
            out[key] = None
    return out


def _opening(rows: list[dict], today: date) -> list[Operation]:
    ops = []
    for n, row in enumerate(rows, 2):
        expires = None
        if str(row.get("expires_in_days") or "").strip():
            expires = today + timedelta(days=int(row["expires_in_days"]))
        elif str(row.get("expires") or "").strip():
            expires = date.fromisoformat(row["expires"].strip())
        lot = (row.get("lot") or "").strip() or None
        ops.append(Operation("opening", row["depot"].strip(), row["item"].strip(), int(row["qty"]),
                             lot=lot, expires=expires, line=n))
    return ops
