"""How a drill's affected counties read, the same in the terminal, the Markdown report and the web page.

An earthquake or a flood displaces people; a blizzard cuts herding households off in
their homes, so its headline and its table speak of households, days of isolation,
fodder and road to clear instead.
"""

from __future__ import annotations

from relief.routing.drills.run import DrillReport

QUAKE_COLUMNS = (("county", "county"), ("name", "name"), ("intensity", "intensity"), ("population", "population"),
                 ("displaced", "displaced"))
FLOOD_COLUMNS = (("county", "county"), ("name", "name"), ("population", "population"), ("displaced", "displaced"))
BLIZZARD_COLUMNS = (("county", "county"), ("name", "name"), ("population", "population"),
                    ("households", "households cut off"), ("displaced", "people"), ("days", "days"),
                    ("fodder_t", "fodder t"), ("road_km", "road km to clear"))


def is_blizzard(report: DrillReport) -> bool:
    """True when the drill's hazard is a blizzard."""
    return report.scenario["hazard"]["type"] == "blizzard"


def headline(report: DrillReport) -> str:
    """Takes a drill report; returns its one-line summary: people displaced in how many
    counties or, for a blizzard, households (and people) cut off, for how many days,
    with the fodder they need and the road to clear."""
    rows = report.affected
    counties = f"{len(rows)} count{'y' if len(rows) == 1 else 'ies'}"
    people = sum(a["displaced"] for a in rows)
    if not is_blizzard(report):
        return f"{people:,} people displaced in {counties}"
    households = sum(a["households"] for a in rows)
    days = report.scenario["hazard"].get("duration_days")
    fodder, road = sum(a["fodder_t"] for a in rows), sum(a["road_km"] for a in rows)
    return (f"{households:,} herding households ({people:,} people) cut off in {counties} for {days:g} days, "
            f"staying home; {fodder:,.0f} t of fodder needed, {road:,} km of road to clear")


def affected_columns(report: DrillReport) -> tuple[tuple[str, str], ...]:
    """Takes a drill report; returns the (key, heading) columns of its affected-counties table."""
    if is_blizzard(report):
        return BLIZZARD_COLUMNS
    return QUAKE_COLUMNS if report.scenario["hazard"]["type"] == "earthquake" else FLOOD_COLUMNS
