"""Bulk-import benchmark: importing 100,000 movements takes seconds, not minutes.

It initialises a database with the Inner Mongolia default (93 depots, 26 items and the
sample opening stock), then writes a CSV file of ``--rows`` movements made by a seeded
generator: about 60 % receipts (perishable items partly with a lot code and a future
expiry date) and 40 % issues and transfers whose quantities never exceed the stock
available at that point of the file, so every row is valid. Rows are grouped into
documents of about 100 rows numbered BULK-000001, BULK-000002, ...

What it times:

* ``depot.keeper.import_file`` on that file (the code path of ``relief stock import``):
  rows, seconds, rows per second;
* a second import of the same file, which must record nothing (every document is
  already recorded);
* ``depot.reports.verify`` on the result, which must find the books in balance;
* once, end to end, ``relief stock import FILE --db X`` on a second fresh database.

The exit status is 1 when verification fails, the re-import records anything or the
command-line import fails.

By default the databases are SQLite files in a temporary folder. With ``--db`` and a
PostgreSQL URL (``postgresql://user@host:5432/postgres``) it connects to that server,
creates uniquely named scratch databases for the run and drops them afterwards; the
database named in the URL is only used to create and drop them and is never changed.

Run it from the project folder, once ``make test`` (or ``make bench``) has made the venv::

    .venv/bin/python bench/bulk_import.py                   # 100,000 rows on SQLite
    .venv/bin/python bench/bulk_import.py --rows 20000      # a smaller file
    .venv/bin/python bench/bulk_import.py --db postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/bulk_import.py --profile 25      # also profile the first import
    .venv/bin/python bench/bulk_import.py --json            # the figures as JSON
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlmodel import select

from relief.depot import db, keeper, region, reports
from relief.depot.models import Depot, Item

from scratch import databases, relief_command  # bench/scratch.py

ROOT = Path(__file__).resolve().parent.parent
REGION = "inner-mongolia"
ACTOR = "bench"
HEADER = ("doc", "kind", "depot", "item", "qty", "lot", "expires", "to")


def main() -> int:
    parser = argparse.ArgumentParser(description="Time importing a large movement file (relief stock import).")
    parser.add_argument("--rows", type=int, default=100_000, help="movements in the file (default 100000)")
    parser.add_argument("--doc-size", type=int, default=100, help="average rows per document (default 100)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the row generator")
    parser.add_argument("--db", help="a PostgreSQL server URL to run on instead of SQLite files "
                                     "(scratch databases are created on it and dropped)")
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end `relief stock import` run")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="profile the first import with cProfile and show the N costliest functions")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    opts = parser.parse_args()
    if opts.rows < 1 or opts.doc_size < 1:
        parser.error("--rows and --doc-size must be 1 or more")
    if opts.db and not opts.db.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        parser.error("--db takes a postgresql:// server URL (SQLite files in a temporary folder are the default)")

    today = date.today()
    figures: dict = {"rows": opts.rows, "seed": opts.seed, "today": today.isoformat()}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="relief-bench-") as tmp, databases(opts.db, tmp) as make_db:
        url = make_db("import")
        figures["database"] = db.get_engine(url).dialect.name

        start = time.perf_counter()
        region.init(url, REGION, today=today)
        figures["init_s"] = time.perf_counter() - start

        path = Path(tmp) / "movements.csv"
        start = time.perf_counter()
        counts = generate(url, path, rows=opts.rows, doc_size=opts.doc_size, seed=opts.seed, today=today)
        figures["generate_s"] = time.perf_counter() - start
        figures["file"] = {**counts, "bytes": path.stat().st_size}

        profiler = cProfile.Profile() if opts.profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        posted = keeper.import_file(url, str(path), actor=ACTOR, today=today)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - start
        recorded = [p for p in posted if p.status == "recorded"]
        figures["import"] = {"seconds": seconds, "rows_per_s": opts.rows / seconds, "documents": len(recorded),
                             "ledger_lines": sum(len(p.lines) for p in recorded), "profiled": bool(profiler)}
        if len(recorded) != counts["documents"]:
            failures.append(f"the import recorded {len(recorded)} of {counts['documents']} documents")

        start = time.perf_counter()
        again = keeper.import_file(url, str(path), actor=ACTOR, today=today)
        repeat = [p for p in again if p.status == "recorded"]
        figures["reimport"] = {"seconds": time.perf_counter() - start, "recorded": len(repeat),
                               "already_recorded": len(again) - len(repeat)}
        if repeat:
            failures.append(f"the second import recorded {len(repeat)} document(s); it must record none")

        start = time.perf_counter()
        with db.session(url) as s:
            result = reports.verify(s)
        figures["verify"] = {"seconds": time.perf_counter() - start, "ok": result["ok"],
                             "balances": result["balances"], "movements": result["movements"]}
        if not result["ok"]:
            failures.append(f"verify found {len(result['problems'])} balance(s) that disagree with the ledger")

        if not opts.no_cli:
            figures["cli"] = cli_import(make_db("cli"), path, today, tmp, result["movements"], failures)
        if profiler:
            figures["profile"] = profile_table(profiler, opts.profile)

    figures["ok"] = not failures
    figures["failures"] = failures
    if opts.json:
        print(json.dumps(figures, indent=2))
    else:
        report(figures)
    return 0 if figures["ok"] else 1


def generate(url: str, path: Path, *, rows: int, doc_size: int, seed: int, today: date) -> dict:
    """Write ``rows`` valid movements to ``path``; return counts per kind and documents.

    Codes and opening stock come from the database; a running balance of available
    units per (depot, item) keeps every issue and transfer within stock.
    """
    with db.session(url) as s:
        depots = sorted(s.exec(select(Depot.code)))
        shelf = {code: days for code, days in s.exec(select(Item.code, Item.shelf_life_days))}
        available = {key: t["available"] for key, t in reports.totals(s, today=today).items()}
    items = sorted(shelf)
    held = {key for key, units in available.items() if units > 0}
    held_list = sorted(held)  # (depot, item) pairs with stock, for picking issues quickly
    rng = np.random.default_rng(seed)
    kinds = {"receive": 0, "issue": 0, "transfer": 0}
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(HEADER)
    documents = 0
    left_in_doc = 0
    doc = ""
    draws = rng.random(rows)
    for n in range(rows):
        if left_in_doc == 0:
            documents += 1
            doc = f"BULK-{documents:06d}"
            left_in_doc = int(rng.integers(max(1, doc_size * 4 // 5), doc_size * 6 // 5 + 1))
        left_in_doc -= 1
        kind = "receive" if draws[n] < 0.6 else ("issue" if draws[n] < 0.85 else "transfer")
        source = None if kind == "receive" else _pick_stocked(rng, held_list, held, available)
        if source is None:
            kind = "receive"
        if kind == "receive":
            depot = depots[int(rng.integers(len(depots)))]
            item = items[int(rng.integers(len(items)))]
            qty = int(rng.integers(1, 400))
            lot = expires = ""
            if shelf[item]:
                if rng.random() < 0.5:  # a supplier's lot with its printed expiry date
                    when = today + timedelta(days=int(rng.integers(60, 1100)))
                    lot, expires = f"BK{when:%Y%m%d}", when.isoformat()
            elif rng.random() < 0.2:  # a donor's batch of durable goods
                lot = f"DN{int(rng.integers(1, 40)):03d}"
            out.writerow((doc, kind, depot, item, qty, lot, expires, ""))
            key = (depot, item)
        else:
            depot, item = source
            qty = int(rng.integers(1, min(available[source], 300) + 1))
            available[source] -= qty
            if kind == "issue":
                to = f"SHELTER-{int(rng.integers(1, 500)):03d}" if rng.random() < 0.3 else ""
                out.writerow((doc, kind, depot, item, qty, "", "", to))
                key = None
            else:
                dest = depots[int(rng.integers(len(depots) - 1))]
                dest = depots[-1] if dest == depot else dest
                out.writerow((doc, kind, depot, item, qty, "", "", dest))
                key = (dest, item)
        kinds[kind] += 1
        if key is not None:
            available[key] = available.get(key, 0) + qty
            if key not in held:
                held.add(key)
                held_list.append(key)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return {**kinds, "documents": documents}


def _pick_stocked(rng, held_list: list, held: set, available: dict) -> tuple[str, str] | None:
    """A random (depot, item) with available units, or None when there is none.

    Pairs whose stock ran out are dropped from ``held_list`` as they are met."""
    while held_list:
        pick = int(rng.integers(len(held_list)))
        key = held_list[pick]
        if available[key] > 0:
            return key
        held_list[pick] = held_list[-1]
        held_list.pop()
        held.discard(key)
    return None


def cli_import(url: str, path: Path, today: date, tmp: str, expected_movements: int, failures: list[str]) -> dict:
    """Time ``relief stock import FILE`` once on a fresh database at ``url``."""
    region.init(url, REGION, today=today)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELIEF_")}
    env.update(RELIEF_TODAY=today.isoformat(), RELIEF_ACTOR=ACTOR)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    target = db.describe(url) if db.is_sqlite(url) else url
    command = relief_command() + ["stock", "import", str(path), "--db", target]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    figures = {"seconds": seconds, "exit_status": done.returncode,
               "output": done.stdout.strip().replace(str(path), path.name)}
    if done.returncode != 0:
        failures.append(f"relief stock import exited with {done.returncode}: {done.stderr.strip()[:500]}")
        return figures
    with db.session(url) as s:
        result = reports.verify(s)
    if not result["ok"] or result["movements"] != expected_movements:
        failures.append(f"the command-line import left {result['movements']} movements "
                        f"(expected {expected_movements}), books balance: {result['ok']}")
    return figures


def profile_table(profiler: cProfile.Profile, top: int) -> list[dict]:
    """The ``top`` functions by cumulative time, with their own (total) time and calls."""
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in stats.stats.items():
        where = Path(file)
        place = f"{where.parent.name}/{where.name}:{line}" if line else file
        rows.append({"function": f"{place}({name})", "calls": calls, "own_s": own, "cumulative_s": cumulative})
    return sorted(rows, key=lambda r: r["cumulative_s"], reverse=True)[:top]


def report(f: dict) -> None:
    file = f["file"]
    print(f"bulk import on {f['database']}: {f['rows']:,} rows in {file['documents']:,} documents "
          f"({file['receive']:,} receive, {file['issue']:,} issue, {file['transfer']:,} transfer; "
          f"{file['bytes'] / 1e6:.1f} MB)")
    print(f"  init {f['init_s']:.2f} s, generate file {f['generate_s']:.2f} s")
    imp = f["import"]
    print(f"  import          {imp['seconds']:7.2f} s  {imp['rows_per_s']:9,.0f} rows/s  "
          f"{imp['documents']:,} documents, {imp['ledger_lines']:,} ledger lines"
          + ("  (under cProfile: slower than usual)" if imp["profiled"] else ""))
    again = f["reimport"]
    print(f"  re-import       {again['seconds']:7.2f} s  recorded {again['recorded']}, "
          f"{again['already_recorded']:,} already recorded")
    check = f["verify"]
    print(f"  verify          {check['seconds']:7.2f} s  {'ok' if check['ok'] else 'FAILED'}: "
          f"{check['balances']:,} balances, {check['movements']:,} movements")
    if "cli" in f:
        cli = f["cli"]
        print(f"  relief stock import (end to end, fresh database) {cli['seconds']:7.2f} s  "
              f"{f['rows'] / cli['seconds']:9,.0f} rows/s")
    if f.get("profile"):
        print("costliest functions of the first import (cumulative s, own s, calls):")
        for row in f["profile"]:
            print(f"  {row['cumulative_s']:7.2f} {row['own_s']:7.2f} {row['calls']:>9,}  {row['function']}")
    for failure in f["failures"]:
        print(f"FAIL: {failure}")


if __name__ == "__main__":
    sys.exit(main())
