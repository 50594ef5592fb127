"""``relief db upgrade`` and the refusal of every other command on an out-of-date database."""

from __future__ import annotations

import hashlib
import shlex
from pathlib import Path

import pytest

from relief.depot import db, schema
from tests import old_schemas

HEAD = schema.label(schema.HEAD)

ROOT = Path(__file__).resolve().parents[2]


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def old_file(tmp_path: Path, today) -> str:
    """Path of a SQLite database made by a relief before schema revisions were recorded."""
    path = str(tmp_path / "old.db")
    old_schemas.previous_release(db.database_url(path), today)
    return path


@pytest.mark.slow
def test_a_previous_release_database_is_refused_until_upgraded_then_works(relief, tmp_path, today):
    path = old_file(tmp_path, today)
    before = digest(path)
    shown = relief("stock", "show", "--db", path)
    assert shown.code == 1
    assert shown.errors() == [f"error: the database {path} records no schema revision (it was made by an earlier "
                              f"relief); this relief needs revision {HEAD}; run `relief db upgrade --db {path}`"]
    received = relief("stock", "receive", "R99", "TENT", "5", "--db", path)
    assert received.code == 1 and "relief db upgrade" in received.stderr
    assert digest(path) == before
    upgraded = relief("db", "upgrade", "--db", path)
    assert upgraded.code == 0
    assert upgraded.stdout == (f"{path}: upgraded from 1 (a database made before schema revisions were recorded) "
                               f"to {HEAD}\n")
    shown = relief("stock", "show", "--depot", "R99", "--json", "--db", path)
    assert shown.code == 0
    assert {(r["item"], r["on_hand"]) for r in shown.json()} == {("TENT", 7), ("WATER", 4)}
    assert relief("stock", "verify", "--db", path).code == 0


def test_upgrading_a_current_database_says_so(cli, stocked_file):
    outcome = cli("db", "upgrade", "--db", stocked_file)
    assert outcome.code == 0 and outcome.stdout == f"{stocked_file}: already at the current schema ({HEAD})\n"


def test_upgrade_needs_a_database(cli, tmp_path):
    path = tmp_path / "none.db"
    outcome = cli("db", "upgrade", "--db", str(path))
    assert outcome.code == 1 and outcome.errors() == [
        f"error: no relief database at {path}; create one with: relief init --db {path}"]
    assert not path.exists()


def test_init_force_replaces_a_database_whose_ledger_is_protected(cli, stocked_file, ledger_rows, tiny_region):
    assert ledger_rows(stocked_file) == 4
    refused = cli("init", "--region", str(tiny_region), "--no-sample-stock", "--db", stocked_file)
    assert refused.code == 1 and ledger_rows(stocked_file) == 4
    replaced = cli("init", "--region", str(tiny_region), "--no-sample-stock", "--force", "--db", stocked_file)
    assert replaced.code == 0, replaced.stderr
    assert ledger_rows(stocked_file) == 0
    assert cli("stock", "receive", "R99", "TENT", "2", "--db", stocked_file).code == 0
    assert ledger_rows(stocked_file) == 1


def test_the_readme_shows_what_upgrading_an_earlier_database_prints(cli, tmp_path, today, monkeypatch):
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### Upgrading", 1)[1].split("\n## ", 1)[0]
    command = section.split("```sh\n", 1)[1].split("\n", 1)[0]
    shown = section.split("```text\n", 1)[1].split("\n", 1)[0]
    again = section.split("Run again, it says `", 1)[1].split("`", 1)[0]
    monkeypatch.chdir(tmp_path)
    old_schemas.previous_release(db.database_url("relief.db"), today)
    first, second = cli(*shlex.split(command)[1:]), cli(*shlex.split(command)[1:])
    assert first.code == 0 and second.code == 0
    resolved = str(tmp_path / "relief.db")
    assert first.stdout.replace(resolved, "relief.db") == shown + "\n"
    assert second.stdout.replace(resolved, "relief.db") == again + "\n"
