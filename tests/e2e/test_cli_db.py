"""`relief db backup` and `relief db restore` from the command line: messages and exit codes."""

from __future__ import annotations

import re

import pytest

from relief.depot import db


def test_backup_then_restore_into_a_new_database_reports_rows_and_verified_books(cli, stocked_file, tmp_path,
                                                                                  ledger_rows):
    made = cli("db", "backup", str(tmp_path / "tiny.gz"), "--db", stocked_file)
    assert made.code == 0, made.stderr
    assert re.fullmatch(rf"backed up {re.escape(stocked_file)}: 20 tables, [\d,]+ rows → "
                        rf"{re.escape(str(tmp_path / 'tiny.gz'))} \([\d.]+ (B|kB)\)\n", made.stdout)
    fresh = str(tmp_path / "fresh.db")
    done = cli("db", "restore", str(tmp_path / "tiny.gz"), "--db", fresh)
    assert done.code == 0, done.stderr
    assert done.stdout.startswith(f"restored {tmp_path / 'tiny.gz'} into {fresh}: 20 tables")
    assert "books verified: 4 balances agree with 4 movements" in done.stdout
    assert ledger_rows(fresh) == ledger_rows(stocked_file) == 4
    db.dispose(db.database_url(fresh))


@pytest.mark.slow
def test_restore_into_a_database_with_data_needs_force(relief, stocked_file, tmp_path, ledger_rows):
    assert relief("db", "backup", str(tmp_path / "tiny.gz"), "--db", stocked_file).code == 0
    relief("stock", "receive", "R99", "TENT", "5", "--db", stocked_file)
    refused = relief("db", "restore", str(tmp_path / "tiny.gz"), "--db", stocked_file)
    assert refused.code == 1 and refused.stdout == ""
    assert len(refused.errors()) == 1 and re.fullmatch(
        rf"error: {re.escape(stocked_file)} already holds relief data \(\d+ rows.*\); pass --force to replace it",
        refused.errors()[0])
    assert ledger_rows(stocked_file) == 5
    forced = relief("db", "restore", str(tmp_path / "tiny.gz"), "--force", "--db", stocked_file)
    assert forced.code == 0 and forced.stdout.startswith("restored ")
    assert ledger_rows(stocked_file) == 4


@pytest.mark.parametrize("content, message", [
    (b"\x1f\x8b\x08\x00garbage", "is not a readable relief backup"),
    (b"plain text\n", "is not a readable relief backup: Not a gzipped file"),
])
def test_a_file_that_is_not_a_backup_exits_2_and_writes_nothing(cli, tmp_path, content, message):
    bad = tmp_path / "bad.gz"
    bad.write_bytes(content)
    target = tmp_path / "target.db"
    outcome = cli("db", "restore", str(bad), "--db", str(target))
    assert outcome.code == 2 and len(outcome.errors()) == 1 and message in outcome.errors()[0]
    assert "Traceback" not in outcome.stderr and not target.exists()


def test_a_missing_backup_file_and_a_missing_database_are_named(cli, tmp_path):
    missing = cli("db", "restore", str(tmp_path / "nope.gz"), "--db", str(tmp_path / "t.db"))
    assert missing.code == 2 and missing.errors() == [
        f"error: cannot read backup {tmp_path / 'nope.gz'}: No such file or directory"]
    nothing = cli("db", "backup", str(tmp_path / "out.gz"), "--db", str(tmp_path / "none.db"))
    assert nothing.code == 1 and nothing.errors() == [
        f"error: no relief database at {tmp_path / 'none.db'}; nothing to back up"]
    assert not (tmp_path / "out.gz").exists()


def test_backup_refuses_to_replace_a_file_unless_forced(cli, stocked_file, tmp_path):
    target = tmp_path / "nightly.gz"
    target.write_text("yesterday", encoding="utf-8")
    refused = cli("db", "backup", str(target), "--db", stocked_file)
    assert refused.code == 1
    assert refused.errors() == [f"error: {target} already exists; nothing was written; pass --force to replace it"]
    assert target.read_text(encoding="utf-8") == "yesterday"
    forced = cli("db", "backup", str(target), "--force", "--db", stocked_file)
    assert forced.code == 0, forced.stderr
    assert target.read_bytes()[:2] == b"\x1f\x8b"  # a gzip file now
