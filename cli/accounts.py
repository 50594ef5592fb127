"""``relief user`` and ``relief token``: the server's accounts, their API tokens, the audit log.

These commands work on the database directly, so whoever runs them holds the database
itself: they are the administrator's tools. Passwords are read from a prompt (never
echoed) or from a file, never from the command line, and are kept only as argon2 hashes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relief.cli.common import ActorOption, DbOption, JsonOption, actor, out, print_json, table, url, whole
from relief.errors import InvalidInput

users = typer.Typer(help="Accounts of the server: add, list, disable; the audit log.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens for scripts that call the server.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="Account name, e.g. wang or keeper.c150121 (no spaces).")]


@users.command("add")
def add(name: Name,
        role: Annotated[str, typer.Option("--role", help="admin, coordinator, keeper, planner or viewer.")],
        depot: Annotated[list[str] | None, typer.Option("--depot", help="A depot a keeper may act on (repeat).")]
        = None,
        league: Annotated[list[str] | None, typer.Option(
            "--league", help="A league a coordinator may act on (repeat; none: the whole region).")] = None,
        password_file: Annotated[str | None, typer.Option(
            "--password-file", help="Read the password from the first line of this file instead of a prompt.")]
        = None,
        who: ActorOption = None, db_: DbOption = None) -> None:
    """Create an account (the password is asked for, or read from --password-file)."""
    from relief.depot import accounts

    password = _password(password_file)
    made = accounts.add(url(db_), name, role, password, depots=depot or [], leagues=league or [], actor=actor(who))
    out.print(f"added {made['role']} {made['name']}" + _scope(made), markup=False, soft_wrap=True)


@users.command("list")
def listing(as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Every account with its role, scope and state."""
    from relief.depot import accounts

    rows = accounts.listing(url(db_))
    if as_json:
        print_json(rows)
        return
    shown = [{**r, "depots": ", ".join(r["depots"]), "leagues": ", ".join(r["leagues"]),
              "state": "disabled" if r["disabled"] else "active"} for r in rows]
    table(None, [("name", "name"), ("role", "role"), ("depots", "depots"), ("leagues", "leagues"),
                 ("state", "state"), ("created_by", "created by")], shown,
          empty="no accounts yet; add one with `relief user add NAME --role admin`")


@users.command("disable")
def disable(name: Name, who: ActorOption = None, db_: DbOption = None) -> None:
    """Disable an account: it can no longer sign in and its tokens and sessions stop working."""
    from relief.depot import accounts

    done = accounts.disable(url(db_), name, actor=actor(who))
    out.print(f"disabled {done['name']}; its tokens and sessions are revoked", markup=False)


@users.command("audit")
def audit(limit: Annotated[int, typer.Option("--limit", parser=whole, help="How many lines, newest first.")] = 50,
          event: Annotated[str | None, typer.Option(
              "--event", help="Only this event: login, login_failed, login_refused, refused, account_added, "
                              "account_disabled, token_created.")] = None,
          as_json: JsonOption = False, db_: DbOption = None) -> None:
    """The audit log: sign-ins, failed sign-ins, permission refusals, account and token changes."""
    from relief.depot import accounts

    rows = accounts.audit_log(url(db_), limit=limit, event=event)
    if as_json:
        print_json(rows)
        return
    table(None, [("at", "at"), ("event", "event"), ("account", "account"), ("actor", "by"),
                 ("address", "address"), ("detail", "detail")], rows, empty="the audit log is empty")


@tokens.command("create")
def create(name: Name,
           days: Annotated[int, typer.Option("--days", parser=whole, help="Days until it expires.")] = 90,
           label: Annotated[str, typer.Option("--label", help="What the token is for (kept in the audit log).")]
           = "",
           who: ActorOption = None, db_: DbOption = None) -> None:
    """Make an API token for a script acting as NAME; it is printed once and kept only as a digest."""
    from datetime import timedelta

    from relief.depot import accounts

    if days < 1 or days > 3660:
        raise InvalidInput(f"days must be a whole number from 1 to 3660; got {days}", option="days")
    raw, expires = accounts.create_token(url(db_), name, kind="script", label=label, actor=actor(who),
                                         lifetime=timedelta(days=days))
    out.print(raw, markup=False, soft_wrap=True)
    typer.echo(f"token for {name}, valid until {expires:%Y-%m-%d %H:%M} UTC; it is shown only now: keep it "
               "secret and send it as `Authorization: Bearer <token>`", err=True)


def _password(path: str | None) -> str:
    """The password from the first line of ``path``, or asked twice at a hidden prompt."""
    if path is None:
        return typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"password file cannot be read: {getattr(exc, 'strerror', None) or exc}",
                           option="password_file") from None
    return lines[0] if lines else ""


def _scope(made: dict) -> str:
    if made["depots"]:
        return " for depots " + ", ".join(made["depots"])
    if made["leagues"]:
        return " for leagues " + ", ".join(made["leagues"])
    return " for the whole region"
