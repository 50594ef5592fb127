"""Databases as earlier releases left them, with data in them, for the upgrade tests.

* ``previous_release``: what a relief before revision tracking made (``create_all`` of
  the tables, no ``alembic_version``);
* ``baseline``: a database built by the migrations up to revision 0001 only.

Both get a small region (two counties, two depots, two items) and four ledger documents
posted through ``depot.ledger.post`` in a session that skips only the revision check.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert
from sqlmodel import SQLModel

from relief.depot import db, migrate, schema
from relief.depot.ledger import DocumentRequest, post
from relief.depot.models import County, Depot, Item, Meta
from relief.depot.posting import Operation

SQUARE = '{"type": "Polygon", "coordinates": [[[110, 40], [111, 40], [111, 41], [110, 41], [110, 40]]]}'
DOCUMENTS = 4
MOVEMENTS = 5  # two receipts, an issue, and a transfer (out and in)


def previous_release(url: str, today: date) -> str:
    """Make the database at ``url`` as an earlier relief did and fill it; return ``url``."""
    SQLModel.metadata.create_all(db.get_engine(url))
    return _fill(url, today)


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
        post(s, docs, actor="old keeper", today=today)
    db.dispose(url)
    return url
