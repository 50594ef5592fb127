"""Append-only ledger: the database refuses to change or remove movements and documents.

SQLite gets one trigger per table and statement kind, each raising ``ABORT``;
PostgreSQL gets one trigger function, fired before every UPDATE or DELETE of a row and
before a TRUNCATE of either table. Corrections are new movements (adjustments), never
edits. Replacing a whole database (``relief init --force``) drops the tables instead.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("movement", "document")
MESSAGE = "the ledger is append-only: {table} rows cannot be {verb}; record a correcting movement instead"


def upgrade() -> None:
    """Create the triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of the ledger."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION relief_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "  RAISE EXCEPTION 'the ledger is append-only: % on % is refused; record a correcting movement instead',\n"
            "    TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';\n"
            "END\n"
            "$$"
        )
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION relief_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION relief_append_only()")
        return
    for table in TABLES:
        for event, verb in (("UPDATE", "updated"), ("DELETE", "deleted")):
            message = MESSAGE.format(table=table, verb=verb)
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def downgrade() -> None:
    """Drop the triggers (and PostgreSQL's trigger function)."""
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS relief_append_only()")
        return
    for table in TABLES:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
