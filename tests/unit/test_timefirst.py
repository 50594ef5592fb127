"""Time first: delivery windows, the lexicographic objective, lazy arcs over the whole network.

The optimizer is checked against an independent lexicographic LP written here with
SciPy (HiGHS): the same three tiers solved one after another, each fixed before the
next, on true kilometres (no integer scaling), for heavy and light items alike.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from relief.errors import InvalidFile, InvalidInput
from relief.routing.core import lexflow, summary, windows
from relief.routing.core.optimize import optimal
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams
from relief.routing.core.travel import TravelParams

WEIGHT_KG = {"TENT": 40.0, "WATER": 13.5, "MASK": 0.25, "FAK": 1.0}
PRIORITY_WEIGHT = {1: 8, 2: 4, 3: 2, 4: 1}
EARTH_RADIUS_KM = 6371.0088


def depot(code, lon, lat=40.0, level="county"):
    return DepotSpec(code, "X", lon, lat, level, 1000.0)


def incident(id_, lon, lat=40.0, priority=3, **needs):
    return IncidentSpec(id_, f"incident {id_}", "C", lon, lat, priority, 100, tuple(sorted(needs.items())))


def problem(incidents, depots, lots, *, windows_min=None, table=None, nearest=None, max_hours=None):
    travel = TravelParams(max_hours=max_hours, table=table or {})
    return DispatchProblem(tuple(incidents), tuple(depots), tuple(LotSupply(d, i, "L", None, q) for d, i, q in lots),
                           (), dict(WEIGHT_KG), {}, PlanParams(travel=travel, nearest=nearest),
                           window_min=dict(windows_min or {}))


def great_circle_km(lon1, lat1, lon2, lat2) -> float:
    p1, p2, dp, dl = map(math.radians, (lat1, lat2, lat2 - lat1, lon2 - lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def by_depot(result, item=None):
    out = {}
    for line in result.shipments:
        if item is None or line.item == item:
            out[(line.depot, line.incident)] = out.get((line.depot, line.incident), 0) + line.qty
    return out


# --- the order of the objective ----------------------------------------------------------------------------------


def test_need_met_within_its_window_comes_before_tonne_km():
    # NEAR is 40 km away but its road is measured at 15 h; FAR is 200 km away and 4 h.
    p = problem([incident(1, 111.0, WATER=10)], [depot("NEAR", 111.5), depot("FAR", 113.3)],
                [("NEAR", "WATER", 10), ("FAR", "WATER", 10)], windows_min={"WATER": 720},
                table={("NEAR", "C"): 900})
    assert by_depot(optimal(p)) == {("FAR", 1): 10}


def test_need_delivered_late_beats_need_not_delivered():
    p = problem([incident(1, 111.0, WATER=10)], [depot("SLOW", 111.5)], [("SLOW", "WATER", 10)],
                windows_min={"WATER": 720}, table={("SLOW", "C"): 1200})
    result = optimal(p)
    assert by_depot(result) == {("SLOW", 1): 10} and result.unmet == ()
    assert summary.totals(p, result).fill == 1.0 and summary.totals(p, result).fill_12h == 0.0


def test_less_late_beats_fewer_kilometres():
    p = problem([incident(1, 111.0, WATER=5)], [depot("A", 111.2), depot("B", 112.5)],
                [("A", "WATER", 5), ("B", "WATER", 5)], windows_min={"WATER": 720},
                table={("A", "C"): 1400, ("B", "C"): 800})
    assert by_depot(optimal(p)) == {("B", 1): 5}


def test_within_the_window_tonne_km_decides():
    p = problem([incident(1, 111.0, WATER=5)], [depot("A", 111.2), depot("B", 112.5)],
                [("A", "WATER", 5), ("B", "WATER", 5)], windows_min={"WATER": 720},
                table={("A", "C"): 600, ("B", "C"): 300})
    assert by_depot(optimal(p)) == {("A", 1): 5}


def test_a_shortfall_within_the_window_is_shared_by_priority_not_starving_anyone():
    p = problem([incident(1, 111.0, priority=1, TENT=8), incident(2, 111.1, priority=4, TENT=8)],
                [depot("D", 111.05)], [("D", "TENT", 8)])
    got = by_depot(optimal(p))
    assert got[("D", 1)] > got[("D", 2)] > 0


# --- the whole network, lazily -----------------------------------------------------------------------------------


def random_problem(seed: int, n_depots: int = 14, n_incidents: int = 9) -> DispatchProblem:
    """Depots and incidents scattered over 8 x 5 degrees (so some trips miss a 12 h window),
    four items from 40 kg tents to 0.25 kg boxes of masks, stock short of need."""
    rng = np.random.default_rng(seed)
    depots = [depot(f"D{n:02}", float(rng.uniform(106, 114)), float(rng.uniform(38, 43)),
                    "region" if n == 0 else "county") for n in range(n_depots)]
    lots = [(d.code, item, int(rng.integers(1, 90))) for d in depots for item in WEIGHT_KG if rng.random() < 0.5]
    incidents = [incident(n, float(rng.uniform(106, 114)), float(rng.uniform(38, 43)), int(rng.integers(1, 5)),
                          **{item: int(rng.integers(5, 60)) for item in WEIGHT_KG if rng.random() < 0.8})
                 for n in range(1, n_incidents + 1)]
    return problem(incidents, depots, lots, windows_min={"TENT": 300, "WATER": 240, "MASK": 360, "FAK": 600})


def lexicographic_lp(p: DispatchProblem, item: str) -> tuple[float, float, float]:
    """(tier 1, tier 2, tonne-km) of the time-first optimum of ``item``, solved here as
    three LPs in turn with true kilometres."""
    place = {d.code: d for d in p.depots}
    sources = [s for s in p.lots if s.item == item]
    sinks = [(i, dict(i.needs)[item]) for i in p.incidents if item in dict(i.needs)]
    window = p.window(item)
    arcs = []  # (source index, sink index, km, minutes)
    for a, s in enumerate(sources):
        for b, (inc, _) in enumerate(sinks):
            km = 1.3 * great_circle_km(place[s.depot].lon, place[s.depot].lat, inc.lon, inc.lat)
            arcs.append((a, b, km, int(round(km / 60.0 * 60.0 + 30))))
    n_arc, n_snk, k = len(arcs), len(sinks), 8
    # variables: arc flows, unmet per sink, 8 shortfall segments per sink
    n_var = n_arc + n_snk + n_snk * k
    w = np.array([PRIORITY_WEIGHT[inc.priority] for inc, _ in sinks], float)
    late = np.array([max(0, m - window) for _, _, _, m in arcs], float)
    latest = late.max(initial=0)
    rows, cols, vals = [], [], []
    for n, (a, b, _, m) in enumerate(arcs):  # supply rows 0..S-1, need rows S..S+I-1, gap rows after
        rows += [a, len(sources) + b]
        cols += [n, n]
        vals += [1.0, 1.0]
        if m > window:
            rows.append(len(sources) + n_snk + b)
            cols.append(n)
            vals.append(1.0)
    for b in range(n_snk):
        rows += [len(sources) + b, len(sources) + n_snk + b]
        cols += [n_arc + b, n_arc + b]
        vals += [1.0, 1.0]
        for j in range(k):
            rows.append(len(sources) + n_snk + b)
            cols.append(n_arc + n_snk + b * k + j)
            vals.append(-1.0)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(sources) + 2 * n_snk, n_var))
    demand = np.array([q for _, q in sinks], float)
    lower = np.concatenate([np.full(len(sources), -np.inf), demand, np.zeros(n_snk)])
    upper = np.concatenate([[s.qty for s in sources], demand, np.zeros(n_snk)])
    seg_cap = np.array([[q // k + (j < q % k) for j in range(k)] for q in demand])
    bounds = [(0, None)] * (n_arc + n_snk) + [(0, c) for c in seg_cap.ravel()]
    tier1 = np.concatenate([np.zeros(n_arc + n_snk), (w[:, None] * (2 * np.arange(k) + 1)[None, :]).ravel()])
    tier2 = np.concatenate([w[[b for _, b, _, _ in arcs]] * late if n_arc else [], w * (latest + 1),
                            np.zeros(n_snk * k)])
    tier3 = np.concatenate([[km * WEIGHT_KG[item] / 1000.0 for _, _, km, _ in arcs], np.zeros(n_snk * (k + 1))])
    a_ub = sp.vstack([matrix, -matrix]).tocsr()
    b_ub = np.concatenate([upper, -lower])
    keep = np.isfinite(b_ub)
    a_ub, b_ub = a_ub[keep], b_ub[keep]
    values = []
    for objective in (tier1, tier2, tier3):
        done = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        assert done.status == 0, done.message
        values.append(float(done.fun))
        a_ub = sp.vstack([a_ub, sp.csr_matrix(objective[None, :])]).tocsr()
        b_ub = np.append(b_ub, done.fun + 1e-7 * max(1.0, abs(done.fun)))
    return tuple(values)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_item_matches_an_independent_lexicographic_lp_to_a_tenth_of_a_percent(seed):
    p = random_problem(seed)
    result = optimal(p)
    assert result.solver.proven_optimal and result.solver.proof == "proven optimal over the whole network"
    window_of = {item: p.window(item) for item in WEIGHT_KG}
    for item in WEIGHT_KG:
        if not any(item in dict(i.needs) for i in p.incidents):
            continue
        want1, want2, want_tkm = lexicographic_lp(p, item)
        lines = [ln for ln in result.shipments if ln.item == item]
        on_time = {}
        for ln in lines:
            if ln.minutes <= window_of[item]:
                on_time[ln.incident] = on_time.get(ln.incident, 0) + ln.qty
        got1 = 0.0
        for inc in p.incidents:
            q = dict(inc.needs).get(item)
            if q:
                short = q - on_time.get(inc.id, 0)
                steps = [q // 8 + (j < q % 8) for j in range(8)]
                for j, cap in enumerate(steps):
                    take = min(cap, short)
                    got1 += PRIORITY_WEIGHT[inc.priority] * (2 * j + 1) * take
                    short -= take
        got_tkm = sum(ln.qty * WEIGHT_KG[item] * ln.km for ln in lines) / 1000.0
        weight_of = {inc.id: PRIORITY_WEIGHT[inc.priority] for inc in p.incidents}
        latest = max(max(0, round(1.3 * great_circle_km(d.lon, d.lat, i.lon, i.lat) + 30) - window_of[item])
                     for d in p.depots for i in p.incidents if item in dict(i.needs)
                     and any(s.depot == d.code and s.item == item for s in p.lots))
        got2 = sum(weight_of[ln.incident] * max(0, ln.minutes - window_of[item]) * ln.qty for ln in lines) + sum(
            weight_of[u.incident] * (latest + 1) * u.qty for u in result.unmet if u.item == item)
        assert got1 == pytest.approx(want1, abs=1e-6), item
        assert got2 == pytest.approx(want2, rel=1e-4, abs=1e-6), item  # the stacked LPs may go fractional
        assert got_tkm == pytest.approx(want_tkm, rel=1e-3, abs=1e-6), item


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_lazy_arcs_reach_the_same_optimum_as_every_arc_at_once(seed, monkeypatch):
    p = random_problem(seed, n_depots=20, n_incidents=12)
    monkeypatch.setattr(lexflow, "ALL_AT_ONCE", 0)
    monkeypatch.setattr(lexflow, "START_PER_SINK", 1)
    lazy = optimal(p)
    monkeypatch.setattr(lexflow, "ALL_AT_ONCE", 10 ** 9)
    whole = optimal(p)
    assert lazy.solver.rounds > 1 and whole.solver.rounds == 1
    assert lazy.solver.objective == whole.solver.objective
    assert summary.totals(p, lazy).tonne_km == pytest.approx(summary.totals(p, whole).tonne_km, rel=1e-9)
    assert lazy.unmet == whole.unmet


def test_a_restriction_to_the_nearest_depots_is_reported_and_never_called_proven():
    p = random_problem(3)
    restricted = optimal(replace(p, params=replace(p.params, nearest=2)))
    whole = optimal(p)
    assert not restricted.solver.proven_optimal
    assert restricted.solver.restriction == "the 2 nearest depots of each incident (and the region depots)"
    assert "not over the whole network" in restricted.solver.proof
    assert whole.solver.restriction is None
    assert summary.totals(p, whole).shortfall_penalty <= summary.totals(p, restricted).shortfall_penalty


def test_a_plan_within_max_hours_says_so():
    p = random_problem(2)
    result = optimal(replace(p, params=replace(p.params, travel=TravelParams(max_hours=10))))
    assert result.solver.proof == "proven optimal over every depot within 10 h"


def test_potentials_give_every_residual_arc_a_non_negative_reduced_cost():
    tails, heads = np.array([0, 0, 1, 2]), np.array([1, 2, 3, 3])
    caps, costs = np.array([5, 5, 3, 5]), np.array([1, 4, 1, 1])
    flows = np.array([3, 2, 3, 2])  # 5 units from node 0 to node 3: 3 by the cheap path, 2 by the dear one
    pi = lexflow.potentials(tails, heads, caps, costs, flows, 4)
    for t, h, c, f, u in zip(tails, heads, costs, flows, caps):
        if f < u:
            assert c + pi[t] - pi[h] >= 0
        if f > 0:
            assert -c + pi[h] - pi[t] >= 0


# --- delivery windows ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "minutes"), [("12h", 720), ("90m", 90), ("1h30m", 90), ("12", 720), (" 6H ", 360)])
def test_durations_read(text, minutes):
    assert windows.duration_minutes(text) == minutes


@pytest.mark.parametrize("text", ["0", "0h", "-3h", "12x", "", "h", "241h", "1.5h", "soon"])
def test_a_window_that_is_not_a_positive_duration_is_refused_naming_it(text):
    with pytest.raises(InvalidInput) as err:
        windows.duration_minutes(text)
    assert repr(text) in str(err.value) and "positive duration" in str(err.value)


def test_an_override_names_a_known_kind():
    assert windows.parse_override("food=36h", {"food", "FOOD"}) == ("food", 2160)
    with pytest.raises(InvalidInput, match="unknown item kind 'fuel'"):
        windows.parse_override("fuel=6h", {"food", "FOOD"})
    with pytest.raises(InvalidInput, match="KIND=DURATION"):
        windows.parse_override("food", {"food"})


def test_item_windows_take_codes_over_categories_and_overrides_over_both():
    rows = [{"kind": "water", "hours": "12"}, {"kind": "WBAG", "hours": "24"}]
    categories = {"WATER": "water", "WBAG": "water", "FOOD": "food"}
    assert windows.item_windows(rows, categories) == {"WATER": 720, "WBAG": 1440, "FOOD": 1440}
    assert windows.item_windows(rows, categories, {"water": 360}) == {"WATER": 360, "WBAG": 360, "FOOD": 1440}
    assert windows.item_windows(rows, categories, {"water": 360, "WBAG": 90})["WBAG"] == 90


def test_a_kind_given_twice_is_refused():
    assert windows.overrides(["food=36h", "FOOD=6h"], {"food", "FOOD"}) == (("food", 2160), ("FOOD", 360))
    with pytest.raises(InvalidInput, match="delivery window of food is given twice"):
        windows.overrides(["food=36h", "food=6h"], {"food"})


def test_a_bad_windows_file_lists_every_bad_row():
    rows = [{"kind": "water", "hours": "0"}, {"kind": "", "hours": "12"}, {"kind": "fuel", "hours": "12"}]
    with pytest.raises(InvalidFile) as err:
        windows.item_windows(rows, {"WATER": "water"})
    assert [p.line for p in err.value.problems] == [2, 3]


def test_items_solved_in_two_processes_give_the_same_plans(monkeypatch):
    p = random_problem(4, n_depots=20, n_incidents=12)
    from relief.routing.core.candidates import item_arcs, network
    net = network(p)
    jobs = [(item_arcs(p, net, item), p.window(item), None) for item in sorted(WEIGHT_KG)]
    alone = lexflow.solve_items(jobs)
    monkeypatch.setattr(lexflow, "PARALLEL_ARCS", 0)
    shared = lexflow.solve_items(jobs)
    for one, two in zip(alone, shared):
        assert np.array_equal(one.flow, two.flow) and np.array_equal(one.unmet, two.unmet)
        assert one.objective == two.objective
