"""Files relief would have misread record nothing, on SQLite and PostgreSQL: stock
imports, incident files, region folders and numbers and dates typed by a keeper."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from relief.depot import db, keeper, region
from relief.depot.models import Incident, Movement
from relief.errors import InvalidFile, InvalidInput
from relief.routing.dispatch import incidents

TODAY = date(2026, 11, 22)

# Stock import files (name, content) that int(), DictReader or openpyxl would misread.
BAD_IMPORTS = [
    ("qty-twice.csv", "kind,depot,item,qty,qty\nreceive,R99,TENT,5,500\n"),
    ("depot-twice.csv", "kind,depot,item,qty,depot\nreceive,R99,TENT,5,C990102\n"),
    ("unknown.csv", "kind,depot,item,qty,expiry\nreceive,R99,WATER,5,2027-01-01\n"),
    ("minus-zero.csv", "kind,depot,item,qty\nreceive,R99,TENT,10\ncount,R99,TENT,-0\n"),
    ("underscore.csv", "kind,depot,item,qty\nreceive,R99,TENT,1_000\n"),
    ("plus.csv", "kind,depot,item,qty\nreceive,R99,TENT,+5\n"),
    ("far-expiry.csv", "kind,depot,item,qty,expires\nreceive,R99,WATER,5,9999-12-31\n"),
    ("week-date.csv", "kind,depot,item,qty,expires\nreceive,R99,WATER,5,2027-W03-1\n"),
    ("extra-cell.csv", "kind,depot,item,qty\nreceive,R99,TENT,1,000\n"),
]
BAD_INCIDENTS = [
    ("people-twice.csv", "name,lon,lat,people,people\nflood,111.5,40.5,5,500\n"),
    ("unknown.csv", "name,lon,lat,peopel\nflood,111.5,40.5,500\n"),
    ("comma.csv", "name,lon,lat,people\nflood,111.5,40.5,1,000\n"),
    ("underscore.csv", "name,lon,lat,people\nflood,111.5,40.5,1_000\n"),
    ("needs.csv", "name,lon,lat,needs\nflood,111.5,40.5,TENT=1_0\n"),
    ("props.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "flood", "peopel": 500},
         "geometry": {"type": "Point", "coordinates": [111.5, 40.5]}}]})),
]


def _movements(url: str) -> int:
    with db.session(url) as s:
        return s.exec(select(func.count()).select_from(Movement)).one()


def _incidents(url: str) -> int:
    with db.session(url) as s:
        return s.exec(select(func.count()).select_from(Incident)).one()


@pytest.mark.parametrize(("name", "content"), BAD_IMPORTS, ids=[n for n, _ in BAD_IMPORTS])
def test_a_misread_stock_file_records_nothing(tiny_db, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidFile):
        keeper.import_file(tiny_db, str(path), actor="t", today=TODAY)
    assert _movements(tiny_db) == 0


def test_a_workbook_with_a_formula_records_nothing(tiny_db, tmp_path):
    book = Workbook()
    for row in (["kind", "depot", "item", "qty"], ["receive", "R99", "TENT", 5], ["receive", "R99", "FOOD", "=2*3"]):
        book.active.append(row)
    book.save(tmp_path / "in.xlsx")
    with pytest.raises(InvalidFile) as caught:
        keeper.import_file(tiny_db, str(tmp_path / "in.xlsx"), actor="t", today=TODAY)
    assert [p.where for p in caught.value.problems] == ["cell D3"] and _movements(tiny_db) == 0


@pytest.mark.parametrize(("name", "content"), BAD_INCIDENTS, ids=[n for n, _ in BAD_INCIDENTS])
def test_a_misread_incident_file_records_nothing(tiny_db, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput):
        incidents.import_file(tiny_db, str(path), today=TODAY)
    assert _incidents(tiny_db) == 0


@pytest.mark.parametrize(("call", "error"), [
    (lambda url: keeper.count(url, "R99", "TENT", "-0", actor="t", today=TODAY), "without a sign"),
    (lambda url: keeper.count(url, "R99", "TENT", "+0", actor="t", today=TODAY), "without a sign"),
    (lambda url: keeper.receive(url, "R99", "TENT", "1_000", actor="t", today=TODAY), "plain digits"),
    (lambda url: keeper.issue(url, "R99", "TENT", "+1", actor="t", today=TODAY), "without a sign"),
    (lambda url: keeper.adjust(url, "R99", "TENT", "-0", "lost", actor="t", today=TODAY), "non-zero"),
    (lambda url: keeper.receive(url, "R99", "WATER", "5", expires="2101-01-01", actor="t", today=TODAY), "2100-12-31"),
    (lambda url: keeper.receive(url, "R99", "WATER", "5", expires="20270115", actor="t", today=TODAY), "YYYY-MM-DD"),
])
def test_a_misread_keeper_value_records_nothing(tiny_db, call, error):
    keeper.receive(tiny_db, "R99", "TENT", 10, actor="t", today=TODAY)
    with pytest.raises(InvalidInput, match=error):
        call(tiny_db)
    assert _movements(tiny_db) == 1


@pytest.mark.parametrize(("file", "edit"), [
    ("depots.csv", lambda t: t.replace("code,name", "code,code,name", 1).replace("\nR99,", "\nR99,R98,", 1)),
    ("depots.csv", lambda t: t.replace("\n", ",stray\n", 1)),
    ("norms.csv", lambda t: t.replace("min_qty", "min_qty,min_qty", 1)),
    ("teams.csv", lambda t: t.replace("members", "Members", 1)),
])
def test_a_region_folder_with_a_misread_column_is_refused(db_url, tmp_path, tiny_region, file, edit):
    folder = tmp_path / "region"
    shutil.copytree(tiny_region, folder)
    (folder / file).write_text(edit((folder / file).read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InvalidFile, match=r"appear more than once|unknown column"):
        region.init(db_url, str(folder), sample_stock=False, today=TODAY)


@pytest.mark.parametrize("qty", ["1_000", "+5", "-0", "1 000"])
def test_a_region_with_misread_opening_stock_is_refused(db_url, tmp_path, tiny_region, qty):
    folder = tmp_path / "region"
    shutil.copytree(tiny_region, folder)
    (folder / "stock.csv").write_text(f"depot,item,lot,expires_in_days,qty\nR99,TENT,,,{qty}\n", encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        region.init(db_url, str(folder), today=TODAY)
    assert [p.where for p in caught.value.problems] == ["stock.csv line 2"]


def test_a_region_with_a_far_expiry_is_refused(db_url, tmp_path, tiny_region):
    folder = tmp_path / "region"
    shutil.copytree(tiny_region, folder)
    (folder / "stock.csv").write_text("depot,item,lot,expires,qty\nR99,WATER,W1,9999-12-31,5\n", encoding="utf-8")
    with pytest.raises(InvalidFile, match="1 bad opening stock row"):
        region.init(db_url, str(folder), today=TODAY)

