"""Schema revisions: new databases, upgrades of older ones, the revision check, and the
append-only ledger the database itself enforces (on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, select

from relief.depot import db, keeper, migrate, region, reports, schema
from relief.depot.models import Balance, County, Depot, Document, Item, Meta, Movement
from relief.errors import DatabaseNotReady, SchemaOutOfDate, SchemaTooNew
from tests import old_schemas
from tests.conftest import load_tiny

HEAD = schema.label(schema.HEAD)  # the current revision as messages show it

LEDGER_CHANGES = [
    "UPDATE movement SET qty = qty + 1",
    "DELETE FROM movement",
    "UPDATE document SET actor = 'someone else'",
    "DELETE FROM document",
]


def layout(url: str) -> dict:
    """Tables with their columns, keys and indexes, plus triggers and functions: what a
    schema is, as the database reports it."""
    engine = db.get_engine(url)
    found = inspect(engine)
    tables = {}
    for name in sorted(found.get_table_names()):
        tables[name] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)],
            "primary": found.get_pk_constraint(name)["constrained_columns"],
            "foreign": sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                              for f in found.get_foreign_keys(name)),
            "indexes": sorted((i["name"], tuple(i["column_names"])) for i in found.get_indexes(name)),
        }
    with engine.connect() as conn:
        if db.is_sqlite(url):
            triggers = conn.execute(text("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")).all()
            functions = []
        else:
            triggers = conn.execute(text("SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c "
                                         "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal")).all()
            functions = conn.execute(text("SELECT p.proname FROM pg_proc p JOIN pg_namespace n "
                                          "ON n.oid = p.pronamespace WHERE n.nspname = 'public'")).all()
    return {"tables": tables, "triggers": sorted(map(tuple, triggers)), "functions": sorted(map(tuple, functions))}


def counts(url: str) -> dict[str, int]:
    with db.session(url, any_revision=True) as s:
        return {model.__name__: s.exec(select(func.count()).select_from(model)).one()
                for model in (Meta, County, Depot, Item, Balance, Document, Movement)}


@pytest.fixture
def other_url(db_url, tmp_path, request):
    """A second fresh, empty database of the same kind as ``db_url``."""
    if db.is_sqlite(db_url):
        url = db.database_url(str(tmp_path / "other.db"))
        yield url
        db.dispose(url)
        return
    admin = request.getfixturevalue("pg_admin_url")
    name = f"relief_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    yield url
    db.dispose(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def at_revision(url: str) -> str | None:
    db.dispose(url)
    return db.revision(url)


# what a schema is

@pytest.mark.slow
def test_a_new_database_has_exactly_the_schema_of_an_upgraded_previous_release(db_url, other_url, today):
    load_tiny(db_url)
    old_schemas.previous_release(other_url, today)
    migrate.upgrade(other_url)
    assert layout(db_url) == layout(other_url)
    assert at_revision(db_url) == at_revision(other_url) == schema.HEAD


@pytest.mark.slow
def test_the_baseline_revision_builds_what_the_previous_release_built(db_url, other_url):
    migrate.create(db_url, schema.BASELINE)
    old_schemas.previous_schema(other_url)
    built, before = layout(db_url), layout(other_url)
    assert set(built["tables"]) - set(before["tables"]) == {schema.VERSION_TABLE}
    del built["tables"][schema.VERSION_TABLE]
    assert built == before
    assert built["triggers"] == [] and built["functions"] == []


def test_the_models_match_the_schema_the_migrations_build(db_url):
    load_tiny(db_url)
    with db.get_engine(db_url).connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert differences == []


def test_the_head_revision_protects_both_ledger_tables_and_the_audit_log(db_url):
    load_tiny(db_url)
    protected = {table for _, table in layout(db_url)["triggers"]}
    assert protected == {"movement", "document", "auditevent"}


def test_dropping_the_schema_leaves_nothing_behind(db_url):
    load_tiny(db_url)
    db.drop_schema(db_url)
    assert layout(db_url) == {"tables": {}, "triggers": [], "functions": []}
    assert not db.has_schema(db_url)


# upgrading

def test_upgrading_a_baseline_database_keeps_every_record_and_the_books_still_balance(db_url, today):
    old_schemas.baseline(db_url, today)
    before = counts(db_url)
    assert before["Document"] == old_schemas.DOCUMENTS and before["Movement"] == old_schemas.MOVEMENTS
    assert migrate.upgrade(db_url) == f"upgraded from 1 to {HEAD}"
    assert counts(db_url) == before
    with db.session(db_url) as s:
        check = reports.verify(s)
        stock = {(r["depot"], r["item"]): r["on_hand"] for r in reports.stock(s, today=today)}
    assert check["ok"] and check["movements"] == old_schemas.MOVEMENTS, check["problems"]
    assert stock == {("R99", "TENT"): 7, ("R99", "WATER"): 4, ("C990102", "WATER"): 2}
    keeper.issue(db_url, "R99", "TENT", 2, actor="keeper", today=today)
    with db.session(db_url) as s:
        assert reports.verify(s)["ok"]


def test_a_previous_release_database_is_taken_as_the_baseline_and_upgraded(db_url, today):
    old_schemas.previous_release(db_url, today)
    before = counts(db_url)
    assert migrate.upgrade(db_url) == ("upgraded from 1 (a database made before schema revisions were recorded) "
                                       f"to {HEAD}")
    assert at_revision(db_url) == schema.HEAD
    assert counts(db_url) == before
    with db.session(db_url) as s:
        assert reports.verify(s)["ok"]


def test_upgrading_a_current_database_changes_nothing(tiny_db):
    before = layout(tiny_db)
    assert migrate.upgrade(tiny_db) == f"already at the current schema ({HEAD})"
    assert layout(tiny_db) == before


def test_there_is_nothing_to_upgrade_where_there_is_no_database(db_url):
    with pytest.raises(DatabaseNotReady, match="^no relief database at ") as caught:
        migrate.upgrade(db_url)
    assert (caught.value.hint, caught.value.database) == ("init", db.command_name(db_url))
    assert layout(db_url)["tables"] == {}


# the revision check

def test_an_out_of_date_database_is_refused_with_the_command_that_upgrades_it(db_url, today):
    old_schemas.baseline(db_url, today)
    before = counts(db_url)
    expected = f"the database {db.describe(db_url)} is at schema revision 1; this relief needs revision {HEAD}"
    with pytest.raises(SchemaOutOfDate) as caught:
        keeper.receive(db_url, "R99", "TENT", 5, actor="keeper", today=today)
    assert (str(caught.value), caught.value.hint, caught.value.database) == (
        expected, "upgrade", db.command_name(db_url))
    assert counts(db_url) == before


def test_a_previous_release_database_is_refused_until_upgraded(db_url, today):
    old_schemas.previous_release(db_url, today)
    with pytest.raises(SchemaOutOfDate, match=f"records no schema revision .*needs revision {HEAD}$") as caught:
        with db.session(db_url):
            pass
    assert caught.value.hint == "upgrade"
    assert at_revision(db_url) is None


def test_a_database_from_a_newer_relief_is_refused_and_not_touched(tiny_db):
    with db.get_engine(tiny_db).begin() as conn:
        conn.execute(text(f"UPDATE {schema.VERSION_TABLE} SET version_num = '0099'"))
    db.dispose(tiny_db)
    newer = f"is at schema revision 99, newer than this relief knows \\(its newest is {HEAD}\\)"
    with pytest.raises(SchemaTooNew, match=newer):
        with db.session(tiny_db):
            pass
    with pytest.raises(SchemaTooNew):
        migrate.upgrade(tiny_db)
    assert at_revision(tiny_db) == "0099"


def test_the_revision_is_read_once_per_database_and_process(tiny_db):
    with db.session(tiny_db):
        pass
    with db.get_engine(tiny_db).begin() as conn:
        conn.execute(text(f"UPDATE {schema.VERSION_TABLE} SET version_num = '0001'"))
    with db.session(tiny_db):  # already checked by this process: no second query
        pass
    db.dispose(tiny_db)
    with pytest.raises(SchemaOutOfDate):
        with db.session(tiny_db):
            pass


def test_init_force_replaces_an_out_of_date_database_that_holds_data(db_url, today, tiny_region):
    old_schemas.baseline(db_url, today)
    loaded = region.init(db_url, str(tiny_region), sample_stock=False, force=True, today=today)
    assert loaded.depots == 3
    assert at_revision(db_url) == schema.HEAD
    assert counts(db_url)["Movement"] == 0


# the append-only ledger

@pytest.mark.parametrize("statement", LEDGER_CHANGES)
def test_the_database_refuses_to_change_or_remove_ledger_rows(tiny_db, today, statement):
    keeper.receive(tiny_db, "R99", "TENT", 10, actor="keeper", today=today)
    keeper.issue(tiny_db, "R99", "TENT", 4, actor="keeper", today=today)
    before = counts(tiny_db)
    with pytest.raises(DBAPIError, match="append-only"):
        with db.get_engine(tiny_db).begin() as conn:
            conn.execute(text(statement))
    assert counts(tiny_db) == before
    with db.session(tiny_db) as s:
        assert reports.verify(s)["ok"]
        assert sum(s.exec(select(Movement.qty))) == 6


def test_posting_still_appends_to_the_protected_ledger(tiny_db, today):
    keeper.receive(tiny_db, "R99", "TENT", 10, actor="keeper", today=today)
    keeper.transfer(tiny_db, "R99", "C990102", "TENT", 4, actor="keeper", today=today)
    keeper.adjust(tiny_db, "C990102", "TENT", -1, "damaged", actor="keeper", today=today)
    assert counts(tiny_db)["Movement"] == 4 and counts(tiny_db)["Document"] == 3


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["movement", "document"])
def test_postgresql_refuses_to_truncate_the_ledger(postgres_url, today, table):
    load_tiny(postgres_url)
    keeper.receive(postgres_url, "R99", "TENT", 10, actor="keeper", today=today)
    with pytest.raises(DBAPIError, match="append-only: TRUNCATE"):
        with db.get_engine(postgres_url).begin() as conn:
            conn.execute(text(f"TRUNCATE {table} CASCADE"))
    assert counts(postgres_url)["Movement"] == 1


@pytest.mark.slow
def test_the_ledger_protection_can_be_taken_back_to_the_baseline(tiny_db, today):
    keeper.receive(tiny_db, "R99", "TENT", 10, actor="keeper", today=today)
    with db.get_engine(tiny_db).begin() as conn:
        command.downgrade(migrate.config(conn), schema.BASELINE)
    db.dispose(tiny_db)
    assert layout(tiny_db)["triggers"] == [] and layout(tiny_db)["functions"] == []
    assert migrate.upgrade(tiny_db) == f"upgraded from 1 to {HEAD}"
    assert counts(tiny_db)["Movement"] == 1


def _as_before_region_rules(url: str) -> None:
    """Make a freshly initialised database look as the release before revision 0003 left it:
    no season facts, no pastoral table, an empty hazard-zone table, revision 0002."""
    _back_to_revision_2(url)
    with db.get_engine(url).begin() as conn:
        conn.execute(text("DELETE FROM meta WHERE key LIKE 'season:%' OR key = 'table:pastoral.csv'"))
        conn.execute(text("UPDATE meta SET value = '[]' WHERE key = 'table:hazard_zones.csv'"))
    db.dispose(url)


def _back_to_revision_2(url: str) -> None:
    """Take a current database back to revision 0002 (revision 0003 changes no shape: it
    is only marked as not applied)."""
    with db.get_engine(url).begin() as conn:
        command.downgrade(migrate.config(conn), "0003")
        conn.execute(text(f"UPDATE {schema.VERSION_TABLE} SET version_num = '0002'"))
    db.dispose(url)


def test_upgrading_an_old_zhaoqing_database_gives_it_its_seasons_and_hazards(db_url, today):
    from datetime import date

    from relief.routing.dispatch import incidents

    november = date(2026, 11, 22)
    region.init(db_url, "zhaoqing", sample_stock=False, today=november)
    with db.session(db_url) as s:
        fresh = {m.key: m.value for m in s.exec(select(Meta))}
    _as_before_region_rules(db_url)
    assert migrate.upgrade(db_url) == f"upgraded from 2 to {HEAD}"
    with db.session(db_url) as s:
        assert {m.key: m.value for m in s.exec(select(Meta))} == fresh
    got = incidents.add(db_url, "端州安置点", 112.47, 23.05, people=300, priority=2, today=november)
    with db.session(db_url) as s:
        from relief.depot.models import IncidentNeed

        needs = {n.item for n in s.exec(select(IncidentNeed).where(IncidentNeed.incident == got["id"]))}
    assert needs and not {"COAL", "STOVE", "CTENT12"} & needs


def test_the_region_rules_revision_keeps_facts_already_there_and_leaves_own_regions_alone(db_url, today, tiny_region):
    region.init(db_url, str(tiny_region), sample_stock=False, today=today)
    with db.session(db_url) as s:
        before = {m.key: m.value for m in s.exec(select(Meta))}
    _back_to_revision_2(db_url)
    migrate.upgrade(db_url)
    with db.session(db_url) as s:
        assert {m.key: m.value for m in s.exec(select(Meta))} == before
