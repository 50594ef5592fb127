"""A region's travel rules: road circuity and speed by county kind, depot handling, team mobilisation.

They come from the ``[travel]`` table of the region's region.toml and its circuity.csv,
are checked here (plain rules, no database) and stored by ``relief init``::

    [travel]
    circuity = 1.2          # road km per great-circle km in a county of no kind, and outside the region
    speed_kmh = 60          # road speed there
    handling_min = 30       # loading a truck at a depot
    team_mobilise_min = 60  # a team from the call to the road
    [travel.kinds]          # per county kind: its circuity and/or speed
    hill = { circuity = 1.4, speed_kmh = 50 }

circuity.csv names counties (``county``) with a ``kind`` of that table and/or their own
``circuity`` and ``speed_kmh`` (a county's own number wins over its kind's). A setting
left out takes ``DEFAULTS``.
"""

from __future__ import annotations

from relief.depot import rules
from relief.errors import InvalidFile

DEFAULTS = {"circuity": 1.3, "speed_kmh": 60.0, "handling_min": 30, "team_mobilise_min": 60}
CIRCUITY = (1.0, 5.0)
SPEED_KMH = (5.0, 200.0)
MINUTES = (0, 24 * 60)
KIND_KEYS = ("circuity", "speed_kmh")


def settings(meta: dict, where: object = "region.toml") -> dict:
    """The ``[travel]`` table of a region.toml, checked, with ``DEFAULTS`` for what it
    leaves out and ``kinds`` ({kind: {circuity?, speed_kmh?}}). Raises ``InvalidFile``
    naming the bad setting and what is allowed."""
    table = meta.get("travel", {})
    if not isinstance(table, dict):
        raise InvalidFile(f"{where}: travel must be a table ([travel]), got {table!r}")
    unknown = sorted(set(table) - set(DEFAULTS) - {"kinds"})
    if unknown:
        raise InvalidFile(f"{where}: unknown setting travel.{unknown[0]}; allowed: {', '.join([*DEFAULTS, 'kinds'])}")
    out = {key: _number(table.get(key, default), f"travel.{key}", where) for key, default in DEFAULTS.items()}
    kinds = table.get("kinds", {})
    if not isinstance(kinds, dict) or not all(isinstance(v, dict) for v in kinds.values()):
        raise InvalidFile(f"{where}: travel.kinds must be a table of kinds, each with circuity and/or speed_kmh, "
                          f"got {kinds!r}")
    out["kinds"] = {}
    for kind, values in kinds.items():
        extra = sorted(set(values) - set(KIND_KEYS))
        if extra or not values:
            raise InvalidFile(f"{where}: travel.kinds.{kind} may set only {' and '.join(KIND_KEYS)}, "
                              f"got {', '.join(extra) or 'nothing'}")
        out["kinds"][kind] = {key: _number(v, f"travel.kinds.{kind}.{key}", where) for key, v in values.items()}
    return out


def _number(value: object, name: str, where: object) -> float | int:
    key = name.rsplit(".", 1)[-1]
    low, high = {"circuity": CIRCUITY, "speed_kmh": SPEED_KMH}.get(key, MINUTES)
    whole = key.endswith("_min")
    ok = (isinstance(value, int) if whole else isinstance(value, (int, float))) and not isinstance(value, bool)
    if not ok or not low <= value <= high:
        what = "a whole number of minutes" if whole else "a number"
        raise InvalidFile(f"{where}: {name} must be {what} from {low:g} to {high:g}, got {value!r}")
    return int(value) if whole else float(value)


def county_rules(travel: dict, rows: list[dict], where: object = "circuity.csv") -> tuple[dict[str, float], dict[str, float]]:
    """Takes the travel settings (``settings``) and the rows of circuity.csv; returns
    ({county: circuity}, {county: speed km/h}) for the counties it names. Raises
    ``InvalidFile`` naming the line of an unknown kind or a bad number."""
    circuity, speed = {}, {}
    kinds = travel.get("kinds", {})
    for n, row in enumerate(rows, start=2):
        county = str(row.get("county") or "").strip()
        kind = str(row.get("kind") or "").strip()
        if kind and kind not in kinds:
            raise InvalidFile(f"{where} line {n}: kind {kind!r} is not one of travel.kinds of region.toml "
                              f"({', '.join(sorted(kinds)) or 'none'})")
        given = kinds.get(kind, {})
        for key, out in (("circuity", circuity), ("speed_kmh", speed)):
            text = str(row.get(key) or "").strip()
            if text:
                try:
                    value = rules.decimal_number(text)
                except ValueError:
                    value = float("nan")
                low, high = CIRCUITY if key == "circuity" else SPEED_KMH
                if not low <= value <= high:
                    raise InvalidFile(f"{where} line {n}: {key} must be a number from {low:g} to {high:g}, got {text!r}")
                out[county] = value
            elif key in given:
                out[county] = given[key]
    return circuity, speed
