"""The keeper's operations against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import random
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, text
from sqlmodel import select

from relief.depot import db, keeper, reports
from relief.errors import (
    DocumentConflict,
    ExpiredLot,
    InvalidDate,
    InvalidFile,
    InvalidInput,
    InvalidQuantity,
    InvalidReason,
    OutOfStock,
    Refused,
    ReservedStock,
    UnknownDepot,
    UnknownItem,
    UnknownLot,
)
from relief.depot.ledger import DocumentRequest, post
from relief.depot.models import Balance, Document, Lot, Movement
from relief.depot.posting import Operation

LAST_MONTH = date(2026, 10, 1)


def counts(url: str) -> dict[str, int]:
    """Rows in each table a stock operation writes to."""
    with db.session(url) as s:
        return {model.__name__: s.exec(select(func.count()).select_from(model)).one()
                for model in (Movement, Document, Lot, Balance)}


def totals(url: str, today: date) -> dict[tuple[str, str], dict[str, int]]:
    with db.session(url) as s:
        return reports.totals(s, today=today)


def stock(url: str, today: date, **filters) -> list[dict]:
    with db.session(url) as s:
        return reports.stock(s, today=today, **filters)


def verify(url: str) -> dict:
    with db.session(url) as s:
        return reports.verify(s)


def reserve(url: str, depot: str, item: str, qty: int, today: date, lot: str | None = None) -> None:
    """Reserve units for a plan (no keeper command does this; plans do)."""
    request = DocumentRequest(None, "reserve", [Operation("reserve", depot, item, qty, lot=lot)])
    db.write(url, lambda s: post(s, [request], actor="planner", today=today))


@pytest.fixture
def tents_at_r99(tiny_db, today) -> str:
    """Ten tents (a durable item) at the region depot R99."""
    keeper.receive(tiny_db, "R99", "TENT", 10, actor="keeper", today=today)
    return tiny_db


@pytest.fixture
def water_at_r99(tiny_db, today) -> str:
    """Water at R99 in three good lots received out of expiry order, plus a lot that expired
    on 2026-11-01 (received the month before)."""
    keeper.receive(tiny_db, "R99", "WATER", 5, lot="LATE", expires="2027-06-01", actor="keeper", today=today)
    keeper.receive(tiny_db, "R99", "WATER", 3, lot="EARLY", expires="2027-01-15", actor="keeper", today=today)
    keeper.receive(tiny_db, "R99", "WATER", 4, lot="MID", expires="2027-03-01", actor="keeper", today=today)
    keeper.receive(tiny_db, "R99", "WATER", 2, lot="OLD", expires="2026-11-01", actor="keeper", today=LAST_MONTH)
    return tiny_db


def test_a_receipt_then_an_issue_leave_the_difference_on_hand(tents_at_r99, today):
    posted = keeper.issue(tents_at_r99, "r99", "tent", "4", to="乙县 shelter", actor="keeper", today=today)
    assert posted.status == "recorded"
    assert posted.number.startswith("ISS-20261122-")
    assert totals(tents_at_r99, today)[("R99", "TENT")] == {"on_hand": 6, "reserved": 0, "expired": 0, "available": 6}
    with db.session(tents_at_r99) as s:
        [row] = reports.history(s, doc=posted.number)
    assert (row["kind"], row["qty"], row["counterparty"], row["actor"]) == ("issue", -4, "乙县 shelter", "keeper")


def test_cannot_issue_more_than_available(tents_at_r99, today):
    before = counts(tents_at_r99)
    with pytest.raises(OutOfStock, match="cannot take 11 of TENT at R99: only 10 available"):
        keeper.issue(tents_at_r99, "R99", "TENT", 11, actor="keeper", today=today)
    assert counts(tents_at_r99) == before
    assert totals(tents_at_r99, today)[("R99", "TENT")]["on_hand"] == 10


def test_available_is_on_hand_less_reserved_less_expired(water_at_r99, today):
    reserve(water_at_r99, "R99", "WATER", 3, today, lot="LATE")
    assert totals(water_at_r99, today)[("R99", "WATER")] == {"on_hand": 14, "reserved": 3, "expired": 2,
                                                              "available": 9}
    rows = {r["lot"]: r for r in stock(water_at_r99, today, depot="R99", item="WATER")}
    assert (rows["OLD"]["expired"], rows["OLD"]["on_hand"], rows["OLD"]["available"]) == (True, 2, 0)
    assert (rows["LATE"]["on_hand"], rows["LATE"]["reserved"], rows["LATE"]["available"]) == (5, 3, 2)
    assert [r["lot"] for r in stock(water_at_r99, today, item="WATER")] == ["OLD", "EARLY", "MID", "LATE"]
    with pytest.raises(OutOfStock, match="only 9 available"):
        keeper.issue(water_at_r99, "R99", "WATER", 10, actor="keeper", today=today)


def test_an_issue_takes_the_earliest_expiring_good_lots_first(water_at_r99, today):
    posted = keeper.issue(water_at_r99, "R99", "WATER", 5, actor="keeper", today=today)
    assert [(line.lot, line.qty) for line in posted.lines] == [("EARLY", -3), ("MID", -2)]
    left = {r["lot"]: r["on_hand"] for r in stock(water_at_r99, today, item="WATER")}
    assert left == {"OLD": 2, "MID": 2, "LATE": 5}


def test_an_expired_lot_is_issued_only_when_named_and_allowed(water_at_r99, today):
    with pytest.raises(ExpiredLot, match="lot OLD of WATER at R99 expired on 2026-11-01"):
        keeper.issue(water_at_r99, "R99", "WATER", 1, lot="OLD", actor="keeper", today=today)
    posted = keeper.issue(water_at_r99, "R99", "WATER", 2, lot="OLD", allow_expired=True, actor="keeper", today=today)
    assert [(line.lot, line.qty) for line in posted.lines] == [("OLD", -2)]


def test_receiving_more_of_a_known_lot_keeps_its_expiry(water_at_r99, today):
    keeper.receive(water_at_r99, "C990102", "WATER", 6, lot="MID", actor="keeper", today=today)
    [row] = stock(water_at_r99, today, depot="C990102")
    assert (row["lot"], row["expires"], row["on_hand"]) == ("MID", "2027-03-01", 6)
    with pytest.raises(InvalidDate, match="lot MID of WATER is recorded with 2027-03-01; got 2027-03-02"):
        keeper.receive(water_at_r99, "R99", "WATER", 1, lot="MID", expires="2027-03-02", actor="keeper", today=today)


def test_a_transfer_records_both_sides_in_one_document(water_at_r99, today):
    posted = keeper.transfer(water_at_r99, "R99", "C990201", "WATER", 4, actor="keeper", today=today)
    assert [(line.kind, line.depot, line.lot, line.qty) for line in posted.lines] == [
        ("transfer_out", "R99", "EARLY", -3), ("transfer_out", "R99", "MID", -1),
        ("transfer_in", "C990201", "EARLY", 3), ("transfer_in", "C990201", "MID", 1)]
    with db.session(water_at_r99) as s:
        assert {m["doc"] for m in reports.history(s, doc=posted.number)} == {posted.number}
    arrived = {r["lot"]: (r["expires"], r["on_hand"]) for r in stock(water_at_r99, today, depot="C990201")}
    assert arrived == {"EARLY": ("2027-01-15", 3), "MID": ("2027-03-01", 1)}
    assert verify(water_at_r99)["ok"]


def test_a_transfer_short_of_stock_records_nothing(water_at_r99, today):
    before = counts(water_at_r99)
    with pytest.raises(OutOfStock, match="only 12 available"):
        keeper.transfer(water_at_r99, "R99", "C990201", "WATER", 13, actor="keeper", today=today)
    assert counts(water_at_r99) == before
    assert stock(water_at_r99, today, depot="C990201") == []


def test_a_transfer_needs_two_different_depots(tents_at_r99, today):
    with pytest.raises(InvalidInput, match="two different depots; got R99 twice"):
        keeper.transfer(tents_at_r99, "R99", "r99", "TENT", 1, actor="keeper", today=today)


def test_a_loss_comes_from_expired_stock_first(water_at_r99, today):
    posted = keeper.adjust(water_at_r99, "R99", "WATER", "-3", "damaged", actor="keeper", today=today)
    assert [(line.lot, line.qty, line.reason) for line in posted.lines] == [
        ("OLD", -2, "damaged"), ("EARLY", -1, "damaged")]


def test_an_expired_write_off_takes_only_expired_lots(water_at_r99, today):
    posted = keeper.adjust(water_at_r99, "R99", "WATER", -2, "expired", actor="keeper", today=today)
    assert [(line.lot, line.qty) for line in posted.lines] == [("OLD", -2)]
    with pytest.raises(ReservedStock, match="only 0 expired units"):
        keeper.adjust(water_at_r99, "R99", "WATER", -1, "expired", actor="keeper", today=today)


def test_found_units_of_a_durable_item_are_added(tents_at_r99, today):
    keeper.adjust(tents_at_r99, "R99", "TENT", "+3", "found", actor="keeper", today=today)
    assert totals(tents_at_r99, today)[("R99", "TENT")]["on_hand"] == 13


def test_a_count_records_the_variance(tents_at_r99, today):
    short = keeper.count(tents_at_r99, "R99", "TENT", 8, actor="keeper", today=today)
    assert [(line.kind, line.qty, line.reason) for line in short.lines] == [("count", -2, "lost")]
    same = keeper.count(tents_at_r99, "R99", "TENT", 8, actor="keeper", today=today)
    assert same.status == "recorded" and same.lines == []
    over = keeper.count(tents_at_r99, "R99", "TENT", "11", actor="keeper", today=today)
    assert [(line.qty, line.reason) for line in over.lines] == [(3, "found")]
    assert totals(tents_at_r99, today)[("R99", "TENT")]["on_hand"] == 11


def test_a_count_below_the_reserved_units_is_refused(tents_at_r99, today):
    reserve(tents_at_r99, "R99", "TENT", 6, today)
    before = counts(tents_at_r99)
    with pytest.raises(ReservedStock, match="counted 5 of TENT at R99 but 6 are reserved"):
        keeper.count(tents_at_r99, "R99", "TENT", 5, actor="keeper", today=today)
    assert counts(tents_at_r99) == before


def test_repeating_a_document_records_it_once(tents_at_r99, today):
    first = keeper.issue(tents_at_r99, "R99", "TENT", 3, doc="WB-7", actor="keeper", today=today)
    before = counts(tents_at_r99)
    again = keeper.issue(tents_at_r99, "R99", "TENT", 3, doc=" WB-7 ", actor="someone else", today=today)
    assert (first.status, again.status, again.number, again.lines) == ("recorded", "already recorded", "WB-7", [])
    assert counts(tents_at_r99) == before
    assert totals(tents_at_r99, today)[("R99", "TENT")]["on_hand"] == 7


def test_a_document_number_reused_for_other_content_is_refused(tents_at_r99, today):
    keeper.issue(tents_at_r99, "R99", "TENT", 3, doc="WB-7", actor="keeper", today=today)
    before = counts(tents_at_r99)
    with pytest.raises(DocumentConflict, match="document WB-7 is already recorded \\(issue, 1 line\\(s\\)"):
        keeper.issue(tents_at_r99, "R99", "TENT", 4, doc="WB-7", actor="keeper", today=today)
    with pytest.raises(DocumentConflict):
        keeper.receive(tents_at_r99, "R99", "TENT", 3, doc="WB-7", actor="keeper", today=today)
    assert counts(tents_at_r99) == before


def test_nothing_is_written_when_an_operation_fails(water_at_r99, today):
    url = water_at_r99
    failures = [
        (UnknownDepot, "'R98'", lambda: keeper.receive(url, "R98", "TENT", 1, actor="k", today=today)),
        (UnknownDepot, "'C990999'", lambda: keeper.transfer(url, "R99", "C990999", "WATER", 1, actor="k", today=today)),
        (UnknownItem, "'TARP'", lambda: keeper.issue(url, "R99", "TARP", 1, actor="k", today=today)),
        (InvalidQuantity, "'0'", lambda: keeper.receive(url, "R99", "TENT", "0", actor="k", today=today)),
        (InvalidQuantity, "'-5'", lambda: keeper.issue(url, "R99", "WATER", "-5", actor="k", today=today)),
        (InvalidQuantity, "'1.5'", lambda: keeper.adjust(url, "R99", "WATER", "1.5", "found", actor="k", today=today)),
        (InvalidDate, "'2027-02-30'", lambda: keeper.receive(url, "R99", "WATER", 1, expires="2027-02-30",
                                                             actor="k", today=today)),
        (InvalidDate, "2026-11-21", lambda: keeper.receive(url, "R99", "WATER", 1, expires="2026-11-21",
                                                           actor="k", today=today)),
        (UnknownLot, "'NOPE'", lambda: keeper.issue(url, "R99", "WATER", 1, lot="NOPE", actor="k", today=today)),
        (InvalidReason, "'stolen'", lambda: keeper.adjust(url, "R99", "WATER", -1, "stolen", actor="k", today=today)),
        (UnknownLot, "lots held: OLD, EARLY, MID, LATE",
         lambda: keeper.adjust(url, "R99", "WATER", 1, "found", actor="k", today=today)),
        (OutOfStock, "only 12 available", lambda: keeper.issue(url, "R99", "WATER", 13, actor="k", today=today)),
        (ReservedStock, "only 14 unreserved", lambda: keeper.adjust(url, "R99", "WATER", -15, "lost",
                                                                   actor="k", today=today)),
    ]
    before = counts(url)
    for error, named, attempt in failures:
        with pytest.raises(error) as caught:
            attempt()
        assert named in str(caught.value)
        assert counts(url) == before, f"{error.__name__} left rows behind"


def test_balances_never_go_negative_and_the_books_always_verify(tiny_db, today):
    moves = random.Random(20261122)
    depots, items = ["R99", "C990102", "C990201"], ["TENT", "QUILT", "WATER"]
    refused = 0
    for _ in range(40):
        depot, item, qty = moves.choice(depots), moves.choice(items), moves.randint(1, 12)
        kind = moves.choice(["receive", "issue", "issue", "transfer", "adjust", "count"])
        try:
            if kind == "receive":
                keeper.receive(tiny_db, depot, item, qty, expires="2027-12-31" if item == "WATER" else None,
                               actor="k", today=today)
            elif kind == "issue":
                keeper.issue(tiny_db, depot, item, qty, actor="k", today=today)
            elif kind == "transfer":
                dest = moves.choice([d for d in depots if d != depot])
                keeper.transfer(tiny_db, depot, dest, item, qty, actor="k", today=today)
            elif kind == "adjust":
                keeper.adjust(tiny_db, depot, item, -qty, "damaged", actor="k", today=today)
            else:
                keeper.count(tiny_db, depot, item, qty, actor="k", today=today)
        except (Refused, UnknownLot):
            refused += 1
    assert 0 < refused < 40
    with db.session(tiny_db) as s:
        balances = s.exec(select(Balance)).all()
        net = s.exec(select(func.sum(Movement.qty))).one()
    assert all(b.on_hand >= 0 and 0 <= b.reserved <= b.on_hand for b in balances)
    assert sum(b.on_hand for b in balances) == net
    assert verify(tiny_db)["ok"]


def test_verify_agrees_after_a_day_of_operations(water_at_r99, today):
    keeper.issue(water_at_r99, "R99", "WATER", 4, actor="k", today=today)
    keeper.transfer(water_at_r99, "R99", "C990102", "WATER", 3, actor="k", today=today)
    keeper.adjust(water_at_r99, "R99", "WATER", -1, "expired", actor="k", today=today)
    keeper.count(water_at_r99, "C990102", "WATER", 2, lot="MID", actor="k", today=today)
    result = verify(water_at_r99)
    last = result["chain"]["head"]
    assert result == {"ok": True, "balances": 5, "movements": result["movements"], "problems": [],
                      "chain": {"ok": True, "head": last, "broken": None, "noted": None}}
    assert result["movements"] == counts(water_at_r99)["Movement"] == last["id"]


def test_verify_reports_a_balance_edited_behind_the_ledger(tents_at_r99):
    with db.get_engine(tents_at_r99).begin() as conn:
        conn.execute(text("UPDATE balance SET on_hand = on_hand + 5 WHERE depot = 'R99' AND item = 'TENT'"))
    result = verify(tents_at_r99)
    assert not result["ok"]
    assert result["problems"] == [{"depot": "R99", "item": "TENT", "lot": "-", "stored_on_hand": 15,
                                   "ledger_on_hand": 10, "stored_reserved": 0, "ledger_reserved": 0,
                                   "problem": "stored balance differs from the ledger"}]


@pytest.fixture
def receipts_file(tmp_path):
    """A CSV of receipts and one issue, without document numbers."""
    path = tmp_path / "receipts.csv"
    path.write_text("kind,depot,item,qty,lot,expires,note\n"
                    "receive,R99,TENT,20,,,donated\n"
                    "receive,C990102,WATER,30,W1,2027-04-01,\n"
                    "issue,R99,TENT,5,,,\n", encoding="utf-8")
    return path


def test_importing_a_file_twice_records_it_once(tiny_db, today, receipts_file):
    [first] = keeper.import_file(tiny_db, str(receipts_file), actor="k", today=today)
    assert (first.status, len(first.lines)) == ("recorded", 3)
    before = counts(tiny_db)
    [second] = keeper.import_file(tiny_db, str(receipts_file), actor="k", today=today)
    assert (second.status, second.number) == ("already recorded", first.number)
    assert counts(tiny_db) == before
    assert totals(tiny_db, today)[("R99", "TENT")]["on_hand"] == 15


def test_an_import_with_bad_rows_records_nothing_and_lists_every_line(tents_at_r99, today, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("kind,depot,item,qty,lot\n"
                    "receive,R99,QUILT,10,\n"
                    "issue,R99,TENT,11,\n"
                    "receive,R98,TENT,1,\n"
                    "issue,R99,SOAP,1,\n"
                    "issue,R99,TENT,1,NOPE\n", encoding="utf-8")
    before = counts(tents_at_r99)
    with pytest.raises(InvalidFile, match="4 bad row\\(s\\); nothing was recorded") as caught:
        keeper.import_file(tents_at_r99, str(path), actor="k", today=today)
    problems = caught.value.problems
    assert [(p.where, p.line) for p in problems] == [("line 3", 3), ("line 4", 4), ("line 5", 5), ("line 6", 6)]
    assert "only 10 available" in problems[0].message
    assert "'R98'" in problems[1].message
    assert "'SOAP'" in problems[2].message
    assert "'NOPE'" in problems[3].message
    assert counts(tents_at_r99) == before


def test_export_writes_the_stock_and_the_ledger(water_at_r99, today, tmp_path):
    assert keeper.export_file(water_at_r99, str(tmp_path / "stock.csv"), today=today) == 4
    with (tmp_path / "stock.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["lot"], r["on_hand"], r["expired"], r["depot_name"]) for r in rows] == [
        ("OLD", "2", "True", "甲市中心库"), ("EARLY", "3", "False", "甲市中心库"),
        ("MID", "4", "False", "甲市中心库"), ("LATE", "5", "False", "甲市中心库")]
    assert keeper.export_file(water_at_r99, str(tmp_path / "ledger.xlsx"), ledger=True, today=today) == 4
    book = load_workbook(tmp_path / "ledger.xlsx", read_only=True)
    sheet = list(book["ledger"].iter_rows(values_only=True))
    book.close()
    header = sheet[0]
    assert [row[header.index("lot")] for row in sheet[1:]] == ["LATE", "EARLY", "MID", "OLD"]
