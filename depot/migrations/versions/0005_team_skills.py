"""Teams by skill and size: headcounts in team requests, each team's own speed and mobilisation.

Adds ``incidentteam.people`` (people asked for besides ``count`` teams; 0 for the
requests already recorded, which asked for teams only), ``planteam.request`` (the team
request a planned team covers; a team planned before this revision covered the request
of its own kind, so that is what is filled in) and ``team.speed_kmh`` and
``team.mobilise_min`` (a team's own road speed and mobilisation time). For a database of
a built-in region (``meta.folder`` is ``inner-mongolia`` or ``zhaoqing``) the speeds and
mobilisation times of its shipped ``teams.csv`` are filled in for the teams it names;
other teams keep none, and plans then use the plan's speed and the default mobilisation,
as before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from relief.depot import datafiles

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def shipped_travel(folder: str) -> list[dict]:
    """{code, speed_kmh, mobilise_min} of each team of the built-in region ``folder`` that
    gives both, as ``relief init`` loads them today."""
    rows = datafiles.read_region(folder, with_stock=False).teams
    return [{"code": r["code"].strip(), "speed_kmh": float(r["speed_kmh"]), "mobilise_min": int(r["mobilise_min"])}
            for r in rows if str(r.get("speed_kmh") or "").strip() and str(r.get("mobilise_min") or "").strip()]


def upgrade() -> None:
    """Add the columns, fill them for the rows already recorded, then make the filled ones required."""
    bind = op.get_bind()
    op.add_column("team", sa.Column("speed_kmh", sa.Float(), nullable=True))
    op.add_column("team", sa.Column("mobilise_min", sa.Integer(), nullable=True))
    op.add_column("incidentteam", sa.Column("people", sa.Integer(), nullable=True))
    op.add_column("planteam", sa.Column("request", sa.String(), nullable=True))
    bind.execute(sa.text("UPDATE incidentteam SET people = 0"))
    bind.execute(sa.text("UPDATE planteam SET request = COALESCE((SELECT team.kind FROM team "
                         "WHERE team.code = planteam.team), '')"))
    folder = bind.execute(sa.text("SELECT value FROM meta WHERE key = 'folder'")).scalar()
    if folder in datafiles.BUILT_IN:
        rows = shipped_travel(folder)
        if rows:
            bind.execute(sa.text("UPDATE team SET speed_kmh = :speed_kmh, mobilise_min = :mobilise_min "
                                 "WHERE code = :code"), rows)
    with op.batch_alter_table("incidentteam") as batch:
        batch.alter_column("people", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("planteam") as batch:
        batch.alter_column("request", existing_type=sa.String(), nullable=False)


def downgrade() -> None:
    """Drop the four columns (headcounts asked, requests covered and team speeds are lost)."""
    with op.batch_alter_table("planteam") as batch:
        batch.drop_column("request")
    with op.batch_alter_table("incidentteam") as batch:
        batch.drop_column("people")
    with op.batch_alter_table("team") as batch:
        batch.drop_column("mobilise_min")
        batch.drop_column("speed_kmh")
