"""Delivery windows: how soon each item should arrive, by item kind. Pure functions.

A window is a duration from the plan's start. The region's ``windows.csv`` (columns
``kind, hours, note``; ``data/windows.csv`` unless the region has its own) gives one per
item category (``water``, ``shelter`` ...) or per item code, a code winning over its
category; an item with neither gets ``DEFAULT_WINDOW_MIN`` (24 h). A plan may override
them (``KIND=DURATION``, e.g. ``food=36h``, ``water=6h``, ``medical=90m``).
"""

from __future__ import annotations

import re

from relief.errors import InvalidFile, InvalidInput, Problem
from relief.routing.core.problem import DEFAULT_WINDOW_MIN

MAX_MIN = 10 * 24 * 60
_DURATION = re.compile(r"^(?:(\d{1,3})h)?(?:(\d{1,4})m(?:in)?)?$")


def duration_minutes(value: object, what: str = "delivery window") -> int:
    """A duration such as ``12h``, ``90m``, ``1h30m`` or plain hours (``12``) in whole minutes.

    Raises ``InvalidInput`` naming the value unless it is a positive duration of at most
    10 days (240 h)."""
    text = str(value).strip().lower().replace(" ", "")
    minutes = None
    if text.isdigit():
        minutes = int(text) * 60
    elif text and (match := _DURATION.match(text)) and any(match.groups()):
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if minutes is None or not 0 < minutes <= MAX_MIN:
        raise InvalidInput(f"{what} must be a positive duration of at most 240 h such as 12h, 90m or 1h30m; "
                           f"got {value!r}", option="window")
    return minutes


def parse_override(text: str, kinds: set[str]) -> tuple[str, int]:
    """``KIND=DURATION`` as (kind, minutes); ``kinds`` are the item categories and codes allowed.

    Raises ``InvalidInput`` naming the value for a missing ``=``, an unknown kind or a bad duration."""
    kind, sep, value = str(text).partition("=")
    kind = kind.strip()
    if not sep:
        raise InvalidInput(f"delivery window {text!r} must be KIND=DURATION, e.g. food=36h", option="window")
    if kind not in kinds:
        raise InvalidInput(f"delivery window {text!r}: unknown item kind {kind!r}; use an item category "
                           f"({', '.join(sorted(k for k in kinds if k.islower()))}) or an item code", option="window")
    return kind, duration_minutes(value, f"delivery window of {kind}")


def overrides(texts: list[str], kinds: set[str]) -> tuple[tuple[str, int], ...]:
    """Every ``KIND=DURATION`` of ``texts`` as (kind, minutes) pairs; raises ``InvalidInput``
    for a bad one (``parse_override``) or a kind given twice."""
    seen: dict[str, int] = {}
    for text in texts:
        kind, minutes = parse_override(text, kinds)
        if kind in seen:
            raise InvalidInput(f"delivery window of {kind} is given twice; give each kind once", option="window")
        seen[kind] = minutes
    return tuple(seen.items())


def item_windows(rows: list[dict], categories: dict[str, str], overrides: dict[str, int] | None = None,
                 where: str = "windows.csv") -> dict[str, int]:
    """Minutes per item code: ``rows`` of windows.csv and ``overrides`` {kind: minutes} over
    ``categories`` {item code: category}; an override wins over every row, and within
    either a code wins over its category.

    A row whose kind the catalogue does not have is left unused (the shared table names
    every category, a region's catalogue may hold fewer). Raises ``InvalidFile`` listing
    every row of ``where`` without a kind or with hours that are not a positive duration."""
    table, problems = {}, []
    for n, row in enumerate(rows, start=2):
        kind, hours = str(row.get("kind") or "").strip(), str(row.get("hours") or "").strip()
        if not kind:
            problems.append(Problem(f"line {n}", "kind", "no item kind given", n))
            continue
        try:
            table[kind] = duration_minutes(hours, f"window of {kind}")
        except InvalidInput as exc:
            problems.append(Problem(f"line {n}", "hours", str(exc), n))
    if problems:
        raise InvalidFile(f"{where}: {len(problems)} bad row(s)", problems)
    over = overrides or {}

    def window(code: str, category: str) -> int:
        for source, key in ((over, code), (over, category), (table, code), (table, category)):
            if key in source:
                return source[key]
        return DEFAULT_WINDOW_MIN
    return {code: window(code, category) for code, category in categories.items()}
