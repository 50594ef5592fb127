"""``relief prepare``: what to buy and where to hold it for a budget, checked on fresh scenarios."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from relief.cli.common import DbOption, JsonOption, decimal, out, print_json, styled, table, today, url, whole

app = typer.Typer(help="Preparation: purchases and transfers for a budget (never writes to the database).",
                  add_completion=False)


@app.command()
def prepare(budget: Annotated[float, typer.Option("--budget", parser=decimal, help="Yuan to spend (> 0).")],
            hazard: Annotated[str, typer.Option("--hazard", help="earthquake, blizzard, flood, or all (every hazard "
                                                "the region has, in turn); only the region's hazards.")] = "all",
            n: Annotated[int, typer.Option("--n", parser=whole, help="Scenarios to plan against (> 0).")] = 1000,
            seed: Annotated[int, typer.Option("--seed", parser=whole, help="Random seed of the planning scenarios; "
                                              "the same seed gives the same result.")] = 1,
            window: Annotated[str, typer.Option("--window", help="Need counts as met when it arrives within this "
                                                "duration (12h, 90m, 1h30m; at most 240h).")] = "12h",
            validate_n: Annotated[int | None, typer.Option("--validate-n", parser=whole,
                                                           help="Fresh scenarios to check the plan on (default: as many as --n).")] = None,
            validate_seed: Annotated[int | None, typer.Option("--validate-seed", parser=whole,
                                                              help="Seed of the fresh scenarios (default: --seed plus 1).")] = None,
            cvar: Annotated[float | None, typer.Option("--cvar", parser=decimal, help="Also weigh the worst share of "
                                                       "scenarios (0.1: the worst tenth), half and half with the mean.")] = None,
            scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler (tcp://HOST:PORT) to "
                                                          "turn scenarios into needs on.")] = None,
            workers: Annotated[int | None, typer.Option("--workers", parser=whole,
                                                        help="Local processes (default: every core).")] = None,
            out_dir: Annotated[str | None, typer.Option("--out", help="Write purchases.csv, transfers.csv, "
                                                        "comparison.csv, map.png and purchases-import.csv here.")] = None,
            force: Annotated[bool, typer.Option("--force", help="Replace files of the same names in --out.")] = False,
            as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Recommend purchases and transfers for a budget, and compare them with today's stock and two rules."""
    from relief.routing.prepare import service

    target = url(db_)
    service.check(budget=budget, hazard=hazard, n=n, window=window, validate_n=validate_n, cvar=cvar,
                  workers=workers, scheduler=scheduler)
    if out_dir:
        from relief.routing.prepare import outputs

        outputs.check(out_dir, force=force)
    result = service.prepare(target, budget=budget, hazard=hazard, n=n, seed=seed, window=window,
                             validate_n=validate_n, validate_seed=validate_seed, cvar=cvar, scheduler=scheduler,
                             workers=workers, today=today())
    written = []
    if out_dir:
        from relief.routing import books

        written = outputs.write(result, books.places(target), out_dir, today=today(), force=force)
    if as_json:
        print_json(service.as_json(result))
        return
    render(result)
    if written:
        out.print(f"wrote {', '.join(written)}")


TRANSFERS_SHOWN = 25
STOPPED = {"within gap": "stopped with bound and value within the tolerance", "time limit": "stopped at the time limit",
           "iteration limit": "stopped at the iteration limit", "failed": "the solver failed"}


def solver_line(s) -> str:
    """One line on how the plan was found; "optimal" only when the solver proved it."""
    bound = "bound unknown" if not math.isfinite(s.bound) else f"bound {s.bound:.4f}"
    how = "extensive LP" if s.method == "extensive" else "L-shaped decomposition" if s.method == "benders" else s.method
    state = "optimal" if s.status == "optimal" else (
        f"{STOPPED.get(s.status, 'stopped: ' + s.status)}, not proven optimal")
    return (f"solver: {how} ({state}); value {s.value:.4f}, {bound}, gap {s.gap:.4f}, rounding to whole units "
            f"lost {s.rounding_loss:.4f}; {s.iterations} iteration(s), {s.seconds:.1f} s")


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h" if not rest else f"{hours}h{rest:02d}m" if hours else f"{rest}m"


def render(r) -> None:
    """Print a ``PrepareResult``: purchases, transfers, totals, the solver line and the comparison."""
    kind = "scenarios of every hazard" if r.hazard == "all" else f"{r.hazard} scenarios"
    out.print(styled((f"prepare: {r.budget_yuan:,.0f} yuan", "bold"),
                     f" against {r.n} {kind} (seed {r.seed}; {r.scenarios_with_need} with people in "
                     f"need), window {_duration(r.window_min)}"))
    table("purchases", [("depot", "depot"), ("item", "item"), ("units", "units"), ("cost_yuan", "yuan"),
                        ("m3", "m³")], [{**vars(p), "cost_yuan": round(p.cost_yuan)} for p in r.purchases],
          empty="nothing to buy")
    rows = sorted(({**vars(t), "cost_yuan": round(t.cost_yuan)} for t in r.transfers),
                  key=lambda t: -t["units"] * max(t["km"], 1.0))
    table("transfers", [("source", "from"), ("target", "to"), ("item", "item"), ("units", "units"), ("km", "km"),
                        ("cost_yuan", "yuan")], rows[:TRANSFERS_SHOWN], empty="no transfer")
    if len(rows) > TRANSFERS_SHOWN:
        out.print(f"... and {len(rows) - TRANSFERS_SHOWN} more transfer(s) (all in transfers.csv with --out)")
    out.print(f"spent {r.spent_yuan:,.0f} of {r.budget_yuan:,.0f} yuan: purchases {r.bought_yuan:,.0f}, transfers "
              f"{r.moved_yuan:,.0f} ({r.transport_yuan_tkm:g} yuan a tonne-km); {r.m3_added:,.1f} m³ added")
    if r.unpriced:
        out.print(f"not bought (no unit price in prices.csv): {', '.join(r.unpriced)}")
    out.print(solver_line(r.solver))
    table(f"on {r.validate_n} fresh scenarios (seed {r.validate_seed}): need met within the window",
          [("name", "plan"), ("spent", "yuan spent"), ("mean", "mean"), ("p5", "5th percentile")],
          [{"name": c.name, "spent": round(c.spent_yuan), "mean": f"{c.mean:.1%}", "p5": f"{c.p5:.1%}"}
           for c in r.comparison])
