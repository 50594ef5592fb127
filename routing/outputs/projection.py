"""A map projection suited to a region, computed from its extent, and round lengths for a scale bar.

Maps are drawn in an Albers equal-area conic projection fitted to the region's bounds:
standard parallels at one sixth and five sixths of its latitude range, central meridian
and latitude of origin at its centre, WGS84 ellipsoid, metres. Areas are true, so shaded
counties compare like with like, and across a region the size of Inner Mongolia (29° of
longitude, 16° of latitude) a straight line on the map is within 1 % of the great-circle
distance; across Zhaoqing, within 0.01 %. A region that straddles the equator, where a
conic projection fails, gets a Lambert azimuthal equal-area projection centred on it.
No I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from pyproj import CRS, Transformer


@dataclass(frozen=True)
class RegionProjection:
    """The projection of one region: its CRS, the lon/lat bounds it was fitted to and a caption."""

    crs: CRS
    bounds: tuple[float, float, float, float]
    caption: str

    @cached_property
    def _forward(self) -> Transformer:
        return Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)

    @cached_property
    def _inverse(self) -> Transformer:
        return Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    def xy(self, lon, lat):
        """Takes longitudes and latitudes (numbers or sequences, degrees); returns the projected
        x and y in metres (numbers or arrays, as given)."""
        return self._forward.transform(lon, lat)

    def lonlat(self, x, y):
        """Takes projected x and y (metres); returns longitude and latitude (degrees)."""
        return self._inverse.transform(x, y)

    def north(self, x: float, y: float) -> float:
        """Takes a projected point; returns the direction of true north there, in degrees
        clockwise from the map's up (0 on the central meridian, negative east of it in the
        northern hemisphere, where the meridians converge towards the pole)."""
        lon, lat = self.lonlat(x, y)
        step = 0.01 if lat < 89.9 else -0.01
        x2, y2 = self.xy(lon, lat + step)
        dx, dy = (x2 - x, y2 - y) if step > 0 else (x - x2, y - y2)
        return math.degrees(math.atan2(dx, dy))


def for_bounds(bounds: tuple[float, float, float, float]) -> RegionProjection:
    """Takes a region's bounds (west, south, east, north, degrees; east may equal west and
    north south for a single point); returns the ``RegionProjection`` fitted to them.
    Raises ``ValueError`` for bounds that are not finite or lie outside -180..180, -90..90."""
    west, south, east, north = (float(b) for b in bounds)
    if not all(math.isfinite(b) for b in (west, south, east, north)) or not (
            -180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError(f"bounds must be west <= east within -180..180 and south <= north within -90..90; "
                         f"got {bounds!r}")
    lon0, lat0 = (west + east) / 2, (south + north) / 2
    first, second = south + (north - south) / 6, north - (north - south) / 6
    if south < 0 < north or abs(first + second) < 2:
        crs = CRS.from_proj4(f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} +ellps=WGS84 +units=m +no_defs")
        caption = f"Lambert azimuthal equal-area, centred on {_lat(lat0)} {_lon(lon0)}"
    else:
        crs = CRS.from_proj4(f"+proj=aea +lat_1={first:.4f} +lat_2={second:.4f} +lat_0={lat0:.4f} "
                             f"+lon_0={lon0:.4f} +ellps=WGS84 +units=m +no_defs")
        caption = (f"Albers equal-area conic, standard parallels {_lat(first)} and {_lat(second)}, "
                   f"central meridian {_lon(lon0)}")
    return RegionProjection(crs, (west, south, east, north), caption)


def nice(value: float) -> float:
    """Takes a positive number; returns the largest 1, 2 or 5 times a power of ten not above
    it (7.3 gives 5, 0.18 gives 0.1, 200 gives 200). Raises ``ValueError`` unless positive."""
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"value must be a positive number; got {value!r}")
    power = 10.0 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * power <= value * (1 + 1e-9):
            return step * power
    return power  # pragma: no cover - the loop always returns


def scale_bar_km(width_km: float, share: float = 0.2) -> float:
    """Takes the width a map shows (km) and the share of it a scale bar may take; returns
    the bar's length in km: the largest 1, 2 or 5 times a power of ten not above that share
    (a map 2,400 km wide gets 200 km; one 170 km wide, 20 km). Raises ``ValueError`` unless
    both are positive."""
    if not share > 0:
        raise ValueError(f"share must be positive; got {share!r}")
    return nice(width_km * share)


def _lat(value: float) -> str:
    return f"{abs(value):.1f}°{'N' if value >= 0 else 'S'}"


def _lon(value: float) -> str:
    return f"{abs(value):.1f}°{'E' if value >= 0 else 'W'}"
