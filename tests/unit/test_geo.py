"""Which county holds a point, and coordinate checks: shapely on the tiny region, no database."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relief.depot import datafiles
from relief.errors import InvalidCoordinates, OutsideRegion
from relief.routing.core.geo import Counties, check_point


@pytest.fixture(scope="module")
def tiny_counties(tiny_region) -> Counties:
    """The three square counties of the tiny region: 990101 (110-111E), 990102 (111-112E)
    and 990201 (112-113E), all 40-41N."""
    rows = datafiles.read_counties(tiny_region / "counties.geojson")
    return Counties.from_rows([(r["adcode"], r["name"], r["geometry"]) for r in rows])


@pytest.mark.parametrize(("lon", "lat", "adcode"), [
    (110.5, 40.5, "990101"), (111.2, 40.9, "990102"), (112.99, 40.01, "990201"),
])
def test_a_point_is_placed_in_the_county_that_holds_it(tiny_counties, lon, lat, adcode):
    assert tiny_counties.locate(lon, lat) == adcode


def test_a_point_on_a_shared_border_goes_to_the_first_county_by_adcode(tiny_counties):
    assert tiny_counties.locate(111.0, 40.5) == "990101"
    assert tiny_counties.locate(112.0, 40.5) == "990102"


def test_a_point_outside_the_region_is_refused_naming_the_nearest_county_and_its_distance(tiny_counties):
    with pytest.raises(OutsideRegion) as caught:
        tiny_counties.locate(114.0, 40.5)
    message = str(caught.value)
    # one degree of longitude at 40.5N: 111.2 km x cos(40.5) = 84.6 km
    assert message.startswith("point 114.0000, 40.5000 is outside the region (about 85 km from 丙旗 990201)")
    assert message.endswith("give a point inside one of its counties")


def test_a_point_north_of_the_region_names_the_county_below_it(tiny_counties):
    with pytest.raises(OutsideRegion, match=r"\(about 56 km from 乙县 990102\)"):
        tiny_counties.locate(111.5, 41.5)


def test_many_points_are_located_at_once_with_minus_one_outside(tiny_counties):
    where = tiny_counties.locate_many(np.array([110.5, 114.0, 112.5, 111.5]), np.array([40.5, 40.5, 40.5, 40.2]))
    assert where.tolist() == [0, -1, 2, 1]
    assert [tiny_counties.adcodes[i] for i in where if i >= 0] == ["990101", "990201", "990102"]


def test_coordinates_given_as_text_are_read_as_numbers():
    assert check_point(" 110.5 ", "40.25") == (110.5, 40.25)
    assert check_point(-180, 90) == (-180.0, 90.0)


@pytest.mark.parametrize(("lon", "lat", "message"), [
    ("east", 40.5, "longitude must be a number between -180 and 180 degrees, got 'east'"),
    (181, 40.5, "longitude must be a number between -180 and 180 degrees, got 181"),
    (None, 40.5, "longitude must be a number between -180 and 180 degrees, got None"),
    (110.5, -90.5, "latitude must be a number between -90 and 90 degrees, got -90.5"),
    (110.5, "nan", "latitude must be a number between -90 and 90 degrees, got 'nan'"),
    (110.5, math.inf, "latitude must be a number between -90 and 90 degrees, got inf"),
])
def test_coordinates_out_of_range_or_not_numbers_are_refused_naming_the_value(lon, lat, message):
    with pytest.raises(InvalidCoordinates) as caught:
        check_point(lon, lat)
    assert str(caught.value) == message
