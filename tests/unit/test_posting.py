"""Planning ledger lines for a sequence of operations against an in-memory book."""

from __future__ import annotations

from datetime import date

import pytest

from relief.errors import InvalidDate, OutOfStock, ReservedStock
from relief.depot.posting import Book, ItemFacts, Line, Operation, plan
from relief.depot.rules import LotStock

DAY = date(2026, 11, 22)
ITEMS = {"TENT": ItemFacts("TENT", None), "WATER": ItemFacts("WATER", 730)}


@pytest.fixture
def empty_book() -> Book:
    """A book holding nothing."""
    return Book()


@pytest.fixture
def book_with_water() -> Book:
    """R99 holds two lots of water: W1 (10, expiring first) and W2 (5)."""
    book = Book()
    book.expiry.update({("WATER", "W1"): date(2027, 3, 1), ("WATER", "W2"): date(2027, 8, 1)})
    book.lots[("R99", "WATER")] = {"W1": LotStock("W1", date(2027, 3, 1), 10),
                                   "W2": LotStock("W2", date(2027, 8, 1), 5)}
    return book


def on_hand(book: Book, depot: str, item: str) -> dict[str, int]:
    return {s.lot: s.on_hand for s in book.held(depot, item)}


def test_receive_issue_and_transfer_in_sequence_update_the_book(empty_book):
    ops = [
        Operation("receive", "R99", "TENT", 40),
        Operation("issue", "R99", "TENT", 15),
        Operation("transfer", "R99", "TENT", 5, to="C990102"),
    ]
    lines = plan(ops, empty_book, ITEMS, DAY)
    assert lines == [
        Line("receive", "R99", "TENT", "-", 40),
        Line("issue", "R99", "TENT", "-", -15),
        Line("transfer_out", "R99", "TENT", "-", -5, counterparty="C990102"),
        Line("transfer_in", "C990102", "TENT", "-", 5, counterparty="R99"),
    ]
    assert on_hand(empty_book, "R99", "TENT") == {"-": 20}
    assert on_hand(empty_book, "C990102", "TENT") == {"-": 5}
    assert empty_book.new_lots == {("TENT", "-"): None}


def test_an_issue_later_in_the_sequence_sees_an_earlier_receipt(empty_book):
    ops = [Operation("receive", "R99", "WATER", 3, lot="W9", expires=date(2027, 1, 1)),
           Operation("issue", "R99", "WATER", 3)]
    lines = plan(ops, empty_book, ITEMS, DAY)
    assert [(ln.kind, ln.lot, ln.qty) for ln in lines] == [("receive", "W9", 3), ("issue", "W9", -3)]


def test_a_transfer_keeps_the_lots_taken_fefo(book_with_water):
    lines = plan([Operation("transfer", "R99", "WATER", 12, to="C990201")], book_with_water, ITEMS, DAY)
    assert [(ln.kind, ln.depot, ln.lot, ln.qty) for ln in lines] == [
        ("transfer_out", "R99", "W1", -10), ("transfer_out", "R99", "W2", -2),
        ("transfer_in", "C990201", "W1", 10), ("transfer_in", "C990201", "W2", 2)]
    assert on_hand(book_with_water, "C990201", "WATER") == {"W1": 10, "W2": 2}


def test_a_count_records_the_surplus_as_found_and_the_shortfall_as_lost(book_with_water):
    found = plan([Operation("count", "R99", "WATER", 17, lot="W2")], book_with_water, ITEMS, DAY)
    assert found == [Line("count", "R99", "WATER", "W2", 12, reason="found")]
    lost = plan([Operation("count", "R99", "WATER", 20)], book_with_water, ITEMS, DAY)
    assert lost == [Line("count", "R99", "WATER", "W1", -7, reason="lost")]
    assert plan([Operation("count", "R99", "WATER", 20)], book_with_water, ITEMS, DAY) == []


def test_reserved_units_are_not_issued_and_dispatch_only_what_is_reserved(book_with_water):
    plan([Operation("reserve", "R99", "WATER", 10)], book_with_water, ITEMS, DAY)
    with pytest.raises(OutOfStock, match="only 5 available"):
        plan([Operation("issue", "R99", "WATER", 6)], book_with_water, ITEMS, DAY)
    with pytest.raises(ReservedStock, match="only 10 reserved"):
        plan([Operation("dispatch", "R99", "WATER", 11, lot="W1")], book_with_water, ITEMS, DAY)
    lines = plan([Operation("dispatch", "R99", "WATER", 10, lot="W1")], book_with_water, ITEMS, DAY)
    assert lines == [Line("dispatch", "R99", "WATER", "W1", -10, -10)]


def test_errors_are_collected_with_their_line_numbers_and_good_lines_still_planned(empty_book):
    ops = [
        Operation("receive", "R99", "TENT", 10, line=2),
        Operation("issue", "R99", "TENT", 11, line=3),
        Operation("adjust", "R99", "TENT", -1, reason="stolen", line=4),
        Operation("issue", "R99", "TENT", 4, line=5),
    ]
    errors: list = []
    lines = plan(ops, empty_book, ITEMS, DAY, errors)
    assert len(errors) == 2
    assert (errors[0].where, errors[0].line) == ("line 3", 3)
    assert str(errors[0]).startswith("line 3: cannot take 11 of TENT at R99: only 10 available")
    assert (errors[1].where, errors[1].field) == ("line 4", "reason")
    assert str(errors[1]).startswith("line 4: reason must be one of") and "'stolen'" in str(errors[1])
    assert [(ln.kind, ln.qty) for ln in lines] == [("receive", 10), ("issue", -4)]


def test_without_an_error_list_the_first_failure_raises(empty_book):
    with pytest.raises(OutOfStock):
        plan([Operation("issue", "R99", "TENT", 1)], empty_book, ITEMS, DAY)


def test_a_lot_cannot_be_registered_with_another_expiry(book_with_water):
    with pytest.raises(InvalidDate, match="lot W1 of WATER is recorded with 2027-03-01; got 2027-04-01"):
        book_with_water.register_lot("WATER", "W1", date(2027, 4, 1))
    with pytest.raises(InvalidDate, match="recorded with 2027-03-01"):
        plan([Operation("receive", "C990102", "WATER", 5, lot="W1", expires=date(2027, 4, 1))],
             book_with_water, ITEMS, DAY)


def test_receiving_more_of_a_known_lot_without_an_expiry_keeps_its_recorded_expiry(book_with_water):
    lines = plan([Operation("receive", "C990102", "WATER", 5, lot="W2")], book_with_water, ITEMS, DAY)
    assert lines == [Line("receive", "C990102", "WATER", "W2", 5)]
    assert book_with_water.held("C990102", "WATER") == [LotStock("W2", date(2027, 8, 1), 5)]
    assert book_with_water.new_lots == {}


def test_an_expired_write_off_leaves_fresh_lots_alone(book_with_water):
    later = date(2027, 4, 1)
    lines = plan([Operation("adjust", "R99", "WATER", -10, reason="expired")], book_with_water, ITEMS, later)
    assert lines == [Line("adjust", "R99", "WATER", "W1", -10, reason="expired")]
    with pytest.raises(ReservedStock, match="only 0 expired units"):
        plan([Operation("adjust", "R99", "WATER", -1, reason="expired")], book_with_water, ITEMS, later)
