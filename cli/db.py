"""``relief db``: bring a database to the current schema, back it up and restore it."""

from __future__ import annotations

from typing import Annotated

import typer

from relief.cli.common import DbOption, out, url

app = typer.Typer(help="The database itself: upgrade its schema, back it up, restore it.", no_args_is_help=True)


@app.command()
def upgrade(db_: DbOption = None) -> None:
    """Bring the database to the current schema (applies every pending migration)."""
    from relief.depot import migrate
    from relief.depot.db import describe

    target = url(db_)
    result = migrate.upgrade(target)
    out.print(f"{describe(target)}: {result}", markup=False, soft_wrap=True)


@app.command()
def backup(file: Annotated[str, typer.Argument(help="Backup file to write.")],
           force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
           db_: DbOption = None) -> None:
    """Write a consistent snapshot of the whole database to FILE (portable between SQLite and PostgreSQL)."""
    from relief.depot import backup as backups

    result = backups.backup(url(db_), file, force=force)
    out.print(str(result), markup=False, soft_wrap=True)


@app.command()
def restore(file: Annotated[str, typer.Argument(help="Backup file made by `relief db backup`.")],
            force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
            db_: DbOption = None) -> None:
    """Restore a backup into the database, then verify the books."""
    from relief.depot import backup as backups

    result = backups.restore(url(db_), file, force=force)
    out.print(str(result), markup=False, soft_wrap=True)
