"""``relief travel``: one route as plans see it, with the counties it crosses."""

from __future__ import annotations

from typing import Annotated

import typer

from relief.cli.common import DbOption, out, print_json, styled, table, url

app = typer.Typer(help="Travel: road km and minutes of one route, county by county (never writes).",
                  add_completion=False)


def _hours(minutes: float) -> str:
    whole = int(round(minutes))
    return f"{whole // 60}:{whole % 60:02d}"


def as_json(r) -> dict:
    """A ``Route`` as plain JSON data: ``km``, ``minutes``, ``counties`` [{county, km, circuity, slow}] and more."""
    return {"from": r.source.code, "from_kind": r.source_kind, "to": r.to.code, "to_county": r.to.county,
            "lon": r.to.lon, "lat": r.to.lat, "km": r.km, "minutes": r.minutes, "start_minutes": r.start_minutes,
            "great_circle_km": r.great_km,
            "counties": [{"county": leg.county or None, "name": r.county_names.get(leg.county, "outside the region"),
                          "km": round(leg.km, 1), "line_km": round(leg.line_km, 1),
                          "share": round(leg.line_km / r.great_km, 4) if r.great_km else 1.0,
                          "circuity": leg.circuity, "speed_kmh": leg.speed_kmh, "slow": round(leg.slow, 3),
                          "minutes": round(leg.minutes, 1)} for leg in r.legs],
            "scenario": r.scenario, "minutes_without_scenario": r.minutes_without, "cut": r.cut,
            "unavailable": r.unavailable}


@app.command()
def travel(source: Annotated[str, typer.Argument(metavar="FROM", help="A depot or team code.")],
           to: Annotated[str, typer.Argument(metavar="TO", help="A county adcode, a depot code, or a point LON,LAT "
                                             "inside the region.")],
           scenario: Annotated[str | None, typer.Option("--scenario", help="A scenario file or a shipped scenario's "
                                                        "name: the route under its slowdowns and cut roads.")] = None,
           as_json_: Annotated[bool, typer.Option("--json", help="Print the route as JSON.")] = False,
           db_: DbOption = None) -> None:
    """Road km and minutes from a depot or team to a place, and the counties the route crosses."""
    from relief.routing.dispatch.route import route

    r = route(url(db_), source, to, scenario=scenario)
    if as_json_:
        print_json(as_json(r))
        return
    data = as_json(r)
    start = "handling" if r.source_kind == "depot" else "mobilisation"
    out.print(styled((f"{r.source.code} {r.source.name}", "bold"), " → ", (f"{r.to.code} {r.to.name}", "bold"),
                     f" ({r.to.lon:.4f}, {r.to.lat:.4f})"))
    out.print(f"road {r.km:,.0f} km (great circle {r.great_km:,.0f} km), {_hours(r.minutes)} = {r.start_minutes} min "
              f"{start} + {_hours(r.minutes - r.start_minutes)} driving")
    if r.scenario is not None:
        change = (r.minutes - r.minutes_without) / r.minutes_without if r.minutes_without else 0.0
        out.print(f"under {r.scenario}: {_hours(r.minutes)}, {change:+.0%} on {_hours(r.minutes_without)} without it"
                  + ("; the scenario cuts this road" if r.cut else "")
                  + (f"; the scenario takes {r.source.code} out" if r.unavailable else ""))
    rows = [{"county": leg["county"] or "-", "name": leg["name"], "line_km": round(leg["line_km"]),
             "share": f"{leg['share']:.0%}", "circuity": leg["circuity"], "km": round(leg["km"]),
             "speed_kmh": round(leg["speed_kmh"]), "slow": leg["slow"], "time": _hours(leg["minutes"])}
            for leg in data["counties"]]
    table("counties crossed", [("county", "county"), ("name", "name"), ("line_km", "line km"), ("share", "share"),
                               ("circuity", "circuity"), ("km", "road km"), ("speed_kmh", "km/h"), ("slow", "slow"),
                               ("time", "driving h:mm")], rows, empty="no county data: the estimate is the plain one")
