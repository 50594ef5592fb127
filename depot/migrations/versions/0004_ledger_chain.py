"""A ledger that shows it was not rewritten: every movement gets a chained ``hash``.

Adds ``movement.hash`` (64 hex digits, required) and fills it for the movements already
recorded, in id order, as ``depot.chain`` defines it. The append-only triggers of
revision 0002 refuse every UPDATE of a movement, so they are dropped for the fill and
made again after it, in the migration's one transaction: no other writer ever sees the
ledger unprotected. (On SQLite, making the column required rebuilds the table, which
drops its triggers too.)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from relief.depot import chain

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MESSAGE = "the ledger is append-only: movement rows cannot be {verb}; record a correcting movement instead"
BATCH = 1000


def _drop_triggers(sqlite: bool) -> None:
    if sqlite:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS movement_no_{event}")
    else:
        op.execute("DROP TRIGGER IF EXISTS movement_append_only ON movement")


def _create_triggers(sqlite: bool) -> None:
    """The movement triggers exactly as revision 0002 made them."""
    if sqlite:
        for event, verb in (("UPDATE", "updated"), ("DELETE", "deleted")):
            op.execute(f"CREATE TRIGGER movement_no_{event.lower()} BEFORE {event} ON movement "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.format(verb=verb)}'); END")
    else:
        op.execute("CREATE TRIGGER movement_append_only BEFORE UPDATE OR DELETE ON movement "
                   "FOR EACH ROW EXECUTE FUNCTION relief_append_only()")


def _fill(bind) -> None:
    """Give every movement its chained hash, in id order."""
    at = sa.DateTime(timezone=True)  # typed, so that SQLite's stored text reads back as a datetime
    documents = {row["number"]: row for row in bind.execute(sa.text(
        "SELECT number, kind, fingerprint, at, actor, lines FROM document").columns(at=at)).mappings()}
    fields = ", ".join(chain.MOVEMENT_FIELDS)
    previous, batch = chain.GENESIS, []
    update = sa.text("UPDATE movement SET hash = :hash WHERE id = :id")
    query = sa.text(f"SELECT {fields} FROM movement ORDER BY id").columns(at=at)
    for row in bind.execute(query).mappings().all():
        previous = chain.link(row, documents.get(row["doc"]), previous)
        batch.append({"id": row["id"], "hash": previous})
        if len(batch) >= BATCH:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)


def upgrade() -> None:
    """Add ``movement.hash`` and chain the movements already recorded."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    _drop_triggers(sqlite)
    op.add_column("movement", sa.Column("hash", sa.String(length=64), nullable=True))
    _fill(bind)
    with op.batch_alter_table("movement") as batch:
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    _create_triggers(sqlite)


def downgrade() -> None:
    """Drop ``movement.hash`` (the triggers are made again as they were)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_triggers(sqlite)
    with op.batch_alter_table("movement") as batch:
        batch.drop_column("hash")
    _create_triggers(sqlite)
