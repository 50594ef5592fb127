"""From people displaced to items and teams needed: the norms as plain rules, no database."""

from __future__ import annotations

from datetime import date

import pytest

from relief.depot import datafiles
from relief.errors import InvalidInput, InvalidQuantity
from relief.routing.core import needs
from relief.routing.core.needs import NeedNorm, TeamNorm
from relief.routing.core.problem import TeamRequest

WINTER_DAY = date(2026, 11, 22)
SUMMER_DAY = date(2026, 7, 1)
INNER_MONGOLIA_HOUSEHOLD = 2.35


@pytest.fixture(scope="module")
def need_norms() -> list[NeedNorm]:
    """The shared need norms of ``data/needs.csv``."""
    return needs.need_norms(datafiles.region_table(None, "needs.csv"))


@pytest.fixture(scope="module")
def team_norms() -> list[TeamNorm]:
    """The shared team norms of ``data/team_norms.csv``."""
    return needs.team_norms(datafiles.region_table(None, "team_norms.csv"))


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 11, 1), "winter"), (date(2027, 1, 15), "winter"), (date(2027, 3, 31), "winter"),
    (date(2027, 4, 1), "summer"), (date(2026, 7, 1), "summer"), (date(2026, 10, 31), "summer"),
])
def test_the_cold_season_runs_from_november_to_march(day, expected):
    assert needs.season(day) == expected


def test_winter_needs_cotton_tents_and_summer_needs_single_tents(need_norms):
    winter = needs.derive_needs(100, INNER_MONGOLIA_HOUSEHOLD, need_norms, WINTER_DAY)
    summer = needs.derive_needs(100, INNER_MONGOLIA_HOUSEHOLD, need_norms, SUMMER_DAY)
    assert "CTENT12" in winter and "TENT12" not in winter
    assert "TENT12" in summer and "CTENT12" not in summer
    assert {"QUILT", "COAT", "STOVE", "COAL"} <= set(winter) and not {"QUILT", "COAT", "STOVE", "COAL"} & set(summer)
    assert winter["WATER"] == summer["WATER"] and winter["KIT"] == summer["KIT"]


def test_household_items_follow_the_household_size(need_norms):
    got = needs.derive_needs(10, INNER_MONGOLIA_HOUSEHOLD, need_norms, WINTER_DAY)
    households = 5  # ceil(10 / 2.35)
    assert got == {"CTENT12": households, "KIT": households, "QUILT": 10, "BLANKET": 10, "COAT": 5, "WATER": 7,
                   "FOOD": 8, "LAMP": households, "STOVE": households, "COAL": 2 * households, "FAK": 1, "MASK": 1,
                   "TOILET": 1}


def test_a_larger_household_size_means_fewer_household_items(need_norms):
    small = needs.derive_needs(100, 2.0, need_norms, WINTER_DAY)
    large = needs.derive_needs(100, 4.0, need_norms, WINTER_DAY)
    assert (small["CTENT12"], large["CTENT12"]) == (50, 25)
    assert small["QUILT"] == large["QUILT"] == 100


def test_quantities_round_up_to_whole_units_without_float_noise():
    norms = [NeedNorm("WATER", "person", 0.7, "all"), NeedNorm("FOOD", "person", 0.75, "all"),
             NeedNorm("FAK", "household", 0.1, "all")]
    assert needs.derive_needs(10, 3.0, norms, WINTER_DAY) == {"WATER": 7, "FOOD": 8, "FAK": 1}


def test_nobody_displaced_needs_nothing(need_norms):
    assert needs.derive_needs(0, INNER_MONGOLIA_HOUSEHOLD, need_norms, WINTER_DAY) == {}


def asks(requests: dict[str, TeamRequest]) -> dict[str, tuple[int, int]]:
    """{name: (teams, people)} of derived team requests."""
    assert all(name == ask.name for name, ask in requests.items())
    return {name: (ask.teams, ask.people) for name, ask in requests.items()}


def test_teams_follow_priority_and_people(team_norms):
    assert asks(needs.derive_teams(6000, 1, team_norms)) == {
        "relief": (2, 0), "medical": (1, 0), "psych": (1, 0), "search-rescue": (0, 60)}
    assert asks(needs.derive_teams(4999, 1, team_norms)) == {
        "relief": (1, 0), "medical": (1, 0), "psych": (1, 0), "search-rescue": (0, 30)}
    assert asks(needs.derive_teams(300, 2, team_norms)) == {"relief": (1, 0), "medical": (1, 0)}
    assert asks(needs.derive_teams(200, 3, team_norms)) == {"relief": (1, 0)}
    assert asks(needs.derive_teams(199, 4, team_norms)) == {}


def test_a_norms_table_without_a_people_column_asks_for_teams_only():
    rows = [{"kind": "relief", "priority_max": "4", "people_min": "0", "count": "1"}]
    assert needs.team_norms(rows) == [TeamNorm("relief", 4, 0, 1, 0)]


def test_team_kinds_map_to_the_skill_that_covers_them():
    covers = needs.team_skills(datafiles.region_table(None, "team_skills.csv"))
    assert covers == {"relief": "distribution", "medical": "first-aid", "psych": "psychosocial",
                      "rescue": "search-rescue"}
    relief_with_first_aid = needs.abilities("relief", "shelter;distribution;first-aid", covers)
    assert {"relief", "distribution", "medical", "first-aid"} <= relief_with_first_aid
    assert not {"psych", "psychosocial", "rescue", "search-rescue"} & relief_with_first_aid
    assert needs.abilities("medical", "", covers) == {"medical", "first-aid"}, "a team has its kind's skill"
    assert needs.abilities("boat", "water", covers) == {"boat", "water"}, "a kind the table lacks is its own skill"


def test_team_requests_ask_for_teams_people_or_both():
    allowed = ("medical", "search-rescue", "rescue")
    got = needs.parse_team_requests(["Medical=1", " search-rescue = 30p", "rescue=2+45P", "medical=1"], allowed)
    assert got == {"medical": TeamRequest("medical", 2, 0), "search-rescue": TeamRequest("search-rescue", 0, 30),
                   "rescue": TeamRequest("rescue", 2, 45)}
    assert [needs.team_request_text(a.name, a.teams, a.people) for a in got.values()] == [
        "medical=2", "search-rescue=30p", "rescue=2+45p"]


def test_a_team_request_for_an_unknown_skill_names_it_and_what_is_allowed():
    with pytest.raises(InvalidInput) as caught:
        needs.parse_team_requests(["bogus=1"], ("relief", "first-aid"))
    assert str(caught.value) == "team 'bogus' is not a team kind or skill of this region; allowed: first-aid, relief"
    assert caught.value.option == "team"


@pytest.mark.parametrize("value", ["search-rescue=3x", "search-rescue=0", "search-rescue=p", "search-rescue=-1",
                                   "search-rescue=30p+20p", "search-rescue=1+2", "search-rescue=1+2+3p",
                                   "search-rescue=1_0", "search-rescue=50000001p"])
def test_a_malformed_headcount_or_number_of_teams_is_refused_naming_the_value(value):
    with pytest.raises(InvalidQuantity) as caught:
        needs.parse_team_requests([value], ("search-rescue",))
    assert str(caught.value).startswith(f"team {value!r}: give a number of teams (medical=1), of people "
                                        "(search-rescue=30p) or both (search-rescue=2+30p)")
    assert caught.value.option == "team"


def test_a_team_request_without_a_name_or_amount_is_refused():
    for value in ("medical", "=1"):
        with pytest.raises(InvalidInput, match="^team must look like NAME=N"):
            needs.parse_team_requests([value], ("medical",))


@pytest.mark.parametrize("value", ["1", 2, " 3 ", 4])
def test_priorities_one_to_four_are_accepted(value):
    assert needs.check_priority(value) == int(str(value).strip())


@pytest.mark.parametrize("value", [0, 5, "urgent", "", "2.5"])
def test_other_priorities_are_refused_naming_the_value(value):
    with pytest.raises(InvalidInput) as caught:
        needs.check_priority(value)
    assert str(caught.value).startswith("priority must be 1, 2, 3 or 4")
    assert str(caught.value).endswith(f"got {value!r}")


def test_people_must_be_a_whole_number_of_zero_or_more():
    assert needs.check_people("250") == 250
    with pytest.raises(InvalidQuantity, match="people must be a whole number from 0 to 50,000,000, got '-3'"):
        needs.check_people("-3")
    with pytest.raises(InvalidQuantity, match="got '99999999999999999999'"):
        needs.check_people("99999999999999999999")


def test_pairs_parse_into_codes_and_quantities_summing_repeats():
    assert needs.parse_pairs(["tent=4", " WATER = 10", "TENT=1"], "need") == {"TENT": 5, "WATER": 10}
    assert needs.parse_pairs(["Relief=1", "medical=2"], "team", needs.TEAM_KINDS) == {"relief": 1, "medical": 2}


@pytest.mark.parametrize(("pair", "error", "message"), [
    ("TENT", InvalidInput, "need must look like CODE=QTY (e.g. TENT12=40), got 'TENT'"),
    ("=4", InvalidInput, "need must look like CODE=QTY (e.g. TENT12=40), got '=4'"),
    ("TENT=0", InvalidQuantity, "need 'TENT=0': the quantity must be a whole number from 1 to 1,000,000,000"),
    ("TENT=-2", InvalidQuantity, "need 'TENT=-2': the quantity must be a whole number from 1 to 1,000,000,000"),
    ("TENT=many", InvalidQuantity, "need 'TENT=many': the quantity must be a whole number from 1 to 1,000,000,000"),
])
def test_malformed_need_pairs_are_refused_naming_the_pair(pair, error, message):
    with pytest.raises(error) as caught:
        needs.parse_pairs([pair], "need")
    assert (str(caught.value), caught.value.option) == (message, "need")


def test_a_team_kind_outside_the_allowed_kinds_is_refused():
    with pytest.raises(InvalidInput, match="^team 'doctor' is not one of relief, medical, psych$") as caught:
        needs.parse_pairs(["doctor=1"], "team", needs.TEAM_KINDS)
    assert caught.value.option == "team"
