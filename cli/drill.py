"""``relief drill``: disaster scenarios against a copy of the live stock, one or many."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from relief.cli.common import DbOption, JsonOption, out, print_json, styled, table, today, url, whole
from relief.depot.rules import parse_date

app = typer.Typer(help="Drills: simulate disasters against a copy of the stock (never writes).", no_args_is_help=True)


@app.command()
def scenarios(as_json: JsonOption = False) -> None:
    """List the scenarios that ship with relief; name one in ``relief drill run NAME``."""
    from relief.depot.datafiles import shipped_scenarios

    rows = [{"name": s.name, "description": s.description} for s in shipped_scenarios()]
    if as_json:
        print_json(rows)
        return
    table(None, [("name", "name"), ("description", "description")], rows)


@app.command()
def run(scenario: Annotated[str, typer.Argument(
            help="A scenario TOML file, or the name of a shipped one (see `relief drill scenarios`).")],
        method: Annotated[str, typer.Option("--method", help="optimal or greedy.")] = "optimal",
        out_dir: Annotated[str | None, typer.Option("--out", help="Write report.md, map.png, chart.png, drill.json here.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace files of the same names in --out.")] = False,
        as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Run one scenario and report how well the region copes."""
    from relief.routing.drills import run as drills
    from relief.routing.outputs import drill_report

    target = url(db_)
    if out_dir:
        drill_report.check(out_dir, drill_report.RUN_FILES, force=force)
    report = drills.run(target, scenario, method=method, today=today())
    written = []
    if out_dir:
        from relief.routing import books

        written = drill_report.write_run(report, books.places(target), out_dir, force=force)
    if as_json:
        print_json(drills.as_json(report))
        return
    render(report)
    if written:
        out.print(f"wrote {', '.join(written)}")


def _hours(minutes: int | None) -> str:
    return "-" if minutes is None else f"{minutes // 60}:{minutes % 60:02d}"


def render(report) -> None:
    """Print a drill report (a ``DrillReport``): affected counties, shares met, unmet, teams, depots, restocking."""
    from relief.routing.drills import view

    s, m = report.scenario, report.metrics
    first, *more = view.headline(report).split("; ")
    out.print(styled((s["name"], "bold"), f" ({s['hazard']['type']}, {s['start']}): {first}"))
    for line in more:
        out.print(f"  {line}")
    table("affected counties", list(view.affected_columns(report)),
          sorted(report.affected, key=lambda a: -a["displaced"])[:15], empty="no county affected")
    if not report.plan:
        return
    out.print(f"need met {m['fill']:.1%} (priority-weighted {m['weighted_fill']:.1%}, worst incident "
              f"{m['worst_fill']:.1%}); within 12 h {m['within_12h']:.1%}, within 24 h {m['within_24h']:.1%}; "
              f"{m['unmet_units']:,} of {m['need_units']:,} units unmet")
    unmet = {u["item"]: u["qty"] for u in m["unmet_by_item"]}
    items = [{**n, "unmet": unmet.get(n["item"], 0), "share": f"{1 - unmet.get(n['item'], 0) / n['qty']:.0%}"}
             for n in sorted(report.needs, key=lambda n: -unmet.get(n["item"], 0))]
    table("need by item", [("item", "item"), ("qty", "need"), ("unmet", "unmet"), ("share", "met")], items)
    short: dict[int, list[str]] = {}
    for u in m["unmet_by_incident"]:
        short.setdefault(u["incident"], []).append(f"{u['item']} {u['qty']:,}")
    rows = [{**asdict(r), "fill_pct": f"{r.fill:.0%}", "first": _hours(r.first_arrival_minutes),
             "short": ", ".join(short.get(r.id, []))} for r in report.plan.incidents]
    table("incidents", [("id", "id"), ("name", "name"), ("priority", "priority"), ("people", "people"),
                        ("fill_pct", "need met"), ("first", "first delivery (h:mm)"), ("short", "unmet")], rows)
    teams = [{**t, "hours": _hours(t["minutes"])} for t in m["teams"]]
    table("teams", [("team", "team"), ("kind", "kind"), ("incident", "incident"), ("hours", "arrives h:mm")], teams,
          empty="no team sent")
    for u in m["teams_uncovered"]:
        out.print(f"  incident {u['incident']}: no ready {u['kind']} team for {u['count']} request(s)")
    emptied = ", ".join(f"{d['depot']} ({len(d['items'])} items)" for d in m["depots_emptied"]) or "none"
    out.print(f"depots emptied: {emptied}")
    table("restocking to close the gap within 12 h", [("depot", "depot"), ("item", "item"), ("qty", "units")],
          report.restock[:15], empty="nothing to restock")


@app.command()
def batch(hazard: Annotated[str, typer.Option("--hazard", help="earthquake, blizzard, flood, or all (every hazard "
                                                "the region has, in turn); only the region's hazards.")],
          n: Annotated[int, typer.Option("--n", parser=whole, help="Number of scenarios (> 0).")],
          seed: Annotated[int, typer.Option("--seed", parser=whole, help="Random seed: the same seed gives the same result.")] = 1,
          workers: Annotated[int | None, typer.Option("--workers", parser=whole, help="Processes on this machine "
                                                      "[default: every core]; not with --scheduler.")] = None,
          scheduler: Annotated[str | None, typer.Option("--scheduler", metavar="tcp://HOST:PORT", help="Run the "
                                                        "scenarios on the Dask cluster whose scheduler is at this "
                                                        "address (started with `dask scheduler` and `dask worker`) "
                                                        "instead of on this machine.")] = None,
          start: Annotated[str | None, typer.Option("--from", help="Scenarios are dated in the year from this day "
                                                    "(YYYY-MM-DD) [default: today].")] = None,
          out_dir: Annotated[str | None, typer.Option("--out", help="Write batch.json and charts here.")] = None,
          force: Annotated[bool, typer.Option("--force", help="Replace files of the same names in --out.")] = False,
          as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Run N sampled scenarios and report distributions."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from relief.routing.drills import batch as batches

    target = url(db_)
    batches.check(hazard, n, workers, scheduler)
    if out_dir:
        from relief.routing.outputs import drill_report

        drill_report.check(out_dir, drill_report.BATCH_FILES, force=force)
    first_day = parse_date(start, "--from") if start else None
    with Progress(TextColumn(f"{hazard} drills", markup=False), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(),
                  console=out if not as_json else None, transient=as_json, disable=as_json) as bar:
        task = bar.add_task("drills", total=max(n, 0))
        result = batches.run(target, hazard, n, seed, workers=workers, scheduler=scheduler, today=today(),
                             start=first_day, progress=lambda k: bar.advance(task, k))
    written = []
    if out_dir:
        from relief.routing import books

        written = drill_report.write_batch(result, books.places(target), out_dir, force=force)
    if as_json:
        print_json({k: v for k, v in result.items() if k != "scenarios"})
        return
    f, w, d = result["fill"], result["worst_fill"], result["first_delivery_minutes"]
    where = f"the Dask cluster at {scheduler}" if scheduler else f"{result['workers']} worker(s)"
    out.print(f"{result['n']} {hazard} scenarios (seed {seed}) on {where} in "
              f"{result['seconds']:.1f} s ({result['seconds_per_scenario'] * 1000:.0f} ms each); "
              f"{result['scenarios_with_displaced']} of them displaced people")
    out.print(f"share of need met: mean {f['mean']:.1%}, 5th percentile {f['p5']:.1%}, median {f['median']:.1%}; "
              f"worst incident mean {w['mean']:.1%}")
    out.print(f"time to first delivery: median {d['p50']} min, 90th percentile {d['p90']} min, 95th {d['p95']} min")
    table("counties most often left short", [("county", "county"), ("name", "name"),
                                             ("scenarios_short", "scenarios short"),
                                             ("scenarios_affected", "scenarios affected")], result["counties_short"])
    table("items that run out first", [("item", "item"), ("scenarios", "scenarios")], result["items_first_out"])
    if written:
        out.print(f"wrote {', '.join(written)}")
