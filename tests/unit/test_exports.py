"""What relief writes to CSV and XLSX is safe to open, and no writer replaces a file unasked.

No database here: the stock writer gets rows, the plan writers a plan document whose
incidents and depot carry names a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import dataclasses
from datetime import datetime

import pytest
from openpyxl import load_workbook
from shapely.geometry import box

from relief.depot import sheets
from relief.errors import Refused
from relief.routing.core import document as documents
from relief.routing.core.methods import solve
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams
from relief.routing.core.results import Method, PlanStatus, Truck, TruckLine, TruckStop
from relief.routing.outputs import drill_report, export
from relief.routing.outputs.places import DepotPlace, ItemFacts, Places
from tests.unit.test_cells import DANGEROUS

EVIL_DEPOT = '=HYPERLINK("http://evil.example","depot")'
# What XLSX reads back: XML turns a carriage return into a line feed (the quote stays first).
INERT_XLSX = ["'" + t.replace("\r", "\n") for t in DANGEROUS]


def formulas(path) -> list[str]:
    """The coordinates of every formula cell in the workbook at ``path``."""
    book = load_workbook(path)
    found = [f"{sheet.title}!{cell.coordinate}" for sheet in book.worksheets for row in sheet.iter_rows()
             for cell in row if cell.data_type == "f"]
    book.close()
    return found


def cells(path) -> list:
    """Every value in the workbook at ``path``, sheet after sheet."""
    book = load_workbook(path)
    values = [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    book.close()
    return values


@pytest.fixture
def evil_plan():
    """A plan document from depot D1 (named like a formula) to six incidents, each named
    with one of the dangerous texts, and the places it names."""
    problem = DispatchProblem(
        tuple(IncidentSpec(n, name, "990101", 110.6, 40.5, 2, 10, (("TENT", 1),))
              for n, name in enumerate(DANGEROUS, start=1)),
        (DepotSpec("D1", "990101", 110.5, 40.5, "region", 100.0),), (LotSupply("D1", "TENT", "-", None, 6),),
        (), {"TENT": 40.0}, {}, PlanParams(start=datetime(2026, 11, 22, 8, 0)))
    doc = documents.build(problem, solve(problem), Method.OPTIMAL, PlanStatus.DRAFT,
                          created_at=datetime(2026, 11, 22, 8, 0)).with_(plan_id=5)
    places = Places({"D1": DepotPlace("D1", EVIL_DEPOT, 110.5, 40.5)}, {},
                    {"TENT": ItemFacts("TENT", "tent", "piece", 40.0, 0.2)}, (("990101", "west", box(110, 40, 111, 41)),))
    return doc, places


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exported_rows_hold_no_formula_and_keep_numbers_as_numbers(tmp_path, suffix):
    rows = [{"note": text, "qty": -3, "weight": 2.5, "lot": "-", "empty": None} for text in DANGEROUS]
    path = tmp_path / f"ledger{suffix}"
    assert sheets.write_rows(path, rows, sheet="ledger") == 6
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            read = list(csv.DictReader(handle))
        assert [r["note"] for r in read] == ["'" + t for t in DANGEROUS]
        assert {(r["qty"], r["weight"], r["lot"], r["empty"]) for r in read} == {("-3", "2.5", "-", "")}
        return
    assert formulas(path) == []
    book = load_workbook(path)
    body = list(book["ledger"].iter_rows(min_row=2))
    assert [row[0].value for row in body] == INERT_XLSX
    assert {(row[1].value, row[1].data_type, row[2].value, row[3].value) for row in body} == {(-3, "n", 2.5, "-")}
    book.close()


def test_pick_lists_name_incidents_and_depots_like_formulas_as_inert_text(evil_plan, tmp_path):
    doc, places = evil_plan
    xlsx = export.export(doc, places, "xlsx", str(tmp_path / "pick.xlsx"))
    assert formulas(xlsx) == []
    values = cells(xlsx)
    assert set(INERT_XLSX) <= set(values) and "'" + EVIL_DEPOT in values
    assert not [v for v in values if isinstance(v, str) and v[:1] in "=+-@\t\r" and v != "-"]
    with open(export.export(doc, places, "csv", str(tmp_path / "pick.csv")), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["incident_name"] for r in rows) == sorted("'" + t for t in DANGEROUS)
    assert {r["depot_name"] for r in rows} == {"'" + EVIL_DEPOT} and {r["qty"] for r in rows} == {"1"}


def test_waybills_and_the_map_of_incidents_named_like_formulas_or_with_dollars_hold_them_as_text(evil_plan, tmp_path):
    doc, places = evil_plan
    lines = {}
    for s in doc.shipments:
        lines.setdefault(s.incident, []).append(TruckLine(s.item, s.lot, s.qty))
    truck = Truck(1, "D1", "=1+1 $x^", 1000.0, 10.0, 40.0 * len(doc.shipments), 0.2 * len(doc.shipments), 0,
                  tuple(TruckStop(inc, 60 * inc, tuple(rows)) for inc, rows in sorted(lines.items())))
    doc = doc.with_(trucks=(truck,), incidents=tuple(i if i.id != 1 else dataclasses.replace(i, name="$x^ fee $")
                                                     for i in doc.incidents))
    book = export.export(doc, places, "waybills", str(tmp_path / "waybills.xlsx"))
    assert formulas(book) == []
    values = cells(book)
    assert set(INERT_XLSX[1:]) <= set(values) and "'" + EVIL_DEPOT in values and "'=1+1 $x^" in values
    assert export.export(doc, places, "png", str(tmp_path / "plan.png")).endswith("plan.png")


def test_an_export_refuses_an_existing_file_unless_forced(evil_plan, tmp_path):
    doc, places = evil_plan
    old = tmp_path / "pick.csv"
    old.write_text("old", encoding="utf-8")
    with pytest.raises(Refused, match="already exists") as caught:
        export.export(doc, places, "csv", str(old))
    assert caught.value.option == "force" and old.read_text(encoding="utf-8") == "old"
    export.export(doc, places, "csv", str(old), force=True)
    assert old.read_text(encoding="utf-8-sig").startswith("waybill,")
    stock = tmp_path / "stock.xlsx"
    stock.write_text("old", encoding="utf-8")
    with pytest.raises(Refused):
        sheets.write_rows(stock, [{"a": 1}])
    assert stock.read_text(encoding="utf-8") == "old"
    assert sheets.write_rows(stock, [{"a": 1}], force=True) == 1 and cells(stock) == ["a", 1]


def test_a_plan_folder_with_any_file_of_the_plan_is_refused_and_nothing_is_written(evil_plan, tmp_path):
    doc, places = evil_plan
    (tmp_path / "plan-5.png").write_bytes(b"old")
    with pytest.raises(Refused, match="plan-5.png already exists") as caught:
        export.write_folder(doc, places, tmp_path)
    assert caught.value.option == "force"
    assert [p.name for p in tmp_path.iterdir()] == ["plan-5.png"] and (tmp_path / "plan-5.png").read_bytes() == b"old"
    written = export.write_folder(doc, places, tmp_path, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.rsplit("/", 1)[1] for p in written) == [
        "plan-5-picklist.csv", "plan-5-picklists.xlsx", "plan-5-waybills.xlsx", "plan-5.geojson", "plan-5.gpkg",
        "plan-5.json", "plan-5.png"]
    assert (tmp_path / "plan-5.png").read_bytes()[:4] == b"\x89PNG"


def test_the_files_of_a_later_plan_are_found_whatever_their_kind(tmp_path):
    names = ["plan-7-waybills.xlsx", "plan-7.gpkg", "plan-7.png", "plan-4.json", "plan-x.gpkg", "notes.txt"]
    for name in names:
        (tmp_path / name).write_text("old", encoding="utf-8")
    assert [p.name for p in export.later_plan_files(tmp_path, 5)] == ["plan-7-waybills.xlsx", "plan-7.gpkg",
                                                                      "plan-7.png"]
    assert export.later_plan_files(tmp_path, 7) == []


def test_a_drill_folder_holding_one_of_its_files_is_refused_unless_forced(tmp_path):
    for names in (drill_report.RUN_FILES, drill_report.BATCH_FILES):
        (tmp_path / names[-1]).write_text("old", encoding="utf-8")
        with pytest.raises(Refused, match="already exists") as caught:
            drill_report.folder(str(tmp_path), names)
        assert caught.value.option == "force"
        assert drill_report.folder(str(tmp_path), names, force=True) == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drill.json", "short_map.png"]
