"""Files the command line writes are safe to open and never replace a file unasked.

Notes and incident names that a spreadsheet would run as formulas come out of the
ledger export and the pick lists as inert text (a leading quote, never a formula cell);
every command that writes files refuses one that exists (exit 1, the old file as it
was) and replaces it with ``--force``.
"""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from relief.depot import db, keeper
from relief.routing.dispatch import incidents

# The dangerous texts a note or an incident name can hold (tab and carriage return
# are refused as control characters at input; tests/unit/test_exports.py writes them).
PRINTABLE = ['=HYPERLINK("http://evil.example","x")', "+1", "-1+2", "@SUM(A1)"]
TABLETOP = """\
name = "tabletop"
start = 2027-01-15T08:00:00+08:00
[hazard]
type = "incidents"
[[hazard.incidents]]
name = "乙县安置点"
lon = 111.5
lat = 40.5
people = 0
priority = 2
needs = { TENT = 2 }
"""


def formula_cells(path) -> list[str]:
    """Where the workbook at ``path`` holds a formula."""
    book = load_workbook(path)
    found = [f"{s.title}!{c.coordinate}" for s in book.worksheets for row in s.iter_rows() for c in row
             if c.data_type == "f"]
    book.close()
    return found


def column(path, name: str) -> list:
    """The values under the header ``name`` in a CSV file or in every sheet of a workbook."""
    if str(path).endswith(".csv"):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return [row[name] for row in csv.DictReader(handle)]
    book, values = load_workbook(path), []
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = next((r for r in rows if name in r), None)
        if header:
            values += [r[header.index(name)] for r in rows[rows.index(header) + 1:]]
    book.close()
    return values


@pytest.fixture
def noted(stocked_file, today) -> str:
    """``stocked_file`` with four receipts at R99 whose notes look like formulas."""
    for text in PRINTABLE:
        keeper.receive(db.database_url(stocked_file), "R99", "QUILT", 1, note=text, actor="keeper", today=today)
    return stocked_file


@pytest.fixture
def evil_incidents(stocked_file, today) -> str:
    """``stocked_file`` with four incidents in 乙县 named like formulas, each needing one tent."""
    for text in PRINTABLE:
        incidents.add(db.database_url(stocked_file), text, 111.5, 40.5, need=["TENT=1"], today=today)
    return stocked_file


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_the_ledger_export_writes_notes_like_formulas_as_inert_text(cli, noted, tmp_path, suffix):
    path = tmp_path / f"ledger.{suffix}"
    done = cli("stock", "export", "--db", noted, str(path), "--ledger")
    assert done.code == 0, done.stderr
    if suffix == "xlsx":
        assert formula_cells(path) == []
    notes = [n for n in column(path, "note") if n]
    assert notes == ["'" + t for t in PRINTABLE]
    assert -1 not in column(path, "qty") and "1" in [str(q) for q in column(path, "qty")]


def test_a_note_exported_with_its_quote_imports_as_it_was_written(cli, noted, tmp_path):
    ledger = tmp_path / "ledger.csv"
    assert cli("stock", "export", "--db", noted, str(ledger), "--ledger").code == 0
    exported = [n for n in column(ledger, "note") if n]
    moves = tmp_path / "moves.csv"
    with moves.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "depot", "item", "qty", "doc", "note"])
        writer.writerows(["receive", "C990201", "TENT", 1, f"BACK-{n}", note] for n, note in enumerate(exported))
    done = cli("stock", "import", "--db", noted, str(moves))
    assert done.code == 0, done.stderr
    back = cli("stock", "history", "--db", noted, "--depot", "C990201", "--json").json()
    assert sorted(r["note"] for r in back) == sorted(PRINTABLE)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_pick_lists_of_incidents_named_like_formulas_hold_no_formula(cli, evil_incidents, tmp_path, fmt):
    folder = tmp_path / "plan"
    planned = cli("dispatch", "plan", "--db", evil_incidents, "--out", str(folder), "--json")
    assert planned.code == 0, planned.stderr
    plan_id = planned.json()["plan_id"]
    pick = folder / (f"plan-{plan_id}-picklists.xlsx" if fmt == "xlsx" else f"plan-{plan_id}-picklist.csv")
    exported = tmp_path / f"export.{fmt}"
    assert cli("dispatch", "export", "--db", evil_incidents, str(plan_id), "--format", fmt,
               "--out", str(exported)).code == 0
    for path in (pick, exported):
        if fmt == "xlsx":
            assert formula_cells(path) == []
        assert sorted(column(path, "incident_name")) == sorted("'" + t for t in PRINTABLE)
        assert set(column(path, "qty")) == ({1} if fmt == "xlsx" else {"1"})


def _old(path):
    """Put a file holding ``old`` at ``path`` (its folder made if needed); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("old", encoding="utf-8")
    return path


@pytest.mark.parametrize("command, target", [
    (("stock", "export", "{out}/stock.xlsx"), "stock.xlsx"),
    (("stock", "export", "{out}/ledger.csv", "--ledger"), "ledger.csv"),
    (("dispatch", "export", "1", "--format", "csv", "--out", "{out}/pick.csv"), "pick.csv"),
    (("dispatch", "export", "1", "--format", "png", "--out", "{out}/plan.png"), "plan.png"),
    (("dispatch", "plan", "--out", "{out}"), "plan-2-picklists.xlsx"),
    (("drill", "run", "{scenario}", "--out", "{out}"), "report.md"),
    (("drill", "batch", "--hazard", "all", "--n", "2", "--out", "{out}"), "batch.json"),
])
def test_every_command_that_writes_files_refuses_an_existing_one_unless_forced(
        cli, evil_incidents, tmp_path, command, target):
    assert cli("dispatch", "plan", "--db", evil_incidents, "--json").json()["plan_id"] == 1
    scenario = tmp_path / "tabletop.toml"
    scenario.write_text(TABLETOP, encoding="utf-8")
    out = tmp_path / "out"
    old = _old(out / target)
    args = [a.format(out=out, scenario=scenario) for a in command]
    refused = cli(*args[:2], "--db", evil_incidents, *args[2:])
    assert refused.code == 1, refused.stderr
    assert refused.errors() == [f"error: {old} already exists; nothing was written; pass --force to replace it"]
    assert old.read_text(encoding="utf-8") == "old" and [p.name for p in out.iterdir()] == [target]
    if command[:2] == ("drill", "batch"):
        return  # the tiny region has no hazard to sample; tests/unit/test_exports.py forces a batch folder
    if command[:2] == ("dispatch", "plan"):  # refused before plan 2 was saved: nothing half-done
        assert [p["plan_id"] for p in cli("dispatch", "list", "--json", "--db", evil_incidents).json()] == [1]
    forced = cli(*args[:2], "--db", evil_incidents, *args[2:], "--force")
    assert forced.code == 0, forced.stderr
    assert old.read_bytes() != b"old" and old.stat().st_size > 0
    assert not [p.name for p in out.iterdir() if "partial" in p.name]
