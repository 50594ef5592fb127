"""Stock rules as plain Python: no database, no I/O.

A depot holds an item in lots. Each lot has an on-hand quantity, a reserved quantity
(promised to committed dispatch plans) and perhaps an expiry date. These functions
decide what a receipt, issue, adjustment or count does to those lots; the ledger
applies their answers to the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from relief.errors import (
    ExpiredLot,
    InvalidDate,
    InvalidQuantity,
    InvalidReason,
    OutOfStock,
    ReservedStock,
    UnknownLot,
)

REASONS = ("damaged", "lost", "found", "expired", "other")
NO_LOT = "-"
MAX_UNITS = 1_000_000_000
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)

_SIGNED_DIGITS = re.compile(r"([+-]?)([0-9]+)")
_SEPARATED = re.compile(r"[+-]?[0-9][0-9_, \u00a0\u202f']*[0-9]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
                       r"(Z|[+-][0-9]{2}:[0-9]{2})?")


@dataclass(frozen=True)
class LotStock:
    """One lot of one item at one depot."""

    lot: str
    expires: date | None
    on_hand: int
    reserved: int = 0

    def is_expired(self, today: date) -> bool:
        """True when the lot's expiry date is before ``today``."""
        return self.expires is not None and self.expires < today

    def available(self, today: date) -> int:
        """Units that may be issued: on hand less reserved, nothing once expired."""
        return 0 if self.is_expired(today) else self.on_hand - self.reserved

    def expired(self, today: date) -> int:
        """Unreserved units of an expired lot (what ``available`` leaves out for expiry)."""
        return self.on_hand - self.reserved if self.is_expired(today) else 0


def positive_quantity(value: object, what: str = "quantity") -> int:
    """Return ``value`` as a positive whole number.

    Takes an int or text of plain digits such as ``"12"`` (see ``whole_number``: no sign,
    no separators); raises ``InvalidQuantity`` naming the value when it is not a whole
    number greater than zero.
    """
    number = _whole(value, what, signed=False)
    if number <= 0:
        raise InvalidQuantity(f"{what} must be a whole number greater than 0, got {value!r}")
    return number


def nonzero_delta(value: object, what: str = "delta") -> int:
    """Return ``value`` as a non-zero whole number (a signed adjustment).

    A sign is allowed (``"-3"``, ``"+5"``). Raises ``InvalidQuantity`` when it is zero
    (``"-0"`` too) or not a whole number.
    """
    number = _whole(value, what, signed=True)
    if number == 0:
        raise InvalidQuantity(f"{what} must be a non-zero whole number (e.g. -3 or 5), got {value!r}")
    return number


def counted_quantity(value: object) -> int:
    """Return a counted quantity: a whole number of zero or more written without a sign
    (``"-0"`` is refused, not read as 0); raises ``InvalidQuantity``."""
    number = _whole(value, "counted quantity", signed=False)
    if number < 0:
        raise InvalidQuantity(f"counted quantity must be 0 or more, got {value!r}")
    return number


def whole_number(value: object, what: str = "quantity", *, low: int = 0, high: int = MAX_UNITS,
                 signed: bool = False, option: str | None = None) -> int:
    """The one reader of whole numbers typed by people or read from their files.

    Takes an int, a float holding a whole number (a spreadsheet cell) or text. Text must
    be ASCII digits (``"12"``, spaces around it ignored): no underscores, commas, spaces
    or other separators inside, no decimal point, no exponent. A sign is allowed only
    when ``signed`` (a delta: ``"-3"``, ``"+5"``); a ``-`` before digits is otherwise
    read only to say the number is below ``low``. Returns the number; raises
    ``InvalidQuantity`` naming ``what``, the value and the range ``low`` to ``high``
    when it is not such a number or outside the range.
    """
    rule = f"a whole number from {low:,} to {high:,}"
    number = _whole(value, what, signed=signed, option=option, rule=rule, high=max(high, -low))
    if not low <= number <= high:
        raise InvalidQuantity(f"{what} must be {rule}, got {value!r}", option=option)
    return number


def _whole(value: object, what: str, *, signed: bool, option: str | None = None, rule: str = "a whole number",
           high: int = MAX_UNITS) -> int:
    """``value`` as an int by the rules of ``whole_number`` (the form, and at most
    ``high`` in absolute value); raises ``InvalidQuantity`` saying ``what`` must be ``rule``."""
    if isinstance(value, bool):
        raise InvalidQuantity(f"{what} must be {rule}, got {value!r}", option=option)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        match = _SIGNED_DIGITS.fullmatch(text)
        if match is None:
            kind = " written as plain digits without separators" if _SEPARATED.fullmatch(text) else ""
            raise InvalidQuantity(f"{what} must be {rule}{kind}, got {value!r}", option=option)
        sign, digits = match.groups()
        number = int(sign + digits)
        if sign and not signed and number >= 0:
            raise InvalidQuantity(f"{what} must be {rule} written without a sign (e.g. 12), got {value!r}",
                                  option=option)
    if abs(number) > high:
        limit = f"at most {high:,} units" if rule == "a whole number" else rule
        raise InvalidQuantity(f"{what} must be {limit}, got {value!r}", option=option)
    return number


_DECIMAL = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


def decimal_number(value: object) -> float:
    """A decimal number (a coordinate, a volume, a factor) written as digits with an
    optional point and leading minus, or given as a number: ``1_0``, ``1e3``, ``inf``,
    ``nan`` and full-width digits, which Python's ``float`` would take, are refused.

    Raises ``ValueError`` naming the value (callers say which field it was)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = float(value)
    else:
        raise ValueError(f"{value!r} is not a number written in digits (such as 1.3)")
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def parse_date(value: object, what: str = "date", *, option: str | None = None) -> date:
    """The one reader of dates: ``value`` (a ``date``, or text ``YYYY-MM-DD`` with spaces
    around it ignored) as a date from ``FIRST_DAY`` to ``LAST_DAY`` (2000-01-01 to
    2100-12-31). Other ISO forms (``20270115``, ``2027-W03-1``) are refused. Raises
    ``InvalidDate`` naming ``what`` and the value (about the setting ``option`` when the
    date was given as one)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        try:
            if not _DATE.fullmatch(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            raise InvalidDate(f"{what} must be a date as YYYY-MM-DD, got {value!r}", option=option) from None
    _in_range(day, value, what, option)
    return day


def parse_datetime(value: object, what: str = "date-time", *, option: str | None = None) -> datetime:
    """The one reader of date-times: ``value`` (a ``datetime``, or ISO 8601 text
    ``YYYY-MM-DDTHH:MM`` with optional ``:SS``, fraction and ``Z`` or ``+HH:MM`` offset)
    as a naive datetime on the clock as written (an offset is dropped, not converted),
    dated from ``FIRST_DAY`` to ``LAST_DAY``. Raises ``InvalidDate`` naming the value."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None)
    else:
        text = str(value).strip()
        try:
            if not _DATETIME.fullmatch(text):
                raise ValueError(text)
            moment = datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            raise InvalidDate(f"{what} must be a date-time as YYYY-MM-DDTHH:MM, got {value!r}", option=option) from None
    _in_range(moment.date(), value, what, option)
    return moment


def _in_range(day: date, value: object, what: str, option: str | None) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidDate(f"{what} must be dated from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}, got {value!r}",
                          option=option)


def check_reason(reason: str) -> str:
    """Return ``reason`` if it is an allowed adjustment reason; raises ``InvalidReason``."""
    if reason not in REASONS:
        raise InvalidReason(f"reason must be one of {', '.join(REASONS)}; got {reason!r}", field="reason", option="reason")
    return reason


def receipt_lot(
    lot: str | None, expires: date | None, shelf_life_days: int | None, today: date
) -> tuple[str, date | None]:
    """Decide the lot code and expiry of a receipt.

    Takes the lot and expiry the keeper gave (either may be None), the item's shelf life
    and today's date. A perishable item received without an expiry is given
    ``today + shelf life``. Without a lot code, durable stock goes to the lot ``-`` and
    perishable stock to a lot named after its expiry (``EXP20270115``). Returns
    ``(lot, expires)``; raises ``InvalidDate`` when the expiry is already past.
    """
    if expires is None and shelf_life_days:
        expires = date.fromordinal(today.toordinal() + shelf_life_days)
    if expires is not None and expires < today:
        raise InvalidDate(f"expiry {expires.isoformat()} is already past; a receipt must expire on or after {today.isoformat()}")
    if lot is not None and not lot.strip():
        lot = None
    if lot is None:
        lot = f"EXP{expires:%Y%m%d}" if expires is not None else NO_LOT
    return lot.strip(), expires


def fefo_order(lots: list[LotStock]) -> list[LotStock]:
    """Lots sorted first-expiring-first; durable lots (no expiry) last, then by lot code."""
    return sorted(lots, key=lambda s: (s.expires is None, s.expires or date.max, s.lot))


def allocate_issue(
    lots: list[LotStock], qty: int, today: date, *, lot: str | None = None,
    allow_expired: bool = False, what: str = "",
) -> list[tuple[str, int]]:
    """Choose which lots an issue of ``qty`` units takes from.

    Without a named ``lot`` the earliest-expiring available lots go first (FEFO) and
    expired lots are never used. A named lot must exist; if expired it is used only
    with ``allow_expired``. Returns ``[(lot, units), ...]`` summing to ``qty``.
    Raises ``UnknownLot``, ``ExpiredLot`` or ``OutOfStock`` (naming what is available).
    """
    if lot is not None:
        match = _find(lots, lot, what)
        if match.is_expired(today) and not allow_expired:
            raise ExpiredLot(
                f"lot {lot} of {what} expired on {match.expires.isoformat()} and expired stock was not allowed",
                option="allow_expired")
        free = match.on_hand - match.reserved
        if qty > free:
            raise OutOfStock(f"cannot take {qty} of {what} lot {lot}: only {free} available")
        return [(lot, qty)]
    plan, have = _take(fefo_order(lots), qty, lambda s: s.available(today))
    if have < qty:
        raise OutOfStock(f"cannot take {qty} of {what}: only {have} available")
    return plan


def _take(ordered: list[LotStock], qty: int, free) -> tuple[list[tuple[str, int]], int]:
    """Take up to ``qty`` units from ``ordered`` lots, ``free(lot)`` each at most; returns
    the picks and the total free units."""
    plan: list[tuple[str, int]] = []
    left = qty
    for stock in ordered:
        units = free(stock)
        if left and units > 0:
            plan.append((stock.lot, min(units, left)))
            left -= min(units, left)
    return plan, sum(max(0, free(s)) for s in ordered)


def allocate_loss(
    lots: list[LotStock], qty: int, today: date, *, lot: str | None = None,
    expired_only: bool = False, what: str = "",
) -> list[tuple[str, int]]:
    """Choose which lots a loss of ``qty`` units (negative adjustment or count) comes from.

    Unlike an issue, a loss may take expired stock: expired lots go first, then FEFO.
    Reserved units are never taken. With ``expired_only`` (reason ``expired``) only
    expired lots qualify. Returns ``[(lot, units), ...]``; raises ``UnknownLot`` or
    ``ReservedStock`` when the unreserved stock is too small.
    """
    candidates = [_find(lots, lot, what)] if lot is not None else lots
    if expired_only:
        candidates = [s for s in candidates if s.is_expired(today)]
    ordered = sorted(candidates, key=lambda s: (not s.is_expired(today), s.expires is None, s.expires or date.max, s.lot))
    plan, have = _take(ordered, qty, lambda s: s.on_hand - s.reserved)
    if have < qty:
        kind = "expired " if expired_only else "unreserved "
        raise ReservedStock(f"cannot remove {qty} of {what}: only {have} {kind}units on hand")
    return plan


def count_variance(lots: list[LotStock], counted: int, *, lot: str | None = None, what: str = "") -> int:
    """Return counted minus recorded on-hand (of one lot, or of all lots of the item).

    Raises ``UnknownLot`` when a named lot is not held, and ``ReservedStock`` when the
    count is below the units reserved for committed plans (release them first).
    """
    scope = [_find(lots, lot, what)] if lot is not None else lots
    on_hand = sum(s.on_hand for s in scope)
    reserved = sum(s.reserved for s in scope)
    if counted < reserved:
        raise ReservedStock(
            f"counted {counted} of {what} but {reserved} are reserved for committed plans; "
            "ship or cancel those plans before recording this count"
        )
    return counted - on_hand


def gain_lot(lots: list[LotStock], *, lot: str | None, durable: bool, what: str = "") -> str:
    """Pick the lot a stock gain (found units, count surplus) is booked to.

    A named lot must exist. Without one, durable items go to lot ``-``; for perishable
    items the depot must hold exactly one lot, otherwise raises ``UnknownLot`` asking
    for it (``option="lot"``).
    """
    if lot is not None:
        return _find(lots, lot, what).lot
    if durable:
        return NO_LOT
    if len(lots) == 1:
        return lots[0].lot
    held = ", ".join(s.lot for s in fefo_order(lots)) or "none"
    raise UnknownLot(f"{what} is perishable: name the lot the units belong to (lots held: {held})", option="lot")


def _find(lots: list[LotStock], lot: str, what: str) -> LotStock:
    for stock in lots:
        if stock.lot == lot:
            return stock
    held = ", ".join(s.lot for s in fefo_order(lots)) or "none"
    raise UnknownLot(f"no lot {lot!r} of {what} here; lots held: {held}")


def apply(lots: list[LotStock], changes: list[tuple[str, int, int]]) -> list[LotStock]:
    """Return ``lots`` with ``(lot, on_hand_delta, reserved_delta)`` changes applied.

    Used to check invariants in memory; raises ``ReservedStock`` if any lot would end
    with on hand below zero or below its reserved units.
    """
    by_lot = {s.lot: s for s in lots}
    for lot, d_on_hand, d_reserved in changes:
        stock = by_lot[lot]
        stock = replace(stock, on_hand=stock.on_hand + d_on_hand, reserved=stock.reserved + d_reserved)
        if stock.on_hand < 0 or stock.reserved < 0 or stock.reserved > stock.on_hand:
            raise ReservedStock(f"lot {lot} would hold {stock.on_hand} on hand with {stock.reserved} reserved")
        by_lot[lot] = stock
    return list(by_lot.values())
