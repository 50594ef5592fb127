"""Cells safe to open in a spreadsheet, and output files written whole or not at all."""

from __future__ import annotations

from datetime import date

import pytest

from relief.depot import outfiles
from relief.depot.cells import restore_cell, safe_cell
from relief.errors import Refused

# Text a spreadsheet would run as a formula: one for each dangerous first character.
DANGEROUS = ['=HYPERLINK("http://evil.example","x")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_starting_like_a_formula_gets_a_leading_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [0, 7, -3, 2.5, -0.25, True, None, date(2027, 5, 1)])
def test_numbers_dates_and_none_are_left_as_they_are(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", ["tent", "WB-3-D1-1", "-", "", "'quoted", "R99", "1-2", "a=b"])
def test_ordinary_text_and_the_lone_dash_are_left_as_they_are(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("text", DANGEROUS + ["'=1", "''+1", "'-", "'plain", "-", "plain", ""])
def test_restore_gives_back_exactly_the_text_written(text):
    assert restore_cell(safe_cell(text)) == text


def test_restore_leaves_numbers_and_unquoted_text_alone():
    assert [restore_cell(v) for v in (-3, None, "=1", "'x")] == [-3, None, "=1", "'x"]


def test_claiming_an_existing_file_is_refused_unless_forced(tmp_path):
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("old", encoding="utf-8")
    with pytest.raises(Refused, match=r"old\.csv already exists; nothing was written$") as caught:
        outfiles.claim([new, old])
    assert caught.value.option == "force"
    assert outfiles.claim([new, old], force=True) == [new, old]
    assert outfiles.claim([new]) == [new]


def test_an_interrupted_write_leaves_the_old_file_and_no_partial_one(tmp_path):
    target = tmp_path / "stock.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with outfiles.atomic(target) as partial:
            partial.write_text("half", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["stock.csv"]
    with outfiles.atomic(target) as partial:
        assert partial != target and partial.suffix == ".csv"
        partial.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new" and [p.name for p in tmp_path.iterdir()] == ["stock.csv"]
