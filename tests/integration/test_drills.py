"""Drills against a real database (SQLite and PostgreSQL): the world changes of a scenario,
the report, batches, and a live database that is only ever read."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import SQLModel, select
from typer.testing import CliRunner

from relief.cli import main
from relief.depot import db, keeper, region
from relief.errors import InvalidInput
from relief.routing.drills import batch
from relief.routing.dispatch import planning as dispatch
from relief.routing.drills import run as drills
from relief.routing.dispatch import incidents
from relief.routing.drills import scenario
from relief.routing.drills.scenario import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "data" / "scenarios" / "chifeng-m6-winter.toml"
TIMING = ("seconds", "seconds_per_scenario", "workers")
METRICS = {"fill", "weighted_fill", "worst_fill", "within_12h", "within_24h", "unmet_by_item", "unmet_by_incident",
           "first_delivery", "teams", "teams_uncovered", "depots_emptied"}
SHIPMENT = {"depot", "incident", "item", "lot", "qty", "km", "minutes"}

# One tabletop incident in the tiny region's county 990102 (乙县, seat 111.5, 40.5); the
# depots are R99 (990101, 85 km west), C990102 (in the county) and C990201 (85 km east).
TABLETOP = """\
name = "{name}"
start = 2027-01-15T08:00:00+08:00
[hazard]
type = "incidents"
[[hazard.incidents]]
name = "乙县安置点"
lon = 111.5
lat = 40.5
people = {people}
priority = 2
needs = {{ {needs} }}
{world}"""


def tabletop(tmp_path: Path, world: str = "", *, people: int = 0, needs: str = "WATER = 10",
             name: str = "tabletop") -> str:
    """Write a tiny-region tabletop scenario with the given [world] lines; returns its path."""
    path = tmp_path / f"{name}.toml"
    path.write_text(TABLETOP.format(name=name, people=people, needs=needs,
                                    world=f"[world]\n{world}\n" if world else ""), encoding="utf-8")
    return str(path)


def earthquake(tmp_path: Path, lon: float, lat: float, magnitude: float = 6.0) -> str:
    """Write an earthquake scenario; returns its path."""
    path = tmp_path / "quake.toml"
    path.write_text(f'name = "quake"\nstart = 2027-01-15T08:00:00\n[hazard]\ntype = "earthquake"\n'
                    f"lon = {lon}\nlat = {lat}\nmagnitude = {magnitude}\n", encoding="utf-8")
    return str(path)


def drill(url: str, path: str, **options) -> dict:
    """One drill's report as JSON data (what ``relief drill run --json`` prints)."""
    return drills.as_json(drills.run(url, path, **options))


def shipments_from(report: dict) -> set[str]:
    """The depots a drill plan ships from."""
    return {line["depot"] for line in report["plan"]["shipments"]}


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with db.session(url) as s:
        return {table.name: [tuple(row) for row in s.execute(select(table).order_by(*table.primary_key.columns))]
                for table in SQLModel.metadata.sorted_tables}


def file_digests(url: str) -> dict[str, str]:
    """sha256 of a SQLite database file and its write-ahead log (after closing every connection)."""
    db.dispose(url)
    path = Path(db.describe(url))
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (path, path.with_name(path.name + "-wal")) if p.exists()}


@pytest.fixture
def water_in_two_depots(tiny_db, today) -> str:
    """The tiny region with 100 cases of water at R99 and 100 at C990102."""
    for depot in ("R99", "C990102"):
        keeper.receive(tiny_db, depot, "WATER", 100, lot="W27", expires="2027-12-31", actor="keeper", today=today)
    return tiny_db


@pytest.fixture
def water_at_r99(tiny_db, today) -> str:
    """The tiny region with 100 cases of water at R99 only."""
    keeper.receive(tiny_db, "R99", "WATER", 100, lot="W27", expires="2027-12-31", actor="keeper", today=today)
    return tiny_db


@pytest.fixture
def inner_mongolia(db_url, today) -> str:
    """The default region with its opening stock, one live incident and its draft plan."""
    region.init(db_url, "inner-mongolia", today=today)
    incidents.add(db_url, "红山区安置点", 118.96, 42.27, people=500, priority=2, today=today)
    dispatch.plan(db_url, today=today, start=datetime(2026, 11, 22, 9, 0))
    return db_url


# the world of the scenario

def test_a_closed_depot_ships_nothing_and_is_never_asked_to_restock(water_in_two_depots, tmp_path, today):
    assert shipments_from(drill(water_in_two_depots, tabletop(tmp_path, name="open"), today=today)) == {"C990102"}
    path = tabletop(tmp_path, 'depots_closed = ["C990102"]', needs="WATER = 150")
    report = drill(water_in_two_depots, path, today=today)
    assert shipments_from(report) == {"R99"}
    assert report["metrics"]["unmet_by_item"] == [{"item": "WATER", "qty": 50}]
    assert report["restock"] and "C990102" not in {row["depot"] for row in report["restock"]}


def test_a_damaged_depot_has_less_available_stock(water_at_r99, tmp_path, today):
    path = tabletop(tmp_path, 'depots_damaged = [{ depot = "R99", loss = 0.33 }]', needs="WATER = 80")
    base = drills.base_problem(water_at_r99, scenario.load(path), today=today)
    assert [(lot.depot, lot.item, lot.qty) for lot in base.lots] == [("R99", "WATER", 67)]
    report = drill(water_at_r99, path, today=today)
    assert sum(line["qty"] for line in report["plan"]["shipments"]) == 67
    assert report["metrics"]["unmet_by_item"] == [{"item": "WATER", "qty": 13}]


def test_an_unavailable_team_is_not_sent(water_at_r99, tmp_path, today):
    sent = drill(water_at_r99, tabletop(tmp_path, name="all"), today=today)["metrics"]
    assert [(t["team"], t["kind"]) for t in sent["teams"]] == [("T02", "medical")]
    away = drill(water_at_r99, tabletop(tmp_path, 'teams_unavailable = ["t02"]'), today=today)["metrics"]
    assert away["teams"] == []
    assert [(u["kind"], u["count"]) for u in away["teams_uncovered"]] == [("medical", 1)]


def test_a_cut_road_is_not_used(water_in_two_depots, tmp_path, today):
    assert shipments_from(drill(water_in_two_depots, tabletop(tmp_path, name="open"), today=today)) == {"C990102"}
    report = drill(water_in_two_depots, tabletop(tmp_path, 'roads_cut = [["C990102", "990102"]]'),
                        today=today)
    assert shipments_from(report) == {"R99"}
    assert report["metrics"]["fill"] == 1.0


def test_a_slowed_county_gets_later_first_deliveries(water_at_r99, tmp_path, today):
    def first_delivery(path: str) -> int:
        (first,) = drill(water_at_r99, path, today=today)["metrics"]["first_delivery"]
        return first["minutes"]

    normal = first_delivery(tabletop(tmp_path, name="normal"))
    county = first_delivery(tabletop(tmp_path, 'slow = [{ counties = ["990102"], factor = 3.0 }]', name="county"))
    polygon = first_delivery(tabletop(tmp_path, 'slow = [{ polygon = [[111.2, 40.2], [111.8, 40.2], [111.8, 40.8], '
                                                '[111.2, 40.8]], factor = 2.0 }]', name="polygon"))
    assert normal < polygon < county
    # The truck's 2 h of hiring (the tiny region has no fleet) and 30 minutes of loading are
    # not slowed, nor the part of the route outside the slowed area: the route from R99
    # (110.5 E) to the incident (111.5 E) runs half in the slowed county 990102 and for 0.3
    # of its length in the polygon (111.2-111.8 E); county boundaries are placed to within
    # a grid cell (about 2 km), hence the 2 % allowed.
    assert county - 150 == pytest.approx((0.5 + 0.5 * 3) * (normal - 150), rel=0.02)
    assert polygon - 150 == pytest.approx((0.7 + 0.3 * 2) * (normal - 150), rel=0.02)


UNKNOWN_CODES = [
    ('depots_closed = ["X9"]', "world.depots_closed[1]: unknown depot code 'X9'"),
    ('depots_damaged = [{ depot = "X9", loss = 0.5 }]', "world.depots_damaged[1].depot: unknown depot code 'X9'"),
    ('teams_unavailable = ["T01", "T99"]', "world.teams_unavailable[2]: unknown team code 'T99'"),
    ('roads_cut = [["Z1", "990102"]]', "world.roads_cut[1]: unknown depot or team code 'Z1'"),
    ('roads_cut = [["R99", "150402"]]', "world.roads_cut[1]: unknown county code '150402'"),
    ('slow = [{ counties = ["150402"], factor = 2.0 }]', "world.slow[1]: unknown county code '150402'"),
]


def test_unknown_codes_in_the_world_are_refused_naming_the_field(tiny_db, tmp_path, today):
    for world, message in UNKNOWN_CODES:
        with pytest.raises(ScenarioError) as caught:
            drill(tiny_db, tabletop(tmp_path, world), today=today)
        assert str(caught.value).startswith(message), world


def test_an_epicentre_far_outside_the_region_is_refused(tiny_db, tmp_path, today):
    with pytest.raises(ScenarioError, match=r"^hazard.lon/lat: the epicentre 80.0, 30.0 is about .* km outside"):
        drill(tiny_db, earthquake(tmp_path, 80, 30), today=today)


def test_a_tabletop_need_for_an_item_outside_the_catalogue_is_refused(tiny_db, tmp_path, today):
    for people in (0, 300):
        with pytest.raises(ScenarioError, match=r"unknown item 'YURT'$") as caught:
            drill(tiny_db, tabletop(tmp_path, people=people, needs="YURT = 3"), today=today)
        assert caught.value.hint == "items"


def test_an_earthquake_that_displaces_nobody_meets_every_need(tiny_db, tmp_path, today):
    report = drill(tiny_db, earthquake(tmp_path, 110.5, 40.5, magnitude=4.0), today=today)
    assert (report["affected"], report["needs"], report["plan"], report["restock"]) == ([], [], None, [])
    assert report["metrics"]["fill"] == 1.0
    assert report["metrics"]["within_12h"] == 1.0
    assert report["metrics"]["unmet_by_item"] == [] and report["metrics"]["depots_emptied"] == []


def test_derived_needs_keep_only_catalogue_items(water_at_r99, tmp_path, today):
    report = drill(water_at_r99, tabletop(tmp_path, people=300, needs="WATER = 10"), today=today)
    assert [n["item"] for n in report["needs"]] == ["FOOD", "QUILT", "WATER"]
    assert {n["item"]: n["qty"] for n in report["needs"]}["WATER"] == 10


# the real region

@pytest.mark.slow
def test_a_drill_never_writes_to_the_live_database(inner_mongolia, tmp_path, today):
    before = snapshot(inner_mongolia)
    digests = file_digests(inner_mongolia) if db.is_sqlite(inner_mongolia) else None
    assert before["incident"] and before["plan"] and before["movement"]
    drill(inner_mongolia, str(CHIFENG), today=today)
    drill(inner_mongolia, str(CHIFENG), method="greedy", today=today)
    batch.run(inner_mongolia, "earthquake", 10, 4, workers=1, today=today)
    done = CliRunner().invoke(main.app, ["drill", "run", str(CHIFENG), "--db", inner_mongolia, "--out",
                                         str(tmp_path / "out")], env={"RELIEF_TODAY": "2026-11-22"})
    assert done.exit_code == 0, done.output
    assert (tmp_path / "out" / "drill.json").is_file()
    assert snapshot(inner_mongolia) == before
    if digests is not None:
        assert file_digests(inner_mongolia) == digests


@pytest.mark.slow
def test_the_report_of_the_readme_example_has_the_documented_shape(inner_mongolia, tmp_path, today):
    text = (ROOT / "README.md").read_text(encoding="utf-8").split("### The scenario file", 1)[1]
    path = tmp_path / "readme.toml"
    path.write_text(text.split("```toml\n", 1)[1].split("```", 1)[0], encoding="utf-8")
    report = drill(inner_mongolia, str(path), today=today)
    assert set(report) == {"scenario", "affected", "felt", "needs", "plan", "metrics", "restock"}
    assert report["scenario"]["name"] == "M6.0 near Chifeng"
    felt = {f["county"]: f["intensity"] for f in report["felt"]}
    assert all(a["county"] in felt for a in report["affected"] if a["intensity"] >= 4.0)
    assert len(felt) >= len(report["affected"]) and min(felt.values()) >= 4.0
    assert report["affected"] and all(set(a) == {"county", "name", "intensity", "intensity_mean", "population", "displaced"}
                                      for a in report["affected"])
    assert all(set(n) == {"item", "qty"} and n["qty"] > 0 for n in report["needs"])
    plan = report["plan"]
    assert {"shipments", "teams", "unmet", "teams_unmet", "incidents", "totals"} <= set(plan)
    assert plan["shipments"] and all(set(line) == SHIPMENT for line in plan["shipments"])
    assert METRICS <= set(report["metrics"])
    assert report["restock"] and all(set(r) == {"depot", "item", "qty", "incidents"} for r in report["restock"])
    county_of = {inc["id"]: inc["county"] for inc in plan["incidents"]}
    assert "C150430" not in shipments_from(report)  # closed
    assert ("L1504", "150430") not in {(line["depot"], county_of[line["incident"]]) for line in plan["shipments"]}
    assert "T07" not in {t["team"] for t in plan["teams"]}
    assert "C150430" not in {r["depot"] for r in report["restock"]}
    need = {n["item"]: n["qty"] for n in report["needs"]}
    assert {"CTENT12", "QUILT", "COAT", "COAL"} <= set(need) and "TENT12" not in need


@pytest.mark.slow
def test_a_batch_gives_the_same_results_on_one_worker_and_on_two(inner_mongolia, today):
    one = batch.run(inner_mongolia, "earthquake", 10, 5, workers=1, today=today)
    two = batch.run(inner_mongolia, "earthquake", 10, 5, workers=2, today=today)
    assert (one["workers"], two["workers"]) == (1, 2)
    assert {k: v for k, v in one.items() if k not in TIMING} == {k: v for k, v in two.items() if k not in TIMING}
    assert len(one["scenarios"]) == 10
    assert {"mean", "p5"} <= set(one["fill"])


# batch input

@pytest.mark.parametrize("hazard, n, workers, message, option", [
    ("earthquake", 0, 1, "runs must be a whole number greater than 0, got 0", "runs"),
    ("earthquake", -3, 1, "runs must be a whole number greater than 0, got -3", "runs"),
    ("tsunami", 5, 1, "hazard must be one of earthquake, blizzard, flood, all, got 'tsunami'", "hazard"),
    ("earthquake", 5, 0, "workers must be greater than 0, got 0", "workers"),
])
def test_a_batch_with_bad_input_is_refused(tiny_sqlite, today, hazard, n, workers, message, option):
    with pytest.raises(InvalidInput) as caught:
        batch.run(tiny_sqlite, hazard, n, 1, workers=workers, today=today)
    assert (str(caught.value), caught.value.option) == (message, option)


def test_a_batch_of_blizzards_is_refused_on_the_tiny_region_that_has_no_pastoral_county(water_at_r99, today):
    with pytest.raises(InvalidInput) as caught:
        batch.run(water_at_r99, "blizzard", 5, 2, workers=1, today=today)
    assert str(caught.value) == ("hazard 'blizzard': Tiny has no blizzard hazard; its hazards: earthquake, flood "
                                 "(the hazard rows of its hazard_zones.csv)")
    assert caught.value.option == "hazard"


@pytest.mark.slow
def test_county_incidents_of_a_hazard_have_a_last_mile_even_from_their_own_depot(inner_mongolia, today):
    report = drill(inner_mongolia, str(ROOT / "data" / "scenarios" / "xilingol-blizzard.toml"), today=today)
    firsts = [f["minutes"] for f in report["metrics"]["first_delivery"]]
    assert firsts and min(firsts) > 30, "herders out on the steppe are more than the 30 minutes of loading away"


@pytest.mark.slow
def test_a_batch_dated_from_a_given_day_repeats_whatever_today_is_and_another_day_changes_it(inner_mongolia, today):
    from datetime import timedelta

    def outcome(result: dict) -> dict:
        return {k: v for k, v in result.items() if k not in TIMING}

    one = batch.run(inner_mongolia, "earthquake", 8, 4, workers=1, today=today, start=today)
    later = batch.run(inner_mongolia, "earthquake", 8, 4, workers=1, today=today + timedelta(days=40), start=today)
    assert outcome(one) == outcome(later)
    # the same draws half a year on: other seasonal needs, other lots still good on the day
    shifted = batch.run(inner_mongolia, "earthquake", 8, 4, workers=1, today=today, start=today + timedelta(days=182))
    assert [s["name"] for s in shifted["scenarios"]] == [s["name"] for s in one["scenarios"]]
    assert [s["displaced"] for s in shifted["scenarios"]] == [s["displaced"] for s in one["scenarios"]]
    assert [(s["fill"], s["unmet_items"]) for s in shifted["scenarios"]] != \
        [(s["fill"], s["unmet_items"]) for s in one["scenarios"]]
