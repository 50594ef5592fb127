"""The one quantity parser and the one date parser, without a database.

Every entry point (CLI arguments, import files, region folders, travel tables, incident
files) reads numbers and dates through ``rules.whole_number`` / ``parse_date`` /
``parse_datetime``; these tests fix their rules.
"""

from datetime import date, datetime

import pytest

from relief.depot import rules
from relief.errors import InvalidDate, InvalidQuantity

# Text that int() or date.fromisoformat() would misread, and that every parser refuses.
BAD_COUNTS = ["-0", "+0", "+5", "1_000", "1,000", "1 000", "1\u00a0000", "５", "1e3", "2.5", "0x10", "", " ",
              "ten", "-5", "99999999999"]
BAD_POSITIVE = ["0", "-0", "+0", "+5", "1_000", "1,000", "1 000", "５", "1e3", "2.5", "", "-5", "1000000001", True]
BAD_DELTAS = ["0", "-0", "+0", "1_000", "-1_000", "- 3", "1 000", "５", "2.5", "", "1000000001", "-1000000001"]
BAD_DATES = ["20270115", "2027-W03-1", "2027-1-5", "2027-02-30", "9999-12-31", "1999-12-31", "2101-01-01",
             "2027-01-15T08:00", "15/01/2027", "", "tomorrow"]
BAD_DATETIMES = ["9999-12-31T23:59", "1999-12-31T23:59", "2101-01-01T00:00", "2026-11-22", "20261122T0800",
                 "2026-11-22T8:00", "2026-11-22T25:00", "tomorrow", "", "2026-W47-1T08:00"]


@pytest.mark.parametrize("value", BAD_COUNTS)
def test_a_count_is_plain_digits_zero_or_more(value):
    with pytest.raises(InvalidQuantity, match="counted quantity must be"):
        rules.counted_quantity(value)


@pytest.mark.parametrize("value", BAD_POSITIVE)
def test_a_quantity_is_plain_digits_greater_than_zero(value):
    with pytest.raises(InvalidQuantity, match="quantity must be"):
        rules.positive_quantity(value)


@pytest.mark.parametrize("value", BAD_DELTAS)
def test_a_delta_is_signed_digits_other_than_zero(value):
    with pytest.raises(InvalidQuantity, match="delta must be"):
        rules.nonzero_delta(value)


def test_minus_zero_is_not_a_count_of_zero():
    with pytest.raises(InvalidQuantity, match="without a sign .* got '-0'"):
        rules.counted_quantity("-0")


def test_underscores_are_named_as_separators():
    with pytest.raises(InvalidQuantity, match="plain digits without separators, got '1_000'"):
        rules.positive_quantity("1_000")


@pytest.mark.parametrize(("value", "expected"), [("12", 12), (" 12 ", 12), ("007", 7), (12, 12), (12.0, 12),
                                                 ("1000000000", 1_000_000_000)])
def test_plain_digits_and_whole_spreadsheet_numbers_are_read(value, expected):
    assert rules.positive_quantity(value) == expected == rules.counted_quantity(value)


@pytest.mark.parametrize(("value", "expected"), [("-3", -3), ("+5", 5), ("5", 5), (-3, -3)])
def test_a_delta_may_carry_a_sign(value, expected):
    assert rules.nonzero_delta(value) == expected


def test_whole_number_checks_its_bounds_by_name():
    assert rules.whole_number("100000", "minutes", low=0, high=100_000) == 100_000
    with pytest.raises(InvalidQuantity, match="^minutes must be a whole number from 0 to 100,000, got .100001.$"):
        rules.whole_number("100001", "minutes", low=0, high=100_000)
    with pytest.raises(InvalidQuantity, match="^minutes must be a whole number from 0 to 100,000, got '-1'$"):
        rules.whole_number("-1", "minutes", low=0, high=100_000, signed=True)


@pytest.mark.parametrize("value", BAD_DATES)
def test_a_date_is_yyyy_mm_dd_between_2000_and_2100(value):
    with pytest.raises(InvalidDate, match="^expiry must be"):
        rules.parse_date(value, "expiry")


def test_a_date_out_of_range_says_the_range():
    with pytest.raises(InvalidDate, match="^expiry must be dated from 2000-01-01 to 2100-12-31, got '9999-12-31'$"):
        rules.parse_date("9999-12-31", "expiry")
    with pytest.raises(InvalidDate, match="from 2000-01-01 to 2100-12-31"):
        rules.parse_date(date(1990, 1, 1), "expiry")


@pytest.mark.parametrize(("value", "expected"), [("2027-01-15", date(2027, 1, 15)), (" 2000-01-01 ", date(2000, 1, 1)),
                                                 ("2100-12-31", date(2100, 12, 31)),
                                                 (datetime(2027, 1, 15, 9), date(2027, 1, 15))])
def test_dates_in_range_are_read(value, expected):
    assert rules.parse_date(value) == expected


@pytest.mark.parametrize("value", BAD_DATETIMES)
def test_a_date_time_is_iso_8601_between_2000_and_2100(value):
    with pytest.raises(InvalidDate, match="^start must be"):
        rules.parse_datetime(value, "start", option="start")


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-22T08:00", datetime(2026, 11, 22, 8)), ("2026-11-22 08:00:30", datetime(2026, 11, 22, 8, 0, 30)),
    ("2026-11-22T08:00+08:00", datetime(2026, 11, 22, 8)), ("2026-11-22T08:00Z", datetime(2026, 11, 22, 8))])
def test_date_times_keep_the_clock_as_written(value, expected):
    assert rules.parse_datetime(value) == expected

