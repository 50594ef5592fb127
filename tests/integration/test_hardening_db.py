"""Input that used to reach the database raw (over-long codes, control characters, bytes
that are not UTF-8, ids beyond a 32-bit integer), files no parser can follow, and a
database that fails under a command are each refused with one clear error, the same on
SQLite and on PostgreSQL, and nothing is written."""

from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, func, text as sql
from sqlmodel import select

from relief.depot import db, keeper, region
from relief.depot.models import Movement
from relief.errors import DatabaseUnavailable, InvalidFile, InvalidInput, ScenarioError
from relief.routing.dispatch import incidents, planning, plans
from relief.routing.drills import scenario
from tests.conftest import TINY, load_tiny

NOT_UTF8 = b"\xff".decode("utf-8", "surrogateescape")  # what `--note $'\xff'` arrives as
LONG = secrets.token_hex(1500)  # 3,000 characters that do not compress (a PostgreSQL index row)


def movements(url: str) -> int:
    """Ledger rows in the database at ``url``."""
    with db.session(url) as s:
        return s.exec(select(func.count()).select_from(Movement)).one()


# One bad value at a time for each text a keeper types, as (keyword, value).
BAD_KEEPER_TEXT = [
    ("lot", LONG), ("lot", "L" * 65), ("lot", "L\x00T"), ("lot", "L\nT"), ("lot", "L\tT"), ("lot", NOT_UTF8),
    ("doc", LONG), ("doc", "D\x00C"), ("doc", "D\u200bC"), ("doc", NOT_UTF8),
    ("note", "n" * 1001), ("note", "a\x00b"), ("note", "a\x1bb"), ("note", NOT_UTF8),
    ("source", "s" * 1001), ("source", "s\x00"),
    ("depot", LONG), ("depot", "R\x0099"), ("depot", NOT_UTF8),
    ("item", "T" * 65), ("item", "TE\nNT"), ("item", NOT_UTF8),
    ("actor", "a" * 201), ("actor", "a\x00"), ("actor", NOT_UTF8),
]


def test_bad_text_from_a_keeper_is_refused_before_the_database(tiny_db, today):
    refused = 0
    for key, value in BAD_KEEPER_TEXT:
        given = {"depot": "R99", "item": "TENT", "actor": "keeper", key: value}
        depot, item = given.pop("depot"), given.pop("item")
        with pytest.raises(InvalidInput):
            keeper.receive(tiny_db, depot, item, 5, today=today, **given)
        refused += 1
    assert refused == len(BAD_KEEPER_TEXT) == 25
    assert movements(tiny_db) == 0


def test_the_longest_allowed_codes_and_notes_are_recorded_on_both_databases(tiny_db, today):
    lot, doc = secrets.token_hex(32), secrets.token_hex(32)
    posted = keeper.receive(tiny_db, "R99", "TENT", 5, lot=lot, doc=doc, note="n" * 1000, source="s" * 1000,
                            actor="a" * 200, today=today)
    assert posted.number == doc and posted.lines[0].lot == lot
    keeper.issue(tiny_db, "R99", "TENT", 1, lot=lot, to="t" * 200, actor="keeper", today=today)
    assert movements(tiny_db) == 2


def test_ids_beyond_a_32_bit_integer_are_refused_on_both_databases(tiny_db, today):
    bad = [0, -1, 2_147_483_648, 10**20]
    for number in bad:
        with pytest.raises(InvalidInput, match="^plan id must be a whole number from 1 to 2,147,483,647"):
            plans.show(tiny_db, number)
        with pytest.raises(InvalidInput, match="^plan id must be"):
            plans.commit(tiny_db, number, actor="keeper", today=today)
        with pytest.raises(InvalidInput, match="^incident id must be"):
            incidents.close(tiny_db, number)
        with pytest.raises(InvalidInput, match="^incident id must be"):
            planning.plan(tiny_db, incident_ids=[number], today=today)
    assert len(bad) * 4 == 16


def write(path: Path, content: str) -> Path:
    """Write ``content`` to ``path`` as UTF-8 and return the path."""
    path.write_text(content, encoding="utf-8")
    return path


BAD_IMPORT_ROWS = [
    f"receive,R99,TENT,5,,{LONG},",
    "receive,R99,TENT,5,,L\x00T,",
    "receive,R99,TENT,5,,,a\x00b",
    f"receive,R99,TENT,5,,,{'n' * 1001}",
    f"receive,R99,TENT,5,{LONG},,",
    "receive,R99,TENT,5,D\tC,,",
    f"receive,{'R' * 65},TENT,5,,,",
    "receive,R99,TE\x01NT,5,,,",
]


def test_an_import_with_bad_text_lists_each_row_and_records_nothing(tiny_db, today, tmp_path):
    path = write(tmp_path / "moves.csv", "kind,depot,item,qty,doc,lot,note\n" + "\n".join(BAD_IMPORT_ROWS) + "\n")
    with pytest.raises(InvalidFile, match=f"^moves.csv: {len(BAD_IMPORT_ROWS)} bad row\\(s\\); nothing was recorded$") as caught:
        keeper.import_file(tiny_db, str(path), actor="keeper", today=today)
    assert [p.line for p in caught.value.problems] == list(range(2, 2 + len(BAD_IMPORT_ROWS)))
    assert [p.field for p in caught.value.problems] == ["lot", "lot", "note", "note", "doc", "doc", "depot", "item"]
    assert movements(tiny_db) == 0


def test_an_xlsx_import_with_bad_text_records_nothing(tiny_db, today, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["kind", "depot", "item", "qty", "lot", "note"])
    sheet.append(["receive", "R99", "TENT", 5, LONG, None])
    sheet.append(["receive", "R99", "TENT", 5, None, "x" * 1001])
    book.save(tmp_path / "moves.xlsx")
    with pytest.raises(InvalidFile, match="^moves.xlsx: 2 bad row"):
        keeper.import_file(tiny_db, str(tmp_path / "moves.xlsx"), actor="keeper", today=today)
    assert movements(tiny_db) == 0


BAD_INCIDENT_NAMES = ["甲\x00区", "n" * 201, "\ud800", "a\nb"]


def test_incident_names_with_bad_text_are_refused_from_files_and_arguments(tiny_db, today, tmp_path):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [110.5, 40.5]},
                 "properties": {"name": name}} for name in BAD_INCIDENT_NAMES]
    path = write(tmp_path / "incidents.geojson", json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(InvalidFile, match="^4 bad incident row") as caught:
        incidents.import_file(tiny_db, str(path), today=today)
    assert [p.where for p in caught.value.problems] == ["feature 1", "feature 2", "feature 3", "feature 4"]
    csv_path = write(tmp_path / "incidents.csv", "name,lon,lat\n\"a\x00b\",110.5,40.5\n" + "x" * 201 + ",110.5,40.5\n")
    with pytest.raises(InvalidFile, match="^2 bad incident row"):
        incidents.import_file(tiny_db, str(csv_path), today=today)
    for name in BAD_INCIDENT_NAMES:
        with pytest.raises(InvalidInput, match="^name "):
            incidents.add(tiny_db, name, 110.5, 40.5, today=today)
    assert incidents.listing(tiny_db) == []


# Files no parser can follow: one message each, nothing recorded.

def deep_json(depth: int = 100_000) -> str:
    """A JSON document nested ``depth`` lists deep."""
    return "[" * depth + "]" * depth


def deep_toml(depth: int = 100_000) -> str:
    """A TOML document whose one value is nested ``depth`` arrays deep."""
    return "x = " + "[" * depth + "]" * depth + "\n"


def huge_field() -> str:
    """A CSV field longer than Python's csv field limit (131,072 characters)."""
    return "x" * 200_000


def test_a_csv_field_too_long_to_read_is_one_clear_message(tiny_db, today, tmp_path):
    path = write(tmp_path / "moves.csv", f"kind,depot,item,qty,note\nreceive,R99,TENT,5,\"{huge_field()}\"\n")
    message = "is not a readable CSV file: a field is longer than 131,072 characters$"
    with pytest.raises(InvalidFile, match="^moves.csv " + message):
        keeper.import_file(tiny_db, str(path), actor="keeper", today=today)
    path = write(tmp_path / "incidents.csv", f"name,lon,lat\n\"{huge_field()}\",110.5,40.5\n")
    with pytest.raises(InvalidFile, match="^incidents.csv " + message):
        incidents.import_file(tiny_db, str(path), today=today)
    assert movements(tiny_db) == 0 and incidents.listing(tiny_db) == []


def test_geojson_nested_too_deep_is_one_clear_message(tiny_db, today, tmp_path):
    path = write(tmp_path / "incidents.geojson", deep_json())
    with pytest.raises(InvalidFile, match="^incidents.geojson is not a readable GeoJSON file: it is nested too deeply"):
        incidents.import_file(tiny_db, str(path), today=today)
    assert incidents.listing(tiny_db) == []


def test_a_scenario_nested_too_deep_is_one_clear_message(tmp_path):
    path = write(tmp_path / "deep.toml", deep_toml())
    with pytest.raises(ScenarioError, match="^deep.toml is not a readable TOML file: it is nested too deeply"):
        scenario.load(path)


def tiny_copy(tmp_path: Path) -> Path:
    """A copy of the tiny region folder to spoil."""
    folder = tmp_path / "region"
    shutil.copytree(TINY, folder)
    return folder


REGION_SPOILERS = {
    "counties.geojson nested": ("counties.geojson", lambda _: deep_json()),
    "region.toml nested": ("region.toml", lambda _: deep_toml()),
    "depots.csv field too long": ("depots.csv", lambda t: t.replace("甲市中心库", huge_field())),
    "depot code too long": ("depots.csv", lambda t: t.replace("R99,", "R" * 65 + ",")),
    "depot code with NUL": ("depots.csv", lambda t: t.replace("R99,", "R\x0099,")),
    "depot name with a newline": ("depots.csv", lambda t: t.replace("甲市中心库", "\"甲市\n中心库\"")),
    "item code with a tab": ("items.csv", lambda t: t.replace("TENT,", "TE\tNT,")),
    "item name too long": ("items.csv", lambda t: t.replace("帐篷", "帐" * 201)),
    "team code too long": ("teams.csv", lambda t: t.replace("T01,", LONG + ",")),
    "county adcode of 7 characters": ("counties.geojson", lambda t: t.replace('"990101"', '"9901010"')),
    "county name with NUL": ("counties.geojson", lambda t: t.replace("甲区", "甲\\u0000区")),
    "region name with NUL": ("region.toml", lambda t: t.replace('"Tiny"', '"Ti\\u0000ny"')),
}


def test_a_region_folder_with_bad_text_or_deep_nesting_creates_nothing(db_url, today, tmp_path):
    refused = 0
    for label, (name, spoil) in REGION_SPOILERS.items():
        folder = tiny_copy(tmp_path / label.replace(" ", "-"))
        (folder / name).write_text(spoil((folder / name).read_text(encoding="utf-8")), encoding="utf-8")
        with pytest.raises(InvalidFile) as caught:
            region.init(db_url, str(folder), sample_stock=False, today=today)
        assert "Traceback" not in str(caught.value), label
        refused += 1
    assert refused == len(REGION_SPOILERS) == 12
    assert not db.has_schema(db_url)


# A database that fails under a command.

@pytest.mark.parametrize("content", [b"hello, this is a text file\n", b"\x89PNG\r\n\x1a\n" + bytes(200),
                                     b"SQLite format 3\x00" + bytes(84) + secrets.token_bytes(400)],
                         ids=["text", "png", "a damaged database"])
def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_was(tmp_path, today, content):
    path = tmp_path / "relief.db"
    path.write_bytes(content)
    url = db.database_url(str(path))
    try:
        for attempt in (lambda: keeper.receive(url, "R99", "TENT", 5, actor="keeper", today=today),
                        lambda: db.has_schema(url),
                        lambda: region.init(url, str(TINY), sample_stock=False, today=today)):
            with pytest.raises(DatabaseUnavailable, match=f"^{path} is not a SQLite database file"):
                attempt()
    finally:
        db.dispose(url)
    assert path.read_bytes() == content


def test_a_disk_filling_up_mid_import_is_refused_and_writes_nothing(sqlite_url, today, tmp_path):
    load_tiny(sqlite_url)
    keeper.receive(sqlite_url, "R99", "TENT", 5, actor="keeper", today=today)
    path = Path(db.describe(sqlite_url))
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    db.dispose(sqlite_url)
    engine = db.get_engine(sqlite_url)
    event.listen(engine, "connect", lambda conn, _: conn.execute(f"PRAGMA max_page_count = {pages + 2}"))
    rows = "\n".join(f"receive,R99,TENT,1,,LOT{n},{'note ' * 150}" for n in range(2000))
    moves = write(tmp_path / "moves.csv", "kind,depot,item,qty,doc,lot,note\n" + rows + "\n")
    with pytest.raises(DatabaseUnavailable, match=f"^the database {path} is full \\(database or disk is full\\); "
                                                  "nothing was written"):
        keeper.import_file(sqlite_url, str(moves), actor="keeper", today=today)
    assert movements(sqlite_url) == 1


@pytest.mark.postgres
def test_a_postgresql_connection_lost_mid_import_is_one_message_and_writes_nothing(postgres_url, today, tmp_path):
    load_tiny(postgres_url)
    engine = db.get_engine(postgres_url)
    with engine.connect() as conn:
        name = conn.execute(sql("SELECT current_database()")).scalar_one()
    seen = {"statements": 0}

    def cut(conn, cursor, statement, parameters, context, executemany):
        seen["statements"] += 1
        if seen["statements"] == 8:  # well inside the import's transaction
            pid = conn.connection.dbapi_connection.info.backend_pid
            with psycopg.connect(db.command_name(postgres_url), autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (pid,))

    event.listen(engine, "before_cursor_execute", cut)
    rows = "\n".join(f"receive,R99,TENT,1,,LOT{n}," for n in range(300))
    moves = write(tmp_path / "moves.csv", "kind,depot,item,qty,doc,lot,note\n" + rows + "\n")
    try:
        with pytest.raises(DatabaseUnavailable, match=f"^lost the connection to the database 127.0.0.1:5432/{name} "
                                                      ".*; nothing was written$"):
            keeper.import_file(postgres_url, str(moves), actor="keeper", today=today)
    finally:
        event.remove(engine, "before_cursor_execute", cut)
    assert seen["statements"] >= 8
    assert movements(postgres_url) == 0


@pytest.mark.postgres
def test_a_postgresql_connection_cut_before_a_write_is_one_message(postgres_url, today):
    load_tiny(postgres_url)
    db.dispose(postgres_url)
    from sqlmodel import create_engine

    db._engines[postgres_url] = create_engine(postgres_url, pool_pre_ping=False)
    assert movements(postgres_url) == 0  # a pooled connection now exists
    with psycopg.connect(db.command_name(postgres_url), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid()")
    with pytest.raises(DatabaseUnavailable, match="^lost the connection to the database"):
        keeper.receive(postgres_url, "R99", "TENT", 5, actor="keeper", today=today)
    db.dispose(postgres_url)
    assert movements(postgres_url) == 0
