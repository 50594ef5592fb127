"""Awkward input reaches the user as one message and an exit code, never a traceback,
and nothing is written."""

from __future__ import annotations

import shutil
from pathlib import Path

from relief.depot import db, region
from relief.depot.datafiles import DATA_DIR

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny"


def test_a_folder_is_not_a_database(cli, tmp_path):
    outcome = cli("stock", "show", "--db", str(tmp_path))
    assert outcome.code == 2 and outcome.errors() == [f"error: --db {tmp_path} is a folder; give a database file such "
                                                      f"as {tmp_path / 'relief.db'}"]


def test_only_sqlite_and_postgresql_databases_are_understood(cli):
    outcome = cli("stock", "show", "--db", "mysql://keeper@host/relief")
    assert outcome.code == 2
    assert outcome.errors() == ["error: --db must be a SQLite file path or a postgresql:// URL, got "
                                "'mysql://keeper@host/relief'"]


def test_a_database_in_a_missing_folder_cannot_be_created(cli, tmp_path):
    outcome = cli("init", "--db", str(tmp_path / "no" / "such" / "relief.db"))
    assert outcome.code == 1 and "cannot create the database" in outcome.stderr
    assert not (tmp_path / "no").exists()


def test_numbers_beyond_any_sense_are_refused(cli, stocked_file, ledger_rows):
    before = ledger_rows(stocked_file)
    for args in (("stock", "receive", "R99", "TENT", "9223372036854775000"), ("stock", "expiring", "--days", "99999999"),
                 ("incident", "close", "99999999999999999999"), ("dispatch", "show", "99999999999999999999")):
        outcome = cli(*args, "--db", stocked_file)
        assert outcome.code == 2 and len(outcome.errors()) == 1 and "Traceback" not in outcome.stderr, args
    assert ledger_rows(stocked_file) == before


def test_exporting_onto_a_folder_is_refused(cli, stocked_file, tmp_path):
    (tmp_path / "out.csv").mkdir()
    outcome = cli("stock", "export", str(tmp_path / "out.csv"), "--db", stocked_file)
    assert outcome.code == 2 and "is a folder" in outcome.stderr


def test_a_plan_with_an_unusable_out_folder_is_not_saved(cli, stocked_file, tmp_path):
    cli("incident", "add", "far", "--lon", "112.5", "--lat", "40.5", "--need", "TENT=2", "--db", stocked_file)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file", encoding="utf-8")
    outcome = cli("dispatch", "plan", "--out", str(blocker / "sub"), "--db", stocked_file)
    assert outcome.code == 2 and len(outcome.errors()) == 1
    assert cli("dispatch", "list", "--json", "--db", stocked_file).json() == []


def test_a_stale_plan_lists_what_went_stale(cli, stocked_file):
    cli("incident", "add", "far", "--lon", "112.5", "--lat", "40.5", "--need", "TENT=8", "--db", stocked_file)
    assert cli("dispatch", "plan", "--db", stocked_file).code == 0
    assert cli("stock", "issue", "R99", "TENT", "5", "--db", stocked_file).code == 0
    outcome = cli("dispatch", "commit", "1", "--db", stocked_file)
    assert outcome.code == 1
    assert "is stale" in outcome.stderr and "only 5 available" in outcome.stderr


def test_a_failed_forced_init_keeps_the_database_it_would_have_replaced(cli, tmp_path, today):
    folder = tmp_path / "broken"
    shutil.copytree(TINY, folder)
    (folder / "stock.csv").write_text("depot,item,lot,expires_in_days,qty\nNOPE,TENT,-,,5\nR99,TENT,-,,12x\n",
                                      encoding="utf-8")
    target = tmp_path / "live.db"
    url = db.database_url(str(target))
    region.init(url, str(TINY), sample_stock=False, today=today)
    outcome = cli("init", "--region", str(folder), "--force", "--db", str(target))
    assert outcome.code == 2 and "bad opening stock row" in outcome.stderr
    assert "line 2" in outcome.stderr and "line 3" in outcome.stderr
    assert cli("depot", "list", "--json", "--db", str(target)).json()[0]["code"] == "R99"


def test_the_region_rules_travel_with_the_database(tmp_path, today):
    folder = tmp_path / "moving"
    shutil.copytree(DATA_DIR / "zhaoqing", folder)
    url = db.database_url(str(tmp_path / "z.db"))
    region.init(url, str(folder), today=today)
    shutil.rmtree(folder)
    from relief.routing.dispatch import incidents

    row = incidents.add(url, "flood", 112.47, 23.05, people=300, today=today)
    assert row["needs"] and row["county"] == "441202"


def test_a_negative_quantity_is_named_by_every_keeper_command(cli, stocked_file):
    for args in (("stock", "receive", "R99", "TENT", "-3"), ("stock", "issue", "R99", "TENT", "-3"),
                 ("stock", "transfer", "R99", "C990102", "TENT", "-3")):
        outcome = cli(*args, "--db", stocked_file)
        assert outcome.code == 2 and outcome.errors() == [
            "error: quantity must be a whole number greater than 0, got '-3'"], args


def test_a_plan_with_a_given_start_is_the_same_plan_every_time(cli, stocked_file):
    cli("incident", "add", "far", "--lon", "112.5", "--lat", "40.5", "--need", "TENT=2", "--need", "WATER=3",
        "--db", stocked_file)
    first = cli("dispatch", "plan", "--start", "2026-11-22T08:00", "--json", "--db", stocked_file).json()
    again = cli("dispatch", "plan", "--start", "2026-11-22T08:00", "--json", "--db", stocked_file).json()
    assert first["start"] == "2026-11-22T08:00"
    assert first["shipments"] == again["shipments"] and first["totals"] == again["totals"]
    bad = cli("dispatch", "plan", "--start", "tomorrow", "--db", stocked_file)
    assert bad.code == 2 and bad.errors() == ["error: --start must be a date-time as YYYY-MM-DDTHH:MM, got 'tomorrow'"]
