"""The revision ids the start-up check knows agree with the migration scripts shipped."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from relief.depot import migrate, schema


def test_the_head_constant_is_the_head_of_the_migration_scripts():
    assert schema.HEAD == migrate.script_head()


def test_the_known_revisions_are_the_migration_chain_oldest_first():
    scripts = ScriptDirectory.from_config(migrate.config())
    chain = [s.revision for s in scripts.walk_revisions("base", "heads")]
    assert tuple(reversed(chain)) == schema.REVISIONS


def test_revisions_read_as_plain_numbers():
    assert schema.label("0002") == "2" and schema.label("ab12") == "ab12"


def test_a_database_named_in_a_message_never_shows_its_password():
    from relief.depot import db

    named = db.command_name("postgresql+psycopg://keeper:hunter2secret@dbhost:5432/relief")
    assert named == "postgresql://keeper@dbhost:5432/relief"
    assert db.describe(db.database_url("postgresql://keeper:hunter2secret@dbhost/relief")) == "dbhost/relief"
