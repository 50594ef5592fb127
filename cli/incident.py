"""``relief incident``: register, import, list and close incidents."""

from __future__ import annotations

from typing import Annotated

import typer

from relief.cli.common import DbOption, JsonOption, out, print_json, table, today, url, whole

app = typer.Typer(help="Incidents: where people need relief, how many, how urgently.", no_args_is_help=True)


def _teams_text(teams: list[dict]) -> str:
    """Team requests as they are typed: ``medical=1, search-rescue=30p``."""
    from relief.routing.core.needs import team_request_text

    return ", ".join(team_request_text(t["kind"], t["count"], t.get("people", 0)) for t in teams)


def _render(rows: list[dict]) -> None:
    for r in rows:
        r["needs_text"] = f"{len(r['needs'])} items, {sum(n['qty'] for n in r['needs']):,} units"
        r["teams_text"] = _teams_text(r["teams"])
    table(None, [("id", "id"), ("name", "name"), ("county_name", "county"), ("priority", "priority"),
                 ("people", "people"), ("status", "status"), ("needs_text", "needs"), ("teams_text", "teams")],
          rows, empty="no incidents")


def _detail(row: dict) -> None:
    out.print(f"incident {row['id']} {row['name']!r} in {row['county_name']} ({row['county']}), "
              f"priority {row['priority']}, {row['people']:,} people")
    out.print("  needs: " + (", ".join(f"{n['item']}={n['qty']:,}" for n in row["needs"]) or "none"))
    out.print("  teams: " + (_teams_text(row["teams"]) or "none"))


@app.command()
def add(name: Annotated[str, typer.Argument(help="A short name, e.g. 'Aohan flood'.")],
        lon: Annotated[str, typer.Option("--lon", help="Longitude in degrees east.")],
        lat: Annotated[str, typer.Option("--lat", help="Latitude in degrees north.")],
        people: Annotated[str, typer.Option("--people", help="People displaced (0 or more).")] = "0",
        priority: Annotated[str, typer.Option("--priority", help="1 (most urgent, level I) to 4.")] = "3",
        need: Annotated[list[str] | None, typer.Option("--need", help="ITEM=QTY; repeat. Others derive from people.")] = None,
        team: Annotated[list[str] | None, typer.Option("--team", help="Teams of a kind or skill: NAME=N teams, NAME=Np people or NAME=N+Mp (e.g. medical=1, search-rescue=30p); repeat. Others derive from people.")] = None,
        as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Register an incident; its county is found from the point."""
    from relief.routing.dispatch import incidents

    row = incidents.add(url(db_), name, lon, lat, people=people, priority=priority, need=need, team=team,
                        today=today())
    if as_json:
        print_json(row)
        return
    _detail(row)


@app.command(name="import")
def import_(file: Annotated[str, typer.Argument(help="CSV (name, lon, lat, people, priority, needs, teams) or GeoJSON.")],
            as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Register every incident of a CSV or GeoJSON file (all or none)."""
    from relief.routing.dispatch import incidents

    rows = incidents.import_file(url(db_), file, today=today())
    if as_json:
        print_json(rows)
        return
    out.print(f"{file}: registered {len(rows)} incident(s)")
    _render(rows)


@app.command(name="list")
def list_(status: Annotated[str | None, typer.Option("--status", help="open or closed.")] = None,
          as_json: JsonOption = False, db_: DbOption = None) -> None:
    """List incidents with their needs and team requests."""
    from relief.routing.dispatch import incidents

    rows = incidents.listing(url(db_), status=status)
    if as_json:
        print_json([{k: r[k] for k in ("id", "name", "lon", "lat", "county", "priority", "people", "status",
                                       "needs", "teams")} for r in rows])
        return
    _render(rows)


@app.command()
def close(incident_id: Annotated[int, typer.Argument(parser=whole, metavar="INCIDENT_ID", help="Incident id.")], db_: DbOption = None) -> None:
    """Close an incident: later plans leave it out."""
    from relief.routing.dispatch import incidents

    row = incidents.close(url(db_), incident_id)
    out.print(f"incident {row['id']} ({row['name']}) closed")
