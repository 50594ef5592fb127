"""Fixtures shared by every layer: the fixed date, fresh databases, the tiny region.

PostgreSQL tests run against the server at ``$RELIEF_TEST_PG`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``); each test gets its own database,
dropped afterwards. When no server answers they are skipped, unless
``RELIEF_REQUIRE_POSTGRES=1`` makes that a failure.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from relief.depot import db, region

TODAY = date(2026, 11, 22)
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def today() -> date:
    """The fixed date every test treats as today."""
    return TODAY


@pytest.fixture(scope="session")
def tiny_region() -> Path:
    """The folder of the tiny test region."""
    return TINY


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of the PostgreSQL server's maintenance database; skips (or fails) when unreachable."""
    admin = os.environ.get("RELIEF_TEST_PG") or DEFAULT_PG
    try:
        psycopg.connect(admin, connect_timeout=3).close()
        return admin
    except psycopg.Error as exc:
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    if os.environ.get("RELIEF_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL not reachable at {admin}: {reason}; RELIEF_REQUIRE_POSTGRES=1 makes this "
                    "an error (set RELIEF_TEST_PG to a server URL)", pytrace=False)
    pytest.skip(f"PostgreSQL not reachable at {admin}: {reason}; set RELIEF_TEST_PG to a server URL to run these tests")


@pytest.fixture
def sqlite_url(tmp_path: Path):
    """A fresh, empty SQLite database file."""
    url = db.database_url(str(tmp_path / "relief.db"))
    yield url
    db.dispose(url)


@pytest.fixture
def postgres_url(pg_admin_url: str):
    """A fresh, empty PostgreSQL database, dropped after the test."""
    name = f"relief_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(pg_admin_url).set(drivername="postgresql+psycopg", database=name)
    url = url.render_as_string(hide_password=False)
    yield url
    db.dispose(url)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite"),
                        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """A fresh, empty database: once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


def load_tiny(url: str) -> str:
    """Load the tiny test region (three counties and depots, four items, no stock) into ``url``."""
    region.init(url, str(TINY), sample_stock=False, today=TODAY)
    return url


@pytest.fixture
def tiny_db(db_url: str) -> str:
    """The tiny region with no stock, on SQLite and on PostgreSQL."""
    return load_tiny(db_url)


@pytest.fixture
def tiny_sqlite(sqlite_url: str) -> str:
    """The tiny region with no stock, on SQLite only (for command-line tests)."""
    return load_tiny(sqlite_url)


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the kill tallies of the crash tests (tests/integration/test_crash.py)."""
    lines = [value for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
             if report.when == "call" for name, value in report.user_properties if name == "crash kills"]
    if lines:
        terminalreporter.section("crash kills")
        for line in sorted(lines):
            terminalreporter.write_line(line)
