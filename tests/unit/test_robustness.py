"""Odd input is refused with a domain error naming the value: travel tables, scenarios,
the terminal width, sampled drill dates and epicentres. No database."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from shapely.geometry import box

from relief.cli import common
from relief.routing.drills import hazards
from relief.routing.drills import sampling
from relief.routing.drills import scenario
from relief.errors import InvalidTravelTable, Problem
from relief.routing.drills.hazards import Region
from relief.routing.drills.scenario import Earthquake, Scenario, ScenarioError
from relief.routing.core.travel import haversine_km, read_table

SOURCES, COUNTIES = {"R99"}, {"990101", "990201"}


@pytest.fixture(scope="module")
def two_squares() -> Region:
    """Two one-degree square counties side by side (110-112 E, 40-41 N), no hazard zones,
    the banner pastoral (so the region has blizzards)."""
    rows = [("990101", "甲区", "甲市", 1000, 110.5, 40.5, box(110, 40, 111, 41)),
            ("990102", "乙旗", "甲市", 1000, 111.5, 40.5, box(111, 40, 112, 41))]
    return Region.build(rows, 3.0, (), (), pastoral_rows=[{"county": "990102", "pastoral": "pastoral"}])


def quake_scenario(**changes) -> dict:
    """A valid scenario as parsed TOML, with ``changes`` applied at the top level."""
    return {"name": "quake", "start": "2027-01-15T08:00:00",
            "hazard": {"type": "earthquake", "lon": 110.5, "lat": 40.5, "magnitude": 6.0}, **changes}


# travel tables

def test_a_travel_table_that_is_not_utf8_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "travel.csv"
    path.write_bytes("code,county,minutes\nR99,990201,45\n甲区,990101,10\n".encode("gbk"))
    with pytest.raises(InvalidTravelTable, match="^travel.csv is not UTF-8 text; save it as CSV UTF-8$"):
        read_table(str(path), SOURCES, COUNTIES)


def test_a_travel_table_with_spaces_after_the_commas_of_its_header_is_read(tmp_path):
    path = tmp_path / "travel.csv"
    path.write_text("code, county, minutes\nR99, 990201, 45\n\nr99,990101,0\n", encoding="utf-8")
    assert read_table(str(path), SOURCES, COUNTIES) == {("R99", "990201"): 45, ("R99", "990101"): 0}


def test_travel_minutes_beyond_100000_are_refused_as_a_bad_row(tmp_path):
    path = tmp_path / "travel.csv"
    path.write_text("code,county,minutes\nR99,990201,100000\nR99,990101,99999999999999999999\n", encoding="utf-8")
    with pytest.raises(InvalidTravelTable) as caught:
        read_table(str(path), SOURCES, COUNTIES)
    assert caught.value.problems == [
        Problem("line 3", "minutes", "minutes must be a whole number from 0 to 100,000, got '99999999999999999999'")]


# scenarios

@pytest.mark.parametrize("field", ["depots_damaged", "slow"])
def test_a_world_list_given_as_a_number_is_refused_naming_the_field(field):
    with pytest.raises(ScenarioError, match=f"^world.{field} must be a list of .*, got 5$"):
        scenario.parse(quake_scenario(world={field: 5}))


def test_a_depot_damaged_twice_is_refused_naming_the_depot():
    world = {"depots_damaged": [{"depot": "R99", "loss": 0.5}, {"depot": "r99", "loss": 0.2}]}
    with pytest.raises(ScenarioError, match=r"^world.depots_damaged\[2\].depot: depot 'R99' is already listed"):
        scenario.parse(quake_scenario(world=world))


@pytest.mark.parametrize("start", [date(9999, 12, 31), "9999-12-31T00:00:00", date(1899, 12, 31)])
def test_a_start_outside_the_years_1900_to_2200_is_refused_naming_start(start):
    with pytest.raises(ScenarioError, match="^start must be a date-time in the years 1900 to 2200, got (9999|1899)-12-31"):
        scenario.parse(quake_scenario(start=start))


def test_a_start_date_in_a_toml_file_far_in_the_future_is_refused(tmp_path):
    path = tmp_path / "far.toml"
    path.write_text('name = "far"\nstart = 9999-12-31\n[hazard]\ntype = "earthquake"\n'
                    "lon = 110.5\nlat = 40.5\nmagnitude = 6.0\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="^start must be a date-time in the years 1900 to 2200, got 9999-12-31$"):
        scenario.load(path)


# the terminal width

class Piped(io.StringIO):
    """An output stream that is not a terminal."""

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize("columns", ["abc", "0", "-5", "", "12.5"])
def test_a_columns_value_that_is_not_a_positive_whole_number_is_ignored(monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    assert common._width(Piped()) == 200


def test_a_positive_columns_value_sets_the_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", " 120 ")
    assert common._width(Piped()) == 120


# sampled drill dates

@pytest.mark.parametrize("hazard", ["earthquake", "blizzard", "flood"])
def test_the_same_seed_on_the_same_day_gives_the_same_scenarios(two_squares, hazard):
    today = date(2027, 5, 1)
    first = sampling.sample(hazard, 20, 4, two_squares, [], today)
    assert first == sampling.sample(hazard, 20, 4, two_squares, [], today)
    assert [s.start for s in first] != [s.start for s in sampling.sample(hazard, 20, 4, two_squares, [], date(2031, 5, 1))]


@pytest.mark.parametrize("today", [date(2026, 11, 22), date(2030, 2, 28), date(2032, 12, 31)])
def test_earthquakes_fall_within_the_365_days_from_today(two_squares, today):
    quakes = sampling.sample("earthquake", 300, 5, two_squares, [], today)
    assert all(today <= s.start.date() < today + timedelta(days=365) for s in quakes)
    assert max(s.start.date() for s in quakes) - min(s.start.date() for s in quakes) > timedelta(days=300)


@pytest.mark.parametrize("today, first, last", [
    (date(2026, 11, 22), date(2026, 12, 1), date(2027, 3, 15)),
    (date(2027, 1, 10), date(2027, 1, 10), date(2027, 3, 15)),
    (date(2027, 3, 15), date(2027, 3, 15), date(2027, 3, 15)),
    (date(2027, 3, 16), date(2027, 12, 1), date(2028, 3, 15)),
    (date(2027, 12, 31), date(2027, 12, 31), date(2028, 3, 15)),
])
def test_blizzards_fall_in_the_current_or_next_winter_and_never_before_today(two_squares, today, first, last):
    storms = sampling.sample("blizzard", 200, 6, two_squares, [], today)
    days = {s.start.date() for s in storms}
    assert min(days) >= first and max(days) <= last
    assert all(d.month in (12, 1, 2, 3) for d in days)


@pytest.mark.parametrize("today, first, last", [
    (date(2026, 11, 22), date(2027, 6, 15), date(2027, 9, 15)),
    (date(2027, 7, 1), date(2027, 7, 1), date(2027, 9, 15)),
    (date(2027, 9, 16), date(2028, 6, 15), date(2028, 9, 15)),
])
def test_floods_fall_in_the_current_or_next_flood_season_and_never_before_today(two_squares, today, first, last):
    floods = sampling.sample("flood", 200, 6, two_squares, [], today)
    days = {s.start.date() for s in floods}
    assert min(days) >= first and max(days) <= last
    assert all(d.month in (6, 7, 8, 9) for d in days)


# epicentres

def test_an_epicentre_far_north_of_the_region_is_measured_in_true_kilometres(two_squares):
    km = float(haversine_km(110.5, 41.0, 110.5, 42.9))
    assert km == pytest.approx(211.3, abs=0.1)
    with pytest.raises(ScenarioError, match=f"the epicentre 110.5, 42.9 is about {km:,.0f} km outside the region"):
        hazards.affected(two_squares, Scenario("north", datetime(2027, 1, 15, 8), Earthquake(110.5, 42.9, 6.0)))
