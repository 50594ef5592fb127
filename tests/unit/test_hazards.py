"""Hazard models on cases whose answer is known: intensity, people displaced, needs. No database."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box, shape

from relief.depot import datafiles
from relief.routing.drills import hazards
from relief.routing.core import needs
from relief.routing.drills import scenario
from relief.routing.drills.hazards import Region, displaced_share, intensity
from relief.routing.drills.scenario import (Area, Blizzard, Earthquake, Flood, Incidents, Scenario, ScenarioError,
                              TabletopIncident)

SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"
WINTER = datetime(2027, 1, 15, 8, 0)
SUMMER = datetime(2027, 7, 15, 8, 0)
WINTER_ITEMS = {"CTENT12", "QUILT", "COAT", "COAL", "STOVE"}
LAT = 40.5
KM_EAST = 111.32 * math.cos(math.radians(LAT))  # km in one degree of longitude at LAT, as the model measures
KM_NORTH = 110.57


def long_axis(m: float, r: float) -> float:
    """The published long-axis relation: I = 5.7123 + 1.3626 M - 4.2903 lg(R + 25)."""
    return 5.7123 + 1.3626 * m - 4.2903 * math.log10(r + 25)


def short_axis(m: float, r: float) -> float:
    """The published short-axis relation: I = 3.6588 + 1.3626 M - 3.5406 lg(R + 13)."""
    return 3.6588 + 1.3626 * m - 3.5406 * math.log10(r + 13)


def quake(magnitude: float = 6.0, depth_km: float = 10.0, strike_deg: float | None = None) -> Earthquake:
    """An earthquake under the seat of the first square county."""
    return Earthquake(110.5, LAT, magnitude, depth_km, strike_deg)


def east(*km: float) -> tuple[np.ndarray, np.ndarray]:
    """Points due east of the epicentre at the given distances."""
    return 110.5 + np.array(km) / KM_EAST, np.full(len(km), LAT)


def north(*km: float) -> tuple[np.ndarray, np.ndarray]:
    """Points due north of the epicentre at the given distances."""
    return np.full(len(km), 110.5), LAT + np.array(km) / KM_NORTH


@pytest.fixture(scope="module")
def norms():
    """The shared need and team norms (``data/needs.csv``, ``data/team_norms.csv``)."""
    return (needs.need_norms(datafiles.region_table(None, "needs.csv")),
            needs.team_norms(datafiles.region_table(None, "team_norms.csv")))


@pytest.fixture(scope="module")
def squares(norms) -> Region:
    """Four one-degree square counties of 100,000 people each: a district, a county and a
    banner side by side, and a far banner 700 km east; 2.35 people a household. Its
    pastoral.csv lists the county as semi-pastoral and the near banner as pastoral; the
    far banner is not listed."""
    rows = [("990101", "甲区", "甲市", 100_000, 110.5, LAT, box(110, 40, 111, 41)),
            ("990102", "乙县", "甲市", 100_000, 111.5, LAT, box(111, 40, 112, 41)),
            ("990103", "丙旗", "甲市", 100_000, 112.5, LAT, box(112, 40, 113, 41)),
            ("990104", "丁旗", "乙盟", 100_000, 118.5, LAT, box(118, 40, 119, 41))]
    pastoral = [{"county": "990102", "pastoral": "semi-pastoral"}, {"county": "990103", "pastoral": "pastoral"}]
    return Region.build(rows, 2.35, *norms, pastoral_rows=pastoral)


@pytest.fixture(scope="module")
def inner_mongolia() -> Region:
    """The hazard view of the real region, read from its counties.geojson and region.toml."""
    files = datafiles.read_region("inner-mongolia", with_stock=False)
    rows = [(c["adcode"], c["name"], c["league"], int(c["population"]), float(c["lon"]), float(c["lat"]),
             shape(json.loads(c["geometry"]))) for c in files.counties]
    return Region.build(rows, float(files.meta["household_size"]),
                        needs.need_norms(datafiles.region_table(None, "needs.csv")),
                        needs.team_norms(datafiles.region_table(None, "team_norms.csv")))


def drill(hazard, start: datetime = WINTER) -> Scenario:
    """A scenario of ``hazard`` starting at ``start``, with the world unchanged."""
    return Scenario("test", start, hazard)


def displaced(region: Region, hazard, start: datetime = WINTER) -> dict[str, int]:
    """People displaced by county."""
    rows, _ = hazards.affected(region, drill(hazard, start))
    return {row["county"]: row["displaced"] for row in rows}


# earthquake intensity

def test_intensity_at_the_epicentre_follows_the_average_of_the_two_axes():
    got = intensity(quake(6.0), [110.5], [LAT])[0]
    assert got == pytest.approx((long_axis(6.0, 0) + short_axis(6.0, 0)) / 2, abs=1e-6)


@pytest.mark.parametrize("strike", [None, 0.0, 45.0, 120.0])
def test_intensity_falls_with_distance_from_the_epicentre(strike):
    levels = intensity(quake(6.0, strike_deg=strike), *east(0, 5, 20, 50, 100, 200, 400))
    assert np.all(np.diff(levels) < 0)
    assert levels[-1] > 0


@pytest.mark.parametrize("strike", [None, 60.0])
def test_intensity_at_the_epicentre_rises_with_magnitude(strike):
    levels = [intensity(quake(m, strike_deg=strike), [110.5], [LAT])[0] for m in (4.5, 5.5, 6.5, 7.5)]
    assert np.all(np.diff(levels) > 0)
    assert np.diff(levels) == pytest.approx([1.3626] * 3, abs=1e-6)


def test_the_elliptical_model_is_stronger_along_the_strike_than_across_it():
    eq = quake(6.5, strike_deg=0.0)  # the long axis runs north-south
    along, across = intensity(eq, *north(30, 80)), intensity(eq, *east(30, 80))
    assert np.all(along > across)
    assert along == pytest.approx([long_axis(6.5, 30), long_axis(6.5, 80)], abs=1e-6)
    assert across == pytest.approx([short_axis(6.5, 30), short_axis(6.5, 80)], abs=1e-6)


def test_turning_the_strike_turns_the_long_axis():
    eq = quake(6.5, strike_deg=90.0)  # east-west
    assert intensity(eq, *east(50))[0] == pytest.approx(long_axis(6.5, 50), abs=1e-6)
    assert intensity(eq, *north(50))[0] == pytest.approx(short_axis(6.5, 50), abs=1e-6)


@pytest.mark.parametrize("strike", [None, 60.0])
def test_a_focus_deeper_than_10_km_lowers_intensity_even_right_above_it(strike):
    points = east(0, 10, 40, 100)
    shallow = intensity(quake(6.0, 10, strike), *points)
    deep = intensity(quake(6.0, 30, strike), *points)
    deeper = intensity(quake(6.0, 60, strike), *points)
    assert np.all(deep < shallow) and np.all(deeper < deep)
    assert deep[0] == pytest.approx((long_axis(6.0, 20) + short_axis(6.0, 20)) / 2, abs=1e-6)


def test_a_focus_shallower_than_10_km_changes_nothing():
    points = east(0, 10, 40)
    assert intensity(quake(6.0, 5), *points) == pytest.approx(intensity(quake(6.0, 10), *points))


def test_the_long_axis_at_depth_uses_the_slant_distance():
    eq = quake(6.0, depth_km=40, strike_deg=0.0)
    assert intensity(eq, *north(40))[0] == pytest.approx(long_axis(6.0, 50), abs=1e-6)  # sqrt(40² + 30²)


# people displaced

def test_the_displaced_share_follows_the_vulnerability_table():
    table = displaced_share(np.array([5.0, 5.5, 6.0, 6.5, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0]))
    assert table == pytest.approx([0, 0, 0.0605, 0.14025, 0.22, 0.44, 0.66, 0.88, 0.90, 0.90, 0.90])


def test_the_displaced_share_never_falls_as_intensity_rises():
    shares = displaced_share(np.linspace(0, 14, 1401))
    assert np.all(np.diff(shares) >= 0)
    assert shares.min() == 0 and shares.max() == 0.90


def test_a_stronger_earthquake_displaces_more_people(squares):
    totals = [sum(displaced(squares, quake(m)).values()) for m in (5.5, 6.0, 6.5, 7.0)]
    assert 0 < totals[0] < totals[1] < totals[2] < totals[3]


def test_the_county_nearest_the_epicentre_loses_most_and_gets_the_highest_priority(squares):
    rows, incidents = hazards.affected(squares, drill(quake(7.0)))
    assert [row["county"] for row in rows] == ["990101", "990102", "990103"]
    assert rows[0]["displaced"] > rows[1]["displaced"] > rows[2]["displaced"]
    assert rows[0]["intensity"] > rows[1]["intensity"] > rows[2]["intensity"]
    assert [i.priority for i in incidents] == sorted(i.priority for i in incidents)
    assert incidents[0].priority < incidents[-1].priority


def test_a_county_outside_the_felt_area_is_not_affected(squares):
    rows, incidents = hazards.affected(squares, drill(quake(6.5)))
    assert "990101" in {row["county"] for row in rows}
    assert "990104" not in {row["county"] for row in rows}
    assert "990104" not in {i.county for i in incidents}


def test_an_earthquake_too_weak_to_displace_anyone_affects_no_county(squares):
    assert hazards.affected(squares, drill(quake(4.0))) == ([], [])


def test_every_affected_county_becomes_one_incident_at_its_main_settlement(squares):
    rows, incidents = hazards.affected(squares, drill(quake(6.5)))
    assert [(i.id, i.county, i.name, i.people) for i in incidents] == [
        (n, row["county"], row["name"], row["displaced"]) for n, row in enumerate(rows, start=1)]
    assert (incidents[0].lon, incidents[0].lat) == (110.5, LAT)


# seasons and needs

def test_an_earthquake_in_january_needs_cotton_tents_quilts_coats_and_coal(squares, norms):
    _, incidents = hazards.affected(squares, drill(quake(6.5), WINTER))
    first = dict(incidents[0].needs)
    assert WINTER_ITEMS <= set(first) and "TENT12" not in first
    assert first == needs.derive_needs(incidents[0].people, 2.35, norms[0], WINTER.date())


def test_an_earthquake_in_july_needs_single_tents_and_no_coal(squares):
    _, incidents = hazards.affected(squares, drill(quake(6.5), SUMMER))
    first = dict(incidents[0].needs)
    assert "TENT12" in first and not WINTER_ITEMS & set(first)
    assert first["KIT"] == math.ceil(incidents[0].people / 2.35)


def test_incidents_ask_for_teams_by_priority_and_people(squares, norms):
    _, incidents = hazards.affected(squares, drill(quake(7.0)))
    for inc in incidents:
        assert {ask.name: ask for ask in inc.teams} == needs.derive_teams(inc.people, inc.priority, norms[1])
    assert {ask.name: ask.teams for ask in incidents[0].teams}["relief"] >= 1


# blizzards

def test_a_blizzard_asks_coal_and_food_for_people_staying_home_and_no_tents_or_beds(squares):
    storm = Blizzard(Area(("990103",)), snow_depth_cm=45, duration_days=7)
    rows, (incident,) = hazards.affected(squares, drill(storm, SUMMER))
    wanted = dict(incident.needs)
    assert set(wanted) == {"COAL", "FOOD"}
    assert not {"TENT12", "CTENT12", "YURT", "BED", "QUILT", "STOVE"} & set(wanted)
    households = math.ceil(8_750 / 2.35)
    assert rows[0]["households"] == households
    assert wanted == {"COAL": math.ceil(households * 7 * 10 / 25), "FOOD": math.ceil(households * 7 * 2.35 * 3 / 12)}


def test_blizzard_fuel_food_and_fodder_scale_with_households_and_days():
    one = hazards.blizzard_needs(100, 5, 2.35)
    assert hazards.blizzard_needs(200, 5, 2.35) == {k: 2 * v for k, v in one.items()}
    assert hazards.blizzard_needs(100, 10, 2.35) == {k: 2 * v for k, v in one.items()}
    assert one == {"COAL": 200, "FOOD": 294}  # 100 x 5 x 10 kg / 25 kg; 100 x 5 x 2.35 x 3 meals / 12
    assert hazards.blizzard_needs(0, 5, 2.35) == {}
    assert hazards.FODDER_KG_PER_HOUSEHOLD_DAY == pytest.approx(160 * 1.8)


def test_a_blizzard_reports_fodder_and_road_to_clear_for_each_county(squares):
    rows, _ = hazards.affected(squares, drill(Blizzard(Area(("990103",)), snow_depth_cm=40, duration_days=4)))
    (row,) = rows
    assert row["days"] == 4 and row["fodder_t"] == pytest.approx(row["households"] * 4 * 288 / 1000, abs=0.05)
    assert row["road_km"] > 0


def test_a_blizzard_never_cuts_off_an_urban_district_even_one_listed_as_pastoral(norms):
    rows = [("990101", "甲区", "甲市", 100_000, 110.5, LAT, box(110, 40, 111, 41)),
            ("990103", "丙旗", "甲市", 100_000, 112.5, LAT, box(112, 40, 113, 41))]
    pastoral = [{"county": "990101", "pastoral": "pastoral"}, {"county": "990103", "pastoral": "pastoral"}]
    region = Region.build(rows, 2.35, *norms, pastoral_rows=pastoral)
    got = displaced(region, Blizzard(Area(("990101", "990103")), snow_depth_cm=40, duration_days=7))
    assert got == {"990103": 8_750}


def test_a_blizzard_cuts_off_herders_by_the_pastoral_column_not_by_the_name(squares):
    got = displaced(squares, Blizzard(Area(("990101", "990102", "990103", "990104")), snow_depth_cm=40,
                                      duration_days=7))
    assert got == {"990103": 8_750, "990102": 3_000}  # 100,000 x 35 % (pastoral) or 12 % (semi) x 0.25
    assert "990104" not in got, "a banner that pastoral.csv does not list has no herders"


def test_a_blizzard_grows_with_snow_depth_up_to_40_cm_and_with_days_up_to_a_week(squares):
    def banner(depth, days):
        return displaced(squares, Blizzard(Area(("990103",)), depth, days))["990103"]

    assert banner(20, 7) == pytest.approx(banner(40, 7) / 2, abs=1)
    assert banner(60, 7) == banner(40, 7) == banner(40, 14)
    assert banner(40, 7 / 4) == pytest.approx(banner(40, 7) / 2, abs=1)


def test_deeper_snow_raises_the_priority_of_a_blizzard(squares):
    def priority(depth):
        _, (incident,) = hazards.affected(squares, drill(Blizzard(Area(("990103",)), depth, 5)))
        return incident.priority

    assert [priority(d) for d in (10, 20, 35, 55)] == [4, 3, 2, 1]


# floods

@pytest.mark.parametrize("severity, expected", [(1, 500), (2, 2_000), (3, 6_000), (4, 12_000)])
def test_flood_displaced_follow_the_severity_table(squares, severity, expected):
    assert displaced(squares, Flood(Area(("990102",)), severity)) == {"990102": expected}


def test_flood_displaced_grow_with_the_share_of_a_county_under_water(squares):
    def flooded(east_edge):
        polygon = ((111.0, 40.0), (east_edge, 40.0), (east_edge, 41.0), (111.0, 41.0))
        return displaced(squares, Flood(Area(polygon=polygon), 4))["990102"]

    assert flooded(111.25) < flooded(111.5) < flooded(112.0)
    assert (flooded(111.25), flooded(111.5), flooded(112.0)) == (3_000, 6_000, 12_000)


def test_a_flood_polygon_over_two_counties_affects_both_in_proportion(squares):
    polygon = ((110.5, 40.0), (111.5, 40.0), (111.5, 41.0), (110.5, 41.0))
    assert displaced(squares, Flood(Area(polygon=polygon), 2)) == {"990101": 1_000, "990102": 1_000}


def test_a_flood_in_summer_needs_single_tents(squares):
    _, (incident,) = hazards.affected(squares, drill(Flood(Area(("990102",)), 3), SUMMER))
    assert "TENT12" in dict(incident.needs) and "COAL" not in dict(incident.needs)
    assert incident.priority == 2


def test_an_area_that_touches_no_county_is_refused(squares):
    far = ((90.0, 30.0), (91.0, 30.0), (91.0, 31.0))
    with pytest.raises(ScenarioError, match=r"^hazard: the area touches no county of the region$"):
        hazards.affected(squares, drill(Flood(Area(polygon=far), 2)))


def test_an_unknown_county_code_is_refused_naming_the_field(squares):
    with pytest.raises(ScenarioError, match=r"^hazard: unknown county code '150502'"):
        hazards.affected(squares, drill(Flood(Area(("990101", "150502")), 2)))


# tabletop incidents

def test_tabletop_incidents_keep_their_given_needs_and_priorities(squares):
    given = Incidents((TabletopIncident("shelter", 111.2, 40.7, 100, 1, (("WATER", 5), ("YURT", 3))),
                       TabletopIncident("school", 112.7, 40.2, 0, 4, (("FOOD", 20),))))
    rows, incidents = hazards.affected(squares, drill(given, SUMMER))
    assert [(r["county"], r["displaced"]) for r in rows] == [("990102", 100), ("990103", 0)]
    shelter, school = incidents
    assert (shelter.name, shelter.priority, shelter.lon, shelter.lat) == ("shelter", 1, 111.2, 40.7)
    assert dict(shelter.needs)["WATER"] == 5 and dict(shelter.needs)["YURT"] == 3
    assert dict(shelter.needs)["TENT12"] == math.ceil(100 / 2.35)
    assert (school.priority, school.needs, school.county) == (4, (("FOOD", 20),), "990103")


def test_a_tabletop_incident_outside_the_region_is_refused_naming_it(squares):
    given = Incidents((TabletopIncident("a", 110.5, 40.5, 10, 2), TabletopIncident("b", 115.0, 40.5, 10, 2)))
    with pytest.raises(ScenarioError, match=r"hazard.incidents\[2\]: point 115.0, 40.5 is outside the region"):
        hazards.affected(squares, drill(given))


# the epicentre

def test_an_epicentre_far_outside_the_region_is_refused(squares):
    with pytest.raises(ScenarioError, match=r"^hazard.lon/lat: the epicentre 80.0, 30.0 is about .* km outside"):
        hazards.affected(squares, drill(Earthquake(80.0, 30.0, 6.0)))


def test_an_epicentre_just_outside_the_region_is_allowed(squares):
    rows, _ = hazards.affected(squares, drill(Earthquake(110.5, 39.8, 6.5)))
    assert rows and rows[0]["county"] == "990101"


# the real region

def test_the_shipped_chifeng_winter_scenario_gives_the_readme_figures(inner_mongolia):
    rows, incidents = hazards.affected(inner_mongolia, scenario.load(SCENARIOS / "chifeng-m6-winter.toml"))
    by_county = {row["county"]: (row["name"], row["intensity"], row["intensity_mean"], row["displaced"]) for row in rows}
    assert by_county == {"150402": ("红山区", 7.7, 6.8, 85_812), "150404": ("松山区", 7.2, 6.3, 72_346),
                         "150403": ("元宝山区", 6.7, 6.1, 22_207), "150428": ("喀喇沁旗", 6.3, 5.7, 6_973),
                         "150426": ("翁牛特旗", 6.1, 5.1, 942)}
    assert sum(i.people for i in incidents) == 188_280
    assert all(WINTER_ITEMS <= {item for item, _ in i.needs} for i in incidents)


def test_an_earthquake_near_chifeng_leaves_hulunbuir_untouched(inner_mongolia):
    rows, _ = hazards.affected(inner_mongolia, drill(Earthquake(118.9, 42.3, 6.0)))
    counties = {row["county"] for row in rows}
    assert "150402" in counties
    assert not {c for c in counties if c.startswith("1507")}


# where people live

def test_an_epicentre_under_a_county_seat_is_not_diluted_by_the_county_average(squares):
    eq = quake(6.5)
    at_seat = intensity(eq, [110.5], [LAT])[0]
    assert at_seat >= 8.0
    rows, incidents = hazards.affected(squares, drill(eq))
    first = rows[0]
    assert first["county"] == "990101" and first["intensity"] == round(at_seat, 1)
    assert first["intensity_mean"] < first["intensity"]
    assert incidents[0].priority == 2


def test_people_displaced_are_summed_over_the_places_where_people_live(squares):
    eq = quake(6.5)
    rows, _ = hazards.affected(squares, drill(eq))
    own = squares.sample_county == 0
    at = intensity(eq, squares.sample_lon[own], squares.sample_lat[own])
    summed = int(np.floor(100_000 * float(np.sum(displaced_share(at) * squares.sample_weight[own]))))
    averaged = int(100_000 * float(displaced_share(np.array([rows[0]["intensity_mean"]]))[0]))
    assert rows[0]["displaced"] == summed
    assert summed != averaged


def test_an_urban_district_keeps_nearly_all_its_people_at_its_seat(squares):
    seats = squares.sample_weight[squares.sample_seat]
    assert seats[0] == pytest.approx(hazards.DISTRICT_CORE)
    assert list(squares.district) == [True, False, False, False]
    assert seats[0] > seats[1] == seats[2] == seats[3]
    totals = np.bincount(squares.sample_county, weights=squares.sample_weight)
    assert totals == pytest.approx([1.0, 1.0, 1.0, 1.0])


def test_a_banner_puts_its_town_share_at_the_seat_and_fewer_people_far_from_it():
    weights = hazards.spread_people(0.4, np.array([5.0, 20.0, 60.0]))
    assert weights[0] == 0.4 and weights.sum() == pytest.approx(1.0)
    assert weights[1] > weights[2] > weights[3] > 0


def test_the_seat_share_takes_the_town_dwellers_left_after_the_districts():
    share = hazards.seat_share(np.array([300_000, 350_000, 350_000]), np.array([True, False, False]), 0.6)
    assert share[0] == hazards.DISTRICT_CORE
    assert share[1] == share[2] == pytest.approx((0.6 * 1_000_000 - 300_000) / 700_000)
    assert hazards.seat_share(np.array([1.0, 1.0]), np.array([True, False]), 0.0)[1] == hazards.SEAT_SHARE_BOUNDS[0]
    with pytest.raises(ValueError, match="urban_rate must be a share from 0 to 1, got 1.5"):
        hazards.seat_share(np.array([1.0]), np.array([False]), 1.5)
