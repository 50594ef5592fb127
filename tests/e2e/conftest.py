"""Two ways to drive the command line, both through ``cli.main.run`` (the one place
that turns errors into a message and an exit code):

* ``relief``: the installed console script in a subprocess, as a keeper runs it;
* ``cli``: the same entry point in this process (fast, for the many small cases).

Both run with ``RELIEF_TODAY`` fixed, a fixed actor and no ``RELIEF_DB`` from outside.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from relief.depot import db, keeper, region
from relief.depot.models import Movement
from tests.inprocess import run_cli

RELIEF = Path(sys.executable).parent / "relief"
CLI_ENV = {"RELIEF_TODAY": "2026-11-22", "RELIEF_ACTOR": "tester"}


@dataclass(frozen=True)
class Outcome:
    """Exit code and output of one command."""

    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)

    def errors(self) -> list[str]:
        """The ``error:`` lines written to stderr."""
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


Run = Callable[..., Outcome]


@pytest.fixture
def relief() -> Run:
    """Run the installed ``relief`` script in a subprocess: ``relief("stock", "show", env={...})``."""

    def run(*args: str, env: dict[str, str] | None = None) -> Outcome:
        environ = {k: v for k, v in os.environ.items() if k != "RELIEF_DB"}
        environ.update(CLI_ENV, COLUMNS="200", **(env or {}))
        done = subprocess.run([str(RELIEF), *args], capture_output=True, text=True, encoding="utf-8",
                              env=environ, timeout=120)
        return Outcome(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def cli() -> Run:
    """Run ``cli.main.run()`` in this process with ``sys.argv`` set to the arguments."""

    def run(*args: str, env: dict[str, str | None] | None = None) -> Outcome:
        return Outcome(*run_cli(list(args), {**CLI_ENV, "RELIEF_DB": None, **(env or {})}))

    return run


@pytest.fixture
def ledger_rows() -> Callable[[str], int]:
    """Count the movements recorded in a database (a file path or a URL)."""

    def count(where: str) -> int:
        with db.session(db.database_url(where)) as s:
            return s.exec(select(func.count()).select_from(Movement)).one()

    return count


@pytest.fixture
def stocked_file(tiny_sqlite, today) -> str:
    """Path of a tiny SQLite database holding, at R99, 10 tents and water in three lots:
    W1 (6 cases, expiring 2027-05-01), W2 (4, 2027-09-01) and OLD (2, expired 2026-11-01)."""
    keeper.receive(tiny_sqlite, "R99", "TENT", 10, actor="keeper", today=today)
    keeper.receive(tiny_sqlite, "R99", "WATER", 6, lot="W1", expires="2027-05-01", actor="keeper", today=today)
    keeper.receive(tiny_sqlite, "R99", "WATER", 4, lot="W2", expires="2027-09-01", actor="keeper", today=today)
    keeper.receive(tiny_sqlite, "R99", "WATER", 2, lot="OLD", expires="2026-11-01", actor="keeper",
                   today=date(2026, 10, 1))
    return db.describe(tiny_sqlite)


@pytest.fixture(scope="module")
def inner_mongolia_file(tmp_path_factory, today) -> str:
    """A SQLite file holding the default region and its opening stock, for a module whose
    commands only read it (drills, travel); disposed of afterwards."""
    path = tmp_path_factory.mktemp("im") / "relief.db"
    url = db.database_url(str(path))
    region.init(url, "inner-mongolia", today=today)
    db.dispose(url)
    yield str(path)
    db.dispose(url)
