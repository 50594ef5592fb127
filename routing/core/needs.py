"""From people displaced to items and teams needed: plain rules, no I/O.

Needs follow per-person and per-household norms (``data/needs.csv``), some only in the
region's winter months (when cotton tents, quilts, coats, stoves and fuel replace summer
shelter; the region says which months, in ``[seasons] winter_months`` of its
region.toml). Team requests follow ``data/team_norms.csv`` by priority and people: a
number of teams and/or a headcount of one kind or skill; ``data/team_skills.csv`` names
the skill that covers a request for each team kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from relief.errors import InvalidInput, InvalidQuantity
from relief.depot.rules import MAX_UNITS, whole_number
from relief.routing.core.problem import TeamRequest

# Default winter months for a region that names none: November to March, the heating
# season of northern China. A region without any winter names an empty list.
WINTER_MONTHS = (11, 12, 1, 2, 3)
PRIORITIES = (1, 2, 3, 4)
TEAM_KINDS = ("relief", "medical", "psych")
MAX_PEOPLE = 50_000_000
MAX_TEAMS = 10_000


@dataclass(frozen=True)
class NeedNorm:
    """Units of ``item`` per person or per household, in a season (all, winter, summer)."""

    item: str
    basis: str
    per_unit: float
    season: str


@dataclass(frozen=True)
class TeamNorm:
    """``count`` teams and ``people`` people of ``kind`` (a team kind or a skill) for
    incidents of priority <= ``priority_max`` with >= ``people_min`` people displaced."""

    kind: str
    priority_max: int
    people_min: int
    count: int
    people: int = 0


def need_norms(rows: list[dict]) -> list[NeedNorm]:
    """Need norms from the rows of ``needs.csv``."""
    return [NeedNorm(r["item"].strip(), r["basis"].strip(), float(r["per_unit"]), r["season"].strip()) for r in rows]


def team_norms(rows: list[dict]) -> list[TeamNorm]:
    """Team norms from the rows of ``team_norms.csv`` (``people`` is 0 when the column is absent)."""
    return [TeamNorm(r["kind"].strip(), int(r["priority_max"]), int(r["people_min"]), int(r["count"]),
                     int(str(r.get("people") or "0").strip() or 0)) for r in rows]


def team_skills(rows: list[dict]) -> dict[str, str]:
    """{team kind: the skill that covers a request for that kind} from the rows of ``team_skills.csv``."""
    return {r["kind"].strip().lower(): r["skill"].strip().lower() for r in rows}


def abilities(kind: str, skills: str, covers: dict[str, str]) -> frozenset[str]:
    """Every request name a team of ``kind`` with ``skills`` (``;``-separated) can cover:
    its skills, its kind and the skill ``covers`` gives that kind, and every kind whose
    skill it has (a relief team with first-aid covers a request for a medical team)."""
    have = {k.strip().lower() for k in skills.split(";") if k.strip()} | {kind, covers.get(kind, kind)}
    return frozenset(have | {k for k, skill in covers.items() if skill in have})


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


def derive_teams(people: int, priority: int, norms: list[TeamNorm]) -> dict[str, TeamRequest]:
    """The team requests an incident makes, from its priority and people displaced:
    {kind or skill: ``TeamRequest``}, the norms that apply added up."""
    teams: dict[str, TeamRequest] = {}
    for norm in norms:
        if priority <= norm.priority_max and people >= norm.people_min:
            was = teams.get(norm.kind, TeamRequest(norm.kind))
            teams[norm.kind] = TeamRequest(norm.kind, was.teams + norm.count, was.people + norm.people)
    return teams


def parse_team_requests(values: list[str], allowed: tuple[str, ...] | list[str]) -> dict[str, TeamRequest]:
    """Parse ``["medical=1", "search-rescue=30p", "rescue=2+30p"]`` into {name: ``TeamRequest``}:
    ``N`` teams, ``Np`` people, or both joined by ``+``, of a team kind or skill in
    ``allowed`` (names are lower-cased; the same name twice adds up).

    Raises ``InvalidInput`` naming a value that is not ``NAME=...`` or a name not in
    ``allowed`` (and what is allowed), ``InvalidQuantity`` naming a malformed number.
    """
    asked: dict[str, TeamRequest] = {}
    for value in values:
        name, sep, amount = str(value).partition("=")
        name = name.strip().lower()
        if not sep or not name:
            raise InvalidInput(f"team must look like NAME=N (teams) or NAME=Np (people), e.g. medical=1 or "
                               f"search-rescue=30p; got {value!r}", option="team")
        if name not in allowed:
            raise InvalidInput(f"team {name!r} is not a team kind or skill of this region; allowed: "
                               f"{', '.join(sorted(allowed))}", option="team")
        teams, people = _team_amount(value, amount)
        was = asked.get(name, TeamRequest(name))
        asked[name] = TeamRequest(name, was.teams + teams, was.people + people)
    return asked


def team_request_text(name: str, teams: int, people: int) -> str:
    """A team request as ``parse_team_requests`` reads it: ``medical=1``, ``search-rescue=30p``, ``rescue=2+30p``."""
    return f"{name}=" + "+".join(part for part in (f"{teams}" if teams else "", f"{people}p" if people else "") if part)


def _team_amount(value: object, amount: str) -> tuple[int, int]:
    """(teams, people) of the part after ``=`` of a team request ``value``; raises ``InvalidQuantity``."""
    teams = people = 0
    parts = [part.strip().lower() for part in amount.split("+")]
    rule = (f"team {value!r}: give a number of teams (medical=1), of people (search-rescue=30p) or both "
            f"(search-rescue=2+30p), each a whole number from 1 (at most {MAX_TEAMS:,} teams and "
            f"{MAX_PEOPLE:,} people)")
    if len(parts) > 2 or sum(p.endswith("p") for p in parts) > 1 or sum(not p.endswith("p") for p in parts) > 1:
        raise InvalidQuantity(rule, option="team")
    for part in parts:
        is_people = part.endswith("p")
        high = MAX_PEOPLE if is_people else MAX_TEAMS
        try:
            number = whole_number(part[:-1] if is_people else part, "team", low=1, high=high)
        except InvalidQuantity:
            raise InvalidQuantity(rule, option="team") from None
        if is_people:
            people = number
        else:
            teams = number
    return teams, people


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
