"""Where a route runs: the great-circle line between two points, cut by the counties it crosses.

A region's counties are rasterised once into a grid of ``GRID_STEP_DEG`` degrees (about
2 km; ``county_grid``). A route is the great-circle line from its source to its
destination, sampled every ``SAMPLE_KM`` at most (``crossing``): each sample stands for
an equal share of the line and falls in one county of the grid, or outside the region.
Summing the samples by county gives the length of the line inside each county, from
which ``routing.core.travel`` takes road kilometres (length x that county's circuity)
and driving time (at that county's speed and slowdown). A county boundary is placed to
within a grid cell, so a county's share of a route is right to within about 2 km.

The rows of a route depend only on its two end points, so they are kept (``_ROWS``, at
most ``ROW_CACHE`` routes) for the next plan or drill of the same process.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import shapely

from relief.routing.core.travel import EARTH_RADIUS_KM, haversine_km

GRID_STEP_DEG = 0.02
SAMPLE_KM = 2.0
ROW_CACHE = 200_000
CHUNK_SAMPLES = 2_000_000  # samples cut at once
_ROWS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # route -> (county columns, km)


@dataclass(frozen=True, eq=False)
class CountyGrid:
    """The counties of a region on a regular longitude/latitude grid: ``cells[row, col]``
    is the index in ``adcodes`` of the county holding the cell's centre, -1 outside;
    ``key`` tells grids apart (a digest of the codes and cells)."""

    key: str
    adcodes: tuple[str, ...]
    lon0: float
    lat0: float
    step: float
    cells: np.ndarray

    def at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index of the county holding each point (-1 outside every county)."""
        col = np.floor((np.asarray(lon, float) - self.lon0) / self.step).astype(np.int64)
        row = np.floor((np.asarray(lat, float) - self.lat0) / self.step).astype(np.int64)
        rows, cols = self.cells.shape
        inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        out = np.full(col.shape, -1, np.int64)
        out[inside] = self.cells[row[inside], col[inside]]
        return out

    def index(self) -> dict[str, int]:
        """Adcode to its index in ``adcodes``."""
        return {code: n for n, code in enumerate(self.adcodes)}


def county_grid(adcodes: list[str] | tuple[str, ...], geometries: list, step: float = GRID_STEP_DEG) -> CountyGrid:
    """Takes county adcodes and their shapely (multi)polygons; returns the ``CountyGrid``
    of cells ``step`` degrees wide (a cell goes to the first county holding its centre)."""
    geometries = list(geometries)
    if not geometries:
        return CountyGrid("empty", tuple(adcodes), 0.0, 0.0, step, np.full((0, 0), -1, np.int16))
    minx, miny, maxx, maxy = shapely.total_bounds(geometries)
    lon0, lat0 = math.floor(minx / step) * step, math.floor(miny / step) * step
    xs = lon0 + (np.arange(int(math.ceil((maxx - lon0) / step))) + 0.5) * step  # cell centres
    ys = lat0 + (np.arange(int(math.ceil((maxy - lat0) / step))) + 0.5) * step
    cells = np.full((len(ys), len(xs)), -1, np.int16)
    for k in range(len(geometries) - 1, -1, -1):  # the first county wins a shared cell
        geom = geometries[k]
        shapely.prepare(geom)
        a, b, c, d = geom.bounds
        i0, i1 = np.searchsorted(xs, a), np.searchsorted(xs, c)
        j0, j1 = np.searchsorted(ys, b), np.searchsorted(ys, d)
        if i1 <= i0 or j1 <= j0:
            continue
        x, y = np.meshgrid(xs[i0:i1], ys[j0:j1])
        inside = shapely.contains_xy(geom, x, y)
        cells[j0:j1, i0:i1][inside] = k
    digest = hashlib.blake2b(cells.tobytes(), digest_size=12)
    digest.update(repr((tuple(adcodes), lon0, lat0, step, cells.shape)).encode())
    return CountyGrid(digest.hexdigest(), tuple(adcodes), float(lon0), float(lat0), float(step), cells)


@dataclass(frozen=True)
class Samples:
    """Points along great-circle routes: the route (``arc``) each belongs to, where it is,
    the county holding it (-1 outside) and the km of line it stands for."""

    arc: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    county: np.ndarray
    km: np.ndarray


def _unit(lon, lat) -> np.ndarray:
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def samples(grid: CountyGrid, src_lon, src_lat, dst_lon, dst_lat) -> Samples:
    """Takes the grid and the end points of routes (arrays of one length); returns points
    every ``SAMPLE_KM`` at most along each route's great circle (at least one per route,
    at its middle; a route of no length has one sample of 0 km at its source)."""
    a, b = _unit(src_lon, src_lat).reshape(-1, 3), _unit(dst_lon, dst_lat).reshape(-1, 3)
    length = np.asarray(haversine_km(src_lon, src_lat, dst_lon, dst_lat), float).reshape(-1)
    count = np.maximum(1, np.ceil(length / SAMPLE_KM).astype(np.int64))
    arc = np.repeat(np.arange(len(count)), count)
    first = np.cumsum(count) - count
    t = (np.arange(len(arc)) - first[arc] + 0.5) / count[arc]
    omega = length[arc] / EARTH_RADIUS_KM
    small = omega < 1e-9
    sin_omega = np.where(small, 1.0, np.sin(omega))
    wa = np.where(small, 1.0 - t, np.sin((1.0 - t) * omega) / sin_omega)
    wb = np.where(small, t, np.sin(t * omega) / sin_omega)
    p = wa[:, None] * a[arc] + wb[:, None] * b[arc]
    lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
    lat = np.degrees(np.arctan2(p[:, 2], np.hypot(p[:, 0], p[:, 1])))
    return Samples(arc, lon, lat, grid.at(lon, lat), (length / count)[arc])


def crossing(grid: CountyGrid, src_lon, src_lat, dst_lon, dst_lat):
    """Takes the grid and the end points of N routes; returns a sparse (N, counties + 1)
    matrix (scipy CSR): the km of each route's line inside each county of the grid, the
    last column the km outside every county. Routes already cut in this process are not
    cut again."""
    from scipy import sparse

    src_lon, src_lat, dst_lon, dst_lat = (np.asarray(v, float).reshape(-1) for v in (src_lon, src_lat, dst_lon, dst_lat))
    size = len(grid.adcodes) + 1
    keys = [(grid.key, *k) for k in zip(src_lon.tolist(), src_lat.tolist(), dst_lon.tolist(), dst_lat.tolist())]
    rows: list[tuple[np.ndarray, np.ndarray] | None] = [_ROWS.get(key) for key in keys]
    todo = [n for n, row in enumerate(rows) if row is None]
    if todo:
        at = np.array(todo)
        length = np.asarray(haversine_km(src_lon[at], src_lat[at], dst_lon[at], dst_lat[at]), float)
        per_route = np.maximum(1, np.ceil(length / SAMPLE_KM))
        chunk = np.floor(np.cumsum(per_route) / CHUNK_SAMPLES).astype(np.int64)  # bounded memory on a large network
        for part in np.split(np.arange(len(at)), np.nonzero(np.diff(chunk))[0] + 1):
            picked = at[part]
            s = samples(grid, src_lon[picked], src_lat[picked], dst_lon[picked], dst_lat[picked])
            county = np.where(s.county < 0, size - 1, s.county)
            cut = sparse.csr_matrix((s.km, (s.arc, county)), shape=(len(picked), size))
            cut.sum_duplicates()
            for k, n in enumerate(picked.tolist()):
                lo, hi = cut.indptr[k], cut.indptr[k + 1]
                rows[n] = (cut.indices[lo:hi].copy(), cut.data[lo:hi].copy())
        if len(_ROWS) + len(todo) > ROW_CACHE:
            _ROWS.clear()
        if len(todo) <= ROW_CACHE:
            for n in todo:
                _ROWS[keys[n]] = rows[n]
    counts = np.array([len(r[0]) for r in rows], np.int64)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int64)
    data = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), size))
