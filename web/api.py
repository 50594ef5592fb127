"""The HTTP API (JSON), mounted under ``/api``: the one router ``web.app`` includes.

Sign in with ``POST /api/token`` (form fields ``username`` and ``password``) and send
``Authorization: Bearer <token>`` on every other call. Every signed-in account may read
everything; writes go through ``routing.office``, which checks the account's role and
scope and records it as the actor. This module holds sign-in, the account, the region's
fixed records and the audit log; ``api_stock``, ``api_dispatch`` and ``api_drills`` hold
the rest, and their routes are included here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request

from relief.depot import accounts, catalog, text
from relief.depot.region import TEAM_STATUSES
from relief.errors import InvalidInput
from relief.routing import office
from relief.web import api_dispatch, api_drills, api_stock, auth
from relief.web.api_common import User, pick, reading, url_of

router = APIRouter(prefix="/api")
DEPOT_KEYS = ("code", "name", "level", "county", "lon", "lat", "capacity_m3", "outbound_t_day")


@router.post("/token", tags=["accounts"])
def token(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]) -> dict:
    """Sign in; returns ``{"access_token", "token_type": "bearer", "expires_at"}``.

    Raises ``NotSignedIn`` (401, one message for an unknown account and a wrong password)
    and ``TooManyAttempts`` (429) after repeated failures. Every attempt is audited."""
    url, address = url_of(request), auth.address(request)
    who = accounts.sign_in(url, username, password, address=address)
    raw, expires = accounts.create_token(url, who.name, kind="bearer", actor=who.name, address=address)
    return {"access_token": raw, "token_type": "bearer", "expires_at": expires.isoformat(timespec="seconds")}


@router.get("/me", tags=["accounts"])
def me(who: User) -> dict:
    """The signed-in account: name, role and scope (depots of a keeper, leagues of a coordinator)."""
    return {"name": who.name, "role": who.role, "depots": sorted(who.depots), "leagues": sorted(who.leagues)}


@router.get("/depots", tags=["region"])
def depots(request: Request, who: User, level: str | None = None, league: str | None = None) -> list[dict]:
    """Depots ordered by level and code (``relief depot list --json``); 422 for an unknown level."""
    if league is not None:
        text.name(league, "league", option="league")  # 422 for a control character (PostgreSQL stores none)
    with reading(request) as s:
        return pick(catalog.depots(s, level=level, league=league), DEPOT_KEYS)


@router.get("/items", tags=["region"])
def items(request: Request, who: User, category: str | None = None) -> list[dict]:
    """The item catalogue (``relief item list --json``)."""
    if category is not None:
        text.name(category, "category", option="category")
    with reading(request) as s:
        return catalog.items(s, category=category)


@router.get("/teams", tags=["region"])
def teams(request: Request, who: User, status: str | None = None) -> list[dict]:
    """Relief and rescue teams (``relief team list --json``); 422 for an unknown status."""
    if status is not None and status not in TEAM_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(TEAM_STATUSES)}; got {status!r}", option="status")
    with reading(request) as s:
        return catalog.teams(s, status=status)


@router.get("/audit", tags=["accounts"])
def audit(request: Request, who: User, limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
          event: str | None = None) -> list[dict]:
    """The newest audit lines, newest first (admin and viewer; 403 for the others)."""
    return office.audit_log(url_of(request), who, limit=limit, event=event)


router.include_router(api_stock.router)
router.include_router(api_dispatch.router)
router.include_router(api_drills.router)
