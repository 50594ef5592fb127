"""Accounts, passwords, tokens and the audit log of the server.

Passwords are kept only as argon2id hashes and tokens only as SHA-256 digests: neither is
ever stored or logged in clear. A raw token is shown once, when it is made. Sign-in is
rate-limited from the audit log itself, so that every server process sharing the
database counts the same failures: after ``MAX_FAILED_ACCOUNT`` failed sign-ins of an
account, or ``MAX_FAILED_ADDRESS`` from one address, within ``LOCKOUT``, sign-in is
refused until the window has passed. The outcome of an attempt is counted and recorded
in one transaction that sign-ins take one at a time, so attempts sent all at once get no
more answers than attempts sent one after another. An unknown account and a wrong
password get the same message (and take the same time).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, update
from sqlalchemy import text as sql_text
from sqlmodel import Session, select

from relief.depot import db, text
from relief.depot.access import Principal, check_role, check_scope
from relief.depot.models import AccessToken, Account, AccountScope, AuditEvent, County, Depot
from relief.errors import AccountExists, InvalidInput, NotSignedIn, TooManyAttempts, UnknownAccount

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
LOCKOUT = timedelta(minutes=15)
MAX_FAILED_ACCOUNT = 5
MAX_FAILED_ADDRESS = 20
TOKEN_KINDS = {"script": timedelta(days=90), "bearer": timedelta(hours=8), "session": timedelta(hours=8)}
EVENTS = ("login", "login_failed", "login_refused", "refused", "account_added", "account_disabled", "token_created")
WRONG = "wrong account name or password"
SIGN_IN_LOCK = 7_041_507  # PostgreSQL advisory lock key held while an attempt is counted and recorded
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("relief: a hash to check against when the account does not exist")


def now() -> datetime:
    """The current time in UTC (what every row of this module records)."""
    return datetime.now(timezone.utc)


def check_password(password: object) -> str:
    """Return ``password`` if it is long enough; raises ``InvalidInput`` (never showing it)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters", option="password")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"password must be at most {MAX_PASSWORD} characters", option="password")
    return password


def check_name(value: object) -> str:
    """An account name: a code without spaces (``wang``, ``keeper.c150121``); raises ``InvalidInput``."""
    name = text.code(value, "account name", option="name")
    if any(c.isspace() for c in name):
        raise InvalidInput(f"account name must not hold spaces; got {name!r}", option="name")
    return name


def digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is kept."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add(url: str, name: str, role: str, password: str, *, depots: Iterable[str] = (), leagues: Iterable[str] = (),
        actor: str) -> dict:
    """Create an account; returns it as ``listing`` shows it.

    Raises ``InvalidInput`` for a bad name, role, password or scope (see
    ``access.check_scope``), ``UnknownDepot``-like ``InvalidInput`` for a depot or league
    the books do not have, ``AccountExists`` when the name is taken. Audited as ``account_added``.
    """
    name, role = check_name(name), check_role(role)
    depots = sorted({text.code(d, "depot code", option="depot").upper() for d in depots})
    leagues = sorted({text.name(x, "league", option="league") for x in leagues})
    check_scope(role, depots, leagues)
    hashed = _hasher.hash(check_password(password))

    def work(s: Session) -> dict:
        if s.exec(select(Account).where(Account.name == name)).first():
            raise AccountExists(f"an account named {name} already exists")
        known = set(s.exec(select(Depot.code).where(Depot.code.in_(depots))).all()) if depots else set()
        if set(depots) - known:
            raise InvalidInput(f"unknown depot {', '.join(sorted(set(depots) - known))}", option="depot", hint="depots")
        names = set(s.exec(select(County.league).distinct()).all())
        if set(leagues) - names:
            raise InvalidInput(f"unknown league {', '.join(sorted(set(leagues) - names))}; the leagues are "
                               f"{', '.join(sorted(names))}", option="league")
        row = Account(name=name, role=role, password_hash=hashed, created_at=now(), created_by=actor)
        s.add(row)
        s.flush()
        s.add_all([AccountScope(account=row.id, kind="depot", code=c) for c in depots]
                  + [AccountScope(account=row.id, kind="league", code=c) for c in leagues])
        s.add(_event("account_added", name, actor, detail=f"role {role}" + _scope_detail(depots, leagues)))
        s.flush()
        return _view(s, row)
    return db.write(url, work)


def listing(url: str) -> list[dict]:
    """Every account: name, role, depots, leagues, disabled, created_at, created_by."""
    with db.session(url) as s:
        return [_view(s, row) for row in s.exec(select(Account).order_by(Account.name)).all()]


def disable(url: str, name: str, *, actor: str) -> dict:
    """Disable the account ``name`` and revoke its tokens and sessions; returns it.
    Raises ``UnknownAccount``. Audited as ``account_disabled``."""
    name = check_name(name)

    def work(s: Session) -> dict:
        row = _account(s, name)
        row.disabled = True
        s.add(row)
        s.execute(update(AccessToken).where(AccessToken.account == row.id).values(revoked=True))
        s.add(_event("account_disabled", name, actor))
        s.flush()
        return _view(s, row)
    return db.write(url, work)


def create_token(url: str, name: str, *, kind: str = "script", label: str = "", actor: str,
                 lifetime: timedelta | None = None, address: str = "") -> tuple[str, datetime]:
    """Make a token of ``kind`` (script, bearer, session) for the account ``name``; returns
    the raw token (shown once, kept only as its digest) and its expiry. Raises
    ``UnknownAccount``, ``InvalidInput`` for a disabled account. Audited as ``token_created``
    (script tokens) or not at all (the sign-in already was)."""
    name = check_name(name)
    raw = "rlf_" + secrets.token_urlsafe(32)
    expires = now() + (lifetime or TOKEN_KINDS[kind])

    def work(s: Session) -> None:
        row = _account(s, name)
        if row.disabled:
            raise InvalidInput(f"the account {name} is disabled", option="name")
        s.add(AccessToken(account=row.id, kind=kind, digest=digest(raw), label=label, created_at=now(),
                          expires_at=expires))
        if kind == "script":
            s.add(_event("token_created", name, actor, address, detail=label))
    db.write(url, work)
    return raw, expires


def sign_in(url: str, name: str, password: str, *, address: str = "") -> Principal:
    """Check ``name`` and ``password``; returns the account's ``Principal``.

    Every attempt is audited (``login``, ``login_failed`` or ``login_refused``). Raises
    ``TooManyAttempts`` when the account or the address has failed too often lately
    (before the password is even checked, and again when the outcome is recorded, so
    that concurrent attempts cannot outrun the count) and ``NotSignedIn`` with one
    message for an unknown account, a disabled one and a wrong password.
    """
    name = _attempted(name)
    with db.session(url) as s:
        locked = _locked_out(s, name, address)
        row = s.exec(select(Account).where(Account.name == name)).first()
        who = _principal(s, row) if row else None
        hashed, disabled = (row.password_hash, row.disabled) if row else (_DUMMY, False)
    if locked:
        audit(url, "login_refused", name, address=address, detail="too many failed sign-ins")
        raise _too_many()
    good = _verify(hashed, password) and who is not None and not disabled

    def settle(s: Session) -> str:
        if s.get_bind().dialect.name == "postgresql":  # SQLite's write transaction is already one at a time
            s.execute(sql_text(f"SELECT pg_advisory_xact_lock({SIGN_IN_LOCK})"))
        if _locked_out(s, name, address):
            s.add(_event("login_refused", name, address=address, detail="too many failed sign-ins"))
            return "refused"
        if good:
            s.add(_event("login", name, name, address))
            return "login"
        s.add(_event("login_failed", name, address=address, detail="disabled" if disabled else ""))
        return "failed"
    outcome = db.write(url, settle)
    if outcome == "refused":
        raise _too_many()
    if outcome == "failed":
        raise NotSignedIn(WRONG)
    return who


def principal(url: str, token: str | None, *, kinds: Iterable[str] = ("script", "bearer")) -> Principal:
    """The account a raw ``token`` of one of ``kinds`` belongs to. Raises ``NotSignedIn``
    when it is missing, unknown, of another kind, expired, revoked or its account disabled."""
    if not token:
        raise NotSignedIn("sign in first: no token was given")
    with db.session(url) as s:
        row = s.exec(select(AccessToken).where(AccessToken.digest == digest(token))).first()
        if row is None or row.kind not in tuple(kinds) or row.revoked or _aware(row.expires_at) <= now():
            raise NotSignedIn("the token is unknown, expired or revoked; sign in again")
        account = s.get(Account, row.account)
        if account is None or account.disabled:
            raise NotSignedIn("the token is unknown, expired or revoked; sign in again")
        return _principal(s, account)


def revoke(url: str, token: str) -> None:
    """Revoke a raw token (signing out); an unknown token is ignored."""
    db.write(url, lambda s: s.execute(update(AccessToken).where(AccessToken.digest == digest(token))
                                      .values(revoked=True)))


def audit(url: str, event: str, account: str = "", *, actor: str = "", address: str = "", detail: str = "") -> None:
    """Append one line to the audit log, in its own transaction (a refusal is recorded even
    though the refused operation writes nothing)."""
    db.write(url, lambda s: s.add(_event(event, account, actor, address, detail)))


def audit_log(url: str, *, limit: int = 200, event: str | None = None) -> list[dict]:
    """The newest ``limit`` lines of the audit log (optionally of one ``event``), newest first:
    id, at, event, account, actor, address, detail."""
    if event is not None and event not in EVENTS:
        raise InvalidInput(f"event must be one of {', '.join(EVENTS)}; got {event!r}", field="event")
    with db.session(url) as s:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if event:
            query = query.where(AuditEvent.event == event)
        return [{"id": r.id, "at": _aware(r.at).isoformat(timespec="seconds"), "event": r.event,
                 "account": r.account, "actor": r.actor, "address": r.address, "detail": r.detail}
                for r in s.exec(query).all()]


def _attempted(name: object) -> str:
    """The account name of a sign-in attempt as the audit log keeps it: trimmed, at most
    ``text.MAX_CODE`` characters, a character no account name may hold (a control
    character, which PostgreSQL cannot even store) shown as U+FFFD."""
    given = str(name or "").strip()[:text.MAX_CODE]
    return "".join(c if c.isprintable() else "\ufffd" for c in given)


def _locked_out(s: Session, name: str, address: str) -> bool:
    """Whether ``name`` or ``address`` has failed to sign in too often within ``LOCKOUT``."""
    since = now() - LOCKOUT
    failed = select(func.count(AuditEvent.id)).where(AuditEvent.event == "login_failed", AuditEvent.at >= since)
    if s.exec(failed.where(AuditEvent.account == name)).one() >= MAX_FAILED_ACCOUNT:
        return True
    return bool(address) and s.exec(failed.where(AuditEvent.address == address)).one() >= MAX_FAILED_ADDRESS


def _too_many() -> TooManyAttempts:
    return TooManyAttempts(f"too many failed sign-ins; try again in {int(LOCKOUT.total_seconds() // 60)} minutes")


def _verify(hashed: str, password: object) -> bool:
    try:
        return isinstance(password, str) and _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _account(s: Session, name: str) -> Account:
    row = s.exec(select(Account).where(Account.name == name)).first()
    if row is None:
        raise UnknownAccount(f"no account is named {name}", hint="accounts")
    return row


def _principal(s: Session, row: Account) -> Principal:
    scopes = s.exec(select(AccountScope).where(AccountScope.account == row.id)).all()
    return Principal(row.name, row.role, frozenset(x.code for x in scopes if x.kind == "depot"),
                     frozenset(x.code for x in scopes if x.kind == "league"))


def _view(s: Session, row: Account) -> dict:
    who = _principal(s, row)
    return {"name": row.name, "role": row.role, "depots": sorted(who.depots), "leagues": sorted(who.leagues),
            "disabled": row.disabled, "created_at": _aware(row.created_at).isoformat(timespec="seconds"),
            "created_by": row.created_by}


def _event(event: str, account: str, actor: str = "", address: str = "", detail: str = "") -> AuditEvent:
    return AuditEvent(at=now(), event=event, account=account, actor=actor, address=address, detail=detail)


def _scope_detail(depots: list[str], leagues: list[str]) -> str:
    return (f", depots {', '.join(depots)}" if depots else "") + (f", leagues {', '.join(leagues)}" if leagues else "")


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; every one of them was written in UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
