"""Benchmark: ``relief prepare`` on the Inner Mongolia default, every hazard, 1,000 scenarios.

Initialises a temporary database with the default region and sample stock and runs the
preparation service (budget 5 million yuan; N planning and N validation scenarios) on W
local worker processes (default 2), reporting wall time and its stages (reading the
books, scenarios to needs, the optimiser, the out-of-sample comparison), the solver's
figures and the comparison. With ``--dask`` it runs again with the scenario work on a
Dask ``LocalCluster`` of 1 and then 2 worker processes (the optimiser keeps to W local
processes), to compare.

Run: .venv/bin/python bench/prepare.py [--n 1000] [--workers 2] [--budget 5000000]
     [--time-limit SECONDS] [--dask] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from relief.depot import db, region
from relief.routing.prepare import service

TODAY = date(2026, 11, 22)


def once(url: str, args, scheduler: str | None = None) -> dict:
    """One prepare run; returns its figures."""
    start = time.perf_counter()
    result = service.prepare(url, budget=args.budget, hazard="all", n=args.n, seed=args.seed,
                             workers=args.workers, scheduler=scheduler, today=TODAY, time_limit=args.time_limit)
    wall = time.perf_counter() - start
    return {"wall_seconds": round(wall, 1), "stages": result.seconds, "solver": vars(result.solver),
            "spent_yuan": result.spent_yuan, "purchases": len(result.purchases), "transfers": len(result.transfers),
            "comparison": [vars(c) for c in result.comparison]}


def main() -> int:
    """Run the benchmark; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=5_000_000.0)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--dask", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures: dict = {"scenarios": args.n, "workers": args.workers, "budget": args.budget}
    with tempfile.TemporaryDirectory() as tmp:
        url = db.database_url(str(Path(tmp) / "bench.db"))
        region.init(url, "inner-mongolia", today=TODAY)
        figures["local"] = once(url, args)
        if args.dask:
            from distributed import LocalCluster

            for n_workers in (1, 2):
                with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
                    figures[f"dask_{n_workers}"] = once(url, args, cluster.scheduler_address)
        db.dispose(url)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    for key in ("local", "dask_1", "dask_2"):
        if key in figures:
            f = figures[key]
            s = f["solver"]
            print(f"{key}: {f['wall_seconds']:.1f} s wall {f['stages']}; {s['method']} {s['status']}, value "
                  f"{s['value']:.4f}, bound {s['bound']:.4f}, {s['iterations']} iteration(s)")
    for row in figures["local"]["comparison"]:
        print(f"  {row['name']:<32} spent {row['spent_yuan']:>12,.0f}  mean {row['mean']:.1%}  p5 {row['p5']:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
