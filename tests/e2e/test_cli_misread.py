"""Values and files the command line would have misread exit 2 with one message and
record nothing: ``-0`` counts, ``1_000``, far dates, duplicated columns, formulas."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from tests.e2e.test_cli_stock import with_db

BAD_ARGS = [
    (("stock", "count", "R99", "TENT", "-0"),
     "error: counted quantity must be a whole number written without a sign (e.g. 12), got '-0'"),
    (("stock", "count", "R99", "TENT", "+0"), "without a sign (e.g. 12), got '+0'"),
    (("stock", "receive", "R99", "TENT", "1_000"),
     "error: quantity must be a whole number written as plain digits without separators, got '1_000'"),
    (("stock", "issue", "R99", "TENT", "1 0"), "plain digits without separators, got '1 0'"),
    (("stock", "issue", "R99", "TENT", "+1"), "without a sign (e.g. 12), got '+1'"),
    (("stock", "adjust", "R99", "TENT", "-0", "--reason", "lost"), "non-zero whole number (e.g. -3 or 5), got '-0'"),
    (("stock", "receive", "R99", "WATER", "5", "--expires", "9999-12-31"),
     "error: --expires must be dated from 2000-01-01 to 2100-12-31, got '9999-12-31'"),
    (("stock", "receive", "R99", "WATER", "5", "--expires", "20271122"), "YYYY-MM-DD, got '20271122'"),
]


@pytest.mark.parametrize(("args", "says"), BAD_ARGS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else None)
def test_a_misread_argument_exits_2_and_records_nothing(cli, stocked_file, ledger_rows, args, says):
    before = ledger_rows(stocked_file)
    done = cli(*with_db(stocked_file, *args))
    assert done.code == 2 and len(done.errors()) == 1 and says in done.errors()[0], done.stderr
    assert ledger_rows(stocked_file) == before


@pytest.mark.parametrize(("start", "says"), [
    ("9999-12-31T23:59", "error: --start must be dated from 2000-01-01 to 2100-12-31, got '9999-12-31T23:59'"),
    ("2026-11-22", "error: --start must be a date-time as YYYY-MM-DDTHH:MM, got '2026-11-22'"),
])
def test_a_far_or_partial_departure_is_refused(cli, stocked_file, start, says):
    done = cli("dispatch", "plan", "--start", start, "--db", stocked_file)
    assert done.code == 2 and done.errors() == [says]


def test_a_far_relief_today_is_refused(cli, stocked_file):
    done = cli("stock", "receive", "--db", stocked_file, "R99", "TENT", "1", env={"RELIEF_TODAY": "9999-01-01"})
    assert done.code == 2 and done.errors() == [
        "error: RELIEF_TODAY must be dated from 2000-01-01 to 2100-12-31, got '9999-01-01'"]


@pytest.mark.parametrize(("header", "says"), [
    ("kind,depot,item,qty,qty", "column(s) qty appear more than once"),
    ("kind,depot,item,qty,depot", "column(s) depot appear more than once"),
    ("kind,depot,item,qty,quantity", "unknown column(s) quantity; columns allowed: kind, depot, item, qty"),
])
def test_an_import_with_a_duplicated_or_unknown_column_exits_2(cli, stocked_file, ledger_rows, tmp_path, header, says):
    path = tmp_path / "in.csv"
    path.write_text(f"{header}\nreceive,R99,TENT,5,C990102\n", encoding="utf-8")
    before = ledger_rows(stocked_file)
    done = cli(*with_db(stocked_file, "stock", "import", str(path)))
    assert done.code == 2 and says in done.errors()[0] and ledger_rows(stocked_file) == before


def test_an_import_with_a_formula_names_the_cell(cli, stocked_file, ledger_rows, tmp_path):
    book = Workbook()
    for row in (["kind", "depot", "item", "qty"], ["receive", "R99", "TENT", "=2+3"]):
        book.active.append(row)
    book.save(tmp_path / "in.xlsx")
    before = ledger_rows(stocked_file)
    done = cli(*with_db(stocked_file, "stock", "import", str(tmp_path / "in.xlsx")))
    assert done.code == 2 and "cell D2 holds a formula" in done.stderr and ledger_rows(stocked_file) == before


def test_a_travel_table_with_a_pair_twice_names_both_lines(cli, stocked_file, tmp_path):
    (tmp_path / "travel.csv").write_text("code,county,minutes\nR99,990201,10\nR99,990201,90\n", encoding="utf-8")
    done = cli("dispatch", "plan", "--travel", str(tmp_path / "travel.csv"), "--db", stocked_file)
    assert done.code == 2 and "line 3: code R99 and county 990201 are given again (first on line 2)" in done.stderr


@pytest.mark.parametrize("args", [
    ("stock", "expiring", "--days", "1_000"),
    ("stock", "history", "--limit", "1e3"),
    ("stock", "history", "--limit", "+5"),
    ("dispatch", "show", "1_0"),
    ("dispatch", "plan", "--nearest", "3_0"),
    ("dispatch", "plan", "--circuity", "1_3"),
    ("dispatch", "plan", "--speed", "inf"),
    ("incident", "close", "１"),
    ("drill", "batch", "--hazard", "flood", "--n", "1_2"),
], ids=" ".join)
def test_a_number_option_takes_plain_digits_only(cli, stocked_file, ledger_rows, args):
    before = ledger_rows(stocked_file)
    done = cli(*args, "--db", stocked_file)
    said = " ".join(done.stderr.replace("│", " ").split())  # the usage error's box may wrap the line
    assert done.code == 2 and f"{args[-1]!r} is not a" in said and "written in digits" in said, done.stderr
    assert ledger_rows(stocked_file) == before
