"""The one switch between the optimizer and the rule of thumb, and the truck stage after either."""

from __future__ import annotations

import dataclasses
import time

from relief.routing.core.problem import DispatchProblem
from relief.routing.core.results import Method, PlanResult


def solve(problem: DispatchProblem, method: Method | str = Method.OPTIMAL, *, trucks: bool = True) -> PlanResult:
    """Takes a problem and a method (a ``Method`` or its name); returns what that method
    decides, with its shipments loaded on trucks (``routing.core.trucks``: lines timed by
    the truck arrivals, ``solver.truck_seconds`` set) unless ``trucks`` is False; an
    optimal plan's small loads ride along first (``routing.core.consolidate``), and a lot
    that would arrive expired on its truck is swapped or left home (``routing.core.shelf``).

    Raises ``InvalidInput`` for an unknown method name, or naming an item one unit of
    which no vehicle of its depot can carry."""
    from relief.routing.core.consolidate import ride_along
    from relief.routing.core.greedy import greedy
    from relief.routing.core.optimize import optimal
    from relief.routing.core.shelf import fresh_lots
    from relief.routing.core.trucks import load_trucks

    is_optimal = Method.parse(method) is Method.OPTIMAL
    result = optimal(problem) if is_optimal else greedy(problem)
    if not trucks:
        return result
    start = time.perf_counter()
    result, moved = ride_along(problem, result) if is_optimal else (result, 0)
    loaded, _ = fresh_lots(problem, load_trucks(problem, result))
    seconds = round(time.perf_counter() - start, 4)
    info = loaded.solver and dataclasses.replace(loaded.solver, truck_seconds=seconds, ride_alongs=moved)
    return dataclasses.replace(loaded, solver=info)
