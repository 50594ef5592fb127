"""Travel times from depots and team bases to incidents: plain arithmetic, no database."""

from __future__ import annotations

import math
import re

import numpy as np

import pytest

from relief.errors import InvalidInput
from relief.errors import InvalidTravelTable
from relief.routing.core.travel import TravelParams, estimate, haversine_km, read_table

ONE_DEGREE_KM = 2 * math.pi * 6371.0088 / 360  # a degree of latitude on the mean Earth sphere


def one_leg(params: TravelParams, *, county: str = "990101", dlat: float = 1.0):
    """Travel from source D1 at (110, 40) to one destination ``dlat`` degrees north of it."""
    return estimate(params, ["D1"], [110.0], [40.0], [county], [110.0], [40.0 + dlat])


def test_one_degree_of_latitude_is_about_111_km():
    assert haversine_km(110.0, 40.0, 110.0, 41.0) == pytest.approx(ONE_DEGREE_KM, abs=1e-6)
    assert ONE_DEGREE_KM == pytest.approx(111.2, abs=0.01)


def test_hohhot_to_beijing_is_about_408_km_as_the_crow_flies():
    assert haversine_km(111.75, 40.84, 116.41, 39.90) == pytest.approx(408.3, abs=1.0)


def test_a_quarter_of_the_equator_is_a_quarter_of_the_circumference():
    assert haversine_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(90 * ONE_DEGREE_KM, rel=1e-9)


def test_distances_are_symmetric_and_zero_at_the_same_point():
    there = haversine_km(110.5, 40.5, 112.5, 41.0)
    assert haversine_km(112.5, 41.0, 110.5, 40.5) == pytest.approx(there)
    assert haversine_km(110.5, 40.5, 110.5, 40.5) == 0.0


def test_distances_broadcast_sources_against_destinations():
    km = haversine_km(np.array([110.0, 111.0])[:, None], np.array([40.0, 40.0])[:, None],
                      np.array([110.0, 111.0, 112.0])[None, :], np.array([40.0, 40.0, 40.0])[None, :])
    assert km.shape == (2, 3)
    assert km[0, 0] == km[1, 1] == 0.0
    assert km[0, 1] == pytest.approx(km[1, 0])


def test_road_minutes_are_great_circle_times_circuity_at_road_speed_plus_handling():
    leg = one_leg(TravelParams(circuity=1.3, speed_kmh=60.0, handling_min=30))
    road_km = ONE_DEGREE_KM * 1.3
    assert leg.km[0, 0] == pytest.approx(road_km)
    assert leg.minutes[0, 0] == round(road_km / 60.0 * 60 + 30) == 175
    assert leg.minutes.dtype == np.int64


def test_a_faster_road_and_no_handling_take_less_time():
    leg = one_leg(TravelParams(circuity=1.0, speed_kmh=100.0, handling_min=0))
    assert leg.km[0, 0] == pytest.approx(ONE_DEGREE_KM)
    assert leg.minutes[0, 0] == round(ONE_DEGREE_KM / 100.0 * 60) == 67


def test_a_county_circuity_replaces_the_default_for_that_county_only():
    params = TravelParams(circuity=1.3, county_circuity={"990102": 2.0})
    two = estimate(params, ["D1"], [110.0], [40.0], ["990101", "990102"], [110.0, 110.0], [41.0, 41.0])
    assert two.km[0, 0] == pytest.approx(ONE_DEGREE_KM * 1.3)
    assert two.km[0, 1] == pytest.approx(ONE_DEGREE_KM * 2.0)
    assert two.minutes[0, 1] == round(ONE_DEGREE_KM * 2.0 + 30)


def test_a_measured_travel_time_overrides_the_estimate_for_its_source_and_county():
    params = TravelParams(table={("D2", "990102"): 45, ("ZZ", "990101"): 1})
    legs = estimate(params, ["D1", "D2"], [110.0, 110.0], [40.0, 40.0], ["990101", "990102", "990102"],
                    [110.0, 110.0, 110.0], [41.0, 41.0, 42.0])
    assert legs.minutes[1].tolist() == [175, 45, 45]
    assert legs.minutes[0].tolist() == [175, 175, round(2 * ONE_DEGREE_KM * 1.3 + 30)]
    assert legs.km[1, 1] == pytest.approx(ONE_DEGREE_KM * 1.3), "the table sets minutes, not kilometres"


def test_arcs_longer_than_max_hours_are_not_candidates():
    params = TravelParams(max_hours=3.0)
    legs = estimate(params, ["D1"], [110.0], [40.0], ["a", "b", "c"], [110.0, 110.0, 110.0], [40.0, 41.0, 42.0])
    assert legs.minutes[0].tolist()[:2] == [30, 175]
    assert legs.minutes[0, 2] > 180
    assert legs.allowed[0].tolist() == [True, True, False]


def test_without_max_hours_every_arc_is_a_candidate():
    legs = estimate(TravelParams(), ["D1"], [110.0], [40.0], ["a"], [130.0], [50.0])
    assert legs.allowed.all()


@pytest.mark.parametrize(("field", "value", "named", "option"), [
    ("circuity", 0.9, "circuity must be between 1.0 and 5.0, got 0.9", "circuity"),
    ("circuity", 5.5, "circuity must be between 1.0 and 5.0, got 5.5", "circuity"),
    ("speed_kmh", 4.0, "speed must be between 5 and 200 km/h, got 4.0", "speed"),
    ("speed_kmh", 250.0, "speed must be between 5 and 200 km/h, got 250.0", "speed"),
    ("max_hours", 0.0, "max hours must be greater than 0 and at most 240, got 0.0", "max_hours"),
    ("max_hours", 241.0, "max hours must be greater than 0 and at most 240, got 241.0", "max_hours"),
    ("handling_min", -1, "handling time must be 0 minutes or more, got -1", None),
])
def test_travel_parameters_out_of_range_are_refused_naming_the_value(field, value, named, option):
    with pytest.raises(InvalidInput) as caught:
        TravelParams(**{field: value})
    assert (str(caught.value), caught.value.option) == (named, option)


def test_a_travel_table_reads_into_minutes_by_source_and_county(tmp_path):
    path = tmp_path / "travel.csv"
    path.write_text("code,county,minutes\nr99,990201,45\nC990102,990101,0\n", encoding="utf-8")
    table = read_table(str(path), {"R99", "C990102"}, {"990101", "990201"})
    assert table == {("R99", "990201"): 45, ("C990102", "990101"): 0}


def test_a_travel_table_with_bad_rows_is_refused_listing_each_row(tmp_path):
    path = tmp_path / "travel.csv"
    path.write_text("code,county,minutes\nR99,990201,45\nX1,990101,10\nR99,123456,10\nR99,990101,-5\n"
                    "T1,990101,soon\n", encoding="utf-8")
    with pytest.raises(InvalidTravelTable) as caught:
        read_table(str(path), {"R99", "T1"}, {"990101", "990201"})
    assert str(caught.value) == "travel.csv: 4 bad row(s)"
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "code"), (4, "county"), (5, "minutes"), (6, "minutes")]
    assert [str(p) for p in caught.value.problems] == [
        "line 3: unknown depot or team code 'X1'",
        "line 4: unknown county adcode '123456'",
        "line 5: minutes must be a whole number from 0 to 100,000, got '-5'",
        "line 6: minutes must be a whole number from 0 to 100,000, got 'soon'",
    ]


def test_a_travel_table_without_its_columns_or_file_is_refused(tmp_path):
    path = tmp_path / "travel.csv"
    path.write_text("depot,adcode,hours\nR99,990201,1\n", encoding="utf-8")
    with pytest.raises(InvalidTravelTable, match=r"unknown column\(s\) depot, adcode, hours; missing column\(s\) code, county, minutes"):
        read_table(str(path), {"R99"}, {"990201"})
    with pytest.raises(InvalidTravelTable, match="travel table not found"):
        read_table(str(tmp_path / "missing.csv"), {"R99"}, {"990201"})


BAD_TRAVEL = [("code,county,minutes,minutes\nR99,990201,45,90\n", r"column\(s\) minutes appear more than once"),
              ("code,county,minutes,county\nR99,990201,45,990101\n", r"column\(s\) county appear more than once"),
              ("code,county,minutes,hours\nR99,990201,45,1\n", r"unknown column\(s\) hours; columns allowed"),
              ("code,county,minutes\nR99,990201,45\nR99,990201,90\n", "given again"),
              ("code,county,minutes\nR99,990201,45\nr99,990201,45\n", "given again"),
              ("code,county,minutes\nR99,990201,1_000\n", "plain digits"),
              ("code,county,minutes\nR99,990201,+45\n", "without a sign"),
              ("code,county,minutes\nR99,990201,4.5e1\n", "whole number from 0 to 100,000"),
              ("code,county,minutes\nR99,990201,1,000\n", "4 cells under 3 columns")]


@pytest.mark.parametrize(("text", "says"), BAD_TRAVEL)
def test_a_travel_table_that_would_be_misread_is_refused(tmp_path, text, says):
    path = tmp_path / "travel.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidTravelTable) as caught:
        read_table(str(path), {"R99"}, {"990101", "990201"})
    assert re.search(says, "\n".join([str(caught.value), *map(str, caught.value.problems)]))


def test_a_pair_given_twice_is_refused_with_both_line_numbers(tmp_path):
    path = tmp_path / "travel.csv"
    path.write_text("code,county,minutes,note\nR99,990201,45,x\nR99,990101,50,\nR99, 990201 ,90,\n", encoding="utf-8")
    with pytest.raises(InvalidTravelTable) as caught:
        read_table(str(path), {"R99"}, {"990101", "990201"})
    assert [str(p) for p in caught.value.problems] == [
        "line 4: code R99 and county 990201 are given again (first on line 2); give each pair once"]
