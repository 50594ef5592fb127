"""Batch drills: many sampled scenarios, solved in parallel, summarised as distributions.

Scenarios are sampled in the parent process (``routing.sampling``), dated from today
on, so the same seed on the same day gives the same scenarios and - since each plan is
deterministic - the same results, whatever the number of workers and wherever they run
(``routing.parallel``: in this process, on local cores, or on a Dask cluster). Each
worker receives the region and the base problem once.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import date

import numpy as np

from relief.depot import db
from relief.errors import InvalidInput
from relief.routing import books, parallel
from relief.routing.drills import run as drills
from relief.routing.drills import sampling
from relief.routing.drills.scenario import Scenario

HAZARDS = ("earthquake", "blizzard", "flood", sampling.ALL)


def _one(shared: tuple, scenario: Scenario) -> dict:
    reg, base = shared
    report = drills.simulate(reg, base, scenario, details=False)
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


def check(hazard: str, n: int, workers: int | None, scheduler: str | None = None) -> int | None:
    """Validate a batch request; returns the number of local worker processes (every
    core when None), or None when a Dask ``scheduler`` address runs it.

    Raises ``InvalidInput`` for an unknown hazard, n <= 0, workers <= 0, a malformed
    scheduler address, or both workers and a scheduler (the cluster's workers run it).
    """
    if hazard not in HAZARDS:
        raise InvalidInput(f"hazard must be one of {', '.join(HAZARDS)}, got {hazard!r}", option="hazard")
    if n <= 0:
        raise InvalidInput(f"runs must be a whole number greater than 0, got {n}", option="runs")
    if scheduler is not None:
        parallel.check_scheduler(scheduler)
        if workers is not None:
            raise InvalidInput(f"workers cannot be given with a scheduler (got {workers}): the cluster's "
                               "workers run the scenarios", option="workers")
        return None
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers <= 0:
        raise InvalidInput(f"workers must be greater than 0, got {workers}", option="workers")
    return workers


def run(url: str, hazard: str, n: int, seed: int, *, workers: int | None = None, scheduler: str | None = None,
        today: date, start: date | None = None, progress: Callable[[int], None] | None = None) -> dict:
    """Sample ``n`` scenarios of ``hazard`` with ``seed``, dated in the year from ``start``
    (default ``today``), and run them on ``workers`` local processes (default: every
    core), or on the Dask cluster whose scheduler is at ``scheduler`` (``tcp://HOST:PORT``).

    ``hazard`` ``all`` takes every hazard the region has in turn. Returns the summary
    (see ``summarise``) plus every scenario's result under ``scenarios``; ``workers`` is
    None and ``scheduler`` the address when a cluster ran it. The same seed gives the
    same results wherever they ran. Raises ``InvalidInput`` for an unknown hazard, n <= 0,
    workers <= 0 or a malformed scheduler address (or both workers and a scheduler),
    ``HazardNotInRegion`` for a hazard the region does not have,
    ``SchedulerUnavailable`` when no scheduler or worker answers at the address.
    """
    workers = check(hazard, n, workers, scheduler)
    reg = drills.region(url)
    with db.session(url) as s:
        zone_rows = books.region_rows(s, "hazard_zones.csv")
        seasons = {name: books.region_season(s, name, None) for name in ("blizzard", "flood")}
    scenarios = sampling.sample(hazard, n, seed, reg, zone_rows, start or today,
                                {k: v for k, v in seasons.items() if v is not None})
    base = drills.base_problem(url, Scenario("batch", scenarios[0].start, scenarios[0].hazard), today=today)
    start = time.perf_counter()
    results = parallel.run_chunks(_one, scenarios, (reg, base), workers=workers, scheduler=scheduler,
                                  progress=progress)
    seconds = time.perf_counter() - start
    summary = summarise(results, reg)
    return {"hazard": hazard, "n": n, "seed": seed, "workers": workers, "scheduler": scheduler,
            "seconds": round(seconds, 2), "seconds_per_scenario": round(seconds / n, 4), **summary,
            "scenarios": results}


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
