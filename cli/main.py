"""The ``relief`` command: subcommands, and the one place errors become messages."""

from __future__ import annotations

import copy
import functools
import gc
import importlib
import sys
from collections.abc import Callable, Iterator, MutableMapping
from types import ModuleType
from typing import Annotated, Any

import typer
import typer.core
import typer.main

from relief.cli.common import DbOption, err, fit_output, out, today, url, whole
from relief.errors import ReliefError

UNEXPECTED = 3  # the exit code of a failure that is no refusal and no bad input: a crash

# Each command group and the module (in relief.cli) and Typer app that define it, in the
# order of ``relief --help``. A group's module is imported only when the group is used, so
# that a keeper command loads neither the other groups nor what they import (the planner).
GROUPS = {
    "stock": ("stock", "app"),
    "depot": ("catalog", "depots"),
    "item": ("catalog", "items"),
    "team": ("catalog", "teams"),
    "incident": ("incident", "app"),
    "dispatch": ("dispatch", "app"),
    "drill": ("drill", "app"),
    "db": ("db", "app"),
    "user": ("accounts", "users"),
    "token": ("accounts", "tokens"),
}
# Commands without subcommands that live in their own module, loaded the same way:
# {name: (module in relief.cli, the Typer app holding the one command)}.
COMMANDS = {
    "prepare": ("prepare", "app"),
    "travel": ("travel", "app"),
}


class _LazyCommands(MutableMapping):
    """A group's commands by name, each built by its loader when first looked up.

    Listing the names (``relief --help``, suggestions for a typo) builds nothing."""

    def __init__(self, loaded: MutableMapping, loaders: dict[str, Callable[[], Any]]):
        self._loaded = dict(loaded)
        self._loaders = {name: load for name, load in loaders.items() if name not in self._loaded}

    def __getitem__(self, name: str):
        if name not in self._loaded and name in self._loaders:
            self._loaded[name] = self._loaders.pop(name)()
        return self._loaded[name]

    def __setitem__(self, name: str, command) -> None:
        self._loaders.pop(name, None)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if self._loaders.pop(name, None) is None:
            del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._loaded, *self._loaders])

    def __len__(self) -> int:
        return len(self._loaded) + len(self._loaders)

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in self._loaders


def _group(name: str, module: str, attribute: str) -> typer.core.TyperGroup:
    """The click group of a GROUPS entry; each of its commands is built when first used
    (building one reads its signature, so building a group's dozen costs a keeper's time)."""
    sub = getattr(_load(f"relief.cli.{module}"), attribute)
    bare = copy.copy(sub)
    bare.registered_commands = []
    group = typer.main.get_group(bare)
    group.name = name

    def build(info):
        return typer.main.get_command_from_info(info, pretty_exceptions_short=sub.pretty_exceptions_short,
                                                rich_markup_mode=sub.rich_markup_mode)

    group.commands = _LazyCommands(group.commands, {
        info.name or typer.main.get_command_name(info.callback.__name__): functools.partial(build, info)
        for info in sub.registered_commands})
    return group


def _command(name: str, module: str, attribute: str):
    """The click command of a COMMANDS entry: the one command of its module's Typer app."""
    command = typer.main.get_command(getattr(_load(f"relief.cli.{module}"), attribute))
    command.name = name
    return command


def _load(module: str) -> ModuleType:
    """Import a command group's module without making the garbage collector scan what it loads.

    A keeper group's module brings in the database layer (SQLAlchemy, the table classes):
    tens of thousands of objects that live as long as the process. The cyclic collector
    would scan them several times while they are built and again at exit, finding nothing
    to free; for a keeper command that is about a quarter of its run time
    (``bench/startup.py``). So the collector pauses while the module loads, and then
    everything alive is left out of later collections (``gc.freeze``); what the command
    itself makes afterwards (sessions, connections, rows) is collected and finalised as
    usual. Only a module's first load does this, so a process that runs many commands (the
    tests) freezes once per group.
    """
    if module in sys.modules:
        return sys.modules[module]
    collecting = gc.isenabled()
    gc.disable()
    try:
        return importlib.import_module(module)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


class _Relief(typer.core.TyperGroup):
    """The ``relief`` group: its own commands, plus the GROUPS loaded on demand."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.commands = _LazyCommands(self.commands, {
            **{name: functools.partial(_group, name, *where) for name, where in GROUPS.items()},
            **{name: functools.partial(_command, name, *where) for name, where in COMMANDS.items()}})


app = typer.Typer(
    cls=_Relief,
    help="relief: disaster-preparedness inventory and dispatch for Red Cross relief depots.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
    epilog="Exit codes: 0 done, 1 refused, 2 bad input, 3 unexpected failure (its details are logged in "
           "$RELIEF_LOG_DIR, else $XDG_STATE_HOME/relief or ~/.local/state/relief).",
)


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


@app.command()
def serve(host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", parser=whole, help="Port to listen on.")] = 8000,
          workers: Annotated[int, typer.Option("--workers", parser=whole, help="Server processes.")] = 1,
          behind_tls: Annotated[bool, typer.Option(
              "--behind-tls", help="A TLS proxy fronts the server: mark session cookies Secure.")] = False,
          db_: DbOption = None) -> None:
    """Serve the HTTP API (/api, documented at /docs) and the web pages over the database."""
    from relief.cli import serve as server

    server.serve(host, port, workers, behind_tls, db_)


def run() -> None:
    """Entry point: run the command; turn a relief error into one message and its exit code
    (2 bad input, 1 refused), and anything unexpected into one line naming the log that
    holds its traceback, exit code 3 (``UNEXPECTED``)."""
    fit_output()
    try:
        app()
    except ReliefError as exc:
        from relief.cli.flags import message

        _fail(message(exc), [str(p) for p in getattr(exc, "problems", [])], exc.exit_code)
    except OSError as exc:  # a path that is a folder, a folder that is a file, no permission ...
        _fail(f"cannot use {exc.filename or 'the file'}: {exc.strerror or exc}", [], 2)
    except OverflowError as exc:
        _fail(f"a number is too large ({exc}); use a smaller value", [], 2)
    except Exception as exc:  # a bug or a broken environment: details to the log, never the terminal
        from relief.cli import crashlog

        command = crashlog.command_name(sys.argv)
        log, reason = crashlog.write(exc, command)
        where = f"the details are in {log}" if log else f"the details could not be logged ({reason})"
        _fail(f"{command} failed unexpectedly ({type(exc).__name__}); {where}", [], UNEXPECTED)


def _fail(message: str, problems: list[str], code: int) -> None:
    """Print the message and each problem on stderr, as plain text (never markup), and exit."""
    from rich.text import Text

    err.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)
    for problem in problems[:200]:
        err.print(f"  {problem}", markup=False, soft_wrap=True)
    if len(problems) > 200:
        err.print(f"  ... and {len(problems) - 200} more", markup=False)
    sys.exit(code)


if __name__ == "__main__":
    run()
