"""The geography a renderer draws besides the plan: depots, teams, items, county outlines.

Plain frozen records, read by the caller through ``routing.books`` and handed to the
renderers, which never open a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DepotPlace:
    """A depot on the map."""

    code: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class TeamPlace:
    """Where a team starts from."""

    code: str
    kind: str
    lon: float
    lat: float


@dataclass(frozen=True)
class ItemFacts:
    """What a pick list says of an item: name, unit, weight and volume per unit."""

    code: str
    name: str
    unit: str
    weight_kg: float
    volume_m3: float


@dataclass(frozen=True)
class Places:
    """Depots, teams and items by code, and county outlines as (adcode, name, geometry)
    rows, the geometry GeoJSON text or a shapely shape."""

    depots: dict[str, DepotPlace]
    teams: dict[str, TeamPlace]
    items: dict[str, ItemFacts]
    counties: tuple[tuple[str, str, Any], ...]

    @classmethod
    def of(cls, depots: Iterable, teams: Iterable, items: Iterable, counties: Iterable) -> Places:
        """Takes rows with the records' attributes (database rows or the records themselves)
        and (adcode, name, geometry) county rows; returns the ``Places``."""
        return cls({d.code: DepotPlace(d.code, d.name, d.lon, d.lat) for d in depots},
                   {t.code: TeamPlace(t.code, t.kind, t.lon, t.lat) for t in teams},
                   {i.code: ItemFacts(i.code, i.name, i.unit, i.weight_kg, i.volume_m3) for i in items},
                   tuple((c[0], c[1], c[2]) for c in counties))
