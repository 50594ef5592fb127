"""The ``relief`` command: subcommands, and the one place errors become messages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from relief.cli import catalog, db, dispatch, drill, incident, stock
from relief.cli.common import DbOption, err, out, today, url
from relief.errors import ReliefError

app = typer.Typer(
    help="relief: disaster-preparedness inventory and dispatch for Red Cross relief depots.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)
app.add_typer(stock.app, name="stock")
app.add_typer(catalog.depots, name="depot")
app.add_typer(catalog.items, name="item")
app.add_typer(catalog.teams, name="team")
app.add_typer(incident.app, name="incident")
app.add_typer(dispatch.app, name="dispatch")
app.add_typer(drill.app, name="drill")
app.add_typer(db.app, name="db")


def _version(value: bool) -> None:
    if value:
        from relief import __version__

        out.print(f"relief {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                              help="Print the version and exit.")] = False) -> None:
    """relief: disaster-preparedness inventory and dispatch for Red Cross relief depots."""


@app.command()
def init(region: Annotated[str, typer.Option(
             "--region", help="inner-mongolia, zhaoqing, or a folder with counties.geojson, depots.csv, teams.csv.")]
         = "inner-mongolia",
         no_sample_stock: Annotated[bool, typer.Option("--no-sample-stock", help="Load no opening stock.")] = False,
         force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
         db_: DbOption = None) -> None:
    """Create the database and load a region (counties, depots, items, norms, teams, stock)."""
    from relief.depot import region as regions
    from relief.depot.db import describe

    target = url(db_)
    loaded = regions.init(target, region, sample_stock=not no_sample_stock, force=force, today=today())
    out.print(f"initialised {describe(target)}: {loaded.region} - {loaded.counties} counties, "
              f"{loaded.depots} depots, {loaded.items} items, {loaded.teams} teams, "
              f"{loaded.stock_lines:,} opening stock lines")


def run() -> None:
    """Entry point: run the command; turn a relief error into one message and its exit code."""
    try:
        app()
    except ReliefError as exc:
        _fail(str(exc), getattr(exc, "problems", []), exc.exit_code)
    except OSError as exc:  # a path that is a folder, a folder that is a file, no permission ...
        _fail(f"cannot use {exc.filename or 'the file'}: {exc.strerror or exc}", [], 2)
    except OverflowError as exc:
        _fail(f"a number is too large ({exc}); use a smaller value", [], 2)


def _fail(message: str, problems: list[str], code: int) -> None:
    err.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)
    for problem in problems[:200]:
        err.print(f"  {problem}", markup=False, soft_wrap=True)
    if len(problems) > 200:
        err.print(f"  ... and {len(problems) - 200} more", markup=False)
    sys.exit(code)


if __name__ == "__main__":
    run()
