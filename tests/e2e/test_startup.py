"""Keeper commands start light: ``relief stock show`` loads neither the planner, nor the
spreadsheet library, nor Alembic, nor the command groups it does not use.

Not timed (``bench/startup.py`` times it); each case runs in a fresh interpreter, since
this test process has long since imported everything."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("geopandas", "ortools", "shapely", "matplotlib", "pandas", "openpyxl", "scipy", "alembic", "numpy")

PROBE = """
import json, sys
from relief.cli.main import app
try:
    app({args!r}, standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def modules_loaded_by(*args: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``relief ARGS`` in it."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, env={"RELIEF_TODAY": "2026-11-22", "PATH": ""})
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


def test_stock_show_loads_no_heavy_library_and_no_planner(stocked_file):
    loaded = modules_loaded_by("stock", "show", "--depot", "R99", "--db", stocked_file)
    assert "relief.depot.reports" in loaded  # the probe did run the command
    assert heavy(loaded) == []
    assert sorted(m for m in loaded if m.startswith("relief.routing")) == []


def test_stock_show_loads_only_its_own_command_group(stocked_file):
    loaded = modules_loaded_by("stock", "show", "--db", stocked_file)
    others = ("catalog", "incident", "dispatch", "drill", "db")
    assert [m for m in (f"relief.cli.{name}" for name in others) if m in loaded] == []


def test_the_top_level_help_loads_no_heavy_library():
    loaded = modules_loaded_by("--help")
    assert heavy(loaded) == []
