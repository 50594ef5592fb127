"""Databases as earlier releases left them, with data in them, for the upgrade tests.

* ``previous_release``: what a relief before revision tracking made (``create_all`` of
  the tables as they were then, no ``alembic_version``);
* ``baseline``: a database built by the migrations up to revision 0001 only.

Both get a small region (two counties, two depots, two items) and four ledger documents,
planned by ``depot.posting`` and written as those releases wrote them (movements without
a chained hash), in a session that skips only the revision check.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import insert, text
from sqlmodel import SQLModel, select

from relief.depot import db, migrate, schema
from relief.depot.ledger import DocumentRequest
from relief.depot.models import Balance, County, Depot, Document, Item, Lot, Meta, Movement
from relief.depot.posting import Book, ItemFacts, Operation, plan

SQUARE = '{"type": "Polygon", "coordinates": [[[110, 40], [111, 40], [111, 41], [110, 41], [110, 40]]]}'
DOCUMENTS = 4
MOVEMENTS = 5  # two receipts, an issue, and a transfer (out and in)
# columns the models gained after that release (revisions 0004 and 0005)
LATER_COLUMNS = {"movement": ("hash",), "team": ("speed_kmh", "mobilise_min"), "incidentteam": ("people",),
                 "planteam": ("request",)}
# tables the models gained after that release (revision 0006)
LATER_TABLES = ("auditevent", "accesstoken", "accountscope", "account")


def previous_schema(url: str) -> str:
    """Create the tables at ``url`` as an earlier relief did: today's models without the
    columns later revisions added; return ``url``."""
    engine = db.get_engine(url)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        for table, columns in LATER_COLUMNS.items():
            for column in columns:
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        for table in LATER_TABLES:
            conn.execute(text(f"DROP TABLE {table}"))
    return url


def previous_release(url: str, today: date) -> str:
    """Make the database at ``url`` as an earlier relief did and fill it; return ``url``."""
    return _fill(previous_schema(url), today)


def baseline(url: str, today: date) -> str:
    """Build the database at ``url`` at the baseline revision only and fill it; return ``url``."""
    migrate.create(url, schema.BASELINE)
    return _fill(url, today)


def _fill(url: str, today: date) -> str:
    with db.session(url, write=True, any_revision=True) as s:
        s.execute(insert(Meta), [{"key": "name", "value": "Old"}, {"key": "schema_version", "value": "1"}])
        s.execute(insert(County), [
            {"adcode": "990101", "name": "A", "league": "L", "population": 1000, "lon": 110.5, "lat": 40.5,
             "geometry": SQUARE},
            {"adcode": "990102", "name": "B", "league": "L", "population": 2000, "lon": 110.6, "lat": 40.6,
             "geometry": SQUARE}])
        s.execute(insert(Depot), [
            {"code": "R99", "name": "Centre", "level": "region", "county": "990101", "lon": 110.5, "lat": 40.5,
             "capacity_m3": 5000, "outbound_t_day": 200},
            {"code": "C990102", "name": "B store", "level": "county", "county": "990102", "lon": 110.6,
             "lat": 40.6, "capacity_m3": 500, "outbound_t_day": 20}])
        s.execute(insert(Item), [
            {"code": "TENT", "name": "tent", "name_en": "tent", "unit": "tent", "weight_kg": 40, "volume_m3": 0.2,
             "shelf_life_days": None, "category": "shelter"},
            {"code": "WATER", "name": "water", "name_en": "water", "unit": "case", "weight_kg": 13.5,
             "volume_m3": 0.02, "shelf_life_days": 730, "category": "water"}])
        s.flush()
        docs = [DocumentRequest("RCV-1", "receive", [Operation("receive", "R99", "TENT", 10)]),
                DocumentRequest("RCV-2", "receive", [Operation("receive", "R99", "WATER", 6, lot="W1")]),
                DocumentRequest("ISS-1", "issue", [Operation("issue", "R99", "TENT", 3)]),
                DocumentRequest("TRF-1", "transfer", [Operation("transfer", "R99", "WATER", 2, to="C990102")])]
        _post_as_before(s, docs, actor="old keeper", today=today)
    db.dispose(url)
    return url


def _post_as_before(s, docs: list[DocumentRequest], *, actor: str, today: date) -> None:
    """Write ``docs`` as relief did before revision 0004: documents, lots, movements
    numbered by the database and without a hash, and the balances they leave."""
    items = {code: ItemFacts(code, shelf) for code, shelf in s.exec(select(Item.code, Item.shelf_life_days))}
    book, now = Book(), datetime.now(timezone.utc)
    planned = [(doc, plan(doc.ops, book, items, today)) for doc in docs]
    s.execute(insert(Lot), [{"item": i, "code": c, "expires": e} for (i, c), e in book.new_lots.items()])
    s.execute(insert(Document), [{"number": d.number, "kind": d.kind, "fingerprint": d.fingerprint(), "at": now,
                                  "actor": actor, "lines": len(lines)} for d, lines in planned])
    s.execute(insert(Movement.__table__),  # only the columns given: no id, no hash
              [{"at": now, "kind": ln.kind, "depot": ln.depot, "item": ln.item, "lot": ln.lot, "qty": ln.qty,
                "reserved_delta": ln.reserved_delta, "doc": d.number, "actor": actor}
               for d, lines in planned for ln in lines])
    s.execute(insert(Balance), [{"depot": depot, "item": item, "lot": lot, "on_hand": stock.on_hand,
                                 "reserved": stock.reserved}
                                for (depot, item), lots in book.lots.items() for lot, stock in lots.items()])
