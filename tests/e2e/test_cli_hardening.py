"""Bad text, ids and files at the command line: one message, the documented exit code,
no traceback, nothing written - on SQLite and on PostgreSQL."""

from __future__ import annotations

import secrets

import pytest

from tests.conftest import load_tiny

NOT_UTF8 = b"\xff".decode("utf-8", "surrogateescape")  # what the shell's $'\xff' arrives as
LONG = secrets.token_hex(1500)

BAD_ARGUMENTS = [
    ("stock", "receive", "R99", "TENT", "5", "--lot", LONG),
    ("stock", "receive", "R99", "TENT", "5", "--doc", LONG),
    ("stock", "receive", "R99", "TENT", "5", "--note", "a\x01b"),
    ("stock", "receive", "R99", "TENT", "5", "--note", "n" * 1001),
    ("stock", "receive", "R99", "TENT", "5", "--note", NOT_UTF8),
    ("stock", "receive", "R99", NOT_UTF8, "5"),
    ("stock", "receive", "R99", "TENT", "5", "--actor", NOT_UTF8),
    ("stock", "issue", "R99", "TENT", "1", "--to", "x\ty"),
    ("stock", "show", "--depot", NOT_UTF8),
    ("stock", "history", "--doc", LONG),
    ("incident", "add", NOT_UTF8, "--lon", "110.5", "--lat", "40.5"),
    ("incident", "add", "n" * 201, "--lon", "110.5", "--lat", "40.5"),
    ("incident", "close", "2147483648"),
    ("dispatch", "show", "2147483648"),
    ("dispatch", "show", "0"),
    ("dispatch", "commit", "2147483648"),
    ("dispatch", "plan", "--incident", "2147483648"),
    ("team", "status", NOT_UTF8, "ready"),
]


@pytest.fixture
def tiny_target(db_url) -> str:
    """The tiny region on SQLite (as a file path) and on PostgreSQL (as a URL)."""
    load_tiny(db_url)
    from relief.depot import db

    return db.command_name(db_url)


def test_bad_text_and_ids_in_arguments_are_one_message_and_exit_2(cli, tiny_target, ledger_rows):
    clean = 0
    for args in BAD_ARGUMENTS:
        outcome = cli(*args, "--db", tiny_target)
        assert outcome.code == 2, (args, outcome.stderr)
        assert len(outcome.errors()) == 1 and "Traceback" not in outcome.stderr, args
        clean += 1
    assert clean == len(BAD_ARGUMENTS) == 18
    assert ledger_rows(tiny_target) == 0
    assert cli("incident", "list", "--json", "--db", tiny_target).json() == []


def test_the_messages_name_the_flag_the_limit_and_the_character(cli, tiny_target):
    outcome = cli("stock", "receive", "R99", "TENT", "5", "--lot", "L" * 65, "--db", tiny_target)
    assert outcome.errors() == ["error: --lot must be at most 64 characters, got 65 ('LLLLLLLLLLLLLLLLLLLL'...)"]
    outcome = cli("stock", "receive", "R99", "TENT", "5", "--note", NOT_UTF8, "--db", tiny_target)
    assert outcome.errors() == ["error: --note is not valid UTF-8 text: '\\udcff'"]
    outcome = cli("dispatch", "show", "2147483648", "--db", tiny_target)
    assert outcome.errors() == ["error: plan id must be a whole number from 1 to 2,147,483,647, got 2147483648"]


def test_the_longest_allowed_values_are_recorded(cli, tiny_target, ledger_rows):
    outcome = cli("stock", "receive", "R99", "TENT", "5", "--lot", "L" * 64, "--doc", "D" * 64,
                  "--note", "n" * 1000, "--db", tiny_target)
    assert outcome.code == 0, outcome.stderr
    assert ledger_rows(tiny_target) == 1


BAD_FILES = {
    "moves.csv": "kind,depot,item,qty,note\nreceive,R99,TENT,5,\"" + "x" * 200_000 + "\"\n",
    "incidents.csv": "name,lon,lat\n\"" + "x" * 200_000 + "\",110.5,40.5\n",
    "incidents.geojson": "[" * 100_000 + "]" * 100_000,
    "nul.csv": "kind,depot,item,qty,note\nreceive,R99,TENT,5,a\x00b\n",
}


@pytest.mark.slow
def test_files_no_parser_can_follow_are_one_message(relief, tiny_target, tmp_path, ledger_rows):
    clean = 0
    for name, content in BAD_FILES.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        group = "incident" if name.startswith("incidents") else "stock"
        outcome = relief(group, "import", str(path), "--db", tiny_target)
        assert outcome.code == 2 and len(outcome.errors()) == 1, (name, outcome.stderr)
        assert "Traceback" not in outcome.stderr, name
        clean += 1
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    outcome = relief("drill", "run", str(deep), "--db", tiny_target)
    assert outcome.code == 2 and outcome.errors() == ["error: deep.toml is not a readable TOML file: it is nested "
                                                      "too deeply to read"]
    assert clean + 1 == 5
    assert ledger_rows(tiny_target) == 0


@pytest.mark.slow
@pytest.mark.parametrize("content", [b"hello\n", b"\x89PNG\r\n\x1a\n" + bytes(100)], ids=["text", "png"])
def test_a_db_that_is_not_a_database_is_one_message_and_left_alone(relief, tmp_path, content):
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    for args in (("stock", "show"), ("stock", "receive", "R99", "TENT", "5"), ("init",)):
        outcome = relief(*args, "--db", str(path))
        assert outcome.code == 1 and outcome.errors() == [
            f"error: {path} is not a SQLite database file (file is not a database)"], (args, outcome.stderr)
    assert path.read_bytes() == content
