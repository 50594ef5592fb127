"""Teams on SQLite and PostgreSQL: a coordinator brings a team back; teams by skill and size
(speeds and mobilisation read by init, headcount requests planned and committed, unknown
skills refused) and revision 0005, which brought them."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlmodel import select

from relief.depot import catalog, db, migrate, region, schema
from relief.depot.models import IncidentTeam, PlanTeam, Team
from relief.errors import InvalidFile, InvalidInput, InvalidQuantity, NothingToPlan, Problem, StalePlan
from relief.routing.core.document import as_json
from relief.routing.dispatch import incidents, planning, plans


def status_of(url: str, code: str) -> str:
    with db.session(url) as s:
        return s.exec(select(Team.status).where(Team.code == code)).one()


def test_a_deployed_team_can_be_marked_ready_again(tiny_db):
    catalog.set_team_status(tiny_db, "T01", "deployed")
    assert status_of(tiny_db, "T01") == "deployed"
    row = catalog.set_team_status(tiny_db, "t01", "ready")
    assert row["status"] == "ready" and status_of(tiny_db, "T01") == "ready"


def test_an_unknown_team_or_status_is_refused_and_nothing_changes(tiny_db):
    with pytest.raises(InvalidInput, match="unknown team 'T99'"):
        catalog.set_team_status(tiny_db, "T99", "ready")
    with pytest.raises(InvalidInput, match="ready, deployed, resting"):
        catalog.set_team_status(tiny_db, "T01", "asleep")
    assert status_of(tiny_db, "T01") == "ready"


# --- teams by skill and size --------------------------------------------------------------------------------------

START = datetime(2026, 11, 22, 8, 0)
SKILLED_TEAMS = """code,name,kind,base,lon,lat,members,vehicles,skills,speed_kmh,mobilise_min,status
T01,甲市赈济队,relief,R99,110.5,40.5,30,5,shelter;distribution;search-rescue,70,60,ready
T02,甲市医疗队,medical,R99,110.5,40.5,20,3,first-aid,70,60,ready
T03,乙县救援队,relief,C990102,111.5,40.5,25,4,distribution;first-aid;search-rescue,60,120,ready
"""


@pytest.fixture
def skilled(db_url, tiny_region, tmp_path, today) -> str:
    """The tiny region with three teams that list speeds and mobilisation, two of them rescuers."""
    folder = tmp_path / "skilled"
    shutil.copytree(tiny_region, folder)
    (folder / "teams.csv").write_text(SKILLED_TEAMS, encoding="utf-8")
    region.init(db_url, str(folder), sample_stock=False, today=today)
    return db_url


def plan(url: str, today: date) -> dict:
    return as_json(planning.plan(url, today=today, start=START))


def trips(doc: dict) -> list[tuple[str, int, str, int]]:
    return sorted((t["team"], t["incident"], t["request"], t["members"]) for t in doc["teams"])


def rows(url: str, model) -> list:
    with db.session(url) as s:
        return list(s.exec(select(model)))


def test_init_reads_each_teams_speed_and_mobilisation(skilled):
    assert {(t.code, t.speed_kmh, t.mobilise_min) for t in rows(skilled, Team)} == {
        ("T01", 70.0, 60), ("T02", 70.0, 60), ("T03", 60.0, 120)}


def test_a_teams_csv_without_speeds_leaves_them_to_the_plan(tiny_db):
    assert {(t.code, t.speed_kmh, t.mobilise_min) for t in rows(tiny_db, Team)} == {
        ("T01", None, None), ("T02", None, None)}


def test_a_bad_speed_or_mobilisation_in_teams_csv_is_refused_naming_the_line(db_url, tiny_region, tmp_path, today):
    folder = tmp_path / "bad"
    shutil.copytree(tiny_region, folder)
    (folder / "teams.csv").write_text(SKILLED_TEAMS.replace(",70,60,ready", ",fast,60,ready", 1)
                                      .replace(",60,120,ready", ",300,99999,ready"), encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        region.init(db_url, str(folder), sample_stock=False, today=today)
    assert [(p.where, p.field) for p in caught.value.problems] == [
        ("teams.csv line 2", "speed_kmh"), ("teams.csv line 4", "speed_kmh"), ("teams.csv line 4", "mobilise_min")]
    assert "speed_kmh 'fast' is not a valid number" in caught.value.problems[0].message


def test_two_teams_are_combined_for_a_headcount_and_a_committed_plan_counts_their_people(skilled, today):
    incidents.add(skilled, "乙县 collapse", 111.5, 40.5, priority=2, team=["search-rescue=50p"], today=today)
    first = plan(skilled, today)
    assert trips(first) == [("T01", 1, "search-rescue", 30), ("T02", 1, "medical", 20),
                            ("T03", 1, "search-rescue", 25)]
    assert first["teams_unmet"] == [] and first["solver"]["status"] == "optimal"
    plans.commit(skilled, first["plan_id"], actor="planner", today=today)
    assert {(t.team, t.request) for t in rows(skilled, PlanTeam)} == {
        ("T01", "search-rescue"), ("T02", "medical"), ("T03", "search-rescue")}
    incidents.add(skilled, "甲区 fire", 110.5, 40.5, team=["search-rescue=10p"], today=today)
    with pytest.raises(NothingToPlan):  # every team is deployed, but incident 1 asks for nothing more
        planning.plan(skilled, today=today, start=START, incident_ids=[1])
    second = plan(skilled, today)
    assert second["teams"] == [] and second["teams_unmet"] == [
        {"incident": 2, "kind": "search-rescue", "count": 0, "people": 10}]


def test_a_medical_request_is_covered_by_a_relief_team_with_first_aid_when_the_medical_team_is_away(skilled, today):
    catalog.set_team_status(skilled, "T02", "deployed")
    incidents.add(skilled, "乙县 flood", 111.5, 40.5, team=["medical=1"], today=today)
    assert trips(plan(skilled, today)) == [("T03", 1, "medical", 25)]


def test_a_team_request_for_an_unknown_skill_is_refused_and_nothing_is_written(skilled, today, tmp_path):
    with pytest.raises(InvalidInput) as caught:
        incidents.add(skilled, "x", 110.5, 40.5, team=["bogus=1"], today=today)
    assert str(caught.value) == ("team 'bogus' is not a team kind or skill of this region; allowed: distribution, "
                                 "first-aid, medical, psych, psychosocial, relief, rescue, search-rescue, shelter")
    with pytest.raises(InvalidQuantity, match="^team 'search-rescue=3x': give a number of teams"):
        incidents.add(skilled, "x", 110.5, 40.5, team=["search-rescue=3x"], today=today)
    path = tmp_path / "incidents.csv"
    path.write_text("name,lon,lat,teams\nok,110.5,40.5,relief=1\nbad,110.5,40.5,medical=1;divers=2p\n",
                    encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        incidents.import_file(skilled, str(path), today=today)
    assert [(p.where, p.message.split(";")[0]) for p in caught.value.problems] == [
        ("line 3", "team 'divers' is not a team kind or skill of this region")]
    assert incidents.listing(skilled) == [] and rows(skilled, IncidentTeam) == []


def test_a_plan_committed_since_covers_the_headcount_so_a_later_plan_for_it_is_stale(skilled, today):
    incidents.add(skilled, "乙县 collapse", 111.5, 40.5, team=["search-rescue=20p"], today=today)
    first, second = plan(skilled, today), plan(skilled, today)
    assert trips(first) == trips(second) == [("T03", 1, "search-rescue", 25)]
    plans.commit(skilled, first["plan_id"], actor="planner", today=today)
    with pytest.raises(StalePlan) as caught:
        plans.commit(skilled, second["plan_id"], actor="planner", today=today)
    assert Problem("incident 1", "search-rescue", "asks for 20 people (search-rescue); committed plans already "
                   "send 1 team(s) with 25 people and this plan 1 with 25") in caught.value.problems


# --- revision 0005 ------------------------------------------------------------------------------------------------

def _back_to_revision_4(url: str) -> None:
    with db.get_engine(url).begin() as conn:
        command.downgrade(migrate.config(conn), "0004")
    db.dispose(url)


def test_upgrading_to_revision_5_keeps_team_requests_and_plans_and_reads_old_requests_as_before(tiny_db, today):
    incidents.add(tiny_db, "甲区 fire", 110.5, 40.5, priority=2, team=["relief=1", "medical=1"], today=today)
    drafted = plan(tiny_db, today)
    plans.commit(tiny_db, drafted["plan_id"], actor="planner", today=today)
    before = {(t.incident, t.kind, t.count) for t in rows(tiny_db, IncidentTeam)}
    sent = {(t.plan, t.team, t.incident, t.km, t.minutes) for t in rows(tiny_db, PlanTeam)}
    _back_to_revision_4(tiny_db)
    columns = {c["name"] for c in inspect(db.get_engine(tiny_db)).get_columns("incidentteam")}
    assert "people" not in columns
    assert migrate.upgrade(tiny_db) == f"upgraded from 4 to {schema.label(schema.HEAD)}"
    assert {(t.incident, t.kind, t.count, t.people) for t in rows(tiny_db, IncidentTeam)} == {
        (i, k, c, 0) for i, k, c in before}
    assert {(t.plan, t.team, t.incident, t.km, t.minutes) for t in rows(tiny_db, PlanTeam)} == sent
    assert {(t.team, t.request) for t in rows(tiny_db, PlanTeam)} == {("T01", "relief"), ("T02", "medical")}, \
        "a team planned before covered the request of its own kind"
    assert {(t.speed_kmh, t.mobilise_min) for t in rows(tiny_db, Team)} == {(None, None)}, "an own region's teams"
    with pytest.raises(NothingToPlan):  # the committed plan still covers both requests
        planning.plan(tiny_db, today=today, start=START)


def test_upgrading_a_built_in_regions_database_gives_its_teams_their_speeds(db_url, today):
    region.init(db_url, "zhaoqing", sample_stock=False, today=today)
    fresh = {(t.code, t.speed_kmh, t.mobilise_min) for t in rows(db_url, Team)}
    _back_to_revision_4(db_url)
    migrate.upgrade(db_url)
    assert {(t.code, t.speed_kmh, t.mobilise_min) for t in rows(db_url, Team)} == fresh
    assert ("T01", 60.0, 60) in fresh and ("T03", 70.0, 120) in fresh
