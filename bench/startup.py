"""Startup benchmark: keeper commands must start fast.

A keeper command such as ``relief stock show`` should cost little more than importing
the database layer (sqlmodel): at most ``LIMIT`` (1.3) times as much wall time. It must
never load the planning stack (geopandas, ortools, shapely, matplotlib, pandas, numpy,
scipy), openpyxl (only spreadsheet import and export need it) nor Alembic (only schema
changes need it).

What it measures, on a fresh Inner Mongolia database made with ``relief init``:

* the wall time of ``relief stock show --depot C150121 --db X`` (the console script)
  and of ``python -c "import sqlmodel"`` (same interpreter, same environment), after one
  warm-up run of each, ``--runs`` times each, the two alternating so that a busy spell
  of a shared machine falls on both: minimum, median and trimmed median (the middle half)
  of each, and the ratio of the minimums and of the trimmed medians (the figure checked
  against ``LIMIT``); the CPU time (user + system) of each is reported beside it;
* the same ratio against ``import sqlmodel`` run with the collector settings the CLI
  uses while it loads a command group (collector paused, then ``gc.freeze()``): the
  like-for-like figure, which shows how much heavier the import itself is, apart from
  what the collector setting saves;
* which heavy modules are in ``sys.modules`` after loading the CLI and running
  ``stock show`` in one process (there should be none; the exit status is 1 if any is);
* the slowest imports of ``relief stock show`` by cumulative time, from
  ``python -X importtime``, to show where startup time goes.

Run it from the project folder, once ``make test`` (or ``make bench``) has made the venv::

    .venv/bin/python bench/startup.py              # report
    .venv/bin/python bench/startup.py --runs 30    # more repetitions
    .venv/bin/python bench/startup.py --json       # the figures as JSON
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import relief_command  # bench/scratch.py

ROOT = Path(__file__).resolve().parent.parent
DEPOT = "C150121"
HEAVY = ("geopandas", "ortools", "shapely", "matplotlib", "pandas", "openpyxl", "scipy", "alembic", "numpy")
LIMIT = 1.3  # stock show may cost at most this many times `import sqlmodel`
NOTED = ("numpy", "psycopg", "rich", "typer")
TOP_IMPORTS = 8
FROZEN_SQLMODEL = "import gc; gc.disable(); import sqlmodel; gc.freeze(); gc.enable()"

PROBE = """
import json, sys
from relief.cli.main import app
after_import = sorted(m for m in {heavy!r} if m in sys.modules)
app({args!r}, standalone_mode=False)
print(json.dumps({{
    "after_import": after_import,
    "after_run": sorted(m for m in {heavy!r} if m in sys.modules),
    "noted": sorted(m for m in {noted!r} if m in sys.modules),
}}))
"""


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELIEF_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return env


def run(cmd: list[str], cwd: str, *, capture: bool = False) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, env=environment(), text=True,
                            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    if result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr.strip()}")
    return result


def trimmed_median(values: list[float]) -> float:
    """The mean of the middle half of ``values`` (robust to a few slow outliers)."""
    ordered = sorted(values)
    cut = len(ordered) // 4
    middle = ordered[cut:len(ordered) - cut]
    return statistics.fmean(middle)


def timed(commands: dict[str, list[str]], cwd: str, runs: int) -> dict[str, dict]:
    """Wall and CPU times in seconds of ``runs`` runs of each command, after one warm-up
    run of each; the commands alternate run by run."""
    for cmd in commands.values():
        run(cmd, cwd)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            run(cmd, cwd)
            wall[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {name: {"min_s": min(wall[name]), "median_s": statistics.median(wall[name]),
                   "trimmed_median_s": trimmed_median(wall[name]),
                   "cpu_min_s": min(cpu[name]), "cpu_median_s": statistics.median(cpu[name]), "runs": runs}
            for name in commands}


def heavy_modules(db: str, cwd: str) -> dict:
    """Heavy modules loaded by importing the CLI and by running ``stock show``."""
    args = ["stock", "show", "--depot", DEPOT, "--db", db]
    code = PROBE.format(heavy=HEAVY, noted=NOTED, args=args)
    output = run([sys.executable, "-c", code], cwd, capture=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def slowest_imports(db: str, cwd: str, top: int) -> dict:
    """Import times of ``relief stock show``: the total, the ``top`` modules with the
    largest cumulative time, and the ``top`` top-level packages by summed self time."""
    code = ("import sys; from relief.cli.main import run; "
            f"sys.argv = ['relief', 'stock', 'show', '--depot', {DEPOT!r}, '--db', {db!r}]; run()")
    stderr = run([sys.executable, "-X", "importtime", "-c", code], cwd, capture=True).stderr
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|", 2)
        rows.append({"module": name.strip(), "depth": (len(name) - len(name.lstrip()) - 1) // 2,
                     "self_us": int(self_us), "cumulative_us": int(cumulative_us)})
    packages: dict[str, int] = {}
    for row in rows:
        root = row["module"].split(".")[0]
        packages[root] = packages.get(root, 0) + row["self_us"]
    slowest: dict[str, dict] = {}
    for row in rows:  # a module may be listed twice (a nested re-entry); keep its largest figure
        if row["cumulative_us"] > slowest.get(row["module"], {"cumulative_us": -1})["cumulative_us"]:
            slowest[row["module"]] = row
    return {
        "total_us": sum(r["self_us"] for r in rows),
        "slowest": sorted(slowest.values(), key=lambda r: r["cumulative_us"], reverse=True)[:top],
        "by_package": [{"package": k, "self_us": v}
                       for k, v in sorted(packages.items(), key=lambda kv: kv[1], reverse=True)[:top]],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Time the startup of a keeper command (relief stock show).")
    parser.add_argument("--runs", type=int, default=15, help="timed repetitions of each command (default 15)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    opts = parser.parse_args()
    if opts.runs < 1:
        parser.error("--runs must be 1 or more")

    with tempfile.TemporaryDirectory(prefix="relief-bench-") as tmp:
        db = str(Path(tmp) / "startup.db")
        run(relief_command() + ["init", "--db", db], tmp)
        times = timed({"stock_show": relief_command() + ["stock", "show", "--depot", DEPOT, "--db", db],
                       "import_sqlmodel": [sys.executable, "-c", "import sqlmodel"],
                       "import_sqlmodel_frozen": [sys.executable, "-c", FROZEN_SQLMODEL]}, tmp, opts.runs)
        show, sqlmodel, frozen = times["stock_show"], times["import_sqlmodel"], times["import_sqlmodel_frozen"]
        loaded = heavy_modules(db, tmp)
        imports = slowest_imports(db, tmp, TOP_IMPORTS)

    figures = {
        "python": sys.version.split()[0],
        "runs": opts.runs,
        "stock_show": show,
        "import_sqlmodel": sqlmodel,
        "ratio_of_minimums": show["min_s"] / sqlmodel["min_s"],
        "ratio_of_medians": show["median_s"] / sqlmodel["median_s"],
        "ratio_of_trimmed_medians": show["trimmed_median_s"] / sqlmodel["trimmed_median_s"],
        "ratio_of_cpu_medians": show["cpu_median_s"] / sqlmodel["cpu_median_s"],
        "import_sqlmodel_frozen": frozen,
        "like_for_like_ratio_of_trimmed_medians": show["trimmed_median_s"] / frozen["trimmed_median_s"],
        "limit": LIMIT,
        "heavy_modules_after_import": loaded["after_import"],
        "heavy_modules_after_run": loaded["after_run"],
        "other_modules_loaded": loaded["noted"],
        "imports": imports,
        "fast_enough": show["trimmed_median_s"] / sqlmodel["trimmed_median_s"] <= LIMIT,
        "ok": not loaded["after_run"],
    }
    if opts.json:
        print(json.dumps(figures, indent=2))
    else:
        report(figures)
    return 0 if figures["ok"] else 1


def report(f: dict) -> None:
    ms = 1000
    print(f"startup of a keeper command, {f['runs']} run(s) each (Python {f['python']})")
    for key, label in (("stock_show", f"relief stock show --depot {DEPOT}"),
                       ("import_sqlmodel", "python -c 'import sqlmodel'"),
                       ("import_sqlmodel_frozen", "the same, collector as the CLI's")):
        t = f[key]
        print(f"  {label:<34} wall: min {t['min_s'] * ms:6.1f} ms, median {t['median_s'] * ms:6.1f} ms, "
              f"trimmed median {t['trimmed_median_s'] * ms:6.1f} ms;  CPU median {t['cpu_median_s'] * ms:6.1f} ms")
    print(f"  ratio stock show / import sqlmodel: {f['ratio_of_trimmed_medians']:.2f} (trimmed medians, "
          f"limit {f['limit']}), {f['ratio_of_minimums']:.2f} (minimums), {f['ratio_of_medians']:.2f} (medians), "
          f"{f['ratio_of_cpu_medians']:.2f} (CPU medians)"
          + ("" if f["fast_enough"] else "  - SLOWER THAN THE LIMIT"))
    print(f"  like for like (both with the CLI's collector setting): "
          f"{f['like_for_like_ratio_of_trimmed_medians']:.2f} (trimmed medians)")
    heavy = f["heavy_modules_after_run"]
    print(f"heavy modules loaded by stock show: {', '.join(heavy) if heavy else 'none'}"
          + (f" (already on importing cli.main: {', '.join(f['heavy_modules_after_import'])})"
             if f["heavy_modules_after_import"] else ""))
    print(f"other modules loaded (for information): {', '.join(f['other_modules_loaded']) or 'none'}")
    imports = f["imports"]
    print(f"imports of relief stock show (python -X importtime): {imports['total_us'] / 1000:.1f} ms in all")
    print(f"  slowest {len(imports['slowest'])} by cumulative time (cumulative, self):")
    for row in imports["slowest"]:
        print(f"  {row['cumulative_us'] / 1000:8.1f} ms {row['self_us'] / 1000:7.1f} ms  "
              f"{'  ' * row['depth']}{row['module']}")
    print("  by top-level package (summed self time): " + ", ".join(
        f"{p['package']} {p['self_us'] / 1000:.0f} ms" for p in imports["by_package"]))
    if heavy:
        print(f"FAIL: keeper commands must not load {', '.join(heavy)}")


if __name__ == "__main__":
    sys.exit(main())
