"""``relief travel``: a planner asks what one route costs, county by county, on Inner Mongolia.

R15 is the region depot in Hohhot; 150402 is Hongshan district (Chifeng), one of the three
city districts the shipped ``chifeng-m6-winter`` scenario slows by 1.8; 152921 is Alxa
Left Banner, far to the west of Hohhot, away from Chifeng.
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest


SHIPPED = Path(__file__).resolve().parents[2] / "data" / "inner-mongolia"

COUNTY_KEYS = {"county", "name", "km", "line_km", "share", "circuity", "speed_kmh", "slow", "minutes"}
ROUTE_KEYS = {"from", "to", "km", "minutes", "counties", "start_minutes", "great_circle_km", "scenario",
              "minutes_without_scenario", "cut", "unavailable"}
CHIFENG = "chifeng-m6-winter"
SLOWED = {"150402", "150403", "150404"}
WEST = "152921"  # 阿拉善左旗


@pytest.fixture(scope="module")
def rules() -> dict:
    """What the shipped region folder says of travel, read here from its files: the
    defaults of region.toml [travel], and each county's circuity and speed (its own
    number in circuity.csv, else its kind's, else the default), and each team's row."""
    meta = tomllib.loads((SHIPPED / "region.toml").read_text(encoding="utf-8")).get("travel", {})
    default = {"circuity": meta.get("circuity", 1.3), "speed_kmh": meta.get("speed_kmh", 60),
               "handling_min": meta.get("handling_min", 30), "team_mobilise_min": meta.get("team_mobilise_min", 60)}
    kinds = meta.get("kinds", {})
    county = {}
    with (SHIPPED / "circuity.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            kind = kinds.get((row.get("kind") or "").strip(), {})
            county[row["county"].strip()] = {
                key: float(row[key]) if (row.get(key) or "").strip() else kind.get(key, default[key])
                for key in ("circuity", "speed_kmh")}
    with (SHIPPED / "teams.csv").open(encoding="utf-8", newline="") as f:
        teams = {row["code"]: row for row in csv.DictReader(f)}
    return {"default": default, "county": county, "teams": teams}


def county_rule(rules: dict, county: str | None, key: str) -> float:
    return rules["county"].get(county or "", {}).get(key, rules["default"][key])


@pytest.fixture
def travel(cli, inner_mongolia_file):
    """Run ``relief travel ARGS --json --db FILE`` in this process; returns the parsed route."""

    def run(*args: str) -> dict:
        done = cli("travel", *args, "--json", "--db", inner_mongolia_file)
        assert done.code == 0, done.stderr
        return done.json()

    return run


@pytest.mark.slow
def test_the_text_output_names_the_route_its_road_and_the_counties_it_crosses(relief, inner_mongolia_file):
    done = relief("travel", "R15", "150402", "--db", inner_mongolia_file)
    assert done.code == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("R15 ") and " → 150402 红山区 (" in lines[0]
    assert lines[1].startswith("road ") and "km (great circle " in lines[1]
    assert re.search(r" = \d+ min handling \+ \d+:\d\d driving$", lines[1]), lines[1]
    assert lines[2] == "counties crossed"
    table = "\n".join(lines[3:])
    assert "红山区" in table and "松山区" in table  # the route enters Chifeng through Songshan
    assert "outside the region" in table  # Hohhot to Chifeng runs through Hebei
    for header in ("line km", "share", "circuity", "road km", "km/h", "slow", "driving h:mm"):
        assert header in table
    assert done.stderr == ""


@pytest.mark.slow
def test_the_text_output_under_a_scenario_tells_the_change(relief, inner_mongolia_file):
    done = relief("travel", "R15", "150402", "--scenario", CHIFENG, "--db", inner_mongolia_file)
    assert done.code == 0, done.stderr
    under = [line for line in done.stdout.splitlines() if line.startswith("under ")]
    assert len(under) == 1 and under[0].startswith("under M6.0 near Chifeng, winter morning: ")
    assert " without it" in under[0] and "%" in under[0]


def test_json_has_the_documented_keys_and_the_counties_add_up(travel, rules):
    route = travel("R15", "150402")
    assert ROUTE_KEYS <= set(route)
    assert route["from"] == "R15" and route["to"] == "150402"
    assert route["scenario"] is None and route["minutes_without_scenario"] is None
    assert route["cut"] is False and route["unavailable"] is False
    assert route["start_minutes"] == rules["default"]["handling_min"]  # a depot's handling
    legs = route["counties"]
    assert len(legs) >= 3 and all(set(leg) == COUNTY_KEYS for leg in legs)
    assert legs[-1]["county"] == "150402" and legs[-1]["name"] == "红山区"  # the last county is the destination
    assert {leg["county"] for leg in legs} & SLOWED == {"150402", "150404"}
    assert abs(sum(leg["km"] for leg in legs) - route["km"]) <= 0.5
    assert abs(sum(leg["line_km"] for leg in legs) - route["great_circle_km"]) <= 0.5
    assert abs(sum(leg["share"] for leg in legs) - 1.0) <= 0.002
    assert route["km"] > route["great_circle_km"] > 500
    for leg in legs:
        assert leg["km"] == pytest.approx(leg["line_km"] * leg["circuity"], abs=0.15)
        assert leg["slow"] == 1.0
    # road km at each county's speed, plus handling, make the whole minutes
    assert abs(route["minutes"] - route["start_minutes"] - sum(leg["minutes"] for leg in legs)) <= 1
    assert abs(route["minutes"] - route["start_minutes"]
               - sum(leg["km"] / leg["speed_kmh"] * 60 for leg in legs)) <= 1


def test_each_county_of_the_route_has_the_regions_circuity_and_speed_for_it(travel, rules):
    legs = travel("R15", "150402")["counties"]
    for leg in legs:
        assert leg["circuity"] == pytest.approx(county_rule(rules, leg["county"], "circuity")), leg
        assert leg["speed_kmh"] == pytest.approx(county_rule(rules, leg["county"], "speed_kmh")), leg
    own = [leg for leg in legs if leg["county"] in rules["county"]]
    assert own, "the route crosses counties of circuity.csv"
    # each county's road km and minutes are of its own part of the line only
    for leg in legs:
        assert leg["minutes"] == pytest.approx(leg["line_km"] * leg["circuity"] / leg["speed_kmh"] * 60
                                               * leg["slow"], abs=0.2)


def test_the_chifeng_scenario_slows_the_route_only_inside_the_city_districts(travel):
    plain = travel("R15", "150402")
    under = travel("R15", "150402", "--scenario", CHIFENG)
    assert under["scenario"] == "M6.0 near Chifeng, winter morning"
    assert under["minutes_without_scenario"] == plain["minutes"]
    assert plain["minutes"] < under["minutes"] <= 1.2 * plain["minutes"]
    assert under["km"] == plain["km"]  # a slowdown costs time, not road
    slowed = [leg for leg in under["counties"] if leg["slow"] != 1.0]
    assert {leg["county"] for leg in slowed} == {"150402", "150404"}
    assert all(leg["slow"] == 1.8 for leg in slowed)
    extra = sum(leg["minutes"] for leg in slowed) * (1 - 1 / 1.8)
    assert abs(under["minutes"] - plain["minutes"] - extra) <= 1


def test_a_route_away_from_the_slowed_districts_takes_the_same_minutes_under_the_scenario(travel):
    plain = travel("R15", WEST)
    under = travel("R15", WEST, "--scenario", CHIFENG)
    assert not {leg["county"] for leg in plain["counties"]} & SLOWED
    assert plain["counties"][-1]["county"] == WEST
    assert under["minutes"] == under["minutes_without_scenario"] == plain["minutes"]
    assert under["km"] == plain["km"] and under["cut"] is False and under["unavailable"] is False
    assert all(leg["slow"] == 1.0 for leg in under["counties"])


def test_a_team_starts_after_its_mobilisation_and_drives_at_its_own_speed(travel, rules):
    depot = travel("L1502", "150402")  # Baotou's league depot, T05's base
    team = travel("T05", "150402")
    assert team["from"] == "T05" and team["from_kind"] == "team"
    row = rules["teams"]["T05"]
    assert row["base"] == "L1502"
    assert team["start_minutes"] == int(row["mobilise_min"])  # its own mobilisation in teams.csv
    assert team["start_minutes"] != depot["start_minutes"]
    assert team["km"] == depot["km"] and team["great_circle_km"] == depot["great_circle_km"]
    driving = depot["minutes"] - depot["start_minutes"]
    own = float(row["speed_kmh"]) / rules["default"]["speed_kmh"]  # a team's speed scales its driving
    assert own != 1.0
    assert abs(team["minutes"] - team["start_minutes"] - driving / own) <= 1


def test_a_teams_county_minutes_add_up_to_its_driving(travel):
    team = travel("T05", "150402")
    assert abs(sum(leg["minutes"] for leg in team["counties"]) - (team["minutes"] - team["start_minutes"])) <= 1


def test_a_team_the_scenario_takes_is_reported_unavailable(travel):
    route = travel("T07", "150402", "--scenario", CHIFENG)  # the Chifeng team, caught in the quake
    assert route["unavailable"] is True and route["from_kind"] == "team"


def test_to_may_be_a_depot_code_which_stands_at_its_point(travel):
    to_depot = travel("R15", "L1504")  # the Chifeng league depot, in Hongshan district
    assert to_depot["to"] == "L1504" and to_depot["to_county"] == "150402"
    assert to_depot["counties"][-1]["county"] == "150402"
    to_county = travel("R15", "150402")
    assert (to_depot["lon"], to_depot["lat"]) == (to_county["lon"], to_county["lat"])
    assert to_depot["km"] == to_county["km"] and to_depot["minutes"] == to_county["minutes"]
    assert travel("r15", "l1504")["to"] == "L1504"  # codes in any case


def test_to_may_be_a_point_inside_the_region(travel):
    route = travel("R15", "111.0,41.0")
    assert route["to"] == "111.0000,41.0000" and (route["lon"], route["lat"]) == (111.0, 41.0)
    assert route["to_county"] == route["counties"][-1]["county"] == "150125"  # Wuchuan County
    assert 50 < route["great_circle_km"] < 80 and route["km"] > route["great_circle_km"]
    assert route["minutes"] > route["start_minutes"]


@pytest.mark.parametrize("args, named", [
    (("NOPE", "150402"), "'NOPE'"),
    (("R15", "999999"), "'999999'"),
    (("R15", "10,10"), "10.0000, 10.0000"),
    (("R15", "abc,40"), "'abc'"),
    (("R15", "1,2,3"), "'1,2,3'"),
], ids=["unknown FROM", "unknown TO", "point outside the region", "malformed point", "three numbers"])
def test_bad_input_is_one_error_line_naming_the_value(cli, inner_mongolia_file, args, named):
    done = cli("travel", *args, "--db", inner_mongolia_file)
    assert done.code == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_bad_input_through_the_installed_script_writes_nothing_to_stdout(relief, inner_mongolia_file):
    done = relief("travel", "R15", "abc,40", "--json", "--db", inner_mongolia_file)
    assert (done.code, done.stdout) == (2, "")
    assert done.errors() == done.stderr.splitlines() and len(done.errors()) == 1
    assert "'abc'" in done.errors()[0]
