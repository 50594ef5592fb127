"""An unexpected failure (a bug, a broken environment) prints one line naming the log that
holds its traceback and exits 3, so that a script can tell a crash from a refusal (1) or
bad input (2); the terminal never shows the traceback, and the log never shows the values
bound to an SQL statement."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from relief.cli import crashlog
from relief.depot import db, reports

SECRET = "secret-7f3a9c"


@pytest.fixture
def logs(tmp_path) -> Path:
    """The folder ``$RELIEF_LOG_DIR`` names for the test (not created beforehand)."""
    return tmp_path / "logs" / "relief"


def only_log(folder: Path) -> Path:
    """The one log file in ``folder``."""
    files = list(folder.iterdir())
    assert len(files) == 1 and files[0].name.startswith("relief-") and files[0].suffix == ".log"
    return files[0]


def test_an_unexpected_error_exits_3_with_one_line_naming_the_log(cli, tiny_sqlite, logs, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError(f"the reader broke on {SECRET}")

    monkeypatch.setattr(reports, "stock", boom)
    done = cli("stock", "show", "--db", tiny_sqlite, env={"RELIEF_LOG_DIR": str(logs), "COLUMNS": "200"})
    log = only_log(logs)
    assert done.code == 3
    assert done.stderr.splitlines() == [
        f"error: relief stock show failed unexpectedly (RuntimeError); the details are in {log}"]
    assert done.stdout == ""
    written = log.read_text(encoding="utf-8")
    assert "relief stock show" in written and "Traceback (most recent call last)" in written
    assert f"RuntimeError: the reader broke on {SECRET}" in written and "in boom" in written
    assert (log.stat().st_mode & 0o077) == 0  # only its owner reads it


def test_a_second_failure_the_same_day_is_appended_to_the_same_log(cli, tiny_sqlite, logs, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyError(SECRET)

    monkeypatch.setattr(reports, "stock", boom)
    for _ in range(2):
        assert cli("stock", "show", "--db", tiny_sqlite, env={"RELIEF_LOG_DIR": str(logs)}).code == 3
    assert only_log(logs).read_text(encoding="utf-8").count("Traceback (most recent call last)") == 2


def test_a_log_that_cannot_be_written_still_gives_one_line_and_exit_3(cli, tiny_sqlite, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(reports, "stock", boom)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    done = cli("stock", "show", "--db", tiny_sqlite, env={"RELIEF_LOG_DIR": str(blocker / "logs"), "COLUMNS": "200"})
    assert done.code == 3 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("error: relief stock show failed unexpectedly (RuntimeError); "
                                  f"the details could not be logged (cannot write {blocker / 'logs'}")
    assert SECRET not in done.stderr and "Traceback" not in done.stderr


def test_refusals_and_bad_input_keep_their_own_exit_codes(cli, tiny_sqlite, logs):
    env = {"RELIEF_LOG_DIR": str(logs)}
    assert cli("stock", "issue", "R99", "TENT", "5", "--db", tiny_sqlite, env=env).code == 1
    assert cli("stock", "issue", "R99", "NOPE", "5", "--db", tiny_sqlite, env=env).code == 2
    assert not logs.exists()


# A statement that breaks a constraint (a bug, not the database's fault) with a bound value
# that the database itself does not repeat in its message.
BROKEN = "INSERT INTO scratch (lot) SELECT NULL WHERE CAST(:lot AS TEXT) <> ''"


def test_an_sql_error_in_the_log_holds_the_statement_but_not_its_values(cli, tiny_db, logs, monkeypatch):
    def broken_query(s, **kwargs):
        s.exec(text("CREATE TEMPORARY TABLE scratch (lot TEXT NOT NULL)"))
        s.exec(text(BROKEN), params={"lot": SECRET})

    monkeypatch.setattr(reports, "stock", broken_query)
    done = cli("stock", "show", "--db", tiny_db, env={"RELIEF_LOG_DIR": str(logs), "COLUMNS": "200"})
    assert done.code == 3 and len(done.stderr.splitlines()) == 1 and "(IntegrityError)" in done.stderr
    written = only_log(logs).read_text(encoding="utf-8")
    assert "INSERT INTO scratch" in written and "SQL parameters hidden" in written
    assert SECRET not in written and SECRET not in done.stderr


def test_database_errors_never_show_the_values_bound_to_the_statement(tiny_db):
    with pytest.raises(DBAPIError) as caught, db.get_engine(tiny_db).connect() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE scratch (lot TEXT NOT NULL)"))
        connection.execute(text(BROKEN), {"lot": SECRET})
    assert "INSERT INTO scratch" in str(caught.value) and SECRET not in str(caught.value)


def test_the_log_folder_is_relief_log_dir_else_the_state_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("RELIEF_LOG_DIR", str(tmp_path / "mine"))
    assert crashlog.log_dir() == tmp_path / "mine"
    monkeypatch.delenv("RELIEF_LOG_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert crashlog.log_dir() == tmp_path / "state" / "relief"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert crashlog.log_dir() == tmp_path / "home" / ".local" / "state" / "relief"


@pytest.mark.parametrize(("argv", "name"), [
    (["relief", "stock", "receive", "R99", "TENT", "5"], "relief stock receive"),
    (["relief", "init", "--db", "postgresql://keeper:pw@host/db"], "relief init"),
    (["relief", "incident", "甲区"], "relief incident"),
    (["relief", "--version"], "relief"),
])
def test_the_failure_line_names_the_command_but_none_of_its_values(argv, name):
    assert crashlog.command_name(argv) == name
