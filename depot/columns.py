"""The header row of every table relief reads: plain Python, no I/O.

A table (a stock import, an incident list, a travel table, a region folder's CSV) names
its columns in its first row. A column named twice would let the last copy silently
win, and a misspelt optional column would silently be ignored, so both are refused.
"""

from __future__ import annotations

from relief.errors import InvalidFile


def check_columns(name: str, header: list[str], required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    """Check the header row of the file ``name``: every required column present, no
    column twice and none unknown. Blank header cells are allowed (their cells are not
    read); names are compared as given (normalise case and spaces before calling).

    Raises ``InvalidFile`` naming the duplicated, unknown and missing columns and the
    columns allowed.
    """
    named = [h for h in header if h]
    twice = sorted({h for h in named if named.count(h) > 1}, key=named.index)
    unknown = [h for h in named if h not in required + optional]
    missing = [c for c in required if c not in named]
    if not (twice or unknown or missing):
        return
    parts = ([f"column(s) {', '.join(twice)} appear more than once"] if twice else []) + (
        [f"unknown column(s) {', '.join(dict.fromkeys(unknown))}"] if unknown else []) + (
        [f"missing column(s) {', '.join(missing)}"] if missing else [])
    allowed = f"columns allowed: {', '.join(required + optional)}"
    raise InvalidFile(f"{name}: {'; '.join(parts)}; {allowed}"
                      + (f" (required: {', '.join(required)})" if optional else ""))
