"""The preparation model: tiny instances with optima worked out by hand, rounding, bad inputs."""

import numpy as np
import pytest
from scipy.optimize import linprog

from relief.errors import InvalidInput
from relief.routing.prepare.model import PrepareProblem, ScenarioNeeds, fill, solve

INF = np.inf


def two_depots(*, stock_a=0.0, floor_a=0.0, budget=50.0, price=10.0, per_tonne=20.0, tonnes=0.1,
               capacity_b=100.0, need=10.0) -> PrepareProblem:
    """One item, depots A and B, one site that only B reaches."""
    site = ScenarioNeeds(1.0, ("X",), np.array([[need]]), np.array([1.0]), np.array([[False], [True]]))
    return PrepareProblem(("A", "B"), ("water",), stock=np.array([[stock_a], [0.0]]),
                          floor=np.array([[floor_a], [0.0]]), price=np.array([price]), volume=np.array([1.0]),
                          tonnes=np.array([tonnes]), capacity=np.array([100.0, capacity_b]),
                          transfer_cost=np.array([[INF, per_tonne], [per_tonne, INF]]), budget=budget,
                          scenarios=(site,))


def random_problem(seed: int, n_scenarios: int = 30, n_dep: int = 4, n_item: int = 3) -> PrepareProblem:
    """A small seeded instance with a binding budget."""
    rng = np.random.default_rng(seed)
    stock = rng.integers(0, 12, (n_dep, n_item)).astype(float)
    cost = rng.uniform(1, 30, (n_dep, n_dep))
    cost[rng.random((n_dep, n_dep)) < 0.3] = INF
    prob = rng.random(n_scenarios) + 0.1
    prob /= prob.sum()
    scenarios = []
    for s in range(n_scenarios):
        k = int(rng.integers(1, 4))
        need = rng.integers(0, 15, (k, n_item)).astype(float)
        scenarios.append(ScenarioNeeds(float(prob[s]), tuple(f"S{j}" for j in range(k)), need,
                                       rng.choice([1.0, 2.0, 4.0], k), rng.random((n_dep, k)) < 0.5))
    return PrepareProblem(tuple(f"D{d}" for d in range(n_dep)), tuple(f"I{i}" for i in range(n_item)),
                          stock=stock, floor=np.floor(stock / 3), price=rng.uniform(5, 20, n_item).round(),
                          volume=rng.uniform(0.5, 2, n_item), tonnes=rng.uniform(0.1, 1, n_item),
                          capacity=rng.uniform(10, 40, n_dep), transfer_cost=cost, budget=150.0,
                          scenarios=tuple(scenarios))


def held_of(problem: PrepareProblem, result) -> np.ndarray:
    held = problem.stock + result.buy
    for a, b, i, q in result.moves:
        held[a, i] -= q
        held[b, i] += q
    return held


def test_the_budget_buys_at_the_depot_that_reaches_the_site():
    r = solve(two_depots(), method="extensive")
    assert r.buy.tolist() == [[0], [5]] and r.moves == ()
    assert r.value == pytest.approx(0.5) and r.bound == pytest.approx(0.5) and r.gap == pytest.approx(0)
    assert r.spent == pytest.approx(50) and r.status == "optimal" and r.method == "extensive"


def test_stock_is_moved_when_moving_is_cheaper_than_buying():
    # moving costs 20 yuan/t × 0.1 t = 2 yuan a unit, buying 10: move all 6 above the floor, buy 3.8
    r = solve(two_depots(stock_a=8, floor_a=2))
    assert r.moves == ((0, 1, 0, 6),) and r.buy.tolist() == [[0], [3]]
    assert r.bound == pytest.approx(0.98) and r.value == pytest.approx(0.9)
    assert r.rounding_loss == pytest.approx(0.08) and r.gap == pytest.approx(0.08)
    assert r.spent == pytest.approx(42)


def test_buying_wins_when_moving_is_dearer():
    r = solve(two_depots(stock_a=8, per_tonne=200))  # 20 yuan a unit moved
    assert r.moves == () and r.buy.tolist() == [[0], [5]]


def test_the_floor_is_kept_when_stock_is_moved():
    r = solve(two_depots(stock_a=8, floor_a=6, per_tonne=0.0, budget=1.0))
    assert r.moves == ((0, 1, 0, 2),) and held_of(two_depots(stock_a=8), r)[0, 0] == 6


def test_a_budget_that_is_not_binding_meets_all_the_need():
    r = solve(two_depots(budget=1000))
    assert r.value == pytest.approx(1.0) and r.buy[1, 0] >= 10 and r.spent <= 1000


def test_storage_limits_what_is_bought():
    r = solve(two_depots(capacity_b=3))
    assert r.buy.tolist() == [[0], [3]] and r.value == pytest.approx(0.3) and r.bound == pytest.approx(0.3)


def test_a_depot_already_over_full_is_not_forced_to_shed_stock():
    p = two_depots(stock_a=8, per_tonne=INF)
    p = PrepareProblem(**{**p.__dict__, "capacity": np.array([2.0, 100.0])})
    r = solve(p)
    assert r.buy.tolist() == [[0], [5]] and r.moves == ()


def cvar_problem() -> PrepareProblem:
    """Likely scenario only A reaches (0.9), unlikely one only B reaches (0.1); 10 units to buy."""
    a = ScenarioNeeds(0.9, ("X",), np.array([[10.0]]), np.array([1.0]), np.array([[True], [False]]))
    b = ScenarioNeeds(0.1, ("Y",), np.array([[10.0]]), np.array([1.0]), np.array([[False], [True]]))
    return PrepareProblem(("A", "B"), ("tent",), stock=np.zeros((2, 1)), floor=np.zeros((2, 1)),
                          price=np.array([10.0]), volume=np.array([1.0]), tonnes=np.array([1.0]),
                          capacity=np.array([100.0, 100.0]), transfer_cost=np.full((2, 2), INF),
                          budget=100.0, scenarios=(a, b))


def test_the_average_puts_everything_where_the_likely_scenario_is():
    r = solve(cvar_problem())
    assert r.buy.tolist() == [[10], [0]] and r.value == pytest.approx(0.9)


def test_weighing_the_worst_tenth_splits_the_stock():
    r = solve(cvar_problem(), cvar_share=0.1, cvar_weight=1.0)
    assert r.buy.tolist() == [[5], [5]] and r.value == pytest.approx(0.5) and r.bound == pytest.approx(0.5)
    half = solve(cvar_problem(), cvar_share=0.1, cvar_weight=0.5)
    assert half.buy.tolist() == [[5], [5]] and half.value == pytest.approx(0.5)


def test_fill_agrees_with_each_scenario_solved_on_its_own():
    p = random_problem(3, n_scenarios=12)
    held = np.random.default_rng(1).integers(0, 10, p.stock.shape).astype(float)
    got = fill(p, held)
    for s, sc in enumerate(p.scenarios):
        d_, k_, i_ = np.nonzero(sc.reach[:, :, None] & (sc.need > 0)[None])
        total = sc.weight @ sc.need.sum(axis=1)
        if len(d_) == 0:
            assert got[s] == pytest.approx(1.0 if total == 0 else 0.0)
            continue
        n = len(d_)
        rows, rhs = [], []
        for d in range(p.stock.shape[0]):
            for i in range(p.stock.shape[1]):
                rows.append(((d_ == d) & (i_ == i)).astype(float))
                rhs.append(held[d, i])
        for k in range(len(sc.sites)):
            for i in range(p.stock.shape[1]):
                rows.append(((k_ == k) & (i_ == i)).astype(float))
                rhs.append(sc.need[k, i])
        res = linprog(-sc.weight[k_] / total, A_ub=np.array(rows), b_ub=rhs, bounds=(0, None), method="highs")
        assert got[s] == pytest.approx(-res.fun, abs=1e-7)


def test_fill_is_one_for_a_scenario_with_no_need():
    p = two_depots()
    p = PrepareProblem(**{**p.__dict__, "scenarios": (ScenarioNeeds(1.0, ("X",), np.zeros((1, 1)),
                                                                   np.ones(1), np.ones((2, 1), bool)),)})
    assert fill(p, np.zeros((2, 1))).tolist() == [1.0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_rounded_plan_keeps_budget_storage_and_floors_and_reports_its_loss(seed):
    p = random_problem(seed)
    r = solve(p)
    held = held_of(p, r)
    assert r.spent <= p.budget + 1e-9
    assert (held >= p.floor - 1e-9).all() and (r.buy >= 0).all()
    assert (held @ p.volume <= np.maximum(p.capacity, p.stock @ p.volume) + 1e-9).all()
    exact = float(np.array([sc.probability for sc in p.scenarios]) @ fill(p, held))
    assert r.value == pytest.approx(exact)
    assert r.value <= r.bound + 1e-9 and r.gap == pytest.approx(r.bound - r.value)
    assert r.rounding_loss == pytest.approx(r.bound - r.value)  # the extensive form's LP value is its bound
    spent = p.price @ r.buy.sum(axis=0) + sum(p.transfer_cost[a, b] * p.tonnes[i] * q for a, b, i, q in r.moves)
    assert r.spent == pytest.approx(spent)


@pytest.mark.parametrize("change, option", [
    ({"budget": 0.0}, "budget"), ({"budget": -5.0}, "budget"), ({"budget": INF}, "budget"),
    ({"budget": float("nan")}, "budget")])
def test_a_budget_that_is_not_a_positive_amount_is_refused(change, option):
    with pytest.raises(InvalidInput, match="budget") as e:
        solve(PrepareProblem(**{**two_depots().__dict__, **change}))
    assert e.value.option == option


@pytest.mark.parametrize("kwargs", [{"cvar_share": 0.0, "cvar_weight": 0.5}, {"cvar_share": 1.5},
                                    {"cvar_weight": -0.1}, {"cvar_weight": 1.2}])
def test_cvar_settings_out_of_range_are_refused(kwargs):
    with pytest.raises(InvalidInput, match="cvar") as e:
        solve(two_depots(), **kwargs)
    assert e.value.option == "cvar"


def test_an_unknown_method_is_refused():
    with pytest.raises(InvalidInput, match="method must be one of auto, extensive, benders, got 'fast'") as e:
        solve(two_depots(), method="fast")
    assert e.value.option == "method"


def test_shapes_that_disagree_are_refused():
    with pytest.raises(InvalidInput, match=r"price must have shape \(1,\), got \(2,\)"):
        solve(PrepareProblem(**{**two_depots().__dict__, "price": np.array([1.0, 2.0])}))
    bad = ScenarioNeeds(1.0, ("X",), np.array([[1.0]]), np.array([1.0]), np.array([[True]]))
    with pytest.raises(InvalidInput, match="reach of scenario 0"):
        solve(PrepareProblem(**{**two_depots().__dict__, "scenarios": (bad,)}))


def test_probabilities_that_do_not_sum_to_one_are_refused():
    sc = two_depots().scenarios[0]
    half = ScenarioNeeds(0.45, sc.sites, sc.need, sc.weight, sc.reach)
    with pytest.raises(InvalidInput, match="sum to 1, got 0.9"):
        solve(PrepareProblem(**{**two_depots().__dict__, "scenarios": (half, half)}))
