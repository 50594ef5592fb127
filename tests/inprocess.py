"""Run the ``relief`` command in this process, through ``cli.main.run`` (the one place that
turns errors into a message and an exit code), with its output captured."""

from __future__ import annotations

import sys

from typer.testing import CliRunner

from relief.cli import main


def run_cli(args: list[str], env: dict[str, str | None]) -> tuple[int, str, str]:
    """Run ``relief ARGS`` with ``env`` set (None removes a variable); returns the exit code,
    stdout and stderr."""
    with CliRunner().isolation(env=env) as (stdout, stderr, _):
        saved, sys.argv = sys.argv, ["relief", *args]
        code = 0
        try:
            main.run()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        finally:
            sys.argv = saved
            sys.stdout.flush()
            sys.stderr.flush()
        return code, stdout.getvalue().decode(), stderr.getvalue().decode()
