"""Accounts for the server: who may sign in, with which role and scope, and an audit log.

Adds ``account`` (name, role, argon2 password hash, disabled), ``accountscope`` (the
depots or leagues an account may act on), ``accesstoken`` (bearer tokens and sign-in
sessions, kept only as SHA-256 digests, each with its expiry) and ``auditevent`` (sign-ins,
failed sign-ins, permission refusals, account and token changes). The audit log is
append-only like the ledger: UPDATE and DELETE of its rows are refused by SQLite triggers
and by a PostgreSQL trigger function that also refuses TRUNCATE. Existing data is untouched;
a database upgraded to this revision has no accounts until ``relief user add`` makes one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MESSAGE = "the audit log is append-only: its rows cannot be {verb}"


def upgrade() -> None:
    """Create the four tables and the audit log's append-only triggers."""
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False, unique=True),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
    )
    op.create_table(
        "accountscope",
        sa.Column("account", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("code", sa.String(), primary_key=True),
    )
    op.create_table(
        "accesstoken",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False, unique=True),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_accesstoken_account", "accesstoken", ["account"])
    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
    )
    for column in ("at", "event", "account"):
        op.create_index(f"ix_auditevent_{column}", "auditevent", [column])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION relief_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "  RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME\n"
            "    USING ERRCODE = 'restrict_violation';\n"
            "END\n"
            "$$"
        )
        op.execute("CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent "
                   "FOR EACH ROW EXECUTE FUNCTION relief_audit_append_only()")
        op.execute("CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON auditevent "
                   "FOR EACH STATEMENT EXECUTE FUNCTION relief_audit_append_only()")
        return
    for event, verb in (("UPDATE", "updated"), ("DELETE", "deleted")):
        op.execute(f"CREATE TRIGGER auditevent_no_{event.lower()} BEFORE {event} ON auditevent "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.format(verb=verb)}'); END")


def downgrade() -> None:
    """Drop the four tables (every account, token and audit line is lost) and the trigger function."""
    for table in ("auditevent", "accesstoken", "accountscope", "account"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS relief_audit_append_only()")
