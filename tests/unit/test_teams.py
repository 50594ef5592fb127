"""Teams by skill and size: who covers a team request, how teams combine to a headcount,
and when they arrive (``routing.core.teams``, through the optimal and greedy methods)."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from relief.routing.core import solver
from relief.routing.core.greedy import greedy
from relief.routing.core.optimize import optimal
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, PlanParams, TeamRequest, TeamSpec
from relief.routing.core.results import SolveStatus, TeamShortfall
from relief.routing.core.teams import team_people
from relief.routing.core.travel import TravelParams

START = datetime(2026, 11, 22, 8, 0)
METHODS = {"optimal": optimal, "greedy": greedy}
KM_PER_DEGREE = 2 * math.pi * 6371.0088 / 360  # along the equator
CIRCUITY = 1.3


def incident(id_: int, lon: float, *asks: TeamRequest, priority: int = 3) -> IncidentSpec:
    return IncidentSpec(id_, f"incident {id_}", "X", lon, 0.0, priority, 100, (), tuple(asks))


def team(code: str, lon: float, members: int, skills: str = "", kind: str = "relief", **travel) -> TeamSpec:
    return TeamSpec(code, kind, lon, 0.0, members, frozenset(skills.split(";")) - {""}, **travel)


def problem(incidents, teams, *, max_hours: float | None = None) -> DispatchProblem:
    return DispatchProblem(tuple(incidents), (DepotSpec("D1", "X", 0.0, 0.0, "county", 100.0),), (), tuple(teams),
                           {"TENT": 40.0}, {}, PlanParams(travel=TravelParams(max_hours=max_hours), start=START))


def sent(result) -> list[tuple[str, int, str]]:
    """(team, incident, request covered) of every trip, sorted."""
    return sorted((t.team, t.incident, t.request) for t in result.teams)


def minutes(degrees: float, speed_kmh: float = 60.0, mobilise_min: int = 60) -> int:
    """Arrival of a team ``degrees`` of longitude away, written out here."""
    return round(degrees * KM_PER_DEGREE * CIRCUITY / speed_kmh * 60 + mobilise_min)


@pytest.mark.parametrize("method", list(METHODS))
def test_a_relief_team_with_first_aid_covers_a_medical_request_when_no_medical_team_is_free(method):
    p = problem([incident(1, 1.0, TeamRequest("medical", 1, skill="first-aid"), priority=1),
                 incident(2, 1.2, TeamRequest("medical", 1, skill="first-aid"), priority=2)],
                [team("MED", 1.0, 40, "first-aid", kind="medical"), team("REL", 1.5, 30, "distribution;first-aid"),
                 team("OTHER", 1.0, 30, "distribution")])
    result = METHODS[method](p)
    assert sent(result) == [("MED", 1, "medical"), ("REL", 2, "medical")]
    assert result.teams_unmet == ()


def test_a_team_covers_a_request_for_its_own_kind_or_a_skill_it_lists():
    medic, rescuer = team("M", 0.0, 10, kind="medical"), team("R", 0.0, 10, "search-rescue;first-aid")
    assert medic.able("medical") and not medic.able("first-aid"), "books adds a kind's skill; the core does not guess"
    assert rescuer.able("search-rescue") and rescuer.able("relief") and not rescuer.able("psych")


@pytest.mark.parametrize("method", list(METHODS))
def test_two_teams_are_combined_to_reach_a_headcount(method):
    p = problem([incident(1, 1.0, TeamRequest("search-rescue", people=50), priority=1)],
                [team("A", 1.1, 30, "search-rescue"), team("B", 1.3, 25, "search-rescue"),
                 team("C", 0.9, 40, "distribution")])
    result = METHODS[method](p)
    assert sent(result) == [("A", 1, "search-rescue"), ("B", 1, "search-rescue")]
    assert sum(t.members for t in result.teams) == 55 and result.teams_unmet == ()


@pytest.mark.parametrize("method", list(METHODS))
def test_people_no_team_can_bring_are_reported_short(method):
    p = problem([incident(1, 1.0, TeamRequest("search-rescue", people=50), priority=1)],
                [team("A", 1.1, 30, "search-rescue")])
    result = METHODS[method](p)
    assert sent(result) == [("A", 1, "search-rescue")]
    assert result.teams_unmet == (TeamShortfall(1, "search-rescue", 0, 20),)
    assert result.solver.status in (SolveStatus.OPTIMAL, SolveStatus.HEURISTIC)


@pytest.mark.parametrize("method", list(METHODS))
def test_of_two_capable_teams_the_nearer_one_goes(method):
    p = problem([incident(1, 2.0, TeamRequest("relief", 1), priority=2)],
                [team("FAR", 5.0, 30, "distribution"), team("NEAR", 2.5, 30, "distribution")])
    result = METHODS[method](p)
    assert sent(result) == [("NEAR", 1, "relief")]
    assert [t.minutes for t in result.teams] == [minutes(0.5)]


def test_the_small_team_goes_to_the_small_request_and_the_big_team_to_the_big_one():
    p = problem([incident(1, 1.0, TeamRequest("search-rescue", people=20), priority=1),
                 incident(2, 1.0, TeamRequest("search-rescue", people=55), priority=1)],
                [team("BIG", 1.0, 60, "search-rescue"), team("SMALL", 1.0, 25, "search-rescue")])
    result = optimal(p)
    assert sent(result) == [("BIG", 2, "search-rescue"), ("SMALL", 1, "search-rescue")]
    assert result.teams_unmet == () and result.solver.status == SolveStatus.OPTIMAL


def test_when_two_teams_arrive_as_soon_the_one_closer_to_the_headcount_goes():
    p = problem([incident(1, 1.0, TeamRequest("search-rescue", people=20))],
                [team("BIG", 1.5, 60, "search-rescue"), team("SMALL", 0.5, 25, "search-rescue")])
    result = optimal(p)
    assert [t.minutes for t in result.teams] == [minutes(0.5)]
    assert sent(result) == [("SMALL", 1, "search-rescue")], "no 60 people where 25 suffice"


def test_a_request_for_teams_and_people_gets_both():
    p = problem([incident(1, 1.0, TeamRequest("rescue", teams=2, people=45, skill="search-rescue"))],
                [team("A", 1.0, 60, "search-rescue"), team("B", 1.2, 10, "search-rescue"),
                 team("C", 1.4, 12, "search-rescue")])
    result = optimal(p)
    assert sent(result) == [("A", 1, "rescue"), ("B", 1, "rescue")]


@pytest.mark.parametrize("method", list(METHODS))
def test_a_teams_own_speed_and_mobilisation_set_its_arrival(method):
    slow = team("SLOW", 1.5, 30, "distribution", speed_kmh=30.0, mobilise_min=180)
    fast = team("FAST", 3.0, 30, "distribution", speed_kmh=90.0, mobilise_min=30)
    default = team("PLAIN", 3.0, 30, "distribution")
    p = problem([incident(1, 1.0, TeamRequest("relief", 1))], [slow, fast, default])
    assert METHODS[method](p).teams[0].team == "FAST"
    alone = {code: METHODS[method](problem([incident(1, 1.0, TeamRequest("relief", 1))], [t])).teams[0].minutes
             for code, t in (("SLOW", slow), ("FAST", fast), ("PLAIN", default))}
    assert alone == {"SLOW": minutes(0.5, 30.0, 180), "FAST": minutes(2.0, 90.0, 30), "PLAIN": minutes(2.0)}


def test_a_team_that_cannot_reach_within_max_hours_at_its_own_speed_is_not_sent():
    slow = team("SLOW", 3.0, 30, "distribution", speed_kmh=20.0)
    p = problem([incident(1, 1.0, TeamRequest("relief", 1))], [slow], max_hours=6.0)
    assert optimal(p).teams == () and optimal(p).teams_unmet == (TeamShortfall(1, "relief", 1, 0),)


def test_the_most_urgent_headcount_is_met_first():
    p = problem([incident(1, 1.0, TeamRequest("search-rescue", people=30), priority=4),
                 incident(2, 4.0, TeamRequest("search-rescue", people=30), priority=1)],
                [team("A", 1.0, 30, "search-rescue")])
    result = optimal(p)
    assert sent(result) == [("A", 2, "search-rescue")]
    assert result.teams_unmet == (TeamShortfall(1, "search-rescue", 0, 30),)


def random_problem(seed: int) -> DispatchProblem:
    rng = np.random.default_rng(seed)
    skills = ["distribution", "first-aid", "search-rescue", "psychosocial"]
    teams = [team(f"T{k:02d}", float(rng.uniform(0, 10)), int(rng.integers(10, 61)),
                  ";".join(s for s in skills if rng.random() < 0.5), speed_kmh=float(rng.choice([50.0, 70.0])),
                  mobilise_min=int(rng.choice([60, 90, 120]))) for k in range(12)]
    incidents = []
    for n in range(1, 9):
        asks = [TeamRequest("relief", 1, skill="distribution")] if rng.random() < 0.7 else []
        asks += [TeamRequest("search-rescue", people=int(rng.integers(10, 80)))] if rng.random() < 0.5 else []
        asks += [TeamRequest("medical", 1, skill="first-aid")] if rng.random() < 0.4 else []
        incidents.append(incident(n, float(rng.uniform(0, 10)), *asks, priority=int(rng.integers(1, 5))))
    return problem(incidents, teams)


@pytest.mark.parametrize("seed", [3, 4])
def test_the_assignment_is_proven_optimal_repeatable_and_never_worse_than_the_rule_of_thumb(seed):
    p = random_problem(seed)
    first, second = optimal(p), optimal(p)
    assert (first.teams, first.teams_unmet) == (second.teams, second.teams_unmet)
    assert first.solver.status == SolveStatus.OPTIMAL
    codes = [t.team for t in first.teams]
    assert len(codes) == len(set(codes)), "each team goes to one request at most"
    able = {t.code: t for t in p.teams}
    skill = {(i.id, a.name): a.need for i in p.incidents for a in i.teams}
    assert all(able[t.team].able(skill[(t.incident, t.request)]) for t in first.teams)

    def uncovered(result) -> int:  # what the optimizer minimises first
        weight = {i.id: 2 ** (4 - i.priority) for i in p.incidents}
        return sum(weight[u.incident] * (u.count * team_people(p) + u.people) for u in result.teams_unmet)
    assert uncovered(first) <= uncovered(greedy(p))


def test_a_search_cut_short_keeps_the_first_solution_and_says_it_is_not_proven():
    model = solver.TeamModel(members=np.array([30, 30]), want_teams=np.array([0]), want_people=np.array([50]),
                             weight=np.array([8]), tail=np.array([0, 1]), head=np.array([0, 0]),
                             minutes=np.array([100, 200]), team_people=30)
    cut = solver.solve_teams(model, np.array([1, 0]), seconds=0.0)
    assert cut.status == SolveStatus.FEASIBLE and list(cut.flow) == [1, 0] and cut.bound <= cut.objective
    full = solver.solve_teams(model, np.array([1, 0]))
    assert full.status == SolveStatus.OPTIMAL and list(full.flow) == [1, 1] and full.bound == full.objective


def test_levels_too_large_to_fold_into_one_number_are_solved_one_after_another():
    model = solver.TeamModel(members=np.array([30, 30, 60]), want_teams=np.array([0, 1]), want_people=np.array([50, 0]),
                             weight=np.array([8, 1]), tail=np.array([0, 1, 2, 2]), head=np.array([0, 0, 0, 1]),
                             minutes=np.array([10 ** 11, 10 ** 11, 3 * 10 ** 11, 10 ** 11]), team_people=40)
    solved = solver.solve_teams(model)
    assert solved.status == SolveStatus.OPTIMAL and list(solved.flow) == [1, 1, 0, 1]
    assert list(solved.shortage) == [0, 0] and solved.bound == solved.objective
