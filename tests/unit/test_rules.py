"""The stock rules as plain Python: lots, FEFO, losses, counts, receipts and input checks."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from relief.depot import rules
from relief.errors import (
    ExpiredLot,
    InvalidDate,
    InvalidQuantity,
    InvalidReason,
    OutOfStock,
    ReservedStock,
    UnknownLot,
)
from relief.depot.rules import LotStock

DAY = date(2026, 11, 22)


@pytest.fixture
def water_lots() -> list[LotStock]:
    """Three lots of a perishable item, listed out of expiry order, one partly reserved."""
    return [
        LotStock("LATE", date(2027, 9, 1), 10),
        LotStock("SOON", date(2027, 1, 15), 4, reserved=1),
        LotStock("MID", date(2027, 5, 1), 6),
    ]


@pytest.fixture
def lots_with_an_expired_one() -> list[LotStock]:
    """A fresh lot and a lot that expired last month."""
    return [LotStock("FRESH", date(2027, 6, 1), 5), LotStock("OLD", date(2026, 10, 31), 3)]


def test_a_lot_is_expired_only_after_its_expiry_date():
    lot = LotStock("L", DAY, 5)
    assert not lot.is_expired(DAY)
    assert lot.is_expired(date(2026, 11, 23))
    assert not LotStock("-", None, 5).is_expired(date(2099, 1, 1))


def test_available_is_on_hand_less_reserved_and_nothing_once_expired():
    lot = LotStock("L", date(2026, 12, 1), 10, reserved=3)
    assert lot.available(DAY) == 7
    assert lot.expired(DAY) == 0
    later = date(2026, 12, 2)
    assert lot.available(later) == 0
    assert lot.expired(later) == 7


def test_fefo_order_puts_earliest_expiry_first_and_durable_lots_last():
    lots = [LotStock("-", None, 1), LotStock("B", date(2027, 3, 1), 1), LotStock("A", date(2027, 3, 1), 1),
            LotStock("EARLY", date(2027, 1, 1), 1)]
    assert [s.lot for s in rules.fefo_order(lots)] == ["EARLY", "A", "B", "-"]


def test_issue_takes_the_earliest_expiring_lots_first(water_lots):
    assert rules.allocate_issue(water_lots, 8, DAY) == [("SOON", 3), ("MID", 5)]


def test_issue_of_a_named_lot_takes_only_that_lot(water_lots):
    assert rules.allocate_issue(water_lots, 8, DAY, lot="LATE") == [("LATE", 8)]


def test_issue_never_takes_reserved_units(water_lots):
    picks = rules.allocate_issue(water_lots, 19, DAY)
    assert dict(picks)["SOON"] == 3
    assert sum(n for _, n in picks) == 19


def test_cannot_issue_more_than_available(water_lots):
    with pytest.raises(OutOfStock, match="cannot take 20 of WATER at R99: only 19 available"):
        rules.allocate_issue(water_lots, 20, DAY, what="WATER at R99")


def test_cannot_issue_more_of_a_named_lot_than_it_holds_unreserved(water_lots):
    with pytest.raises(OutOfStock, match="only 3 available"):
        rules.allocate_issue(water_lots, 4, DAY, lot="SOON")


def test_issue_skips_expired_lots(lots_with_an_expired_one):
    assert rules.allocate_issue(lots_with_an_expired_one, 5, DAY) == [("FRESH", 5)]
    with pytest.raises(OutOfStock, match="only 5 available"):
        rules.allocate_issue(lots_with_an_expired_one, 6, DAY)


def test_a_named_expired_lot_is_issued_only_when_allowed(lots_with_an_expired_one):
    with pytest.raises(ExpiredLot, match="lot OLD .* expired on 2026-10-31"):
        rules.allocate_issue(lots_with_an_expired_one, 2, DAY, lot="OLD")
    assert rules.allocate_issue(lots_with_an_expired_one, 2, DAY, lot="OLD", allow_expired=True) == [("OLD", 2)]


def test_issue_of_an_unknown_lot_names_the_lots_held(water_lots):
    with pytest.raises(UnknownLot) as caught:
        rules.allocate_issue(water_lots, 1, DAY, lot="NOPE")
    assert "'NOPE'" in str(caught.value)
    assert "lots held: SOON, MID, LATE" in str(caught.value)


def test_a_loss_comes_from_expired_lots_first(lots_with_an_expired_one):
    assert rules.allocate_loss(lots_with_an_expired_one, 4, DAY) == [("OLD", 3), ("FRESH", 1)]


def test_a_loss_after_the_expired_lots_follows_fefo(water_lots):
    assert rules.allocate_loss(water_lots, 5, DAY) == [("SOON", 3), ("MID", 2)]


def test_an_expired_write_off_takes_only_expired_lots(lots_with_an_expired_one):
    assert rules.allocate_loss(lots_with_an_expired_one, 3, DAY, expired_only=True) == [("OLD", 3)]
    with pytest.raises(ReservedStock, match="only 3 expired units on hand"):
        rules.allocate_loss(lots_with_an_expired_one, 4, DAY, expired_only=True)


def test_a_loss_never_takes_reserved_units():
    lots = [LotStock("L", date(2027, 1, 1), 5, reserved=4)]
    with pytest.raises(ReservedStock, match="only 1 unreserved units on hand"):
        rules.allocate_loss(lots, 2, DAY)


def test_count_variance_is_counted_minus_recorded(water_lots):
    assert rules.count_variance(water_lots, 20) == 0
    assert rules.count_variance(water_lots, 25) == 5
    assert rules.count_variance(water_lots, 17) == -3
    assert rules.count_variance(water_lots, 2, lot="MID") == -4


def test_a_count_below_the_reserved_units_is_refused(water_lots):
    with pytest.raises(ReservedStock, match="counted 0 of .* but 1 are reserved"):
        rules.count_variance(water_lots, 0)
    with pytest.raises(UnknownLot):
        rules.count_variance(water_lots, 3, lot="NOPE")


def test_a_durable_gain_goes_to_the_no_lot_lot():
    assert rules.gain_lot([], lot=None, durable=True) == rules.NO_LOT


def test_a_perishable_gain_goes_to_the_only_lot_held():
    assert rules.gain_lot([LotStock("L1", date(2027, 1, 1), 3)], lot=None, durable=False) == "L1"


def test_a_perishable_gain_needs_a_lot_when_several_are_held(water_lots):
    with pytest.raises(UnknownLot, match=r"name the lot .* \(lots held: SOON, MID, LATE\)"):
        rules.gain_lot(water_lots, lot=None, durable=False, what="WATER at R99")
    assert rules.gain_lot(water_lots, lot="MID", durable=False) == "MID"
    with pytest.raises(UnknownLot, match="'NOPE'"):
        rules.gain_lot(water_lots, lot="NOPE", durable=False)


def test_a_perishable_receipt_without_expiry_expires_after_its_shelf_life():
    assert rules.receipt_lot(None, None, 730, DAY) == ("EXP20281121", date(2028, 11, 21))


def test_a_durable_receipt_without_lot_goes_to_the_no_lot_lot():
    assert rules.receipt_lot(None, None, None, DAY) == (rules.NO_LOT, None)
    assert rules.receipt_lot("  ", None, None, DAY) == (rules.NO_LOT, None)


def test_a_receipt_keeps_the_lot_and_expiry_given():
    assert rules.receipt_lot(" L7 ", date(2027, 2, 1), 365, DAY) == ("L7", date(2027, 2, 1))
    assert rules.receipt_lot(None, DAY, 365, DAY) == ("EXP20261122", DAY)


def test_a_receipt_already_past_its_expiry_is_refused():
    with pytest.raises(InvalidDate, match="expiry 2026-11-21 is already past"):
        rules.receipt_lot("L", date(2026, 11, 21), 365, DAY)


@pytest.mark.parametrize("value, expected", [(12, 12), ("12", 12), (" 7 ", 7), (3.0, 3)])
def test_positive_quantity_accepts_whole_numbers(value, expected):
    assert rules.positive_quantity(value) == expected


@pytest.mark.parametrize("value", [0, "0", -5, "-5", "2.5", 2.5, "ten", "", True])
def test_positive_quantity_refuses_a_bad_value_and_names_it(value):
    with pytest.raises(InvalidQuantity) as caught:
        rules.positive_quantity(value)
    assert repr(value) in str(caught.value)


def test_nonzero_delta_keeps_the_sign_and_refuses_zero():
    assert rules.nonzero_delta("-3") == -3
    assert rules.nonzero_delta(5) == 5
    with pytest.raises(InvalidQuantity, match="non-zero whole number .* got '0'"):
        rules.nonzero_delta("0")
    with pytest.raises(InvalidQuantity, match="got 'x3'"):
        rules.nonzero_delta("x3")


def test_counted_quantity_allows_zero_but_not_less():
    assert rules.counted_quantity("0") == 0
    with pytest.raises(InvalidQuantity, match="0 or more, got '-1'"):
        rules.counted_quantity("-1")


def test_parse_date_reads_iso_dates_and_names_a_bad_one():
    assert rules.parse_date("2027-03-01") == date(2027, 3, 1)
    assert rules.parse_date(date(2027, 3, 1)) == date(2027, 3, 1)
    assert rules.parse_date(datetime(2027, 3, 1, 14, 30)) == date(2027, 3, 1)
    with pytest.raises(InvalidDate, match="expiry must be a date as YYYY-MM-DD, got '2027-02-30'"):
        rules.parse_date("2027-02-30", "expiry")
    with pytest.raises(InvalidDate, match="got '01/03/2027'"):
        rules.parse_date("01/03/2027")


def test_check_reason_allows_only_the_listed_reasons():
    for reason in rules.REASONS:
        assert rules.check_reason(reason) == reason
    with pytest.raises(InvalidReason, match="got 'stolen'"):
        rules.check_reason("stolen")


def test_apply_refuses_changes_that_leave_a_lot_below_zero_or_below_reserved():
    lots = [LotStock("L", None, 5, reserved=2)]
    assert rules.apply(lots, [("L", -3, 0)]) == [LotStock("L", None, 2, reserved=2)]
    with pytest.raises(ReservedStock):
        rules.apply(lots, [("L", -4, 0)])
    with pytest.raises(ReservedStock):
        rules.apply(lots, [("L", -6, -2)])


@pytest.mark.parametrize("value", ["1_0", "1e3", "inf", "nan", "１.5", " ", "", "1.2.3", True, float("nan")])
def test_a_decimal_is_written_in_digits(value):
    with pytest.raises(ValueError):
        rules.decimal_number(value)


@pytest.mark.parametrize(("value", "number"), [("1.3", 1.3), (" -0.5 ", -0.5), (".5", 0.5), ("12", 12.0), (7, 7.0)])
def test_a_decimal_in_digits_is_read(value, number):
    assert rules.decimal_number(value) == number
