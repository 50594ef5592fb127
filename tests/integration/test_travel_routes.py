"""One route cut by county, on a real database (SQLite and PostgreSQL).

The tiny region has three 1°x1° square counties side by side between latitudes 40 and 41:
990101 (110-111 E), 990102 (111-112 E) and 990201 (112-113 E), with the depots R99 at
(110.5, 40.5), C990102 at (111.5, 40.5) and C990201 at (112.5, 40.5); a county's
reference point is its centre. A route from R99 to 990201 thus runs half a degree in
990101, a whole degree in 990102 and half a degree in 990201: a quarter, a half and a
quarter of its line. County boundaries are placed to within a grid cell (about 2 km).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relief.depot import db, region
from relief.errors import InvalidFile
from relief.routing.core.travel import haversine_km
from relief.routing.dispatch.route import route
from tests.conftest import TINY, load_tiny
from tests.integration.test_drills import tabletop

CELL_KM = 2.5  # a county's share of the line is right to within about a grid cell
CIRCUITY_HEADER = "county,name,kind,circuity,speed_kmh,note\n"


def legs_by_county(r) -> dict[str, object]:
    return {leg.county: leg for leg in r.legs}


def named(r) -> list[str]:
    """The counties of the region a route crosses, in order."""
    return [leg.county for leg in r.legs if leg.county]


def region_copy(tmp_path: Path, travel: str = "", circuity: str | None = None) -> Path:
    """A copy of the tiny region folder with a [travel] section appended to region.toml
    and, if given, circuity.csv rows (under the full header)."""
    folder = tmp_path / "region"
    shutil.copytree(TINY, folder)
    if travel:
        with (folder / "region.toml").open("a", encoding="utf-8") as f:
            f.write("\n" + travel)
    if circuity is not None:
        (folder / "circuity.csv").write_text(CIRCUITY_HEADER + circuity, encoding="utf-8")
    return folder


@pytest.fixture
def plain_tiny(tmp_path):
    """The tiny region with the default travel rules, in a SQLite file of its own."""
    url = db.database_url(str(tmp_path / "plain.db"))
    yield load_tiny(url)
    db.dispose(url)


def scenario(tmp_path: Path, world: str, name: str = "slow") -> str:
    """A tabletop scenario of the tiny region (that of the drill tests) with these [world] lines."""
    return tabletop(tmp_path, world, name=name)


# The route cut by county

def test_a_route_across_the_region_crosses_its_counties_in_order(tiny_db):
    r = route(tiny_db, "R99", "990201")
    assert (r.source.code, r.source_kind, r.to.code, r.to.county) == ("R99", "depot", "990201", "990201")
    assert named(r) == ["990101", "990102", "990201"]
    great = float(haversine_km(110.5, 40.5, 112.5, 40.5))
    assert r.great_km == pytest.approx(great, abs=0.1)
    assert sum(leg.line_km for leg in r.legs) == pytest.approx(great, abs=0.1)
    legs = legs_by_county(r)
    for county, share in (("990101", 0.25), ("990102", 0.5), ("990201", 0.25)):
        assert legs[county].line_km / great == pytest.approx(share, abs=0.03), county
    # one circuity and speed everywhere: road km and minutes follow the line
    assert r.km == pytest.approx(1.3 * great, abs=0.1)
    assert sum(leg.km for leg in r.legs) == pytest.approx(r.km, abs=0.1)
    assert r.start_minutes == 30 and r.minutes == 30 + round(1.3 * great)


def test_a_route_to_the_next_county_runs_half_in_each(tiny_db):
    r = route(tiny_db, "R99", "C990102")
    assert (r.to.code, r.to.county) == ("C990102", "990102")
    assert named(r) == ["990101", "990102"]
    half = float(haversine_km(110.5, 40.5, 111.5, 40.5)) / 2
    legs = legs_by_county(r)
    assert legs["990101"].line_km == pytest.approx(half, abs=CELL_KM)
    assert legs["990102"].line_km == pytest.approx(half, abs=CELL_KM)


def test_a_route_inside_the_region_never_leaves_it(tiny_db):
    r = route(tiny_db, "R99", "990201")
    assert "" not in legs_by_county(r)


def test_a_point_destination_is_placed_in_its_county(tiny_db):
    r = route(tiny_db, "R99", "112.9,40.5")
    assert (r.to.code, r.to.county) == ("112.9000,40.5000", "990201")
    assert named(r)[-1] == "990201"
    assert r.great_km == pytest.approx(float(haversine_km(110.5, 40.5, 112.9, 40.5)), abs=0.1)


# County travel rules: only the part of the route inside the county

def test_a_county_of_its_own_kind_changes_only_its_part_of_the_route(db_url, plain_tiny, tmp_path, today):
    folder = region_copy(tmp_path, '[travel]\n[travel.kinds]\nhill = { circuity = 2.0, speed_kmh = 30 }\n',
                         "990102,乙县,hill,,,hill roads\n")
    region.init(db_url, str(folder), sample_stock=False, today=today)
    before, after = route(plain_tiny, "R99", "990201"), route(db_url, "R99", "990201")
    assert named(after) == named(before) == ["990101", "990102", "990201"]
    old, new = legs_by_county(before), legs_by_county(after)
    for county in ("990101", "990201"):  # the other counties' parts are untouched
        assert (new[county].line_km, new[county].circuity, new[county].km, new[county].speed_kmh,
                new[county].minutes) == pytest.approx((old[county].line_km, 1.3, old[county].km, 60.0,
                                                       old[county].minutes))
    hill = new["990102"]
    assert hill.line_km == pytest.approx(old["990102"].line_km)
    assert (hill.circuity, hill.speed_kmh) == (2.0, 30.0)
    assert hill.km == pytest.approx(2.0 * hill.line_km) and hill.minutes == pytest.approx(2.0 * hill.line_km * 2)
    assert after.km == pytest.approx(before.km + (2.0 - 1.3) * hill.line_km, abs=0.1)
    assert after.great_km == before.great_km
    assert abs(after.minutes - before.minutes - (hill.minutes - old["990102"].minutes)) <= 1
    assert after.minutes > before.minutes + 100  # 84 km of hill road at 30 km/h instead of 60


def test_the_regions_travel_settings_and_a_countys_own_number(db_url, tmp_path, today):
    travel = ("[travel]\ncircuity = 1.25\nspeed_kmh = 50\nhandling_min = 45\nteam_mobilise_min = 100\n"
              "[travel.kinds]\nhill = { circuity = 2.0, speed_kmh = 30 }\n")
    folder = region_copy(tmp_path, travel, "990201,丙旗,hill,1.5,,own circuity wins over its kind's\n")
    region.init(db_url, str(folder), sample_stock=False, today=today)
    r = route(db_url, "R99", "990201")
    legs = legs_by_county(r)
    assert (legs["990101"].circuity, legs["990101"].speed_kmh) == (1.25, 50.0)  # the region's defaults
    assert (legs["990102"].circuity, legs["990102"].speed_kmh) == (1.25, 50.0)
    assert (legs["990201"].circuity, legs["990201"].speed_kmh) == (1.5, 30.0)  # own circuity, its kind's speed
    assert r.km == pytest.approx(sum(leg.line_km * leg.circuity for leg in r.legs), abs=0.1)
    assert r.start_minutes == 45  # the region's depot handling
    driving = sum(leg.line_km * leg.circuity / leg.speed_kmh * 60 for leg in r.legs)
    assert abs(r.minutes - 45 - driving) <= 1
    team = route(db_url, "T01", "990201")  # T01's row gives no mobilisation: the region's
    assert (team.source_kind, team.start_minutes) == ("team", 100)
    assert team.km == r.km and abs(team.minutes - 100 - driving) <= 1


def test_a_slowed_county_slows_only_its_part_of_the_route(tiny_db, tmp_path):
    slowed = route(tiny_db, "R99", "990201",
                   scenario=scenario(tmp_path, 'slow = [{ counties = ["990102"], factor = 3.0 }]'))
    plain = route(tiny_db, "R99", "990201")
    assert slowed.minutes_without == plain.minutes and slowed.km == plain.km
    legs = legs_by_county(slowed)
    assert legs["990102"].slow == pytest.approx(3.0)
    assert legs["990101"].slow == legs["990201"].slow == 1.0
    middle = legs["990102"].line_km * 1.3  # road km in 990102, at 60 km/h: as many minutes
    assert abs(slowed.minutes - plain.minutes - 2 * middle) <= 1
    assert slowed.minutes < 3 * (plain.minutes - 30) + 30  # not the whole route slowed


def test_a_slowed_polygon_slows_only_the_part_of_the_line_inside_it(tiny_db, tmp_path):
    polygon = 'slow = [{ polygon = [[111.2, 40.2], [111.8, 40.2], [111.8, 40.8], [111.2, 40.8]], factor = 2.0 }]'
    slowed = route(tiny_db, "R99", "990201", scenario=scenario(tmp_path, polygon))
    plain = route(tiny_db, "R99", "990201")
    inside = 0.6 / 2.0 * slowed.great_km * 1.3  # road km inside 111.2-111.8 E, at 60 km/h: as many minutes
    assert slowed.minutes - plain.minutes == pytest.approx(inside, abs=CELL_KM * 1.3 + 1)
    legs = legs_by_county(slowed)
    # the county's mean over its part of the route: 0.6 of it (111.2-111.8 E of 111-112 E) at 2.0
    assert legs["990102"].slow == pytest.approx(0.4 * 1.0 + 0.6 * 2.0, abs=0.05)
    assert legs["990101"].slow == legs["990201"].slow == 1.0


# Refusals: named, and nothing written

@pytest.mark.parametrize("travel, circuity, message", [
    ("[travel]\n[travel.kinds]\nhill = { circuity = 2.0 }\n", "990102,乙县,swamp,,,\n",
     r"circuity\.csv line 2: kind 'swamp' is not one of travel\.kinds of region\.toml \(hill\)"),
    ("", "990102,乙县,hill,,,\n", r"circuity\.csv line 2: kind 'hill' is not one of travel\.kinds .*\(none\)"),
    ("", "990102,乙县,,0.5,,\n", r"circuity\.csv line 2: circuity must be a number from 1 to 5, got '0\.5'"),
    ("", "990102,乙县,,,fast,\n", r"circuity\.csv line 2: speed_kmh must be a number from 5 to 200, got 'fast'"),
    ("[travel]\ncircuity = 0.5\n", None, r"region\.toml: travel\.circuity must be a number from 1 to 5, got 0\.5"),
    ('[travel]\nspeed_kmh = "fast"\n', None, r"travel\.speed_kmh must be a number from 5 to 200, got 'fast'"),
    ("[travel]\nhandling_min = 2.5\n", None, r"travel\.handling_min must be a whole number of minutes .*got 2\.5"),
    ("[travel]\nteam_mobilise_min = -5\n", None, r"travel\.team_mobilise_min must be .* from 0 to 1440, got -5"),
    ("[travel]\nspeed = 60\n", None, r"unknown setting travel\.speed; allowed: "),
    ("[travel]\n[travel.kinds]\nhill = { circuity = 1.4, lanes = 2 }\n", None,
     r"travel\.kinds\.hill may set only circuity and speed_kmh, got lanes"),
    ("[travel]\n[travel.kinds]\nhill = { speed_kmh = 500 }\n", None,
     r"travel\.kinds\.hill\.speed_kmh must be a number from 5 to 200, got 500"),
    ("", "999999,无县,,1.5,,\n", r"has 1 problem"),
], ids=["unknown kind", "kind without kinds", "circuity out of range", "speed not a number", "travel circuity",
        "travel speed", "handling not whole", "mobilisation negative", "unknown setting", "kind with an unknown key",
        "kind speed out of range", "unknown county"])
def test_init_refuses_bad_travel_rules_naming_them_and_writes_nothing(db_url, tmp_path, today, travel, circuity,
                                                                      message):
    folder = region_copy(tmp_path, travel, circuity)
    with pytest.raises(InvalidFile, match=message) as refused:
        region.init(db_url, str(folder), sample_stock=False, today=today)
    if "999999" in (circuity or ""):
        assert any("county '999999' is not in counties.geojson" in str(p) for p in refused.value.problems)
    assert not db.has_schema(db_url)


def test_init_refuses_a_county_circuity_csv_names_twice_and_writes_nothing(db_url, tmp_path, today):
    folder = region_copy(tmp_path, "", "990102,乙县,,1.5,,\n990102,乙县,,1.6,,\n")
    with pytest.raises(InvalidFile, match="has 1 problem") as refused:
        region.init(db_url, str(folder), sample_stock=False, today=today)
    assert [str(p) for p in refused.value.problems] == [
        "circuity.csv line 3: county '990102' appears more than once"]
    assert not db.has_schema(db_url)
