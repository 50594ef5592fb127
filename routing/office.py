"""Every operation of the networked office, done as a signed-in account.

The server's API and its web pages call these functions, never the keeper or dispatch
functions directly: each one checks the ``Principal``'s role and scope (``depot.access``)
against the books, then calls the same library function the command line does, with the
account's name as the actor. A refusal raises ``Forbidden`` and is written to the audit
log (with the account and address) before anything else happens; nothing else is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session, select

from relief.depot import access, accounts, db, keeper, text
from relief.depot.access import Principal
from relief.depot.ledger import Posted
from relief.depot.models import County, Depot, Incident, Plan
from relief.errors import Forbidden, NothingToPlan
from relief.routing import books
from relief.routing.core import geo
from relief.routing.core.document import PlanDocument
from relief.routing.dispatch import incidents, planning, plans
from relief.routing.drills import run as drills
from relief.routing.drills.scenario import Scenario

T = TypeVar("T")


def receive(url: str, who: Principal, depot: str, item: str, qty: object, *, today: date, **details) -> Posted:
    """``keeper.receive`` at ``depot`` as ``who``; raises ``Forbidden`` outside its scope."""
    _stock_scope(url, who, [depot])
    return keeper.receive(url, depot, item, qty, actor=who.name, today=today, **details)


def issue(url: str, who: Principal, depot: str, item: str, qty: object, *, today: date, **details) -> Posted:
    """``keeper.issue`` from ``depot`` as ``who``; raises ``Forbidden`` outside its scope."""
    _stock_scope(url, who, [depot])
    return keeper.issue(url, depot, item, qty, actor=who.name, today=today, **details)


def transfer(url: str, who: Principal, source: str, dest: str, item: str, qty: object, *, today: date,
             **details) -> Posted:
    """``keeper.transfer`` as ``who``, who must hold the sending depot in scope."""
    _stock_scope(url, who, [source])
    return keeper.transfer(url, source, dest, item, qty, actor=who.name, today=today, **details)


def adjust(url: str, who: Principal, depot: str, item: str, delta: object, reason: str, *, today: date,
           **details) -> Posted:
    """``keeper.adjust`` at ``depot`` as ``who``; raises ``Forbidden`` outside its scope."""
    _stock_scope(url, who, [depot])
    return keeper.adjust(url, depot, item, delta, reason, actor=who.name, today=today, **details)


def count(url: str, who: Principal, depot: str, item: str, counted: object, *, today: date, **details) -> Posted:
    """``keeper.count`` at ``depot`` as ``who``; raises ``Forbidden`` outside its scope."""
    _stock_scope(url, who, [depot])
    return keeper.count(url, depot, item, counted, actor=who.name, today=today, **details)


def import_file(url: str, who: Principal, path: str | Path, *, today: date, name: str | None = None) -> list[Posted]:
    """``keeper.import_file`` as ``who``: every depot a row records at (the sending depot of
    a transfer) must be in its scope, else ``Forbidden`` names those that are not and
    nothing is recorded. Malformed rows are reported as ``keeper.import_file`` does;
    ``name`` is the file's name as its sender calls it (an upload kept under another)."""
    def in_scope(docs: list) -> None:
        _stock_scope(url, who, [op.depot for doc in docs for op in doc.ops])

    return keeper.import_file(url, str(path), actor=who.name, today=today, name=name, check=in_scope)


def add_incident(url: str, who: Principal, name: str, lon: object, lat: object, *, today: date,
                 **details) -> dict:
    """``incidents.add`` as ``who``, who must dispatch in the league the point lies in."""
    point = geo.check_point(lon, lat)
    with db.session(url) as s:
        adcode = books.counties(s, url).locate(*point)
        league = s.get(County, adcode).league
    _guarded(url, who, lambda: access.require_dispatch(who, [league], "add incidents"))
    return incidents.add(url, name, point[0], point[1], today=today, **details)


def close_incident(url: str, who: Principal, incident_id: object) -> dict:
    """``incidents.close`` as ``who``, who must dispatch in the incident's league."""
    with db.session(url) as s:
        leagues = _incident_leagues(s, [incident_id])
    _guarded(url, who, lambda: access.require_dispatch(who, leagues, f"close incident {incident_id}"))
    return incidents.close(url, incident_id)


def plan(url: str, who: Principal, *, incident_ids: list[int] | None = None, today: date, **options) -> PlanDocument:
    """``planning.plan`` as ``who``: a coordinator of some leagues plans the open incidents
    of its leagues (or those it names, which must lie in them)."""
    _guarded(url, who, lambda: access.require_dispatch(who, [], "make dispatch plans"))
    if who.role == "coordinator" and who.leagues:
        with db.session(url) as s:
            if incident_ids:
                leagues = _incident_leagues(s, incident_ids)
                _guarded(url, who, lambda: access.require_dispatch(who, leagues, "plan for incidents"))
            else:
                incident_ids = list(s.exec(select(Incident.id).join(County, Incident.county == County.adcode)
                                           .where(Incident.status == "open", County.league.in_(who.leagues))
                                           .order_by(Incident.id)).all())
            if not incident_ids:
                raise NothingToPlan(f"no open incident in {', '.join(sorted(who.leagues))}", hint="new_incident")
    return planning.plan(url, incident_ids=incident_ids, today=today, **options)


def commit(url: str, who: Principal, plan_id: object, *, today: date) -> PlanDocument:
    """``plans.commit`` as ``who``, who must dispatch for every incident of the plan."""
    _plan_scope(url, who, plan_id, "commit")
    return plans.commit(url, plan_id, actor=who.name, today=today)


def ship(url: str, who: Principal, plan_id: object, *, today: date) -> PlanDocument:
    """``plans.ship`` as ``who``, who must dispatch for every incident of the plan."""
    _plan_scope(url, who, plan_id, "ship")
    return plans.ship(url, plan_id, actor=who.name, today=today)


def cancel(url: str, who: Principal, plan_id: object, *, today: date) -> PlanDocument:
    """``plans.cancel`` as ``who``, who must dispatch for every incident of the plan."""
    _plan_scope(url, who, plan_id, "cancel")
    return plans.cancel(url, plan_id, actor=who.name, today=today)


def drill(url: str, who: Principal, scenario: Scenario, *, today: date, method: str = "optimal") -> drills.DrillReport:
    """``drills.run`` of a scenario already read (``scenario.from_text``, ``scenario.shipped``)
    as ``who`` (admin, coordinator, planner): the server never runs a file named by a request."""
    _guarded(url, who, lambda: access.require(access.may_drill(who), who, "run drills"))
    return drills.run(url, scenario, method=method, today=today)


def audit_log(url: str, who: Principal, *, limit: int = 200, event: str | None = None) -> list[dict]:
    """``accounts.audit_log`` for ``who`` (admin, viewer)."""
    _guarded(url, who, lambda: access.require(access.may_read_audit(who), who, "read the audit log"))
    return accounts.audit_log(url, limit=limit, event=event)


def _guarded(url: str, who: Principal, check: Callable[[], T]) -> T:
    """Run ``check``; a ``Forbidden`` it raises is audited as ``refused`` and raised again."""
    try:
        return check()
    except Forbidden as exc:
        accounts.audit(url, "refused", who.name, actor=who.name, address=who.address, detail=str(exc))
        raise


def _stock_scope(url: str, who: Principal, codes: Iterable[str]) -> None:
    codes = {str(c or "").strip().upper() for c in codes}
    with db.session(url) as s:
        leagues = dict(s.exec(select(Depot.code, County.league).join(County, Depot.county == County.adcode)
                              .where(Depot.code.in_(codes))).all())
    # an unknown depot is the keeper function's to report (422), not a refusal
    _guarded(url, who, lambda: access.require_stock(who, leagues))


def _incident_leagues(s: Session, ids: Iterable[object]) -> set[str]:
    wanted = [text.record_id(i, "incident id") for i in ids]
    return set(s.exec(select(County.league).join(Incident, Incident.county == County.adcode)
                      .where(Incident.id.in_(wanted))).all())


def _plan_scope(url: str, who: Principal, plan_id: object, verb: str) -> None:
    with db.session(url) as s:
        row = s.get(Plan, text.record_id(plan_id, "plan id"))
        ids = [i["id"] for i in json.loads(row.document)["incidents"]] if row else []
        leagues = _incident_leagues(s, ids)
    _guarded(url, who, lambda: access.require_dispatch(who, leagues, f"{verb} plan {plan_id}"))
