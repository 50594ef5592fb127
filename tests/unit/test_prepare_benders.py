"""Benders decomposition of the preparation model agrees with the extensive form and reports its limits."""

import pickle

import numpy as np
import pytest

from relief.routing.prepare import benders
from relief.routing.prepare.model import solve, validate
from relief.routing.prepare import stages as stages_module
from relief.routing.prepare.stages import second_stage

from tests.unit.test_prepare_model import cvar_problem, random_problem, two_depots


@pytest.mark.parametrize("seed, n", [(10, 20), (11, 40), (12, 60)])
def test_benders_and_the_extensive_form_find_the_same_bound(seed, n):
    p = random_problem(seed, n_scenarios=n, n_dep=5, n_item=3)
    ext = solve(p, method="extensive")
    ben = solve(p, method="benders", tolerance=1e-6)
    assert ben.method == "benders" and ben.status in ("optimal", "within gap") and ben.iterations >= 1
    assert ben.bound == pytest.approx(ext.bound, abs=1e-5)
    assert ben.value <= ben.bound + 1e-9 and ben.spent <= p.budget + 1e-9
    assert ben.value == pytest.approx(ext.value, abs=0.02)


@pytest.mark.parametrize("seed", [20, 21])
def test_benders_weighs_the_worst_tenth_as_the_extensive_form_does(seed):
    p = random_problem(seed, n_scenarios=30)
    ext = solve(p, method="extensive", cvar_share=0.1, cvar_weight=0.5)
    ben = solve(p, method="benders", cvar_share=0.1, cvar_weight=0.5, tolerance=1e-6)
    assert ben.bound == pytest.approx(ext.bound, abs=1e-5)
    plain = solve(p, method="extensive")
    assert ext.bound <= plain.bound + 1e-9  # the worst tenth never fills better than the average


def test_benders_splits_the_stock_when_the_worst_case_counts():
    r = solve(cvar_problem(), method="benders", cvar_share=0.1, cvar_weight=1.0)
    assert r.buy.tolist() == [[5], [5]] and r.value == pytest.approx(0.5)


def test_auto_uses_benders_above_the_scenario_limit():
    p = random_problem(5, n_scenarios=25)
    assert solve(p, extensive_limit=30).method == "extensive"
    r = solve(p, extensive_limit=10)
    assert r.method == "benders"


def test_scenarios_are_dispatched_as_small_picklable_tasks():
    calls = []

    def map_fn(fn, items):
        pickle.dumps(fn)
        for task in items:
            assert len(pickle.dumps(task)) < 4000
        calls.append(len(items))
        return [fn(x) for x in items]

    p = random_problem(6, n_scenarios=70)
    r = solve(p, method="benders", map_fn=map_fn)
    assert calls and max(calls) == 3  # 70 scenarios in chunks of 32
    assert r.bound == pytest.approx(solve(p, method="extensive").bound, abs=2e-4)
    assert not benders._SHARED  # the snapshot is released


def test_a_stop_at_the_iteration_limit_is_not_called_optimal():
    p = validate(random_problem(7, n_scenarios=30))
    stages = [second_stage(sc, len(p.items)) for sc in p.scenarios]
    prob = np.array([sc.probability for sc in p.scenarios])
    out = benders.solve(p, stages, prob, 0.1, 0.0, tolerance=0.0, max_iterations=1)
    assert out.status == "iteration limit" and out.iterations == 1 and out.upper >= out.lower


def test_a_stop_at_the_time_limit_is_not_called_optimal():
    r = solve(random_problem(8, n_scenarios=30), method="benders", time_limit=1e-9)
    assert r.status == "time limit" and r.gap >= 0


def test_benders_solves_the_hand_worked_transfer_instance():
    r = solve(two_depots(stock_a=8, floor_a=2), method="benders")
    assert r.moves == ((0, 1, 0, 6),) and r.bound == pytest.approx(0.98) and r.value == pytest.approx(0.9)


@pytest.mark.parametrize("method", ["extensive", "benders"])
def test_transfers_priced_in_later_reach_the_same_bound_as_all_of_them_at_once(monkeypatch, method):
    p = random_problem(30, n_scenarios=25, n_dep=6, n_item=3)
    p = type(p)(**{**p.__dict__, "transfer_cost": np.where(np.eye(6, dtype=bool), np.inf, 0.5),
                   "price": p.price * 5})
    full = solve(p, method="extensive")
    assert full.moves  # moving is the cheap way here
    monkeypatch.setattr(stages_module, "ALL_MOVES", 0)
    monkeypatch.setattr(stages_module, "START_SOURCES", 1)
    monkeypatch.setattr(stages_module, "ADD_MOVES", 3)
    r = solve(p, method=method, tolerance=1e-7)
    assert r.bound == pytest.approx(full.bound, abs=1e-6)
