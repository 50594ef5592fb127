"""``relief incident`` and ``relief dispatch``: a coordinator's work through the command line.

Most commands run in this process (the ``cli`` fixture); one runs the installed script.
The tiny region is on SQLite with ten tents at R99 and 30 cases of water at C990102.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from datetime import datetime

import pyogrio
import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import select

from relief.depot import db, keeper
from relief.depot.models import Incident, Plan
from relief.routing.dispatch import planning as dispatch
from relief.routing.dispatch import incidents
from relief.routing.dispatch import plans

PLAN_KEYS = {"plan_id", "status", "method", "params", "shipments", "teams", "unmet", "incidents", "totals", "solver",
             "trucks"}
SHIPMENT_KEYS = {"depot", "incident", "item", "lot", "qty", "km", "minutes"}
INCIDENT_KEYS = {"id", "name", "lon", "lat", "county", "priority", "people", "status", "needs", "teams"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def with_db(path: str, *args: str) -> list[str]:
    """``args`` with ``--db path`` after the two command names."""
    return [*args[:2], "--db", path, *args[2:]]


def flat(text: str) -> str:
    """``text`` without whitespace, so that checks do not depend on where the terminal wraps."""
    return "".join(text.split())


def rows_in(path: str) -> dict[str, int]:
    """Incidents and plans recorded in the database at ``path``."""
    with db.session(db.database_url(path)) as s:
        return {"incidents": s.exec(select(func.count()).select_from(Incident)).one(),
                "plans": s.exec(select(func.count()).select_from(Plan)).one()}


@pytest.fixture
def stocked(tiny_sqlite, today) -> str:
    """Path of a tiny SQLite database with 10 tents at R99 and 30 water (lot W1) at C990102."""
    keeper.receive(tiny_sqlite, "R99", "TENT", 10, actor="keeper", today=today)
    keeper.receive(tiny_sqlite, "C990102", "WATER", 30, lot="W1", expires="2027-06-01", actor="keeper", today=today)
    return db.describe(tiny_sqlite)


@pytest.fixture
def asked(stocked, today) -> str:
    """``stocked`` with incident 1 in 丙旗 (990201) asking for 4 tents, 10 water and a relief team."""
    incidents.add(db.database_url(stocked), "丙旗 snow", 112.5, 40.5, need=["TENT=4", "WATER=10"],
                  team=["relief=1"], today=today)
    return stocked


@pytest.fixture
def drafted(asked, today) -> str:
    """``asked`` with draft plan 1 for incident 1 (tents from R99, water from C990102, team T01)."""
    dispatch.plan(db.database_url(asked), today=today, start=datetime(2026, 11, 22, 8, 0))
    return asked


@pytest.fixture
def committed(drafted, today) -> str:
    """``drafted`` with plan 1 committed: 4 tents and 10 water reserved, T01 deployed."""
    plans.commit(db.database_url(drafted), 1, actor="tester", today=today)
    return drafted


@pytest.mark.slow
def test_the_installed_command_prints_a_plan_as_json(relief, asked):
    done = relief("dispatch", "plan", "--json", "--db", asked)
    assert done.code == 0, done.stderr
    doc = done.json()
    assert PLAN_KEYS <= set(doc) and (doc["plan_id"], doc["status"], doc["method"]) == (1, "draft", "optimal")
    assert all(set(line) == SHIPMENT_KEYS for line in doc["shipments"])
    assert {(s["depot"], s["item"], s["qty"]) for s in doc["shipments"]} == {("R99", "TENT", 4),
                                                                            ("C990102", "WATER", 10)}
    assert doc["start"].startswith("2026-11-22T"), "RELIEF_TODAY fixes the day"


def test_incidents_are_added_imported_listed_and_closed(cli, stocked, tmp_path):
    added = cli(*with_db(stocked, "incident", "add", "乙县 flood", "--lon", "111.5", "--lat", "40.5",
                         "--priority", "2", "--need", "tent=4", "--team", "relief=1", "--json"))
    assert added.code == 0, added.stderr
    row = added.json()
    assert INCIDENT_KEYS <= set(row)
    assert (row["id"], row["county"], row["county_name"], row["needs"]) == (1, "990102", "乙县",
                                                                              [{"item": "TENT", "qty": 4}])
    shown = cli(*with_db(stocked, "incident", "add", "甲区 fire", "--lon", "110.5", "--lat", "40.5",
                         "--people", "10"))
    assert shown.code == 0 and flat("incident 2 '甲区 fire' in 甲区 (990101), priority 3, 10 people") in flat(shown.stdout)
    assert flat("needs: FOOD=8, QUILT=10, WATER=7") in flat(shown.stdout)
    path = tmp_path / "incidents.csv"
    path.write_text("name,lon,lat,priority,needs\n丙旗 snow,112.5,40.5,1,TENT=2\n", encoding="utf-8")
    imported = cli(*with_db(stocked, "incident", "import", str(path)))
    assert imported.code == 0 and "registered1incident(s)" in flat(imported.stdout)
    listed = cli(*with_db(stocked, "incident", "list", "--json")).json()
    assert all(set(r) == INCIDENT_KEYS for r in listed)
    assert [(r["id"], r["county"], r["priority"], r["status"]) for r in listed] == [
        (1, "990102", 2, "open"), (2, "990101", 3, "open"), (3, "990201", 1, "open")]
    closed = cli(*with_db(stocked, "incident", "close", "2"))
    assert closed.code == 0 and "incident2(甲区fire)closed" in flat(closed.stdout)
    still_open = cli(*with_db(stocked, "incident", "list", "--status", "open", "--json")).json()
    assert [r["id"] for r in still_open] == [1, 3]
    table = cli(*with_db(stocked, "incident", "list"))
    assert table.code == 0 and "乙县" in table.stdout and "closed" in table.stdout


def test_a_plan_is_shown_listed_and_compared_with_the_rule_of_thumb(cli, asked):
    made = cli(*with_db(asked, "dispatch", "plan"))
    assert made.code == 0, made.stderr
    assert "plan1(draft,optimal)" in flat(made.stdout) and "review,then:reliefdispatchcommit1" in flat(made.stdout)
    assert "solver:optimal(provenoptimaloverthewholenetwork)" in flat(made.stdout)
    greedy = cli(*with_db(asked, "dispatch", "plan", "--method", "greedy", "--json")).json()
    assert (greedy["plan_id"], greedy["method"], greedy["solver"]["status"]) == (2, "greedy", "heuristic")
    shown = cli(*with_db(asked, "dispatch", "show", "1", "--json")).json()
    assert PLAN_KEYS <= set(shown) and shown["totals"]["shipped_units"] == 14
    assert shown["shipments"] == [asdict(s) for s in plans.show(db.database_url(asked), 1).shipments]
    table = cli(*with_db(asked, "dispatch", "show", "2"))
    assert table.code == 0 and "plan2(draft,greedy)" in flat(table.stdout) and "丙旗" in table.stdout
    listed = cli(*with_db(asked, "dispatch", "list", "--json")).json()
    assert [(r["plan_id"], r["status"], r["method"], r["fill"]) for r in listed] == [
        (1, "draft", "optimal", 1.0), (2, "draft", "greedy", 1.0)]
    assert cli(*with_db(asked, "dispatch", "list")).code == 0


def test_a_plan_is_committed_shipped_and_another_cancelled(cli, drafted):
    committed = cli(*with_db(drafted, "dispatch", "commit", "1"))
    assert committed.code == 0, committed.stderr
    assert flat("plan 1 committed: 2 lines reserved, 1 team(s) deployed") in flat(committed.stdout)
    stock = {(r["depot"], r["item"]): (r["on_hand"], r["reserved"])
             for r in cli("stock", "show", "--db", drafted, "--json").json()}
    assert stock == {("R99", "TENT"): (10, 4), ("C990102", "WATER"): (30, 10)}
    shipped = cli(*with_db(drafted, "dispatch", "ship", "1"))
    assert shipped.code == 0 and flat("plan 1 shipped: 14 units issued from 2 depot(s)") in flat(shipped.stdout)
    stock = {(r["depot"], r["item"]): (r["on_hand"], r["reserved"])
             for r in cli("stock", "show", "--db", drafted, "--json").json()}
    assert stock == {("R99", "TENT"): (6, 0), ("C990102", "WATER"): (20, 0)}
    cli(*with_db(drafted, "incident", "add", "甲区 hail", "--lon", "110.6", "--lat", "40.6", "--need", "TENT=2"))
    second = cli(*with_db(drafted, "dispatch", "plan", "--json")).json()
    assert [(s["incident"], s["qty"]) for s in second["shipments"]] == [(2, 2)]
    cancelled = cli(*with_db(drafted, "dispatch", "cancel", str(second["plan_id"])))
    assert cancelled.code == 0 and f"plan{second['plan_id']}cancelled" in flat(cancelled.stdout)
    statuses = [r["status"] for r in cli(*with_db(drafted, "dispatch", "list", "--json")).json()]
    assert statuses == ["shipped", "cancelled"]
    assert cli("stock", "verify", "--db", drafted).code == 0


@pytest.mark.slow
def test_a_plan_exports_pick_lists_geojson_and_a_map(cli, drafted, tmp_path):
    def export(fmt: str, name: str) -> str:
        done = cli(*with_db(drafted, "dispatch", "export", "1", "--format", fmt, "--out", str(tmp_path / name)))
        assert done.code == 0, done.stderr
        assert flat(done.stdout) == flat(f"wrote {tmp_path / name}")
        return str(tmp_path / name)

    with open(export("csv", "picks.csv"), encoding="utf-8-sig", newline="") as handle:
        picks = list(csv.DictReader(handle))
    assert [(r["waybill"], r["depot"], r["item"], r["lot"], r["qty"]) for r in picks] == [
        ("WB-1-C990102-1", "C990102", "WATER", "W1", "10"), ("WB-1-R99-1", "R99", "TENT", "-", "4")]
    assert {"incident_name", "dest_lon", "dest_lat", "weight_kg", "eta_minutes"} <= set(picks[0])
    book = load_workbook(export("xlsx", "picks.xlsx"), read_only=True)
    assert book.sheetnames == ["summary", "C990102", "R99"]
    summary_rows = list(book["summary"].iter_rows(values_only=True))
    assert [r[:4] for r in summary_rows[2:]] == [("C990102", "乙县仓库", 1, 10), ("R99", "甲市中心库", 1, 4)]
    r99 = list(book["R99"].iter_rows(values_only=True))
    assert r99[1][:2] == ("waybill", "depot") and r99[2][:2] == ("WB-1-R99-1", "R99")
    book.close()
    with open(export("geojson", "plan.geojson"), encoding="utf-8") as handle:
        collection = json.load(handle)
    kinds = sorted((f["geometry"]["type"], f["properties"]["kind"]) for f in collection["features"])
    assert kinds == [("LineString", "shipment"), ("LineString", "shipment"), ("LineString", "team"),
                     ("LineString", "truck"), ("LineString", "truck"),  # one truck from each depot
                     ("Point", "depot"), ("Point", "depot"), ("Point", "incident")]
    with open(export("png", "plan.png"), "rb") as handle:
        assert handle.read(8) == PNG_SIGNATURE
    book = load_workbook(export("waybills", "waybills.xlsx"), read_only=True)
    assert book.sheetnames[0] == "summary" and len(book.sheetnames) >= 3, "a summary, then a sheet per waybill"
    book.close()
    layers = [row[0] for row in pyogrio.list_layers(export("gpkg", "plan.gpkg"))]
    assert layers == ["depots", "incidents", "truck_runs", "team_routes", "supply_lines"]


def test_a_restriction_to_the_nearest_depots_is_reported_not_proven(cli, asked):
    restricted = cli(*with_db(asked, "dispatch", "plan", "--nearest", "1"))
    assert restricted.code == 0, restricted.stderr
    assert "optimaloverthe1nearestdepotsofeachincident(andtheregiondepots),notoverthewholenetwork" in flat(
        restricted.stdout)
    assert "provenoptimal" not in flat(restricted.stdout)


def test_a_plan_with_out_writes_its_files_into_the_folder(cli, asked, tmp_path):
    folder = tmp_path / "plans"
    done = cli(*with_db(asked, "dispatch", "plan", "--out", str(folder), "--json"))
    assert done.code == 0, done.stderr
    doc = done.json()
    assert sorted(p.name for p in folder.iterdir()) == [
        "plan-1-picklist.csv", "plan-1-picklists.xlsx", "plan-1-waybills.xlsx", "plan-1.geojson", "plan-1.gpkg",
        "plan-1.json", "plan-1.png"]
    assert json.loads((folder / "plan-1.json").read_text(encoding="utf-8")) == doc
    assert (folder / "plan-1.png").read_bytes()[:8] == PNG_SIGNATURE


BAD_INPUT = [
    (("dispatch", "show", "99"), 2, "no dispatch plan 99"),
    (("dispatch", "commit", "99"), 2, "no dispatch plan 99"),
    (("dispatch", "commit", "1"), 1, "cannot commit plan 1: it is committed; only a draft plan can be committed"),
    (("dispatch", "plan", "--incident", "7"), 2, "no open incident 7"),
    (("dispatch", "plan", "--circuity", "0.5"), 2, "--circuity must be between 1.0 and 5.0, got 0.5"),
    (("dispatch", "plan", "--method", "best"), 2, "--method must be one of optimal, greedy; got 'best'"),
    (("dispatch", "plan", "--window", "TENT=0h"), 2,
     "delivery window of TENT must be a positive duration of at most 240 h such as 12h, 90m or 1h30m; got '0h'"),
    (("dispatch", "plan", "--window", "fuel=6h"), 2, "delivery window 'fuel=6h': unknown item kind 'fuel'; use an item category"),
    (("dispatch", "plan", "--travel", "{tmp}/travel.csv"), 2, "travel.csv: 2 bad row(s)"),
    (("dispatch", "export", "1", "--format", "pdf", "--out", "{tmp}/plan.pdf"), 2, "--format must be one of csv"),
    (("incident", "add", "beyond", "--lon", "114", "--lat", "40.5"), 2, "outside the region (about 85 km from 丙旗"),
    (("incident", "add", "typo", "--lon", "110.5", "--lat", "40.5", "--need", "CTENT12=3"), 2,
     "--need names unknown item 'CTENT12'"),
    (("incident", "add", "x", "--lon", "110.5", "--lat", "40.5", "--need", "TENT"), 2, "must look like CODE=QTY"),
    (("incident", "close", "9"), 2, "no incident 9"),
]


@pytest.mark.parametrize("args, code, message", BAD_INPUT,
                         ids=[" ".join(a).replace("{tmp}/", "") for a, _, _ in BAD_INPUT])
def test_bad_input_exits_non_zero_with_one_message_and_writes_nothing(cli, committed, ledger_rows, tmp_path, args,
                                                                      code, message):
    (tmp_path / "travel.csv").write_text("code,county,minutes\nR77,990201,10\nR99,990201,-5\n", encoding="utf-8")
    before = (rows_in(committed), ledger_rows(committed))
    done = cli(*with_db(committed, *[a.replace("{tmp}", str(tmp_path)) for a in args]))
    assert (done.code, done.stdout) == (code, "")
    assert len(done.errors()) == 1 and message in done.errors()[0]
    assert (rows_in(committed), ledger_rows(committed)) == before


def test_a_bad_travel_table_lists_each_bad_row_under_its_message(cli, asked, tmp_path):
    (tmp_path / "travel.csv").write_text("code,county,minutes\nR77,990201,10\nR99,990201,-5\n", encoding="utf-8")
    done = cli(*with_db(asked, "dispatch", "plan", "--travel", str(tmp_path / "travel.csv")))
    assert done.code == 2
    assert done.stderr.splitlines() == ["error: travel.csv: 2 bad row(s)",
                                        "  line 2: unknown depot or team code 'R77'",
                                        "  line 3: minutes must be a whole number from 0 to 100,000, got '-5'"]


def test_planning_with_nothing_to_plan_exits_1(cli, stocked):
    done = cli(*with_db(stocked, "dispatch", "plan"))
    assert (done.code, done.stdout) == (1, "")
    assert done.errors() == ["error: no open incident has an unmet need or team request; add one with "
                             "`relief incident add`"]


def test_a_plan_loads_its_lines_on_trucks_that_carry_exactly_those_lines(cli, asked):
    doc = cli(*with_db(asked, "dispatch", "plan", "--json", "--start", "2026-11-22T08:00")).json()
    carried = sorted((t["depot"], stop["incident"], ln["item"], ln["lot"], ln["qty"], stop["arrive_minutes"])
                     for t in doc["trucks"] for stop in t["stops"] for ln in stop["lines"])
    assert carried == sorted((s["depot"], s["incident"], s["item"], s["lot"], s["qty"], s["minutes"])
                             for s in doc["shipments"])
    # the tiny region has no fleet.csv: every depot hires 10 t lorries within 2 h, loaded in 30 min
    assert {(t["depot"], t["vehicle"], t["depart_minutes"], t["trip"]) for t in doc["trucks"]} == {
        ("R99", "T10", 150, 1), ("C990102", "T10", 150, 1)}
    assert [t["id"] for t in doc["trucks"]] == [1, 2] and doc["totals"]["trucks"] == 2
    assert set(doc["trucks"][0]) == {"id", "depot", "vehicle", "capacity_kg", "capacity_m3", "load_kg", "load_m3",
                                     "depart_minutes", "stops", "trip", "km"}
    tents = next(t for t in doc["trucks"] if t["depot"] == "R99")
    assert (tents["id"], tents["load_kg"], tents["capacity_kg"]) == (2, 4 * 40.0, 10_000.0), "ids go by depot code"


def test_a_fleet_file_for_the_plan_replaces_the_depots_fleet(cli, asked, tmp_path):
    (tmp_path / "fleet.csv").write_text("depot,vehicle,owned,hire,hire_hours\nR99,T5,1,0,\n", encoding="utf-8")
    doc = cli(*with_db(asked, "dispatch", "plan", "--json", "--fleet", str(tmp_path / "fleet.csv"))).json()
    assert {(t["depot"], t["vehicle"], t["depart_minutes"]) for t in doc["trucks"]} == {
        ("R99", "T5", 20), ("C990102", "T10", 150)}, "R99's own 5 t lorry leaves after its 20 min of loading"


def test_the_plan_table_lists_the_trucks_and_their_totals(cli, asked):
    shown = flat(cli(*with_db(asked, "dispatch", "plan", "--start", "2026-11-22T08:00")).stdout)
    assert "│2│R99│T10│0.2/10│0.8/38│2:30│1@" in shown, "truck 2 takes R99's 4 tents (0.16 t, 0.8 m³)"
    assert "2trucks(0secondtrips)," in shown and "truck-km" in shown


BAD_FLEETS = [
    ("R99,T30,1,0,", "line 2: vehicle 'T30' is not a vehicle type; known types: T10, T20, T5"),
    ("X1,T10,1,0,", "line 2: depot 'X1' is not a depot of the region"),
    ("R99,T10,0,0,", "line 2: depot R99 has no vehicle: owned and hire are 0 on every row of it"),
    ("R99,T10,one,0,", "line 2: owned must be a whole number from 0 to 1,000, got 'one'"),
    ("R99,T10,0,2,-1", "line 2: hire_hours must be a number from 0 to 240 hours, got '-1'"),
]


@pytest.mark.parametrize("row, problem", BAD_FLEETS, ids=[r for r, _ in BAD_FLEETS])
def test_a_bad_fleet_file_exits_2_naming_the_value_and_saves_no_plan(cli, asked, tmp_path, row, problem):
    (tmp_path / "fleet.csv").write_text(f"depot,vehicle,owned,hire,hire_hours\n{row}\n", encoding="utf-8")
    done = cli(*with_db(asked, "dispatch", "plan", "--fleet", str(tmp_path / "fleet.csv")))
    assert (done.code, done.stdout) == (2, "")
    assert done.errors() == ["error: fleet.csv: 1 bad row(s) (--fleet)"]
    assert any(line.strip().startswith(f"fleet.csv {problem}") for line in done.stderr.splitlines()), done.stderr
    assert cli(*with_db(asked, "dispatch", "list", "--json")).json() == []


# --- teams by skill and size --------------------------------------------------------------------------------------

TINY_TEAM_NAMES = ("distribution, first-aid, medical, psych, psychosocial, relief, rescue, search-rescue, shelter")


@pytest.mark.parametrize("value, message", [
    ("bogus=1", f"error: --team 'bogus' is not a team kind or skill of this region; allowed: {TINY_TEAM_NAMES}"),
    ("search-rescue=3x", "error: --team 'search-rescue=3x': give a number of teams (medical=1), of people "
                         "(search-rescue=30p) or both (search-rescue=2+30p), each a whole number from 1 (at most "
                         "10,000 teams and 50,000,000 people)"),
])
def test_a_bad_team_request_exits_2_with_one_message_and_records_nothing(cli, stocked, value, message):
    done = cli(*with_db(stocked, "incident", "add", "x", "--lon", "110.5", "--lat", "40.5", "--team", value))
    assert (done.code, done.stdout, done.errors()) == (2, "", [message])
    assert rows_in(stocked) == {"incidents": 0, "plans": 0}


def test_an_import_with_an_unknown_skill_exits_2_naming_the_line_and_records_nothing(cli, stocked, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text("name,lon,lat,teams\nok,110.5,40.5,relief=1;search-rescue=30p\nbad,110.5,40.5,divers=2\n",
                    encoding="utf-8")
    done = cli(*with_db(stocked, "incident", "import", str(path)))
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        "error: 1 bad incident row(s); nothing was recorded",
        f"  line 3: team 'divers' is not a team kind or skill of this region; allowed: {TINY_TEAM_NAMES}"]
    assert rows_in(stocked) == {"incidents": 0, "plans": 0}


def test_a_headcount_request_is_shown_planned_and_its_shortfall_told_in_people(cli, stocked):
    added = cli(*with_db(stocked, "incident", "add", "丙旗 snow", "--lon", "112.5", "--lat", "40.5",
                         "--team", "relief=40p", "--team", "medical=1"))
    assert added.code == 0, added.stderr
    assert "teams: medical=1, relief=40p" in added.stdout
    listed = cli(*with_db(stocked, "incident", "list", "--json")).json()
    assert listed[0]["teams"] == [{"kind": "medical", "count": 1, "people": 0},
                                  {"kind": "relief", "count": 0, "people": 40}]
    made = cli(*with_db(stocked, "dispatch", "plan", "--start", "2026-11-22T08:00"))
    assert made.code == 0, made.stderr
    assert flat("┃ team ┃ kind ┃ members ┃ covers ┃") in flat(made.stdout)
    assert flat("│ T01 │ relief │ 30 │ relief │ 1 │") in flat(made.stdout)
    assert "  incident 1: 10 of 40 relief people not covered" in made.stdout.splitlines()
    doc = cli(*with_db(stocked, "dispatch", "show", "1", "--json")).json()
    assert [(t["team"], t["members"], t["request"]) for t in doc["teams"]] == [("T01", 30, "relief"),
                                                                              ("T02", 20, "medical")]
    assert doc["teams_unmet"] == [{"incident": 1, "kind": "relief", "count": 0, "people": 10}]
    assert (doc["totals"]["team_requests_uncovered"], doc["totals"]["team_people_uncovered"]) == (1, 10)
