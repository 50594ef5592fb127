"""Benchmark: a batch of earthquake drills on the Inner Mongolia default, locally or on Dask.

Initialises a temporary database with the default region and sample stock, then runs
``relief drill batch`` through its library function for N earthquake scenarios
(default 1,000) on W local worker processes (default: every core), and reports the
total seconds, seconds per scenario and the headline results against the target
(1,000 in under 10 s on 2 cores). A second, smaller run with the same seed checks that
results repeat exactly on one process.

``--scheduler tcp://HOST:PORT`` runs the same batch on that Dask cluster instead.
``--scaling`` starts a Dask cluster on this machine with 1 and then 2 worker processes
(one thread each) and reports the seconds on each, the speed-up, and that both give the
local result.

Run: .venv/bin/python bench/drill_batch.py [--n 1000] [--workers 2] [--seed 1]
     [--scheduler tcp://HOST:PORT | --scaling] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

from relief.depot import db, region
from relief.routing.drills import batch

TODAY = date(2026, 11, 22)
TARGET_SECONDS = 10.0
WHERE = ("seconds", "seconds_per_scenario", "workers", "scheduler")


def _timed(url: str, n: int, seed: int, **where) -> tuple[dict, float]:
    start = time.perf_counter()
    result = batch.run(url, "earthquake", n, seed, today=TODAY, **where)
    return result, time.perf_counter() - start


def _same(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k not in WHERE} == {k: v for k, v in b.items() if k not in WHERE}


def _cluster_runs(url: str, n: int, seed: int, local: dict) -> list[dict]:
    """The batch on a Dask cluster on this machine of 1, then 2 worker processes."""
    from distributed import LocalCluster

    runs = []
    for workers in (1, 2):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, host="127.0.0.1",
                                   dashboard_address=None)
        with cluster:
            result, wall = _timed(url, n, seed, scheduler=cluster.scheduler_address)
        runs.append({"dask_workers": workers, "wall_seconds": round(wall, 2), "solve_seconds": result["seconds"],
                     "same_as_local": _same(result, local)})
    runs[1]["speedup"] = round(runs[0]["wall_seconds"] / runs[1]["wall_seconds"], 2)
    return runs


def main() -> int:
    """Run the benchmark; returns the process exit code (1 when a repeat or another place differs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=1)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="a Dask scheduler, tcp://HOST:PORT: run the batch there")
    where.add_argument("--scaling", action="store_true", help="also run on a local Dask cluster of 1 and 2 workers")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = db.database_url(str(Path(tmp) / "bench.db"))
        region.init(url, "inner-mongolia", today=TODAY)
        on = {"scheduler": args.scheduler} if args.scheduler else {"workers": args.workers}
        result, wall = _timed(url, args.n, args.seed, **on)
        small = min(args.n, 50)
        first, _ = _timed(url, small, args.seed, workers=1)
        again, _ = _timed(url, small, args.seed, **on)
        repeat = first["scenarios"] == again["scenarios"]
        scaling = _cluster_runs(url, args.n, args.seed, result) if args.scaling else []
        db.dispose(url)
    place = f"the Dask cluster at {args.scheduler}" if args.scheduler else f"{args.workers} local worker(s)"
    figures = {"scenarios": args.n, "workers": None if args.scheduler else args.workers,
               "scheduler": args.scheduler, "cores": os.cpu_count(), "seed": args.seed,
               "wall_seconds": round(wall, 2), "solve_seconds": result["seconds"],
               "seconds_per_scenario": round(wall / args.n, 4), "target_seconds_per_1000": TARGET_SECONDS,
               "within_target": wall * 1000 / args.n < TARGET_SECONDS,
               "fill_mean": result["fill"]["mean"], "fill_p5": result["fill"]["p5"],
               "scenarios_with_displaced": result["scenarios_with_displaced"],
               "first_delivery_minutes": result["first_delivery_minutes"],
               "items_first_out": result["items_first_out"][:3], "repeatable": repeat, "dask_scaling": scaling}
    ok = repeat and all(run["same_as_local"] for run in scaling)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0 if ok else 1
    print(f"{args.n} earthquake drills on {place}: {wall:.1f} s wall "
          f"({figures['seconds_per_scenario'] * 1000:.0f} ms per scenario; solving {result['seconds']:.1f} s); "
          f"target {TARGET_SECONDS:g} s per 1,000: {'met' if figures['within_target'] else 'NOT met'}")
    print(f"  share met: mean {figures['fill_mean']:.1%}, 5th percentile {figures['fill_p5']:.1%}; "
          f"{figures['scenarios_with_displaced']} scenarios displaced people")
    print(f"  first delivery minutes: {figures['first_delivery_minutes']}")
    print(f"  same seed, 1 process vs {place}: {'identical' if repeat else 'DIFFERENT'}")
    for run in scaling:
        speedup = f", {run['speedup']:.2f}x the 1-worker cluster" if "speedup" in run else ""
        print(f"  Dask cluster of {run['dask_workers']} worker(s): {run['wall_seconds']:.1f} s wall{speedup}; "
              f"results {'identical to' if run['same_as_local'] else 'DIFFERENT from'} the local run")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
