"""The role and scope rules of the server, as plain Python."""

from __future__ import annotations

import pytest

from relief.depot import access
from relief.depot.access import Principal
from relief.errors import Forbidden, InvalidInput

ADMIN = Principal("wang", "admin")
KEEPER = Principal("li", "keeper", depots=frozenset({"C1"}))
REGION_COORDINATOR = Principal("zhao", "coordinator")
LEAGUE_COORDINATOR = Principal("qian", "coordinator", leagues=frozenset({"甲市"}))
PLANNER = Principal("sun", "planner")
VIEWER = Principal("zhou", "viewer")
EVERYONE = (ADMIN, KEEPER, REGION_COORDINATOR, LEAGUE_COORDINATOR, PLANNER, VIEWER)


@pytest.mark.parametrize("who, depot, league, allowed", [
    (ADMIN, "C9", "乙盟", True),
    (KEEPER, "C1", "甲市", True),
    (KEEPER, "C9", "甲市", False),
    (REGION_COORDINATOR, "C9", "乙盟", True),
    (LEAGUE_COORDINATOR, "C1", "甲市", True),
    (LEAGUE_COORDINATOR, "C9", "乙盟", False),
    (PLANNER, "C1", "甲市", False),
    (VIEWER, "C1", "甲市", False),
])
def test_who_may_move_stock_where(who, depot, league, allowed):
    assert access.may_move_stock(who, depot, league) is allowed


@pytest.mark.parametrize("who, leagues, allowed", [
    (ADMIN, {"乙盟"}, True),
    (REGION_COORDINATOR, {"甲市", "乙盟"}, True),
    (LEAGUE_COORDINATOR, {"甲市"}, True),
    (LEAGUE_COORDINATOR, {"甲市", "乙盟"}, False),
    (KEEPER, {"甲市"}, False),
    (PLANNER, set(), False),
    (VIEWER, set(), False),
])
def test_who_may_dispatch_for_which_leagues(who, leagues, allowed):
    assert access.may_dispatch(who, leagues) is allowed


def test_drills_are_for_admins_coordinators_and_planners_and_the_audit_log_for_admins_and_viewers():
    assert [w.name for w in EVERYONE if access.may_drill(w)] == ["wang", "zhao", "qian", "sun"]
    assert [w.name for w in EVERYONE if access.may_read_audit(w)] == ["wang", "zhou"]


def test_a_refusal_names_the_account_its_scope_and_the_depots_outside_it():
    with pytest.raises(Forbidden) as caught:
        access.require_stock(KEEPER, {"C1": "甲市", "C9": "乙盟", "C8": "乙盟"})
    assert str(caught.value) == "li (keeper, depots C1) may not record stock movements at C8, C9"
    access.require_stock(KEEPER, {"C1": "甲市"})  # in scope: no error


def test_a_league_coordinator_is_told_which_leagues_are_outside_its_scope():
    with pytest.raises(Forbidden, match=r"^qian \(coordinator, leagues 甲市\) may not commit plan 3 in 乙盟$"):
        access.require_dispatch(LEAGUE_COORDINATOR, {"甲市", "乙盟"}, "commit plan 3")


@pytest.mark.parametrize("value", ["boss", "", None, "keepers"])
def test_an_unknown_role_is_refused_naming_the_roles(value):
    with pytest.raises(InvalidInput, match="role must be one of admin, coordinator, keeper, planner, viewer"):
        access.check_role(value)


def test_roles_are_read_case_blind():
    assert access.check_role(" Keeper ") == "keeper"


@pytest.mark.parametrize("role, depots, leagues, message", [
    ("keeper", [], [], "a keeper needs at least one depot"),
    ("keeper", ["C1"], ["甲市"], "a keeper's scope is depots, not leagues"),
    ("coordinator", ["C1"], [], "only a keeper has depots; a coordinator has leagues or the whole region"),
    ("viewer", ["C1"], [], "only a keeper has depots; a viewer has the whole region"),
    ("planner", [], ["甲市"], "only a coordinator has leagues; a planner acts on the whole region"),
])
def test_a_scope_the_role_cannot_use_is_refused(role, depots, leagues, message):
    with pytest.raises(InvalidInput, match=f"^{message}$"):
        access.check_scope(role, depots, leagues)


@pytest.mark.parametrize("role, depots, leagues", [
    ("keeper", ["C1", "C2"], []), ("coordinator", [], ["甲市"]), ("coordinator", [], []), ("admin", [], []),
])
def test_a_usable_scope_passes(role, depots, leagues):
    access.check_scope(role, depots, leagues)


def test_the_scope_reads_as_a_sentence():
    assert KEEPER.scope_text() == "depots C1"
    assert LEAGUE_COORDINATOR.scope_text() == "leagues 甲市"
    assert REGION_COORDINATOR.scope_text() == "the whole region"
    assert Principal("x", "keeper").scope_text() == "no depot"
