"""Alembic's environment for relief: run the migrations on a connection from ``depot.db``.

``relief.depot.migrate`` passes an open connection in ``config.attributes["connection"]``
(inside its transaction). Run any other way, the database is ``sqlalchemy.url`` from the
configuration, or ``$RELIEF_DB``, or ``relief.db``, and its engine comes from ``depot.db``
like every other engine of relief.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from relief.depot import db, schema

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=SQLModel.metadata,
                      version_table=schema.VERSION_TABLE, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = db.get_engine(db.database_url(config.get_main_option("sqlalchemy.url") or None))
    with engine.execution_options(relief_write=True).connect() as fresh:
        _run(fresh)
