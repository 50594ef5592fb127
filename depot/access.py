"""Who may do what: roles, scopes and the checks every server operation makes.

Plain rules without a database. A ``Principal`` is a signed-in account: its name (the
actor recorded on everything it does), its role and its scope (depot codes for a keeper,
league names for a coordinator). The checks raise ``Forbidden`` with a sentence that
names the account, what it asked and what its scope allows.

What each role may do (every role may read the books: stock, ledger, incidents, plans):

* ``admin``: everything, including the audit log.
* ``coordinator``: stock operations, incidents, plans and drills in its leagues, or in
  the whole region when it names none.
* ``keeper``: stock operations at its depots (a transfer counts at the sending depot).
* ``planner``: drills and their reports; read-only on stock.
* ``viewer``: read-only, the audit log included (supervision).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from relief.errors import Forbidden, InvalidInput

ROLES = ("admin", "coordinator", "keeper", "planner", "viewer")
ROLE_TEXT = {
    "admin": "everything, including accounts and the audit log",
    "coordinator": "stock, incidents, plans and drills in its leagues (the whole region when none is named)",
    "keeper": "stock operations at its depots",
    "planner": "drills and their reports; read-only on stock",
    "viewer": "read-only, the audit log included",
}


@dataclass(frozen=True)
class Principal:
    """A signed-in account: ``name``, ``role``, its scope (``depots``, ``leagues``) and the
    ``address`` its request came from (for the audit log)."""

    name: str
    role: str
    depots: frozenset[str] = field(default_factory=frozenset)
    leagues: frozenset[str] = field(default_factory=frozenset)
    address: str = field(default="", compare=False)  # where the request came from, for the audit log

    def scope_text(self) -> str:
        """The scope as a person reads it: ``"depots C150121, C150122"``, ``"leagues 呼和浩特市"``
        or ``"the whole region"``."""
        if self.role == "keeper":
            return "depots " + ", ".join(sorted(self.depots)) if self.depots else "no depot"
        if self.role == "coordinator" and self.leagues:
            return "leagues " + ", ".join(sorted(self.leagues))
        return "the whole region"


def check_role(value: object) -> str:
    """Return ``value`` lower-cased if it is a role; raises ``InvalidInput`` naming the roles."""
    role = str(value or "").strip().lower()
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}; got {value!r}", option="role")
    return role


def check_scope(role: str, depots: Iterable[str], leagues: Iterable[str]) -> None:
    """Check that a role gets a scope it can use: a keeper names one depot or more and no
    league; a coordinator may name leagues but no depot; the other roles name neither.
    Raises ``InvalidInput`` saying what the role allows."""
    depots, leagues = list(depots), list(leagues)
    if role == "keeper":
        if not depots:
            raise InvalidInput("a keeper needs at least one depot", option="depot")
        if leagues:
            raise InvalidInput("a keeper's scope is depots, not leagues", option="league")
        return
    if depots:
        raise InvalidInput(f"only a keeper has depots; a {role} has "
                           + ("leagues or the whole region" if role == "coordinator" else "the whole region"),
                           option="depot")
    if leagues and role != "coordinator":
        raise InvalidInput(f"only a coordinator has leagues; a {role} acts on the whole region", option="league")


def may_move_stock(who: Principal, depot: str, league: str | None) -> bool:
    """True when ``who`` may record stock movements at ``depot`` (in ``league``)."""
    if who.role == "admin":
        return True
    if who.role == "keeper":
        return depot in who.depots
    if who.role == "coordinator":
        return not who.leagues or league in who.leagues
    return False


def may_dispatch(who: Principal, leagues: Iterable[str]) -> bool:
    """True when ``who`` may add, plan, commit, ship or cancel for incidents in ``leagues``."""
    if who.role == "admin":
        return True
    if who.role != "coordinator":
        return False
    return not who.leagues or set(leagues) <= who.leagues


def may_drill(who: Principal) -> bool:
    """True when ``who`` may run drills (admin, coordinator, planner)."""
    return who.role in ("admin", "coordinator", "planner")


def may_read_audit(who: Principal) -> bool:
    """True when ``who`` may read the audit log (admin, viewer)."""
    return who.role in ("admin", "viewer")


def require_stock(who: Principal, depots: dict[str, str | None]) -> None:
    """Raise ``Forbidden`` unless ``who`` may move stock at every depot of ``depots``
    (code → league); the message names the depots outside its scope."""
    outside = sorted(code for code, league in depots.items() if not may_move_stock(who, code, league))
    if outside:
        raise Forbidden(f"{who.name} ({who.role}, {who.scope_text()}) may not record stock movements at "
                        f"{', '.join(outside)}")


def require_dispatch(who: Principal, leagues: Iterable[str], what: str) -> None:
    """Raise ``Forbidden`` unless ``who`` may ``what`` (e.g. ``"commit plan 3"``) for
    incidents in ``leagues``."""
    leagues = set(leagues)
    if not may_dispatch(who, leagues):
        where = f" in {', '.join(sorted(leagues - who.leagues))}" if who.role == "coordinator" else ""
        raise Forbidden(f"{who.name} ({who.role}, {who.scope_text()}) may not {what}{where}")


def require(allowed: bool, who: Principal, what: str) -> None:
    """Raise ``Forbidden`` saying ``who`` may not ``what`` unless ``allowed``."""
    if not allowed:
        raise Forbidden(f"{who.name} ({who.role}) may not {what}")
