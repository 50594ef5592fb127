"""The README's tour runs: every `$ relief ...` line, in order, on a fresh database.

A command whose shown output starts with ``error:`` must fail; every other one must
succeed. Batch sizes are cut down (``--n 1000`` runs as ``--n 12``) to keep the suite
quick; everything else runs as written.
"""

from __future__ import annotations

import shlex
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
SMALLER = {"--n 1000": "--n 12"}


def tour() -> list[tuple[str, bool]]:
    """(command, expected to fail) for every `$ relief` line of the README, in order."""
    blocks, current = [], None
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if current is not None:
                blocks.append(current)
            current = [] if current is None else None
        elif current is not None:
            current.append(line)
    steps = []
    for lines in blocks:
        for n, line in enumerate(lines):
            if line.startswith("$ relief "):
                shown = next((ln for ln in lines[n + 1:] if ln.strip()), "")
                steps.append((line[2:], shown.startswith("error:")))
    return steps


def test_the_readme_shows_a_tour_of_every_kind_of_user():
    commands = [c for c, _ in tour()]
    assert len(commands) >= 25
    for group in ("relief stock", "relief dispatch", "relief drill", "relief incident", "relief init"):
        assert any(c.startswith(group) for c in commands), group


def test_every_command_of_the_readme_tour_behaves_as_shown(cli, tmp_path, monkeypatch):
    (tmp_path / "data").symlink_to(ROOT / "data")
    monkeypatch.chdir(tmp_path)
    env = {"RELIEF_DB": str(tmp_path / "relief.db")}
    for command, fails in tour():
        for long, short in SMALLER.items():
            command = command.replace(long, short)
        outcome = cli(*shlex.split(command)[1:], env=env)
        if fails:
            assert outcome.code != 0 and outcome.errors(), f"{command} should fail:\n{outcome.stdout}{outcome.stderr}"
        else:
            assert outcome.code == 0, f"{command} failed:\n{outcome.stdout}{outcome.stderr}"
    assert (tmp_path / "drill" / "report.md").is_file()


