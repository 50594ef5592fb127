"""Length limits and character rules for the text and ids relief records. No I/O.

Every code (depot, item, team, lot, document), name, note and record id a user gives,
through the command line, an import file, a region folder or a scenario, is checked
here before it reaches the database, so that both databases accept and refuse exactly
the same values:

* a code has at most ``MAX_CODE`` characters, all printable (no control characters
  such as NUL, newline or tab, no invisible formatting characters);
* a name (of an incident, depot, item, team, county or actor) has at most ``MAX_NAME``
  characters, a note or a source at most ``MAX_NOTE``; neither holds control characters;
* an id (incident, plan) is a whole number from 1 to ``MAX_ID``.

Text that arrived as bytes which are not UTF-8 (an argument typed as ``$'\\xff'``
reaches Python as a lone surrogate) is refused as not UTF-8. Surrounding spaces are
removed before the checks, as they always have been for codes.
"""

from __future__ import annotations

import csv
import unicodedata

from relief.errors import InvalidFile, InvalidInput

MAX_CODE = 64
MAX_NAME = 200
MAX_NOTE = 1000
MAX_ID = 2_147_483_647
_CONTROL = {"Cc", "Zl", "Zp"}  # control characters and line/paragraph separators


def code(value: object, what: str = "code", *, option: str | None = None, field: str | None = None) -> str:
    """Return ``value`` without surrounding spaces if it is a valid code.

    Raises ``InvalidInput`` (about ``option`` or ``field``) when it is empty, longer than
    ``MAX_CODE`` characters, not UTF-8 or holds a character that is not printable.
    """
    text = _clean(value, what, MAX_CODE, option, field)
    if not text:
        raise InvalidInput(f"{what} must not be empty", option=option, field=field)
    bad = next((c for c in text if not c.isprintable()), None)
    if bad is not None:
        raise InvalidInput(f"{what} must hold only printable characters; got {_name(bad)} in {_show(text)}",
                           option=option, field=field)
    return text


def optional_code(value: object, what: str = "code", *, option: str | None = None,
                  field: str | None = None) -> str | None:
    """``code(value)``, or None when ``value`` is None or only spaces."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return code(value, what, option=option, field=field)


def name(value: object, what: str = "name", *, option: str | None = None, field: str | None = None,
         limit: int = MAX_NAME) -> str:
    """Return ``value`` without surrounding spaces if it is a valid name (may be empty).

    Raises ``InvalidInput`` when it is longer than ``limit`` characters, not UTF-8 or
    holds a control character (NUL, newline, tab ...).
    """
    text = _clean(value, what, limit, option, field)
    bad = next((c for c in text if unicodedata.category(c) in _CONTROL), None)
    if bad is not None:
        raise InvalidInput(f"{what} must not hold control characters; got {_name(bad)} in {_show(text)}",
                           option=option, field=field)
    return text


def note(value: object, what: str = "note", *, option: str | None = None, field: str | None = None) -> str | None:
    """A note or other free text of at most ``MAX_NOTE`` characters, or None when empty;
    raises ``InvalidInput`` as ``name`` does."""
    if value is None:
        return None
    return name(value, what, option=option, field=field, limit=MAX_NOTE) or None


def record_id(value: object, what: str = "id", *, option: str | None = None) -> int:
    """Return ``value`` as a record id: a whole number from 1 to ``MAX_ID``.

    Raises ``InvalidInput`` naming the value otherwise."""
    try:
        number = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not 1 <= number <= MAX_ID:
        raise InvalidInput(f"{what} must be a whole number from 1 to {MAX_ID:,}, got {_show(value)}", option=option)
    return number


def check_utf8(value: str, what: str, *, option: str | None = None) -> str:
    """Return ``value`` if it came from valid UTF-8 (no lone surrogates); raises ``InvalidInput``."""
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise InvalidInput(f"{what} is not valid UTF-8 text: {_show(value)}", option=option)
    return value


def unreadable(file: object, exc: Exception, kind: str) -> InvalidFile:
    """The ``InvalidFile`` to raise for ``file`` when its ``kind`` parser (CSV, GeoJSON,
    TOML) gave up with ``exc``: a field longer than the CSV reader allows, nesting too deep
    to follow (``RecursionError``), or another fault the parser names."""
    if isinstance(exc, RecursionError):
        reason = "it is nested too deeply to read"
    elif isinstance(exc, csv.Error) and "field limit" in str(exc):
        reason = f"a field is longer than {csv.field_size_limit():,} characters"
    else:
        reason = str(exc)
    return InvalidFile(f"{file} is not a readable {kind} file: {reason}")


def _clean(value: object, what: str, limit: int, option: str | None, field: str | None) -> str:
    text = "" if value is None else str(value)
    try:
        check_utf8(text, what)
    except InvalidInput as exc:
        exc.option, exc.field = option, field
        raise
    text = text.strip()
    if len(text) > limit:
        raise InvalidInput(f"{what} must be at most {limit:,} characters, got {len(text):,} "
                           f"({_show(text[:20])}...)", option=option, field=field)
    return text


def _name(char: str) -> str:
    """A character as ``U+0000 (NULL)``, readable whatever it is."""
    label = unicodedata.name(char, "") or {"\0": "NUL", "\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN"}.get(
        char, "control character")
    return f"U+{ord(char):04X} ({label})"


def _show(value: object) -> str:
    """``value`` quoted with every unprintable character escaped, at most 60 characters."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    shown = "'" + "".join(c if c.isprintable() else ascii(c)[1:-1] for c in str(value)) + "'"
    return shown if len(shown) <= 60 else shown[:57] + "..."
