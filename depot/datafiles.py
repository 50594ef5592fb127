"""The one module that reads files from ``data/``: region folders and shared tables.

A region is a folder of plain files: ``counties.geojson``, ``depots.csv``,
``teams.csv`` and optionally ``region.toml``, ``stock.csv``, ``items.csv``,
``norms.csv``, ``vehicles.csv`` (the shared ``data/items.csv``, ``data/norms.csv`` and
``data/vehicles.csv`` are used when the folder has none), ``circuity.csv``,
``hazard_zones.csv``, ``pastoral.csv`` and ``fleet.csv``.
Reading uses only the standard library, so keeper commands stay light.
"""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from relief.depot import text
from relief.depot.columns import check_columns
from relief.errors import InvalidFile, UnknownRegion, UnknownScenario

DATA_DIR: Traversable = resources.files("relief.data")
BUILT_IN = ("inner-mongolia", "zhaoqing")
OPTIONAL_TABLES = ("circuity.csv", "hazard_zones.csv", "pastoral.csv", "fleet.csv")
PASTORAL_CLASSES = ("pastoral", "semi-pastoral")
SEASONS = ("winter_months", "blizzard", "flood")

COLUMNS = {
    "depots.csv": ("code", "name", "level", "county", "lon", "lat", "capacity_m3", "outbound_t_day"),
    "teams.csv": ("code", "name", "kind", "base", "lon", "lat", "members", "vehicles", "skills", "status"),
    "items.csv": ("code", "name", "name_en", "unit", "weight_kg", "volume_m3", "shelf_life_days", "category"),
    "norms.csv": ("level", "item", "min_qty", "max_qty"),
    "stock.csv": ("depot", "item", "lot", "qty"),
    "needs.csv": ("item", "basis", "per_unit", "season"),
    "team_norms.csv": ("kind", "priority_max", "people_min", "count"),
    "team_skills.csv": ("kind", "skill"),
    "circuity.csv": ("county",),
    "hazard_zones.csv": ("hazard", "zone", "weight", "counties"),
    "pastoral.csv": ("county", "pastoral"),
    "vehicles.csv": ("code", "name", "payload_t", "volume_m3", "speed_kmh", "loading_min", "cost_per_trip_yuan"),
    "fleet.csv": ("depot", "vehicle", "owned", "hire", "hire_hours"),
    "prices.csv": ("item", "price_yuan", "unit", "source"),
}
# Columns a table may add to its own: the county name beside an adcode, the expiry of
# opening stock (days from today or a date), a team's own speed and mobilisation time, a
# headcount in a team norm, and a free-text note in any table.
EXTRA_COLUMNS = {
    "stock.csv": ("expires_in_days", "expires"),
    "teams.csv": ("speed_kmh", "mobilise_min"),
    "team_norms.csv": ("people",),
    "circuity.csv": ("name", "kind", "circuity", "speed_kmh"),
    "pastoral.csv": ("name",),
    "vehicles.csv": ("source",),
    "fleet.csv": ("name",),
}


@dataclass
class RegionFiles:
    """The raw rows of a region folder, as dictionaries of text."""

    folder: Traversable
    meta: dict
    counties: list[dict]
    depots: list[dict]
    teams: list[dict]
    items: list[dict]
    norms: list[dict]
    stock: list[dict] = field(default_factory=list)
    builtin: bool = False


def region_folder(region: str) -> Traversable:
    """Return the folder of a built-in region name or of a path to a region folder.

    Raises ``UnknownRegion`` naming the value and the built-in regions.
    """
    if region in BUILT_IN:
        return DATA_DIR / region
    path = Path(region).expanduser()
    if path.is_dir() and (path / "counties.geojson").is_file():
        return path
    raise UnknownRegion(
        f"unknown region {region!r}; use one of {', '.join(BUILT_IN)} or a folder holding "
        "counties.geojson, depots.csv and teams.csv"
    )


def region_toml(region: str) -> dict:
    """The region.toml of a built-in region (by name) or a region folder, as a dict ({}
    when the folder has none). Raises ``UnknownRegion`` or ``InvalidFile``."""
    meta_path = region_folder(region) / "region.toml"
    try:
        return tomllib.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidFile(f"{meta_path} is not valid TOML: {exc}") from None
    except RecursionError as exc:
        raise text.unreadable(meta_path, exc, "TOML") from None


def read_region(region: str, *, with_stock: bool = True) -> RegionFiles:
    """Read every file of a region folder; raises ``UnknownRegion`` or ``InvalidFile``."""
    folder = region_folder(region)
    meta = region_toml(region)
    meta.setdefault("name", folder.name)
    stock_path = folder / "stock.csv"
    return RegionFiles(
        folder=folder,
        meta=meta,
        counties=read_counties(folder / "counties.geojson"),
        depots=read_table(folder / "depots.csv"),
        teams=read_table(folder / "teams.csv"),
        items=read_table(_own_or_shared(folder, "items.csv")),
        norms=read_table(_own_or_shared(folder, "norms.csv")),
        stock=read_table(stock_path) if with_stock and stock_path.is_file() else [],
        builtin=region in BUILT_IN,
    )


def region_table(folder: str | Path | None, name: str) -> list[dict]:
    """Read ``name`` (e.g. ``needs.csv``) from a region folder, else from ``data/``.

    Optional tables missing from both (``circuity.csv``, ``hazard_zones.csv``,
    ``pastoral.csv``, ``fleet.csv``) read as an empty list.
    Raises ``InvalidFile`` when a file present lacks a required column.
    """
    path = _own_or_shared(region_folder(str(folder)), name) if folder else DATA_DIR / name
    if not path.is_file() and name in OPTIONAL_TABLES:
        return []
    return read_table(path)


def region_seasons(meta: dict, where: object = "region.toml") -> dict[str, list]:
    """The ``[seasons]`` table of a region.toml, checked; settings it leaves out are left out.

    ``winter_months`` is a list of month numbers 1-12 (may be empty: no winter items);
    ``blizzard`` and ``flood`` are ``["MM-DD", "MM-DD"]`` windows (the first and last day
    batch drills may date that hazard on; a window may run over the new year). Raises
    ``InvalidFile`` naming the bad value and what is allowed.
    """
    table = meta.get("seasons", {})
    if not isinstance(table, dict):
        raise InvalidFile(f"{where}: seasons must be a table ([seasons]), got {table!r}")
    unknown = sorted(set(table) - set(SEASONS))
    if unknown:
        raise InvalidFile(f"{where}: unknown setting seasons.{unknown[0]}; allowed: {', '.join(SEASONS)}")
    out: dict[str, list] = {}
    if "winter_months" in table:
        months = table["winter_months"]
        if not isinstance(months, list) or any(isinstance(m, bool) or m not in range(1, 13) for m in months):
            raise InvalidFile(f"{where}: seasons.winter_months must be a list of month numbers 1-12 "
                              f"(e.g. [11, 12, 1, 2, 3], or [] for none), got {months!r}")
        out["winter_months"] = sorted(set(months))
    for name in ("blizzard", "flood"):
        if name in table:
            window = table[name]
            if not (isinstance(window, list) and len(window) == 2 and all(_month_day(d) for d in window)):
                raise InvalidFile(f"{where}: seasons.{name} must be two days \"MM-DD\" (first and last), "
                                  f"e.g. [\"06-15\", \"09-15\"], got {window!r}")
            out[name] = list(window)
    return out


def _month_day(text: object) -> bool:
    """Whether ``text`` is a day of the year as ``MM-DD`` (29 February allowed)."""
    try:
        month, day = str(text).split("-")
        date(2000, int(month), int(day))
    except ValueError:
        return False
    return len(str(text)) == 5


def _own_or_shared(folder: Traversable, name: str) -> Traversable:
    own = folder / name
    return own if own.is_file() else DATA_DIR / name


def read_table(path: Traversable) -> list[dict]:
    """Read a CSV file with a header into a list of dicts, checking the known columns.

    Raises ``InvalidFile`` when the file is missing, or when a known table (``COLUMNS``)
    lacks a column, names one twice or names one that is neither its own, an
    ``EXTRA_COLUMNS`` one nor ``note``.
    """
    if not path.is_file():
        raise InvalidFile(f"file not found: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except UnicodeDecodeError:
        raise InvalidFile(f"{path} is not UTF-8 text; save it as CSV UTF-8") from None
    except csv.Error as exc:
        raise text.unreadable(path, exc, "CSV") from None
    if path.name in COLUMNS:
        check_columns(str(path), list(header), COLUMNS[path.name], EXTRA_COLUMNS.get(path.name, ()) + ("note",))
    return rows


def read_counties(path: Traversable) -> list[dict]:
    """Read a counties GeoJSON: one dict per feature with adcode, name, league,
    population, lon, lat and ``geometry`` as compact GeoJSON text.

    Raises ``InvalidFile`` when the file is missing, not GeoJSON or lacks a property.
    """
    if not path.is_file():
        raise InvalidFile(f"file not found: {path}")
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidFile(f"{path} is not a GeoJSON FeatureCollection ({exc})") from None
    except RecursionError as exc:
        raise text.unreadable(path, exc, "GeoJSON") from None
    rows = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        missing = [k for k in ("adcode", "name", "league", "population", "lon", "lat") if k not in props]
        if missing or not feature.get("geometry"):
            raise InvalidFile(f"{path}: feature {number} lacks {', '.join(missing) or 'geometry'}")
        rows.append({**props, "geometry": json.dumps(feature["geometry"], separators=(",", ":"))})
    return rows


TRANSPORT = "TRANSPORT"  # the row of prices.csv that prices moving stock (yuan per tonne-km), not an item


@dataclass(frozen=True)
class Prices:
    """Unit prices of the catalogue and the cost of moving stock, each with its source:
    ``items`` {item: (yuan per unit, unit, source)}, ``transport_yuan_tkm`` (yuan per
    tonne-km between depots) and ``transport_source``."""

    items: dict[str, tuple[float, str, str]]
    transport_yuan_tkm: float
    transport_source: str


def prices(folder: str | Path | None = None) -> Prices:
    """Read ``prices.csv`` of a region folder (a built-in name or a path), else the shared
    ``data/prices.csv``: one row per item (item, price_yuan, unit, source) and the row
    ``TRANSPORT`` (yuan per tonne-km). Returns ``Prices``.

    Raises ``InvalidFile`` when the file is missing, lacks a column, names an item twice,
    has a price that is not a number greater than 0 or lacks the ``TRANSPORT`` row.
    """
    path = _own_or_shared(region_folder(str(folder)), "prices.csv") if folder else DATA_DIR / "prices.csv"
    items: dict[str, tuple[float, str, str]] = {}
    transport = None
    for line, row in enumerate(read_table(path), start=2):
        code = str(row.get("item") or "").strip()
        try:
            price = float(str(row.get("price_yuan") or "").strip())
        except ValueError:
            price = float("nan")
        if not price > 0 or price == float("inf"):
            raise InvalidFile(f"{path.name} line {line}: price_yuan must be a number greater than 0, "
                              f"got {row.get('price_yuan')!r}")
        if code in items or (code == TRANSPORT and transport is not None):
            raise InvalidFile(f"{path.name} line {line}: item {code!r} is given twice")
        source = str(row.get("source") or "").strip()
        if code == TRANSPORT:
            transport = (price, source)
        else:
            items[code] = (price, str(row.get("unit") or "").strip(), source)
    if transport is None:
        raise InvalidFile(f"{path.name}: no {TRANSPORT} row (the cost of moving one tonne one kilometre)")
    return Prices(items, transport[0], transport[1])


@dataclass(frozen=True)
class ShippedScenario:
    """A drill scenario that ships with relief: its name, one-line description and TOML text."""

    name: str
    description: str
    text: str


def shipped_scenarios() -> list[ShippedScenario]:
    """Every scenario in ``data/scenarios/``, sorted by name, with its description."""
    found = []
    for entry in sorted(DATA_DIR.joinpath("scenarios").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            text = entry.read_text(encoding="utf-8")
            try:
                description = str(tomllib.loads(text).get("description", ""))
            except tomllib.TOMLDecodeError:
                description = ""
            found.append(ShippedScenario(entry.name.removesuffix(".toml"), description, text))
    return found


def shipped_scenario(name: str) -> ShippedScenario:
    """The shipped scenario called ``name`` (with or without ``.toml``).

    Raises ``UnknownScenario`` naming the value and the shipped names.
    """
    wanted = name.removesuffix(".toml")
    shipped = shipped_scenarios()
    for scenario in shipped:
        if scenario.name == wanted:
            return scenario
    raise UnknownScenario(f"no scenario file {name!r} and no shipped scenario of that name; "
                          f"shipped: {', '.join(s.name for s in shipped)}")
