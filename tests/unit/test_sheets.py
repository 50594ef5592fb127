"""Reading movement files (CSV and XLSX) into documents, and writing rows back out."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from relief.depot import sheets
from relief.errors import InvalidFile, Problem
from relief.depot.posting import Operation


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def receipts_csv(tmp_path) -> Path:
    """Two receipts without document numbers (one document for the whole file)."""
    return write_csv(tmp_path / "receipts.csv", "kind,depot,item,qty,lot,expires\n"
                                                "receive,r99,tent,40,,\n"
                                                "receive,R99,WATER,12,W1,2027-05-01\n")


@pytest.fixture
def waybills_csv(tmp_path) -> Path:
    """Rows under two document numbers, a blank row, and a row without a number."""
    return write_csv(tmp_path / "waybills.csv", " Kind ,Depot,Item,QTY,Doc,To,Reason,Note\n"
                                                "receive,R99,TENT,10,WB-1,,,first truck\n"
                                                "transfer,R99,TENT,4,WB-2,c990102,,\n"
                                                ",,,,,,,\n"
                                                "issue,R99,TENT,2,WB-1,,,\n"
                                                "adjust,R99,TENT,-1,,,damaged,\n")


@pytest.fixture
def receipts_xlsx(tmp_path) -> Path:
    """An XLSX sheet with a real date cell and numbers stored as floats."""
    book = Workbook()
    sheet = book.active
    sheet.append(["kind", "depot", "item", "qty", "lot", "expires"])
    sheet.append(["receive", "R99", "WATER", 12.0, "W1", datetime(2027, 5, 1)])
    sheet.append(["count", "R99", "TENT", 0, None, None])
    path = tmp_path / "receipts.xlsx"
    book.save(path)
    return path


def test_a_file_without_document_numbers_is_one_document(receipts_csv):
    [doc] = sheets.read_documents(receipts_csv)
    assert doc.kind == "receive"
    assert doc.number.startswith("IMP-")
    assert doc.ops == [
        Operation("receive", "R99", "TENT", 40, line=2),
        Operation("receive", "R99", "WATER", 12, lot="W1", expires=date(2027, 5, 1), line=3),
    ]


def test_rows_are_grouped_into_documents_by_the_doc_column(waybills_csv):
    docs = {d.number: d for d in sheets.read_documents(waybills_csv)}
    assert len(docs) == 3 and {"WB-1", "WB-2"} < set(docs)
    assert docs["WB-1"].kind == "import"
    assert [(op.kind, op.qty, op.line, op.note) for op in docs["WB-1"].ops] == [
        ("receive", 10, 2, "first truck"), ("issue", 2, 5, None)]
    assert docs["WB-2"].ops == [Operation("transfer", "R99", "TENT", 4, to="C990102", line=3)]
    [adjust] = [d for n, d in docs.items() if n.startswith("IMP-")]
    assert adjust.kind == "adjust"
    assert adjust.ops[0].reason == "damaged" and adjust.ops[0].qty == -1


def test_an_xlsx_file_reads_dates_and_whole_numbers(receipts_xlsx):
    [doc] = sheets.read_documents(receipts_xlsx)
    assert doc.ops == [
        Operation("receive", "R99", "WATER", 12, lot="W1", expires=date(2027, 5, 1), line=2),
        Operation("count", "R99", "TENT", 0, line=3),
    ]


def test_a_file_keeps_its_document_number_and_another_file_with_the_same_rows_gets_its_own(tmp_path, receipts_csv):
    twin = write_csv(tmp_path / "copy.csv", receipts_csv.read_text(encoding="utf-8"))
    changed = write_csv(tmp_path / "changed.csv", receipts_csv.read_text(encoding="utf-8").replace("40", "41"))
    number = sheets.read_documents(receipts_csv)[0].number
    assert sheets.read_documents(receipts_csv)[0].number == number
    assert sheets.read_documents(twin)[0].number != number
    assert sheets.read_documents(changed)[0].number != number


def test_a_column_that_does_not_apply_to_the_row_kind_is_refused(tmp_path):
    path = write_csv(tmp_path / "mixed.csv", "kind,depot,item,qty,to,expires\nreceive,R99,TENT,5,L1501,\n"
                                             "adjust,R99,TENT,5,,2030-01-01\n")
    with pytest.raises(InvalidFile) as caught:
        sheets.read_documents(path)
    assert [(p.where, p.field) for p in caught.value.problems] == [("line 2", "to"), ("line 3", "expires")]
    assert "'to' does not apply to a receive" in caught.value.problems[0].message
    assert "'expires' does not apply to an adjust" in caught.value.problems[1].message


def test_an_unknown_column_is_named(tmp_path):
    path = write_csv(tmp_path / "odd.csv", "kind,depot,item,qty,colour\nreceive,R99,TENT,1,red\n")
    with pytest.raises(InvalidFile, match="odd.csv: unknown column\\(s\\) colour; columns allowed"):
        sheets.read_documents(path)


def test_a_missing_column_is_named(tmp_path):
    path = write_csv(tmp_path / "short.csv", "kind,depot,item\nreceive,R99,TENT\n")
    with pytest.raises(InvalidFile, match="short.csv: missing column\\(s\\) qty"):
        sheets.read_documents(path)


def test_every_bad_row_is_listed_by_its_line_number(tmp_path):
    path = write_csv(tmp_path / "bad.csv", "kind,depot,item,qty,to,reason,expires\n"
                                           "receive,R99,TENT,5,,,\n"
                                           "receive,R99,TENT,five,,,\n"
                                           "steal,R99,TENT,1,,,\n"
                                           "transfer,R99,TENT,1,,,\n"
                                           "adjust,R99,TENT,-1,,stolen,\n"
                                           "receive,R99,WATER,1,,,2027-13-01\n"
                                           "issue,,TENT,1,,,\n")
    with pytest.raises(InvalidFile, match="bad.csv: 6 bad row\\(s\\); nothing was recorded") as caught:
        sheets.read_documents(path)
    problems = caught.value.problems
    assert [(p.where, p.line, p.field) for p in problems] == [
        ("line 3", 3, "qty"), ("line 4", 4, "kind"), ("line 5", 5, "to"), ("line 6", 6, "reason"),
        ("line 7", 7, "expires"), ("line 8", 8, "depot")]
    assert "'five'" in problems[0].message
    assert "'steal'" in problems[1].message
    assert "'to' depot" in problems[2].message
    assert "'stolen'" in problems[3].message
    assert "'2027-13-01'" in problems[4].message
    assert "depot is empty" in problems[5].message


def test_a_bad_quantity_is_a_problem_at_its_line_naming_the_qty_field(tmp_path):
    path = write_csv(tmp_path / "bad.csv", "kind,depot,item,qty\nreceive,R99,TENT,5\nissue,R99,TENT,0\n")
    with pytest.raises(InvalidFile) as caught:
        sheets.read_documents(path)
    assert caught.value.problems == [Problem("line 3", "qty", "qty must be a whole number greater than 0, got '0'")]
    assert str(caught.value.problems[0]) == "line 3: qty must be a whole number greater than 0, got '0'"


def test_a_problem_reads_as_where_then_message():
    assert str(Problem("line 4", "qty", "qty must be a whole number")) == "line 4: qty must be a whole number"
    assert str(Problem(None, None, "incident 2 is closed")) == "incident 2 is closed"
    assert Problem("line 4", "qty", "x", line=4) == Problem("line 4", "qty", "x")


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(InvalidFile, match="file not found: .*nowhere.csv"):
        sheets.read_documents(tmp_path / "nowhere.csv")


def test_an_unsupported_file_type_is_named(tmp_path):
    path = write_csv(tmp_path / "moves.txt", "kind,depot,item,qty\n")
    with pytest.raises(InvalidFile, match="moves.txt: unsupported file type .txt; use one of .csv, .xlsx"):
        sheets.read_documents(path)


def test_an_empty_file_or_one_without_rows_is_refused(tmp_path):
    with pytest.raises(InvalidFile, match="empty.csv is empty"):
        sheets.read_documents(write_csv(tmp_path / "empty.csv", ""))
    with pytest.raises(InvalidFile, match="header.csv holds no rows"):
        sheets.read_documents(write_csv(tmp_path / "header.csv", "kind,depot,item,qty\n,,,\n"))


def test_a_file_that_is_not_an_xlsx_workbook_is_refused(tmp_path):
    path = write_csv(tmp_path / "fake.xlsx", "kind,depot,item,qty\n")
    with pytest.raises(InvalidFile, match="fake.xlsx is not a readable XLSX workbook"):
        sheets.read_documents(path)


def test_rows_written_to_csv_and_xlsx_read_back(tmp_path):
    rows = [{"depot": "R99", "item": "TENT", "name": "帐篷", "on_hand": 5},
            {"depot": "C990102", "item": "WATER", "name": "饮用水", "on_hand": 0}]
    assert sheets.write_rows(tmp_path / "out.csv", rows) == 2
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.DictReader(handle)) == [{k: str(v) for k, v in r.items()} for r in rows]
    assert sheets.write_rows(tmp_path / "out.xlsx", rows, sheet="stock") == 2
    book = load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert book.sheetnames == ["stock"]
    assert list(book["stock"].iter_rows(values_only=True)) == [
        ("depot", "item", "name", "on_hand"), ("R99", "TENT", "帐篷", 5), ("C990102", "WATER", "饮用水", 0)]
    book.close()


def test_rows_cannot_be_written_to_another_type_or_a_missing_folder(tmp_path):
    with pytest.raises(InvalidFile, match="out.json: unsupported file type .json"):
        sheets.write_rows(tmp_path / "out.json", [])
    with pytest.raises(InvalidFile, match="folder .*missing does not exist"):
        sheets.write_rows(tmp_path / "missing" / "out.csv", [])
