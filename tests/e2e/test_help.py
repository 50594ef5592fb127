"""Every command, subcommand and option explains itself."""

from __future__ import annotations

import pytest
import typer.main

from relief.cli.main import app


def command_tree() -> list[tuple[list[str], object]]:
    """Every (path of names, click command) under ``relief``, the root included."""
    found = []

    def walk(path: list[str], command) -> None:
        found.append((path, command))
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk([*path, name], sub)

    walk([], typer.main.get_command(app))
    return found


def test_the_command_tree_holds_the_keeper_commands():
    paths = {" ".join(path) for path, _ in command_tree()}
    assert {"init", "stock receive", "stock issue", "stock transfer", "stock adjust", "stock count", "stock show",
            "stock low", "stock expiring", "stock history", "stock verify", "stock import", "stock export",
            "depot list", "depot show", "item list", "team list"} <= paths


def test_every_command_and_subcommand_has_help_text():
    missing = [" ".join(["relief", *path]) for path, command in command_tree() if not (command.help or "").strip()]
    assert missing == []


def test_every_argument_and_option_has_help_text():
    missing = [f"relief {' '.join(path)} {param.name}" for path, command in command_tree()
               for param in command.params if not (getattr(param, "help", None) or "").strip()]
    assert missing == []


def test_every_command_prints_its_help_and_exits_0(cli):
    for path, command in command_tree():
        done = cli(*path, "--help")
        assert done.code == 0, (path, done.stderr)
        first_line = (command.help or "").strip().splitlines()[0]
        assert first_line[:40] in " ".join(done.stdout.split()), path


@pytest.mark.slow
def test_relief_help_from_the_installed_script(relief):
    done = relief("--help")
    assert done.code == 0
    assert "disaster-preparedness inventory and dispatch" in done.stdout
    for name in ("init", "stock", "depot", "item", "team"):
        assert name in done.stdout
