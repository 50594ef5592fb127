"""A region is only data, through a real database (SQLite and PostgreSQL): ``relief init``
stores the region's seasons, pastoral counties and hazards, and incidents and drills use
the region of the database, not the default one."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from relief.depot import db, region
from relief.depot.models import Meta
from relief.errors import HazardNotInRegion, InvalidFile
from relief.routing.dispatch import incidents
from relief.routing.drills import batch
from relief.routing.drills import run as drills

NOVEMBER, JANUARY = date(2026, 11, 22), date(2027, 1, 15)
WINTER_ITEMS = {"CTENT12", "QUILT", "COAT", "STOVE", "COAL"}
BLIZZARD = """\
name = "snow"
start = 2027-01-15T08:00:00
[hazard]
type = "blizzard"
counties = [{counties}]
snow_depth_cm = 40
duration_days = 7
"""


def needs_of(incident: dict) -> dict[str, int]:
    """{item: qty} of a registered incident."""
    return {n["item"]: n["qty"] for n in incident["needs"]}


def blizzard_file(tmp_path: Path, *counties: str) -> str:
    """Write a blizzard scenario over ``counties``; returns its path."""
    path = tmp_path / "snow.toml"
    path.write_text(BLIZZARD.format(counties=", ".join(f'"{c}"' for c in counties)), encoding="utf-8")
    return str(path)


@pytest.fixture
def zhaoqing(db_url) -> str:
    """Zhaoqing without stock, on SQLite and PostgreSQL."""
    region.init(db_url, "zhaoqing", sample_stock=False, today=NOVEMBER)
    return db_url


@pytest.fixture
def pastoral_tiny(tmp_path, tiny_region) -> Path:
    """A copy of the tiny region whose pastoral.csv lists 乙县 (990102, a county not named
    旗) as pastoral and leaves out the banner 丙旗 (990201)."""
    folder = tmp_path / "pastoral-tiny"
    shutil.copytree(tiny_region, folder)
    (folder / "pastoral.csv").write_text("county,name,pastoral\n990102,乙县,pastoral\n", encoding="utf-8")
    return folder


# seasons

def test_a_zhaoqing_incident_in_november_needs_no_coal_stove_or_cotton_tent(zhaoqing):
    got = incidents.add(zhaoqing, "端州安置点", 112.47, 23.05, people=300, priority=2, today=NOVEMBER)
    need = needs_of(got)
    assert got["county"] == "441202"
    assert not WINTER_ITEMS & set(need)
    assert need["TENT12"] == need["KIT"] == 100


def test_an_inner_mongolia_incident_in_january_needs_coal_stoves_and_cotton_tents(db_url):
    region.init(db_url, "inner-mongolia", sample_stock=False, today=JANUARY)
    need = needs_of(incidents.add(db_url, "红山区安置点", 118.96, 42.27, people=300, priority=2, today=JANUARY))
    assert WINTER_ITEMS <= set(need) and "TENT12" not in need
    assert (need["CTENT12"], need["STOVE"], need["COAL"]) == (128, 128, 256)  # ceil(300 / 2.35) households


def test_init_stores_the_region_s_seasons_and_pastoral_table(zhaoqing):
    with db.session(zhaoqing) as s:
        stored = {key: s.get(Meta, key).value for key in ("season:winter_months", "season:flood",
                                                            "table:pastoral.csv")}
        assert s.get(Meta, "season:blizzard") is None
    assert stored == {"season:winter_months": "[]", "season:flood": '["04-01", "09-30"]', "table:pastoral.csv": "[]"}


# hazards

def test_a_blizzard_batch_on_a_zhaoqing_database_is_refused_naming_its_hazards(zhaoqing):
    with pytest.raises(HazardNotInRegion) as caught:
        batch.run(zhaoqing, "blizzard", 3, 1, workers=1, today=NOVEMBER)
    assert str(caught.value) == ("hazard 'blizzard': Zhaoqing has no blizzard hazard; its hazards: "
                                 "earthquake, flood (the hazard rows of its hazard_zones.csv)")
    assert caught.value.option == "hazard"


def test_a_blizzard_scenario_file_on_a_zhaoqing_database_is_refused(sqlite_url, tmp_path):
    region.init(sqlite_url, "zhaoqing", sample_stock=False, today=NOVEMBER)
    with pytest.raises(HazardNotInRegion, match="^hazard.type 'blizzard': Zhaoqing has no blizzard hazard; "
                                                "its hazards: earthquake, flood"):
        drills.run(sqlite_url, blizzard_file(tmp_path, "441224"), today=NOVEMBER)


def test_all_hazards_on_a_zhaoqing_database_samples_earthquakes_and_floods_only(sqlite_url):
    region.init(sqlite_url, "zhaoqing", sample_stock=False, today=NOVEMBER)
    result = batch.run(sqlite_url, "all", 4, 1, workers=1, today=NOVEMBER)
    names = [s["name"] for s in result["scenarios"]]
    assert [" M" in n for n in names] == [True, False, True, False]
    assert [" flood " in n for n in names] == [False, True, False, True]


# pastoral counties

def test_herders_come_from_the_pastoral_column_of_the_database_s_region(db_url, pastoral_tiny, tmp_path):
    region.init(db_url, str(pastoral_tiny), sample_stock=False, today=NOVEMBER)
    report = drills.run(db_url, blizzard_file(tmp_path, "990101", "990102", "990201"), today=NOVEMBER)
    assert [(a["county"], a["displaced"]) for a in report.affected] == [("990102", 4_375)]  # 50,000 x 35 % x 0.25


def test_a_batch_of_blizzards_falls_on_the_pastoral_counties_of_a_region_without_zones(db_url, pastoral_tiny):
    region.init(db_url, str(pastoral_tiny), sample_stock=False, today=NOVEMBER)
    result = batch.run(db_url, "blizzard", 5, 2, workers=1, today=NOVEMBER)
    assert result["scenarios_with_displaced"] == 5
    assert {c for s in result["scenarios"] for c in s["county_fill"]} == {"990102"}


@pytest.mark.parametrize("text, problem", [
    ("county,pastoral\n999999,pastoral\n", "pastoral.csv line 2: county '999999' is not in counties.geojson"),
    ("county,pastoral\n990102,nomadic\n", "pastoral.csv line 2: pastoral 'nomadic' is not one of pastoral, "
                                          "semi-pastoral"),
])
def test_init_refuses_a_bad_pastoral_table_naming_the_row(sqlite_url, pastoral_tiny, text, problem):
    (pastoral_tiny / "pastoral.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        region.init(sqlite_url, str(pastoral_tiny), sample_stock=False, today=NOVEMBER)
    assert [str(p) for p in caught.value.problems] == [problem]


def test_init_refuses_bad_winter_months_naming_the_value(sqlite_url, pastoral_tiny):
    with (pastoral_tiny / "region.toml").open("a", encoding="utf-8") as f:
        f.write("\n[seasons]\nwinter_months = [12, 13]\n")
    with pytest.raises(InvalidFile, match=r"seasons.winter_months must be a list of month numbers 1-12 .*\[12, 13\]"):
        region.init(sqlite_url, str(pastoral_tiny), sample_stock=False, today=NOVEMBER)
