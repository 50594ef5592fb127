"""Every error relief raises on purpose, named after the domain: the one module of errors.

Every error relief raises on purpose derives from ``ReliefError``. The command line
turns one into a single message and an exit code in one place: ``InvalidInput``
(the user asked for something that cannot be) exits 2, ``Refused`` (a valid request
the books cannot honour) exits 1.

Errors about many things at once (a file's bad rows, a plan's stale lines) carry them
as ``problems``: a list of ``Problem`` records (where, field, message), built as data
where the fault is found, so that the command line and a server can each present them.

No message here names a command-line flag or command (tests/unit/test_messages.py keeps
it so): an error says what is wrong in domain terms, and two attributes say what the
command line needs to add, which it does in one place (``relief.cli.flags``):

* ``option`` names the setting the error concerns, as the library calls it
  (``"days"``, ``"max_hours"``, ``"force"``). Either the value given for it is wrong,
  and then the message begins with the setting's name, underscores read as spaces
  (``"max hours must be greater than 0 ..."``), which the command line replaces by its
  flag (``--max-hours``); or the setting is the one that would allow what was refused
  (``"force"`` to replace a database that holds data), and the command line adds how to
  use it (``"; pass --force to replace it"``).
* ``hint`` names where the valid values can be looked up or what to do next:
  ``"depots"``, ``"items"``, ``"teams"``, ``"depots_teams"``, ``"counties"``,
  ``"incidents"``, ``"plans"``, ``"accounts"`` (their listings), ``"new_incident"`` (add one),
  ``"init"`` / ``"upgrade"`` (create or upgrade the ``database`` of a
  ``DatabaseState`` error), ``"upgrade_command"`` (the upgrade, in general). The
  command line adds the command to run.
"""

from __future__ import annotations

from dataclasses import dataclass, field as _field


@dataclass(frozen=True)
class Problem:
    """One fault found in a file, a row or a plan, as data.

    ``where`` locates it (``"line 4"``, ``"depots.csv line 3"``, a file name, an item or
    team code; None when it is nowhere in particular), ``field`` is the column or field
    it concerns (``"qty"``; None when no single one), ``message`` says what is wrong in a
    sentence that reads on its own. ``line`` is the row's line number when ``where`` is a
    line of a file (for ordering; not part of equality). ``str()`` gives
    ``"line 4: qty must be ..."``.
    """

    where: str | None
    field: str | None
    message: str
    line: int | None = _field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    @classmethod
    def of(cls, error: Exception, where: str | None = None, *, line: int | None = None) -> Problem:
        """The problem that ``error`` (raised while checking one row or line) describes,
        with the field the error names, if any."""
        return cls(where, getattr(error, "field", None), str(error), line)

    @classmethod
    def at_line(cls, line: int, error: Exception, file: str | None = None) -> Problem:
        """The problem ``error`` describes at ``line`` of a file (``file`` names it when the
        problems span several files)."""
        return cls.of(error, f"{file} line {line}" if file else f"line {line}", line=line)


def _problems(problems: list[Problem] | list[str] | None) -> list[Problem]:
    # text without structure (a caller not yet giving fields) becomes a Problem without them
    return [p if isinstance(p, Problem) else Problem(None, None, str(p)) for p in problems or []]


class ReliefError(Exception):
    """Base of every error relief raises on purpose.

    ``field`` names the field or column the error is about (a row check sets it);
    ``option`` names, in domain terms, the setting the caller gave (``"days"``,
    ``"max_hours"``) or the one that would allow what was refused (``"force"``);
    ``hint`` names where to look the valid values up (``"items"``). See the module
    docstring; the command line shows flags, commands and how to fix it."""

    exit_code = 1

    def __init__(self, message: str = "", *, field: str | None = None, option: str | None = None,
                 hint: str | None = None):
        super().__init__(message)
        self.field = field
        self.option = option
        self.hint = hint


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

    def __init__(self, message: str, problems: list[Problem] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.problems = _problems(problems)


class RefusedRows(Refused):
    """Rows of a file that are well-formed but that the books cannot honour; ``problems`` lists them."""

    def __init__(self, message: str, problems: list[Problem] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.problems = _problems(problems)


class OutOfStock(Refused):
    """Not enough available stock for an issue, transfer or reservation."""


class ReservedStock(Refused):
    """The change would leave less on hand than is reserved for committed plans."""


class ExpiredLot(Refused):
    """The named lot has expired and expired stock was not explicitly allowed."""


class DocumentConflict(Refused):
    """A document number is already recorded with different content."""


class DatabaseState(Refused):
    """The database is not in a state the request can use.

    ``database`` names it as a user gives it (a SQLite file path, or a URL without its
    password), for a hint that names the command to run on it."""

    def __init__(self, message: str = "", *, database: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.database = database


class DatabaseNotEmpty(DatabaseState):
    """``init`` would overwrite a database that already holds data."""


class DatabaseNotReady(DatabaseState):
    """The database has no relief schema yet (run ``relief init``)."""


class SchemaOutOfDate(DatabaseState):
    """The database's schema is older than this relief needs (run ``relief db upgrade``)."""


class SchemaTooNew(DatabaseState):
    """The database's schema was made by a newer relief than this one."""


class DatabaseUnavailable(DatabaseState):
    """The database failed under the request: not a database, full, or its connection lost."""


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
    """Stock, teams or incidents changed since the plan was made; ``problems`` lists what."""

    def __init__(self, message: str, problems: list[Problem]):
        super().__init__(message)
        self.problems = _problems(problems)


class InvalidTravelTable(InvalidFile):
    """A travel-time table names unknown codes or holds bad minutes."""


class InvalidFleet(InvalidFile):
    """A vehicles or fleet table names an unknown depot or vehicle type, or holds a bad capacity or count."""


class NothingToPlan(Refused):
    """There is no open incident with an unmet need to plan for."""


class ScenarioError(InvalidInput):
    """A scenario file has a missing, unknown or out-of-range field."""


class HazardNotInRegion(ScenarioError):
    """A drill asks for a hazard the loaded region does not have (no zones for it)."""


# Accounts and permissions (the server)


class NotSignedIn(ReliefError):
    """No valid credentials: a wrong name or password, or a token missing, expired or revoked."""

    exit_code = 1


class Forbidden(ReliefError):
    """The signed-in account's role or scope does not allow the operation."""

    exit_code = 1


class TooManyAttempts(Refused):
    """Too many failed sign-ins for an account or from an address; wait before trying again."""


class UnknownAccount(InvalidInput):
    """No account has the given name."""


class AccountExists(Refused):
    """An account with the given name already exists."""


# Running scenarios on a cluster


class SchedulerUnavailable(Refused):
    """A Dask scheduler address is well formed but no scheduler (or no worker) answers there."""
