"""Dispatch benchmark: how fast the planner is, how much memory it takes, how good its plans are.

It times ``relief.routing.core.optimize.optimal`` (min-cost flow per item, plus the team
assignment) against the rule of thumb ``relief.routing.core.greedy.greedy`` on two instances built
in memory, so that only the planner is measured (no database reads while planning):

* ``im``: the Inner Mongolia default (``relief init`` into a temporary SQLite file:
  93 depots, 26 items, the sample opening stock, the ready teams) with one incident
  in every county, at the county's centre. Priorities 1-4 are drawn by a seeded generator,
  people displaced are 0.05-2 % of the county's population, needs and team requests
  follow the region's norms for a winter day (``routing.needs``). Depots, lots, teams,
  weights and floors come from ``routing.books.dispatch_problem`` and the parameters
  from ``routing.books.plan_params`` (start 2027-01-15 08:00, 30 nearest depots).
* ``national``: a synthetic instance of national size, seeded: 2,900 depots (31 at
  region, about 330 at league, the rest at county level) clustered around 31
  provincial centres in a China-sized box (lon 75-134, lat 18-53), 50 items of
  0.5-600 kg (some perishable, with expiry dates), one to three lots in about half the
  depot-item pairs with lognormal quantities (total stock about equal to total need),
  1,000 incidents near county depots needing 5-15 items each, and 200 teams (relief,
  medical, psych; 20-60 people, four in ten relief teams trained in search and rescue)
  whose requests follow ``data/team_norms.csv``.

For each instance and method it reports:

* seconds, the median of ``--runs`` calls (3 by default; the fastest call is shown
  too): the wall time of the call (``time.perf_counter``), the model build time and
  solve time the method reports in its ``solver`` dict (``build_seconds``,
  ``seconds``; for greedy, whose ``seconds`` is its whole run, solve is the
  difference), and the travel-matrix time (``relief.routing.core.candidates.network(...).seconds``,
  per instance);
* memory: the tracemalloc peak of one more, traced call (Python and numpy
  allocations; memory held inside OR-Tools' C++ solvers is not traced) and the
  process's maximum resident set size so far (``ru_maxrss``);
* size: candidate depot-incident pairs, and the arcs of the method (optimal: arcs
  from lots to incidents summed over items; greedy: the candidate pairs);
* plan quality from ``relief.routing.core.summary.totals``: priority-weighted unmet
  (``weighted_unmet``, and ``weighted_unmet_units`` in units), worst incident fill,
  mean fill, priority-weighted fill, tonne-kilometres, unmet units and uncovered team
  requests;
* the solver status (``optimal`` expected for the optimal method), and whether every
  run of a method on the same input (the timed ones and the traced one) gives the
  same plan.

With ``--outbound`` it also plans the Inner Mongolia instance with depot outbound
tonnage enforced (``PlanParams(outbound=True)``: one MIP over all items, HiGHS) and
reports its time and status. With ``--profile N`` it also runs each method once more
under cProfile and lists its N costliest functions by cumulative and by own time
(cProfile adds overhead to every Python call, so these seconds run high).

The exit status is 1 when the optimal method does not prove its plan optimal or when
its runs on the same input differ. Stated targets (reported, not enforced,
as they depend on the machine): the Inner Mongolia plan well under 0.5 s of solve
time; the national plan, travel matrix included, within a few seconds (read as 5 s).

Run it from the project folder, once ``make test`` (or ``make bench``) has made the venv::

    .venv/bin/python bench/dispatch.py                      # both instances
    .venv/bin/python bench/dispatch.py --scale im           # Inner Mongolia only
    .venv/bin/python bench/dispatch.py --scale national --profile 25   # where the time goes
    .venv/bin/python bench/dispatch.py --outbound           # also the coupled MIP
    .venv/bin/python bench/dispatch.py --seed 7 --json      # another draw, figures as JSON
    .venv/bin/python bench/dispatch.py --runs 5             # more timed calls per method
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import json
import math
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlmodel import select

from relief.depot import datafiles, db, region
from relief.depot.models import County
from relief.routing import books
from relief.routing.core import needs
from relief.routing.core import summary
from relief.routing.core.candidates import network
from relief.routing.core.greedy import greedy
from relief.routing.core.optimize import optimal
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams, TeamSpec

TODAY = date(2027, 1, 15)
START = datetime(2027, 1, 15, 8, 0)
METHODS = {"optimal": optimal, "greedy": greedy}
TARGET_IM_SOLVE_S = 0.5
TARGET_NATIONAL_WALL_S = 5.0
BOX_LON, BOX_LAT = (75.0, 134.0), (18.0, 53.0)
TEAM_KINDS = {"relief": 0.5, "medical": 0.35, "psych": 0.15}
TEAM_SKILLS = {"relief": "shelter;distribution", "medical": "first-aid", "psych": "psychosocial;first-aid"}
PRIORITY_SHARES = (0.1, 0.2, 0.3, 0.4)
LEVEL_STOCK = {"region": 20.0, "league": 5.0, "county": 1.0}
LEVEL_OUTBOUND_T = {"region": 400.0, "league": 120.0, "county": 30.0}
QUALITY = ("shortfall_penalty", "weighted_unmet", "weighted_unmet_units", "worst_fill", "fill", "weighted_fill", "tonne_km",
           "unmet_units", "shipped_units", "shipment_lines", "teams_sent", "team_requests_uncovered")


# --------------------------------------------------------------------- instances


def inner_mongolia(seed: int, folder: str) -> tuple[DispatchProblem, dict]:
    """The Inner Mongolia default with one incident per county (built in memory)."""
    url = db.database_url(str(Path(folder) / "dispatch.db"))
    start = time.perf_counter()
    region.init(url, "inner-mongolia", today=TODAY)
    try:
        with db.session(url) as s:
            params = books.plan_params(s, start=START)
            base = books.dispatch_problem(s, params, today=TODAY)
            household, need_norms, team_norms = books.need_rules(s)
            counties = s.exec(select(County).order_by(County.adcode)).all()
    finally:
        db.dispose(url)
    rng = np.random.default_rng(seed)
    priority = rng.integers(1, 5, len(counties))
    share = rng.uniform(0.0005, 0.02, len(counties))
    incidents = []
    for n, (county, p, f) in enumerate(zip(counties, priority, share), start=1):
        people = max(1, round(county.population * f))
        wanted = needs.derive_needs(people, household, need_norms, TODAY)
        teams = needs.derive_teams(people, int(p), team_norms)
        incidents.append(IncidentSpec(
            n, f"{county.name} incident", county.adcode, county.lon, county.lat, int(p), people,
            tuple(sorted((k, v) for k, v in wanted.items() if k in base.weight_kg and v > 0)),
            tuple(teams[k] for k in sorted(teams))))
    problem = dataclasses.replace(base, incidents=tuple(incidents))
    return problem, {"setup_s": time.perf_counter() - start}


def national(seed: int, n_depots: int = 2900, n_incidents: int = 1000, n_items: int = 50,
             n_teams: int = 200) -> tuple[DispatchProblem, dict]:
    """A synthetic national-size problem (see the module docstring), seeded."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    n_region = min(31, n_depots)
    n_league = min(round(n_depots * 330 / 2900), n_depots - n_region)
    n_county = n_depots - n_region - n_league

    # depots: provincial centres, leagues around them, counties around the leagues
    prov_lon = rng.uniform(BOX_LON[0] + 4, BOX_LON[1] - 4, n_region)
    prov_lat = rng.uniform(BOX_LAT[0] + 3, BOX_LAT[1] - 3, n_region)
    league_prov = rng.integers(0, n_region, n_league)
    league_lon = _clip(prov_lon[league_prov] + rng.normal(0, 2.0, n_league), BOX_LON)
    league_lat = _clip(prov_lat[league_prov] + rng.normal(0, 1.5, n_league), BOX_LAT)
    county_league = rng.integers(0, max(n_league, 1), n_county)
    county_lon = _clip((league_lon[county_league] if n_league else prov_lon[county_league % n_region])
                       + rng.normal(0, 0.6, n_county), BOX_LON)
    county_lat = _clip((league_lat[county_league] if n_league else prov_lat[county_league % n_region])
                       + rng.normal(0, 0.5, n_county), BOX_LAT)
    rows = ([(f"R{k:02d}", "region", prov_lon[k], prov_lat[k]) for k in range(n_region)]
            + [(f"L{k:04d}", "league", league_lon[k], league_lat[k]) for k in range(n_league)]
            + [(f"C{k:05d}", "county", county_lon[k], county_lat[k]) for k in range(n_county)])
    depots = tuple(DepotSpec(code, f"D{code}", round(float(lon), 4), round(float(lat), 4), level,
                             LEVEL_OUTBOUND_T[level]) for code, level, lon, lat in sorted(rows))

    # items: weights log-uniform 0.5-600 kg, about a third perishable, a need rate per person
    codes = [f"I{k:02d}" for k in range(n_items)]
    weight = np.exp(rng.uniform(math.log(0.5), math.log(600.0), n_items))
    weight_kg = {c: round(float(w), 2) for c, w in zip(codes, weight)}
    perishable = rng.random(n_items) < 0.35
    shelf_days = rng.integers(2, 400, n_items)
    per_person = np.exp(rng.uniform(math.log(0.005), math.log(1.0), n_items))

    # incidents near county depots (where people live), each needing 5-15 items
    team_norms = needs.team_norms(datafiles.region_table(None, "team_norms.csv"))
    anchor = rng.integers(0, n_depots, n_incidents)
    inc_lon = _clip(np.array([depots[a].lon for a in anchor]) + rng.normal(0, 0.3, n_incidents), BOX_LON)
    inc_lat = _clip(np.array([depots[a].lat for a in anchor]) + rng.normal(0, 0.3, n_incidents), BOX_LAT)
    priority = rng.choice(np.arange(1, 5), n_incidents, p=PRIORITY_SHARES)
    people = np.maximum(10, np.rint(rng.lognormal(math.log(2000), 1.0, n_incidents))).astype(int)
    incidents = []
    demand = np.zeros(n_items)
    for n in range(n_incidents):
        chosen = np.sort(rng.choice(n_items, int(rng.integers(5, 16)), replace=False))
        wanted = []
        for k in chosen:
            qty = max(1, math.ceil(people[n] * per_person[k]))
            wanted.append((codes[k], qty))
            demand[k] += qty
        teams = needs.derive_teams(int(people[n]), int(priority[n]), team_norms)
        incidents.append(IncidentSpec(n + 1, f"incident {n + 1}", f"X{n + 1:05d}", round(float(inc_lon[n]), 4),
                                      round(float(inc_lat[n]), 4), int(priority[n]), int(people[n]),
                                      tuple(wanted), tuple(teams[k] for k in sorted(teams))))

    # lots: about half the depot-item pairs hold 1-3 lots; stock of an item ~ its total need
    held = rng.random((n_depots, n_items)) < 0.5
    n_lots = rng.integers(1, 4, (n_depots, n_items)) * held
    level_size = np.array([LEVEL_STOCK[d.level] for d in depots])
    share_of = (level_size[:, None] * n_lots).sum(axis=0)
    lots = []
    serial = 0
    for d, depot in enumerate(depots):
        for k in np.nonzero(n_lots[d])[0]:
            for _ in range(n_lots[d, k]):
                serial += 1
                mean = demand[k] * level_size[d] / max(share_of[k], 1.0)
                qty = int(math.ceil(mean * rng.lognormal(-0.5, 1.0)))
                expires = TODAY + timedelta(days=int(rng.integers(0, shelf_days[k] + 1))) if perishable[k] else None
                lots.append(LotSupply(depot.code, codes[k], f"B{serial:06d}", expires, qty))

    team_sites = [d for d in depots if d.level != "county"]
    kinds = rng.choice(list(TEAM_KINDS), n_teams, p=list(TEAM_KINDS.values()))
    where = rng.integers(0, len(team_sites), n_teams)
    members = rng.integers(20, 61, n_teams)
    rescue = rng.random(n_teams) < 0.4  # relief teams trained in search and rescue
    covers = needs.team_skills(datafiles.region_table(None, "team_skills.csv"))
    skills = [TEAM_SKILLS[str(kinds[k])] + (";search-rescue" if rescue[k] and kinds[k] == "relief" else "")
              for k in range(n_teams)]
    teams = tuple(TeamSpec(f"T{k:03d}", str(kinds[k]), team_sites[where[k]].lon, team_sites[where[k]].lat,
                           int(members[k]), needs.abilities(str(kinds[k]), skills[k], covers))
                  for k in range(n_teams))
    params = PlanParams(nearest=30, start=START)
    problem = DispatchProblem(tuple(incidents), depots, tuple(lots), teams, weight_kg, {}, params)
    return problem, {"setup_s": time.perf_counter() - start}


def _clip(values: np.ndarray, box: tuple[float, float]) -> np.ndarray:
    return np.clip(values, box[0], box[1])


def describe(p: DispatchProblem) -> dict:
    """The size of a problem."""
    levels = {}
    for d in p.depots:
        levels[d.level] = levels.get(d.level, 0) + 1
    return {"incidents": len(p.incidents), "depots": len(p.depots), "depot_levels": levels,
            "items": len({i for inc in p.incidents for i, _ in inc.needs}), "catalogue_items": len(p.weight_kg),
            "lots": len(p.lots), "teams": len(p.teams), "needs": sum(len(i.needs) for i in p.incidents),
            "need_units": sum(q for i in p.incidents for _, q in i.needs),
            "team_requests": sum(ask.teams or 1 for i in p.incidents for ask in i.teams),
            "stock_units": sum(lot.qty for lot in p.lots)}


# --------------------------------------------------------------------- measuring


def call(fn, problem: DispatchProblem, *, trace: bool = False):
    """Run ``fn(problem)``; return (result, wall seconds, tracemalloc peak bytes or None)."""
    gc.collect()
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
    start = time.perf_counter()
    try:
        result = fn(problem)
    finally:
        wall = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if trace else None
        if trace:
            tracemalloc.stop()
    return result, wall, peak


def max_rss_mb() -> float:
    """Maximum resident set size of this process so far, in MB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def same_plan(a, b) -> list[str]:
    """The parts of two plan results that differ (timings aside)."""
    diffs = [part for part in ("shipments", "teams", "unmet", "teams_unmet") if getattr(a, part) != getattr(b, part)]
    for key in ("status", "objective", "bound", "team_objective", "arcs"):
        if getattr(a.solver, key) != getattr(b.solver, key):
            diffs.append(f"solver {key}")
    return diffs


def run_method(name: str, problem: DispatchProblem, runs: int) -> dict:
    """Time ``name`` on ``problem`` ``runs`` times, trace its memory in one more call, and
    check that every call gives the same plan."""
    fn = METHODS[name]
    first, walls, builds, solves, differs = None, [], [], [], set()
    for _ in range(runs):
        result, wall, _ = call(fn, problem)
        info = dataclasses.asdict(result.solver)
        walls.append(wall)
        builds.append(info["build_seconds"])
        solves.append(info["seconds"] if name == "optimal" else max(info["seconds"] - info["build_seconds"], 0.0))
        if first is None:
            first = result
        else:
            differs.update(same_plan(first, result))
        del result
    rss = max_rss_mb()
    traced, _, peak = call(fn, problem, trace=True)
    differs.update(same_plan(first, traced))
    del traced
    info = dataclasses.asdict(first.solver)
    totals = dataclasses.asdict(summary.totals(problem, first))
    row = {"status": info["status"], "method": info["method"], "runs": runs, "wall_s": statistics.median(walls),
           "wall_min_s": min(walls), "build_s": statistics.median(builds), "solve_s": statistics.median(solves),
           "arcs": info["arcs"], "subproblems": info["subproblems"],
           "tracemalloc_peak_mb": peak / 1e6, "max_rss_mb": rss,
           "quality": {k: totals.get(k) for k in QUALITY}, "repeat_differs": sorted(differs)}
    if info.get("objective") is not None:
        row["objective"] = info["objective"]
    return row


def run_instance(name: str, problem: DispatchProblem, setup: dict, runs: int) -> dict:
    figures = {"name": name, "size": describe(problem), **setup}
    travel = []
    for _ in range(runs):
        gc.collect()
        net = network(problem)
        travel.append(net.seconds)
        figures["candidate_pairs"] = int(len(net.pair_depot))
        del net
    figures["travel_s"] = statistics.median(travel)
    figures["methods"] = {m: run_method(m, problem, runs) for m in METHODS}
    figures["max_rss_mb"] = max_rss_mb()
    return figures


def run_outbound(problem: DispatchProblem) -> dict:
    coupled = dataclasses.replace(problem, params=dataclasses.replace(problem.params, outbound=True))
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)  # HiGHS prints its banner on standard output; keep that clean for --json
    try:
        result, wall, _ = call(optimal, coupled)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    info = dataclasses.asdict(result.solver)
    totals = dataclasses.asdict(summary.totals(coupled, result))
    return {"status": info["status"], "method": info["method"], "wall_s": wall, "build_s": info["build_seconds"],
            "solve_s": info["seconds"], "arcs": info["arcs"], "objective": info["objective"], "bound": info["bound"],
            "quality": {k: totals.get(k) for k in QUALITY}}


def profile(problem: DispatchProblem, top: int) -> dict:
    """cProfile of each method on ``problem``: its ``top`` functions by cumulative and by own time."""
    out = {}
    for name, fn in METHODS.items():
        profiler = cProfile.Profile()
        gc.collect()
        start = time.perf_counter()
        profiler.enable()
        fn(problem)
        profiler.disable()
        seconds = time.perf_counter() - start
        stats = pstats.Stats(profiler)
        rows = []
        for (file, line, func), (_, calls, own, cumulative, _) in stats.stats.items():
            where = Path(file)
            place = f"{where.parent.name}/{where.name}:{line}" if line else file
            rows.append({"function": f"{place}({func})", "calls": calls, "own_s": own, "cumulative_s": cumulative})
        out[name] = {"seconds": seconds,
                     "by_cumulative": sorted(rows, key=lambda r: r["cumulative_s"], reverse=True)[:top],
                     "by_own": sorted(rows, key=lambda r: r["own_s"], reverse=True)[:top]}
    return out


# --------------------------------------------------------------------- report


def failures_of(figures: dict) -> list[str]:
    out = []
    for inst in figures["instances"]:
        opt = inst["methods"].get("optimal")
        if opt is None:
            continue
        if opt["status"] != "optimal":
            out.append(f"{inst['name']}: the optimal method's status is {opt['status']!r}, not 'optimal'")
        if opt["repeat_differs"]:
            out.append(f"{inst['name']}: optimal runs on the same input differ in {', '.join(opt['repeat_differs'])}")
    return out


def targets_of(figures: dict) -> list[dict]:
    out = []
    for inst in figures["instances"]:
        opt = inst["methods"].get("optimal")
        if opt is None:
            continue
        if inst["name"] == "im":
            out.append({"what": "Inner Mongolia, optimal solve time", "seconds": opt["solve_s"],
                        "target_s": TARGET_IM_SOLVE_S, "met": opt["solve_s"] < TARGET_IM_SOLVE_S})
        else:
            out.append({"what": "national, optimal wall time (travel matrix included)", "seconds": opt["wall_s"],
                        "target_s": TARGET_NATIONAL_WALL_S, "met": opt["wall_s"] <= TARGET_NATIONAL_WALL_S})
    return out


TITLES = {"im": "Inner Mongolia default, one incident per county", "national": "synthetic national instance"}
ROWS = (
    ("status", "status", "{}"),
    ("wall s (whole call)", "wall_s", "{:.3f}"),
    ("  fastest run s", "wall_min_s", "{:.3f}"),
    ("  build s (reported)", "build_s", "{:.3f}"),
    ("  solve s", "solve_s", "{:.3f}"),
    ("arcs", "arcs", "{:,}"),
    ("tracemalloc peak MB", "tracemalloc_peak_mb", "{:.1f}"),
    ("max RSS MB (process)", "max_rss_mb", "{:.0f}"),
    ("shortfall penalty (objective 1)", "shortfall_penalty", "{:,.0f}"),
    ("weighted unmet", "weighted_unmet", "{:,}"),
    ("weighted unmet units", "weighted_unmet_units", "{:,}"),
    ("worst fill", "worst_fill", "{:.4f}"),
    ("fill", "fill", "{:.4f}"),
    ("weighted fill", "weighted_fill", "{:.4f}"),
    ("tonne-km", "tonne_km", "{:,.1f}"),
    ("unmet units", "unmet_units", "{:,}"),
    ("shipment lines", "shipment_lines", "{:,}"),
    ("team requests uncovered", "team_requests_uncovered", "{:,}"),
)


def report(f: dict) -> None:
    print(f"dispatch benchmark, seed {f['seed']}, start {f['start']}, medians of {f['runs']} run(s) "
          f"(Python {f['python']})")
    for inst in f["instances"]:
        size = inst["size"]
        levels = ", ".join(f"{v:,} {k}" for k, v in size["depot_levels"].items())
        print(f"\n{TITLES[inst['name']]}: {size['incidents']:,} incidents, {size['depots']:,} depots ({levels}), "
              f"{size['items']} items needed, {size['lots']:,} lots, {size['teams']} teams")
        print(f"  {size['needs']:,} needs for {size['need_units']:,} units (stock {size['stock_units']:,} units), "
              f"{size['team_requests']:,} team requests; {inst['candidate_pairs']:,} candidate depot-incident pairs")
        print(f"  set-up {inst['setup_s']:.2f} s, travel matrix (network) {inst['travel_s']:.3f} s")
        methods = list(inst["methods"])
        print(f"  {'':26}" + "".join(f"{m:>14}" for m in methods))
        for label, key, fmt in ROWS:
            cells = []
            for m in methods:
                row = inst["methods"][m]
                value = row["quality"][key] if key in row["quality"] else row.get(key)
                cells.append(fmt.format(value) if value is not None else "-")
            print(f"  {label:26}" + "".join(f"{c:>14}" for c in cells))
        for m, row in inst["methods"].items():
            differs = row["repeat_differs"]
            print(f"  {m}, {row['runs'] + 1} runs on the same input: "
                  f"{'identical plans' if not differs else 'DIFFERENT (' + ', '.join(differs) + ')'}")
        if inst.get("outbound"):
            o = inst["outbound"]
            print(f"  with depot outbound tonnage (coupled MIP): status {o['status']}, wall {o['wall_s']:.3f} s "
                  f"(build {o['build_s']:.3f} s, solve {o['solve_s']:.3f} s), {o['arcs']:,} arcs, "
                  f"weighted unmet {o['quality']['weighted_unmet']:,}, worst fill {o['quality']['worst_fill']:.4f}, "
                  f"tonne-km {o['quality']['tonne_km']:,.1f}")
        if inst.get("profile"):
            for m, prof in inst["profile"].items():
                print(f"  profile of {m} ({prof['seconds']:.2f} s under cProfile), by cumulative s "
                      "(cumulative s, own s, calls):")
                for r in prof["by_cumulative"]:
                    print(f"    {r['cumulative_s']:7.3f} {r['own_s']:7.3f} {r['calls']:>10,}  {r['function']}")
                print(f"  profile of {m}, by own s:")
                for r in prof["by_own"]:
                    print(f"    {r['cumulative_s']:7.3f} {r['own_s']:7.3f} {r['calls']:>10,}  {r['function']}")
    if f["targets"]:
        print()
    for t in f["targets"]:
        print(f"target: {t['what']} {t['seconds']:.3f} s, aim under {t['target_s']:g} s: "
              f"{'met' if t['met'] else 'NOT MET'}")
    for failure in f["failures"]:
        print(f"FAIL: {failure}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Time the dispatch planner (optimal vs greedy) on two instances.")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--seed", type=int, default=20270115, help="seed of the instance generators")
    parser.add_argument("--scale", choices=("im", "national", "both"), default="both",
                        help="which instance(s) to run (default both)")
    parser.add_argument("--runs", type=int, default=3,
                        help="timed calls of each method; medians are reported (default 3)")
    parser.add_argument("--outbound", action="store_true",
                        help="also plan Inner Mongolia with depot outbound tonnage enforced (coupled MIP)")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="also profile each method with cProfile and show its N costliest functions")
    parser.add_argument("--depots", type=int, default=2900, help="depots of the national instance (default 2900)")
    parser.add_argument("--incidents", type=int, default=1000, help="incidents of the national instance (default 1000)")
    parser.add_argument("--items", type=int, default=50, help="items of the national instance (default 50)")
    parser.add_argument("--teams", type=int, default=200, help="teams of the national instance (default 200)")
    opts = parser.parse_args()
    if min(opts.depots, opts.incidents, opts.teams, opts.runs) < 1 or opts.items < 15:
        parser.error("--depots, --incidents, --teams and --runs must be 1 or more, --items 15 or more")

    figures: dict = {"seed": opts.seed, "runs": opts.runs, "start": START.isoformat(timespec="minutes"),
                     "python": sys.version.split()[0], "instances": []}
    if opts.scale in ("im", "both"):
        with tempfile.TemporaryDirectory(prefix="relief-bench-") as tmp:
            problem, setup = inner_mongolia(opts.seed, tmp)
        inst = run_instance("im", problem, setup, opts.runs)
        if opts.outbound:
            inst["outbound"] = run_outbound(problem)
        if opts.profile:
            inst["profile"] = profile(problem, opts.profile)
        figures["instances"].append(inst)
        del problem
    if opts.scale in ("national", "both"):
        problem, setup = national(opts.seed, opts.depots, opts.incidents, opts.items, opts.teams)
        inst = run_instance("national", problem, setup, opts.runs)
        if opts.profile:
            inst["profile"] = profile(problem, opts.profile)
        figures["instances"].append(inst)
        del problem
    figures["targets"] = targets_of(figures)
    figures["failures"] = failures_of(figures)
    if opts.json:
        print(json.dumps(figures, indent=2))
    else:
        report(figures)
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
