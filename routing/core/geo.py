"""Where things are: which county holds a point, and coordinate checks."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import shape

from relief.depot.rules import decimal_number
from relief.errors import InvalidCoordinates, OutsideRegion
from relief.routing.core.travel import haversine_km


@dataclass(frozen=True)
class Counties:
    """County codes, names and boundaries of a region, with a spatial index."""

    adcodes: tuple[str, ...]
    names: tuple[str, ...]
    shapes: np.ndarray
    tree: shapely.STRtree

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str, str]]) -> "Counties":
        """Build from ``(adcode, name, geometry GeoJSON text)`` rows."""
        shapes = np.array([shape(json.loads(g)) for _, _, g in rows], dtype=object)
        return cls(tuple(r[0] for r in rows), tuple(r[1] for r in rows), shapes, shapely.STRtree(shapes))

    def locate(self, lon: float, lat: float) -> str:
        """Return the adcode of the county holding the point.

        Raises ``OutsideRegion`` naming the nearest county and its distance when no
        county holds it.
        """
        point = shapely.Point(lon, lat)
        hits = self.tree.query(point, predicate="intersects")
        if len(hits):
            return self.adcodes[int(min(hits))]
        nearest = int(self.tree.nearest(point))
        edge = shapely.ops.nearest_points(self.shapes[nearest], point)[0]
        gap = float(haversine_km(edge.x, edge.y, lon, lat))
        raise OutsideRegion(f"point {lon:.4f}, {lat:.4f} is outside the region (about {gap:,.0f} km from "
                            f"{self.names[nearest]} {self.adcodes[nearest]}); give a point inside one of its counties")

    def locate_many(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Adcode index of the county holding each point, -1 where none does."""
        points = shapely.points(lon, lat)
        where = np.full(len(points), -1)
        pts, polys = self.tree.query(points, predicate="intersects")
        order = np.lexsort((polys, pts))
        first = np.unique(pts[order], return_index=True)
        where[first[0]] = polys[order][first[1]]
        return where


def check_point(lon: object, lat: object) -> tuple[float, float]:
    """Return ``(lon, lat)`` as floats in range; raises ``InvalidCoordinates`` naming the value."""
    out = []
    for value, name, limit in ((lon, "longitude", 180.0), (lat, "latitude", 90.0)):
        try:
            number = decimal_number(value)
        except ValueError:
            number = float("nan")
        if not np.isfinite(number) or abs(number) > limit:
            raise InvalidCoordinates(f"{name} must be a number between -{limit:g} and {limit:g} degrees, got {value!r}")
        out.append(number)
    return out[0], out[1]
