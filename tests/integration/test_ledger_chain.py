"""The hash chain of the ledger on SQLite and PostgreSQL: posting extends it, and
``verify`` finds history rewritten in SQL behind relief's back, naming the movement,
even when the balances were changed to match.

Each tampering test first drops the append-only triggers (as someone with the
database's owner rights could), so that only the chain stands in the way."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from relief.depot import chain, db, keeper, reports
from relief.depot.models import Document, Movement
from relief.errors import InvalidInput

DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER movement_no_update", "DROP TRIGGER movement_no_delete",
               "DROP TRIGGER document_no_update", "DROP TRIGGER document_no_delete"],
    "postgresql": ["DROP TRIGGER movement_append_only ON movement", "DROP TRIGGER document_append_only ON document"],
}


def verify(url: str, head: str | None = None) -> dict:
    with db.session(url) as s:
        return reports.verify(s, head=head)


def sql(url: str, *statements: str, **params) -> None:
    with db.get_engine(url).begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


@pytest.fixture
def books(tiny_db, today) -> str:
    """Three documents on the tiny region: movement 1 receives 10 tents (RCV-1), 2 issues
    4 of them (ISS-1), 3 receives 5 cases of water (RCV-2); then the triggers are dropped."""
    keeper.receive(tiny_db, "R99", "TENT", 10, doc="RCV-1", actor="keeper", today=today)
    keeper.issue(tiny_db, "R99", "TENT", 4, doc="ISS-1", actor="keeper", today=today)
    keeper.receive(tiny_db, "R99", "WATER", 5, lot="W1", doc="RCV-2", actor="keeper", today=today)
    with db.session(tiny_db) as s:
        assert [(m.id, m.doc) for m in s.exec(select(Movement).order_by(Movement.id))] == [
            (1, "RCV-1"), (2, "ISS-1"), (3, "RCV-2")]
    sql(tiny_db, *DROP_TRIGGERS[db.get_engine(tiny_db).dialect.name])
    return tiny_db


def head_of(url: str) -> str:
    found = verify(url)["chain"]["head"]
    return f"{found['id']}:{found['hash']}"


def broken(result: dict) -> tuple[int, str]:
    assert not result["ok"] and not result["chain"]["ok"] and result["chain"]["head"] is None
    return result["chain"]["broken"]["id"], result["chain"]["broken"]["doc"]


def test_each_movement_chains_to_the_one_before_it(books):
    with db.session(books) as s:
        rows = s.exec(select(Movement).order_by(Movement.id)).all()
        documents = {d.number: d for d in s.exec(select(Document))}
    previous = chain.GENESIS
    for m in rows:
        assert m.hash == chain.link(m.model_dump(), documents[m.doc].model_dump(), previous)
        previous = m.hash
    result = verify(books)
    assert result["ok"] and result["chain"] == {"ok": True, "head": {"id": 3, "hash": previous}, "broken": None,
                                                "noted": None}


def test_a_quantity_changed_with_its_balance_passes_the_balances_but_not_the_chain(books):
    sql(books, "UPDATE movement SET qty = -1 WHERE id = 2",
        "UPDATE balance SET on_hand = on_hand + 3 WHERE depot = 'R99' AND item = 'TENT'")
    result = verify(books)
    assert result["problems"] == []  # the balances agree with the changed ledger
    assert broken(result) == (2, "ISS-1")
    assert "does not match its fields" in result["chain"]["broken"]["problem"]


def test_a_movement_removed_with_its_document_breaks_the_chain_at_the_next_one(books, today):
    sql(books, "DELETE FROM movement WHERE id = 2", "DELETE FROM document WHERE number = 'ISS-1'",
        "UPDATE balance SET on_hand = 10 WHERE depot = 'R99' AND item = 'TENT'")
    assert broken(verify(books)) == (3, "RCV-2")
    assert "does not chain to movement 1" in verify(books)["chain"]["broken"]["problem"]
    keeper.issue(books, "R99", "TENT", 1, doc="ISS-1", actor="keeper", today=today)  # the number is free again
    assert broken(verify(books)) == (3, "RCV-2")


def test_a_removed_document_is_named_at_its_movement(books):
    sql(books, "DELETE FROM document WHERE number = 'ISS-1'")
    assert broken(verify(books)) == (2, "ISS-1")
    assert verify(books)["chain"]["broken"]["problem"].startswith("its document ISS-1 is missing")


def test_a_document_number_reused_after_its_row_was_removed_is_found(books, today):
    sql(books, "DELETE FROM document WHERE number = 'RCV-2'")
    keeper.receive(books, "R99", "TENT", 1, doc="RCV-2", actor="other", today=today)
    assert broken(verify(books)) == (3, "RCV-2")


def test_a_forged_movement_is_found(books):
    sql(books, "INSERT INTO movement (id, at, kind, depot, item, lot, qty, reserved_delta, doc, actor, hash) "
               "SELECT 4, at, 'receive', 'R99', 'TENT', '-', 100, 0, 'RCV-1', 'keeper', hash FROM movement "
               "WHERE id = 3",
        "UPDATE balance SET on_hand = on_hand + 100 WHERE depot = 'R99' AND item = 'TENT'")
    result = verify(books)
    assert result["problems"] == [] and broken(result) == (4, "RCV-1")


def test_a_noted_head_catches_a_chain_rewritten_from_the_change_on(books):
    noted = head_of(books)
    assert verify(books, noted)["chain"]["noted"] == {"id": 3, "hash": noted[2:], "ok": True, "problem": None}
    sql(books, "UPDATE movement SET qty = -1 WHERE id = 2",
        "UPDATE balance SET on_hand = on_hand + 3 WHERE depot = 'R99' AND item = 'TENT'")
    _rechain(books)
    assert verify(books)["ok"]  # recomputed hashes hide the change from the chain alone
    result = verify(books, noted)
    assert not result["ok"] and result["chain"]["noted"]["ok"] is False
    assert "movement 3 now has hash" in result["chain"]["noted"]["problem"]


def test_a_noted_head_catches_the_last_movement_removed(books):
    noted = head_of(books)
    sql(books, "DELETE FROM movement WHERE id = 3", "DELETE FROM document WHERE number = 'RCV-2'",
        "DELETE FROM balance WHERE item = 'WATER'")
    assert verify(books)["ok"]
    result = verify(books, noted)
    assert not result["ok"] and "movement 3 is not in the ledger" in result["chain"]["noted"]["problem"]


def test_a_head_that_is_not_id_and_hash_is_refused(books):
    with pytest.raises(InvalidInput, match="^head must be"):
        verify(books, "3")


def _rechain(url: str) -> None:
    """Recompute every hash, as a forger who knows the scheme would."""
    with db.session(url) as s:
        rows = s.exec(select(Movement).order_by(Movement.id)).all()
        documents = {d.number: d.model_dump() for d in s.exec(select(Document))}
    previous, fixed = chain.GENESIS, []
    for m in rows:
        previous = chain.link(m.model_dump(), documents.get(m.doc), previous)
        fixed.append({"i": m.id, "h": previous})
    with db.get_engine(url).begin() as conn:
        conn.execute(text("UPDATE movement SET hash = :h WHERE id = :i"), fixed)
