"""Stock movements to and from spreadsheets (CSV and XLSX).

An import file has a header row with the columns ``kind, depot, item, qty`` and any of
``doc, lot, expires, to, reason, source, note``. Rows sharing a ``doc`` number form one
document; rows without one form a single document for the whole file, numbered from
its name and content, so importing the same file twice records it once, while a second
file with the same rows (next week's identical delivery) is a new document.

Exports write every cell through ``cells.safe_cell`` (text a spreadsheet would run as a
formula gets a leading ``'``), and the importer takes that one quote off again
(``cells.restore_cell``), so a note written as ``=HYPERLINK(...)`` reads back as written.
"""

from __future__ import annotations

import csv
from pathlib import Path

from relief.depot import outfiles, rules, text
from relief.depot.cells import restore_cell, safe_row
from relief.depot.columns import check_columns
from relief.depot.ledger import DocumentRequest
from relief.depot.posting import Operation
from relief.errors import InvalidFile, Problem, ReliefError

REQUIRED = ("kind", "depot", "item", "qty")
OPTIONAL = ("doc", "lot", "expires", "to", "reason", "source", "note")
KINDS = ("receive", "issue", "transfer", "adjust", "count")
FORMATS = (".csv", ".xlsx")
APPLIES = {"to": ("transfer", "issue"), "expires": ("receive",), "reason": ("adjust",), "source": ("receive",)}


def read_documents(path: str | Path, problems: list[Problem] | None = None, *,
                   name: str | None = None) -> list[DocumentRequest]:
    """Parse an import file into documents. ``name`` is the file's name as its sender calls
    it (an upload kept under another name), used in messages and in the numbers of
    documents without a ``doc``; by default the name of ``path``.

    Raises ``InvalidFile`` when the file is missing, has an unsupported extension,
    missing, unknown or duplicated columns or an XLSX cell holding a formula, or -
    unless a ``problems`` list is given to collect them and skip the rows - when any
    row is malformed, listing every bad row by its line number.
    """
    path = Path(path)
    name = name or path.name
    header, rows = _read_rows(path, name)
    header = [str(h or "").strip().lower() for h in header]
    check_columns(name, header, REQUIRED, OPTIONAL)
    collect = problems is not None
    problems = problems if collect else []
    groups: dict[str | None, list[Operation]] = {}
    for line, values in rows:
        record = {k: _text(v) for k, v in zip(header, values) if k}
        if not any(record.values()):
            continue
        try:
            if any(_text(v) for v in values[len(header):]):
                raise InvalidFile(f"{len(values)} cells under {len(header)} columns; quote a value that holds a comma")
            op = _operation(record, line)
        except ReliefError as exc:
            problems.append(Problem.at_line(line, exc))
            continue
        groups.setdefault(record.get("doc") or None, []).append(op)
    if problems and not collect:
        raise InvalidFile(f"{name}: {len(problems)} bad row(s); nothing was recorded", problems)
    if not groups and not problems:
        raise InvalidFile(f"{name} holds no rows to import")
    return [_document(number, ops, name) for number, ops in groups.items()]


def _document(number: str | None, ops: list[Operation], file: str) -> DocumentRequest:
    kinds = {op.kind for op in ops}
    kind = kinds.pop() if len(kinds) == 1 else "import"
    if number is None:
        probe = DocumentRequest("", kind, ops)
        number = f"IMP-{file}-{probe.fingerprint()[:12]}"
    return DocumentRequest(number, kind, ops)


def _operation(r: dict, line: int) -> Operation:
    kind = r.get("kind", "").lower()
    if kind not in KINDS:
        raise InvalidFile(f"kind {r.get('kind')!r} is not one of {', '.join(KINDS)}", field="kind")
    for column, kinds in APPLIES.items():
        if r.get(column) and kind not in kinds:
            article = "an" if kind[0] in "aeiou" else "a"
            raise InvalidFile(f"column {column!r} does not apply to {article} {kind} (only to {' or '.join(kinds)}); "
                              "leave it empty or change the kind", field=column)
    for key in ("depot", "item"):
        if not r.get(key):
            raise InvalidFile(f"{key} is empty", field=key)
    if kind == "adjust":
        qty = _column("qty", rules.nonzero_delta, r.get("qty", ""), "qty")
        reason = _column("reason", rules.check_reason, r.get("reason", ""))
    elif kind == "count":
        qty, reason = _column("qty", rules.counted_quantity, r.get("qty", "")), None
    else:
        qty, reason = _column("qty", rules.positive_quantity, r.get("qty", ""), "qty"), None
    depot, item = (_column(key, text.code, r[key], f"{key} code").upper() for key in ("depot", "item"))
    _column("doc", text.optional_code, r.get("doc"), "document number")
    to_check = text.optional_code if kind == "transfer" else text.name
    to = (_column("to", to_check, r.get("to"), "to") or "").upper() or None
    if kind == "transfer" and (to is None or to == depot):
        raise InvalidFile("a transfer needs a 'to' depot different from 'depot'", field="to")
    expires = _column("expires", rules.parse_date, r["expires"], "expires") if r.get("expires") and kind == "receive" else None
    return Operation(kind, depot, item, qty, lot=_column("lot", text.optional_code, r.get("lot"), "lot"),
                     expires=expires, to=to, reason=reason, source=_column("source", text.note, r.get("source"), "source"),
                     note=_column("note", text.note, r.get("note")), line=line)


def _column(name: str, check, *args):
    """``check(*args)`` for the value of column ``name``: an error it raises names the column."""
    try:
        return check(*args)
    except ReliefError as exc:
        exc.field = exc.field or name
        raise


def _text(value) -> str:
    if isinstance(value, str):  # a quote that an export put before =, +, -, @ goes again
        return restore_cell(value).strip()
    if value is None:
        return ""
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_rows(path: Path, name: str) -> tuple[list, list[tuple[int, list]]]:
    if not path.is_file():
        raise InvalidFile(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                table = list(csv.reader(handle))
        except UnicodeDecodeError:
            raise InvalidFile(f"{name} is not UTF-8 text; save the sheet as CSV UTF-8") from None
        except csv.Error as exc:
            raise text.unreadable(name, exc, "CSV") from None
        if not table:
            raise InvalidFile(f"{name} is empty; the first row must name the columns")
        return table[0], [(n, row) for n, row in enumerate(table[1:], start=2)]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:
            raise InvalidFile(f"{name} is not a readable XLSX workbook ({exc})") from None
        try:
            cells = [list(row) for row in book.worksheets[0].iter_rows()]
        finally:
            book.close()
        formulas = [Problem(f"cell {c.coordinate}", None, f"cell {c.coordinate} holds a formula ({str(c.value):.40}); "
                            "replace it by its value (paste as values)", c.row)
                    for row in cells for c in row if getattr(c, "data_type", None) == "f"]
        if formulas:
            raise InvalidFile(f"{name}: {len(formulas)} cell(s) hold a formula, whose value is not read; "
                              "nothing was recorded", formulas)
        rows = [[getattr(c, "value", None) for c in row] for row in cells]
        if not rows:
            raise InvalidFile(f"{name} is empty; the first row must name the columns")
        return list(rows[0]), [(n, list(row)) for n, row in enumerate(rows[1:], start=2)]
    raise InvalidFile(f"{name}: unsupported file type {suffix or '(none)'}; use one of {', '.join(FORMATS)}")


def check_output(path: str | Path, *, force: bool = False) -> Path:
    """Check, before anything is read, that ``path`` can take a CSV or XLSX export;
    returns it as a path.

    Raises ``InvalidFile`` for another extension, a folder that does not exist or a path
    that is a folder, and ``Refused`` (``option="force"``) when the file exists and
    ``force`` is not given.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidFile(f"{path.name}: unsupported file type {suffix or '(none)'}; use one of {', '.join(FORMATS)}")
    if not path.parent.is_dir():
        raise InvalidFile(f"folder {path.parent} does not exist")
    if path.is_dir():
        raise InvalidFile(f"{path} is a folder; give a file name ending in {' or '.join(FORMATS)}")
    outfiles.claim([path], force=force)
    return path


def write_rows(path: str | Path, rows: list[dict], *, sheet: str = "stock", force: bool = False) -> int:
    """Write ``rows`` (dicts sharing keys) to a CSV or XLSX file; returns the row count.

    Every text cell passes through ``cells.safe_cell`` (no cell can become a formula);
    the file is written under a temporary name and renamed when complete. Raises what
    ``check_output`` raises.
    """
    path = check_output(path, force=force)
    keys = list(rows[0]) if rows else []
    with outfiles.atomic(path) as partial:
        if path.suffix.lower() == ".csv":
            with partial.open("w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(safe_row(keys))
                writer.writerows(safe_row(row[k] for k in keys) for row in rows)
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            page = book.create_sheet(sheet)
            page.append(safe_row(keys))
            for row in rows:
                page.append(safe_row(row[k] for k in keys))
            book.save(partial)
    return len(rows)
