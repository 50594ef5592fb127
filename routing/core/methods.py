"""The one switch between the optimizer and the rule of thumb."""

from __future__ import annotations

from relief.routing.core.problem import DispatchProblem
from relief.routing.core.results import Method, PlanResult


def solve(problem: DispatchProblem, method: Method | str = Method.OPTIMAL) -> PlanResult:
    """Takes a problem and a method (a ``Method`` or its name); returns what that method
    decides. Raises ``InvalidInput`` for an unknown method name."""
    from relief.routing.core.greedy import greedy
    from relief.routing.core.optimize import optimal

    return optimal(problem) if Method.parse(method) is Method.OPTIMAL else greedy(problem)
