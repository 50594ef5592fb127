"""Benchmark: a batch of earthquake drills on the Inner Mongolia default.

Initialises a temporary database with the default region and sample stock, then runs
``relief drill batch`` through its library function for N earthquake scenarios
(default 1,000) on W worker processes (default: every core), and reports the total
seconds, seconds per scenario and the headline results. A second, smaller run with the
same seed checks that results repeat exactly.

Run: .venv/bin/python bench/drill_batch.py [--n 1000] [--workers 2] [--seed 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from relief.depot import db, region
from relief.routing.drills import batch

TODAY = date(2026, 11, 22)


def main() -> int:
    """Run the benchmark; returns the process exit code (1 when a repeat differs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = db.database_url(str(Path(tmp) / "bench.db"))
        region.init(url, "inner-mongolia", today=TODAY)
        start = time.perf_counter()
        result = batch.run(url, "earthquake", args.n, args.seed, workers=args.workers, today=TODAY)
        wall = time.perf_counter() - start
        small = min(args.n, 50)
        first = batch.run(url, "earthquake", small, args.seed, workers=1, today=TODAY)
        again = batch.run(url, "earthquake", small, args.seed, workers=args.workers, today=TODAY)
        repeat = first["scenarios"] == again["scenarios"]
        db.dispose(url)
    figures = {"scenarios": args.n, "workers": args.workers, "seed": args.seed, "wall_seconds": round(wall, 2),
               "solve_seconds": result["seconds"], "seconds_per_scenario": round(wall / args.n, 4),
               "fill_mean": result["fill"]["mean"], "fill_p5": result["fill"]["p5"],
               "scenarios_with_displaced": result["scenarios_with_displaced"],
               "first_delivery_minutes": result["first_delivery_minutes"],
               "items_first_out": result["items_first_out"][:3], "repeatable": repeat}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(f"{args.n} earthquake drills on {args.workers} worker(s): {wall:.1f} s wall "
              f"({figures['seconds_per_scenario'] * 1000:.0f} ms per scenario; pool {result['seconds']:.1f} s)")
        print(f"  share met: mean {figures['fill_mean']:.1%}, 5th percentile {figures['fill_p5']:.1%}; "
              f"{figures['scenarios_with_displaced']} scenarios displaced people")
        print(f"  first delivery minutes: {figures['first_delivery_minutes']}")
        print(f"  same seed, 1 worker vs {args.workers}: {'identical' if repeat else 'DIFFERENT'}")
    return 0 if repeat else 1


if __name__ == "__main__":
    raise SystemExit(main())
