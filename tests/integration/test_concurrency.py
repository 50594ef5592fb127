"""Several keepers at once against one shared database (SQLite file and PostgreSQL).

Each keeper is a separate process with its own connection. They all wait at a barrier
and act at the same moment, so the database's locking is what keeps the books right.
Processes come from a fork server that has imported the library but never touched a
database (plain ``spawn`` where there is no fork server): clean like ``spawn``, but
started in milliseconds.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import select

from relief.depot import db, keeper, reports
from relief.depot.models import Lot, Movement

from . import workers

def race(url: str, jobs: list[tuple[str, tuple]], today) -> list[tuple[str, object]]:
    """Run each ``(keeper function, args)`` of ``jobs`` in its own process, all at once;
    return the outcomes (``("ok", statuses)`` or ``(error class, message)``)."""
    return workers.race(workers.run, [(url, action, args, today) for action, args in jobs])


def movements(url: str, kind: str) -> list[Movement]:
    with db.session(url) as s:
        return list(s.exec(select(Movement).where(Movement.kind == kind)))


def verify(url: str) -> dict:
    with db.session(url) as s:
        return reports.verify(s)


def on_hand(url: str, today) -> dict[tuple[str, str], int]:
    with db.session(url) as s:
        return {key: row["on_hand"] for key, row in reports.totals(s, today=today).items()}


@pytest.fixture
def seven_tents(tiny_db, today) -> str:
    """Seven tents at R99, and nothing else."""
    keeper.receive(tiny_db, "R99", "TENT", 7, actor="keeper", today=today)
    return tiny_db


@pytest.fixture
def tents_at_both_ends(tiny_db, today) -> str:
    """Ten tents at R99 and ten at C990102."""
    keeper.receive(tiny_db, "R99", "TENT", 10, actor="keeper", today=today)
    keeper.receive(tiny_db, "C990102", "TENT", 10, actor="keeper", today=today)
    return tiny_db


@pytest.mark.slow
def test_twelve_keepers_issuing_seven_tents_at_once_issue_exactly_seven(seven_tents, today):
    outcomes = race(seven_tents, [("issue", ("R99", "TENT", 1))] * 12, today)
    assert Counter(kind for kind, _ in outcomes) == {"ok": 7, "OutOfStock": 5}
    refusals = [message for kind, message in outcomes if kind == "OutOfStock"]
    assert all("only 0 available" in message for message in refusals)
    assert on_hand(seven_tents, today)[("R99", "TENT")] == 0
    assert sum(m.qty for m in movements(seven_tents, "issue")) == -7
    assert verify(seven_tents)["ok"]


@pytest.mark.slow
def test_transfers_both_ways_at_once_conserve_the_stock(tents_at_both_ends, today):
    there, back = ("transfer", ("R99", "C990102", "TENT", 3)), ("transfer", ("C990102", "R99", "TENT", 2))
    outcomes = race(tents_at_both_ends, [there, back] * 4, today)
    assert {kind for kind, _ in outcomes} <= {"ok", "OutOfStock"}
    outs, ins = movements(tents_at_both_ends, "transfer_out"), movements(tents_at_both_ends, "transfer_in")
    assert sorted((m.doc, -m.qty) for m in outs) == sorted((m.doc, m.qty) for m in ins)
    assert len(outs) == sum(kind == "ok" for kind, _ in outcomes)
    sent = sum(-m.qty for m in outs if m.depot == "R99")
    returned = sum(-m.qty for m in outs if m.depot == "C990102")
    stock = on_hand(tents_at_both_ends, today)
    assert stock[("R99", "TENT")] == 10 - sent + returned
    assert stock[("C990102", "TENT")] == 10 + sent - returned
    assert verify(tents_at_both_ends)["ok"]


@pytest.mark.slow
def test_one_file_imported_by_several_keepers_at_once_is_recorded_once(seven_tents, today, tmp_path):
    path = tmp_path / "waybill.csv"
    path.write_text("kind,depot,item,qty,lot,expires\n"
                    "receive,C990201,WATER,30,W1,2027-04-01\n"
                    "issue,R99,TENT,2,,\n"
                    "receive,R99,QUILT,9,,\n", encoding="utf-8")
    outcomes = race(seven_tents, [("import_file", (str(path),))] * 5, today)
    statuses = Counter(status for kind, result in outcomes if kind == "ok" for status in result)
    assert statuses == {"recorded": 1, "already recorded": 4}
    stock = on_hand(seven_tents, today)
    assert (stock[("C990201", "WATER")], stock[("R99", "TENT")], stock[("R99", "QUILT")]) == (30, 5, 9)
    assert verify(seven_tents)["ok"]


@pytest.mark.slow
def test_keepers_receiving_the_same_new_lot_at_once_all_succeed(tiny_db, today):
    jobs = [("receive", (depot, "WATER", 5)) for depot in ("R99", "R99", "C990102", "C990102", "C990201", "C990201")]
    outcomes = race(tiny_db, jobs, today)
    assert [kind for kind, _ in outcomes] == ["ok"] * 6
    with db.session(tiny_db) as s:
        assert s.exec(select(Lot.code).where(Lot.item == "WATER")).all() == ["EXP20281121"]
        assert s.exec(select(func.sum(Movement.qty)).where(Movement.item == "WATER")).one() == 30
    assert verify(tiny_db)["ok"]
