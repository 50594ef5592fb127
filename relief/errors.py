"""Every error relief raises on purpose, named after the domain: the one module of errors.

Every error relief raises on purpose derives from ``ReliefError``. The command line
turns one into a single message and an exit code in one place: ``InvalidInput``
(the user asked for something that cannot be) exits 2, ``Refused`` (a valid request
the books cannot honour) exits 1.
"""


class ReliefError(Exception):
    """Base of every error relief raises on purpose."""

    exit_code = 1


class InvalidInput(ReliefError):
    """The request names something that does not exist or is malformed."""

    exit_code = 2


class Refused(ReliefError):
    """A well-formed request that the current state of the books cannot honour."""

    exit_code = 1


class UnknownDepot(InvalidInput):
    """No depot has the given code."""


class UnknownItem(InvalidInput):
    """No catalogue item has the given code."""


class UnknownLot(InvalidInput):
    """The depot holds no lot with the given code for the item."""


class UnknownRegion(InvalidInput):
    """The region name or folder cannot be loaded."""


class UnknownScenario(InvalidInput):
    """A scenario is neither a readable file nor the name of a shipped scenario."""


class InvalidQuantity(InvalidInput):
    """A quantity is not a positive whole number (or a non-zero one for deltas)."""


class InvalidDate(InvalidInput):
    """A date is malformed or not allowed (e.g. an expiry already past on receipt)."""


class InvalidReason(InvalidInput):
    """An adjustment reason outside the allowed list."""


class InvalidFile(InvalidInput):
    """A file is missing, unreadable or has the wrong shape; ``problems`` lists each fault."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class RefusedRows(Refused):
    """Rows of a file that are well-formed but that the books cannot honour; ``problems`` lists them."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class OutOfStock(Refused):
    """Not enough available stock for an issue, transfer or reservation."""


class ReservedStock(Refused):
    """The change would leave less on hand than is reserved for committed plans."""


class ExpiredLot(Refused):
    """The named lot has expired and expired stock was not explicitly allowed."""


class DocumentConflict(Refused):
    """A document number is already recorded with different content."""


class DatabaseNotEmpty(Refused):
    """``init`` would overwrite a database that already holds data."""


class DatabaseNotReady(Refused):
    """The database has no relief schema yet (run ``relief init``)."""


# Dispatch and drills


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


class ScenarioError(InvalidInput):
    """A scenario file has a missing, unknown or out-of-range field."""


class HazardNotInRegion(ScenarioError):
    """A drill asks for a hazard the loaded region does not have (no zones for it)."""
