"""Errors of dispatch and drills, named after the domain (see ``depot.errors``)."""

from depot.errors import InvalidFile, InvalidInput, Refused


class OutsideRegion(InvalidInput):
    """A point lies in no county of the loaded region."""


class InvalidCoordinates(InvalidInput):
    """A longitude or latitude is not a number in range."""


class UnknownIncident(InvalidInput):
    """No incident has the given id."""


class UnknownPlan(InvalidInput):
    """No dispatch plan has the given id."""


class PlanState(Refused):
    """The plan is not in a state that allows the operation (e.g. committing twice)."""


class StalePlan(Refused):
    """Stock, teams or incidents changed since the plan was made; ``lines`` lists what."""

    def __init__(self, message: str, lines: list[str]):
        super().__init__(message)
        self.problems = lines


class InvalidTravelTable(InvalidFile):
    """A travel-time table names unknown codes or holds bad minutes."""


class NothingToPlan(Refused):
    """There is no open incident with an unmet need to plan for."""
