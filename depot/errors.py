"""Errors named after the domain.

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
