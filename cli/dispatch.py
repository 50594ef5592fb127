"""``relief dispatch``: plan, review, commit, ship, cancel and export dispatch plans."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from relief.cli.common import ActorOption, DbOption, JsonOption, actor, decimal, out, print_json, styled, table, today, url, whole
from relief.errors import InvalidFile

if TYPE_CHECKING:
    from relief.routing.core.document import PlanDocument
    from relief.routing.outputs.places import Places

app = typer.Typer(help="Dispatch plans: supplies from depots and teams to open incidents.", no_args_is_help=True)

PlanId = Annotated[int, typer.Argument(parser=whole, metavar="PLAN_ID", help="Plan id (see `relief dispatch list`).")]


def hours(minutes: int | None) -> str:
    """Minutes as h:mm, or '-' when None."""
    return "-" if minutes is None else f"{minutes // 60}:{minutes % 60:02d}"


def render(doc: PlanDocument) -> None:
    """Print a plan document as tables: incidents, teams, trucks, totals, solver."""
    rows = [{**asdict(r), "fill_12": f"{r.fill_12h:.0%}", "fill_24": f"{r.fill_24h:.0%}",
             "fill_pct": f"{r.fill:.0%}", "t50": hours(r.t50_minutes), "t90": hours(r.t90_minutes),
             "team_first": hours(r.first_team_minutes), "unmet": ", ".join(r.unmet_items) or ""}
            for r in doc.incidents]
    out.print(styled((f"plan {doc.plan_id}", "bold"), f" ({doc.status.value}, {doc.method.value}) from {doc.start}"))
    table("incidents", [("id", "id"), ("name", "name"), ("county", "county"), ("priority", "priority"),
                        ("fill_12", "met in 12 h"), ("fill_24", "in 24 h"), ("fill_pct", "at all"),
                        ("t50", "half by (h:mm)"), ("t90", "90 % by"), ("team_first", "first team"),
                        ("unmet", "short of")], rows)
    teams = [{**asdict(t), "arrive": hours(t.minutes), "covers": t.request or t.kind} for t in doc.teams]
    table("teams", [("team", "team"), ("kind", "kind"), ("members", "members"), ("covers", "covers"),
                    ("incident", "to incident"), ("km", "km"), ("arrive", "arrives (h:mm)")], teams,
          empty="no team sent")
    for line in team_shortfalls(doc):
        out.print(f"  {line}")
    render_trucks(doc)
    t, s = doc.totals, doc.solver
    out.print(f"need met within 12 h {t.fill_12h:.1%}, within 24 h {t.fill_24h:.1%}, at all {t.fill:.1%} "
              f"(half the units by {hours(t.t50_minutes)}, 90 % by {hours(t.t90_minutes)})")
    out.print(f"need met {t.fill:.1%} (priority-weighted {t.weighted_fill:.1%}, worst incident "
              f"{t.worst_fill:.1%}); {t.shipped_units:,} of {t.need_units:,} units in "
              f"{t.shipment_lines} lines, {t.tonnes:,.1f} t, {t.tonne_km:,.0f} t·km; "
              f"priority-weighted unmet {t.weighted_unmet:,.2f} item-needs")
    out.print(f"solver: {s.status.value} ({s.proof}), {s.method}; build {s.build_seconds:.3f} s, "
              f"solve {s.seconds:.3f} s, {s.arcs:,} candidate arcs" +
              (f"; trucks {s.truck_seconds:.3f} s" if doc.trucks else ""))
    if s.ride_alongs:
        out.print(f"{s.ride_alongs} small load(s) ride along with trucks going there anyway")


def team_shortfalls(doc: PlanDocument) -> list[str]:
    """One line per team request the plan leaves short: the teams and the people not covered
    (people asked = those missing + the members of the teams the plan sends for the request)."""
    lines = []
    for miss in doc.teams_unmet:
        if miss.count:
            lines.append(f"incident {miss.incident}: no ready {miss.kind} team for {miss.count} request(s)")
        if miss.people:
            sent = sum(t.members for t in doc.teams if (t.incident, t.request) == (miss.incident, miss.kind))
            lines.append(f"incident {miss.incident}: {miss.people:,} of {miss.people + sent:,} {miss.kind} people "
                         "not covered")
    return lines


TRUCKS_SHOWN = 30


def render_trucks(doc: PlanDocument) -> None:
    """Print the trucks of a plan (the first ``TRUCKS_SHOWN``) and a line of their totals."""
    if not doc.trucks:
        return
    rows = [{"id": t.id, "depot": t.depot, "vehicle": t.vehicle + (f" (trip {t.trip})" if t.trip > 1 else ""),
             "load": f"{t.load_kg / 1000:,.1f} / {t.capacity_kg / 1000:,.0f}",
             "m3": f"{t.load_m3:,.1f} / {t.capacity_m3:,.0f}", "depart": hours(t.depart_minutes),
             "stops": ", ".join(f"{s.incident}@{hours(s.arrive_minutes)}" for s in t.stops)}
            for t in doc.trucks[:TRUCKS_SHOWN]]
    table("trucks", [("id", "truck"), ("depot", "depot"), ("vehicle", "vehicle"), ("load", "load t / capacity"),
                     ("m3", "m³ / capacity"), ("depart", "departs (h:mm)"), ("stops", "stops (incident@h:mm)")], rows)
    if len(doc.trucks) > TRUCKS_SHOWN:
        out.print(f"… and {len(doc.trucks) - TRUCKS_SHOWN} more trucks (see --json or the waybills)")
    again = sum(1 for t in doc.trucks if t.trip > 1)
    out.print(f"{len(doc.trucks)} trucks ({again} second trips), {doc.totals.truck_km:,.0f} truck-km")


@app.command()
def plan(incident: Annotated[list[int] | None, typer.Option("--incident", parser=whole,
                                                             help="Plan only these incident ids.")] = None,
         method: Annotated[str, typer.Option("--method", help="optimal or greedy.")] = "optimal",
         circuity: Annotated[float | None, typer.Option("--circuity", parser=decimal, help="Road km per great-circle km in counties of no kind and outside the region [default: the region's].")] = None,
         speed: Annotated[float | None, typer.Option("--speed", parser=decimal, help="Road speed, km/h, in counties of no kind [default: the region's].")] = None,
         max_hours: Annotated[float | None, typer.Option("--max-hours", parser=decimal, help="Ignore arcs longer than this.")] = None,
         nearest: Annotated[int | None, typer.Option("--nearest", parser=whole, help="Restrict each incident to its k nearest depots (and the region depots); without it, the whole network.")] = None,
         keep_reserve: Annotated[bool, typer.Option("--keep-reserve", help="Keep minimum norms except for priority 1.")] = False,
         window: Annotated[list[str] | None, typer.Option("--window", help="Delivery window of an item kind or code, KIND=DURATION (e.g. food=36h); repeatable.")] = None,
         travel: Annotated[str | None, typer.Option("--travel", help="CSV travel table: code, county, minutes.")] = None,
         fleet: Annotated[str | None, typer.Option("--fleet", help="CSV fleet for this plan (depot, vehicle, owned, hire, hire_hours): replaces the region's fleet of the depots it names.")] = None,
         start: Annotated[str | None, typer.Option("--start", help="Departure time YYYY-MM-DDTHH:MM; without it, now.")] = None,
         as_json: JsonOption = False,
         out_dir: Annotated[str | None, typer.Option("--out", help="Also write plan.json, pick lists, waybills, GeoJSON, GeoPackage and map here.")] = None,
         force: Annotated[bool, typer.Option("--force", help="Replace files of the same names in --out.")] = False,
         db_: DbOption = None) -> None:
    """Make a draft plan for all open incidents (or the ones named)."""
    from relief.routing import books
    from relief.routing.core.document import as_json as plain
    from relief.routing.dispatch import planning as dispatch

    target = url(db_)
    if out_dir:
        check_out(out_dir)
        if not force:  # refuse before a plan is saved, not after
            from relief.depot import outfiles
            from relief.routing.dispatch import plans
            from relief.routing.outputs.export import later_plan_files

            outfiles.claim(later_plan_files(out_dir, plans.last_id(target)))
    doc = dispatch.plan(target, method=method, incident_ids=incident, today=today(), start=departure(start),
                        circuity=circuity, speed=speed,
                        max_hours=max_hours, nearest=nearest, keep_reserve=keep_reserve, windows=window,
                        travel_table=travel, fleet=fleet)
    if out_dir:
        written = write_all(doc, books.places(target), out_dir, force=force)
    if as_json:
        print_json(plain(doc))
        return
    render(doc)
    if out_dir:
        out.print(f"wrote {', '.join(written)}")
    out.print(f"review, then: relief dispatch commit {doc.plan_id}")


def departure(value: str | None):
    """``--start`` as a datetime (None: now), read by ``rules.parse_datetime``; raises
    ``InvalidDate`` naming a malformed value or one outside 2000-01-01 to 2100-12-31."""
    from relief.depot import rules

    return None if value is None else rules.parse_datetime(value, "start", option="start")


def check_out(out_dir: str) -> Path:
    """Check, before anything is saved, that ``--out`` is or can become a folder; raises ``InvalidFile``."""
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InvalidFile(f"--out {out_dir} is a file; give a folder")
    parent = folder.absolute()
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InvalidFile(f"--out {out_dir}: {parent} is a file, so the folder cannot be made")
    return folder


def prepare(out_dir: str) -> Path:
    """Create the ``--out`` folder; raises ``InvalidFile`` when it cannot be."""
    folder = check_out(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidFile(f"--out {out_dir}: cannot create the folder ({exc.strerror})") from None
    return folder


def write_all(doc: PlanDocument, places: Places, out_dir: str, *, force: bool = False) -> list[str]:
    """Write plan.json, pick lists (CSV, XLSX), waybills (XLSX), GeoJSON, GeoPackage and the PNG
    map of ``doc`` into ``out_dir`` (made if needed); refuses, writing nothing, when one of
    them exists, unless ``force``."""
    from relief.routing.outputs.export import write_folder

    return write_folder(doc, places, prepare(out_dir), force=force)


@app.command(name="list")
def list_(as_json: JsonOption = False, db_: DbOption = None) -> None:
    """List plans with status, fill and tonne-km."""
    from relief.routing.dispatch import plans

    rows = [p.as_json() for p in plans.listing(url(db_))]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        r["fill_pct"] = f"{r['fill']:.0%}"
        r["created_at"] = r["created_at"][:16].replace("T", " ")
    table(None, [("plan_id", "plan"), ("created_at", "created (UTC)"), ("status", "status"), ("method", "method"),
                 ("incidents", "incidents"), ("fill_pct", "need met"), ("unmet_units", "unmet units"),
                 ("tonne_km", "t·km")], rows, empty="no plans yet")


@app.command()
def show(plan_id: PlanId, as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Show a saved plan."""
    from relief.routing.core.document import as_json as plain
    from relief.routing.dispatch import plans

    doc = plans.show(url(db_), plan_id)
    if as_json:
        print_json(plain(doc))
        return
    render(doc)


@app.command()
def commit(plan_id: PlanId, who: ActorOption = None, db_: DbOption = None) -> None:
    """Reserve every line and deploy the teams, all or nothing."""
    from relief.routing.dispatch import plans

    doc = plans.commit(url(db_), plan_id, actor=actor(who), today=today())
    out.print(f"plan {plan_id} committed: {len(doc.shipments)} lines reserved, "
              f"{len(doc.teams)} team(s) deployed; ship with: relief dispatch ship {plan_id}")


@app.command()
def ship(plan_id: PlanId, who: ActorOption = None, db_: DbOption = None) -> None:
    """Issue the reserved stock of a committed plan."""
    from relief.routing.dispatch import plans

    doc = plans.ship(url(db_), plan_id, actor=actor(who), today=today())
    out.print(f"plan {plan_id} shipped: {doc.totals.shipped_units:,} units issued from "
              f"{len({s.depot for s in doc.shipments})} depot(s)")


@app.command()
def cancel(plan_id: PlanId, who: ActorOption = None, db_: DbOption = None) -> None:
    """Cancel a draft or committed plan, releasing reserved stock and teams."""
    from relief.routing.dispatch import plans

    plans.cancel(url(db_), plan_id, actor=actor(who), today=today())
    out.print(f"plan {plan_id} cancelled; reservations released and teams ready again")


@app.command(name="export")
def export_(plan_id: PlanId,
            fmt: Annotated[str, typer.Option("--format", help="csv, xlsx, waybills, geojson, gpkg or png.")],
            out_path: Annotated[str, typer.Option("--out", help="Output file.")],
            force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
            db_: DbOption = None) -> None:
    """Export a plan: pick lists (csv, xlsx: one sheet per depot), waybills (one sheet per truck),
    GeoJSON, a GeoPackage of layers (gpkg), or a PNG map."""
    from relief.routing import books
    from relief.routing.dispatch import plans
    from relief.routing.outputs.export import export

    from relief.routing.outputs.export import check

    target = url(db_)
    check(fmt, out_path, force=force)
    path = export(plans.show(target, plan_id), books.places(target), fmt, out_path, force=force)
    out.print(f"wrote {path}")
