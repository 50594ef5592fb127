"""Region rules as data: seasons and pastoral counties in the database of a built-in region.

Releases before this one kept a region's seasons (which months need winter items, when
blizzards and floods come) and its pastoral counties in code, and loaded no hazard zones
for Zhaoqing. A database initialised then lacks the ``season:*`` and
``table:pastoral.csv`` facts in ``meta``; without them relief falls back to its defaults
(winter items November to March, no pastoral counties), which is wrong for a
subtropical region. For a database of a built-in region (``meta.folder`` is
``inner-mongolia`` or ``zhaoqing``) this revision adds the facts that are missing from
the region's shipped files, and fills an empty hazard-zone table. Facts already present
are kept. A region loaded from a folder of its own keeps the defaults (re-initialise it
from its folder to give it seasons). Only ``meta`` rows change; no table changes shape.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from relief.depot import datafiles

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("pastoral.csv", "hazard_zones.csv")


def shipped_facts(folder: str) -> dict[str, str]:
    """The ``meta`` facts of region rules for the built-in region ``folder``, as ``relief
    init`` stores them today."""
    files = datafiles.read_region(folder, with_stock=False)
    facts = {f"season:{k}": json.dumps(v) for k, v in datafiles.region_seasons(files.meta).items()}
    for name in TABLES:
        facts[f"table:{name}"] = json.dumps(datafiles.region_table(folder, name), ensure_ascii=False)
    return facts


def upgrade() -> None:
    """Add the missing region-rule facts of a built-in region's database."""
    bind = op.get_bind()
    stored = dict(bind.execute(sa.text("SELECT key, value FROM meta")).all())
    folder = stored.get("folder")
    if folder not in datafiles.BUILT_IN:
        return
    for key, value in shipped_facts(folder).items():
        if key not in stored:
            bind.execute(sa.text("INSERT INTO meta (key, value) VALUES (:key, :value)"), {"key": key, "value": value})
        elif key == "table:hazard_zones.csv" and json.loads(stored[key]) == []:
            bind.execute(sa.text("UPDATE meta SET value = :value WHERE key = :key"), {"key": key, "value": value})


def downgrade() -> None:
    """Nothing to undo: the facts added are what revision 0002's relief would ignore."""
