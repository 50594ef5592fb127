"""Accounts, tokens, sign-in limits, the audit log and the office's scope checks, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from relief.depot import accounts, db, keeper
from relief.depot.models import AccessToken, Account, AuditEvent, Balance, Movement
from relief.errors import AccountExists, Forbidden, InvalidInput, NotSignedIn, TooManyAttempts, UnknownAccount
from relief.routing import office
from relief.routing.drills import scenario as scenarios

PASSWORD = "correct horse battery"


@pytest.fixture
def books(tiny_db, today) -> str:
    """The tiny region with 10 tents at R99 and at C990102, an admin, a keeper of C990102
    and a coordinator of the league 甲市 (which holds R99)."""
    for depot in ("R99", "C990102"):
        keeper.receive(tiny_db, depot, "TENT", 10, actor="opening", today=today)
    accounts.add(tiny_db, "wang", "admin", PASSWORD, actor="setup")
    accounts.add(tiny_db, "li", "keeper", PASSWORD, depots=["C990102"], actor="setup")
    accounts.add(tiny_db, "zhao", "coordinator", PASSWORD, leagues=["甲市"], actor="setup")
    return tiny_db


def events(url: str, event: str) -> list[AuditEvent]:
    with db.session(url) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)))


def test_a_password_is_kept_only_as_an_argon2_hash(books):
    with db.session(books) as s:
        stored = s.exec(select(Account.password_hash).where(Account.name == "li")).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.sign_in(books, "li", PASSWORD).name == "li"


def test_an_account_lists_with_its_role_and_scope_and_its_creation_is_audited(books):
    listed = {row["name"]: row for row in accounts.listing(books)}
    assert (listed["li"]["role"], listed["li"]["depots"], listed["li"]["leagues"]) == ("keeper", ["C990102"], [])
    assert listed["zhao"]["leagues"] == ["甲市"] and not listed["zhao"]["disabled"]
    added = events(books, "account_added")
    assert [(e.account, e.actor) for e in added] == [("wang", "setup"), ("li", "setup"), ("zhao", "setup")]
    assert added[1].detail == "role keeper, depots C990102"


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "x", "role": "keeper", "password": "short", "depots": ["R99"]}, "password must be at least 10"),
    ({"name": "x", "role": "keeper", "password": PASSWORD, "depots": ["NOPE"]}, "unknown depot NOPE"),
    ({"name": "x", "role": "coordinator", "password": PASSWORD, "leagues": ["丙省"]}, "unknown league 丙省"),
    ({"name": "two words", "role": "viewer", "password": PASSWORD}, "account name must not hold spaces"),
])
def test_a_bad_account_is_refused_and_nothing_is_written(books, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        accounts.add(books, actor="setup", **kwargs)
    assert len(accounts.listing(books)) == 3


def test_an_account_name_is_taken_once(books):
    with pytest.raises(AccountExists, match="an account named li already exists"):
        accounts.add(books, "li", "viewer", PASSWORD, actor="setup")


def test_an_unknown_account_and_a_wrong_password_get_the_same_message(books):
    with pytest.raises(NotSignedIn) as unknown:
        accounts.sign_in(books, "nobody", PASSWORD)
    with pytest.raises(NotSignedIn) as wrong:
        accounts.sign_in(books, "li", "wrong password!")
    assert str(unknown.value) == str(wrong.value) == "wrong account name or password"
    assert [e.account for e in events(books, "login_failed")] == ["nobody", "li"]


def test_sign_in_is_limited_per_account_then_per_address(books):
    for _ in range(accounts.MAX_FAILED_ACCOUNT):
        with pytest.raises(NotSignedIn):
            accounts.sign_in(books, "li", "wrong password!", address="10.0.0.1")
    with pytest.raises(TooManyAttempts):  # even the right password, for now
        accounts.sign_in(books, "li", PASSWORD, address="10.0.0.2")
    assert accounts.sign_in(books, "zhao", PASSWORD, address="10.0.0.1").name == "zhao"  # other account
    for n in range(accounts.MAX_FAILED_ADDRESS - accounts.MAX_FAILED_ACCOUNT):
        with pytest.raises(NotSignedIn):
            accounts.sign_in(books, f"guess{n}", "wrong password!", address="10.0.0.1")
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(books, "wang", PASSWORD, address="10.0.0.1")
    assert accounts.sign_in(books, "wang", PASSWORD, address="10.0.0.3").name == "wang"


def test_a_token_is_kept_only_as_its_digest_and_names_its_account(books):
    raw, _ = accounts.create_token(books, "li", actor="wang", label="nightly import")
    with db.session(books) as s:
        kept = s.exec(select(AccessToken.digest)).all()
    assert kept == [accounts.digest(raw)] and raw not in kept
    who = accounts.principal(books, raw)
    assert (who.name, who.role, who.depots) == ("li", "keeper", frozenset({"C990102"}))
    assert [(e.account, e.actor, e.detail) for e in events(books, "token_created")] == [("li", "wang", "nightly import")]


@pytest.mark.parametrize("kind_asked", [("session",), ("bearer",)])
def test_a_token_works_only_for_its_own_kind(books, kind_asked):
    raw, _ = accounts.create_token(books, "li", actor="wang")  # a script token
    with pytest.raises(NotSignedIn):
        accounts.principal(books, raw, kinds=kind_asked)


def test_an_expired_token_a_revoked_one_and_none_are_refused(books):
    expired, _ = accounts.create_token(books, "li", actor="wang", lifetime=timedelta(seconds=-1))
    revoked, _ = accounts.create_token(books, "li", actor="wang")
    accounts.revoke(books, revoked)
    for token in (expired, revoked, None, "rlf_made-up"):
        with pytest.raises(NotSignedIn):
            accounts.principal(books, token)


def test_disabling_an_account_stops_its_sign_in_and_its_tokens(books):
    raw, _ = accounts.create_token(books, "li", actor="wang")
    assert accounts.disable(books, "li", actor="wang")["disabled"]
    with pytest.raises(NotSignedIn, match="^wrong account name or password$"):
        accounts.sign_in(books, "li", PASSWORD)
    with pytest.raises(NotSignedIn):
        accounts.principal(books, raw)
    with pytest.raises(InvalidInput, match="the account li is disabled"):
        accounts.create_token(books, "li", actor="wang")
    with pytest.raises(UnknownAccount):
        accounts.disable(books, "nobody", actor="wang")


def test_the_audit_log_refuses_to_be_rewritten(books):
    with db.get_engine(books).connect() as conn:
        for statement in ("UPDATE auditevent SET detail = 'x'", "DELETE FROM auditevent"):
            with pytest.raises(DBAPIError, match="append-only"):
                with conn.begin():
                    conn.execute(text(statement))
    assert len(accounts.audit_log(books)) == 3


def test_the_office_records_the_signed_in_account_as_the_actor(books, today):
    li = accounts.sign_in(books, "li", PASSWORD)
    posted = office.issue(books, li, "C990102", "TENT", 4, today=today)
    with db.session(books) as s:
        moved = s.exec(select(Movement).where(Movement.doc == posted.number)).all()
    assert [(m.actor, m.qty) for m in moved] == [("li", -4)]


def stock(url: str) -> dict[str, int]:
    with db.session(url) as s:
        return {b.depot: b.on_hand for b in s.exec(select(Balance))}


@pytest.mark.parametrize("call", [
    lambda url, who, day: office.receive(url, who, "R99", "TENT", 5, today=day),
    lambda url, who, day: office.issue(url, who, "R99", "TENT", 5, today=day),
    lambda url, who, day: office.transfer(url, who, "R99", "C990102", "TENT", 5, today=day),
    lambda url, who, day: office.adjust(url, who, "R99", "TENT", -1, "damaged", today=day),
    lambda url, who, day: office.count(url, who, "R99", "TENT", 3, today=day),
], ids=["receive", "issue", "transfer", "adjust", "count"])
def test_a_keeper_is_refused_at_another_depot_nothing_is_written_and_the_refusal_is_audited(books, today, call):
    li = accounts.sign_in(books, "li", PASSWORD, address="10.1.1.1")
    before = stock(books)
    with pytest.raises(Forbidden, match=r"^li \(keeper, depots C990102\) may not record stock movements at R99$"):
        call(books, li, today)
    assert stock(books) == before
    refused = events(books, "refused")
    assert [(e.account, e.detail) for e in refused] == [("li", "li (keeper, depots C990102) may not record "
                                                               "stock movements at R99")]


def test_a_transfer_counts_at_the_sending_depot(books, today):
    li = accounts.sign_in(books, "li", PASSWORD)
    office.transfer(books, li, "C990102", "R99", "TENT", 2, today=today)
    assert stock(books) == {"R99": 12, "C990102": 8}


def test_a_league_coordinator_moves_stock_in_its_league_only(books, today):
    zhao = accounts.sign_in(books, "zhao", PASSWORD)
    office.receive(books, zhao, "R99", "TENT", 1, today=today)  # R99 lies in 甲市
    with pytest.raises(Forbidden):
        office.receive(books, zhao, "C990201", "TENT", 1, today=today)


def test_an_unknown_depot_is_bad_input_not_a_refusal(books, today):
    li = accounts.sign_in(books, "li", PASSWORD)
    with pytest.raises(InvalidInput, match="NOPE"):
        office.receive(books, li, "NOPE", "TENT", 1, today=today)
    assert events(books, "refused") == []


def test_only_admins_and_viewers_read_the_audit_log(books):
    accounts.add(books, "zhou", "viewer", PASSWORD, actor="setup")
    viewer = accounts.sign_in(books, "zhou", PASSWORD)
    assert office.audit_log(books, viewer, limit=1)[0]["event"] == "login"
    with pytest.raises(Forbidden, match=r"^li \(keeper\) may not read the audit log$"):
        office.audit_log(books, accounts.sign_in(books, "li", PASSWORD))


def test_a_keeper_may_not_run_drills_or_plans(books, today):
    li = accounts.sign_in(books, "li", PASSWORD)
    with pytest.raises(Forbidden, match="may not run drills"):
        office.drill(books, li, scenarios.shipped("chifeng-m6-winter"), today=today)
    with pytest.raises(Forbidden, match="may not make dispatch plans"):
        office.plan(books, li, today=today)
    with db.session(books) as s:
        assert s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "refused")).one() == 2
