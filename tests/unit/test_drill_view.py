"""How a drill's affected counties read: people displaced for an earthquake, households
cut off (with fodder and road to clear) for a blizzard. No database."""

from __future__ import annotations

from relief.routing.drills import view
from relief.routing.drills.run import DrillReport


def report(kind: str, affected: list[dict], **hazard) -> DrillReport:
    scenario = {"name": "s", "start": "2027-02-03T08:00", "description": "", "hazard": {"type": kind, **hazard}}
    return DrillReport(scenario, affected, [], [], None, {}, [])


BLIZZARD_ROWS = [
    {"county": "A", "name": "a", "population": 1000, "displaced": 470, "households": 200, "days": 7.0,
     "fodder_t": 403.2, "road_km": 120},
    {"county": "B", "name": "b", "population": 500, "displaced": 47, "households": 20, "days": 7.0,
     "fodder_t": 40.3, "road_km": 300},
]


def test_a_blizzard_speaks_of_households_cut_off_fodder_and_road_not_of_people_displaced():
    line = view.headline(report("blizzard", BLIZZARD_ROWS, duration_days=7.0))
    assert line == ("220 herding households (517 people) cut off in 2 counties for 7 days, staying home; "
                    "444 t of fodder needed, 420 km of road to clear")
    assert "displaced" not in line


def test_a_blizzard_table_has_households_days_fodder_and_road_and_no_intensity():
    keys = [key for key, _ in view.affected_columns(report("blizzard", BLIZZARD_ROWS, duration_days=7.0))]
    assert {"households", "days", "fodder_t", "road_km"} <= set(keys) and "intensity" not in keys


def test_an_earthquake_speaks_of_people_displaced_with_intensity():
    rows = [{"county": "A", "name": "a", "population": 1000, "displaced": 300, "intensity": 8.1}]
    quake = report("earthquake", rows)
    assert view.headline(quake) == "300 people displaced in 1 county"
    assert "intensity" in [key for key, _ in view.affected_columns(quake)]
    assert "intensity" not in [key for key, _ in view.affected_columns(report("flood", rows))]


def test_the_drill_page_shows_a_blizzards_households_fodder_and_road():
    from relief.web import i18n
    from relief.web.pages_common import TEMPLATES
    from relief.web.pages_drills import _summary

    blizzard = report("blizzard", BLIZZARD_ROWS, duration_days=7.0)
    html = TEMPLATES.get_template("drills.html").render(
        t=i18n.labels("en"), lang="en", who=None, path="/drills", csrf="", status=200, scenarios=[],
        report=blizzard, summary=_summary(blizzard), images={"map": "", "chart": ""})
    table = html.split('id="drill-affected"')[1].split("</table>")[0]
    assert "Households cut off" in table and "Fodder (t)" in table and "Intensity" not in table
    assert ">200<" in table and ">403.2<" in table and ">300<" in table
    assert "Households cut off 220" in " ".join(html.split())
