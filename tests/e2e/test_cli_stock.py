"""``relief init`` and ``relief stock``: a keeper's work through the command line."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from relief.depot import db

STOCK_KEYS = {"depot", "item", "lot", "expires", "on_hand", "reserved", "available"}
DEPOT_KEYS = {"code", "name", "level", "county", "lon", "lat", "capacity_m3"}
ITEM_KEYS = {"code", "name", "unit", "weight_kg", "volume_m3", "shelf_life_days", "category"}
TEAM_KEYS = {"code", "name", "kind", "lon", "lat", "members", "status"}


def with_db(path: str, *args: str) -> list[str]:
    """``args`` with ``--db path`` placed right after the command names (before any ``--``)."""
    names = 1 if args[0] == "init" else 2
    return [*args[:names], "--db", path, *args[names:]]


@pytest.mark.slow
def test_a_keepers_day_through_the_installed_command(relief, tmp_path, tiny_region):
    path = str(tmp_path / "relief.db")

    def run(*args: str):
        done = relief(*with_db(path, *args))
        assert done.code == 0, done.stderr
        return done

    assert "3 counties, 3 depots, 4 items, 2 teams, 0 opening stock lines" in run(
        "init", "--region", str(tiny_region), "--no-sample-stock").stdout
    assert "received 40 TENT into R99 - document WB-1, 1 ledger line(s), 40 unit(s)" in run(
        "stock", "receive", "R99", "TENT", "40", "--doc", "WB-1", "--source", "红十字会总会").stdout
    run("stock", "receive", "r99", "water", "24", "--expires", "2027-03-01")
    assert "issued 5 WATER from R99" in run("stock", "issue", "R99", "WATER", "5", "--to", "乙县安置点").stdout
    assert "transfer_in  C990102" in run("stock", "transfer", "R99", "C990102", "TENT", "15").stdout
    assert "adjusted TENT at R99 by -2 (damaged)" in run("stock", "adjust", "R99", "TENT", "-2", "--reason",
                                                        "damaged").stdout
    run("stock", "count", "C990102", "TENT", "14")
    rows = run("stock", "show", "--json").json()
    assert [(r["depot"], r["item"], r["lot"], r["expires"], r["on_hand"], r["available"]) for r in rows] == [
        ("C990102", "TENT", "-", None, 14, 14),
        ("R99", "TENT", "-", None, 23, 23),
        ("R99", "WATER", "EXP20270301", "2027-03-01", 19, 19),
    ]
    depots = run("depot", "list", "--json").json()
    assert [(d["code"], d["name"]) for d in depots] == [("R99", "甲市中心库"), ("C990102", "乙县仓库"),
                                                        ("C990201", "丙旗仓库")]
    assert "books balance: 3 balances agree with 7 ledger movements" in run("stock", "verify").stdout


@pytest.mark.slow
def test_bad_input_to_the_installed_command_exits_with_one_message(relief, stocked_file, ledger_rows):
    before = ledger_rows(stocked_file)
    negative = relief("stock", "issue", "--db", stocked_file, "R99", "TENT", "--", "-5")
    assert (negative.code, negative.stdout) == (2, "")
    assert negative.stderr.splitlines() == ["error: quantity must be a whole number greater than 0, got '-5'"]
    unknown = relief("stock", "receive", "R98", "TENT", "1", "--db", stocked_file)
    assert unknown.code == 2
    assert unknown.stderr.splitlines() == ["error: unknown depot 'R98'; see `relief depot list` for the codes"]
    short = relief("stock", "issue", "R99", "TENT", "11", "--db", stocked_file)
    assert short.code == 1
    assert short.stderr.splitlines() == ["error: cannot take 11 of TENT at R99: only 10 available"]
    assert ledger_rows(stocked_file) == before


@pytest.mark.slow
def test_the_relief_db_environment_variable_names_the_database(relief, stocked_file, ledger_rows):
    before = ledger_rows(stocked_file)
    received = relief("stock", "receive", "R99", "QUILT", "5", env={"RELIEF_DB": stocked_file})
    assert received.code == 0, received.stderr
    assert ledger_rows(stocked_file) == before + 1
    rows = relief("stock", "show", "--item", "QUILT", "--json", env={"RELIEF_DB": stocked_file}).json()
    assert [(r["depot"], r["on_hand"]) for r in rows] == [("R99", 5)]


@pytest.mark.slow
@pytest.mark.postgres
def test_the_command_line_works_on_postgresql(relief, postgres_url, tiny_region):
    server = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    for args in (("init", "--region", str(tiny_region), "--no-sample-stock"),
                 ("stock", "receive", "C990201", "FOOD", "12"),
                 ("stock", "issue", "C990201", "FOOD", "5")):
        done = relief(*with_db(server, *args))
        assert done.code == 0, done.stderr
    [row] = relief(*with_db(server, "stock", "show", "--json")).json()
    assert (row["depot"], row["lot"], row["expires"], row["on_hand"]) == ("C990201", "EXP20271122", "2027-11-22", 7)


BAD_INPUT = [
    (("stock", "receive", "R98", "TENT", "5"), "unknown depot 'R98'"),
    (("stock", "issue", "R99", "TARP", "1"), "unknown item 'TARP'"),
    (("stock", "issue", "R99", "TENT", "0"), "greater than 0, got '0'"),
    (("stock", "issue", "R99", "TENT", "--", "-5"), "greater than 0, got '-5'"),
    (("stock", "issue", "R99", "TENT", "ten"), "whole number, got 'ten'"),
    (("stock", "receive", "R99", "TENT", "2.5"), "whole number, got '2.5'"),
    (("stock", "adjust", "R99", "TENT", "0", "--reason", "lost"), "non-zero whole number (e.g. -3 or 5), got '0'"),
    (("stock", "count", "R99", "TENT", "-1"), "0 or more, got '-1'"),
    (("stock", "receive", "R99", "WATER", "5", "--expires", "2027-02-30"), "got '2027-02-30'"),
    (("stock", "receive", "R99", "WATER", "5", "--expires", "2026-11-21"), "expiry 2026-11-21 is already past"),
    (("stock", "issue", "R99", "WATER", "1", "--lot", "W9"), "no lot 'W9' of WATER at R99"),
    (("stock", "adjust", "R99", "WATER", "3", "--reason", "found"), "lots held: OLD, W1, W2"),
    (("stock", "adjust", "R99", "TENT", "-1", "--reason", "stolen"), "got 'stolen'"),
    (("stock", "transfer", "R99", "r99", "TENT", "1"), "got R99 twice"),
    (("stock", "show", "--depot", "R98"), "unknown depot 'R98'"),
    (("stock", "expiring", "--days", "-1"), "--days must be from 0 to 36500, got -1"),
    (("stock", "history", "--limit", "0"), "--limit must be from 1 to 1,000,000,000, got 0"),
    (("depot", "list", "--level", "town"), "got 'town'"),
    (("depot", "show", "X1"), "unknown depot 'X1'"),
    (("stock", "import", "{tmp}/nowhere.csv"), "file not found: {tmp}/nowhere.csv"),
    (("stock", "import", "{tmp}/moves.txt"), "moves.txt: unsupported file type .txt"),
    (("stock", "import", "{tmp}/colours.csv"), "colours.csv: unknown column(s) colour"),
    (("stock", "export", "{tmp}/stock.json"), "stock.json: unsupported file type .json"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[" ".join(a).replace("{tmp}/", "") for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_message_naming_it_and_writes_nothing(cli, stocked_file, ledger_rows,
                                                                          tmp_path, args, message):
    (tmp_path / "moves.txt").write_text("kind,depot,item,qty\n", encoding="utf-8")
    (tmp_path / "colours.csv").write_text("kind,depot,item,qty,colour\nreceive,R99,TENT,1,red\n", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    before = ledger_rows(stocked_file)
    done = cli(*with_db(stocked_file, *args))
    assert (done.code, done.stdout) == (2, "")
    assert len(done.errors()) == len(done.stderr.splitlines()) == 1
    assert message.replace("{tmp}", str(tmp_path)) in done.stderr
    assert ledger_rows(stocked_file) == before


REFUSED = [
    (("stock", "issue", "R99", "TENT", "11"), "cannot take 11 of TENT at R99: only 10 available"),
    (("stock", "issue", "R99", "WATER", "11"), "only 10 available"),
    (("stock", "transfer", "R99", "C990102", "WATER", "11"), "only 10 available"),
    (("stock", "issue", "R99", "WATER", "1", "--lot", "OLD"), "lot OLD of WATER at R99 expired on 2026-11-01"),
    (("stock", "adjust", "R99", "TENT", "-11", "--reason", "lost"), "only 10 unreserved units on hand"),
]


@pytest.mark.parametrize("args, message", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_what_the_stock_cannot_cover_exits_1_and_writes_nothing(cli, stocked_file, ledger_rows, args, message):
    before = ledger_rows(stocked_file)
    done = cli(*with_db(stocked_file, *args))
    assert (done.code, done.stdout) == (1, "")
    assert len(done.stderr.splitlines()) == 1
    assert message in done.errors()[0]
    assert ledger_rows(stocked_file) == before


def test_json_stock_rows_have_the_documented_keys(cli, stocked_file):
    rows = cli(*with_db(stocked_file, "stock", "show", "--item", "water", "--json")).json()
    assert all(STOCK_KEYS <= set(r) for r in rows)
    assert [(r["lot"], r["expires"], r["on_hand"], r["reserved"], r["available"]) for r in rows] == [
        ("OLD", "2026-11-01", 2, 0, 0), ("W1", "2027-05-01", 6, 0, 6), ("W2", "2027-09-01", 4, 0, 4)]


def test_json_catalogue_listings_have_the_documented_keys_and_chinese_names(cli, stocked_file):
    depots = cli(*with_db(stocked_file, "depot", "list", "--json")).json()
    assert all(DEPOT_KEYS <= set(d) for d in depots)
    assert depots[0] == {"code": "R99", "name": "甲市中心库", "level": "region", "county": "990101", "lon": 110.5,
                         "lat": 40.5, "capacity_m3": 5000.0, "outbound_t_day": 200.0}
    items = {i["code"]: i for i in cli(*with_db(stocked_file, "item", "list", "--json")).json()}
    assert all(ITEM_KEYS <= set(i) for i in items.values())
    assert (items["TENT"]["name"], items["TENT"]["shelf_life_days"]) == ("帐篷", None)
    assert items["WATER"]["shelf_life_days"] == 730
    teams = cli(*with_db(stocked_file, "team", "list", "--json")).json()
    assert all(TEAM_KEYS <= set(t) for t in teams)
    assert [(t["code"], t["name"], t["members"], t["status"]) for t in teams] == [
        ("T01", "甲市赈济队", 30, "ready"), ("T02", "甲市医疗队", 20, "ready")]


def test_low_expiring_and_history_reports(cli, stocked_file):
    low = {(r["depot"], r["item"]): r for r in cli(*with_db(stocked_file, "stock", "low", "--json")).json()}
    assert (low[("R99", "TENT")]["available"], low[("R99", "TENT")]["short"]) == (10, 90)
    assert low[("R99", "WATER")]["available"] == 10
    expiring = cli(*with_db(stocked_file, "stock", "expiring", "--days", "200", "--json")).json()
    assert [(r["lot"], r["days_left"]) for r in expiring] == [("OLD", -21), ("W1", 160)]
    history = cli(*with_db(stocked_file, "stock", "history", "--limit", "2", "--json")).json()
    assert [(h["lot"], h["qty"], h["actor"]) for h in history] == [("OLD", 2, "keeper"), ("W2", 4, "keeper")]
    table = cli(*with_db(stocked_file, "stock", "show", "--depot", "R99"))
    assert table.code == 0 and "甲市中心库" in table.stdout and "4 lot(s); on hand 22, available 20" in table.stdout


def test_a_repeated_document_changes_nothing_and_a_clashing_one_exits_1(cli, stocked_file, ledger_rows):
    first = cli(*with_db(stocked_file, "stock", "issue", "R99", "TENT", "3", "--doc", "WB-9"))
    assert first.code == 0 and "document WB-9" in first.stdout
    before = ledger_rows(stocked_file)
    again = cli(*with_db(stocked_file, "stock", "issue", "R99", "TENT", "3", "--doc", "WB-9"))
    assert (again.code, again.stdout.strip()) == (0, "document WB-9 is already recorded; nothing changed")
    clash = cli(*with_db(stocked_file, "stock", "issue", "R99", "TENT", "4", "--doc", "WB-9"))
    assert clash.code == 1 and "document WB-9 is already recorded (issue, 1 line(s)" in clash.stderr
    assert ledger_rows(stocked_file) == before


def test_import_records_a_file_once_and_export_writes_it_back(cli, stocked_file, ledger_rows, tmp_path):
    moves = tmp_path / "moves.csv"
    moves.write_text("kind,depot,item,qty,lot,to,reason\n"
                     "receive,C990201,QUILT,50,,,\n"
                     "transfer,R99,TENT,4,,C990201,\n"
                     "adjust,R99,WATER,-2,,,expired\n", encoding="utf-8")
    first = cli(*with_db(stocked_file, "stock", "import", str(moves)))
    assert first.code == 0 and "recorded 1 document(s) with 4 ledger line(s)" in first.stdout
    before = ledger_rows(stocked_file)
    again = cli(*with_db(stocked_file, "stock", "import", str(moves)))
    assert again.code == 0 and "all 1 document(s) already recorded; nothing changed" in again.stdout
    assert ledger_rows(stocked_file) == before

    exported = cli(*with_db(stocked_file, "stock", "export", str(tmp_path / "stock.csv")))
    assert exported.code == 0 and "wrote 5 stock row(s)" in exported.stdout
    with (tmp_path / "stock.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [(r["depot"], r["item"], r["lot"], r["on_hand"]) for r in csv.DictReader(handle)]
    assert rows == [("C990201", "QUILT", "-", "50"), ("C990201", "TENT", "-", "4"), ("R99", "TENT", "-", "6"),
                    ("R99", "WATER", "W1", "6"), ("R99", "WATER", "W2", "4")]
    ledger = cli(*with_db(stocked_file, "stock", "export", str(tmp_path / "ledger.xlsx"), "--ledger"))
    assert ledger.code == 0 and f"wrote {before} movement row(s)" in ledger.stdout
    book = load_workbook(tmp_path / "ledger.xlsx", read_only=True)
    assert len(list(book["ledger"].iter_rows(values_only=True))) == before + 1
    book.close()


def test_an_import_with_bad_rows_lists_every_line_and_records_nothing(cli, stocked_file, ledger_rows, tmp_path):
    moves = tmp_path / "bad.csv"
    moves.write_text("kind,depot,item,qty,reason\n"
                     "receive,R99,QUILT,5,\n"
                     "issue,R99,TENT,-5,\n"
                     "adjust,R99,TENT,-1,stolen\n"
                     "issue,R99,TENT,99,\n", encoding="utf-8")
    before = ledger_rows(stocked_file)
    done = cli(*with_db(stocked_file, "stock", "import", str(moves)))
    assert done.code == 2
    lines = done.stderr.splitlines()
    assert lines[0] == "error: bad.csv: 3 bad row(s); nothing was recorded"
    assert [line.split(":")[0] for line in lines[1:]] == ["  line 3", "  line 4", "  line 5"], \
        "malformed rows and rows the stock cannot honour are listed together"
    assert ledger_rows(stocked_file) == before
    moves.write_text("kind,depot,item,qty\nreceive,R99,QUILT,5\nissue,R99,TENT,99\n", encoding="utf-8")
    short = cli(*with_db(stocked_file, "stock", "import", str(moves)))
    assert short.code == 1, "a well-formed file the stock cannot honour is refused, not invalid"
    assert short.stderr.splitlines()[1:] == ["  line 3: cannot take 99 of TENT at R99: only 10 available"]
    assert ledger_rows(stocked_file) == before


def test_verify_exits_1_and_shows_a_balance_edited_behind_the_ledger(cli, stocked_file):
    assert cli(*with_db(stocked_file, "stock", "verify")).code == 0
    with db.get_engine(db.database_url(stocked_file)).begin() as conn:
        conn.execute(text("UPDATE balance SET on_hand = 7 WHERE depot = 'R99' AND item = 'TENT'"))
    done = cli(*with_db(stocked_file, "stock", "verify", "--json"))
    assert done.code == 1
    result = done.json()
    assert result["ok"] is False
    assert [(p["item"], p["stored_on_hand"], p["ledger_on_hand"]) for p in result["problems"]] == [("TENT", 7, 10)]


def test_a_count_that_matches_the_books_says_so(cli, stocked_file, ledger_rows):
    before = ledger_rows(stocked_file)
    done = cli(*with_db(stocked_file, "stock", "count", "R99", "TENT", "10"))
    assert done.code == 0 and "count of TENT at R99 matches the books (10)" in done.stdout
    assert ledger_rows(stocked_file) == before


def test_init_refuses_a_database_holding_data_unless_forced(cli, stocked_file, tiny_region, ledger_rows):
    refused = cli(*with_db(stocked_file, "init", "--region", str(tiny_region)))
    assert refused.code == 1 and "pass --force" in refused.stderr
    assert ledger_rows(stocked_file) == 4
    forced = cli(*with_db(stocked_file, "init", "--region", str(tiny_region), "--no-sample-stock", "--force"))
    assert forced.code == 0, forced.stderr
    assert ledger_rows(stocked_file) == 0


def test_a_database_never_initialised_is_reported(cli, tmp_path):
    done = cli("stock", "show", "--db", str(tmp_path / "none.db"))
    assert done.code == 1
    assert done.errors() == [f"error: no relief database at {tmp_path / 'none.db'}; create one with: "
                             f"relief init --db {tmp_path / 'none.db'}"]
    unknown = cli("init", "--region", "atlantis", "--db", str(tmp_path / "none.db"))
    assert unknown.code == 2 and "unknown region 'atlantis'" in unknown.stderr
