"""Baseline: the relief schema as releases before revision tracking created it.

Written out column by column, not derived from the models, so that a later change to
``depot.models`` cannot change what this revision builds. A database made by such a
release (the relief tables and ``meta``, no ``alembic_version``) is stamped with this
revision by ``relief.depot.migrate.upgrade`` instead of running it.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the sixteen relief tables and their indexes."""
    op.create_table(
        "meta",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "county",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("league", sa.String(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("geometry", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("adcode"),
    )
    op.create_table(
        "item",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=False),
        sa.Column("volume_m3", sa.Float(), nullable=False),
        sa.Column("shelf_life_days", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "team",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("base", sa.String(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("vehicles", sa.Integer(), nullable=False),
        sa.Column("skills", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "document",
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_table(
        "movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("depot", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("reserved_delta", sa.BigInteger(), nullable=False),
        sa.Column("doc", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("counterparty", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("at", "depot", "item", "doc"):
        op.create_index(f"ix_movement_{column}", "movement", [column])
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("document", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "depot",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("county", sa.String(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("capacity_m3", sa.Float(), nullable=False),
        sa.Column("outbound_t_day", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["county"], ["county.adcode"]),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("county", sa.String(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["county"], ["county.adcode"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "lot",
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["item"], ["item.code"]),
        sa.PrimaryKeyConstraint("item", "code"),
    )
    op.create_table(
        "planshipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan", sa.Integer(), nullable=False),
        sa.Column("depot", sa.String(), nullable=False),
        sa.Column("incident", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_planshipment_plan", "planshipment", ["plan"])
    op.create_table(
        "planteam",
        sa.Column("plan", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(), nullable=False),
        sa.Column("incident", sa.Integer(), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan"], ["plan.id"]),
        sa.PrimaryKeyConstraint("plan", "team"),
    )
    op.create_table(
        "reservenorm",
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("min_qty", sa.Integer(), nullable=False),
        sa.Column("max_qty", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item"], ["item.code"]),
        sa.PrimaryKeyConstraint("level", "item"),
    )
    op.create_table(
        "balance",
        sa.Column("depot", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["depot"], ["depot.code"]),
        sa.ForeignKeyConstraint(["item"], ["item.code"]),
        sa.PrimaryKeyConstraint("depot", "item", "lot"),
    )
    op.create_table(
        "incidentneed",
        sa.Column("incident", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident"], ["incident.id"]),
        sa.ForeignKeyConstraint(["item"], ["item.code"]),
        sa.PrimaryKeyConstraint("incident", "item"),
    )
    op.create_table(
        "incidentteam",
        sa.Column("incident", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident"], ["incident.id"]),
        sa.PrimaryKeyConstraint("incident", "kind"),
    )


def downgrade() -> None:
    """Drop every relief table (children first)."""
    for table in ("incidentteam", "incidentneed", "balance", "reservenorm", "planteam", "planshipment", "lot",
                  "incident", "depot", "plan", "movement", "document", "team", "item", "county", "meta"):
        op.drop_table(table)
