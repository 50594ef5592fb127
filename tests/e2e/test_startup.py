"""Keeper commands start light: ``relief stock show`` loads neither the planner, nor the
spreadsheet library, nor Alembic, nor the command groups it does not use; it reads without
configuring the ORM, and still closes its database when it exits.

Not timed (``bench/startup.py`` times it); each case runs in a fresh interpreter, since
this test process has long since imported everything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from relief.depot import db

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


@pytest.mark.slow
def test_stock_show_loads_no_heavy_library_and_no_planner(stocked_file):
    loaded = modules_loaded_by("stock", "show", "--depot", "R99", "--db", stocked_file)
    assert "relief.depot.reports" in loaded  # the probe did run the command
    assert heavy(loaded) == []
    assert sorted(m for m in loaded if m.startswith("relief.routing")) == []


@pytest.mark.slow
def test_stock_show_loads_only_its_own_command_group(stocked_file):
    loaded = modules_loaded_by("stock", "show", "--db", stocked_file)
    others = ("catalog", "incident", "dispatch", "drill", "db")
    assert [m for m in (f"relief.cli.{name}" for name in others) if m in loaded] == []


@pytest.mark.slow
def test_the_top_level_help_loads_no_heavy_library():
    loaded = modules_loaded_by("--help")
    assert heavy(loaded) == []


MAPPER_PROBE = """
import json, sys
from sqlalchemy import inspect
from relief.cli.main import app
app({args!r}, standalone_mode=False)
from relief.depot import models
print(json.dumps(sorted(name for name in ("Balance", "Depot", "Item", "Lot") if inspect(getattr(models, name)).configured)))
"""


@pytest.mark.slow
def test_stock_show_reads_without_configuring_the_orm(stocked_file):
    args = ["stock", "show", "--depot", "R99", "--db", stocked_file]
    done = subprocess.run([sys.executable, "-c", MAPPER_PROBE.format(args=args)], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, env={"RELIEF_TODAY": "2026-11-22", "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert "TENT" in done.stdout  # the probe did print the stock
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.mark.slow
def test_a_command_still_closes_its_database_at_exit(stocked_file, relief):
    """Loading a command group leaves what it built out of garbage collection (cli.main._load);
    what the command makes afterwards is still finalised: the SQLite connection closes at exit,
    which removes the database's -wal file."""
    db.dispose(db.database_url(stocked_file))  # this process's own connection
    wal = Path(stocked_file + "-wal")
    assert not wal.exists()
    done = relief("stock", "show", "--depot", "R99", "--db", stocked_file)
    assert done.code == 0, done.stderr
    assert "TENT" in done.stdout
    assert not wal.exists()
