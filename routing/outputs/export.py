"""Plan outputs people use: pick lists and waybills (CSV, XLSX), GeoJSON, a PNG map."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlmodel import select

from relief.depot import db
from relief.errors import InvalidFile, InvalidInput
from relief.depot.models import County, Depot, Incident, Item, Team
from relief.routing.dispatch import plans

FORMATS = ("csv", "xlsx", "geojson", "png")


def context(url: str, plan_id: int) -> dict:
    """The plan document plus the depots, incidents, items, teams and counties it names."""
    document = plans.show(url, plan_id)
    with db.session(url) as s:
        return {"plan": document,
                "depots": {d.code: d for d in s.exec(select(Depot))},
                "incidents": {i.id: i for i in s.exec(select(Incident))},
                "items": {i.code: i for i in s.exec(select(Item))},
                "teams": {t.code: t for t in s.exec(select(Team))},
                "counties": list(s.exec(select(County.adcode, County.name, County.geometry)))}


def pick_rows(ctx: dict) -> list[dict]:
    """One pick-list row per plan line, ordered by depot, with a waybill number per
    depot and incident, destination, weight, volume and expected arrival."""
    plan, rows = ctx["plan"], []
    for line in sorted(plan["shipments"], key=lambda r: (r["depot"], r["incident"], r["item"], r["lot"])):
        depot, inc, item = ctx["depots"][line["depot"]], ctx["incidents"][line["incident"]], ctx["items"][line["item"]]
        rows.append({"waybill": f"WB-{plan['plan_id']}-{line['depot']}-{line['incident']}", "depot": depot.code,
                     "depot_name": depot.name, "incident": inc.id, "incident_name": inc.name,
                     "county": inc.county, "dest_lon": round(inc.lon, 4), "dest_lat": round(inc.lat, 4),
                     "item": item.code, "item_name": item.name, "unit": item.unit, "lot": line["lot"],
                     "qty": line["qty"], "weight_kg": round(line["qty"] * item.weight_kg, 1),
                     "volume_m3": round(line["qty"] * item.volume_m3, 2), "km": line["km"],
                     "eta_minutes": line["minutes"], "plan_status": plan["status"]})
    return rows


def export(url: str, plan_id: int, fmt: str, out: str) -> str:
    """Write plan ``plan_id`` as ``fmt`` (csv, xlsx, geojson, png) to ``out``; returns the path.

    Raises ``InvalidInput`` for an unknown format, ``UnknownPlan``, ``InvalidFile`` when
    the folder of ``out`` does not exist.
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    path = Path(out)
    if not path.parent.is_dir():
        raise InvalidFile(f"folder {path.parent} does not exist")
    if path.is_dir():
        raise InvalidFile(f"--out {out} is a folder; give a file name")
    ctx = context(url, plan_id)
    if fmt == "csv":
        _csv(path, pick_rows(ctx))
    elif fmt == "xlsx":
        _xlsx(path, ctx)
    elif fmt == "geojson":
        path.write_text(json.dumps(geojson(ctx), ensure_ascii=False), encoding="utf-8")
    else:
        from relief.routing.outputs.maps import plan_map

        plan_map(ctx, path)
    return str(path)


def _csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["waybill"])
        writer.writeheader()
        writer.writerows(rows)


def _xlsx(path: Path, ctx: dict) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = pick_rows(ctx)
    book = Workbook()
    summary = book.active
    summary.title = "summary"
    plan = ctx["plan"]
    summary.append([f"relief dispatch plan {plan['plan_id']} ({plan['status']}, {plan['method']})"])
    summary["A1"].font = Font(bold=True)
    summary.append(["depot", "name", "lines", "units", "weight_kg", "volume_m3"])
    for code in sorted({r["depot"] for r in rows}):
        mine = [r for r in rows if r["depot"] == code]
        summary.append([code, mine[0]["depot_name"], len(mine), sum(r["qty"] for r in mine),
                        round(sum(r["weight_kg"] for r in mine), 1), round(sum(r["volume_m3"] for r in mine), 2)])
        sheet = book.create_sheet(code[:31])
        sheet.append([f"Pick list and waybills - {code} {mine[0]['depot_name']}"])
        sheet["A1"].font = Font(bold=True)
        sheet.append(list(mine[0]))
        for r in mine:
            sheet.append(list(r.values()))
    book.save(path)


def geojson(ctx: dict) -> dict:
    """Plan lines (depot to incident, per depot and incident), team routes and incident
    points as a GeoJSON FeatureCollection (WGS84 lon/lat)."""
    plan, features = ctx["plan"], []
    legs: dict[tuple[str, int], dict] = {}
    for line in plan["shipments"]:
        leg = legs.setdefault((line["depot"], line["incident"]), {"items": {}, "kg": 0.0, "minutes": line["minutes"],
                                                                    "km": line["km"]})
        leg["items"][line["item"]] = leg["items"].get(line["item"], 0) + line["qty"]
        leg["kg"] += line["qty"] * ctx["items"][line["item"]].weight_kg
    for (code, inc_id), leg in sorted(legs.items()):
        d, i = ctx["depots"][code], ctx["incidents"][inc_id]
        features.append(_line(d.lon, d.lat, i.lon, i.lat, {"kind": "shipment", "depot": code, "incident": inc_id,
                                                            "items": leg["items"], "tonnes": round(leg["kg"] / 1000, 2),
                                                            "km": leg["km"], "minutes": leg["minutes"]}))
    for t in plan["teams"]:
        team, i = ctx["teams"][t["team"]], ctx["incidents"][t["incident"]]
        features.append(_line(team.lon, team.lat, i.lon, i.lat, {"kind": "team", "team": t["team"],
                                                                 "incident": t["incident"], "km": t["km"],
                                                                 "minutes": t["minutes"]}))
    for row in plan["incidents"]:
        i = ctx["incidents"][row["id"]]
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [i.lon, i.lat]},
                         "properties": {"kind": "incident", "id": i.id, "name": i.name, "priority": i.priority,
                                        "people": i.people, "fill": row["fill"],
                                        "first_arrival_minutes": row["first_arrival_minutes"]}})
    return {"type": "FeatureCollection", "name": f"relief plan {plan['plan_id']}", "features": features}


def _line(x1, y1, x2, y2, props: dict) -> dict:
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[x1, y1], [x2, y2]]},
            "properties": props}
