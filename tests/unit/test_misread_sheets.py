"""Import files that would be misread are refused before anything is recorded:
duplicated and unknown columns, XLSX formulas, numbers and dates in forms the one
parser does not accept."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from relief.depot import sheets
from relief.errors import InvalidFile

# Header rows that today would be misread (the last copy wins, or a column is ignored).
BAD_HEADERS = [
    "kind,depot,item,qty,qty",
    "kind,depot,depot,item,qty",
    "kind,depot,item,qty,Qty",
    "kind,depot,item,qty,lot,lot",
    "kind,depot,item,qty,expiry",
    "kind,depot,item,qty,quantity",
    "kind,depot,item,qty,notes",
]
ROW = {"kind": "receive", "depot": "R99", "item": "TENT", "qty": "5", "lot": "L1", "expiry": "", "quantity": "500",
       "notes": "x", "expires": ""}

# Quantity and date cells that int()/fromisoformat() would have read as something else.
BAD_CELLS = [
    ("count", "qty", "-0"), ("count", "qty", "+0"), ("receive", "qty", "1_000"), ("receive", "qty", "1,000"),
    ("receive", "qty", "1 000"), ("receive", "qty", "+5"), ("receive", "qty", "５"), ("adjust", "qty", "-1_0"),
    ("receive", "expires", "20270115"), ("receive", "expires", "2027-W03-1"), ("receive", "expires", "9999-12-31"),
]


def _csv(path: Path, header: str, row: dict[str, str]) -> Path:
    names = [h.strip().lower() for h in header.split(",")]
    path.write_text(header + "\n" + ",".join(f'"{row.get(n, "")}"' for n in names) + "\n", encoding="utf-8")
    return path


def _xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("header", BAD_HEADERS)
def test_a_duplicated_or_unknown_column_is_refused_naming_it(tmp_path, header):
    path = _csv(tmp_path / "in.csv", header, ROW)
    with pytest.raises(InvalidFile) as caught:
        sheets.read_documents(path)
    names = [h.strip().lower() for h in header.split(",")]
    bad = next(n for n in names if names.count(n) > 1 or n not in sheets.REQUIRED + sheets.OPTIONAL)
    assert bad in str(caught.value) and "columns allowed: kind, depot, item, qty" in str(caught.value)


def test_a_duplicated_column_says_so(tmp_path):
    path = _csv(tmp_path / "in.csv", "kind,depot,item,qty,qty", ROW)
    with pytest.raises(InvalidFile, match=r"^in.csv: column\(s\) qty appear more than once; columns allowed"):
        sheets.read_documents(path)


def test_a_duplicated_column_in_a_workbook_is_refused(tmp_path):
    path = _xlsx(tmp_path / "in.xlsx", [["kind", "depot", "item", "qty", "qty"], ["receive", "R99", "TENT", 5, 500]])
    with pytest.raises(InvalidFile, match=r"column\(s\) qty appear more than once"):
        sheets.read_documents(path)


def test_an_unknown_column_in_a_workbook_is_refused(tmp_path):
    path = _xlsx(tmp_path / "in.xlsx", [["kind", "depot", "item", "qty", "expiry"], ["receive", "R99", "TENT", 5, "x"]])
    with pytest.raises(InvalidFile, match=r"unknown column\(s\) expiry; columns allowed"):
        sheets.read_documents(path)


@pytest.mark.parametrize("formula", ["=2+3", "=SUM(A1:A2)", "=B2*100"])
def test_a_formula_cell_is_refused_with_its_reference(tmp_path, formula):
    path = _xlsx(tmp_path / "in.xlsx", [["kind", "depot", "item", "qty"], ["receive", "R99", "TENT", 4],
                                        ["receive", "R99", "TENT", formula]])
    with pytest.raises(InvalidFile, match="1 cell.* hold a formula") as caught:
        sheets.read_documents(path)
    assert [(p.where, p.line) for p in caught.value.problems] == [("cell D3", 3)]
    assert "paste as values" in caught.value.problems[0].message


def test_a_formula_in_a_text_column_is_refused_too(tmp_path):
    path = _xlsx(tmp_path / "in.xlsx", [["kind", "depot", "item", "qty"], ["receive", '=UPPER("r99")', "TENT", 4]])
    with pytest.raises(InvalidFile) as caught:
        sheets.read_documents(path)
    assert [p.where for p in caught.value.problems] == ["cell B2"]


def test_a_workbook_of_plain_values_still_reads(tmp_path):
    path = _xlsx(tmp_path / "in.xlsx", [["kind", "depot", "item", "qty"], ["receive", "R99", "TENT", 4.0]])
    assert [op.qty for doc in sheets.read_documents(path) for op in doc.ops] == [4]


@pytest.mark.parametrize(("kind", "column", "value"), BAD_CELLS)
def test_a_number_or_date_in_another_form_is_a_bad_row(tmp_path, kind, column, value):
    row = {**ROW, "kind": kind, "qty": "5", "lot": "", column: value}
    if kind == "adjust":
        row["reason"] = "lost"
    path = _csv(tmp_path / "in.csv", "kind,depot,item,qty,lot,expires,reason", row)
    with pytest.raises(InvalidFile, match="1 bad row") as caught:
        sheets.read_documents(path)
    assert [(p.where, p.field) for p in caught.value.problems] == [("line 2", column)]
