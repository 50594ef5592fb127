"""Scenario files: the README examples and shipped scenarios parse; bad fields are named."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from relief.routing.drills import scenario
from relief.routing.drills.scenario import Area, Blizzard, Earthquake, Flood, Incidents, ScenarioError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "data" / "scenarios").glob("*.toml"))

README_EXAMPLE = """\
name = "M6.0 near Chifeng"
start = 2027-01-15T08:00:00+08:00
[hazard]
type = "earthquake"
lon = 118.9
lat = 42.3
magnitude = 6.0
depth_km = 10
"""

FLOOD = """\
name = "flood"
start = 2027-08-10T06:00:00+08:00
[hazard]
type = "flood"
{area}
severity = {severity}
"""


def flood(severity="2", area='counties = ["150502"]') -> str:
    """A flood scenario's text with the given severity and area lines."""
    return FLOOD.format(severity=severity, area=area)


@pytest.fixture
def write(tmp_path):
    """Write scenario text to a file and return its path."""

    def to_file(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return to_file


def readme_scenario_block() -> str:
    """The TOML example under "The scenario file" in the README."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### The scenario file", 1)[1]
    return re.search(r"```toml\n(.*?)```", section, re.S).group(1)


def test_the_short_readme_example_parses_into_an_earthquake(write):
    s = scenario.load(write(README_EXAMPLE))
    assert s.name == "M6.0 near Chifeng"
    assert s.start == datetime(2027, 1, 15, 8, 0)
    assert s.hazard == Earthquake(lon=118.9, lat=42.3, magnitude=6.0, depth_km=10.0, strike_deg=None)
    assert s.world == scenario.World()


def test_the_full_readme_example_parses_with_its_world_changes(write):
    s = scenario.load(write(readme_scenario_block()))
    assert s.hazard.strike_deg == 60
    assert s.world.depots_closed == ("C150430",)
    assert s.world.depots_damaged == (("L1504", 0.33),)
    assert s.world.teams_unavailable == ("T07",)
    assert [(slow.area.counties, slow.factor) for slow in s.world.slow] == [(("150402",), 1.8), ((), 1.5)]
    assert s.world.slow[1].area.polygon == ((118, 42), (120, 42), (120, 43), (118, 43))
    assert s.world.roads_cut == (("L1504", "150430"),)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_parses(path):
    s = scenario.load(path)
    assert s.name and isinstance(s.hazard, (Earthquake, Blizzard, Flood, Incidents))


def test_five_scenarios_ship_one_of_each_hazard():
    kinds = sorted(type(scenario.load(p).hazard).__name__ for p in SHIPPED)
    assert kinds == ["Blizzard", "Earthquake", "Earthquake", "Flood", "Incidents"]


def test_a_severity_may_be_a_word_or_a_number(write):
    assert scenario.load(write(flood(severity='"Severe"'))).hazard == Flood(Area(("150502",)), 3)
    assert scenario.load(write(flood(severity="1"))).hazard.severity == 1


def test_a_start_given_as_a_date_begins_at_eight_in_the_morning(write):
    s = scenario.load(write(README_EXAMPLE.replace("2027-01-15T08:00:00+08:00", "2027-07-01")))
    assert s.start == datetime(2027, 7, 1, 8, 0)


def test_a_tabletop_incident_keeps_its_needs_upper_cased_and_defaults_its_priority(write):
    s = scenario.load(write(
        'name = "t"\nstart = 2027-03-20T09:00:00\n[hazard]\ntype = "incidents"\n'
        '[[hazard.incidents]]\nlon = 119.76\nlat = 49.21\npeople = 10\nneeds = { yurt = 3 }\n'))
    (incident,) = s.hazard.incidents
    assert (incident.name, incident.priority, incident.needs) == ("incident 1", 3, (("YURT", 3),))


BAD = {
    "missing magnitude": (README_EXAMPLE.replace("magnitude = 6.0\n", ""),
                          ["'magnitude'", "missing field", "required: type, lon, lat, magnitude"]),
    "unknown field magnitud": (README_EXAMPLE + "magnitud = 6.0\n",
                               ["'magnitud'", "unknown field", "allowed: type, lon, lat, magnitude, depth_km"]),
    "misspelt magnitude": (README_EXAMPLE.replace("magnitude = 6.0", "magnitud = 6.0"), ["missing field 'magnitude'"]),
    "unknown top-level field": ('epicenter = "x"\n' + README_EXAMPLE, ["unknown field 'epicenter'"]),
    "unknown hazard type": (README_EXAMPLE.replace('"earthquake"', '"tsunami"'),
                            ["hazard.type", "earthquake, blizzard, flood, incidents", "'tsunami'"]),
    "magnitude 9.5": (README_EXAMPLE.replace("magnitude = 6.0", "magnitude = 9.5"),
                      ["hazard.magnitude", "from 4 to 8.5", "9.5"]),
    "magnitude as text": (README_EXAMPLE.replace("magnitude = 6.0", 'magnitude = "6.0"'),
                          ["hazard.magnitude", "a number"]),
    "depth 100 km": (README_EXAMPLE.replace("depth_km = 10", "depth_km = 100"), ["hazard.depth_km", "1 to 70"]),
    "polygon of 2 points": (flood(area="polygon = [[121, 43], [122, 44]]"),
                            ["hazard.polygon", "at least 3 [lon, lat] pairs"]),
    "bow-tie polygon": (flood(area="polygon = [[121, 43], [122, 44], [122, 43], [121, 44]]"),
                        ["hazard.polygon", "not a valid polygon", "edges cross"]),
    "flood without an area": (flood(area=""), ["hazard", "counties = [...] or polygon"]),
    "severity catastrophic": (flood(severity='"catastrophic"'),
                              ["hazard.severity", "1-4", "minor, moderate, severe, extreme", "'catastrophic'"]),
    "severity 5": (flood(severity="5"), ["hazard.severity", "1-4", "5"]),
    "damage loss 1.5": (README_EXAMPLE + '[world]\ndepots_damaged = [{ depot = "L1504", loss = 1.5 }]\n',
                        ["world.depots_damaged[1].loss", "from 0 to 1", "1.5"]),
    "damage without a depot": (README_EXAMPLE + "[world]\ndepots_damaged = [{ loss = 0.5 }]\n",
                               ["world.depots_damaged[1]", "missing field 'depot'"]),
    "slow factor 0.5": (README_EXAMPLE + '[world]\nslow = [{ counties = ["150402"], factor = 0.5 }]\n',
                        ["world.slow[1].factor", "from 1 to 20"]),
    "road cut of one code": (README_EXAMPLE + '[world]\nroads_cut = [["L1504"]]\n',
                             ["world.roads_cut", "[depot or team code, county code] pairs"]),
    "unknown world field": (README_EXAMPLE + '[world]\ndepots_flooded = ["L1504"]\n',
                            ["world", "unknown field 'depots_flooded'", "depots_closed"]),
    "tabletop priority 5": ('name = "t"\nstart = 2027-03-20T09:00:00\n[hazard]\ntype = "incidents"\n'
                            "[[hazard.incidents]]\nlon = 119.7\nlat = 49.2\npeople = 10\npriority = 5\n",
                            ["hazard.incidents[1].priority", "1, 2, 3 or 4"]),
    "malformed start": (README_EXAMPLE.replace("2027-01-15T08:00:00+08:00", '"next tuesday"'),
                        ["start", "2027-01-15T08:00:00+08:00", "'next tuesday'"]),
    "empty name": (README_EXAMPLE.replace('"M6.0 near Chifeng"', '"  "'), ["name", "non-empty text"]),
    "not TOML": ("name = M6 near Chifeng\n[hazard\n", ["scenario.toml is not valid TOML"]),
}


@pytest.mark.parametrize("text, expected", BAD.values(), ids=BAD.keys())
def test_bad_input_raises_one_error_naming_the_field_and_what_is_allowed(write, text, expected):
    with pytest.raises(ScenarioError) as caught:
        scenario.load(write(text))
    message = str(caught.value)
    assert "\n" not in message
    for part in expected:
        assert part in message


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file not found: .*nowhere.toml"):
        scenario.load(tmp_path / "nowhere.toml")


def test_parsed_scenarios_cannot_be_changed(write):
    s = scenario.load(write(README_EXAMPLE))
    with pytest.raises(AttributeError):
        s.hazard.magnitude = 7.0


def test_true_is_not_a_severity_or_a_priority():
    from relief.routing.drills.scenario import ScenarioError, parse

    flood = {"name": "f", "start": "2027-08-01T08:00:00", "hazard": {"type": "flood", "counties": ["150502"],
                                                                    "severity": True}}
    with pytest.raises(ScenarioError, match="severity"):
        parse(flood)
    tabletop = {"name": "t", "start": "2027-03-01T08:00:00",
                "hazard": {"type": "incidents", "incidents": [{"lon": 119.0, "lat": 49.0, "people": 10,
                                                               "priority": True}]}}
    with pytest.raises(ScenarioError, match="priority"):
        parse(tabletop)
