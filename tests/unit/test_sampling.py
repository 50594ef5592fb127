"""Random scenarios for batch drills: seeded, and drawn from the documented distributions."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest
import shapely
from shapely.geometry import box, shape

from relief.depot import datafiles
from relief.routing.drills import sampling
from relief.routing.drills.hazards import Region
from relief.routing.drills.scenario import Blizzard, Earthquake, Flood

TODAY = date(2026, 11, 22)
TRUNCATED_GR_M6 = (10 ** -1 - 10 ** -2.5) / (1 - 10 ** -2.5)  # P(M >= 6) for b = 1 on 5.0-7.5: 0.097


@pytest.fixture(scope="module")
def inner_mongolia() -> Region:
    """The hazard view of the real region (no norms: sampling does not need them)."""
    files = datafiles.read_region("inner-mongolia", with_stock=False)
    rows = [(c["adcode"], c["name"], c["league"], int(c["population"]), float(c["lon"]), float(c["lat"]),
             shape(json.loads(c["geometry"]))) for c in files.counties]
    return Region.build(rows, float(files.meta["household_size"]), (), (),
                        pastoral_rows=datafiles.region_table("inner-mongolia", "pastoral.csv"))


@pytest.fixture(scope="module")
def zone_rows() -> list[dict]:
    """The rows of Inner Mongolia's hazard_zones.csv."""
    return datafiles.region_table("inner-mongolia", "hazard_zones.csv")


@pytest.fixture(scope="module")
def many_earthquakes(inner_mongolia, zone_rows):
    """2,000 earthquakes drawn with seed 1."""
    return sampling.sample("earthquake", 2000, 1, inner_mongolia, zone_rows, TODAY)


@pytest.fixture(scope="module")
def two_squares() -> Region:
    """Two square counties, both pastoral, and no hazard zones."""
    rows = [("990101", "甲区", "甲市", 1000, 110.5, 40.5, box(110, 40, 111, 41)),
            ("990102", "乙旗", "甲市", 1000, 111.5, 40.5, box(111, 40, 112, 41))]
    return Region.build(rows, 3.0, (), (), pastoral_rows=[{"county": "990101", "pastoral": "pastoral"},
                                                          {"county": "990102", "pastoral": "semi-pastoral"}])


@pytest.mark.parametrize("hazard", ["earthquake", "blizzard", "flood"])
def test_the_same_seed_gives_the_same_scenarios(inner_mongolia, zone_rows, hazard):
    first = sampling.sample(hazard, 30, 7, inner_mongolia, zone_rows, TODAY)
    assert first == sampling.sample(hazard, 30, 7, inner_mongolia, zone_rows, TODAY)
    assert len(first) == 30


@pytest.mark.parametrize("hazard", ["earthquake", "blizzard", "flood"])
def test_a_different_seed_gives_different_scenarios(inner_mongolia, zone_rows, hazard):
    one = sampling.sample(hazard, 30, 7, inner_mongolia, zone_rows, TODAY)
    other = sampling.sample(hazard, 30, 8, inner_mongolia, zone_rows, TODAY)
    assert [s.hazard for s in one] != [s.hazard for s in other]


def test_a_larger_batch_begins_with_the_scenarios_of_a_smaller_one(inner_mongolia, zone_rows):
    small = sampling.sample("earthquake", 10, 3, inner_mongolia, zone_rows, TODAY)
    assert sampling.sample("earthquake", 25, 3, inner_mongolia, zone_rows, TODAY)[:10] == small


def test_the_truncated_gutenberg_richter_law_spans_5_to_7_5():
    assert sampling.gutenberg_richter(0.0) == 5.0
    assert sampling.gutenberg_richter(1.0) == pytest.approx(7.5)
    draws = np.array([sampling.gutenberg_richter(u) for u in (np.arange(100_000) + 0.5) / 100_000])
    assert np.all(np.diff(draws) > 0)
    assert (draws >= 6.0).mean() == pytest.approx(TRUNCATED_GR_M6, abs=5e-4)
    assert (draws >= 7.0).mean() == pytest.approx((10 ** -2 - 10 ** -2.5) / (1 - 10 ** -2.5), abs=5e-4)


def test_sampled_magnitudes_lie_within_5_and_7_5_and_about_one_in_ten_reaches_6(many_earthquakes):
    magnitudes = np.array([s.hazard.magnitude for s in many_earthquakes])
    assert magnitudes.min() >= 5.0 and magnitudes.max() <= 7.5
    assert np.all(np.round(magnitudes, 1) == magnitudes)
    share = (magnitudes >= 6.0).mean()
    # magnitudes are rounded to 0.1, so M 6.0 gathers everything from 5.95 up
    expected = (10 ** -0.95 - 10 ** -2.5) / (1 - 10 ** -2.5)
    assert 0.07 < share < 0.14
    assert share == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / len(magnitudes)))
    assert (magnitudes < 5.5).mean() > 0.6


def test_sampled_epicentres_lie_inside_the_region_and_their_zone(many_earthquakes, inner_mongolia, zone_rows):
    region = shapely.union_all(inner_mongolia.shapes)
    lon = np.array([s.hazard.lon for s in many_earthquakes])
    lat = np.array([s.hazard.lat for s in many_earthquakes])
    assert shapely.contains_xy(region.buffer(0.001), lon, lat).all()
    belt = next(r for r in zone_rows if r["zone"] == "Hetao-Yinshan belt")["counties"].split(";")
    area = shapely.union_all(inner_mongolia.shapes[[inner_mongolia.adcodes.index(c) for c in belt]]).buffer(0.001)
    in_belt = [s for s in many_earthquakes if s.name.endswith("Hetao-Yinshan belt")]
    assert shapely.contains_xy(area, [s.hazard.lon for s in in_belt], [s.hazard.lat for s in in_belt]).all()


def test_earthquake_zones_are_drawn_by_their_weights(many_earthquakes):
    share = np.mean([s.name.endswith("Hetao-Yinshan belt") for s in many_earthquakes])
    assert share == pytest.approx(0.45, abs=0.05)


def test_sampled_earthquakes_have_a_depth_a_strike_and_a_day_of_the_year_from_today(many_earthquakes):
    assert all(isinstance(s.hazard, Earthquake) for s in many_earthquakes)
    assert all(5 <= s.hazard.depth_km <= 25 and 0 <= s.hazard.strike_deg <= 180 for s in many_earthquakes)
    assert all(TODAY <= s.start.date() < date(2027, 11, 22) for s in many_earthquakes)
    assert len({s.start.month for s in many_earthquakes}) == 12


def test_blizzards_fall_between_december_and_march_on_two_or_more_pastoral_counties(inner_mongolia, zone_rows):
    storms = sampling.sample("blizzard", 300, 2, inner_mongolia, zone_rows, TODAY)
    pastoral = {c for r in zone_rows if r["hazard"] == "blizzard" for c in r["counties"].split(";")}
    assert {s.start.month for s in storms} <= {12, 1, 2, 3}
    assert all(date(2026, 12, 1) <= s.start.date() <= date(2027, 3, 15) for s in storms)
    assert all(isinstance(s.hazard, Blizzard) and 15 <= s.hazard.snow_depth_cm <= 60
               and 2 <= s.hazard.duration_days <= 10 for s in storms)
    assert all(len(s.hazard.area.counties) >= 2 and set(s.hazard.area.counties) <= pastoral for s in storms)


def test_floods_fall_between_mid_june_and_mid_september_with_severity_1_to_4(inner_mongolia, zone_rows):
    floods = sampling.sample("flood", 300, 2, inner_mongolia, zone_rows, TODAY)
    assert all(date(2027, 6, 15) <= s.start.date() <= date(2027, 9, 15) for s in floods)
    assert all(isinstance(s.hazard, Flood) and 1 <= len(s.hazard.area.counties) <= 4 for s in floods)
    severities = np.array([s.hazard.severity for s in floods])
    assert set(severities) == {1, 2, 3, 4}
    assert (severities == 1).mean() > (severities == 4).mean()


def test_without_zones_the_whole_region_is_one_zone(two_squares):
    assert sampling.zones([], "earthquake", two_squares) == [("region", 1.0, ("990101", "990102"))]
    quakes = sampling.sample("earthquake", 50, 1, two_squares, [], TODAY)
    assert all(110 < s.hazard.lon < 112 and 40 < s.hazard.lat < 41 for s in quakes)
