"""What the HTTP API tests share: accounts of every role, a client, and a seeded office.

The tiny region's leagues: 甲市 holds R99 (county 990101) and C990102 (990102); 乙盟
holds C990201 (990201). The accounts, one per role and scope:

=================  ===========  ==============================
account            role         scope
=================  ===========  ==============================
ada                admin        the whole region
cora               coordinator  the whole region
jia                coordinator  league 甲市
kee                keeper       depot C990102
pla                planner      the whole region (read-only)
vic                viewer       the whole region (read-only)
=================  ===========  ==============================

Signing six accounts up (argon2 hashes) and loading the region for every test would cost
most of each test's time, so each test gets a fresh copy of a database seeded once per
test process: ``bare_office`` the tiny region with the accounts, each with a bearer token;
``sqlite_office`` and ``postgres_office`` (for the permission matrix) that and stock at every depot, and for each league
one incident with a draft plan and one with a committed plan. A SQLite copy is a backup
of the seeded file; a PostgreSQL copy is ``CREATE DATABASE ... TEMPLATE``.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from relief.depot import accounts, db, keeper
from relief.routing.dispatch import incidents, planning, plans
from tests.conftest import TODAY, load_tiny

PASSWORD = "correct horse battery"
START = datetime(2026, 11, 22, 8, 0)
# account -> (role, depots, leagues)
ACCOUNTS = {
    "ada": ("admin", (), ()),
    "cora": ("coordinator", (), ()),
    "jia": ("coordinator", (), ("甲市",)),
    "kee": ("keeper", ("C990102",), ()),
    "pla": ("planner", (), ()),
    "vic": ("viewer", (), ()),
}
IN_SCOPE_DEPOT, OUT_OF_SCOPE_DEPOT = "C990102", "C990201"  # of jia and kee
JIA_POINT, YI_POINT = (111.5, 40.5), (112.5, 40.5)  # in 990102 (甲市) and 990201 (乙盟)

# A tabletop drill for the tiny region: one typed-in incident in 990102.
TINY_SCENARIO = """\
name = "tiny tabletop"
start = 2027-01-15T08:00:00+08:00
[hazard]
type = "incidents"
[[hazard.incidents]]
name = "乙县安置点"
lon = 111.5
lat = 40.5
people = 0
priority = 2
needs = { WATER = 10 }
"""


def add_accounts(url: str, names: tuple[str, ...] = tuple(ACCOUNTS)) -> None:
    """Create the accounts ``names`` of ``ACCOUNTS``, all with ``PASSWORD``."""
    for name in names:
        role, depots, leagues = ACCOUNTS[name]
        accounts.add(url, name, role, PASSWORD, depots=depots, leagues=leagues, actor="setup")


def client_for(url: str, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """A test client of the server for ``url``, whose today is the tests' ``TODAY``."""
    from relief.web.app import create_app

    monkeypatch.setenv("RELIEF_TODAY", TODAY.isoformat())
    return TestClient(create_app(url))


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign ``name`` in through ``POST /api/token``; returns the header for its token."""
    answer = client.post("/api/token", data={"username": name, "password": password})
    assert answer.status_code == 200, answer.text
    return bearer(answer.json()["access_token"])


@dataclass(frozen=True)
class Seeded:
    """What the seeded office holds: a token per account, the incidents and plans by name."""

    tokens: dict[str, str]
    incidents: dict[str, int]
    plans: dict[str, int]


def bare(url: str) -> Seeded:
    """Load the tiny region into the empty database ``url`` with every account and a bearer
    token each, and nothing else: no stock, incidents or plans."""
    load_tiny(url)
    add_accounts(url)
    tokens = {name: accounts.create_token(url, name, kind="bearer", actor="setup")[0] for name in ACCOUNTS}
    return Seeded(tokens, {}, {})


def seed(url: str) -> Seeded:
    """Load the tiny region into the empty database ``url`` and seed the office: every
    account with a bearer token; 500 tents and 500 cases of water at R99, 200 of each at
    C990102 and C990201; incidents ``jia_draft``, ``jia_committed`` (in 甲市),
    ``yi_draft`` and ``yi_committed`` (in 乙盟), each asking for 3 tents, each with a plan
    of the same name, draft or committed."""
    tokens = bare(url).tokens
    for depot, qty in (("R99", 500), ("C990102", 200), ("C990201", 200)):
        for item in ("TENT", "WATER"):
            keeper.receive(url, depot, item, qty, actor="opening", today=TODAY)
    made, planned = {}, {}
    for name, (lon, lat) in (("jia_draft", JIA_POINT), ("jia_committed", (111.4, 40.6)),
                             ("yi_draft", YI_POINT), ("yi_committed", (112.6, 40.6))):
        made[name] = incidents.add(url, name, lon, lat, need=["TENT=3"], today=TODAY)["id"]
        planned[name] = planning.plan(url, incident_ids=[made[name]], method="greedy", today=TODAY,
                                      start=START).plan_id
        if name.endswith("committed"):
            plans.commit(url, planned[name], actor="setup", today=TODAY)
    return Seeded(tokens, made, planned)


@dataclass
class Office:
    """A copy of the seeded office: its database ``url``, a ``client`` of a server for it,
    and what the seed holds."""

    url: str
    client: TestClient
    seeded: Seeded

    def headers(self, account: str | None) -> dict[str, str]:
        """The ``Authorization`` header of ``account`` (none for None)."""
        return bearer(self.seeded.tokens[account]) if account else {}


SEEDS = {"bare": bare, "office": seed}


class Templates:
    """Seeded databases made once per test process, on first use, for tests to copy:
    ``get(kind)`` returns (where the template is, what it holds) for a kind of ``SEEDS``."""

    def __init__(self, make: Callable[[str], tuple[str, str]]):
        self._make, self._made = make, {}

    def get(self, kind: str) -> tuple[str, Seeded]:
        """The template of ``kind``: its SQLite path or PostgreSQL database name, and its ``Seeded``."""
        if kind not in self._made:
            where, url = self._make(kind)
            seeded = SEEDS[kind](url)
            db.dispose(url)  # a PostgreSQL template must have no connection; SQLite's WAL is folded in
            self._made[kind] = (where, seeded)
        return self._made[kind]

    def made(self) -> list[str]:
        """Where every template made so far is."""
        return [where for where, _ in self._made.values()]


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory) -> Templates:
    """Seeded SQLite files to copy, made once per test process."""
    folder = tmp_path_factory.mktemp("api-templates")

    def make(kind: str) -> tuple[str, str]:
        path = folder / f"{kind}.db"
        return str(path), db.database_url(str(path))
    return Templates(make)


@pytest.fixture(scope="session")
def postgres_templates(pg_admin_url) -> Iterator[Templates]:
    """Seeded PostgreSQL databases to copy (used only as templates), made once per test
    process and dropped at its end."""
    def make(kind: str) -> tuple[str, str]:
        name = f"relief_api_{kind}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name, _pg_url(pg_admin_url, name)
    templates = Templates(make)
    yield templates
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in templates.made():
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def sqlite_office(request, tmp_path, monkeypatch) -> Iterator[Office]:
    """A fresh copy of the seeded office (``seed``) on SQLite."""
    yield from _copy(request, "sqlite", "office", tmp_path, monkeypatch)


@pytest.fixture
def postgres_office(request, tmp_path, monkeypatch) -> Iterator[Office]:
    """A fresh copy of the seeded office (``seed``) on PostgreSQL."""
    yield from _copy(request, "postgres", "office", tmp_path, monkeypatch)


@pytest.fixture(params=BACKENDS)
def bare_office(request, tmp_path, monkeypatch) -> Iterator[Office]:
    """A fresh tiny region with every account (``bare``), once on SQLite and once on PostgreSQL."""
    yield from _copy(request, request.param, "bare", tmp_path, monkeypatch)


def _pg_url(admin: str, name: str) -> str:
    return make_url(admin).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def _copy(request, backend: str, kind: str, tmp_path: Path, monkeypatch) -> Iterator[Office]:
    """A fresh copy of the template ``kind`` on ``backend``, with a client of a server for it."""
    if backend == "sqlite":
        template, seeded = request.getfixturevalue("sqlite_templates").get(kind)
        path = tmp_path / f"{kind}.db"
        source, target = sqlite3.connect(template), sqlite3.connect(path)
        source.backup(target)
        source.close()
        target.close()
        url = db.database_url(str(path))
        try:
            with client_for(url, monkeypatch) as client:
                yield Office(url, client, seeded)
        finally:
            db.dispose(url)
        return
    admin = request.getfixturevalue("pg_admin_url")
    template, seeded = request.getfixturevalue("postgres_templates").get(kind)
    name = f"relief_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = _pg_url(admin, name)
    try:
        with client_for(url, monkeypatch) as client:
            yield Office(url, client, seeded)
    finally:
        db.dispose(url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
