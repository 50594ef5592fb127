"""Crash safety: the real ``relief`` command, killed with SIGKILL at random moments,
never leaves half a write behind.

Each test prepares one database (the Inner Mongolia default) as a template, runs the
command once to completion to learn when its write transaction opens and closes, then
kills it ``KILLS`` times on fresh copies of the template at seeded random delays: a fifth
spread from process start to exit, the rest aimed into the write (from the moment it is
seen to open, by up to its length in the first run). After every kill:

* ``stock import FILE``: the file is recorded whole or not at all (the unit the command
  documents), and so is each of its documents (movements counted per document number);
* ``dispatch commit`` / ``dispatch ship``: the plan is in its old or its new state, with
  all of its reservations (or issues) and deployed teams, or none;
* ``init --force``: the database holds the old region with its ledger or the whole new
  one, never an empty or partly loaded database;
* the books verify (``relief stock verify``: every balance agrees with the ledger).

Then the same command runs again on that copy and must finish the job (or, when the
killed run had already committed, refuse to do it twice and change nothing).

A kill is counted ``mid-write`` when the command held its write transaction at that
moment (SQLite: the WAL write lock, seen in /proc/locks; PostgreSQL: a backend of the
copy with a transaction id), ``after`` when its work was already committed, ``before``
otherwise. The test fails unless at least a quarter of the kills landed mid-write; the
tally of each test is printed in pytest's terminal summary ("crash kills").

``RELIEF_CRASH_KILLS=100`` kills each command more often than the default 15 (each
kill costs a start-up of the command, about a second).
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import select

from relief.depot import db, keeper, region, reports
from relief.depot.models import Balance, Depot, Document, Meta, Movement, Plan, PlanShipment, PlanTeam, Team
from relief.routing.dispatch import incidents, planning
from tests.inprocess import run_cli

pytestmark = pytest.mark.slow

RELIEF = Path(sys.executable).parent / "relief"
ENV = {"RELIEF_TODAY": "2026-11-22", "RELIEF_ACTOR": "crash-test"}
TODAY = date(2026, 11, 22)
KILLS = int(os.environ.get("RELIEF_CRASH_KILLS", "15"))  # per command and database; 15 keeps the file near a minute
SEED = 20261122
DOCUMENTS, ROWS_PER_DOCUMENT = 8, 500  # 4,000 rows in the imported file
INCIDENTS = 36  # about 1,400 plan lines


# databases: a template and throw-away copies of it

class Server:
    """Makes empty databases and copies of a template on SQLite or PostgreSQL."""

    def __init__(self, kind: str, folder: Path, admin: str | None):
        self.kind, self.folder, self.admin, self.made = kind, folder, admin, []
        self.probe = psycopg.connect(admin, autocommit=True) if admin else None  # watches pg_stat_activity

    def url(self, name: str) -> str:
        if self.kind == "sqlite":
            return db.database_url(str(self.folder / f"{name}.db"))
        url = make_url(self.admin).set(drivername="postgresql+psycopg", database=f"relief_crash_{name}")
        return url.render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        """A new database: empty, or a copy of ``template`` (whose connections must be closed)."""
        url = self.url(uuid.uuid4().hex[:12])
        self.made.append(url)
        if template is not None:
            db.dispose(template)
        if self.kind == "sqlite":
            if template is not None:
                for suffix in ("", "-wal"):
                    source = Path(db.describe(template) + suffix)
                    if source.exists():
                        shutil.copyfile(source, db.describe(url) + suffix)
            return url
        like = f' TEMPLATE "{make_url(template).database}"' if template else ""
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{make_url(url).database}"{like}')
        return url

    def copies(self, template: str, n: int) -> Iterator[str]:
        """``n`` fresh copies of ``template``, each made while the one before is in use and
        dropped afterwards, in a background thread (PostgreSQL takes a second for both)."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            ahead = pool.submit(self.create, template)
            for left in range(n, 0, -1):
                url = ahead.result()
                if left > 1:
                    ahead = pool.submit(self.create, template)
                yield url
                pool.submit(self.drop, url)

    def drop(self, url: str) -> None:
        db.dispose(url)
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(db.describe(url) + suffix).unlink(missing_ok=True)
        else:
            with psycopg.connect(self.admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def target(self, url: str) -> str:
        """What ``--db`` takes for ``url``."""
        return db.describe(url) if self.kind == "sqlite" else url

    def settle(self, url: str) -> None:
        """Wait until the server has finished with the connections of a killed command (a
        COMMIT it received just before the kill may still be being written)."""
        deadline = time.monotonic() + 30
        while self.probe is not None and time.monotonic() < deadline:
            row = self.probe.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                     (make_url(url).database,)).fetchone()
            if row[0] == 0:
                return
            time.sleep(0.005)

    def writing(self, url: str, pid: int) -> bool:
        """True when process ``pid`` holds the write transaction of ``url`` right now."""
        if self.kind == "sqlite":
            try:
                inode = os.stat(db.describe(url) + "-shm").st_ino
            except FileNotFoundError:
                return False
            for line in Path("/proc/locks").read_text().splitlines():
                fields = line.split()
                # "1: POSIX ADVISORY WRITE <pid> <maj:min:inode> <start> <end>"; 120 is WAL_WRITE_LOCK
                if (len(fields) == 8 and fields[1] == "POSIX" and fields[3] == "WRITE" and fields[4] == str(pid)
                        and fields[5].rsplit(":", 1)[-1] == str(inode) and int(fields[6]) <= 120 <= int(fields[7])):
                    return True
            return False
        row = self.probe.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_xid IS NOT NULL",
                            (make_url(url).database,)).fetchone()
        return row[0] > 0


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite"),
                        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)])
def server(request, tmp_path) -> Iterator[Server]:
    admin = request.getfixturevalue("pg_admin_url") if request.param == "postgres" else None
    made = Server(request.param, tmp_path, admin)
    yield made
    if made.probe is not None:
        made.probe.close()
    for url in made.made:
        made.drop(url)


# the operations: how to prepare each, and what the old and new states look like

@dataclass
class Operation:
    """A command to kill, the template it runs on, and ``state(url, verify=True)``: "old"
    or "new", raising AssertionError on anything in between (or books that do not verify)."""

    args: list[str]
    template: str
    state: Callable[..., str]


def count_by_doc(s, prefix: str) -> Counter:
    rows = s.exec(select(Movement.doc, func.count()).where(Movement.doc.like(f"{prefix}%")).group_by(Movement.doc))
    return Counter(dict(rows.all()))


def books_verify(s) -> None:
    result = reports.verify(s)
    assert result["ok"], result["problems"][:5]


def import_operation(server: Server, tmp_path: Path) -> Operation:
    """4,000 movements in 8 documents: receipts, then issues and transfers of what was received."""
    template = server.create()
    region.init(template, "inner-mongolia", today=TODAY)
    with db.session(template) as s:
        depots = sorted(s.exec(select(Depot.code)))
    rng = random.Random(SEED)
    path = tmp_path / "movements.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(("doc", "kind", "depot", "item", "qty", "to"))
        held: dict[tuple[str, str], int] = {}
        for n in range(1, DOCUMENTS + 1):
            for _ in range(ROWS_PER_DOCUMENT):
                key = rng.choice(sorted(held)) if held and rng.random() < 0.4 else None
                if key is None or held[key] < 2:
                    key = (rng.choice(depots), rng.choice(("TENT12", "QUILT", "BLANKET", "COAT", "LAMP")))
                    qty = rng.randint(1, 300)
                    held[key] = held.get(key, 0) + qty
                    out.writerow((f"CRASH-{n:02d}", "receive", *key, qty, ""))
                    continue
                qty = rng.randint(1, held[key] // 2)
                held[key] -= qty
                if rng.random() < 0.5:
                    out.writerow((f"CRASH-{n:02d}", "issue", *key, qty, "shelter"))
                else:
                    dest = rng.choice([d for d in depots if d != key[0]])
                    held[(dest, key[1])] = held.get((dest, key[1]), 0) + qty
                    out.writerow((f"CRASH-{n:02d}", "transfer", *key, qty, dest))
    expected: dict[str, int] = {}

    def state(url: str, verify: bool = True) -> str:
        with db.session(url) as s:
            counts = count_by_doc(s, "CRASH-")
            recorded = s.exec(select(func.count()).select_from(Document)
                              .where(Document.number.like("CRASH-%"))).one()
            if verify:
                books_verify(s)
        db.dispose(url)
        if not expected:  # the run to completion tells how many lines each document makes
            expected.update(counts)
        for doc, lines in counts.items():
            assert lines == expected[doc], f"document {doc} is partly recorded: {lines} of {expected[doc]} lines"
        assert set(counts) in (set(), set(expected)), f"the file is partly recorded: {sorted(counts)}"
        assert recorded == len(counts)
        return "new" if counts else "old"

    return Operation(["stock", "import", str(path)], template, state)


def plan_template(server: Server) -> tuple[str, int, int]:
    """A database with ``INCIDENTS`` open incidents and their draft plan; returns (url, plan id, lines)."""
    url = server.create()
    region.init(url, "inner-mongolia", today=TODAY)
    with db.session(url) as s:
        places = sorted(s.exec(select(Depot.code, Depot.lon, Depot.lat).where(Depot.level == "county")).all())
    for n, (code, lon, lat) in enumerate(places[:INCIDENTS]):
        incidents.add(url, f"crash {code}", lon + 0.01, lat + 0.01, people=600 + 40 * n, priority=1 + n % 4,
                      today=TODAY)
    planning.plan(url, today=TODAY, start=datetime(2026, 11, 22, 8, 0))
    with db.session(url) as s:
        plan_id = s.exec(select(func.max(Plan.id))).one()
        lines = s.exec(select(func.count()).select_from(PlanShipment).where(PlanShipment.plan == plan_id)).one()
    return url, plan_id, lines


def plan_state(plan_id: int, lines: int, old: str, new: str, doc: str) -> Callable[[str], str]:
    """The state check of a plan moving from status ``old`` to ``new`` by writing document ``doc``."""
    def state(url: str, verify: bool = True) -> str:
        with db.session(url) as s:
            status = s.get(Plan, plan_id).status
            written = count_by_doc(s, doc)[doc]
            planned = s.exec(select(func.sum(PlanShipment.qty)).where(PlanShipment.plan == plan_id)).one()
            reserved = s.exec(select(func.sum(Balance.reserved))).one()
            teams = set(s.exec(select(Team.status).join(PlanTeam, PlanTeam.team == Team.code)
                               .where(PlanTeam.plan == plan_id)))
            if verify:
                books_verify(s)
        db.dispose(url)
        assert status in (old, new), f"plan {plan_id} is {status}"
        assert written in (0, lines), f"{doc}: {written} of {lines} lines written"
        assert (written == lines) == (status == new), f"plan {plan_id} is {status} with {written} lines of {doc}"
        holding = {"draft": 0, "committed": planned, "shipped": 0}[status]
        assert reserved == holding, f"plan {plan_id} is {status} but {reserved} units are reserved"
        assert teams == ({"ready"} if status == "draft" else {"deployed"}), teams
        return "new" if status == new else "old"

    return state


def commit_operation(server: Server, tmp_path: Path) -> Operation:
    url, plan_id, lines = plan_template(server)
    return Operation(["dispatch", "commit", str(plan_id)], url,
                     plan_state(plan_id, lines, "draft", "committed", f"PLAN-{plan_id}-COMMIT"))


def ship_operation(server: Server, tmp_path: Path) -> Operation:
    url, plan_id, lines = plan_template(server)
    rerun(server.target(url), ["dispatch", "commit", str(plan_id)])
    return Operation(["dispatch", "ship", str(plan_id)], url,
                     plan_state(plan_id, lines, "committed", "shipped", f"PLAN-{plan_id}-DISPATCH"))


def init_operation(server: Server, tmp_path: Path) -> Operation:
    """Inner Mongolia with a keeper's receipt (OLD-1), replaced by Zhaoqing with its opening stock."""
    template = server.create()
    region.init(template, "inner-mongolia", today=TODAY)
    keeper.receive(template, "R15", "TENT12", 7, doc="OLD-1", actor="keeper", today=TODAY)
    with db.session(template) as s:
        old = (s.exec(select(func.count()).select_from(Depot)).one(),
               s.exec(select(func.count()).select_from(Movement)).one())
    expected: dict[str, tuple[int, int]] = {"inner-mongolia": old}

    def state(url: str, verify: bool = True) -> str:
        assert db.has_schema(url), "the database was left without its tables"
        with db.session(url) as s:
            folder = s.exec(select(Meta.value).where(Meta.key == "folder")).one()
            held = (s.exec(select(func.count()).select_from(Depot)).one(),
                    s.exec(select(func.count()).select_from(Movement)).one())
            marked = s.exec(select(func.count()).select_from(Document).where(Document.number == "OLD-1")).one()
            if verify:
                books_verify(s)
        db.dispose(url)
        assert folder in ("inner-mongolia", "zhaoqing"), folder
        expected.setdefault(folder, held)  # the run to completion tells what the new region holds
        assert held == expected[folder] and held[0] > 0 and held[1] > 0, f"{folder} holds {held}"
        assert marked == (folder == "inner-mongolia")
        return "new" if folder == "zhaoqing" else "old"

    return Operation(["init", "--force", "--region", "zhaoqing"], template, state)


# running and killing the command

def rerun(target: str, args: list[str]) -> tuple[int, str]:
    """Run the command again in this process (``cli.main.run``); returns (exit code, stderr)."""
    code, _, stderr = run_cli([*args, "--db", target], {**ENV, "RELIEF_DB": None})
    return code, stderr


def start(target: str, args: list[str]) -> subprocess.Popen:
    """Start the command, at a lower CPU priority than this process: on a busy machine the
    watcher must still get to look while the command writes."""
    environ = {k: v for k, v in os.environ.items() if k != "RELIEF_DB"}
    environ.update(ENV)
    return subprocess.Popen([str(RELIEF), *args, "--db", target], env=environ,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=lambda: os.nice(10))


def calibrate(server: Server, op: Operation) -> tuple[float, float, float]:
    """Run the command to completion on a copy, watching it; returns (write opens, write
    closes, process exits), in seconds after start. The copy checks the new state."""
    url = server.create(op.template)
    began = time.perf_counter()
    proc = start(server.target(url), op.args)
    opened = closed = None
    while proc.poll() is None:
        now = time.perf_counter() - began
        if server.writing(url, proc.pid):
            opened = opened if opened is not None else now
        elif opened is not None and closed is None:
            closed = now
        time.sleep(0.002)
    ended = time.perf_counter() - began
    assert proc.returncode == 0, proc.stderr.read().decode()
    assert op.state(url) == "new"
    server.drop(url)
    if opened is None:  # too quick to see: aim at the second half of the run
        opened, closed = ended / 2, ended
    return opened, closed or ended, ended


@pytest.mark.parametrize("operation", [import_operation, commit_operation, ship_operation, init_operation],
                         ids=["stock-import", "dispatch-commit", "dispatch-ship", "init-force"])
def test_a_killed_command_leaves_its_write_whole_or_absent_and_can_be_run_again(
        server, operation, tmp_path, record_property):
    op = operation(server, tmp_path)
    db.dispose(op.template)
    opened, closed, ended = calibrate(server, op)
    rng = random.Random(SEED + zlib.crc32(f"{server.kind} {' '.join(op.args[:2])}".encode()))
    tally: Counter = Counter()
    # the first run's timings, corrected as the kills show the machine to be quicker now
    window = closed - opened  # how long the write lasts
    for n, url in enumerate(server.copies(op.template, KILLS)):
        began = time.perf_counter()
        proc = start(server.target(url), op.args)
        seen = None
        if n % 5 == 0:  # anywhere from process start to exit
            delay = rng.uniform(0, ended * 1.05)
        else:  # into the write: from the moment its transaction is seen open
            while proc.poll() is None and time.perf_counter() - began < opened * 0.4:
                time.sleep(0.005)  # start-up: nothing to watch yet
            while proc.poll() is None and not server.writing(url, proc.pid):
                time.sleep(0.002)
            seen = time.perf_counter() - began
            delay = seen + rng.uniform(0, window)
        while proc.poll() is None and time.perf_counter() - began < delay:
            time.sleep(0.001)
        writing = proc.poll() is None and server.writing(url, proc.pid)
        exited = proc.poll()
        killed = time.perf_counter() - began
        proc.kill()
        proc.wait()
        server.settle(url)
        state = op.state(url)
        if exited is not None:
            assert exited == 0 and state == "new", proc.stderr.read().decode()
        tally["after" if state == "new" else "mid-write" if writing else "before"] += 1
        if seen is not None and exited is None:
            opened = min(opened, seen)
        if exited is not None:
            ended = min(ended, killed)
            # the whole run fitted before the watcher began to look: look earlier next time
            opened = min(opened, 0.5 * ended)
        if state == "new" and seen is not None:
            window = max(0.01, 0.8 * (killed - seen))
        code, stderr = rerun(server.target(url), op.args)
        assert code == 0 or (state == "new" and "error:" in stderr), stderr
        assert op.state(url, verify=False) == "new"
    summary = f"{' '.join(op.args[:2])} on {server.kind}: {KILLS} kills survived " + ", ".join(
        f"{tally[k]} {k}" for k in ("before", "mid-write", "after"))
    record_property("crash kills", summary)
    assert tally["mid-write"] >= KILLS // 4, summary
