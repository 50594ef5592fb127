"""The plan document, the method switch and the renderers, with no database at all.

Two depots and two incidents on a line at 40N; the document is built from the core's
result, and every renderer writes its files from the document and the places alone:
any attempt to open a database makes these tests fail.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime

import pytest

from relief.errors import InvalidInput
from relief.routing.core import document as documents
from relief.routing.core.methods import solve
from relief.routing.core.problem import DispatchProblem
from relief.routing.core.results import Method, PlanStatus, Shipment, SolveStatus, TeamShortfall
from relief.routing.drills import metrics
from relief.routing.drills.run import DrillReport, as_json
from relief.routing.outputs.places import Places
from tests.unit import truck_plan

PLAN_KEYS = {"plan_id", "status", "method", "created_at", "start", "params", "shipments", "teams", "unmet",
             "teams_unmet", "incidents", "totals", "solver", "trucks"}
START = datetime(2026, 11, 22, 8, 0)


@pytest.fixture
def two_incidents() -> DispatchProblem:
    """Six tents at D1 (110.5E) and two at D2 (112.5E); incident 1 (priority 1) near D1
    needs 5 tents and a relief team, incident 2 near D2 needs 4 tents (``truck_plan.problem``)."""
    return truck_plan.problem()


@pytest.fixture
def places() -> Places:
    """The depots, team, item and three county squares of ``two_incidents``."""
    return truck_plan.places()


@pytest.fixture
def no_database(monkeypatch):
    """Make every way of opening a database fail loudly."""
    import sqlalchemy
    import sqlmodel

    from relief.depot import db

    def refuse(*args, **kwargs):
        raise AssertionError("a renderer tried to open a database")
    for name in ("session", "write", "get_engine"):
        if hasattr(db, name):
            monkeypatch.setattr(db, name, refuse)
    monkeypatch.setattr(sqlalchemy, "create_engine", refuse)
    monkeypatch.setattr(sqlmodel, "create_engine", refuse)


def test_the_method_switch_runs_the_optimizer_or_the_rule_of_thumb(two_incidents):
    best, rule = solve(two_incidents, Method.OPTIMAL), solve(two_incidents, "greedy")
    assert (best.solver.status, rule.solver.status) == (SolveStatus.OPTIMAL, SolveStatus.HEURISTIC)
    assert sum(s.qty for s in best.shipments) == sum(s.qty for s in rule.shipments) == 8
    with pytest.raises(InvalidInput, match="^method must be one of optimal, greedy; got 'fastest'$") as caught:
        solve(two_incidents, "fastest")
    assert caught.value.option == "method"


def test_a_document_is_built_from_a_result_with_the_documented_keys(two_incidents):
    doc = documents.build(two_incidents, solve(two_incidents), Method.OPTIMAL, PlanStatus.DRAFT, created_at=START)
    data = documents.as_json(doc)
    assert set(data) == PLAN_KEYS and data["plan_id"] is None
    assert (data["status"], data["method"], data["solver"]["status"]) == ("draft", "optimal", "optimal")
    assert json.loads(json.dumps(data)) == data, "plain JSON data: enums are their values"
    assert {(s["depot"], s["incident"], s["qty"]) for s in data["shipments"]} == {("D1", 1, 5), ("D1", 2, 1),
                                                                                   ("D2", 2, 2)}
    assert [(t["team"], t["incident"]) for t in data["teams"]] == [("T01", 1)]
    assert data["unmet"] == [{"incident": 2, "item": "TENT", "qty": 1}]
    assert [(r["id"], r["fill"], r["unmet_items"]) for r in data["incidents"]] == [(1, 1.0, []), (2, 0.75, ["TENT"])]
    assert (data["totals"]["need_units"], data["totals"]["shipped_units"]) == (9, 8)
    assert data["start"] == "2026-11-22T08:00" and data["params"]["nearest"] is None


def test_a_document_survives_its_json_unchanged(two_incidents):
    doc = documents.build(two_incidents, solve(two_incidents, Method.GREEDY), Method.GREEDY, PlanStatus.DRAFT,
                          created_at=START).with_(plan_id=7)
    again = documents.from_json(json.loads(json.dumps(documents.as_json(doc))))
    assert again == doc and again.solver.status is SolveStatus.HEURISTIC and again.method is Method.GREEDY
    assert isinstance(again.shipments[0], Shipment)


def test_a_plan_saved_before_teams_had_headcounts_still_loads(two_incidents):
    doc = documents.build(two_incidents, solve(two_incidents), Method.OPTIMAL, PlanStatus.DRAFT, created_at=START)
    data = json.loads(json.dumps(documents.as_json(doc)))
    assert [(t["team"], t["members"], t["request"]) for t in data["teams"]] == [("T01", 0, "relief")]
    for trip in data["teams"]:
        del trip["members"], trip["request"]
    data["teams_unmet"] = [{"incident": 2, "kind": "medical", "count": 1}]
    del data["totals"]["team_people_uncovered"]
    old = documents.from_json(data)
    assert [(t.team, t.members, t.request) for t in old.teams] == [("T01", 0, "")]
    assert old.teams_unmet == (TeamShortfall(2, "medical", 1, 0),) and old.totals.team_people_uncovered == 0


def test_a_drill_plan_is_the_same_document_with_the_drill_status(two_incidents):
    result = solve(two_incidents)
    drill = documents.build(two_incidents, result, Method.OPTIMAL, PlanStatus.DRILL)
    draft = documents.build(two_incidents, result, Method.OPTIMAL, PlanStatus.DRAFT, created_at=START)
    assert drill.with_(status=PlanStatus.DRAFT, created_at=draft.created_at) == draft


def test_plan_renderers_write_every_format_from_the_document_alone(two_incidents, places, no_database, tmp_path):
    from relief.routing.outputs.export import FORMATS, export

    doc = documents.build(two_incidents, solve(two_incidents), Method.OPTIMAL, PlanStatus.DRAFT,
                          created_at=START).with_(plan_id=3)
    paths = {fmt: export(doc, places, fmt, str(tmp_path / f"plan.{fmt}")) for fmt in FORMATS}
    with open(paths["csv"], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["waybill"], r["depot_name"], r["incident_name"], r["qty"], r["weight_kg"]) for r in rows] == [
        ("WB-3-D1-1", "north depot", "north", "5", "200.0"), ("WB-3-D1-2", "north depot", "east", "1", "40.0"),
        ("WB-3-D2-2", "east depot", "east", "2", "80.0")]
    features = json.loads((tmp_path / "plan.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["kind"] for f in features].count("team") == 1
    assert (tmp_path / "plan.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "plan.xlsx").stat().st_size > 0


def test_a_drill_report_is_written_from_the_report_alone(two_incidents, places, no_database, tmp_path):
    from relief.routing.outputs.drill_report import write_run

    result = solve(two_incidents)
    report = DrillReport({"name": "square", "start": "2026-11-22T08:00", "description": "",
                          "hazard": {"type": "incidents"}},
                         [{"county": "990101", "name": "west", "intensity": None, "population": 1000, "displaced": 200}],
                         [], [{"item": "TENT", "qty": 9}],
                         documents.build(two_incidents, result, Method.OPTIMAL, PlanStatus.DRILL),
                         metrics.drill_metrics(two_incidents, result), [])
    written = write_run(report, places, str(tmp_path / "out"))
    assert sorted(p.rsplit("/", 1)[1] for p in written) == ["chart.png", "drill.json", "map.png", "report.md"]
    assert json.loads((tmp_path / "out" / "drill.json").read_text(encoding="utf-8")) == as_json(report)
    assert "| 2 east | 990201 | 3 | 100 | 75% |" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
