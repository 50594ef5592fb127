"""What every command shares: the database option, today's date, the actor, output."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console


DbOption = Annotated[str | None, typer.Option(
    "--db", envvar="RELIEF_DB", show_envvar=True,
    help="Database: a SQLite file path or a postgresql:// URL [default: relief.db]")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")]
ActorOption = Annotated[str | None, typer.Option(
    "--actor", envvar="RELIEF_ACTOR", help="Who records the operation [default: your login name].")]
DocOption = Annotated[str | None, typer.Option(
    "--doc", help="Document number (waybill, receipt note); repeating it records nothing twice.")]


ANY_SIZE = 10**40  # larger than any whole number an option could sensibly take


def whole(text: str | int) -> int:
    """A whole-number option or argument, read by the one whole-number reader
    (``rules.whole_number``): ``1_000``, ``1e3``, ``+5`` and full-width digits, which
    Python's ``int`` would take, are refused. Raises ``ValueError`` naming the value (the
    command line turns it into a usage error, exit 2)."""
    from relief.depot.rules import whole_number
    from relief.errors import InvalidQuantity

    try:  # only the form is checked here; the library checks each value's own range
        return whole_number(text, "value", low=-ANY_SIZE, high=ANY_SIZE)
    except InvalidQuantity:
        raise ValueError(f"{text!r} is not a whole number written in digits") from None


def decimal(text: str | float) -> float:
    """A decimal-number option, read by the one decimal reader (``rules.decimal_number``):
    ``1_3``, ``1e3``, ``inf`` and ``nan`` are refused. Raises ``ValueError`` naming the value."""
    from relief.depot.rules import decimal_number

    return decimal_number(text)


def _width(stream) -> int | None:
    """``$COLUMNS`` when it is a whole number above 0 (any other value is ignored), else the
    terminal width on a terminal; wide lines when piped, so codes are never cut."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdecimal() and int(columns) > 0:
        return int(columns)
    return None if stream.isatty() else 200


# Never markup: what the commands print holds the user's own text (lots, documents, names,
# paths), and ``[/x]`` in a lot must print as it is, not fail after the write is recorded.
# A style is given as a ``rich.text.Text`` (see ``styled``), never as markup in a string.
out = Console(highlight=False, emoji=False, markup=False, width=_width(sys.stdout))
err = Console(stderr=True, highlight=False, emoji=False, markup=False, width=_width(sys.stderr))


def styled(*parts: str | tuple[str, str]):
    """A line of plain parts and ``(text, style)`` pairs, printed as it is (no markup):
    ``out.print(styled(("plan 3", "bold"), " (draft)"))``."""
    from rich.text import Text

    return Text.assemble(*parts)


def fit_output() -> None:
    """Size both consoles for the streams and ``$COLUMNS`` of this run (a process that
    runs several commands, such as a test, may change them between runs)."""
    out.width = _width(sys.stdout)
    err.width = _width(sys.stderr)


def url(db: str | None) -> str:
    """The SQLAlchemy URL for the ``--db`` value."""
    from relief.depot.db import database_url

    return database_url(db)


def today() -> date:
    """Today's date, or ``$RELIEF_TODAY`` (YYYY-MM-DD) when set, e.g. for exercises."""
    from relief.depot.rules import parse_date

    value = os.environ.get("RELIEF_TODAY")
    return parse_date(value, "RELIEF_TODAY") if value else date.today()


def actor(value: str | None) -> str:
    """The actor recorded on movements: ``--actor``, else the login name."""
    if value:
        return value
    try:
        return getpass.getuser()
    except Exception:
        return "keeper"


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON (UTF-8, Chinese names as they are) to stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def table(title: str | None, columns: list[tuple[str, str]], rows: list[dict], *, empty: str = "nothing to show") -> None:
    """Print ``rows`` as a table with ``columns`` = [(key, header)]; numbers right-aligned.

    Cells are plain text: a name holding ``[b]`` is printed as it is, never as markup."""
    if not rows:
        out.print(styled((empty, "dim")))
        return
    from rich.table import Table  # only commands that print a table pay for it
    from rich.text import Text

    title_text = None if title is None else Text(title, no_wrap=True, overflow="ignore")  # a title never wraps
    grid = Table(title=title_text, title_justify="left", header_style="bold")
    for key, header in columns:
        numeric = isinstance(rows[0].get(key), (int, float)) and not isinstance(rows[0].get(key), bool)
        grid.add_column(header, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        grid.add_row(*[Text(_cell(row.get(key), key)) for key, _ in columns])
    out.print(grid)


def _cell(value: Any, key: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}" if key in ("km", "tonne_km") else (
            f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}")
    if isinstance(value, int):
        return str(value) if key == "id" else f"{value:,}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
