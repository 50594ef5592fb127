"""Fit a region's road circuity by county kind to its table of published road distances.

    python data/build/fit_circuity.py [inner-mongolia]

Reads the region's counties.geojson, circuity.csv (each listed county's ``kind``),
region.toml ``[travel]`` and road_distances.csv (published road km between towns, with
their sources; rows whose ``use`` is not ``yes`` are shown but not fitted). Each pair's
route is the great-circle line between the towns, cut by county as plans cut it
(``relief.routing.core.roads``); its model road km is the sum over the kinds it crosses of
the line km in that kind x the kind's circuity (``plain``: the counties of no kind and
the line outside the region). The circuities minimise the sum of squared relative
errors (scipy ``lsq_linear``): plain within 1.0-2.0, each other kind at least plain's
and at most 1.0 more; a kind no fitted route crosses keeps the value region.toml gives
it, and a kind region.toml gives only a speed takes the plain circuity.

Prints the fitted circuity per kind, to be written into region.toml's ``[travel]``
(``circuity`` for plain, ``kinds.KIND.circuity`` for the others), and the error of
every pair with the fitted values and with those region.toml holds now.
"""

from __future__ import annotations

import csv
import sys

import numpy as np

from relief.depot import datafiles, travelrules
from relief.routing.core import roads

PLAIN = "plain"


def kind_km(region: str) -> tuple[list[dict], list[str], np.ndarray]:
    """(rows of road_distances.csv, kinds, (pairs, kinds) line km of each pair in each kind)."""
    import shapely

    files = datafiles.read_region(region, with_stock=False)
    codes = [c["adcode"] for c in files.counties]
    grid = roads.county_grid(codes, list(shapely.from_geojson([c["geometry"] for c in files.counties])))
    kind_of = {r["county"]: r["kind"] for r in datafiles.region_table(files.folder, "circuity.csv") if r.get("kind")}
    kinds = [PLAIN, *sorted(set(kind_of.values()))]
    column = np.array([kinds.index(kind_of.get(code, PLAIN)) for code in codes] + [0])
    with (files.folder / "road_distances.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    number = [[float(r[k]) for r in rows] for k in ("from_lon", "from_lat", "to_lon", "to_lat")]
    inside = roads.crossing(grid, *[np.array(v) for v in number]).toarray()
    by_kind = np.zeros((len(rows), len(kinds)))
    np.add.at(by_kind.T, column, inside.T)
    return rows, kinds, by_kind


def current(region: str, kinds: list[str]) -> tuple[np.ndarray, list[bool]]:
    """The circuity region.toml gives each kind now, and whether it gives the kind its own
    (a kind without one, such as one given only a speed, takes the plain circuity)."""
    rules = travelrules.settings(datafiles.region_toml(region))
    own = [k == PLAIN or "circuity" in rules["kinds"].get(k, {}) for k in kinds]
    values = [rules["circuity"] if k == PLAIN or not mine else rules["kinds"][k]["circuity"]
              for k, mine in zip(kinds, own)]
    return np.array(values), own


def fit(rows: list[dict], kinds: list[str], by_kind: np.ndarray, start: np.ndarray, own: list[bool]) -> np.ndarray:
    """Circuity per kind minimising the squared relative errors of the rows in use: plain
    within 1.0-2.0, every other kind with its own circuity at least plain's (a road in
    hills, forest or desert is never straighter) and at most 1.0 more; a kind no route in
    use crosses keeps its value."""
    from scipy.optimize import lsq_linear

    used = np.array([r["use"] == "yes" for r in rows])
    published = np.array([float(r["km"]) for r in rows])[used]
    km = by_kind[used]
    crossed = km.sum(axis=0) > 0
    free = [n for n in range(1, len(kinds)) if own[n] and crossed[n]]
    fixed = [n for n in range(1, len(kinds)) if own[n] and not crossed[n]]
    tied = [0] + [n for n in range(1, len(kinds)) if not own[n]]
    # unknowns: plain, then each free kind's excess over plain
    a = np.column_stack([km[:, tied + free].sum(axis=1)] + [km[:, n] for n in free]) / published[:, None]
    b = 1.0 - (km[:, fixed] @ start[fixed]) / published
    solved = lsq_linear(a, b, bounds=([1.0] + [0.0] * len(free), [2.0] + [1.0] * len(free))).x
    out = start.copy()
    out[tied] = solved[0]
    for n, extra in zip(free, solved[1:]):
        out[n] = solved[0] + extra
    return out


def errors(rows: list[dict], by_kind: np.ndarray, circuity: np.ndarray) -> np.ndarray:
    """Model km / published km - 1 of every row."""
    return by_kind @ circuity / np.array([float(r["km"]) for r in rows]) - 1.0


def main() -> int:
    """Print the fitted circuities and every pair's error; returns the exit code."""
    region = sys.argv[1] if len(sys.argv) > 1 else "inner-mongolia"
    rows, kinds, by_kind = kind_km(region)
    now, own = current(region, kinds)
    fitted = fit(rows, kinds, by_kind, now, own)
    print("kind       now   fitted")
    for k, a, b in zip(kinds, now, fitted):
        print(f"{k:<10} {a:.2f}  {b:.2f}")
    print(f"\n{'from':<12} {'to':<16} {'published':>9} {'model now':>9} {'error':>7} {'fitted':>7} {'error':>7}  use")
    for row, line, e_now, e_fit in zip(rows, by_kind, errors(rows, by_kind, now), errors(rows, by_kind, fitted)):
        print(f"{row['from']:<12} {row['to']:<16} {float(row['km']):>9.0f} {line @ now:>9.0f} {e_now:>+7.1%} "
              f"{line @ fitted:>7.0f} {e_fit:>+7.1%}  {row['use']}")
    print(f"\ngreat-circle km of each pair: {', '.join(f'{v:.0f}' for v in by_kind.sum(axis=1))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
