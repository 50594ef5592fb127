"""``relief depot``, ``relief item`` and ``relief team``: the region's fixed records."""

from __future__ import annotations

from typing import Annotated

import typer

from relief.cli.common import DbOption, JsonOption, out, print_json, styled, table, today, url
from relief.depot import catalog, db

depots = typer.Typer(help="Depots of the region.", no_args_is_help=True)
items = typer.Typer(help="The item catalogue.", no_args_is_help=True)
teams = typer.Typer(help="Relief and rescue teams.", no_args_is_help=True)

DEPOT_KEYS = ("code", "name", "level", "county", "lon", "lat", "capacity_m3", "outbound_t_day")


@depots.command("list")
def depot_list(level: Annotated[str | None, typer.Option("--level", help="region, league or county.")] = None,
               league: Annotated[str | None, typer.Option("--league", help="League name, e.g. 赤峰市.")] = None,
               as_json: JsonOption = False, db_: DbOption = None) -> None:
    """List depots with their level, county and capacity."""
    with db.session(url(db_)) as s:
        rows = catalog.depots(s, level=level, league=league)
    if as_json:
        print_json([{k: r[k] for k in DEPOT_KEYS} for r in rows])
        return
    table(None, [("code", "code"), ("name", "name"), ("level", "level"), ("county_name", "county"),
                 ("league", "league"), ("capacity_m3", "m³"), ("outbound_t_day", "t/day")], rows,
          empty="no depot matches")


@depots.command("show")
def depot_show(code: Annotated[str, typer.Argument(help="Depot code.")],
               as_json: JsonOption = False, db_: DbOption = None) -> None:
    """One depot: where it is, and each item against its reserve norm."""
    with db.session(url(db_)) as s:
        row = catalog.depot_detail(s, code, today=today())
    if as_json:
        print_json(row)
        return
    out.print(styled((row["code"], "bold"), f" {row['name']} - {row['level']} depot in {row['county_name']} "
                     f"({row['league']}), {row['lon']:.4f}E {row['lat']:.4f}N; "
                     f"{row['capacity_m3']:,.0f} m³, {row['outbound_t_day']:,.0f} t/day outbound"))
    for r in row["items"]:
        r["status"] = "LOW" if r["min"] is not None and r["available"] < r["min"] else ""
    table(None, [("item", "item"), ("item_name", "name"), ("unit", "unit"), ("on_hand", "on hand"),
                 ("reserved", "reserved"), ("expired", "expired"), ("available", "available"), ("min", "min"),
                 ("max", "max"), ("status", "")], row["items"], empty="holds nothing")


@items.command("list")
def item_list(category: Annotated[str | None, typer.Option("--category", help="Only this category.")] = None,
              as_json: JsonOption = False, db_: DbOption = None) -> None:
    """List catalogue items with unit, weight, volume and shelf life."""
    with db.session(url(db_)) as s:
        rows = catalog.items(s, category=category)
    if as_json:
        print_json(rows)
        return
    table(None, [("code", "code"), ("name", "name"), ("name_en", "english"), ("unit", "unit"),
                 ("weight_kg", "kg"), ("volume_m3", "m³"), ("shelf_life_days", "shelf life (days)"),
                 ("category", "category")], rows, empty="no item matches")


@teams.command("list")
def team_list(status: Annotated[str | None, typer.Option("--status", help="ready, deployed or resting.")] = None,
              as_json: JsonOption = False, db_: DbOption = None) -> None:
    """List teams with base, headcount, vehicles and status."""
    with db.session(url(db_)) as s:
        rows = catalog.teams(s, status=status)
    if as_json:
        print_json(rows)
        return
    table(None, [("code", "code"), ("name", "name"), ("kind", "kind"), ("base", "base"), ("members", "members"),
                 ("vehicles", "vehicles"), ("skills", "skills"), ("speed_kmh", "km/h"),
                 ("mobilise_min", "mobilise (min)"), ("status", "status")], rows, empty="no team matches")


@teams.command("status")
def team_status(code: Annotated[str, typer.Argument(help="Team code, e.g. T07.")],
                status: Annotated[str, typer.Argument(help="ready, deployed or resting.")],
                db_: DbOption = None) -> None:
    """Set a team's status (e.g. ready again when it is back from an incident)."""
    row = catalog.set_team_status(url(db_), code, status)
    out.print(f"team {row['code']} {row['name']} is now {row['status']}")
