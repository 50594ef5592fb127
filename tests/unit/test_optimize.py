"""The optimal plan and the rule of thumb on instances small enough to check by hand, or
against an independent solver (SciPy's max-flow and LP) built here from the same data.

Places lie on the equator or near it, where a degree is 111.2 km of great circle: with
the default circuity (1.3), speed (60 km/h) and handling (30 min) one degree of road
takes 175 minutes and two take 319, so ``max_hours=4`` lets a depot reach incidents
one degree away and no further.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from relief.errors import InvalidInput
from relief.routing.core import summary
from relief.routing.core.greedy import greedy
from relief.routing.core.optimize import optimal
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams, TeamSpec
from relief.routing.core.results import PlanResult, Shortfall, TeamShortfall
from relief.routing.core.travel import TravelParams

WEIGHT_KG = {"TENT": 40.0, "QUILT": 3.0, "WATER": 13.5}
START = datetime(2026, 11, 22, 8, 0)
EARTH_RADIUS_KM = 6371.0088
METHODS = {"optimal": optimal, "greedy": greedy}


def depot(code: str, lon: float, lat: float = 0.0, *, level: str = "county", outbound_t: float = 1000.0) -> DepotSpec:
    return DepotSpec(code, "X", lon, lat, level, outbound_t)


def incident(id_: int, lon: float, lat: float = 0.0, *, priority: int = 3, needs: dict | None = None,
             teams: dict | None = None) -> IncidentSpec:
    return IncidentSpec(id_, f"incident {id_}", "X", lon, lat, priority, 100, tuple(sorted((needs or {}).items())),
                        tuple(sorted((teams or {}).items())))


def lot(depot_code: str, item: str, qty: int, code: str = "-", expires: date | None = None) -> LotSupply:
    return LotSupply(depot_code, item, code, expires, qty)


def team(code: str, kind: str, lon: float, lat: float = 0.0) -> TeamSpec:
    return TeamSpec(code, kind, lon, lat)


def problem(incidents, depots, lots=(), teams=(), *, floors=None, max_hours=None, **params) -> DispatchProblem:
    plan = PlanParams(travel=TravelParams(max_hours=max_hours), start=params.pop("start", START), **params)
    return DispatchProblem(tuple(incidents), tuple(depots), tuple(lots), tuple(teams), dict(WEIGHT_KG),
                           dict(floors or {}), plan)


def sent(result: PlanResult) -> Counter:
    """Units sent per (incident, item)."""
    out = Counter()
    for line in result.shipments:
        out[(line.incident, line.item)] += line.qty
    return out


def taken(result: PlanResult) -> Counter:
    """Units taken per (depot, item, lot)."""
    out = Counter()
    for line in result.shipments:
        out[(line.depot, line.item, line.lot)] += line.qty
    return out


def unmet(result: PlanResult) -> Counter:
    return Counter({(u.incident, u.item): u.qty for u in result.unmet})


def great_circle_km(lon1, lat1, lon2, lat2) -> float:
    """Haversine written out here, so that the check does not lean on ``routing.travel``."""
    p1, p2, dp, dl = map(math.radians, (lat1, lat2, lat2 - lat1, lon2 - lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def random_problem(seed: int, *, span: int = 12, n_depots: int = 5, max_hours: float | None = 4.0,
                   teams: bool = False) -> DispatchProblem:
    """Depots and six incidents at whole degrees along the equator (``span`` of them), three
    items in up to two lots a depot (water with expiry dates), priorities 1-4."""
    rng = np.random.default_rng(seed)
    places = sorted(rng.choice(span, size=n_depots, replace=False))
    depots = [depot(f"D{n}", float(lon)) for n, lon in enumerate(places)]
    lots = [lot(d.code, item, int(rng.integers(1, 16)), f"L{n}", date(2027, 6 + n, 1) if item == "WATER" else None)
            for d in depots for item in WEIGHT_KG for n in range(int(rng.integers(0, 3)))]
    incidents = []
    for n in range(1, 7):
        needs = {item: int(rng.integers(1, 21)) for item in WEIGHT_KG if rng.random() < 0.7} or {"TENT": 5}
        asks = {"relief": int(rng.integers(0, 2)), "medical": int(rng.integers(0, 2))} if teams else {}
        incidents.append(incident(n, float(rng.integers(0, span)), priority=int(rng.integers(1, 5)), needs=needs,
                                  teams={k: v for k, v in asks.items() if v}))
    crews = [team("T1", "relief", 2.0), team("T2", "relief", 9.0), team("T3", "medical", 5.0)] if teams else []
    return problem(incidents, depots, lots, crews, max_hours=max_hours)


def independent_max_flow(p: DispatchProblem, item: str, reach_degrees: int) -> int:
    """Most units of ``item`` that lots can deliver to incidents within ``reach_degrees``
    of longitude (SciPy's maximum_flow on source -> lots -> incidents -> sink)."""
    supplies = [s for s in p.lots if s.item == item]
    sinks = [(i, dict(i.needs).get(item, 0)) for i in p.incidents]
    where = {d.code: d.lon for d in p.depots}
    n = 2 + len(supplies) + len(sinks)
    source, sink = 0, n - 1
    edges = []  # (tail, head, capacity)
    for a, s in enumerate(supplies, start=1):
        edges.append((source, a, s.qty))
        for b, (inc, need) in enumerate(sinks, start=1 + len(supplies)):
            if need and abs(where[s.depot] - inc.lon) <= reach_degrees:
                edges.append((a, b, s.qty))
    for b, (_, need) in enumerate(sinks, start=1 + len(supplies)):
        edges.append((b, sink, need))
    tails, heads, caps = zip(*edges)
    graph = csr_matrix((np.array(caps, dtype=np.int32), (tails, heads)), shape=(n, n))
    return int(maximum_flow(graph, source, sink).flow_value)


def independent_min_tonne_km(p: DispatchProblem, item: str) -> float:
    """Least tonne-km meeting every need of ``item`` (SciPy's LP on the transportation problem)."""
    supplies = [s for s in p.lots if s.item == item]
    sinks = [(i, dict(i.needs)[item]) for i in p.incidents if item in dict(i.needs)]
    where = {d.code: d for d in p.depots}
    cost = np.array([[WEIGHT_KG[item] / 1000.0 * 1.3 * great_circle_km(where[s.depot].lon, where[s.depot].lat,
                                                                      i.lon, i.lat) for i, _ in sinks]
                     for s in supplies]).ravel()
    n_s, n_i = len(supplies), len(sinks)
    a_ub = np.kron(np.eye(n_s), np.ones(n_i))
    a_eq = np.kron(np.ones(n_s), np.eye(n_i))
    done = linprog(cost, A_ub=a_ub, b_ub=[s.qty for s in supplies], A_eq=a_eq, b_eq=[q for _, q in sinks],
                   bounds=(0, None), method="highs")
    assert done.status == 0, done.message
    return float(done.fun)


# --- conservation and optimality, checked independently --------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("method", list(METHODS))
def test_no_lot_gives_more_than_it_holds_and_shipped_plus_unmet_is_the_need(method, seed):
    p = random_problem(seed)
    result = METHODS[method](p)
    holds = {(s.depot, s.item, s.lot): s.qty for s in p.lots}
    for key, qty in taken(result).items():
        assert key in holds and qty <= holds[key], key
    assert all(line.qty > 0 and isinstance(line.qty, int) for line in result.shipments)
    need = Counter({(i.id, item): qty for i in p.incidents for item, qty in i.needs})
    assert sent(result) + unmet(result) == need
    assert all(u.qty > 0 for u in result.unmet)


@pytest.mark.parametrize("seed", [1, 2, 3, 36, 174, 217])
def test_the_optimal_plan_leaves_no_more_unmet_than_a_maximum_flow_allows(seed):
    p = random_problem(seed, span=8, n_depots=4, max_hours=4.0)
    result = optimal(p)
    for item in WEIGHT_KG:
        need = sum(dict(i.needs).get(item, 0) for i in p.incidents)
        left = sum(qty for (_, it), qty in unmet(result).items() if it == item)
        assert left == need - independent_max_flow(p, item, reach_degrees=1), item
    assert result.solver.status == "optimal" and result.solver.proven_optimal


def test_stock_that_can_reach_every_incident_meets_every_need_even_at_more_tonne_km():
    # S1 sits at incident A; S2 one degree east can reach A but not B one degree west.
    # Sending S1's tent to A is cheapest, but only S2 -> A and S1 -> B meets both needs.
    p = problem([incident(1, 0.0, priority=4, needs={"TENT": 1}), incident(2, -1.0, priority=4, needs={"TENT": 1})],
                [depot("S1", 0.0), depot("S2", 1.0)], [lot("S1", "TENT", 1), lot("S2", "TENT", 1)], max_hours=4.0)
    result = optimal(p)
    assert result.unmet == ()
    assert sorted((s.depot, s.incident) for s in result.shipments) == [("S1", 2), ("S2", 1)]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_when_every_need_can_be_met_the_plan_takes_the_least_tonne_km(seed):
    rng = np.random.default_rng(seed)
    depots = [depot(f"D{n}", float(rng.uniform(110, 114)), float(rng.uniform(39, 42))) for n in range(4)]
    incidents = [incident(n, float(rng.uniform(110, 114)), float(rng.uniform(39, 42)), priority=int(rng.integers(1, 5)),
                          needs={"TENT": int(rng.integers(5, 30)), "WATER": int(rng.integers(5, 30))})
                 for n in range(1, 6)]
    lots = [lot(d.code, item, int(rng.integers(40, 80))) for d in depots for item in ("TENT", "WATER")]
    p = problem(incidents, depots, lots)
    result = optimal(p)
    assert result.unmet == ()
    best = sum(independent_min_tonne_km(p, item) for item in ("TENT", "WATER"))
    assert summary.totals(p, result).tonne_km == pytest.approx(best, rel=1e-3)
    assert greedy(p).unmet == () and summary.totals(p, greedy(p)).tonne_km >= best * (1 - 1e-3)


# --- fairness and priorities ------------------------------------------------------------------------------------


@pytest.fixture
def ten_tents_for_two() -> DispatchProblem:
    """Two incidents of the same priority each needing 10 tents; the depot holding 10 is
    next to incident 1 and one and a half degrees from incident 2."""
    return problem([incident(1, 0.1, needs={"TENT": 10}), incident(2, 1.5, needs={"TENT": 10})],
                   [depot("D1", 0.0)], [lot("D1", "TENT", 10)])


def fills(p: DispatchProblem, result: PlanResult) -> dict[int, float]:
    return {row.id: row.fill for row in summary.incidents(p, result)}


def test_equal_incidents_short_of_stock_share_it_rather_than_one_starving(ten_tents_for_two):
    share = fills(ten_tents_for_two, optimal(ten_tents_for_two))
    assert share == {1: 0.5, 2: 0.5}


def test_the_rule_of_thumb_serves_the_first_incident_fully_and_starves_the_second(ten_tents_for_two):
    share = fills(ten_tents_for_two, greedy(ten_tents_for_two))
    assert share == {1: 1.0, 2: 0.0}


def test_a_priority_1_incident_gets_a_larger_share_than_a_priority_4_one_without_starving_it():
    p = problem([incident(1, -0.5, priority=4, needs={"TENT": 10}), incident(2, 0.5, priority=1, needs={"TENT": 10})],
                [depot("D1", 0.0)], [lot("D1", "TENT", 10)])
    share = fills(p, optimal(p))
    assert share[2] > share[1] > 0
    assert sum(sent(optimal(p)).values()) == 10


def test_shortfalls_are_spread_in_proportion_to_need():
    p = problem([incident(1, -0.5, needs={"WATER": 40}), incident(2, 0.5, needs={"WATER": 8})],
                [depot("D1", 0.0)], [lot("D1", "WATER", 24)])
    share = fills(p, optimal(p))
    assert abs(share[1] - share[2]) <= 1 / 8 + 1e-9
    assert min(share.values()) >= 0.4


# --- lots: first expiry first, never expired on arrival -----------------------------------------------------------


@pytest.mark.parametrize("method", list(METHODS))
def test_the_earlier_expiring_lot_is_used_first(method):
    lots = [lot("D1", "WATER", 5, "LATE", date(2027, 6, 1)), lot("D1", "WATER", 5, "EARLY", date(2027, 1, 1))]
    p = problem([incident(1, 0.5, needs={"WATER": 6})], [depot("D1", 0.0)], lots)
    assert taken(METHODS[method](p)) == {("D1", "WATER", "EARLY"): 5, ("D1", "WATER", "LATE"): 1}


@pytest.mark.parametrize("method", list(METHODS))
def test_a_lot_that_expires_before_it_arrives_is_never_sent(method):
    # Three degrees away: 464 minutes. Leaving at 20:00 it arrives the next day.
    lots = [lot("FAR", "WATER", 50, "TODAY", date(2026, 11, 22)), lot("FAR", "WATER", 3, "WEEK", date(2026, 11, 29))]
    p = problem([incident(1, 3.0, needs={"WATER": 10})], [depot("FAR", 0.0)], lots, start=datetime(2026, 11, 22, 20, 0))
    result = METHODS[method](p)
    assert taken(result) == {("FAR", "WATER", "WEEK"): 3}
    assert result.unmet == (Shortfall(1, "WATER", 7),)


@pytest.mark.parametrize("method", list(METHODS))
def test_a_lot_expiring_on_the_day_it_arrives_is_still_sent(method):
    p = problem([incident(1, 3.0, needs={"WATER": 10})], [depot("FAR", 0.0)],
                [lot("FAR", "WATER", 50, "TODAY", date(2026, 11, 22))], start=datetime(2026, 11, 22, 8, 0))
    assert taken(METHODS[method](p)) == {("FAR", "WATER", "TODAY"): 10}


# --- reserve floors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize(("priority", "keep_reserve", "tents"),
                         [(3, True, 4), (2, True, 4), (1, True, 10), (3, False, 10)])
def test_keeping_reserves_leaves_the_floor_except_for_priority_1(method, priority, keep_reserve, tents):
    p = problem([incident(1, 0.5, priority=priority, needs={"TENT": 10})], [depot("D1", 0.0)], [lot("D1", "TENT", 10)],
                floors={("D1", "TENT"): 6}, keep_reserve=keep_reserve)
    assert sum(sent(METHODS[method](p)).values()) == tents


def test_the_reserve_floor_is_kept_in_the_latest_expiring_lots():
    lots = [lot("D1", "WATER", 5, "EARLY", date(2027, 1, 1)), lot("D1", "WATER", 5, "LATE", date(2027, 6, 1))]
    p = problem([incident(1, 0.5, needs={"WATER": 10})], [depot("D1", 0.0)], lots, floors={("D1", "WATER"): 4},
                keep_reserve=True)
    assert taken(optimal(p)) == {("D1", "WATER", "EARLY"): 5, ("D1", "WATER", "LATE"): 1}


# --- teams --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [21, 22, 23])
@pytest.mark.parametrize("method", list(METHODS))
def test_each_team_goes_to_at_most_one_incident_of_its_own_kind(method, seed):
    """Teams without listed skills cover only requests of their own kind."""
    p = random_problem(seed, teams=True, max_hours=None)
    result = METHODS[method](p)
    codes = [t.team for t in result.teams]
    assert len(codes) == len(set(codes))
    kind_of = {t.code: t.kind for t in p.teams}
    asked = {(i.id, ask.name): ask.teams for i in p.incidents for ask in i.teams}
    given = Counter((t.incident, t.kind) for t in result.teams)
    assert all(kind_of[t.team] == t.kind == t.request for t in result.teams)
    assert all(given[key] <= asked[key] for key in given)
    uncovered = Counter({(u.incident, u.kind): u.count for u in result.teams_unmet})
    assert given + uncovered == Counter(asked)


def test_requests_no_team_can_cover_are_reported():
    p = problem([incident(1, 0.5, needs={}, teams={"medical": 1, "psych": 1}),
                 incident(2, 1.5, needs={}, teams={"medical": 2})],
                [depot("D1", 0.0)], teams=[team("M1", "medical", 0.0), team("R1", "relief", 0.0)])
    result = optimal(p)
    assert [(t.team, t.incident) for t in result.teams] == [("M1", 1)], "the nearer of equal incidents"
    assert sorted(result.teams_unmet, key=lambda u: (u.incident, u.kind)) == [
        TeamShortfall(1, "psych", 1), TeamShortfall(2, "medical", 2)]


@pytest.mark.parametrize("method", list(METHODS))
def test_the_most_urgent_incident_gets_the_only_team_even_when_it_is_farther(method):
    p = problem([incident(1, 0.1, priority=4, teams={"medical": 1}),
                 incident(2, 3.0, priority=1, teams={"medical": 1})], [depot("D1", 0.0)],
                teams=[team("M1", "medical", 0.0)])
    result = METHODS[method](p)
    assert [(t.team, t.incident) for t in result.teams] == [("M1", 2)]
    assert result.teams_unmet == (TeamShortfall(1, "medical", 1),)


def test_of_two_teams_the_quicker_one_goes_to_the_more_urgent_incident():
    p = problem([incident(1, 0.0, priority=3, teams={"relief": 1}), incident(2, 2.0, priority=1, teams={"relief": 1})],
                [depot("D1", 0.0)], teams=[team("NEAR", "relief", 2.0), team("FAR", "relief", 5.0)])
    result = optimal(p)
    assert sorted((t.team, t.incident) for t in result.teams) == [("FAR", 1), ("NEAR", 2)]


def test_a_team_request_is_left_uncovered_only_when_no_ready_team_can_reach_it():
    # T1 sits at the priority-1 incident A; T2 can reach A but not B, which only T1 can reach.
    # Sending T1 to A is quickest, but T2 -> A and T1 -> B covers both requests.
    side = 4.43
    p = problem([incident(1, 0.0, priority=1, teams={"relief": 1}),
                 incident(2, side / 2 - 0.12, side * math.sqrt(3) / 2, priority=4, teams={"relief": 1})],
                [depot("D1", 0.0)], teams=[team("T1", "relief", 0.0), team("T2", "relief", side)], max_hours=11.75)
    result = optimal(p)
    assert result.teams_unmet == ()
    assert sorted((t.team, t.incident) for t in result.teams) == [("T1", 2), ("T2", 1)]


def test_a_team_beyond_max_hours_is_not_sent():
    p = problem([incident(1, 3.0, teams={"relief": 1})], [depot("D1", 0.0)], teams=[team("T1", "relief", 0.0)],
                max_hours=4.0)
    result = optimal(p)
    assert result.teams == () and result.teams_unmet == (TeamShortfall(1, "relief", 1),)


# --- the rule of thumb, candidates, determinism -------------------------------------------------------------------


def test_the_rule_of_thumb_fills_in_priority_order_from_the_nearest_depot_first():
    p = problem([incident(1, 0.5, priority=3, needs={"TENT": 8}), incident(2, 0.5, priority=1, needs={"TENT": 8})],
                [depot("NEAR", 0.0), depot("FAR", 3.0)], [lot("NEAR", "TENT", 10), lot("FAR", "TENT", 10)])
    lines = [(s.incident, s.depot, s.qty) for s in greedy(p).shipments]
    assert lines == [(2, "NEAR", 8), (1, "NEAR", 2), (1, "FAR", 6)]


def test_where_the_rule_of_thumb_takes_the_nearest_stock_first_the_optimal_plan_ships_fewer_tonne_km():
    # The urgent incident 2 is a little nearer A than B, so the rule gives it A's tents and
    # sends B's three degrees to incident 1, which sits at A.
    p = problem([incident(1, 0.0, priority=3, needs={"TENT": 8}), incident(2, 1.4, priority=1, needs={"TENT": 8})],
                [depot("A", 0.0), depot("B", 3.0)], [lot("A", "TENT", 8), lot("B", "TENT", 8)])
    best, rule = optimal(p), greedy(p)
    assert best.unmet == rule.unmet == ()
    assert sorted((s.depot, s.incident) for s in rule.shipments) == [("A", 2), ("B", 1)]
    assert sorted((s.depot, s.incident) for s in best.shipments) == [("A", 1), ("B", 2)]
    assert summary.totals(p, best).tonne_km < summary.totals(p, rule).tonne_km / 2


def test_only_the_nearest_depots_are_candidates_except_region_depots():
    incidents = [incident(1, 0.0, needs={"TENT": 5})]
    far_county = problem(incidents, [depot("NEAR", 0.1), depot("FAR", 2.0)], [lot("FAR", "TENT", 5)], nearest=1)
    far_region = problem(incidents, [depot("NEAR", 0.1), depot("FAR", 2.0, level="region")], [lot("FAR", "TENT", 5)],
                         nearest=1)
    assert optimal(far_county).unmet == (Shortfall(1, "TENT", 5),)
    assert optimal(far_region).unmet == ()


@pytest.mark.parametrize("method", list(METHODS))
def test_the_same_input_gives_the_same_plan(method):
    first, second = METHODS[method](random_problem(7, teams=True)), METHODS[method](random_problem(7, teams=True))
    assert (first.shipments, first.teams, first.unmet, first.teams_unmet) == (
        second.shipments, second.teams, second.unmet, second.teams_unmet)
    assert first.solver.status == second.solver.status
    assert first.solver.objective == second.solver.objective


def test_a_plan_explains_its_fill_first_arrival_and_unmet_items_per_incident():
    p = problem([incident(1, 1.0, needs={"TENT": 4, "WATER": 10}), incident(2, 0.0, needs={"QUILT": 3})],
                [depot("D1", 0.0)], [lot("D1", "TENT", 4), lot("D1", "WATER", 5)])
    rows = {r.id: r for r in summary.incidents(p, optimal(p))}
    assert (rows[1].fill, rows[1].first_arrival_minutes, rows[1].unmet_items) == (0.75, 175, ("WATER",))
    assert (rows[2].fill, rows[2].first_arrival_minutes, rows[2].unmet_items) == (0.0, None, ("QUILT",))
    totals = summary.totals(p, optimal(p))
    assert (totals.need_units, totals.shipped_units, totals.unmet_units) == (17, 9, 8)
    assert totals.tonne_km == pytest.approx((4 * 40 + 5 * 13.5) / 1000 * 144.6, rel=1e-3)


# --- the problem object refuses inconsistent input ---------------------------------------------------------------


def test_an_inconsistent_problem_is_refused_when_built():
    with pytest.raises(InvalidInput, match="priority 5 is not 1-4"):
        problem([incident(1, 0.0, priority=5, needs={"TENT": 1})], [depot("D1", 0.0)])
    with pytest.raises(InvalidInput, match="need CTENT12=3 names an unknown item"):
        problem([incident(1, 0.0, needs={"CTENT12": 3})], [depot("D1", 0.0)])
    with pytest.raises(InvalidInput, match="lot - of TENT at D9: unknown depot"):
        problem([], [depot("D1", 0.0)], [lot("D9", "TENT", 1)])
    with pytest.raises(InvalidInput, match="^nearest must be 1 or more, got 0$") as caught:
        PlanParams(nearest=0)
    assert caught.value.option == "nearest"


@pytest.mark.parametrize(("quantities", "floor", "free"), [([5, 5], 4, [5, 1]), ([5, 5], 0, [5, 5]), ([3, 2], 9, [0, 0]),
                                                          ([], 3, [])])
def test_the_free_units_are_the_earliest_expiring_and_the_floor_stays_in_the_latest(quantities, floor, free):
    from relief.routing.core.problem import free_first
    assert free_first(quantities, floor) == free
