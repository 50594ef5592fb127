"""The one place that knows flags and commands: what a library error becomes for the user.

The library says what is wrong in domain terms and names, on the error, the setting it
concerns (``option``) and where to look the valid values up (``hint``); see
``relief.errors``. ``message`` adds the flag, the fix and the command to run.
"""

from __future__ import annotations

from relief.errors import ReliefError

# How the command line names each setting the library names: a flag, or an argument as
# the help shows it. A setting whose name is its flag's (``days`` -> ``--days``) is
# listed too, so that this table is the whole list.
FLAGS = {
    "actor": "--actor",
    "allow_expired": "--allow-expired",
    "budget": "--budget",
    "circuity": "--circuity",
    "cvar": "--cvar",
    "database": "--db",
    "days": "--days",
    "depot": "--depot",
    "doc": "--doc",
    "expiry": "--expires",
    "force": "--force",
    "fleet": "--fleet",
    "format": "--format",
    "hazard": "--hazard",
    "head": "--head",
    "level": "--level",
    "limit": "--limit",
    "league": "--league",
    "lot": "--lot",
    "max_hours": "--max-hours",
    "method": "--method",
    "nearest": "--nearest",
    "need": "--need",
    "note": "--note",
    "name": "NAME",
    "output": "--out",
    "port": "--port",
    "password": "password",
    "password_file": "--password-file",
    "quantity": "QTY",
    "reason": "--reason",
    "role": "--role",
    "runs": "--n",
    "scheduler": "--scheduler",
    "source": "--source",
    "speed": "--speed",
    "start": "--start",
    "team": "--team",
    "to": "--to",
    "validate_n": "--validate-n",
    "window": "--window",
    "workers": "--workers",
}

# What to do, for a setting that would allow what was refused.
ADVICE = {
    "allow_expired": "issue it only with --allow-expired, or write it off with an adjustment (--reason expired)",
    "force": "pass --force to replace it",
    "lot": "give it with --lot",
}

# Where to look the valid values up, or what to do next: {hint: text}; ``{db}`` is the
# database as the command line names it.
HINTS = {
    "depots": "see `relief depot list` for the codes",
    "items": "see `relief item list` for the codes",
    "teams": "see `relief team list` for the codes",
    "depots_teams": "see `relief depot list` / `relief team list`",
    "counties": "use the adcodes of `relief depot list` or the region's counties.geojson",
    "incidents": "see `relief incident list`",
    "plans": "see `relief dispatch list`",
    "accounts": "see `relief user list`",
    "new_incident": "add one with `relief incident add`",
    "init": "create one with: relief init --db {db}",
    "upgrade": "run `relief db upgrade --db {db}`",
    "upgrade_command": "see `relief db upgrade`",
}


def flag(option: str) -> str:
    """How the command line names the setting ``option`` (``"max_hours"`` -> ``--max-hours``)."""
    return FLAGS.get(option, "--" + option.replace("_", "-"))


def message(error: ReliefError) -> str:
    """The message the user reads for ``error``: its own, with the flag in place of the
    setting's name, how to use a setting that would allow it, and where to look."""
    text = str(error)
    option = getattr(error, "option", None)
    if option:
        name = option.replace("_", " ")
        if text.startswith(name) and text[len(name):len(name) + 1] in (" ", ":", ""):
            text = flag(option) + text[len(name):]
        elif option in ADVICE:
            text = f"{text}; {ADVICE[option]}"
        else:
            text = f"{text} ({flag(option)})"
    hint = getattr(error, "hint", None)
    if hint in HINTS:
        text = f"{text}; {HINTS[hint].format(db=getattr(error, 'database', None) or 'relief.db')}"
    return text
