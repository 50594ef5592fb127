"""Waybills for drivers: an XLSX workbook with one sheet per truck, ready to print on A4.

The first sheet, ``summary``, lists every truck run of the plan, one row each (waybill
number, sheet, depot, vehicle, trip, departure, stops, units, weight, volume, capacity
used, km), each row linked to its truck's sheet, so the workbook opens on an overview.
Each truck's sheet (``T<number> <depot>``) is that truck's waybill: the plan, truck and
trip numbers, the depot, the vehicle and its capacity and the departure (date and time);
then its stops in order, each with the incident, its county and the arrival time, and the
lines to unload there (item, unit, lot, quantity, weight, volume); the totals and the
share of the vehicle's capacity they use; and a signature block (dispatched by, driver,
received by at each stop: name, signature, date and time). Pages are A4 landscape, one
page wide, with the table's header repeated on every printed page, the waybill number in
the page header and page numbers in the footer.

A plan saved before trucks were planned has no truck runs: its workbook has one sheet
per depot that ships (named by the depot's code), its incidents as stops in order of
arrival, and a note row on that sheet and on the summary says so. Pick lists stay per
depot, for the warehouse (``export``). Every cell passes through ``cells.safe_cell``.
No database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.page import PageMargins

from relief.depot.cells import safe_cell
from relief.routing.core.document import PlanDocument
from relief.routing.core.results import Truck, TruckLine, TruckStop
from relief.routing.outputs.places import Places

# The columns of a truck's table of stops and lines: (header, width in characters).
COLUMNS = (("stop", 6), ("arrival", 17), ("incident", 9), ("incident name", 28), ("county", 20), ("item", 11),
           ("item name", 24), ("unit", 8), ("lot", 14), ("qty", 8), ("weight kg", 11), ("volume m³", 11))
# The columns of the summary sheet: (header, width in characters).
SUMMARY = (("waybill", 15), ("sheet", 14), ("depot", 10), ("depot name", 28), ("vehicle", 16), ("trip", 6),
           ("departure", 17), ("stops", 7), ("incidents", 16), ("units", 9), ("weight kg", 11), ("volume m³", 11),
           ("capacity kg", 12), ("capacity m³", 12), ("weight used", 12), ("volume used", 12), ("km", 9))
TABLE_ROW = 6  # the header row of a truck's table, repeated on every printed page
SUMMARY_ROW = 3  # the header row of the summary
NO_TRUCKS = ("This plan has no truck runs (it was made before trucks were planned): one waybill per depot, "
             "its incidents as stops in order of arrival.")
NOT_ASSIGNED = "not assigned"
DATETIME, KG, M3, QTY, SHARE = "yyyy-mm-dd hh:mm", "#,##0.0", "#,##0.00", "#,##0", "0%"
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="D9E1F2")
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Run:
    """One waybill: the truck run (or, for a plan without trucks, a depot's shipments as
    one run), its waybill number, its sheet's name and whether a truck was planned."""

    truck: Truck
    number: str
    sheet: str
    planned: bool


def runs(plan: PlanDocument) -> list[Run]:
    """Takes a plan; returns its waybills in order of truck number: one per truck run, or,
    when the plan has no trucks, one per depot that ships (its incidents as stops in order
    of arrival, vehicle not assigned), with sheet names unique and at most 31 characters."""
    plan_no = "unsaved" if plan.plan_id is None else str(plan.plan_id)
    used: set[str] = {"summary"}
    if plan.trucks:
        return [Run(t, f"WB-{plan_no}-T{t.id}", _sheet_name(f"T{t.id} {t.depot}", used), True)
                for t in sorted(plan.trucks, key=lambda t: t.id)]
    by_depot: dict[str, list] = {}
    for line in plan.shipments:
        by_depot.setdefault(line.depot, []).append(line)
    found = []
    for n, code in enumerate(sorted(by_depot), start=1):
        stops: dict[int, list] = {}
        for line in sorted(by_depot[code], key=lambda r: (r.minutes, r.incident, r.item, r.lot)):
            stops.setdefault(line.incident, []).append(line)
        truck = Truck(n, code, NOT_ASSIGNED, 0.0, 0.0, 0.0, 0.0, 0,
                      tuple(TruckStop(inc, min(r.minutes for r in rows),
                                      tuple(TruckLine(r.item, r.lot, r.qty) for r in rows))
                            for inc, rows in stops.items()))
        found.append(Run(truck, f"WB-{plan_no}-{code}", _sheet_name(code, used), False))
    return found


def write(plan: PlanDocument, places: Places, path: str | Path) -> None:
    """Write the waybills of ``plan`` (the summary sheet, then one sheet per truck) as an
    XLSX workbook to ``path``, replacing any file there (the caller writes through
    ``outfiles.atomic``). Raises ``KeyError`` when the plan names a depot, incident or
    item that ``places`` or the plan lacks, ``OSError`` when the file cannot be written."""
    book = Workbook()
    start = datetime.fromisoformat(plan.start)
    found = runs(plan)
    summary = book.active
    summary.title = "summary"
    _summary(summary, plan, places, found, start)
    for run in found:
        _waybill(book.create_sheet(run.sheet), plan, places, run, start)
    book.save(path)


def _sheet_name(name: str, used: set[str]) -> str:
    """``name`` made a valid sheet name (no ``[]:*?/\\``, no quote at either end, at most 31
    characters) that is not in ``used`` (compared ignoring case); added to ``used``."""
    name = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31] or "sheet"
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        suffix = f" ({n})"
        candidate = name[:31 - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


def _load(run: Run, places: Places) -> tuple[int, float, float]:
    """Units, kg and m³ a run carries, from its lines and the items' weight and volume."""
    lines = [line for stop in run.truck.stops for line in stop.lines]
    return (sum(line.qty for line in lines), sum(line.qty * places.items[line.item].weight_kg for line in lines),
            sum(line.qty * places.items[line.item].volume_m3 for line in lines))


def _share(load: float, capacity: float) -> float | None:
    return round(load / capacity, 4) if capacity > 0 else None


def _put(ws, row: int, col: int, value, *, fmt: str | None = None, font: Font | None = None,
         border: Border | None = None, fill: PatternFill | None = None, wrap: bool = False):
    """Write ``safe_cell(value)`` at (row, col) with the given number format and styles; returns the cell."""
    cell = ws.cell(row=row, column=col, value=safe_cell(value))
    if fmt:
        cell.number_format = fmt
    if font:
        cell.font = font
    if border:
        cell.border = border
    if fill:
        cell.fill = fill
    cell.alignment = Alignment(vertical="top", wrap_text=wrap, horizontal="left" if isinstance(value, datetime)
                               else None)
    return cell


def _merge(ws, row: int, first: int, last: int, value, *, border: Border | None = None, **style):
    """Write ``value`` at (row, first) and merge the cells to column ``last`` (each bordered if asked)."""
    cell = _put(ws, row, first, value, border=border, **style)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        for col in range(first + 1, last + 1):
            if border:
                ws.cell(row=row, column=col).border = border
    return cell


def _page(ws, title_rows: str, header: str) -> None:
    """A4 landscape, one page wide, ``title_rows`` repeated on every page, ``header`` on top
    of every page and page numbers at the foot."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = title_rows
    ws.oddHeader.center.text = header.replace("&", "&&")
    ws.oddHeader.center.size = 10
    ws.oddFooter.right.text = "page &P of &N"
    ws.oddFooter.right.size = 8


def _widths(ws, columns) -> None:
    for n, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width


def _summary(ws, plan: PlanDocument, places: Places, found: list[Run], start: datetime) -> None:
    plan_no = "unsaved" if plan.plan_id is None else plan.plan_id
    title = (f"Waybills of relief dispatch plan {plan_no} ({plan.status.value}, {plan.method.value}), "
             f"start {start:%Y-%m-%d %H:%M}: {len(found)} waybill(s)")
    _put(ws, 1, 1, title, font=Font(bold=True, size=13))
    if found and not found[0].planned:
        _put(ws, 2, 1, NO_TRUCKS, font=Font(italic=True))
    for col, (name, _) in enumerate(SUMMARY, start=1):
        _put(ws, SUMMARY_ROW, col, name, font=BOLD, border=BOX, fill=HEAD)
    row, totals = SUMMARY_ROW, [0, 0.0, 0.0]
    for run in found:
        row += 1
        t, depot = run.truck, places.depots[run.truck.depot]
        units, kg, m3 = _load(run, places)
        totals = [totals[0] + units, totals[1] + kg, totals[2] + m3]
        values = [(run.number, None), (run.sheet, None), (t.depot, None), (depot.name, None), (t.vehicle, None),
                  (t.trip if run.planned else None, None),
                  (start + timedelta(minutes=t.depart_minutes), DATETIME), (len(t.stops), None),
                  (", ".join(str(s.incident) for s in t.stops), None), (units, QTY), (round(kg, 1), KG),
                  (round(m3, 2), M3)]
        if run.planned:
            values += [(t.capacity_kg, KG), (t.capacity_m3, M3), (_share(kg, t.capacity_kg), SHARE),
                       (_share(m3, t.capacity_m3), SHARE), (t.km, KG)]
        for col, (value, fmt) in enumerate(values, start=1):
            _put(ws, row, col, value, fmt=fmt, border=BOX)
        link = ws.cell(row=row, column=2)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{run.sheet}'!A1")
        link.font = Font(color="0563C1", underline="single")
    row += 1
    _put(ws, row, 9, "total", font=BOLD)
    for col, (value, fmt) in zip((10, 11, 12), ((totals[0], QTY), (round(totals[1], 1), KG),
                                                 (round(totals[2], 2), M3))):
        _put(ws, row, col, value, fmt=fmt, font=BOLD)
    _widths(ws, SUMMARY)
    ws.freeze_panes = ws.cell(row=SUMMARY_ROW + 1, column=1)
    _page(ws, f"{SUMMARY_ROW}:{SUMMARY_ROW}", f"Waybills of plan {plan_no}")


def _waybill(ws, plan: PlanDocument, places: Places, run: Run, start: datetime) -> None:
    t, depot = run.truck, places.depots[run.truck.depot]
    incidents = {i.id: i for i in plan.incidents}
    counties = {c[0]: c[1] for c in places.counties}
    plan_no = "unsaved" if plan.plan_id is None else plan.plan_id
    units, kg, m3 = _load(run, places)
    _put(ws, 1, 1, f"Waybill {run.number}", font=Font(bold=True, size=14))
    vehicle = (f"{t.vehicle}: {t.capacity_kg:,.0f} kg, {t.capacity_m3:,.1f} m³" if run.planned else NOT_ASSIGNED)
    pairs = [(("plan", f"{plan_no} ({plan.status.value}, {plan.method.value})"),
              ("truck", f"{t.id}, trip {t.trip}" if run.planned else NOT_ASSIGNED)),
             (("depot", f"{depot.code} {depot.name}"), ("vehicle", vehicle)),
             (("departure", start + timedelta(minutes=t.depart_minutes)),
              ("run", f"{len(t.stops)} stop(s), {t.km:,.1f} km" if run.planned else f"{len(t.stops)} stop(s)"))]
    for row, ((label1, value1), (label2, value2)) in enumerate(pairs, start=2):
        _merge(ws, row, 1, 2, label1, font=BOLD)
        _merge(ws, row, 3, 5, value1, fmt=DATETIME if isinstance(value1, datetime) else None)
        _merge(ws, row, 6, 7, label2, font=BOLD)
        _merge(ws, row, 8, 12, value2)
    if not run.planned:
        _merge(ws, 5, 1, len(COLUMNS), NO_TRUCKS, font=Font(italic=True))
    for col, (name, _) in enumerate(COLUMNS, start=1):
        _put(ws, TABLE_ROW, col, name, font=BOLD, border=BOX, fill=HEAD)
    row = TABLE_ROW
    for n, stop in enumerate(t.stops, start=1):
        inc = incidents[stop.incident]
        county = f"{counties[inc.county]} ({inc.county})" if inc.county in counties else inc.county
        head = [(n, None), (start + timedelta(minutes=stop.arrive_minutes), DATETIME), (inc.id, None),
                (inc.name, None), (county, None)]
        for k, line in enumerate(stop.lines or (None,)):
            row += 1
            values = head if k == 0 else [(None, None)] * len(head)
            if line is not None:
                item = places.items[line.item]
                values = values + [(item.code, None), (item.name, None), (item.unit, None), (line.lot, None),
                                   (line.qty, QTY), (round(line.qty * item.weight_kg, 1), KG),
                                   (round(line.qty * item.volume_m3, 2), M3)]
            for col, (value, fmt) in enumerate(values, start=1):
                _put(ws, row, col, value, fmt=fmt, border=BOX, wrap=col in (4, 5, 7))
    row += 1
    _put(ws, row, 9, "total", font=BOLD)
    for col, (value, fmt) in zip((10, 11, 12), ((units, QTY), (round(kg, 1), KG), (round(m3, 2), M3))):
        _put(ws, row, col, value, fmt=fmt, font=BOLD, border=BOX)
    row += 1
    _put(ws, row, 9, "capacity used", font=BOLD)
    if run.planned:
        _put(ws, row, 11, _share(kg, t.capacity_kg), fmt=SHARE, font=BOLD, border=BOX)
        _put(ws, row, 12, _share(m3, t.capacity_m3), fmt=SHARE, font=BOLD, border=BOX)
    else:
        _put(ws, row, 11, NOT_ASSIGNED)
    _signatures(ws, row + 2, run, incidents)
    _widths(ws, COLUMNS)
    ws.freeze_panes = ws.cell(row=TABLE_ROW + 1, column=1)
    _page(ws, f"{TABLE_ROW}:{TABLE_ROW}", f"Waybill {run.number} - depot {depot.code} {depot.name}")


def _signatures(ws, row: int, run: Run, incidents: dict) -> None:
    """The signature block from ``row``: who dispatched, the driver, who received at each stop."""
    spans = ((1, 3), (4, 5), (6, 8), (9, 12))
    for (first, last), name in zip(spans, ("", "name", "signature", "date and time")):
        _merge(ws, row, first, last, name, font=BOLD, border=BOX, fill=HEAD)
    roles = [f"dispatched by (depot {run.truck.depot})", "driver"]
    roles += [f"received by (stop {n}, incident {stop.incident} {incidents[stop.incident].name})"
              for n, stop in enumerate(run.truck.stops, start=1)]
    for role in roles:
        row += 1
        _merge(ws, row, 1, 3, role, font=BOLD, border=BOX, wrap=True)
        for first, last in spans[1:]:
            _merge(ws, row, first, last, None, border=BOX)
        ws.row_dimensions[row].height = 30
