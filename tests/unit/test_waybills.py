"""Waybills: one printable sheet per truck after a summary, or one per depot for a plan without trucks.

No database: the workbook is written from a hand-built plan document (``truck_plan``)
and read back with openpyxl.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook

from relief.routing.core.results import Truck, TruckLine, TruckStop
from relief.routing.outputs import waybills
from tests.unit import truck_plan


def rows(sheet) -> list[tuple]:
    """The rows of ``sheet`` that hold a value, without trailing empty cells."""
    found = []
    for row in sheet.iter_rows(values_only=True):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        if values:
            found.append(tuple(values))
    return found


@pytest.fixture
def book(tmp_path):
    """The waybills workbook of the truck plan, read back."""
    path = tmp_path / "waybills.xlsx"
    waybills.write(truck_plan.plan(), truck_plan.places(), path)
    opened = load_workbook(path)
    yield opened
    opened.close()


def test_the_workbook_opens_on_a_summary_of_every_truck_then_has_one_sheet_per_truck(book):
    assert book.sheetnames == ["summary", "T1 D1", "T2 D2"] and book.active.title == "summary"
    summary = rows(book["summary"])
    assert summary[0][0] == "Waybills of relief dispatch plan 3 (draft, optimal), start 2026-11-22 08:00: 2 waybill(s)"
    assert summary[1][:4] == ("waybill", "sheet", "depot", "depot name")
    assert summary[2] == ("WB-3-T1", "T1 D1", "D1", "north depot", "light truck", 1, datetime(2026, 11, 22, 8, 30), 2,
                          "1, 2", 6, 240, 1.2, 1000, 10, 0.24, 0.12, 180)
    assert summary[3] == ("WB-3-T2", "T2 D2", "D2", "east depot", "van", 2, datetime(2026, 11, 22, 8, 20), 1, "2",
                          2, 80, 0.4, 500, 4, 0.16, 0.1, 12)
    assert summary[4] == (None,) * 8 + ("total", 8, 320, 1.6)
    assert book["summary"]["B4"].hyperlink.location == "'T1 D1'!A1"


def test_a_truck_sheet_names_plan_truck_depot_vehicle_and_departure_and_lists_its_stops_in_order(book):
    sheet = rows(book["T1 D1"])
    assert sheet[0] == ("Waybill WB-3-T1",)
    assert sheet[1] == ("plan", None, "3 (draft, optimal)", None, None, "truck", None, "1, trip 1")
    assert sheet[2] == ("depot", None, "D1 north depot", None, None, "vehicle", None, "light truck: 1,000 kg, 10.0 m³")
    assert sheet[3] == ("departure", None, datetime(2026, 11, 22, 8, 30), None, None, "run", None, "2 stop(s), 180.0 km")
    assert sheet[4] == ("stop", "arrival", "incident", "incident name", "county", "item", "item name", "unit", "lot",
                        "qty", "weight kg", "volume m³")
    assert sheet[5] == (1, datetime(2026, 11, 22, 9, 35), 1, "north", "west (990101)", "TENT", "tent", "piece", "-",
                        5, 200, 1)
    assert sheet[6] == (2, datetime(2026, 11, 22, 12, 20), 2, "east", "east (990201)", "TENT", "tent", "piece", "-",
                        1, 40, 0.2)
    assert sheet[7] == (None,) * 8 + ("total", 6, 240, 1.2)
    assert sheet[8] == (None,) * 8 + ("capacity used", None, 0.24, 0.12)
    assert rows(book["T2 D2"])[5][:5] == (1, datetime(2026, 11, 22, 8, 40), 2, "east", "east (990201)")


def test_a_truck_sheet_ends_with_signatures_of_dispatcher_driver_and_each_receiver(book):
    sheet = book["T1 D1"]
    block = rows(sheet)[9:]
    assert block[0] == (None, None, None, "name", None, "signature", None, None, "date and time")
    assert [r[0] for r in block[1:]] == ["dispatched by (depot D1)", "driver", "received by (stop 1, incident 1 north)",
                                         "received by (stop 2, incident 2 east)"]
    last = sheet.max_row
    assert sheet.row_dimensions[last].height == 30
    assert f"D{last}:E{last}" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet[f"F{last}"].border.bottom.style == "thin"


def test_every_sheet_prints_on_a4_landscape_one_page_wide_with_its_header_repeated(book):
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, "landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.page_margins.left == 0.5 and sheet.oddFooter.right.text == "page &P of &N"
    truck = book["T1 D1"]
    assert truck.print_title_rows == "$6:$6" and book["summary"].print_title_rows == "$3:$3"
    assert truck.oddHeader.center.text == "Waybill WB-3-T1 - depot D1 north depot"
    assert all(truck.cell(6, col).font.bold for col in range(1, 13))
    assert truck.column_dimensions["D"].width == 28 and truck.column_dimensions["A"].width == 6
    assert truck.freeze_panes == "A7"


def test_a_plan_without_trucks_gets_one_waybill_per_depot_and_says_so(tmp_path):
    path = tmp_path / "old.xlsx"
    waybills.write(truck_plan.plan(trucks=()), truck_plan.places(), path)
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "D1", "D2"]
    summary = rows(book["summary"])
    assert summary[1] == (waybills.NO_TRUCKS,)
    assert summary[3][:12] == ("WB-3-D1", "D1", "D1", "north depot", "not assigned", None,
                               datetime(2026, 11, 22, 8, 0), 2, "1, 2", 6, 240, 1.2)
    d1 = rows(book["D1"])
    assert d1[4] == (waybills.NO_TRUCKS,)
    assert [(r[0], r[2], r[9]) for r in d1[6:8]] == [(1, 1, 5), (2, 2, 1)], "stops in order of arrival"
    assert d1[7][1] > d1[6][1]
    assert d1[9] == (None,) * 8 + ("capacity used", None, "not assigned")
    book.close()


def test_sheet_names_are_unique_and_at_most_31_characters():
    long = 10 ** 30

    def truck(number: int, depot: str) -> Truck:
        return Truck(number, depot, "van", 500.0, 4.0, 40.0, 0.2, 0, (TruckStop(1, 60, (TruckLine("TENT", "-", 1),)),))

    doc = truck_plan.plan(trucks=(truck(long, "D1"), truck(long + 1, "D1"), truck(7, "A/B:C")))
    names = [run.sheet for run in waybills.runs(doc)]
    cut = f"T{long}"[:31]
    assert names == ["T7 A_B_C", cut, cut[:27] + " (2)"]
    assert all(len(n) <= 31 for n in names)
    assert [run.number for run in waybills.runs(doc)][0] == "WB-3-T7"
