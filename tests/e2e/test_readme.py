"""The README's tour runs and shows its real output: every `$ relief ...` line, in order,
on a fresh database, as ``scripts/readme_outputs.py`` runs it.

A command whose shown output starts with ``error:`` must fail and every other one must
succeed; each shown output must equal the real one, exactly but for the normalisation
the script documents (timings, the wall clock, generated document numbers, compressed
sizes; numbers of batches cut down from ``--n 1000`` to ``--n 12``) and ``...`` lines,
which stand for lines left out. When behaviour changes on purpose, refresh the README
with ``.venv/bin/python scripts/readme_outputs.py --write`` and review its diff.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("readme_outputs", ROOT / "scripts" / "readme_outputs.py")
readme = sys.modules.setdefault("readme_outputs", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(readme)


def test_the_readme_shows_a_tour_of_every_kind_of_user():
    commands = [step.command for step in readme.steps(readme.README.read_text(encoding="utf-8"))]
    assert len(commands) >= 25
    for group in ("relief stock", "relief dispatch", "relief drill", "relief incident", "relief init"):
        assert any(c.startswith(group) for c in commands), group


@pytest.mark.slow
def test_every_command_of_the_readme_tour_behaves_and_prints_as_shown(tmp_path):
    outcomes = readme.tour(folder=tmp_path)
    for o in outcomes:
        if o.step.shown and o.step.shown[0].startswith("error:"):
            assert o.code != 0, f"README.md:{o.step.start}: {o.step.command} should fail:\n" + "\n".join(o.real)
        else:
            assert o.code == 0, f"README.md:{o.step.start}: {o.step.command} failed:\n" + "\n".join(o.real)
    assert (tmp_path / "drill" / "report.md").is_file()
    differ = [f"README.md:{o.step.start}: $ {o.step.command}\n{readme.diff(o)}" for o in outcomes if not o.ok]
    assert not differ, (f"{len(differ)} README output(s) differ from the real ones (refresh with "
                        "scripts/readme_outputs.py --write if the change is meant):\n" + "\n".join(differ))


# the comparison itself

def test_an_elision_stands_for_any_number_of_lines_and_nothing_else_differs():
    shown = ["table", "...", "total 3"]
    assert readme.matches(shown, ["table", "total 3"])
    assert readme.matches(shown, ["table", "a", "b", "total 3"])
    assert not readme.matches(shown, ["table", "a", "total 4"])
    assert not readme.matches(shown, ["table", "a", "total 3", "one more line"])
    assert not readme.matches(["a", "b"], ["a"])


def test_only_what_cannot_repeat_is_normalised():
    lines = ["solver: optimal; build 0.010 s, solve 12 ms, 2,941 candidate arcs",
             "plan 1 (draft, optimal) from 2026-11-22T17:39",
             "issued 30 WATER - document ISS-20261122-c0b0b686, 1 ledger line(s)",
             "error: already recorded (receive, 2026-11-30 01:11 UTC by wang)",
             "backed up /tmp/x/relief.db (123.5 kB)", "  incident 1 ", "M6.0 (earthquake, 2027-01-15T08:00)"]
    assert readme.normalise(lines, "/tmp/x") == [
        "solver: optimal; build <t> s, solve <t> ms, 2,941 candidate arcs",
        "plan 1 (draft, optimal) from 2026-11-22T<hh:mm>",
        "issued 30 WATER - document ISS-20261122-<id>, 1 ledger line(s)",
        "error: already recorded (receive, <when> by wang)",
        "backed up relief.db (<size>)", "  incident 1", "M6.0 (earthquake, 2027-01-15T08:00)"]
    assert readme.normalise(["1000 scenarios: mean 96.4%"], "/tmp/x", numbers=True) == ["# scenarios: mean #%"]


def test_a_refreshed_block_keeps_its_elisions():
    step = readme.Step("relief x", 0, 0, ["head", "...", "middle b", "...", "tail"], "")
    real = ["head 2", "a", "middle b 2", "c", "tail 2"]
    assert readme.refreshed(step, real, "/tmp/x") == ["head 2", "...", "middle b 2", "...", "tail 2"]
