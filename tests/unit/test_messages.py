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
