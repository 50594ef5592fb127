"""The user's own text (lots, documents, notes, names, paths, scenario names) is printed as
it is, never read as rich markup: a lot called ``[/x]`` is recorded once and echoed, and
the command exits 0 instead of failing after the write. The keeper commands, which write,
run on SQLite and PostgreSQL; the rest is about printing, so it runs on SQLite."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from relief.depot import db
from relief.depot.models import Incident, Plan

MARKUP = ["[/x]", "[/]", "[bold]", "[link=x]y[/link]", "\\["]


@pytest.fixture(params=MARKUP, ids=["close-tag", "bare-close", "bold", "link", "escaped-bracket"])
def value(request) -> str:
    """A piece of user text that rich would read as markup (or fail to)."""
    return request.param


@pytest.fixture
def wide(cli):
    """``cli`` with 200 columns, so that table cells are never folded."""
    return lambda *args: cli(*args, env={"COLUMNS": "200"})


def rows(url: str, table) -> int:
    """How many rows ``table`` holds in the database at ``url``."""
    with db.session(url) as s:
        return s.exec(select(func.count()).select_from(table)).one()


def clean(outcome) -> None:
    """The command succeeded and printed no traceback."""
    assert outcome.code == 0, outcome.stderr
    assert "Traceback" not in outcome.stderr and "MarkupError" not in outcome.stderr


def test_keeper_commands_echo_markup_like_text_and_record_it_once(wide, tiny_db, ledger_rows, value):
    commands = [
        (("stock", "receive", "R99", "TENT", "10", "--source", value), "1", 1),
        (("stock", "issue", "R99", "TENT", "2", "--to", value), "2", 1),
        (("stock", "transfer", "R99", "C990102", "TENT", "2"), "3", 2),
        (("stock", "adjust", "R99", "TENT", "-1", "--reason", "damaged"), "4", 1),
        (("stock", "count", "R99", "TENT", "4"), "5", 1),
    ]
    for args, n, lines in commands:
        before = ledger_rows(tiny_db)
        done = wide(*args, "--lot", value, "--doc", value + n, "--note", value, "--db", tiny_db)
        clean(done)
        assert f"document {value + n}, {lines} ledger line(s)" in done.stdout, args
        assert f" lot {value} " in done.stdout, args
        assert ledger_rows(tiny_db) == before + lines, args
    history = wide("stock", "history", "--json", "--db", tiny_db).json()
    mine = [h for h in history if h["doc"].startswith(value)]
    assert sorted(h["doc"] for h in mine) == sorted(value + n for _, n, lines in commands for _ in range(lines))
    assert {h["lot"] for h in mine} == {value}
    assert {h["counterparty"] for h in mine if h["kind"] in ("receive", "issue")} == {value}
    shown = wide("stock", "history", "--db", tiny_db)
    clean(shown)
    assert f" {value + '1'} " in shown.stdout


def test_an_import_and_an_export_under_a_markup_like_path_are_echoed(wide, tiny_sqlite, ledger_rows, tmp_path, value):
    moves = tmp_path / "in" / f"{value}moves.csv"
    moves.parent.mkdir(parents=True, exist_ok=True)
    moves.write_text(f"kind,depot,item,qty,doc,lot,note\nreceive,R99,QUILT,7,{value}i,{value},{value}\n",
                     encoding="utf-8")
    file = str(tmp_path / "in" / f"{value}moves.csv")
    done = wide("stock", "import", file, "--db", tiny_sqlite)
    clean(done)
    assert f"{file}: recorded 1 document(s) with 1 ledger line(s)" in done.stdout
    assert ledger_rows(tiny_sqlite) == 1
    again = wide("stock", "import", file, "--db", tiny_sqlite)
    clean(again)
    assert f"{file}: all 1 document(s) already recorded; nothing changed" in again.stdout
    assert ledger_rows(tiny_sqlite) == 1

    target = str(tmp_path / "out" / f"{value}stock.csv")
    (tmp_path / "out" / f"{value}stock.csv").parent.mkdir(parents=True, exist_ok=True)
    exported = wide("stock", "export", target, "--db", tiny_sqlite)
    clean(exported)
    assert exported.stdout == f"wrote 1 stock row(s) to {target}\n"
    shown = wide("stock", "show", "--db", tiny_sqlite)
    clean(shown)
    assert f" {value} " in shown.stdout


def test_incidents_and_a_plan_named_with_markup_like_text_are_echoed(wide, tiny_sqlite, tmp_path, value):
    assert wide("stock", "receive", "R99", "TENT", "20", "--db", tiny_sqlite).code == 0
    added = wide("incident", "add", value, "--lon", "111.5", "--lat", "40.5", "--need", "TENT=2", "--db", tiny_sqlite)
    clean(added)
    assert added.stdout.startswith(f"incident 1 {value!r} in ")
    assert rows(tiny_sqlite, Incident) == 1

    file = tmp_path / "in" / f"{value}incidents.csv"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(f"name,lon,lat,priority,needs\n{value},112.5,40.5,1,TENT=2\n", encoding="utf-8")
    imported = wide("incident", "import", str(file), "--db", tiny_sqlite)
    clean(imported)
    assert imported.stdout.startswith(f"{file}: registered 1 incident(s)\n")
    assert rows(tiny_sqlite, Incident) == 2
    listed = wide("incident", "list", "--db", tiny_sqlite)
    clean(listed)
    assert [r["name"] for r in wide("incident", "list", "--json", "--db", tiny_sqlite).json()] == [value, value]

    planned = wide("dispatch", "plan", "--db", tiny_sqlite)
    clean(planned)
    assert planned.stdout.startswith("plan 1 (draft, optimal) from ")
    assert f" {value} " in planned.stdout
    assert rows(tiny_sqlite, Plan) == 1
    closed = wide("incident", "close", "1", "--db", tiny_sqlite)
    clean(closed)
    assert closed.stdout == f"incident 1 ({value}) closed\n"


def test_a_drill_whose_scenario_and_incidents_have_markup_like_names_is_echoed(wide, tiny_sqlite, tmp_path, value):
    assert wide("stock", "receive", "R99", "TENT", "20", "--db", tiny_sqlite).code == 0
    scenario = tmp_path / "in" / f"{value}drill.toml"
    scenario.parent.mkdir(parents=True, exist_ok=True)
    scenario.write_text(f"name = {json.dumps(value)}\nstart = 2027-01-15T08:00:00+08:00\n"
                        f"[hazard]\ntype = \"incidents\"\n"
                        f"[[hazard.incidents]]\nname = {json.dumps(value)}\nlon = 111.5\nlat = 40.5\n"
                        f"people = 300\npriority = 1\n", encoding="utf-8")
    done = wide("drill", "run", str(scenario), "--db", tiny_sqlite)
    clean(done)
    assert done.stdout.startswith(f"{value} (incidents, 2027-01-15")
    assert f" {value} " in done.stdout  # the incident's row
    assert rows(tiny_sqlite, Plan) == 0  # a drill writes nothing


@pytest.mark.slow
def test_the_installed_command_records_a_markup_like_lot_once_and_exits_0(relief, tiny_sqlite, ledger_rows):
    done = relief("stock", "receive", "R99", "TENT", "5", "--lot", "[/x]", "--doc", "[/]", "--db", tiny_sqlite)
    clean(done)
    assert done.stdout.splitlines() == ["received 5 TENT into R99 - document [/], 1 ledger line(s), 5 unit(s)",
                                        "  receive      R99      TENT     lot [/x]           +5"]
    assert ledger_rows(tiny_sqlite) == 1
