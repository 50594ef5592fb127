"""Plan outputs people use: pick lists (CSV, XLSX), waybills (XLSX), GIS layers, a PNG map.

Pick lists are per depot, for the warehouse (CSV, and XLSX with one sheet per depot);
waybills are per truck, for the driver (``waybills``: one sheet per truck); the GIS
layers are one GeoJSON FeatureCollection and a GeoPackage with a layer each for depots,
incidents, truck runs, team routes and supply lines (``layers``); the map is drawn by
``maps``. Documents in, files out: every function takes a ``PlanDocument`` and the
``Places`` it names (read by the caller through ``routing.books``) and never opens a
database. Every CSV and XLSX cell passes through ``cells.safe_cell``, so an incident
named like a formula stays text; no existing file is replaced unless asked (``force``),
and each file is written under a temporary name and renamed when complete
(``depot.outfiles``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from relief.depot import outfiles
from relief.depot.cells import safe_cell, safe_row
from relief.errors import InvalidFile, InvalidInput
from relief.routing.core.document import PlanDocument
from relief.routing.outputs.layers import geojson
from relief.routing.outputs.places import Places

# What ``export`` writes: pick lists (csv, xlsx), waybills (an XLSX workbook), GeoJSON,
# a GeoPackage of layers and the map.
FORMATS = ("csv", "xlsx", "waybills", "geojson", "gpkg", "png")


def pick_rows(plan: PlanDocument, places: Places) -> list[dict]:
    """One pick-list row per plan line, ordered by depot, with a waybill number per
    depot and incident, destination, weight, volume and expected arrival."""
    incidents, rows = {i.id: i for i in plan.incidents}, []
    for line in sorted(plan.shipments, key=lambda r: (r.depot, r.incident, r.item, r.lot)):
        depot, inc, item = places.depots[line.depot], incidents[line.incident], places.items[line.item]
        rows.append({"waybill": f"WB-{plan.plan_id}-{line.depot}-{line.incident}", "depot": depot.code,
                     "depot_name": depot.name, "incident": inc.id, "incident_name": inc.name,
                     "county": inc.county, "dest_lon": round(inc.lon, 4), "dest_lat": round(inc.lat, 4),
                     "item": item.code, "item_name": item.name, "unit": item.unit, "lot": line.lot,
                     "qty": line.qty, "weight_kg": round(line.qty * item.weight_kg, 1),
                     "volume_m3": round(line.qty * item.volume_m3, 2), "km": line.km,
                     "eta_minutes": line.minutes, "plan_status": plan.status.value})
    return rows


def check(fmt: str, out: str, *, force: bool = False) -> Path:
    """Check an export request before anything is read; returns ``out`` as a path.

    Raises ``InvalidInput`` for an unknown format, ``InvalidFile`` when the folder of
    ``out`` does not exist or ``out`` is a folder, ``Refused`` (``option="force"``) when
    ``out`` exists and ``force`` is not given.
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}", option="format")
    path = Path(out)
    if not path.parent.is_dir():
        raise InvalidFile(f"folder {path.parent} does not exist")
    if path.is_dir():
        raise InvalidFile(f"output {out} is a folder; give a file name", option="output")
    outfiles.claim([path], force=force)
    return path


def export(plan: PlanDocument, places: Places, fmt: str, out: str, *, force: bool = False) -> str:
    """Write ``plan`` as ``fmt`` (one of ``FORMATS``) to ``out``; returns the path.

    Raises what ``check`` raises; then nothing is written.
    """
    path = check(fmt, out, force=force)
    _write(plan, places, fmt, path)
    return str(path)


# What a plan's folder holds: (format, name after ``plan-N``).
FOLDER = (("json", ".json"), ("csv", "-picklist.csv"), ("xlsx", "-picklists.xlsx"), ("waybills", "-waybills.xlsx"),
          ("geojson", ".geojson"), ("gpkg", ".gpkg"), ("png", ".png"))


def later_plan_files(folder: str | Path, after: int) -> list[Path]:
    """The files in ``folder`` that ``write_folder`` would write for a plan numbered above
    ``after`` (left there by another database): a new plan's files could collide with them."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for _, suffix in FOLDER:
        for path in folder.glob(f"plan-*{suffix}"):
            number = path.name[len("plan-"):-len(suffix)]
            if number.isdecimal() and int(number) > after:
                found.append(path)
    return sorted(found)


def write_folder(plan: PlanDocument, places: Places, folder: str | Path, *, force: bool = False) -> list[str]:
    """Write plan-N.json, the pick lists (CSV, XLSX), the waybills (XLSX), the GeoJSON, the
    GeoPackage and the PNG map of ``plan`` into the existing ``folder``; returns the paths.

    Raises ``Refused`` (``option="force"``) naming the files that exist already, unless
    ``force``; then nothing is written.
    """
    base = Path(folder) / f"plan-{plan.plan_id}"
    paths = outfiles.claim([f"{base}{suffix}" for _, suffix in FOLDER], force=force)
    for (fmt, _), path in zip(FOLDER, paths):
        _write(plan, places, fmt, path)
    return [str(p) for p in paths]


def _write(plan: PlanDocument, places: Places, fmt: str, path: Path) -> None:
    """Write one file of ``plan`` as ``fmt`` (json or one of ``FORMATS``), atomically."""
    with outfiles.atomic(path) as partial:
        if fmt == "csv":
            _csv(partial, pick_rows(plan, places))
        elif fmt == "xlsx":
            _xlsx(partial, plan, places)
        elif fmt == "waybills":
            from relief.routing.outputs import waybills

            waybills.write(plan, places, partial)
        elif fmt == "gpkg":
            from relief.routing.outputs.layers import write_gpkg

            write_gpkg(plan, places, partial)
        elif fmt in ("geojson", "json"):
            from relief.routing.core.document import as_json

            data, indent = (geojson(plan, places), None) if fmt == "geojson" else (as_json(plan), 2)
            partial.write_text(json.dumps(data, ensure_ascii=False, indent=indent), encoding="utf-8")
        else:
            from relief.routing.outputs.maps import plan_map

            plan_map(plan, places, partial)


def _csv(path: Path, rows: list[dict]) -> None:
    keys = list(rows[0]) if rows else ["waybill"]
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(safe_row(keys))
        writer.writerows(safe_row(r[k] for k in keys) for r in rows)


def _xlsx(path: Path, plan: PlanDocument, places: Places) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = pick_rows(plan, places)
    book = Workbook()
    summary = book.active
    summary.title = "summary"
    summary.append(safe_row([f"relief dispatch plan {plan.plan_id} ({plan.status.value}, {plan.method.value})"]))
    summary["A1"].font = Font(bold=True)
    summary.append(["depot", "name", "lines", "units", "weight_kg", "volume_m3"])
    for code in sorted({r["depot"] for r in rows}):
        mine = [r for r in rows if r["depot"] == code]
        summary.append(safe_row([code, mine[0]["depot_name"], len(mine), sum(r["qty"] for r in mine),
                                 round(sum(r["weight_kg"] for r in mine), 1),
                                 round(sum(r["volume_m3"] for r in mine), 2)]))
        sheet = book.create_sheet(code[:31])
        sheet.append([safe_cell(f"Pick list - {code} {mine[0]['depot_name']}")])
        sheet["A1"].font = Font(bold=True)
        sheet.append(safe_row(mine[0]))
        for r in mine:
            sheet.append(safe_row(r.values()))
    book.save(path)
