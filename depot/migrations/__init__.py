"""Alembic migrations of the relief schema; run them with ``relief.depot.migrate``."""
