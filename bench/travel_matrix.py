"""Travel benchmark: how fast the travel matrix is when routes are cut by county.

With a region's counties (``TravelParams.grid``), ``routing.core.travel.estimate`` cuts
every route, the great-circle line from source to destination sampled every 2 km, by the
counties it crosses (``routing.core.roads.crossing``) and sums road km and driving time
county by county. This measures that matrix on two instances:

* ``im``: the Inner Mongolia default (``relief init`` into a temporary SQLite file). The
  parameters are read as plans read them (``routing.books.plan_params``: the region's
  travel rules and its county grid); the matrix is every depot and every team base
  (teams at their own speed and mobilisation, as ``candidates.network`` asks) to every
  county's reference point, the whole network (no ``max_hours``). It is timed cold (the
  process's cache of cut routes, ``roads._ROWS``, emptied first) and warm (every route
  cut already), against the plain estimate without a grid. The county grid itself
  (``roads.county_grid`` on the region's boundaries) is timed separately.
* ``national``: the synthetic national-size instance of ``bench/dispatch.py``
  (``national(seed)``: 2,900 depots, 1,000 incidents in a China-sized box) with a
  synthetic grid of 1°x1° square "counties" over its box (lon 75-134, lat 18-53: 2,065
  squares, ``shapely.box``), each with a seeded random circuity of 1.2-1.6 and road
  speed of 45-70 km/h (``TravelParams(county_circuity=..., county_speed=..., grid=...)``)
  and ``max_hours=12`` as that instance plans. Only the arcs that could be driven within
  12 h at the least circuity and the greatest speed are cut; the rest keep the plain
  estimate and are no candidates. The arcs are more than the process's route cache
  holds, so every call is cold. Reported also: the share of the cut line that falls in
  no county of the grid, over a seeded sample of cut arcs (the squares tile the whole
  box, so only a great circle bulging past the box's edge should leave it), and the
  process's maximum resident set size.

Each figure is the median of ``--runs`` calls (3 by default), timed with
``time.perf_counter``; seconds per thousand arcs count every arc of the matrix. The
claim checked: cutting routes by county costs well under a second per thousand arcs
(``TARGET_S_PER_1000``), cold, on both instances (reported, not enforced: it depends on
the machine). The exit status is 1 when a warm matrix differs from the cold one.

Run it from the project folder::

    .venv/bin/python bench/travel_matrix.py                 # both instances
    .venv/bin/python bench/travel_matrix.py --scale im      # Inner Mongolia only
    .venv/bin/python bench/travel_matrix.py --seed 7 --runs 5 --json
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import resource
import statistics
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import shapely
from sqlmodel import select

from relief.depot import db, region
from relief.depot.models import County, Depot, Team
from relief.routing import books
from relief.routing.core import roads, travel
from relief.routing.core.travel import TravelParams

TODAY = date(2026, 11, 22)
START = datetime(2027, 1, 15, 8, 0)
TARGET_S_PER_1000 = 1.0
HERE = Path(__file__).resolve().parent
OUTSIDE_SAMPLE = 2_000  # cut arcs whose line is checked for parts in no county


def _median_time(call, runs: int, before=None) -> tuple[float, object]:
    """Median seconds of ``runs`` calls (``before`` run untimed ahead of each) and the last result."""
    times, result = [], None
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _per_1000(seconds: float, arcs: int) -> float:
    return seconds * 1000 / arcs if arcs else 0.0


def _same(a: list[travel.Travel], b: list[travel.Travel]) -> bool:
    return all(np.array_equal(x.km, y.km) and np.array_equal(x.minutes, y.minutes) for x, y in zip(a, b))


def inner_mongolia(runs: int) -> dict:
    """The Inner Mongolia matrix: every depot and team base to every county's point."""
    with tempfile.TemporaryDirectory() as tmp:
        url = db.database_url(str(Path(tmp) / "bench.db"))
        region.init(url, "inner-mongolia", today=TODAY)
        with db.session(url) as s:
            books._GRIDS.clear()
            started = time.perf_counter()
            params = books.plan_params(s, start=START)
            params_s = time.perf_counter() - started
            counties = list(s.exec(select(County).order_by(County.adcode)))
            depots = list(s.exec(select(Depot).order_by(Depot.code)))
            teams = list(s.exec(select(Team).order_by(Team.code)))
        db.dispose(url)
    adcodes = [c.adcode for c in counties]
    geometries = list(shapely.from_geojson([c.geometry for c in counties]))
    grid_s, grid = _median_time(lambda: roads.county_grid(adcodes, geometries), runs)
    tp = params.travel
    dst = ([c.adcode for c in counties], [c.lon for c in counties], [c.lat for c in counties])

    def matrix(tp: TravelParams) -> list[travel.Travel]:
        return [travel.estimate(tp, [d.code for d in depots], [d.lon for d in depots], [d.lat for d in depots], *dst),
                travel.estimate(tp, [t.code for t in teams], [t.lon for t in teams], [t.lat for t in teams], *dst,
                                src_speed=[t.speed_kmh or tp.speed_kmh for t in teams],
                                src_handling=[params.team_mobilise_min if t.mobilise_min is None else t.mobilise_min
                                              for t in teams])]

    cold_s, cold = _median_time(lambda: matrix(tp), runs, before=roads._ROWS.clear)
    warm_s, warm = _median_time(lambda: matrix(tp), runs)
    plain_s, _ = _median_time(lambda: matrix(dataclasses.replace(tp, grid=None)), runs)
    arcs = (len(depots) + len(teams)) * len(counties)
    return {"instance": "im", "depots": len(depots), "teams": len(teams), "counties": len(counties),
            "arcs": arcs, "arcs_cut": arcs, "grid_cells": int(grid.cells.size), "grid_shape": list(grid.cells.shape),
            "grid_seconds": round(grid_s, 4), "plan_params_seconds": round(params_s, 4),
            "cold_seconds": round(cold_s, 4), "cold_s_per_1000_arcs": round(_per_1000(cold_s, arcs), 4),
            "warm_seconds": round(warm_s, 4), "warm_s_per_1000_arcs": round(_per_1000(warm_s, arcs), 4),
            "plain_seconds": round(plain_s, 4), "plain_s_per_1000_arcs": round(_per_1000(plain_s, arcs), 7),
            "warm_same_as_cold": _same(cold, warm)}


def _national_problem(seed: int):
    """``national(seed)`` of bench/dispatch.py."""
    spec = importlib.util.spec_from_file_location("bench_dispatch", HERE / "dispatch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    problem, _ = module.national(seed)
    return problem, module.BOX_LON, module.BOX_LAT, module.NATIONAL_MAX_HOURS


def national(seed: int, runs: int) -> dict:
    """The national instance's depots x incidents on a grid of 1°x1° squares."""
    problem, box_lon, box_lat, max_hours = _national_problem(seed)
    rng = np.random.default_rng(seed)
    squares = [(lon, lat) for lon in range(int(box_lon[0]), int(box_lon[1]))
               for lat in range(int(box_lat[0]), int(box_lat[1]))]
    adcodes = [f"{lon:03d}{lat:02d}" for lon, lat in squares]
    polygons = [shapely.box(lon, lat, lon + 1, lat + 1) for lon, lat in squares]
    circuity = {a: round(float(c), 2) for a, c in zip(adcodes, rng.uniform(1.2, 1.6, len(adcodes)))}
    speed = {a: round(float(v), 1) for a, v in zip(adcodes, rng.uniform(45.0, 70.0, len(adcodes)))}
    grid_s, grid = _median_time(lambda: roads.county_grid(adcodes, polygons), runs)
    tp = TravelParams(max_hours=max_hours, county_circuity=circuity, county_speed=speed, grid=grid)
    depots, incidents = problem.depots, problem.incidents
    src = ([d.code for d in depots], np.array([d.lon for d in depots]), np.array([d.lat for d in depots]))
    dst = ([i.county for i in incidents], np.array([i.lon for i in incidents]), np.array([i.lat for i in incidents]),
           np.array([i.spread_km for i in incidents]))

    def matrix(tp: TravelParams) -> travel.Travel:
        return travel.estimate(tp, *src, *dst)

    cold_s, cold = _median_time(lambda: matrix(tp), runs, before=roads._ROWS.clear)
    plain_s, _ = _median_time(lambda: matrix(dataclasses.replace(tp, grid=None)), runs)
    # the arcs estimate cuts: within max_hours at the least circuity and the greatest speed
    great = travel.haversine_km(src[1][:, None], src[2][:, None], dst[1][None, :], dst[2][None, :])
    rules = travel.county_rules(tp, [*grid.adcodes, ""])
    reach = great * rules[0].min() / rules[1].max() <= max_hours
    arcs, cut = int(great.size), int(reach.sum())
    # the share of the cut line in no county, over a seeded sample of cut arcs
    at = np.nonzero(reach.reshape(-1))[0]
    pick = np.sort(rng.choice(at, min(OUTSIDE_SAMPLE, len(at)), replace=False))
    s_i, d_j = np.divmod(pick, len(incidents))
    sampled = roads.samples(grid, src[1][s_i], src[2][s_i], dst[1][d_j], dst[2][d_j])
    outside = float(sampled.km[sampled.county < 0].sum() / sampled.km.sum())
    return {"instance": "national", "seed": seed, "depots": len(depots), "incidents": len(incidents),
            "counties": len(adcodes), "grid_cells": int(grid.cells.size), "grid_shape": list(grid.cells.shape),
            "grid_seconds": round(grid_s, 4), "arcs": arcs, "arcs_cut": cut,
            "line_km_cut": round(float(great[reach].sum())), "allowed_arcs": int(cold.allowed.sum()),
            "cold_seconds": round(cold_s, 4), "cold_s_per_1000_arcs": round(_per_1000(cold_s, arcs), 4),
            "cold_s_per_1000_arcs_cut": round(_per_1000(cold_s, cut), 4),
            "plain_seconds": round(plain_s, 4), "plain_s_per_1000_arcs": round(_per_1000(plain_s, arcs), 7),
            "sampled_arcs": len(pick), "line_outside_every_county": round(outside, 4),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _lines(f: dict) -> list[str]:
    verdict = lambda s: "met" if s < TARGET_S_PER_1000 else "NOT met"  # noqa: E731
    if f["instance"] == "im":
        return [
            f"im: {f['depots']} depots + {f['teams']} teams x {f['counties']} counties = {f['arcs']:,} arcs",
            f"im: county grid {f['grid_shape'][0]}x{f['grid_shape'][1]} cells: {f['grid_seconds']:.3f} s",
            f"im: plan_params (region rules and grid): {f['plan_params_seconds']:.3f} s",
            f"im: cold matrix: {f['cold_seconds']:.3f} s, {f['cold_s_per_1000_arcs']:.4f} s per 1,000 arcs "
            f"(target {TARGET_S_PER_1000:g} s: {verdict(f['cold_s_per_1000_arcs'])})",
            f"im: warm matrix: {f['warm_seconds']:.3f} s, {f['warm_s_per_1000_arcs']:.4f} s per 1,000 arcs; "
            f"{'same as' if f['warm_same_as_cold'] else 'DIFFERENT from'} cold",
            f"im: plain matrix (no grid): {f['plain_seconds']:.4f} s, {f['plain_s_per_1000_arcs']:.2e} s per "
            "1,000 arcs",
        ]
    return [
        f"national: {f['depots']:,} depots x {f['incidents']:,} incidents = {f['arcs']:,} arcs; "
        f"{f['arcs_cut']:,} cut (within 12 h at best), {f['line_km_cut']:,} km of line; "
        f"{f['allowed_arcs']:,} allowed",
        f"national: grid of {f['counties']:,} squares, {f['grid_shape'][0]}x{f['grid_shape'][1]} cells: "
        f"{f['grid_seconds']:.2f} s",
        f"national: cold matrix: {f['cold_seconds']:.2f} s, {f['cold_s_per_1000_arcs']:.4f} s per 1,000 arcs, "
        f"{f['cold_s_per_1000_arcs_cut']:.4f} s per 1,000 arcs cut (target {TARGET_S_PER_1000:g} s: "
        f"{verdict(f['cold_s_per_1000_arcs_cut'])})",
        f"national: plain matrix (no grid): {f['plain_seconds']:.3f} s, {f['plain_s_per_1000_arcs']:.2e} s per "
        f"1,000 arcs",
        f"national: line in no county over {f['sampled_arcs']:,} sampled cut arcs: "
        f"{f['line_outside_every_county']:.2%}",
        f"national: maximum resident set size: {f['max_rss_mb']:,} MB",
    ]


def main() -> int:
    """Run the benchmark; returns the process exit code (1 when a warm matrix differs from the cold one)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("im", "national", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3, help="timed calls per figure (the median is reported)")
    parser.add_argument("--seed", type=int, default=1, help="the national instance and its squares' rules")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = []
    if args.scale in ("im", "both"):
        figures.append(inner_mongolia(max(1, args.runs)))
    if args.scale in ("national", "both"):
        figures.append(national(args.seed, max(1, args.runs)))
    ok = all(f.get("warm_same_as_cold", True) for f in figures)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for f in figures:
            for line in _lines(f):
                print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
