"""A region is only data: its seasons, its hazards and its pastoral counties, as plain rules. No database."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from shapely.geometry import box, shape

from relief.depot import datafiles
from relief.errors import HazardNotInRegion, InvalidFile
from relief.routing.core import needs
from relief.routing.drills import hazards, sampling
from relief.routing.drills.hazards import Region
from relief.routing.drills.scenario import Area, Blizzard, Flood, Scenario

TODAY = date(2026, 11, 22)
WINTER_ITEMS = {"CTENT12", "QUILT", "COAT", "STOVE", "COAL"}


def seasons(region: str) -> dict:
    """The checked [seasons] of a shipped region's region.toml."""
    return datafiles.region_seasons(datafiles.read_region(region, with_stock=False).meta)


def shipped(region: str) -> Region:
    """The hazard view of a shipped region, with its pastoral.csv, hazard zones and winter months."""
    files = datafiles.read_region(region, with_stock=False)
    rows = [(c["adcode"], c["name"], c["league"], int(c["population"]), float(c["lon"]), float(c["lat"]),
             shape(json.loads(c["geometry"]))) for c in files.counties]
    return Region.build(rows, float(files.meta["household_size"]),
                        needs.need_norms(datafiles.region_table(None, "needs.csv")), (), name=files.meta["name"],
                        pastoral_rows=datafiles.region_table(region, "pastoral.csv"),
                        zone_rows=datafiles.region_table(region, "hazard_zones.csv"),
                        winter_months=seasons(region).get("winter_months", needs.WINTER_MONTHS))


@pytest.fixture(scope="module")
def need_norms() -> list[needs.NeedNorm]:
    """The shared need norms of ``data/needs.csv``."""
    return needs.need_norms(datafiles.region_table(None, "needs.csv"))


@pytest.fixture(scope="module")
def zhaoqing() -> Region:
    """Zhaoqing as its folder describes it."""
    return shipped("zhaoqing")


# seasons

def test_the_shipped_regions_name_their_winter_months():
    assert seasons("inner-mongolia")["winter_months"] == [1, 2, 3, 11, 12]
    assert seasons("zhaoqing")["winter_months"] == []


def test_a_zhaoqing_november_needs_no_coal_stove_or_cotton_tent(need_norms):
    got = needs.derive_needs(100, 3.0, need_norms, date(2026, 11, 22), seasons("zhaoqing")["winter_months"])
    assert not WINTER_ITEMS & set(got)
    assert got["TENT12"] == 34 and got["KIT"] == 34


def test_an_inner_mongolia_january_needs_coal_stoves_and_cotton_tents(need_norms):
    got = needs.derive_needs(100, 2.35, need_norms, date(2027, 1, 15), seasons("inner-mongolia")["winter_months"])
    assert WINTER_ITEMS <= set(got) and "TENT12" not in got
    assert got["COAL"] == 2 * 43 and got["STOVE"] == 43


@pytest.mark.parametrize("months, day, expected", [
    ((), date(2027, 1, 15), "summer"), ((12, 1), date(2027, 1, 15), "winter"), ((12, 1), date(2027, 2, 1), "summer"),
])
def test_the_season_follows_the_region_s_winter_months(months, day, expected):
    assert needs.season(day, months) == expected


def test_a_blizzard_needs_winter_items_even_where_no_month_is_winter(need_norms):
    got = needs.derive_needs(10, 3.0, need_norms, date(2027, 7, 1), (), in_season="winter")
    assert WINTER_ITEMS <= set(got)


@pytest.mark.parametrize("table, message", [
    ({"winter_months": [11, 13]}, "seasons.winter_months must be a list of month numbers 1-12"),
    ({"winter_months": "11-3"}, "got '11-3'"),
    ({"blizzard": ["12-01"]}, "seasons.blizzard must be two days \"MM-DD\""),
    ({"flood": ["06-15", "09-31"]}, "got ['06-15', '09-31']"),
    ({"winter": [1]}, "unknown setting seasons.winter; allowed: winter_months, blizzard, flood"),
])
def test_bad_seasons_are_refused_naming_the_value(table, message):
    with pytest.raises(InvalidFile, match=None) as caught:
        datafiles.region_seasons({"seasons": table})
    assert message in str(caught.value)


def test_a_region_toml_without_seasons_has_no_settings_and_gets_the_defaults():
    assert datafiles.region_seasons({"name": "Tiny"}) == {}
    assert needs.season(date(2026, 11, 22)) == "winter" and needs.season(date(2026, 10, 31)) == "summer"


# pastoral counties

def test_inner_mongolia_lists_its_pastoral_and_semi_pastoral_banners_and_zhaoqing_none():
    rows = datafiles.region_table("inner-mongolia", "pastoral.csv")
    kinds = [r["pastoral"] for r in rows]
    assert (kinds.count("pastoral"), kinds.count("semi-pastoral"), len(rows)) == (32, 20, 52)
    by_code = {r["county"]: r for r in rows}
    assert by_code["152525"]["name"] == "东乌珠穆沁旗" and by_code["152525"]["pastoral"] == "pastoral"
    assert by_code["152502"]["pastoral"] == "pastoral", "锡林浩特市 is pastoral although not named 旗"
    assert "150121" not in by_code, "土默特左旗 is a banner but neither pastoral nor semi-pastoral"
    assert datafiles.region_table("zhaoqing", "pastoral.csv") == []


def test_herders_come_from_the_pastoral_column():
    rows = [("990101", "甲旗", "甲市", 10_000, 110.5, 40.5, box(110, 40, 111, 41)),
            ("990102", "乙市", "甲市", 10_000, 111.5, 40.5, box(111, 40, 112, 41))]
    region = Region.build(rows, 3.0, (), (), pastoral_rows=[{"county": "990102", "pastoral": "pastoral"}])
    assert list(hazards.herder_share(region)) == [0.0, 0.35]
    got, _ = hazards.affected(region, Scenario("storm", datetime(2027, 1, 15, 8), Blizzard(
        Area(("990101", "990102")), 40, 7)))
    assert [(r["county"], r["displaced"]) for r in got] == [("990102", 875)]


# hazards a region has

def test_a_region_has_the_hazards_of_its_zone_rows_else_earthquake_flood_and_blizzard_if_pastoral():
    assert hazards.region_hazards([{"hazard": "flood"}, {"hazard": "earthquake"}]) == ("earthquake", "flood")
    assert hazards.region_hazards([], ("", "")) == ("earthquake", "flood")
    assert hazards.region_hazards([], ("", "semi-pastoral")) == ("earthquake", "blizzard", "flood")


def test_zhaoqing_has_earthquakes_and_floods_and_no_blizzards(zhaoqing):
    assert zhaoqing.hazards == ("earthquake", "flood")
    assert shipped("inner-mongolia").hazards == ("earthquake", "blizzard", "flood")


def test_a_blizzard_scenario_in_zhaoqing_is_refused_naming_the_hazards_it_has(zhaoqing):
    storm = Scenario("snow in Guangdong", datetime(2027, 1, 15, 8), Blizzard(Area(("441224",)), 30, 3))
    with pytest.raises(HazardNotInRegion) as caught:
        hazards.affected(zhaoqing, storm)
    assert str(caught.value) == ("hazard.type 'blizzard': Zhaoqing has no blizzard hazard; its hazards: "
                                 "earthquake, flood (the hazard rows of its hazard_zones.csv)")
    flood = Scenario("Xi River", datetime(2027, 6, 20, 8), Flood(Area(("441225",)), 3))
    assert hazards.affected(zhaoqing, flood)[0][0]["displaced"] == int(374_848 * 0.06)


def test_sampling_blizzards_in_zhaoqing_is_refused(zhaoqing):
    rows = datafiles.region_table("zhaoqing", "hazard_zones.csv")
    with pytest.raises(HazardNotInRegion, match="^hazard 'blizzard': Zhaoqing has no blizzard hazard; "
                                                "its hazards: earthquake, flood") as caught:
        sampling.sample("blizzard", 5, 1, zhaoqing, rows, TODAY)
    assert caught.value.option == "hazard"


def test_all_hazards_takes_only_the_hazards_the_region_has_in_turn(zhaoqing):
    rows = datafiles.region_table("zhaoqing", "hazard_zones.csv")
    drawn = sampling.sample("all", 6, 1, zhaoqing, rows, TODAY, seasons("zhaoqing"))
    assert [type(s.hazard).__name__ for s in drawn] == ["Earthquake", "Flood"] * 3


def test_floods_are_dated_in_the_region_s_own_flood_season(zhaoqing):
    rows = datafiles.region_table("zhaoqing", "hazard_zones.csv")
    floods = sampling.sample("flood", 100, 3, zhaoqing, rows, TODAY, seasons("zhaoqing"))
    assert all(date(2027, 4, 1) <= s.start.date() <= date(2027, 9, 30) for s in floods)
    assert min(s.start.date() for s in floods) < date(2027, 6, 15), "Zhaoqing floods begin in April"


def test_without_zone_rows_blizzards_fall_on_the_pastoral_counties_only():
    rows = [(f"99010{k}", f"{k}旗", "甲市", 1000, 110.5 + k, 40.5, box(110 + k, 40, 111 + k, 41)) for k in range(4)]
    region = Region.build(rows, 3.0, (), (), pastoral_rows=[{"county": "990101", "pastoral": "pastoral"},
                                                            {"county": "990103", "pastoral": "semi-pastoral"}])
    assert sampling.zones([], "blizzard", region) == [("pastoral counties", 1.0, ("990101", "990103"))]
    storms = sampling.sample("blizzard", 20, 1, region, [], TODAY)
    assert all(set(s.hazard.area.counties) <= {"990101", "990103"} for s in storms)
