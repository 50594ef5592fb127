"""A small plan document with truck runs, and the places it names, built by hand for the output tests.

Two depots and two incidents on a line at 40.5N (as in ``test_document``): the optimizer
sends 5 tents from D1 to incident 1, 1 from D1 to incident 2 and 2 from D2 to incident 2.
Truck 1 (a light truck from D1, leaving at 08:30) carries the 6 tents of D1, stopping at
incident 1 and then at incident 2; truck 2 (a van from D2, leaving at 08:20) carries D2's
2 tents to incident 2.
"""

from __future__ import annotations

from datetime import datetime

from shapely.geometry import box

from relief.routing.core import document as documents
from relief.routing.core.document import PlanDocument
from relief.routing.core.methods import solve
from relief.routing.core.problem import DepotSpec, DispatchProblem, IncidentSpec, LotSupply, PlanParams, TeamSpec
from relief.routing.core.results import Method, PlanStatus, Truck, TruckLine, TruckStop
from relief.routing.outputs.places import DepotPlace, ItemFacts, Places, TeamPlace

START = datetime(2026, 11, 22, 8, 0)
TRUCKS = (Truck(1, "D1", "light truck", 1000.0, 10.0, 240.0, 1.2, 30,
                (TruckStop(1, 95, (TruckLine("TENT", "-", 5),)), TruckStop(2, 260, (TruckLine("TENT", "-", 1),))),
                1, 180.0),
          Truck(2, "D2", "van", 500.0, 4.0, 80.0, 0.4, 20, (TruckStop(2, 40, (TruckLine("TENT", "-", 2),)),), 2, 12.0))


def places() -> Places:
    """The depots, team, item and three county squares of the plan."""
    return Places({"D1": DepotPlace("D1", "north depot", 110.5, 40.5), "D2": DepotPlace("D2", "east depot", 112.5, 40.5)},
                  {"T01": TeamPlace("T01", "relief", 110.5, 40.5)},
                  {"TENT": ItemFacts("TENT", "tent", "piece", 40.0, 0.2)},
                  (("990101", "west", box(110, 40, 111, 41)), ("990102", "middle", box(111, 40, 112, 41)),
                   ("990201", "east", box(112, 40, 113, 41))))


def problem() -> DispatchProblem:
    """Six tents at D1 (110.5E) and two at D2 (112.5E); incident 1 (priority 1) near D1
    needs 5 tents and a relief team, incident 2 near D2 needs 4 tents."""
    return DispatchProblem(
        (IncidentSpec(1, "north", "990101", 110.6, 40.5, 1, 200, (("TENT", 5),), (("relief", 1),)),
         IncidentSpec(2, "east", "990201", 112.6, 40.5, 3, 100, (("TENT", 4),))),
        (DepotSpec("D1", "990101", 110.5, 40.5, "region", 100.0), DepotSpec("D2", "990201", 112.5, 40.5, "county", 100.0)),
        (LotSupply("D1", "TENT", "-", None, 6), LotSupply("D2", "TENT", "-", None, 2)),
        (TeamSpec("T01", "relief", 110.5, 40.5),), {"TENT": 40.0}, {}, PlanParams(start=START))


def plan(trucks: tuple[Truck, ...] = TRUCKS) -> PlanDocument:
    """Plan 3 (a draft of the optimizer) with ``trucks`` (``()``: a plan saved before trucks were planned)."""
    p = problem()
    doc = documents.build(p, solve(p), Method.OPTIMAL, PlanStatus.DRAFT, created_at=START)
    return doc.with_(plan_id=3, trucks=trucks)
