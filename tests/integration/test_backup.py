"""Backup and restore of a whole database, between SQLite and PostgreSQL.

The full default region with a keeper's day, an incident and a committed plan is backed
up from SQLite, restored into PostgreSQL, backed up again and restored into SQLite: every
table must come back row by row. A backup taken while a keeper keeps writing must hold
a state that existed; a bad file, or a target that holds data, must change nothing.
"""

from __future__ import annotations

import gzip
import json
import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from relief.depot import backup, backup_file, db, keeper, region, reports, schema
from relief.depot.models import Document, Movement, Plan
from relief.errors import DatabaseNotEmpty, InvalidFile, Refused, SchemaOutOfDate, SchemaTooNew
from relief.routing.dispatch import incidents, planning, plans

from ..conftest import TODAY, load_tiny


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every relief table at ``url``, in primary-key order."""
    with db.get_engine(url).connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in backup_file.tables()}


def verify(url: str) -> dict:
    with db.session(url) as s:
        return reports.verify(s)


def header(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.loads(f.readline())


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy a backup, passing its lines (text) through ``change``."""
    with gzip.open(source, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    with gzip.open(target, "wt", encoding="utf-8") as f:
        f.write("\n".join(change(lines)) + "\n")
    return target


@pytest.fixture(scope="module")
def busy_region(tmp_path_factory) -> Path:
    """A SQLite file of the default region after a keeper's day, an incident and a
    committed dispatch plan (made once for the module; tests copy it)."""
    path = tmp_path_factory.mktemp("busy") / "relief.db"
    url = db.database_url(str(path))
    region.init(url, "inner-mongolia", today=TODAY)
    keeper.receive(url, "C150430", "TENT12", 40, actor="keeper", today=TODAY)
    keeper.receive(url, "R15", "WATER", 200, lot="W-BK", expires="2027-06-01", actor="keeper", today=TODAY)
    keeper.issue(url, "C150430", "TENT12", 5, to="Aohan school", actor="keeper", today=TODAY)
    keeper.transfer(url, "R15", "L1504", "WATER", 50, lot="W-BK", actor="keeper", today=TODAY)
    keeper.adjust(url, "L1504", "WATER", -2, "damaged", lot="W-BK", actor="keeper", today=TODAY)
    incidents.add(url, "Aohan quake", 119.9, 42.3, people=300, priority=1, today=TODAY)
    planning.plan(url, method="greedy", today=TODAY, start=datetime(2026, 11, 22, 8, 0))
    with db.session(url) as s:
        draft = s.exec(select(func.max(Plan.id))).one()[0]
    plans.commit(url, draft, actor="planner", today=TODAY)
    db.dispose(url)
    return path


@pytest.fixture
def busy_sqlite(busy_region, tmp_path) -> str:
    """A fresh copy of the busy region database, as a URL."""
    copy = tmp_path / "busy.db"
    copy.write_bytes(busy_region.read_bytes())
    url = db.database_url(str(copy))
    yield url
    db.dispose(url)


@pytest.fixture
def busy_backup(busy_region, tmp_path) -> Path:
    """A backup file of the busy region."""
    url = db.database_url(str(busy_region))
    path = tmp_path / "busy.relief.gz"
    backup.backup(url, path)
    db.dispose(url)
    return path


@pytest.mark.slow
@pytest.mark.postgres
def test_a_busy_region_survives_sqlite_to_postgresql_and_back_row_by_row(busy_sqlite, postgres_url, tmp_path):
    original = dump(busy_sqlite)
    assert original["plan"] and original["planshipment"] and original["incident"] and len(original["movement"]) > 1975
    first = backup.backup(busy_sqlite, tmp_path / "one.gz")
    assert first.rows == sum(map(len, original.values())) and first.tables == len(original)
    into_pg = backup.restore(postgres_url, tmp_path / "one.gz")
    assert into_pg.rows == first.rows and into_pg.movements == len(original["movement"])
    assert dump(postgres_url) == original
    backup.backup(postgres_url, tmp_path / "two.gz")
    assert header(tmp_path / "two.gz")["source"] == "postgresql"
    back = db.database_url(str(tmp_path / "back.db"))
    backup.restore(back, tmp_path / "two.gz")
    assert dump(back) == original
    db.dispose(back)


@pytest.mark.slow
@pytest.mark.postgres
def test_restored_postgresql_ids_continue_after_the_restored_ones(busy_backup, postgres_url):
    backup.restore(postgres_url, busy_backup)
    with db.session(postgres_url) as s:
        largest = s.exec(select(func.max(Movement.id))).one()[0]
    keeper.receive(postgres_url, "R15", "TENT12", 3, actor="keeper", today=TODAY)
    with db.session(postgres_url) as s:
        assert s.exec(select(func.min(Movement.id)).where(Movement.id > largest)).one()[0] == largest + 1
    assert verify(postgres_url)["ok"]


def test_the_header_names_format_schema_source_and_row_counts(busy_backup, busy_region):
    found = header(busy_backup)
    assert (found["format"], found["version"], found["schema"], found["source"]) == (
        "relief-backup", 1, schema.HEAD, "sqlite")
    assert [t["name"] for t in found["tables"]] == [t.name for t in backup_file.tables()]
    assert "alembic_version" not in {t["name"] for t in found["tables"]}
    counts = {name: len(rows) for name, rows in dump(db.database_url(str(busy_region))).items()}
    assert {t["name"]: t["rows"] for t in found["tables"]} == counts


@pytest.mark.slow
def test_a_backup_taken_while_a_keeper_keeps_writing_holds_whole_documents(db_url, tmp_path):
    url = load_tiny(db_url)
    keeper.receive(url, "R99", "TENT", 1000, actor="keeper", today=TODAY)
    stop = threading.Event()
    errors: list[Exception] = []

    def keep_writing() -> None:
        n = 0
        try:
            while not stop.is_set():
                n += 1
                keeper.receive(url, "R99", "TENT", 1, actor="keeper", today=TODAY)
                keeper.transfer(url, "R99", "C990102", "TENT", 1, actor="keeper", today=TODAY)
        except Exception as exc:  # reported by the test below
            errors.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    files = []
    try:
        for n in range(4):
            with db.session(url) as s:
                before = s.exec(select(func.count()).select_from(Movement)).one()[0]
            files.append((before, backup.backup(url, tmp_path / f"during-{n}.gz").rows, tmp_path / f"during-{n}.gz"))
    finally:
        stop.set()
        writer.join()
    assert not errors
    with db.session(url) as s:
        after = s.exec(select(func.count()).select_from(Movement)).one()[0]
    for n, (before, _, path) in enumerate(files):
        target = db.database_url(str(tmp_path / f"restored-{n}.db"))
        restored = backup.restore(target, path)
        assert before <= restored.movements <= after
        with db.session(target) as s:
            lines = dict(s.exec(select(Movement.doc, func.count()).group_by(Movement.doc)).all())
            documents = {d.number: d.lines for d in s.exec(select(Document)).scalars()}
        assert lines == documents  # every document whole, none without its movements
        assert verify(target)["ok"]
        db.dispose(target)
    assert after > files[0][0]  # the keeper really was writing meanwhile


def test_restore_refuses_a_database_that_holds_data_and_changes_nothing(busy_backup, tiny_db):
    keeper.receive(tiny_db, "R99", "TENT", 7, actor="keeper", today=TODAY)
    before = dump(tiny_db)
    with pytest.raises(DatabaseNotEmpty, match=r"already holds relief data") as refused:
        backup.restore(tiny_db, busy_backup)
    assert refused.value.option == "force"
    assert dump(tiny_db) == before


@pytest.mark.slow
def test_restore_with_force_replaces_a_database_that_holds_data(busy_backup, busy_region, tiny_db):
    keeper.receive(tiny_db, "R99", "TENT", 7, actor="keeper", today=TODAY)
    done = backup.restore(tiny_db, busy_backup, force=True)
    assert dump(tiny_db) == dump(db.database_url(str(busy_region)))
    assert done.balances == verify(tiny_db)["balances"] and str(done).startswith("restored ")


def test_a_truncated_backup_is_refused_and_nothing_is_written(busy_backup, sqlite_url, tmp_path):
    cut = tmp_path / "cut.gz"
    cut.write_bytes(busy_backup.read_bytes()[: busy_backup.stat().st_size // 2])
    with pytest.raises(InvalidFile, match="truncated"):
        backup.restore(sqlite_url, cut)
    assert not db.has_schema(sqlite_url)


def test_a_backup_missing_rows_is_refused(busy_backup, sqlite_url, tmp_path):
    short = rewrite(busy_backup, tmp_path / "short.gz", lambda lines: lines[:-3])
    with pytest.raises(InvalidFile, match=r"incomplete or altered: .* has [\d,]+ of [\d,]+ rows"):
        backup.restore(sqlite_url, short)
    assert not db.has_schema(sqlite_url)


def test_a_corrupt_value_is_refused_naming_the_line(busy_backup, sqlite_url, tmp_path):
    def spoil(lines):
        n = next(i for i, ln in enumerate(lines) if ln.startswith('["movement"'))
        table, values = json.loads(lines[n])
        values[1] = "yesterday"
        lines[n] = json.dumps([table, values])
        return lines

    with pytest.raises(InvalidFile, match=r"line \d+: movement.at value 'yesterday' is not a valid datetime"):
        backup.restore(sqlite_url, rewrite(busy_backup, tmp_path / "bad.gz", spoil))
    assert not db.has_schema(sqlite_url)


def test_a_file_that_is_not_a_backup_is_refused(sqlite_url, tmp_path):
    plain = tmp_path / "notes.txt"
    plain.write_text("not a backup\n")
    with pytest.raises(InvalidFile, match="not a readable relief backup"):
        backup.restore(sqlite_url, plain)
    other = tmp_path / "other.gz"
    with gzip.open(other, "wt") as f:
        f.write('{"format": "something-else"}\n')
    with pytest.raises(InvalidFile, match="is not a relief backup"):
        backup.restore(sqlite_url, other)
    with pytest.raises(InvalidFile, match="cannot read backup .*missing.gz"):
        backup.restore(sqlite_url, tmp_path / "missing.gz")
    assert not db.has_schema(sqlite_url)


def test_a_backup_of_another_schema_revision_is_refused(busy_backup, sqlite_url, tmp_path):
    def at(revision):
        def change(lines):
            found = json.loads(lines[0])
            found["schema"] = revision
            return [json.dumps(found), *lines[1:]]
        return change

    with pytest.raises(SchemaOutOfDate, match=r"older schema .*schema revision 1\).*upgrade that database") as old:
        backup.restore(sqlite_url, rewrite(busy_backup, tmp_path / "old.gz", at(schema.BASELINE)))
    assert old.value.hint == "upgrade_command"
    with pytest.raises(SchemaTooNew, match="schema revision 99"):
        backup.restore(sqlite_url, rewrite(busy_backup, tmp_path / "new.gz", at("0099")))
    assert not db.has_schema(sqlite_url)


def inflate_a_balance(lines: list[str]) -> list[str]:
    """Backup lines with one stored balance one unit above what its ledger says."""
    n = next(i for i, ln in enumerate(lines) if ln.startswith('["balance"'))
    table, values = json.loads(lines[n])
    values[3] += 1
    lines[n] = json.dumps([table, values])
    return lines


def test_books_that_do_not_balance_are_not_restored(busy_backup, sqlite_url, tmp_path):
    with pytest.raises(Refused, match="do not balance"):
        backup.restore(sqlite_url, rewrite(busy_backup, tmp_path / "skewed.gz", inflate_a_balance))
    assert not db.has_schema(sqlite_url)  # not even the schema was left behind


def change_a_movement_and_its_balance(lines: list[str]) -> list[str]:
    """Backup lines with the last movement's quantity one more, and its balance to match."""
    n = max(i for i, ln in enumerate(lines) if ln.startswith('["movement"'))
    columns = [c for c, _ in next(t for t in json.loads(lines[0])["tables"] if t["name"] == "movement")["columns"]]
    table, values = json.loads(lines[n])
    row = dict(zip(columns, values))
    values[columns.index("qty")] += 1
    lines[n] = json.dumps([table, values])
    for i, ln in enumerate(lines):
        name, bal = json.loads(ln) if ln.startswith('["balance"') else (None, None)
        if name and bal[:3] == [row["depot"], row["item"], row["lot"]]:
            bal[3] += 1
            lines[i] = json.dumps([name, bal])
    return lines


@pytest.mark.slow
def test_a_round_trip_keeps_the_chain_and_a_rewritten_ledger_is_not_restored(busy_backup, sqlite_url, tmp_path):
    restored = backup.restore(sqlite_url, busy_backup)
    assert verify(sqlite_url)["chain"]["head"]["id"] == restored.movements
    db.drop_schema(sqlite_url)
    with pytest.raises(Refused, match=r"hash chain is broken at movement \d+ \(document "):
        backup.restore(sqlite_url, rewrite(busy_backup, tmp_path / "forged.gz", change_a_movement_and_its_balance))
    assert not db.has_schema(sqlite_url)


@pytest.mark.slow
def test_a_forced_restore_that_fails_leaves_the_old_database_whole(busy_backup, tiny_db, tmp_path):
    keeper.receive(tiny_db, "R99", "TENT", 7, actor="keeper", today=TODAY)
    before = dump(tiny_db)
    with pytest.raises(Refused, match="do not balance"):
        backup.restore(tiny_db, rewrite(busy_backup, tmp_path / "skewed.gz", inflate_a_balance), force=True)
    assert dump(tiny_db) == before
    assert verify(tiny_db)["ok"]


def test_an_interrupted_backup_leaves_no_file_under_the_real_name(busy_sqlite, tmp_path, monkeypatch):
    def boom(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(backup_file, "line", boom)
    with pytest.raises(KeyboardInterrupt):
        backup.backup(busy_sqlite, tmp_path / "out.gz")
    assert not any(p.name.startswith(("out.gz", ".out.gz")) for p in tmp_path.iterdir())
