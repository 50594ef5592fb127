"""Spreadsheet cells that are safe to open: text a spreadsheet would run is written inert.

Excel, LibreOffice and Google Sheets read a cell whose text starts with ``=``, ``+``,
``-`` or ``@`` (or with a tab or carriage return, which some of them skip first) as a
formula, so a note or an incident named ``=HYPERLINK("http://...")`` would become a live
link or a computation in a pick list. Every CSV and XLSX relief writes passes each cell
through ``safe_cell``: such text gets a leading single quote (``'=HYPERLINK(...)``), which
every spreadsheet shows as text, and in XLSX is written as a string, never a formula.
Numbers, dates, booleans and None are left as they are (``-3`` stays the number -3).

The lone ``-`` that stands for "no lot" or "no value" is left alone: one character cannot
hold a formula. Text already starting with quotes before such a character gets one more
quote, so ``restore_cell`` (used by the importer) gives back exactly the text written.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def _runs(text: str) -> bool:
    """True when a spreadsheet could take ``text`` (after any leading quotes) for a formula."""
    return text != "-" and text.lstrip(QUOTE)[:1] in TRIGGERS


def safe_cell(value: object) -> object:
    """``value`` as a cell that is safe to open: text starting with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return (after any leading quotes) gets a leading ``'``; anything that
    is not text (numbers, dates, None) and the lone ``-`` are returned unchanged."""
    if isinstance(value, str) and _runs(value):
        return QUOTE + value
    return value


def restore_cell(value: object) -> object:
    """The inverse of ``safe_cell``: text that ``safe_cell`` quoted loses the one quote it
    added; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(QUOTE) and _runs(value[1:]):
        return value[1:]
    return value


def safe_row(values) -> list:
    """``safe_cell`` of each value of a row, as a list."""
    return [safe_cell(v) for v in values]
