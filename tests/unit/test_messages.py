"""No library message names a command-line flag or command: the command line adds them.

The library (depot/, routing/, relief/) says what is wrong in domain terms and names the
setting in an error's ``option``; cli/ turns that into the flag. This test reads every
string the library could put in a message (string constants and the literal parts of
f-strings, docstrings excepted) and fails on a flag (``--days``) or a backticked
``relief`` command.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from relief.cli.flags import FLAGS, HINTS, message
from relief.errors import DatabaseNotEmpty, DatabaseNotReady, InvalidInput, InvalidQuantity

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ("depot", "routing", "relief")
FLAG = re.compile(r"--[a-z]")
COMMAND = re.compile(r"`relief ")


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings (of the module, a class or a function)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                ids.add(id(body[0].value))
    return ids


def offending_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each non-docstring string constant or f-string part in ``source``
    that names a flag or a backticked ``relief`` command."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if FLAG.search(node.value) or COMMAND.search(node.value):
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):  # f"--{what}": a flag made from a name
            parts = node.values
            for part, after in zip(parts, parts[1:]):
                if isinstance(part, ast.Constant) and str(part.value).endswith("--") \
                        and isinstance(after, ast.FormattedValue):
                    found.append((node.lineno, part.value))
    return sorted(found)


def _library_files() -> list[Path]:
    return sorted(p for folder in LIBRARY for p in (ROOT / folder).rglob("*.py"))


def test_the_check_finds_flags_and_commands_but_not_docstrings():
    source = '''
"""Module docstring may say --force and `relief init`."""
def f(days):
    """So may a function's: --days."""
    raise ValueError(f"--days must be whole, got {days}")
x = "see `relief incident list`"
y = "days must be a whole number"
z = f"--{y} is wrong"
'''
    assert [line for line, _ in offending_strings(source)] == [5, 6, 8]


def test_the_library_is_where_the_check_looks():
    files = _library_files()
    assert any(p.name == "rules.py" for p in files) and any(p.name == "errors.py" for p in files)


@pytest.mark.parametrize("path", _library_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_library_string_names_a_flag_or_a_command(path: Path):
    found = offending_strings(path.read_text(encoding="utf-8"))
    assert not found, "\n".join(f"{path.relative_to(ROOT)}:{line}: {text!r}" for line, text in found)


def _keywords(name: str) -> set[str]:
    """Every constant string the library passes as the keyword ``name`` (``option=``, ``hint=``)."""
    found = set()
    for path in _library_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == name:
                values = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
                found |= {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return found


def test_every_option_and_hint_the_library_names_is_known_to_the_command_line():
    assert _keywords("option") and _keywords("hint")
    assert _keywords("option") <= set(FLAGS), _keywords("option") - set(FLAGS)
    assert _keywords("hint") <= set(HINTS), _keywords("hint") - set(HINTS)


@pytest.mark.parametrize(("error", "shown"), [
    (InvalidQuantity("days must be from 0 to 36500, got -1", option="days"), "--days must be from 0 to 36500, got -1"),
    (InvalidInput("max hours must be greater than 0, got 0", option="max_hours"),
     "--max-hours must be greater than 0, got 0"),
    (InvalidInput("runs must be a whole number greater than 0, got 0", option="runs"),
     "--n must be a whole number greater than 0, got 0"),
    (InvalidInput("need 'TENT=0': the quantity must be ...", option="need"), "--need 'TENT=0': the quantity must be ..."),
    (DatabaseNotEmpty("x.db already holds relief data", option="force"),
     "x.db already holds relief data; pass --force to replace it"),
    (InvalidInput("no incident 7", hint="incidents"), "no incident 7; see `relief incident list`"),
    (InvalidInput("need names unknown item 'X'", option="need", hint="items"),
     "--need names unknown item 'X'; see `relief item list` for the codes"),
    (DatabaseNotReady("no relief database at x.db", hint="init", database="x.db"),
     "no relief database at x.db; create one with: relief init --db x.db"),
    (InvalidInput("a days-long wait", option="level"), "a days-long wait (--level)"),
    (InvalidInput("nothing to add"), "nothing to add"),
])
def test_the_command_line_names_the_flag_the_fix_and_where_to_look(error, shown):
    assert message(error) == shown
