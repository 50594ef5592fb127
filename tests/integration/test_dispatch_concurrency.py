"""Planners committing dispatch plans at the same moment (SQLite file and PostgreSQL).

Drafts reserve nothing, so two drafts may count on the same stock. Each commit runs in
its own process with its own connection; all wait at a barrier and commit together, so
the database's locking is what stops a double spend (see ``test_concurrency`` and
``workers`` for the fork-server pattern).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlmodel import select

from relief.depot import db, keeper, reports
from relief.depot.models import Team
from relief.routing.dispatch import planning as dispatch
from relief.routing.dispatch import incidents
from relief.routing.dispatch import plans

from . import workers

START = datetime(2026, 11, 22, 8, 0)


def commit_at_once(url: str, plan_ids: list[int], today) -> list[tuple[str, object]]:
    """Commit each plan of ``plan_ids`` in its own process, all at the same moment; return
    the outcomes (``("ok", "committed")`` or ``(error class, [message, *lines])``) by plan."""
    return workers.race(workers.commit_plan, [(url, plan_id, today) for plan_id in plan_ids])


def stock(url: str, today) -> list[dict]:
    with db.session(url) as s:
        return reports.stock(s, today=today)


def verified(url: str) -> bool:
    with db.session(url) as s:
        return reports.verify(s)["ok"]


def team_status(url: str) -> dict[str, str]:
    with db.session(url) as s:
        return {t.code: t.status for t in s.exec(select(Team))}


@pytest.fixture
def two_drafts_for_ten_tents(tiny_db, today) -> str:
    """Ten tents at R99; incident 1 needs 8 tents and a relief team, incident 2 needs 8
    tents and a medical team; draft plan 1 is for incident 1, draft plan 2 for incident 2."""
    keeper.receive(tiny_db, "R99", "TENT", 10, actor="keeper", today=today)
    incidents.add(tiny_db, "丙旗 snow", 112.5, 40.5, need=["TENT=8"], team=["relief=1"], today=today)
    incidents.add(tiny_db, "乙县 flood", 111.5, 40.5, need=["TENT=8"], team=["medical=1"], today=today)
    for n in (1, 2):
        doc = dispatch.plan(tiny_db, incident_ids=[n], today=today, start=START)
        assert [(s.depot, s.qty) for s in doc.shipments] == [("R99", 8)]
    return tiny_db


def test_two_drafts_counting_on_the_same_tents_committed_at_once_commit_one_and_refuse_the_other(
        two_drafts_for_ten_tents, today):
    url = two_drafts_for_ten_tents
    outcomes = commit_at_once(url, [1, 2], today)
    assert Counter(kind for kind, _ in outcomes) == {"ok": 1, "StalePlan": 1}
    [(message, *lines)] = [detail for kind, detail in outcomes if kind == "StalePlan"]
    assert "nothing was committed" in message
    assert len(lines) == 1 and "cannot take 8 of TENT at R99 lot -: only 2 available" in lines[0]
    statuses = {row.plan_id: row.status.value for row in plans.listing(url)}
    assert sorted(statuses.values()) == ["committed", "draft"]
    winner = next(plan_id for plan_id, status in statuses.items() if status == "committed")
    [row] = stock(url, today)
    assert (row["on_hand"], row["reserved"]) == (10, 8)
    assert team_status(url) == {"T01": "deployed" if winner == 1 else "ready",
                                "T02": "deployed" if winner == 2 else "ready"}
    assert verified(url)


def test_one_plan_committed_by_several_planners_at_once_is_committed_once(two_drafts_for_ten_tents, today):
    url = two_drafts_for_ten_tents
    outcomes = commit_at_once(url, [1, 1, 1], today)
    assert Counter(kind for kind, _ in outcomes) == {"ok": 1, "PlanState": 2}
    assert all("cannot commit plan 1: it is committed" in detail[0] for kind, detail in outcomes if kind == "PlanState")
    [row] = stock(url, today)
    assert (row["on_hand"], row["reserved"]) == (10, 8)
    assert team_status(url)["T01"] == "deployed"
    assert verified(url)
