"""Batch drills: many sampled scenarios, solved in parallel, summarised as distributions.

Scenarios are sampled in the parent process (``routing.sampling``), dated from today
on, so the same seed on the same day gives the same scenarios and - since each plan is
deterministic - the same results, whatever the number of workers. Workers receive the
region and the base problem once.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import date

import numpy as np

from relief.depot import db
from relief.errors import InvalidInput
from relief.routing.drills import run as drills
from relief.routing.drills import sampling
from relief.routing import books
from relief.routing.drills.scenario import Scenario

HAZARDS = ("earthquake", "blizzard", "flood", sampling.ALL)
_state: dict = {}


def _init(reg, base) -> None:
    _state["region"], _state["base"] = reg, base


def _one(scenario: Scenario) -> dict:
    report = drills.simulate(_state["region"], _state["base"], scenario)
    m = report.metrics
    rows = report.plan.incidents if report.plan else ()
    fills = {row.county: row.fill for row in rows}
    firsts = [row.first_arrival_minutes for row in rows if row.first_arrival_minutes is not None]
    unmet = {u["item"]: u["qty"] for u in m.get("unmet_by_item", [])}
    need = {n["item"]: n["qty"] for n in report.needs}
    first_out = max(unmet, key=lambda i: (unmet[i] / need[i], i)) if unmet else None
    return {"name": scenario.name, "displaced": sum(a["displaced"] for a in report.affected),
            "counties": len(report.affected), "fill": m["fill"], "weighted_fill": m["weighted_fill"],
            "worst_fill": m["worst_fill"], "within_12h": m.get("within_12h", 1.0), "county_fill": fills,
            "unmet_items": sorted(unmet), "first_out": first_out, "first_minutes": firsts}


def check(hazard: str, n: int, workers: int | None) -> int:
    """Validate a batch request; returns the number of workers (every core when None).

    Raises ``InvalidInput`` for an unknown hazard, n <= 0 or workers <= 0.
    """
    if hazard not in HAZARDS:
        raise InvalidInput(f"hazard must be one of {', '.join(HAZARDS)}, got {hazard!r}", option="hazard")
    if n <= 0:
        raise InvalidInput(f"runs must be a whole number greater than 0, got {n}", option="runs")
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers <= 0:
        raise InvalidInput(f"workers must be greater than 0, got {workers}", option="workers")
    return workers


def run(url: str, hazard: str, n: int, seed: int, *, workers: int | None = None, today: date,
        start: date | None = None, progress: Callable[[int], None] | None = None) -> dict:
    """Sample ``n`` scenarios of ``hazard`` with ``seed``, dated in the year from ``start``
    (default ``today``), and run them on ``workers`` processes.

    ``hazard`` ``all`` takes every hazard the region has in turn. Returns the summary
    (see ``summarise``) plus every scenario's result under ``scenarios``. Raises
    ``InvalidInput`` for an unknown hazard, n <= 0 or workers <= 0, ``HazardNotInRegion``
    for a hazard the region does not have.
    """
    workers = check(hazard, n, workers)
    reg = drills.region(url)
    with db.session(url) as s:
        zone_rows = books.region_rows(s, "hazard_zones.csv")
        seasons = {name: books.region_season(s, name, None) for name in ("blizzard", "flood")}
    scenarios = sampling.sample(hazard, n, seed, reg, zone_rows, start or today,
                                {k: v for k, v in seasons.items() if v is not None})
    base = drills.base_problem(url, Scenario("batch", scenarios[0].start, scenarios[0].hazard), today=today)
    start = time.perf_counter()
    results = []
    if workers == 1:
        _init(reg, base)
        for scenario in scenarios:
            results.append(_one(scenario))
            if progress:
                progress(1)
    else:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with context.Pool(workers, initializer=_init, initargs=(reg, base)) as pool:
            for result in pool.imap(_one, scenarios, chunksize=max(1, min(16, n // (workers * 8) or 1))):
                results.append(result)
                if progress:
                    progress(1)
    seconds = time.perf_counter() - start
    summary = summarise(results, reg)
    return {"hazard": hazard, "n": n, "seed": seed, "workers": workers, "seconds": round(seconds, 2),
            "seconds_per_scenario": round(seconds / n, 4), **summary, "scenarios": results}


def summarise(results: list[dict], reg) -> dict:
    """Distributions over scenario results: share met (mean, 5th percentile), worst fill,
    counties most often short, items that run out first, time to first delivery."""
    fill = np.array([r["fill"] for r in results])
    worst = np.array([r["worst_fill"] for r in results])
    hit = [r for r in results if r["counties"]]
    short = Counter(c for r in results for c, f in r["county_fill"].items() if f < 0.999)
    exposed = Counter(c for r in results for c in r["county_fill"])
    out_first = Counter(r["first_out"] for r in results if r["first_out"])
    unmet = Counter(i for r in results for i in r["unmet_items"])
    firsts = np.array([m for r in results for m in r["first_minutes"]], dtype=float)
    names = dict(zip(reg.adcodes, reg.names))
    return {
        "scenarios_with_displaced": len(hit),
        "fill": {"mean": round(float(fill.mean()), 4), "p5": round(float(np.percentile(fill, 5)), 4),
                 "median": round(float(np.median(fill)), 4)},
        "fill_when_affected": {"mean": round(float(np.mean([r["fill"] for r in hit])), 4) if hit else None,
                               "p5": round(float(np.percentile([r["fill"] for r in hit], 5)), 4) if hit else None},
        "worst_fill": {"mean": round(float(worst.mean()), 4), "p5": round(float(np.percentile(worst, 5)), 4)},
        "displaced": {"mean": round(float(np.mean([r["displaced"] for r in results])), 1),
                      "p95": round(float(np.percentile([r["displaced"] for r in results], 95)), 1)},
        "counties_short": [{"county": c, "name": names.get(c, c), "scenarios_short": k, "scenarios_affected": exposed[c]}
                           for c, k in short.most_common(10)],
        "items_first_out": [{"item": i, "scenarios": k} for i, k in out_first.most_common(10)],
        "items_short": [{"item": i, "scenarios": k} for i, k in unmet.most_common(10)],
        "first_delivery_minutes": {f"p{q}": round(float(np.percentile(firsts, q)), 1) if len(firsts) else None
                                   for q in (50, 90, 95)},
    }
