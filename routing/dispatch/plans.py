"""What happens to a saved dispatch plan: show, list, commit, ship, cancel.

``commit`` reserves every line and deploys the teams in one transaction, or - if stock,
teams or incidents changed so that a line can no longer be honoured - commits nothing
and lists the stale lines. ``ship`` issues the reserved stock; ``cancel`` releases it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from relief.depot import db, text
from relief.errors import InvalidFile, RefusedRows
from relief.depot.ledger import DocumentRequest, post
from relief.depot.models import Incident, IncidentNeed, IncidentTeam, Lot, Plan, PlanShipment, PlanTeam, Team
from relief.depot.posting import Operation
from relief.routing import books
from relief.routing.core import document as documents
from relief.routing.core.document import PlanDocument
from relief.routing.core.results import Method, PlanStatus
from relief.errors import PlanState, Problem, StalePlan, UnknownPlan

PAST = {"commit": "committed", "ship": "shipped", "cancel": "cancelled"}


def show(url: str, plan_id: int) -> PlanDocument:
    """The saved document of a plan with its current status; raises ``UnknownPlan``."""
    with db.session(url) as s:
        return _document(_plan(s, plan_id))


def _document(row: Plan) -> PlanDocument:
    return documents.from_json(json.loads(row.document)).with_(status=PlanStatus(row.status))


@dataclass(frozen=True)
class PlanSummary:
    """One line of the plan list: what ``relief dispatch list --json`` prints for a plan."""

    plan_id: int
    created_at: str
    status: PlanStatus
    method: Method
    incidents: int
    fill: float
    unmet_units: int
    tonne_km: float

    def as_json(self) -> dict:
        """The summary as plain JSON values (enums as their values)."""
        return {**asdict(self), "status": self.status.value, "method": self.method.value}


def last_id(url: str) -> int:
    """The number of the newest saved plan (0 when there is none)."""
    with db.session(url) as s:
        return s.exec(select(func.max(Plan.id))).one() or 0


def listing(url: str) -> list[PlanSummary]:
    """Every saved plan, oldest first, as a ``PlanSummary``."""
    with db.session(url) as s:
        out = []
        for row in s.exec(select(Plan).order_by(Plan.id)):
            doc = json.loads(row.document)
            totals = doc["totals"]
            out.append(PlanSummary(row.id, doc["created_at"], PlanStatus(row.status),
                                   Method(row.method), totals["incidents"], totals["fill"], totals["unmet_units"],
                                   totals["tonne_km"]))
        return out


def _plan(s: Session, plan_id: int, lock: bool = False) -> Plan:
    query = select(Plan).where(Plan.id == text.record_id(plan_id, "plan id"))
    row = s.exec(query.with_for_update() if lock else query).first()
    if row is None:
        raise UnknownPlan(f"no dispatch plan {plan_id}", hint="plans")
    return row


def commit(url: str, plan_id: int, *, actor: str, today: date) -> PlanDocument:
    """Reserve every line of a draft plan and deploy its teams, all or nothing.

    Raises ``UnknownPlan``, ``PlanState`` (not a draft: committed twice, cancelled ...)
    and ``StalePlan`` listing every line that stock, teams or incidents no longer allow.
    """
    actor = text.name(actor, "actor", option="actor")
    plan_id = text.record_id(plan_id, "plan id")

    def work(s: Session) -> PlanDocument:
        row = _plan(s, plan_id, lock=True)
        _require(row, "draft", "commit")
        lines = list(s.exec(select(PlanShipment).where(PlanShipment.plan == plan_id).order_by(PlanShipment.id)))
        teams = list(s.exec(select(PlanTeam).where(PlanTeam.plan == plan_id)))
        problems = _stale_incidents(s, lines, teams) + _beyond_need(s, lines, teams)
        for t in teams:
            team = s.exec(select(Team).where(Team.code == t.team).with_for_update()).one()
            if team.status != "ready":
                problems.append(Problem(f"team {t.team}", "status", f"{team.status}, no longer ready"))
            team.status = "deployed"
            s.add(team)
        ops = [Operation("reserve", ln.depot, ln.item, ln.qty, lot=ln.lot, to=f"incident {ln.incident}", line=n)
               for n, ln in enumerate(lines, start=1)]
        try:
            post(s, [DocumentRequest(f"PLAN-{plan_id}-COMMIT", "reserve", ops)], actor=actor, today=today,
                 collect_errors=True)
        except (InvalidFile, RefusedRows) as exc:
            problems += [_explain(p, lines) for p in exc.problems]
        if problems:
            raise StalePlan(f"plan {plan_id} is stale: {len(problems)} line(s) can no longer be honoured; "
                            "nothing was committed - make a new plan", problems)
        return _set_status(s, row, "committed")
    return db.write(url, work)


def _stale_incidents(s: Session, lines: list[PlanShipment], teams: list[PlanTeam]) -> list[Problem]:
    """Closed incidents among those the plan serves (locked until the transaction ends)."""
    ids = sorted({ln.incident for ln in lines} | {t.incident for t in teams})
    found = {i.id: i for i in s.exec(select(Incident).where(Incident.id.in_(ids)).with_for_update())} if ids else {}
    return [Problem(f"incident {i}", "status", "closed") for i in ids if i not in found or found[i].status != "open"]


def _beyond_need(s: Session, lines: list[PlanShipment], teams: list[PlanTeam]) -> list[Problem]:
    """What this plan would send beyond an incident's need, given plans committed since it
    was made: units beyond a need; teams beyond a request for a number of teams; any team
    for a request that committed plans already cover (its teams and its people)."""
    sent, teamed = books.committed_supplies(s), books.committed_teams(s)
    need = {(n.incident, n.item): n.qty for n in s.exec(select(IncidentNeed))}
    mine: dict[tuple[int, str], int] = {}
    for ln in lines:
        mine[(ln.incident, ln.item)] = mine.get((ln.incident, ln.item), 0) + ln.qty
    problems = []
    for (incident, what), qty in sorted(mine.items()):
        already = sent.get((incident, what), 0)
        if already + qty > need.get((incident, what), 0):
            problems.append(Problem(f"incident {incident}", what,
                                    f"needs {need.get((incident, what), 0):,} {what}; committed plans "
                                    f"already send {already:,} and this plan {qty:,}"))
    return problems + _teams_beyond_request(s, teams, teamed)


def _teams_beyond_request(s: Session, teams: list[PlanTeam],
                          teamed: dict[tuple[int, str], tuple[int, int]]) -> list[Problem]:
    """The team requests this plan's teams would go beyond (see ``_beyond_need``)."""
    asked = {(t.incident, t.kind): (t.count, t.people) for t in s.exec(select(IncidentTeam))}
    members = dict(s.exec(select(Team.code, Team.members)).all())
    mine: dict[tuple[int, str], tuple[int, int]] = {}
    for t in teams:
        count, people = mine.get((t.incident, t.request), (0, 0))
        mine[(t.incident, t.request)] = (count + 1, people + members.get(t.team, 0))
    problems = []
    for (incident, request), (count, people) in sorted(mine.items()):
        want_teams, want_people = asked.get((incident, request), (0, 0))
        had_teams, had_people = teamed.get((incident, request), (0, 0))
        covered = had_teams >= want_teams and had_people >= want_people
        if covered or (not want_people and had_teams + count > want_teams):
            wanted = " and ".join(part for part in (f"{want_teams:,} team(s)" if want_teams else "",
                                                    f"{want_people:,} people" if want_people else "") if part)
            problems.append(Problem(f"incident {incident}", request,
                                    f"asks for {wanted or 'nothing'} ({request}); committed plans already send "
                                    f"{had_teams:,} team(s) with {had_people:,} people and this plan {count:,} "
                                    f"with {people:,}"))
    return problems


def _explain(problem: Problem, lines: list[PlanShipment]) -> Problem:
    """The problem of plan line N (a reservation that failed) told by what that line sends."""
    if problem.line is None or not 1 <= problem.line <= len(lines):
        return problem
    ln = lines[problem.line - 1]
    return Problem(f"{ln.qty} {ln.item} lot {ln.lot} from {ln.depot} to incident {ln.incident}", problem.field,
                   problem.message)


def ship(url: str, plan_id: int, *, actor: str, today: date) -> PlanDocument:
    """Issue the reserved stock of a committed plan; raises ``UnknownPlan`` or ``PlanState``."""
    return _move(url, plan_id, "dispatch", "committed", "shipped", actor, today)


def cancel(url: str, plan_id: int, *, actor: str, today: date) -> PlanDocument:
    """Cancel a draft or committed plan: release its reservations and ready its teams.

    Raises ``UnknownPlan``, or ``PlanState`` for a plan already shipped or cancelled.
    """
    with db.session(url) as s:
        status = _plan(s, plan_id).status
    if status not in ("draft", "committed"):
        raise PlanState(f"cannot cancel plan {plan_id}: it is {status}; only a draft or committed plan can be cancelled")
    if status == "committed":
        return _move(url, plan_id, "release", "committed", "cancelled", actor, today)

    def work(s: Session) -> PlanDocument:
        row = _plan(s, plan_id, lock=True)
        _require(row, "draft", "cancel")
        return _set_status(s, row, "cancelled")
    return db.write(url, work)


def _move(url: str, plan_id: int, kind: str, before: str, after: str, actor: str, today: date) -> PlanDocument:
    actor = text.name(actor, "actor", option="actor")
    plan_id = text.record_id(plan_id, "plan id")

    def work(s: Session) -> PlanDocument:
        row = _plan(s, plan_id, lock=True)
        _require(row, before, "ship" if kind == "dispatch" else "cancel")
        lines = list(s.exec(select(PlanShipment).where(PlanShipment.plan == plan_id).order_by(PlanShipment.id)))
        if kind == "dispatch":
            _shippable(s, plan_id, lines, today)
        ops = [Operation(kind, ln.depot, ln.item, ln.qty, lot=ln.lot, to=f"incident {ln.incident}") for ln in lines]
        post(s, [DocumentRequest(f"PLAN-{plan_id}-{kind.upper()}", kind, ops)], actor=actor, today=today)
        if kind == "release":
            held = books.teams_held(s, besides=plan_id)
            for t in s.exec(select(PlanTeam).where(PlanTeam.plan == plan_id)):
                team = s.exec(select(Team).where(Team.code == t.team).with_for_update()).one()
                if team.status == "deployed" and t.team not in held:
                    team.status = "ready"
                    s.add(team)
        return _set_status(s, row, after)
    return db.write(url, work)


def _shippable(s: Session, plan_id: int, lines: list[PlanShipment], today: date) -> None:
    """Refuse to ship a plan whose incidents have closed or whose reserved lots have expired."""
    teams = list(s.exec(select(PlanTeam).where(PlanTeam.plan == plan_id)))
    problems = _stale_incidents(s, lines, teams)
    expiry = {(lot.item, lot.code): lot.expires for lot in s.exec(select(Lot))}
    for ln in lines:
        expires = expiry.get((ln.item, ln.lot))
        if expires is not None and expires < today:
            problems.append(Problem(f"{ln.qty} {ln.item} lot {ln.lot} from {ln.depot}", "expires",
                                    f"expired on {expires.isoformat()}"))
    if problems:
        raise StalePlan(f"plan {plan_id} cannot be shipped: {len(problems)} problem(s); nothing was issued - "
                        "cancel it and make a new plan", problems)


def _require(row: Plan, status: str, verb: str) -> None:
    if row.status != status:
        raise PlanState(f"cannot {verb} plan {row.id}: it is {row.status}; only a {status} plan can be {PAST[verb]}")


def _set_status(s: Session, row: Plan, status: str) -> PlanDocument:
    row.status = status
    s.add(row)
    s.flush()
    return _document(row)
