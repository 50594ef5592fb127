"""Dispatch benchmark: how fast the planner is, stage by stage, and how good its plans are.

It measures the planner of ``relief dispatch plan``, which plans supplies time first over
the whole network (``relief.routing.core.optimize.optimal``: per item a lexicographic
min-cost flow, ``routing.core.lexflow``), then teams (``routing.core.teams``, CP-SAT), then
puts the shipments on trucks (``routing.core.trucks``, called by ``routing.core.methods.solve``),
on two instances:

* ``im``: the Inner Mongolia default (``relief init`` into a temporary SQLite file:
  93 depots, 26 items, the sample opening stock, the ready teams and the region's fleet)
  with one incident in every county, at the county's centre. Priorities 1-4 are drawn by
  a seeded generator, people displaced are 0.05-2 % of the county's population, needs and
  team requests follow the region's norms for a winter day (``routing.needs``). The
  incidents are written as a CSV (name, lon, lat, people, priority, needs, teams) and
  registered with ``relief incident import``; the problem is then read once from that
  database (``routing.books.dispatch_problem``, parameters of ``routing.books.plan_params``:
  start 2027-01-15 08:00, the whole network), so that only the planner is timed.
* ``national``: a synthetic instance of national size, seeded: 2,900 depots (31 at
  region, about 330 at league, the rest at county level) clustered around 31
  provincial centres in a China-sized box (lon 75-134, lat 18-53), 50 items of
  0.5-600 kg (some perishable, with expiry dates), one to three lots in about half the
  depot-item pairs with lognormal quantities (total stock about equal to total need),
  1,000 incidents near county depots needing 5-15 items each, and 200 teams (relief,
  medical, psych; 20-60 people, four in ten relief teams trained in search and rescue)
  whose requests follow ``data/team_norms.csv``. Every arc within 12 h is allowed
  (``max_hours=12``, no ``nearest`` restriction); depots have no fleet of their own, so
  they hire the default lorries.

For each instance it reports (times are medians of ``--runs`` calls, 3 by default,
measured with ``time.perf_counter``):

* the whole command (``im`` only): ``relief dispatch plan --db sqlite:///<db> --start
  2027-01-15T08:00 --json`` run as a subprocess with its output to ``/dev/null``
  (interpreter start-up, imports, reading the books, planning with trucks, saving the
  draft plan and printing it);
* the optimal plan of the whole network stage by stage, as ``optimize.optimal`` runs
  them: the travel matrix (``candidates.network``), the arcs of every item
  (``candidates.item_arcs``), the supplies solve (``lexflow.solve_items``, wall time: on
  a large instance its items are solved in two processes, so the ``seconds`` the plan
  reports, summed over items, run higher), whether every item was proven optimal, and
  the team assignment (``teams.assign_teams``) with its own status: CP-SAT may stop at
  its limit on a large instance with a good assignment not proven optimal, which is
  reported but is no failure of the benchmark; the reading of the flows back into
  shipment lines (``optimize._read_back``) is counted with the supplies;
* side by side on the same incidents, three plans: ``optimal`` (the whole network),
  ``greedy`` (the rule of thumb) and ``nearest30`` (the optimal plan restricted to each
  incident's 30 nearest depots and the region depots, ``PlanParams.nearest=30``): the
  wall time of ``methods.solve(problem, method, trucks=False)`` (and the fastest call),
  the build and solver seconds it reports, the truck stage (``trucks.load_trucks`` on
  that plan, as ``methods.solve`` runs it: on for ``im``, for ``national`` only with
  ``--trucks``, as it takes tens of seconds there; it is timed once for ``national``),
  arcs, the tracemalloc peak of one more, traced call (Python and numpy allocations;
  memory held inside OR-Tools' C++ solvers is not traced) and the process's maximum
  resident set size so far (``ru_maxrss``); then, from ``routing.core.summary.totals``
  of the plan with its trucks (without trucks, arrival times are the direct trips):
  the shortfall penalty (priority weight x need x squared unmet share, summed: what the
  optimizer minimises first, but counting late units as sent), fill within 12 h and
  24 h, fill, worst incident fill, priority-weighted fill, the times by which half and
  nine tenths of the units arrive, tonne-km, trucks, truck-km, unmet units,
  priority-weighted unmet, and the team requests and people uncovered;
* whether every call of a method on the same input (the timed ones and the traced one,
  and the truck stage where it runs more than once) gives the same plan.

With ``--profile N`` it also runs each method once more under cProfile and lists its N
costliest functions by cumulative and by own time (cProfile adds overhead to every
Python call, so these seconds run high).

The exit status is 1 when the supplies of the optimal plan of the whole network are not
proven optimal, or when calls of a method on the same input give different plans (a
difference in the teams only is not counted when the team search was cut short by its
limits, one of which is wall-clock time and so depends on the machine's load; it is
reported). Stated targets (reported, not enforced, as they depend on the machine): for
Inner Mongolia, the whole ``relief dispatch plan`` command under 2 s and the supplies
solve under 0.1 s; for the national instance, the optimal plan without trucks, travel
matrix included, under 3 s (checked for the ``optimal`` call, teams included, and for
its supplies alone).

Run it from the project folder, once ``make test`` (or ``make bench``) has made the venv::

    .venv/bin/python bench/dispatch.py                      # both instances
    .venv/bin/python bench/dispatch.py --scale im           # Inner Mongolia only
    .venv/bin/python bench/dispatch.py --scale national --trucks        # with the truck stage (minutes)
    .venv/bin/python bench/dispatch.py --scale national --profile 25    # where the time goes
    .venv/bin/python bench/dispatch.py --seed 7 --json      # another draw, figures as JSON
    .venv/bin/python bench/dispatch.py --runs 5             # more timed calls per method
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import dataclasses
import gc
import json
import math
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlmodel import select

from relief.depot import datafiles, db
from relief.depot.models import County
from relief.routing import books
from relief.routing.core import lexflow, methods, needs, optimize, solver, summary
from relief.routing.core.candidates import item_arcs, network
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams, TeamSpec
from relief.routing.core.results import Method
from relief.routing.core.teams import assign_teams
from relief.routing.core.travel import TravelParams
from relief.routing.core.trucks import load_trucks

TODAY = date(2027, 1, 15)
START = datetime(2027, 1, 15, 8, 0)
NEAREST = 30
METHODS = {"optimal": (Method.OPTIMAL, None), "greedy": (Method.GREEDY, None),
           f"nearest{NEAREST}": (Method.OPTIMAL, NEAREST)}
NATIONAL_MAX_HOURS = 12.0
TARGET_IM_COMMAND_S = 2.0
TARGET_IM_SUPPLIES_S = 0.1
TARGET_NATIONAL_PLAN_S = 3.0
BOX_LON, BOX_LAT = (75.0, 134.0), (18.0, 53.0)
TEAM_KINDS = {"relief": 0.5, "medical": 0.35, "psych": 0.15}
TEAM_SKILLS = {"relief": "shelter;distribution", "medical": "first-aid", "psych": "psychosocial;first-aid"}
PRIORITY_SHARES = (0.1, 0.2, 0.3, 0.4)
LEVEL_STOCK = {"region": 20.0, "league": 5.0, "county": 1.0}
LEVEL_OUTBOUND_T = {"region": 400.0, "league": 120.0, "county": 30.0}
QUALITY = ("shortfall_penalty", "fill_12h", "fill_24h", "fill", "worst_fill", "weighted_fill", "t50_minutes",
           "t90_minutes", "tonne_km", "trucks", "truck_km", "unmet_units", "weighted_unmet", "shipment_lines",
           "teams_sent", "team_requests_uncovered", "team_people_uncovered")
SUPPLY_PARTS = ("shipments", "unmet")
TEAM_PARTS = ("teams", "teams_unmet")


# --------------------------------------------------------------------- instances


def relief_command() -> str:
    """The ``relief`` command of this interpreter's environment."""
    path = Path(sys.executable).parent / "relief"
    if not path.exists():
        sys.exit(f"no relief command next to {sys.executable}; run this with the project's .venv/bin/python")
    return str(path)


def cli(*args: str) -> float:
    """Run ``relief ARGS`` (today being the benchmark's day), output discarded; returns its wall seconds.
    Exits naming the command and its error output when it fails."""
    env = {**os.environ, "RELIEF_TODAY": TODAY.isoformat()}
    start = time.perf_counter()
    done = subprocess.run([relief_command(), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"relief {' '.join(args)} failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}")
    return wall


def inner_mongolia(seed: int, folder: str) -> tuple[DispatchProblem, dict]:
    """The Inner Mongolia default with one incident per county, registered with ``relief
    incident import`` in a database made by ``relief init`` in ``folder``; returns the
    problem read from it and the set-up figures (with the database URL)."""
    url = f"sqlite:///{Path(folder) / 'dispatch.db'}"
    start = time.perf_counter()
    init_s = cli("init", "--db", url)
    try:
        with db.session(url) as s:
            household, need_norms, team_norms = books.need_rules(s)
            months = books.winter_months(s)
            counties = s.exec(select(County).order_by(County.adcode)).all()
    finally:
        db.dispose(url)
    rng = np.random.default_rng(seed)
    priority = rng.integers(1, 5, len(counties))
    share = rng.uniform(0.0005, 0.02, len(counties))
    incidents = Path(folder) / "incidents.csv"
    with incidents.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["name", "lon", "lat", "people", "priority", "needs", "teams"])
        for county, p, f in zip(counties, priority, share):
            people = max(1, round(county.population * f))
            wanted = needs.derive_needs(people, household, need_norms, TODAY, months)
            teams = needs.derive_teams(people, int(p), team_norms)
            out.writerow([f"{county.name} incident", county.lon, county.lat, people, int(p),
                          ";".join(f"{k}={v}" for k, v in sorted(wanted.items())),
                          ";".join(needs.team_request_text(k, t.teams, t.people) for k, t in sorted(teams.items()))])
    import_s = cli("incident", "import", str(incidents), "--db", url)
    try:
        with db.session(url) as s:
            params = books.plan_params(s, start=START)
            problem = books.dispatch_problem(s, params, today=TODAY)
    finally:
        db.dispose(url)
    return problem, {"setup_s": time.perf_counter() - start, "init_s": init_s, "import_s": import_s, "url": url}


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
    params = PlanParams(TravelParams(max_hours=NATIONAL_MAX_HOURS), nearest=None, start=START)
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
            "stock_units": sum(lot.qty for lot in p.lots), "max_hours": p.params.travel.max_hours,
            "vehicle_types": len(p.vehicles), "fleet_entries": len(p.fleet)}


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
    diffs = [part for part in SUPPLY_PARTS + TEAM_PARTS + ("trucks",) if getattr(a, part) != getattr(b, part)]
    for key in ("status", "objective", "bound", "team_objective", "arcs"):
        if getattr(a.solver, key) != getattr(b.solver, key):
            diffs.append(f"solver {key}")
    return diffs


def variant(problem: DispatchProblem, name: str) -> DispatchProblem:
    """``problem`` as method ``name`` plans it (``nearest30``: restricted to the nearest depots)."""
    nearest = METHODS[name][1]
    return problem if nearest is None else \
        dataclasses.replace(problem, params=dataclasses.replace(problem.params, nearest=nearest))


def planner(name: str):
    """A function planning a problem with method ``name``, without the truck stage."""
    method = METHODS[name][0]
    return lambda p: methods.solve(p, method, trucks=False)


def run_cli(url: str, runs: int) -> dict:
    """Time the whole ``relief dispatch plan`` command ``runs`` times on the database at ``url``."""
    args = ("dispatch", "plan", "--db", url, "--start", START.isoformat(timespec="minutes"), "--json")
    walls = [cli(*args) for _ in range(runs)]
    return {"command": "relief " + " ".join(args).replace(url, "sqlite:///<db>") + " > /dev/null",
            "runs": runs, "wall_s": statistics.median(walls), "wall_min_s": min(walls)}


def run_stages(problem: DispatchProblem, runs: int) -> dict:
    """The optimal plan of the whole network stage by stage, as ``optimize.optimal`` runs
    them (travel matrix, arcs, supplies solve, read-back, teams), ``runs`` times; medians."""
    region = np.array([d.level == "region" for d in problem.depots], bool)
    items = sorted({item for inc in problem.incidents for item, _ in inc.needs})
    times: dict[str, list[float]] = {"travel_s": [], "arcs_s": [], "supplies_s": [], "read_back_s": [],
                                     "teams_s": []}
    solved, team_status = True, set()
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        net = network(problem)
        travel = time.perf_counter()
        arcs = [item_arcs(problem, net, item) for item in items]
        built = time.perf_counter()
        plans = lexflow.solve_items([(a, problem.window(a.item), region[a.src_depot] if len(a.src_depot) else None)
                                     for a in arcs])
        supplied = time.perf_counter()
        optimize._read_back(problem, arcs, plans)
        read = time.perf_counter()
        _, _, team = assign_teams(problem, net)
        teamed = time.perf_counter()
        for key, seconds in zip(times, (travel - start, built - travel, supplied - built, read - supplied,
                                        teamed - read)):
            times[key].append(seconds)
        solved &= all(plan.solved for plan in plans)
        team_status.add(team.status.value)
        figures = {"items": len(items), "arcs_allowed": int(sum(len(a.tail) for a in arcs)),
                   "arcs_solved": int(sum(plan.arcs for plan in plans)),
                   "rounds": max((plan.rounds for plan in plans), default=0),
                   "parallel": int(sum(len(a.tail) for a in arcs)) >= lexflow.PARALLEL_ARCS,
                   "item_seconds": sum(plan.seconds for plan in plans), "team_cpsat_s": team.seconds}
        del net, arcs, plans
    out = {key: statistics.median(values) for key, values in times.items()}
    out["supplies_min_s"] = min(times["supplies_s"])
    out["plan_s"] = out["travel_s"] + out["arcs_s"] + out["supplies_s"] + out["read_back_s"]
    out.update(figures)
    out["supplies_status"] = solver.OPTIMAL.value if solved else "not proven optimal"
    out["team_status"] = "/".join(sorted(team_status))
    return out


def run_method(name: str, problem: DispatchProblem, runs: int, trucks: int) -> dict:
    """Time ``name`` on ``problem`` ``runs`` times (without the truck stage), trace its
    memory in one more call, then run the truck stage on its plan ``trucks`` times (0:
    not at all); check that every call gives the same plan."""
    fn = planner(name)
    problem = variant(problem, name)
    first, walls, builds, solves, differs, team_cut = None, [], [], [], set(), False
    for _ in range(runs):
        result, wall, _ = call(fn, problem)
        info = dataclasses.asdict(result.solver)
        walls.append(wall)
        builds.append(info["build_seconds"])
        solves.append(info["seconds"] if METHODS[name][0] is Method.OPTIMAL
                      else max(info["seconds"] - info["build_seconds"], 0.0))
        team_cut |= result.solver.status == solver.FEASIBLE
        if first is None:
            first = result
        else:
            differs.update(same_plan(first, result))
        del result
    rss = max_rss_mb()
    traced, _, peak = call(fn, problem, trace=True)
    team_cut |= traced.solver.status == solver.FEASIBLE
    differs.update(same_plan(first, traced))
    del traced
    info = dataclasses.asdict(first.solver)
    truck_walls, planned = [], first
    for _ in range(trucks):
        loaded, wall, _ = call(lambda p: load_trucks(p, first), problem)
        truck_walls.append(wall)
        if planned is first:
            planned = loaded
        else:
            differs.update(same_plan(planned, loaded))
    totals = dataclasses.asdict(summary.totals(problem, planned))
    if not trucks:
        totals["trucks"] = totals["truck_km"] = None
    row = {"status": first.solver.status.value, "method": info["method"], "proven_optimal": info["proven_optimal"],
           "proof": info["proof"], "restriction": info["restriction"], "runs": runs,
           "wall_s": statistics.median(walls), "wall_min_s": min(walls), "build_s": statistics.median(builds),
           "solve_s": statistics.median(solves), "truck_runs": trucks,
           "truck_s": statistics.median(truck_walls) if truck_walls else None,
           "arcs": info["arcs"], "subproblems": info["subproblems"],
           "tracemalloc_peak_mb": peak / 1e6, "max_rss_mb": rss,
           "quality": {k: totals.get(k) for k in QUALITY}, "repeat_differs": sorted(differs),
           "team_search_cut_short": team_cut}
    if info.get("objective") is not None:
        row["objective"] = info["objective"]
    return row


def run_instance(name: str, problem: DispatchProblem, setup: dict, runs: int, trucks: int) -> dict:
    figures = {"name": name, "size": describe(problem), **{k: v for k, v in setup.items() if k != "url"}}
    figures["candidate_pairs"] = int(len(network(problem).pair_depot))
    figures["stages"] = run_stages(problem, runs)
    figures["methods"] = {m: run_method(m, problem, runs, trucks) for m in METHODS}
    figures["stages"]["truck_s"] = figures["methods"]["optimal"]["truck_s"]
    figures["max_rss_mb"] = max_rss_mb()
    return figures


def profile(problem: DispatchProblem, top: int) -> dict:
    """cProfile of each method on ``problem`` (without trucks): its ``top`` functions by cumulative and by own time."""
    out = {}
    for name in METHODS:
        fn, planned = planner(name), variant(problem, name)
        profiler = cProfile.Profile()
        gc.collect()
        start = time.perf_counter()
        profiler.enable()
        fn(planned)
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
        stages = inst["stages"]
        if stages["supplies_status"] != solver.OPTIMAL.value:
            out.append(f"{inst['name']}: the supplies of the optimal plan are {stages['supplies_status']}")
        for name, row in inst["methods"].items():
            differs = row["repeat_differs"]
            if row["team_search_cut_short"]:
                differs = [d for d in differs if d not in TEAM_PARTS and d not in ("solver status", "solver bound",
                                                                                   "solver team_objective")]
            if differs:
                out.append(f"{inst['name']}: {name} calls on the same input differ in {', '.join(differs)}")
    return out


def targets_of(figures: dict) -> list[dict]:
    out = []
    for inst in figures["instances"]:
        stages = inst["stages"]
        if inst["name"] == "im":
            if inst.get("cli"):
                out.append({"what": "Inner Mongolia, relief dispatch plan end to end", "seconds": inst["cli"]["wall_s"],
                            "target_s": TARGET_IM_COMMAND_S})
            out.append({"what": "Inner Mongolia, supplies solve of the optimal plan (whole network)",
                        "seconds": stages["supplies_s"], "target_s": TARGET_IM_SUPPLIES_S})
        else:
            out.append({"what": "national, optimal plan without trucks (travel matrix and teams included)",
                        "seconds": inst["methods"]["optimal"]["wall_s"], "target_s": TARGET_NATIONAL_PLAN_S})
            out.append({"what": "national, optimal supplies without teams (travel matrix, arcs, solve, read-back)",
                        "seconds": stages["plan_s"], "target_s": TARGET_NATIONAL_PLAN_S})
    for t in out:
        t["met"] = t["seconds"] < t["target_s"]
    return out


TITLES = {"im": "Inner Mongolia default, one incident per county", "national": "synthetic national instance"}
ROWS = (
    ("status", "status", "{}"),
    ("proven optimal", "proven_optimal", "{}"),
    ("plan wall s (no trucks)", "wall_s", "{:.3f}"),
    ("  fastest run s", "wall_min_s", "{:.3f}"),
    ("  build s (reported)", "build_s", "{:.3f}"),
    ("  solver s (reported)", "solve_s", "{:.3f}"),
    ("truck stage s", "truck_s", "{:.3f}"),
    ("arcs", "arcs", "{:,}"),
    ("tracemalloc peak MB", "tracemalloc_peak_mb", "{:.1f}"),
    ("max RSS MB (process)", "max_rss_mb", "{:.0f}"),
    ("shortfall penalty", "shortfall_penalty", "{:,.0f}"),
    ("fill within 12 h", "fill_12h", "{:.4f}"),
    ("fill within 24 h", "fill_24h", "{:.4f}"),
    ("fill", "fill", "{:.4f}"),
    ("worst incident fill", "worst_fill", "{:.4f}"),
    ("weighted fill", "weighted_fill", "{:.4f}"),
    ("half the units by, min", "t50_minutes", "{:,}"),
    ("90 % of units by, min", "t90_minutes", "{:,}"),
    ("tonne-km", "tonne_km", "{:,.1f}"),
    ("trucks", "trucks", "{:,}"),
    ("truck-km", "truck_km", "{:,.1f}"),
    ("unmet units", "unmet_units", "{:,}"),
    ("weighted unmet", "weighted_unmet", "{:,}"),
    ("shipment lines", "shipment_lines", "{:,}"),
    ("team requests uncovered", "team_requests_uncovered", "{:,}"),
    ("team people uncovered", "team_people_uncovered", "{:,}"),
)


def report(f: dict) -> None:
    print(f"dispatch benchmark, seed {f['seed']}, start {f['start']}, medians of {f['runs']} run(s) "
          f"(Python {f['python']}, {f['cpus']} CPUs, load average {f['load']})")
    for inst in f["instances"]:
        size = inst["size"]
        levels = ", ".join(f"{v:,} {k}" for k, v in size["depot_levels"].items())
        within = f"arcs within {size['max_hours']:g} h" if size["max_hours"] else "every arc"
        print(f"\n{TITLES[inst['name']]}: {size['incidents']:,} incidents, {size['depots']:,} depots ({levels}), "
              f"{size['items']} items needed, {size['lots']:,} lots, {size['teams']} teams")
        print(f"  {size['needs']:,} needs for {size['need_units']:,} units (stock {size['stock_units']:,} units), "
              f"{size['team_requests']:,} team requests; {inst['candidate_pairs']:,} candidate depot-incident pairs "
              f"({within})")
        if inst["name"] == "im":
            print(f"  set-up {inst['setup_s']:.2f} s: relief init {inst['init_s']:.2f} s, "
                  f"relief incident import {inst['import_s']:.2f} s")
        else:
            print(f"  set-up {inst['setup_s']:.2f} s (in memory)")
        if inst.get("cli"):
            c = inst["cli"]
            print(f"  whole command, {c['command']}: {c['wall_s']:.3f} s (fastest {c['wall_min_s']:.3f} s, "
                  f"{c['runs']} run(s))")
        s = inst["stages"]
        trucks = f"{s['truck_s']:.3f} s" if s["truck_s"] is not None else "not run (--trucks)"
        print(f"  optimal plan of the whole network by stage: travel matrix {s['travel_s']:.3f} s, "
              f"arcs {s['arcs_s']:.3f} s, supplies solve {s['supplies_s']:.3f} s "
              f"(fastest {s['supplies_min_s']:.3f} s), read-back {s['read_back_s']:.3f} s: "
              f"supplies {s['plan_s']:.3f} s;")
        print(f"    supplies: {s['supplies_status']}, {s['items']} items, {s['arcs_solved']:,} of "
              f"{s['arcs_allowed']:,} arcs priced in, at most {s['rounds']} round(s), "
              f"{'two processes' if s['parallel'] else 'one process'} ({s['item_seconds']:.3f} s summed over items)")
        print(f"    teams (CP-SAT): {s['teams_s']:.3f} s, status {s['team_status']}; truck stage {trucks}")
        methods_ = list(inst["methods"])
        print(f"  {'':26}" + "".join(f"{m:>15}" for m in methods_))
        for label, key, fmt in ROWS:
            cells = []
            for m in methods_:
                row = inst["methods"][m]
                value = row["quality"][key] if key in row["quality"] else row.get(key)
                cells.append(fmt.format(value) if value is not None else "-")
            print(f"  {label:26}" + "".join(f"{c:>15}" for c in cells))
        if inst["methods"]["optimal"]["truck_s"] is None:
            print("  (no truck stage: arrival times are those of the direct trips)")
        for m, row in inst["methods"].items():
            differs = row["repeat_differs"]
            trucked = f", truck stage {row['truck_runs']} run(s)" if row["truck_runs"] else ""
            cut = "; team search cut short by its limit" if row["team_search_cut_short"] else ""
            print(f"  {m}, {row['runs'] + 1} runs on the same input{trucked}: "
                  f"{'identical plans' if not differs else 'DIFFERENT (' + ', '.join(differs) + ')'}{cut}")
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
        verdict = "met" if t["met"] else f"NOT MET by {t['seconds'] - t['target_s']:.3f} s"
        print(f"target: {t['what']} {t['seconds']:.3f} s, aim under {t['target_s']:g} s: {verdict}")
    for failure in f["failures"]:
        print(f"FAIL: {failure}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Time the dispatch planner (optimal, greedy, nearest-30) "
                                                 "on two instances.")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--seed", type=int, default=20270115, help="seed of the instance generators")
    parser.add_argument("--scale", choices=("im", "national", "both"), default="both",
                        help="which instance(s) to run (default both)")
    parser.add_argument("--runs", type=int, default=3,
                        help="timed calls of each method and stage; medians are reported (default 3)")
    parser.add_argument("--trucks", action="store_true",
                        help="also run the truck stage on the national plans (tens of seconds per plan)")
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
                     "python": sys.version.split()[0], "cpus": os.cpu_count(),
                     "load": ", ".join(f"{v:.2f}" for v in os.getloadavg()), "instances": []}
    if opts.scale in ("im", "both"):
        with tempfile.TemporaryDirectory(prefix="relief-bench-") as tmp:
            problem, setup = inner_mongolia(opts.seed, tmp)
            inst = run_instance("im", problem, setup, opts.runs, opts.runs)
            inst["cli"] = run_cli(setup["url"], opts.runs)
        if opts.profile:
            inst["profile"] = profile(problem, opts.profile)
        figures["instances"].append(inst)
        del problem
    if opts.scale in ("national", "both"):
        problem, setup = national(opts.seed, opts.depots, opts.incidents, opts.items, opts.teams)
        inst = run_instance("national", problem, setup, opts.runs, 1 if opts.trucks else 0)
        if opts.profile:
            inst["profile"] = profile(problem, opts.profile)
        figures["instances"].append(inst)
        del problem
    figures["load_after"] = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    figures["targets"] = targets_of(figures)
    figures["failures"] = failures_of(figures)
    if opts.json:
        print(json.dumps(figures, indent=2))
    else:
        report(figures)
        print(f"load average at the end: {figures['load_after']}")
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
