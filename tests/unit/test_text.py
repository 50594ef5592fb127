"""The text rules: codes, names, notes and ids have documented limits and character
rules, checked before any database sees them."""

from __future__ import annotations

import csv

import pytest

from relief.depot import text
from relief.errors import InvalidFile, InvalidInput


def test_a_code_loses_its_surrounding_spaces():
    assert text.code("  R99 ") == "R99"


def test_a_code_of_64_characters_is_allowed_and_one_of_65_is_not():
    assert text.code("L" * 64) == "L" * 64
    with pytest.raises(InvalidInput, match="^lot must be at most 64 characters, got 65"):
        text.code("L" * 65, "lot")


@pytest.mark.parametrize("bad", ["A\x00B", "A\nB", "A\tB", "A\x1bB", "A\u200bB", "A\u2028B", "A\x7fB"],
                         ids=["NUL", "newline", "tab", "escape", "zero-width space", "line separator", "DEL"])
def test_a_code_with_an_unprintable_character_is_refused_naming_it(bad):
    with pytest.raises(InvalidInput, match=r"^lot must hold only printable characters; got U\+"):
        text.code(bad, "lot")


def test_an_empty_code_is_refused_and_an_optional_one_is_none():
    with pytest.raises(InvalidInput, match="^depot code must not be empty$"):
        text.code("  ", "depot code")
    assert text.optional_code("  ") is None and text.optional_code(None) is None


def test_a_name_may_hold_chinese_and_interior_spaces_but_not_control_characters():
    assert text.name(" 甲市 中心库 ") == "甲市 中心库"
    with pytest.raises(InvalidInput, match=r"^name must not hold control characters; got U\+0000"):
        text.name("甲\x00市")


def test_names_and_notes_have_their_own_limits():
    assert text.name("n" * 200) == "n" * 200
    with pytest.raises(InvalidInput, match="^name must be at most 200 characters, got 201"):
        text.name("n" * 201)
    assert text.note("n" * 1000) == "n" * 1000
    with pytest.raises(InvalidInput, match="^note must be at most 1,000 characters, got 1,001"):
        text.note("n" * 1001)
    assert text.note("  ") is None


@pytest.mark.parametrize("check", [text.code, text.name, text.note])
def test_text_that_was_not_utf8_is_refused(check):
    with pytest.raises(InvalidInput, match="^value is not valid UTF-8 text"):
        check(b"\xff".decode("utf-8", "surrogateescape"), "value")


def test_the_option_and_field_travel_on_the_error():
    with pytest.raises(InvalidInput) as caught:
        text.code(b"\xff".decode("utf-8", "surrogateescape"), "lot", option="lot", field="lot")
    assert (caught.value.option, caught.value.field) == ("lot", "lot")


@pytest.mark.parametrize("bad", [0, -1, 2_147_483_648, 10**30, "x", "1.5", True])
def test_an_id_outside_1_to_2147483647_is_refused(bad):
    with pytest.raises(InvalidInput, match="^plan id must be a whole number from 1 to 2,147,483,647, got "):
        text.record_id(bad, "plan id")


def test_an_id_in_range_is_returned_as_a_number():
    assert text.record_id("2147483647") == 2_147_483_647 and text.record_id(1) == 1


def test_a_parser_that_gives_up_becomes_one_invalid_file_message():
    assert str(text.unreadable("a.csv", csv.Error("field larger than field limit (131072)"), "CSV")) == \
        f"a.csv is not a readable CSV file: a field is longer than {csv.field_size_limit():,} characters"
    error = text.unreadable("a.geojson", RecursionError("maximum recursion depth exceeded"), "GeoJSON")
    assert isinstance(error, InvalidFile) and str(error) == "a.geojson is not a readable GeoJSON file: it is nested too deeply to read"
