"""From people displaced to items and teams needed: plain rules, no I/O.

Needs follow per-person and per-household norms (``data/needs.csv``), some only in the
region's winter months (when cotton tents, quilts, coats, stoves and fuel replace summer
shelter; the region says which months, in ``[seasons] winter_months`` of its
region.toml). Team requests follow ``data/team_norms.csv`` by priority and people.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from relief.errors import InvalidInput, InvalidQuantity
from relief.depot.rules import MAX_UNITS, whole_number

# Default winter months for a region that names none: November to March, the heating
# season of northern China. A region without any winter names an empty list.
WINTER_MONTHS = (11, 12, 1, 2, 3)
PRIORITIES = (1, 2, 3, 4)
TEAM_KINDS = ("relief", "medical", "psych")
MAX_PEOPLE = 50_000_000


@dataclass(frozen=True)
class NeedNorm:
    """Units of ``item`` per person or per household, in a season (all, winter, summer)."""

    item: str
    basis: str
    per_unit: float
    season: str


@dataclass(frozen=True)
class TeamNorm:
    """``count`` teams of ``kind`` for incidents of priority <= ``priority_max`` with >= ``people_min`` people."""

    kind: str
    priority_max: int
    people_min: int
    count: int


def need_norms(rows: list[dict]) -> list[NeedNorm]:
    """Need norms from the rows of ``needs.csv``."""
    return [NeedNorm(r["item"].strip(), r["basis"].strip(), float(r["per_unit"]), r["season"].strip()) for r in rows]


def team_norms(rows: list[dict]) -> list[TeamNorm]:
    """Team norms from the rows of ``team_norms.csv``."""
    return [TeamNorm(r["kind"].strip(), int(r["priority_max"]), int(r["people_min"]), int(r["count"])) for r in rows]


def season(day: date, winter_months: tuple[int, ...] | list[int] = WINTER_MONTHS) -> str:
    """``winter`` when ``day`` falls in one of the region's ``winter_months``, else ``summer``."""
    return "winter" if day.month in winter_months else "summer"


def derive_needs(people: int, household_size: float, norms: list[NeedNorm], day: date,
                 winter_months: tuple[int, ...] | list[int] = WINTER_MONTHS, *,
                 in_season: str | None = None) -> dict[str, int]:
    """Units of each item ``people`` displaced need on ``day``, rounded up to whole units.

    The season is ``winter`` in the region's ``winter_months``, else ``summer``, unless
    ``in_season`` names it (a blizzard needs the winter norms whatever the date).
    Households are ``ceil(people / household_size)``. Returns {item: qty} without zeros.
    """
    households = math.ceil(people / household_size) if people else 0
    now = in_season or season(day, winter_months)
    needs: dict[str, int] = {}
    for norm in norms:
        if norm.season not in ("all", now):
            continue
        base = households if norm.basis == "household" else people
        qty = math.ceil(base * norm.per_unit - 1e-9)
        if qty > 0:
            needs[norm.item] = needs.get(norm.item, 0) + qty
    return needs


def derive_teams(people: int, priority: int, norms: list[TeamNorm]) -> dict[str, int]:
    """Teams of each kind an incident asks for, from its priority and people displaced."""
    teams: dict[str, int] = {}
    for norm in norms:
        if priority <= norm.priority_max and people >= norm.people_min:
            teams[norm.kind] = teams.get(norm.kind, 0) + norm.count
    return teams


def check_priority(value: object) -> int:
    """Return a priority 1 (most urgent, response level I) to 4; raises ``InvalidInput``."""
    try:
        number = whole_number(value, "priority", low=min(PRIORITIES), high=max(PRIORITIES))
    except InvalidQuantity:
        number = 0
    if number not in PRIORITIES:
        raise InvalidInput(f"priority must be 1, 2, 3 or 4 (1 is the most urgent, response level I); got {value!r}")
    return number


def check_people(value: object) -> int:
    """Return a number of people (0 to ``MAX_PEOPLE``, plain digits as ``rules.whole_number``
    reads them); raises ``InvalidQuantity``."""
    return whole_number(value, "people", low=0, high=MAX_PEOPLE)


def parse_pairs(values: list[str], what: str, allowed: tuple[str, ...] | None = None) -> dict[str, int]:
    """Parse ``["TENT12=40", ...]`` into {code: qty}; raises ``InvalidInput`` naming a bad pair.

    Codes are upper-cased for items (``what="need"``) and lower-cased for team kinds.
    """
    pairs: dict[str, int] = {}
    for value in values:
        code, sep, qty = str(value).partition("=")
        code = code.strip().lower() if what == "team" else code.strip().upper()
        if not sep or not code:
            raise InvalidInput(f"{what} must look like CODE=QTY (e.g. TENT12=40), got {value!r}", option=what)
        if allowed is not None and code not in allowed:
            raise InvalidInput(f"{what} {code!r} is not one of {', '.join(allowed)}", option=what)
        try:
            number = whole_number(qty, what, low=1)
        except InvalidQuantity:
            number = 0
        if not 0 < number <= MAX_UNITS:
            raise InvalidQuantity(f"{what} {value!r}: the quantity must be a whole number from 1 to {MAX_UNITS:,}",
                                  option=what)
        pairs[code] = pairs.get(code, 0) + number
    return pairs
