"""Dispatch plans: make one from the live books and save it as a draft.

``plan`` reads open incidents (less what committed plans already send), available lots
and ready teams through ``routing.books``, runs the chosen method, builds the plan
document and saves it as a draft; what happens to a saved plan (commit, ship, cancel)
is ``routing.dispatch.plans``.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlalchemy import insert
from sqlmodel import Session

from relief.depot import db, text
from relief.depot.models import Plan, PlanShipment, PlanTeam
from relief.errors import NothingToPlan
from relief.routing import books
from relief.routing.core import document as documents
from relief.routing.core.document import PlanDocument
from relief.routing.core.methods import solve
from relief.routing.core.results import Method, PlanStatus


def plan(url: str, *, method: Method | str = Method.OPTIMAL, incident_ids: list[int] | None = None, today: date,
         start: datetime | None = None, fleet: str | None = None, **options) -> PlanDocument:
    """Make and save a draft plan; returns its document (see the README for the JSON keys).

    ``fleet`` is a fleet file (fleet.csv form) whose rows replace the region's fleet of the
    depots they name; ``options`` are those of ``books.plan_params``. Raises ``InvalidInput``
    for an unknown method, ``InvalidFleet`` for a bad fleet file (nothing is saved then),
    ``UnknownIncident``, ``NothingToPlan`` when no open incident needs anything.
    """
    method = Method.parse(method)
    incident_ids = [text.record_id(i, "incident id") for i in incident_ids or []] or None
    start = start or datetime.combine(today, datetime.now().time().replace(second=0, microsecond=0))
    with db.session(url) as s:
        params = books.plan_params(s, start=start, **options)
        problem = books.dispatch_problem(s, params, incident_ids=incident_ids, today=today, fleet_file=fleet)
    if not any(i.needs or i.teams for i in problem.incidents):
        raise NothingToPlan("no open incident has an unmet need or team request", hint="new_incident")
    document = documents.build(problem, solve(problem, method), method, PlanStatus.DRAFT,
                               created_at=datetime.now(timezone.utc))
    return db.write(url, lambda s: _save(s, document))


def _save(s: Session, document: PlanDocument) -> PlanDocument:
    row = Plan(created_at=datetime.now(timezone.utc), status=PlanStatus.DRAFT.value, method=document.method.value,
               document="{}")
    s.add(row)
    s.flush()
    document = document.with_(plan_id=row.id)
    row.document = json.dumps(documents.as_json(document), ensure_ascii=False)
    s.add(row)
    s.flush()
    if document.shipments:  # one multi-row insert: a plan has thousands of lines
        s.execute(insert(PlanShipment), [{"plan": row.id, "depot": ln.depot, "incident": ln.incident, "item": ln.item,
                                          "lot": ln.lot, "qty": ln.qty, "km": ln.km, "minutes": ln.minutes}
                                         for ln in document.shipments])
    s.add_all(PlanTeam(plan=row.id, team=t.team, incident=t.incident, km=t.km, minutes=t.minutes, request=t.request)
              for t in document.teams)
    s.flush()
    return document
