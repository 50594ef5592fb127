"""The schema revisions this relief knows, oldest first, and the one it needs (``HEAD``).

Read on every start-up, so it imports nothing: the revision check in ``depot.db`` compares
``alembic_version`` with these ids without loading Alembic.
"""

REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006")
HEAD = REVISIONS[-1]
BASELINE = REVISIONS[0]

# Database objects the migrations create besides the model tables, dropped with the schema.
VERSION_TABLE = "alembic_version"
PG_FUNCTIONS = ("relief_append_only", "relief_audit_append_only")


def label(revision: str) -> str:
    """A revision id as people read it: ``"0002"`` -> ``"2"`` (other ids unchanged)."""
    return str(int(revision)) if revision.isdigit() else revision
