"""Incidents and dispatch plans against a real database (SQLite and PostgreSQL).

The tiny region: counties 990101 (110-111E), 990102 (111-112E) and 990201 (112-113E),
all 40-41N; depots R99 (region, in 990101), C990102 and C990201; teams T01 (relief) and
T02 (medical) at R99. Its need norms are the shared ``data/needs.csv``, whose items the
tiny catalogue partly lacks: derived needs keep only TENT, QUILT, WATER and FOOD.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlmodel import select

from relief.depot import catalog, db, keeper, reports
from relief.errors import InvalidFile, InvalidInput, Problem, UnknownItem
from relief.depot.models import Team
from relief.routing.core.document import as_json
from relief.routing.core.results import PlanStatus
from relief.routing.dispatch import planning as dispatch
from relief.routing.dispatch import incidents
from relief.routing.dispatch import plans
from relief.errors import (
    InvalidCoordinates,
    InvalidTravelTable,
    NothingToPlan,
    OutsideRegion,
    PlanState,
    StalePlan,
    UnknownIncident,
    UnknownPlan,
)

START = datetime(2026, 11, 22, 8, 0)
MEDICAL_TEAM = {"kind": "medical", "count": 1, "people": 0}  # a team request as incident list shows it
RELIEF_TEAM = {"kind": "relief", "count": 1, "people": 0}
LAST_MONTH = date(2026, 10, 1)


def plan(url: str, today: date, **options) -> dict:
    """A draft plan leaving at 08:00 today, as JSON data (what ``--json`` prints)."""
    return as_json(dispatch.plan(url, today=today, start=START, **options))


def books(url: str, today: date) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(on hand, reserved) per depot, item and lot, as ``relief stock show`` reports them."""
    with db.session(url) as s:
        return {(r["depot"], r["item"], r["lot"]): (r["on_hand"], r["reserved"]) for r in reports.stock(s, today=today)}


def verified(url: str) -> bool:
    with db.session(url) as s:
        return reports.verify(s)["ok"]


def team_status(url: str) -> dict[str, str]:
    with db.session(url) as s:
        return {t.code: t.status for t in s.exec(select(Team))}


def sent(doc: dict) -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = {}
    for line in doc["shipments"]:
        out[(line["incident"], line["item"])] = out.get((line["incident"], line["item"]), 0) + line["qty"]
    return out


@pytest.fixture
def ten_tents(tiny_db, today) -> str:
    """Ten tents at R99, and nothing else."""
    keeper.receive(tiny_db, "R99", "TENT", 10, actor="keeper", today=today)
    return tiny_db


@pytest.fixture
def tents_asked_far_east(ten_tents, today) -> str:
    """Ten tents at R99 and incident 1 in 990201 asking for 4 tents and a relief team."""
    incidents.add(ten_tents, "丙旗 snow", 112.5, 40.5, priority=3, need=["TENT=4"], team=["relief=1"], today=today)
    return ten_tents


@pytest.fixture
def drafted(tents_asked_far_east, today) -> tuple[str, dict]:
    """The situation of ``tents_asked_far_east`` with a draft plan for it."""
    return tents_asked_far_east, plan(tents_asked_far_east, today)


# --- incidents ----------------------------------------------------------------------------------------------------


def test_an_incident_is_placed_in_the_county_holding_its_point(tiny_db, today):
    row = incidents.add(tiny_db, "乙县 flood", "111.5", "40.2", priority="2", need=["tent=5"], team=["relief=1"],
                        today=today)
    assert (row["county"], row["county_name"], row["priority"], row["status"]) == ("990102", "乙县", 2, "open")
    assert row["needs"] == [{"item": "TENT", "qty": 5}]
    assert row["teams"] == [MEDICAL_TEAM, RELIEF_TEAM], "priority 2 also asks for a medical team"
    assert incidents.listing(tiny_db) == [row]


def test_a_point_outside_the_region_is_refused_and_nothing_is_written(tiny_db, today):
    with pytest.raises(OutsideRegion, match=r"about 85 km from 丙旗 990201"):
        incidents.add(tiny_db, "beyond", 114.0, 40.5, need=["TENT=1"], today=today)
    with pytest.raises(InvalidCoordinates, match="latitude must be a number between -90 and 90 degrees, got '95'"):
        incidents.add(tiny_db, "nowhere", "110.5", "95", today=today)
    assert incidents.listing(tiny_db) == []


def test_a_need_for_an_unknown_item_is_refused_and_nothing_is_written(tiny_db, today):
    with pytest.raises(UnknownItem, match="^need names unknown item 'CTENT12'$") as caught:
        incidents.add(tiny_db, "甲区 fire", 110.5, 40.5, need=["TENT=2", "CTENT12=3"], today=today)
    assert (caught.value.option, caught.value.hint) == ("need", "items")
    assert incidents.listing(tiny_db) == []


def test_needs_and_teams_not_given_are_derived_from_people_priority_and_season(tiny_db, today):
    winter = incidents.add(tiny_db, "winter", 110.5, 40.5, people=300, priority=2, need=["WATER=5"], today=today)
    summer = incidents.add(tiny_db, "summer", 110.5, 40.5, people=300, priority=3, today=date(2026, 7, 1))
    assert winter["needs"] == [{"item": "FOOD", "qty": 225}, {"item": "QUILT", "qty": 300},
                               {"item": "WATER", "qty": 5}]
    assert winter["teams"] == [MEDICAL_TEAM, RELIEF_TEAM]
    assert summer["needs"] == [{"item": "FOOD", "qty": 225}, {"item": "WATER", "qty": 210}]
    assert summer["teams"] == [RELIEF_TEAM]


def test_an_import_registers_every_row_of_a_csv_file(tiny_db, today, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text("name,lon,lat,people,priority,needs,teams\n"
                    "甲区 flood,110.5,40.5,0,1,TENT=3;WATER=10,relief=1\n"
                    "丙旗 snow,112.5,40.7,30,,,\n", encoding="utf-8")
    rows = incidents.import_file(tiny_db, str(path), today=today)
    assert [(r["id"], r["county"], r["priority"]) for r in rows] == [(1, "990101", 1), (2, "990201", 3)]
    assert rows[0]["needs"] == [{"item": "TENT", "qty": 3}, {"item": "WATER", "qty": 10}]
    assert rows[0]["teams"] == [MEDICAL_TEAM, {"kind": "psych", "count": 1, "people": 0}, RELIEF_TEAM,
                                {"kind": "search-rescue", "count": 0, "people": 30}], "a level I response"
    assert rows[1]["needs"] == [{"item": "FOOD", "qty": 23}, {"item": "QUILT", "qty": 30}, {"item": "WATER", "qty": 21}]
    assert incidents.listing(tiny_db) == rows


def test_an_import_registers_every_point_of_a_geojson_file(tiny_db, today, tmp_path):
    path = tmp_path / "incidents.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [111.5, 40.5]},
         "properties": {"name": "乙县 quake", "priority": 2, "needs": {"TENT": 6}, "teams": "relief=1"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [110.2, 40.9]},
         "properties": {"name": "甲区 hail", "needs": "QUILT=4"}},
    ]}, ensure_ascii=False), encoding="utf-8")
    rows = incidents.import_file(tiny_db, str(path), today=today)
    assert [(r["name"], r["county"], r["needs"]) for r in rows] == [
        ("乙县 quake", "990102", [{"item": "TENT", "qty": 6}]), ("甲区 hail", "990101", [{"item": "QUILT", "qty": 4}])]
    assert rows[0]["teams"] == [MEDICAL_TEAM, RELIEF_TEAM]


def test_an_import_with_bad_rows_records_nothing_and_names_each_line(tiny_db, today, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text("name,lon,lat,people,priority,needs,teams\n"
                    "good,110.5,40.5,0,3,TENT=1,\n"
                    "beyond,114.0,40.5,0,3,TENT=1,\n"
                    "typo,110.5,40.5,0,3,TNET=1,\n"
                    "urgent,110.5,40.5,0,9,TENT=1,\n"
                    "doctors,110.5,40.5,0,3,,doctor=1\n", encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        incidents.import_file(tiny_db, str(path), today=today)
    assert str(caught.value) == "4 bad incident row(s); nothing was recorded"
    assert [p.where for p in caught.value.problems] == ["line 3", "line 4", "line 5", "line 6"]
    assert "outside the region" in caught.value.problems[0].message
    assert "unknown item 'TNET'" in caught.value.problems[1].message
    assert "priority must be 1, 2, 3 or 4" in caught.value.problems[2].message
    assert caught.value.problems[3].message == (
        "team 'doctor' is not a team kind or skill of this region; allowed: distribution, first-aid, medical, psych, "
        "psychosocial, relief, rescue, search-rescue, shelter")
    geo = tmp_path / "incidents.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [110.5, 40.5]}, "properties": {"name": "ok"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}, "properties": {"name": "area"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [110.5, 40.5]}, "properties": {"priority": 0}},
    ]}), encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        incidents.import_file(tiny_db, str(geo), today=today)
    assert [str(p) for p in caught.value.problems] == [
        "feature 2: geometry must be a Point (the incident's location), got 'Polygon'",
        "feature 3: priority must be 1, 2, 3 or 4 (1 is the most urgent, response level I); got 0"]
    assert incidents.listing(tiny_db) == []


def test_a_file_that_is_neither_csv_nor_geojson_is_refused(tiny_sqlite, today, tmp_path):
    path = tmp_path / "incidents.txt"
    path.write_text("name,lon,lat\n", encoding="utf-8")
    with pytest.raises(InvalidFile, match="unsupported file type .txt"):
        incidents.import_file(tiny_sqlite, str(path), today=today)
    (tmp_path / "short.csv").write_text("name,lon\nx,110\n", encoding="utf-8")
    with pytest.raises(InvalidFile, match="missing column\\(s\\) lat"):
        incidents.import_file(tiny_sqlite, str(tmp_path / "short.csv"), today=today)


def test_a_closed_incident_is_left_out_of_later_plans(tents_asked_far_east, today):
    url = tents_asked_far_east
    incidents.add(url, "甲区 hail", 110.5, 40.5, need=["TENT=2"], today=today)
    closed = incidents.close(url, 1)
    assert closed["status"] == "closed" and incidents.close(url, 1)["status"] == "closed"
    assert [r["id"] for r in incidents.listing(url, status="open")] == [2]
    doc = plan(url, today)
    assert [r["id"] for r in doc["incidents"]] == [2] and sent(doc) == {(2, "TENT"): 2}
    with pytest.raises(UnknownIncident, match="no open incident 1"):
        plan(url, today, incident_ids=[1])
    with pytest.raises(UnknownIncident, match="no incident 9"):
        incidents.close(url, 9)


# --- plans --------------------------------------------------------------------------------------------------------


def test_a_plan_is_saved_as_a_draft_with_the_documented_keys(drafted, today):
    url, doc = drafted
    assert {"plan_id", "status", "method", "params", "shipments", "teams", "unmet", "incidents", "totals",
            "solver"} <= set(doc)
    assert (doc["plan_id"], doc["status"], doc["method"]) == (1, "draft", "optimal")
    assert {"circuity", "speed", "max_hours"} <= set(doc["params"])
    assert (doc["params"]["circuity"], doc["params"]["speed"], doc["params"]["max_hours"]) == (1.3, 60.0, None)
    # the line arrives with its truck: the tiny region has no fleet, so R99 hires a 10 t lorry (2 h), loads it
    # (30 min, in place of the 30 min of handling) and drives 220 min
    assert doc["shipments"] == [{"depot": "R99", "incident": 1, "item": "TENT", "lot": "-", "qty": 4,
                                 "km": pytest.approx(219.8, abs=0.1), "minutes": 120 + 30 + 220}]
    assert [(t["vehicle"], t["depart_minutes"], t["stops"][0]["arrive_minutes"]) for t in doc["trucks"]] == [
        ("T10", 150, 370)]
    assert [{k: t[k] for k in ("team", "incident", "minutes")} for t in doc["teams"]] == [
        {"team": "T01", "incident": 1, "minutes": 280}]
    assert doc["unmet"] == []
    assert [{k: r[k] for k in ("id", "county", "fill", "first_arrival_minutes")} for r in doc["incidents"]] == [
        {"id": 1, "county": "990201", "fill": 1.0, "first_arrival_minutes": 370}]
    assert (doc["totals"]["shipped_units"], doc["totals"]["unmet_units"]) == (4, 0)
    assert {"status", "objective", "bound", "seconds"} <= set(doc["solver"]) and doc["solver"]["status"] == "optimal"
    assert as_json(plans.show(url, 1)) == doc
    assert [(r.plan_id, r.status, r.fill) for r in plans.listing(url)] == [(1, PlanStatus.DRAFT, 1.0)]
    assert books(url, today) == {("R99", "TENT", "-"): (10, 0)}, "a draft reserves nothing"
    assert team_status(url) == {"T01": "ready", "T02": "ready"}


def test_the_rule_of_thumb_plan_is_saved_the_same_way(tents_asked_far_east, today):
    doc = plan(tents_asked_far_east, today, method="greedy")
    assert (doc["method"], doc["solver"]["status"]) == ("greedy", "heuristic")
    assert sent(doc) == {(1, "TENT"): 4} and [t["team"] for t in doc["teams"]] == ["T01"]
    with pytest.raises(InvalidInput, match="^method must be one of optimal, greedy; got 'best'$") as caught:
        plan(tents_asked_far_east, today, method="best")
    assert caught.value.option == "method"


def test_committing_reserves_every_line_and_deploys_the_teams(drafted, today):
    url, doc = drafted
    committed = plans.commit(url, doc["plan_id"], actor="planner", today=today)
    assert committed.status == PlanStatus.COMMITTED == plans.show(url, doc["plan_id"]).status
    assert books(url, today) == {("R99", "TENT", "-"): (10, 4)}
    assert team_status(url) == {"T01": "deployed", "T02": "ready"}
    assert verified(url)


def test_a_plan_number_given_as_text_commits_ships_and_cancels_the_same_plan(drafted, today):
    url, doc = drafted  # as a form or a command line gives it: PostgreSQL compares no integer with text
    assert plans.commit(url, str(doc["plan_id"]), actor="planner", today=today).status == PlanStatus.COMMITTED
    assert plans.cancel(url, f" {doc['plan_id']} ", actor="planner", today=today).status == PlanStatus.CANCELLED
    assert books(url, today) == {("R99", "TENT", "-"): (10, 0)}


def test_a_plan_cannot_be_committed_twice_or_after_it_is_cancelled(drafted, today):
    url, doc = drafted
    plans.commit(url, 1, actor="planner", today=today)
    with pytest.raises(PlanState, match="cannot commit plan 1: it is committed; only a draft plan can be committed"):
        plans.commit(url, 1, actor="planner", today=today)
    assert books(url, today) == {("R99", "TENT", "-"): (10, 4)}
    plans.cancel(url, 1, actor="planner", today=today)
    with pytest.raises(PlanState, match="cannot commit plan 1: it is cancelled"):
        plans.commit(url, 1, actor="planner", today=today)
    assert books(url, today) == {("R99", "TENT", "-"): (10, 0)}


def test_a_plan_made_stale_by_an_issue_is_refused_whole_listing_its_lines(drafted, today):
    url, doc = drafted
    keeper.receive(url, "C990201", "WATER", 5, lot="W1", expires="2027-06-01", actor="keeper", today=today)
    incidents.add(url, "丙旗 water", 112.6, 40.6, need=["WATER=5"], today=today)
    stale = plan(url, today)
    keeper.issue(url, "R99", "TENT", 8, actor="keeper", today=today)
    with pytest.raises(StalePlan) as caught:
        plans.commit(url, stale["plan_id"], actor="planner", today=today)
    assert "nothing was committed - make a new plan" in str(caught.value)
    assert [str(p) for p in caught.value.problems] == [
        "4 TENT lot - from R99 to incident 1: cannot take 4 of TENT at R99 lot -: only 2 available"]
    assert books(url, today) == {("R99", "TENT", "-"): (2, 0), ("C990201", "WATER", "W1"): (5, 0)}, \
        "the water line that could be honoured is not reserved either"
    assert team_status(url) == {"T01": "ready", "T02": "ready"}
    assert plans.show(url, stale["plan_id"]).status == PlanStatus.DRAFT
    assert verified(url)


def test_a_plan_whose_team_was_deployed_meanwhile_is_stale(drafted, today):
    url, first = drafted
    second = plan(url, today)
    plans.commit(url, first["plan_id"], actor="planner", today=today)
    with pytest.raises(StalePlan) as caught:
        plans.commit(url, second["plan_id"], actor="planner", today=today)
    assert Problem("team T01", "status", "deployed, no longer ready") in caught.value.problems
    assert books(url, today) == {("R99", "TENT", "-"): (10, 4)}, "six tents were available for the second plan"


def test_two_drafts_for_one_incident_cannot_both_be_committed(drafted, today):
    url, first = drafted
    second = plan(url, today, method="greedy")
    plans.commit(url, first["plan_id"], actor="planner", today=today)
    with pytest.raises(StalePlan) as caught:
        plans.commit(url, second["plan_id"], actor="planner", today=today)
    assert Problem("incident 1", "TENT", "needs 4 TENT; committed plans already send 4 and this plan 4") \
        in caught.value.problems
    assert books(url, today) == {("R99", "TENT", "-"): (10, 4)}, "only the first plan's four tents are reserved"


def test_a_plan_for_a_closed_incident_is_stale(drafted, today):
    url, doc = drafted
    incidents.close(url, 1)
    with pytest.raises(StalePlan) as caught:
        plans.commit(url, doc["plan_id"], actor="planner", today=today)
    assert caught.value.problems == [Problem("incident 1", "status", "closed")]
    assert books(url, today) == {("R99", "TENT", "-"): (10, 0)}


def test_shipping_issues_the_reserved_stock(drafted, today):
    url, doc = drafted
    plans.commit(url, 1, actor="planner", today=today)
    shipped = plans.ship(url, 1, actor="planner", today=today)
    assert shipped.status == PlanStatus.SHIPPED
    assert books(url, today) == {("R99", "TENT", "-"): (6, 0)}
    assert team_status(url)["T01"] == "deployed"
    assert verified(url)
    with pytest.raises(PlanState, match="cannot ship plan 1: it is shipped"):
        plans.ship(url, 1, actor="planner", today=today)
    with pytest.raises(PlanState, match="cannot cancel plan 1: it is shipped"):
        plans.cancel(url, 1, actor="planner", today=today)


def test_cancelling_a_committed_plan_releases_its_stock_and_teams(drafted, today):
    url, _ = drafted
    plans.commit(url, 1, actor="planner", today=today)
    cancelled = plans.cancel(url, 1, actor="planner", today=today)
    assert cancelled.status == PlanStatus.CANCELLED
    assert books(url, today) == {("R99", "TENT", "-"): (10, 0)}
    assert team_status(url) == {"T01": "ready", "T02": "ready"}
    assert verified(url)
    again = plan(url, today)
    assert sent(again) == {(1, "TENT"): 4} and [t["team"] for t in again["teams"]] == ["T01"]


def test_a_draft_can_be_cancelled_but_not_shipped(drafted, today):
    url, _ = drafted
    with pytest.raises(PlanState, match="cannot ship plan 1: it is draft; only a committed plan can be shipped"):
        plans.ship(url, 1, actor="planner", today=today)
    assert plans.cancel(url, 1, actor="planner", today=today).status == PlanStatus.CANCELLED
    assert books(url, today) == {("R99", "TENT", "-"): (10, 0)}
    with pytest.raises(PlanState, match="cannot cancel plan 1: it is cancelled"):
        plans.cancel(url, 1, actor="planner", today=today)


def test_a_new_plan_keeps_what_committed_plans_send_and_their_teams(tiny_db, today):
    keeper.receive(tiny_db, "R99", "TENT", 10, actor="keeper", today=today)
    incidents.add(tiny_db, "丙旗 snow", 112.5, 40.5, need=["TENT=12"], team=["relief=1"], today=today)
    first = plan(tiny_db, today)
    assert sent(first) == {(1, "TENT"): 10} and first["unmet"] == [{"incident": 1, "item": "TENT", "qty": 2}]
    plans.commit(tiny_db, first["plan_id"], actor="planner", today=today)
    keeper.receive(tiny_db, "C990102", "TENT", 5, actor="keeper", today=today)
    incidents.add(tiny_db, "乙县 flood", 111.5, 40.5, need=["TENT=2"], team=["relief=1"], today=today)
    second = plan(tiny_db, today)
    assert sent(second) == {(1, "TENT"): 2, (2, "TENT"): 2}, "incident 1 gets only the 2 tents still missing"
    assert {line["depot"] for line in second["shipments"]} == {"C990102"}, "R99's tents are all reserved"
    assert second["teams"] == [], "T01 is deployed by the first plan"
    assert second["teams_unmet"] == [{"incident": 2, "kind": "relief", "count": 1, "people": 0}]
    plans.commit(tiny_db, second["plan_id"], actor="planner", today=today)
    assert books(tiny_db, today) == {("R99", "TENT", "-"): (10, 10), ("C990102", "TENT", "-"): (5, 4)}
    with pytest.raises(NothingToPlan, match="no open incident has an unmet need or team request"):
        plan(tiny_db, today, incident_ids=[1])


def test_expired_stock_and_stock_reserved_elsewhere_are_not_planned(tiny_db, today):
    keeper.receive(tiny_db, "R99", "WATER", 50, lot="OLD", expires="2026-11-01", actor="keeper", today=LAST_MONTH)
    keeper.receive(tiny_db, "R99", "WATER", 6, lot="NEW", expires="2027-06-01", actor="keeper", today=today)
    incidents.add(tiny_db, "甲区 drought", 110.6, 40.6, need=["WATER=10"], today=today)
    doc = plan(tiny_db, today)
    assert [(s["lot"], s["qty"]) for s in doc["shipments"]] == [("NEW", 6)]
    assert doc["unmet"] == [{"incident": 1, "item": "WATER", "qty": 4}]


def test_keeping_reserves_spares_the_region_floor_except_for_priority_1(ten_tents, today):
    incidents.add(ten_tents, "routine", 110.6, 40.6, priority=3, need=["TENT=3"], today=today)
    incidents.add(ten_tents, "level I", 112.5, 40.5, priority=1, need=["TENT=3"], today=today)
    doc = plan(ten_tents, today, keep_reserve=True)
    assert sent(doc) == {(2, "TENT"): 3}, "R99's ten tents are below its floor of 100"
    assert doc["params"]["keep_reserve"] is True
    assert sent(plan(ten_tents, today)) == {(1, "TENT"): 3, (2, "TENT"): 3}


def test_unknown_plan_and_incident_ids_are_refused(drafted, today):
    url, _ = drafted
    for action in (plans.commit, plans.ship, plans.cancel):
        with pytest.raises(UnknownPlan, match="^no dispatch plan 99$") as caught:
            action(url, 99, actor="planner", today=today)
        assert caught.value.hint == "plans"
    with pytest.raises(UnknownPlan):
        plans.show(url, 99)
    with pytest.raises(UnknownIncident, match="no open incident 7, 8"):
        plan(url, today, incident_ids=[1, 7, 8])


def test_a_measured_travel_time_replaces_the_estimate(tents_asked_far_east, today, tmp_path):
    table = tmp_path / "travel.csv"
    table.write_text("code,county,minutes\nR99,990201,95\nT01,990201,100\n", encoding="utf-8")
    doc = plan(tents_asked_far_east, today, travel_table=str(table))
    (truck,) = doc["trucks"]  # hired in 2 h and loaded in 30 min; its loading replaces the 30 min of handling
    assert [s["minutes"] for s in doc["shipments"]] == [truck["depart_minutes"] + 95 - 30] == [215]
    assert [t["minutes"] for t in doc["teams"]] == [100]
    assert doc["params"]["travel_table"] is True


def test_a_bad_travel_table_is_refused_listing_its_rows(tents_asked_far_east, today, tmp_path):
    table = tmp_path / "travel.csv"
    table.write_text("code,county,minutes\nR99,990201,95\nR77,990201,10\nC990102,150102,10\nT02,990101,-5\n",
                     encoding="utf-8")
    with pytest.raises(InvalidTravelTable) as caught:
        plan(tents_asked_far_east, today, travel_table=str(table))
    assert caught.value.problems == [Problem("line 3", "code", "unknown depot or team code 'R77'"),
                                     Problem("line 4", "county", "unknown county adcode '150102'"),
                                     Problem("line 5", "minutes", "minutes must be a whole number from 0 to 100,000, got '-5'")]
    assert plans.listing(tents_asked_far_east) == []


def test_a_committed_plan_for_an_incident_closed_since_cannot_be_shipped(drafted, today):
    url, doc = drafted
    plans.commit(url, doc["plan_id"], actor="planner", today=today)
    incidents.close(url, 1)
    with pytest.raises(StalePlan) as caught:
        plans.ship(url, doc["plan_id"], actor="planner", today=today)
    assert caught.value.problems == [Problem("incident 1", "status", "closed")]
    assert books(url, today) == {("R99", "TENT", "-"): (10, 4)}, "nothing was issued"


def test_cancelling_a_plan_leaves_deployed_a_team_that_a_later_plan_holds(drafted, today):
    url, doc = drafted
    plans.commit(url, doc["plan_id"], actor="planner", today=today)
    catalog.set_team_status(url, "T01", "ready")
    incidents.add(url, "second", "112.5", "40.5", priority="4", need=["quilt=1"], team=["relief=1"], today=today)
    later = plan(url, today, incident_ids=[2])
    assert [t["team"] for t in later["teams"]] == ["T01"]
    plans.commit(url, later["plan_id"], actor="planner", today=today)
    plans.cancel(url, doc["plan_id"], actor="planner", today=today)
    with db.session(url) as s:
        assert s.exec(select(Team.status).where(Team.code == "T01")).one() == "deployed"
