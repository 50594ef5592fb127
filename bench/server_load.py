"""Server load benchmark: many API clients recording stock at once through ``relief serve``.

It initialises a fresh database with the Inner Mongolia default (93 depots, 26 items and
the sample opening stock), adds a coordinator account for the whole region, starts
``relief serve --db URL --host 127.0.0.1 --port N --workers W`` as a subprocess on a free
port and, once it answers, lets ``--clients`` API clients (default 50; asyncio, one
``httpx.AsyncClient`` and one connection each, every client signed in with
``POST /api/token``) record documents for ``--seconds`` (default 60): each client, one
request after another, picks at random

* a receipt (40 %, ``POST /api/stock/receive``; three in ten name a supplier's lot, with
  its expiry for a perishable item, so that clients create the same new lots at once),
* an issue (35 %, ``POST /api/stock/issue``),
* a transfer (23 %, ``POST /api/stock/transfer``),
* or the repeat of one of its own documents already recorded (2 %, the same number and
  content; the server must answer 200 "already recorded" and write nothing),

always at the same four depots (the region depot R15, the Hohhot league depot L1501 and
the county depots C150121 and C150122) and of the same four items (QUILT, BLANKET, and
the perishable FOOD and WATER), 1-60 units, so that the clients contend for the same
balances and county depots run short: a 409 (too little stock) is expected and counted
apart. Every document carries its own number (``LOAD-<run>-<client>-<n>``), so every
answer maps to exactly one document.

What it reports: requests per second over the load window (from the first request to
the last answer), documents recorded per second, latency (p50, p90, p99, max) in all and
per kind, the answers counted by status, the CPU seconds of the server processes and of
the load generator itself (one Python process: near 100 % of a core it is the limit, not
the server), and then the checks, each PASS or FAIL:

* ``statuses``: every first send was answered 201 (recorded) or 409 (too little stock),
  every repeat 200 "already recorded"; no 5xx, no other status, no transport error;
* ``verify (API)``: ``GET /api/stock/verify`` answers ``ok``, and ``verify (books)``:
  ``depot.reports.verify`` on the database, after the server stopped: every balance
  equals the ledger and the hash chain is whole;
* ``API stock``: ``GET /api/stock?depot=`` shows the on-hand units the database holds
  for the four depots and items;
* ``documents``: the document numbers added to the database (table ``document``) are
  exactly those answered 201 (no 409 or failed request left a document behind);
* ``ledger lines``: the movements of each of those documents are the lines its 201
  answer listed, and add up to what its request asked (receipt +qty, issue -qty,
  transfer -qty at the source and +qty at the destination);
* ``books``: for every (depot, item) of the database, on-hand units after = before +
  receipts - issues +/- transfers of the requests answered 201.

The exit status is 1 when a check fails (the server log's first error lines are then
shown), 2 when the server does not start.

By default the database is a scratch database on the PostgreSQL server at
``$RELIEF_TEST_PG`` or ``postgresql://postgres@127.0.0.1:5432/postgres``, created for the
run and dropped afterwards (the database named in the URL is never changed); when no
server answers there, a SQLite file in a temporary folder is used instead, and the
report says so. ``--db`` names another server, or ``sqlite`` for a SQLite file.
``--workers 1 2`` runs once per worker count, each on a fresh database.

Run it from the project folder, once ``make test`` (or ``make bench``) has made the venv::

    .venv/bin/python bench/server_load.py                          # 50 clients, 60 s, 1 worker
    .venv/bin/python bench/server_load.py --workers 1 2            # one run per worker count
    .venv/bin/python bench/server_load.py --seconds 10 --clients 10  # a quick run
    .venv/bin/python bench/server_load.py --db sqlite              # on a SQLite file
    .venv/bin/python bench/server_load.py --json                   # the figures as JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from relief.depot import accounts, db, region, reports
from relief.depot.models import Balance, Document, Item, Movement

from scratch import databases, relief_command  # bench/scratch.py

ROOT = Path(__file__).resolve().parent.parent
REGION = "inner-mongolia"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEPOTS = ("R15", "L1501", "C150121", "C150122")
ITEMS = ("QUILT", "BLANKET", "FOOD", "WATER")
MIX = (("receive", 0.40), ("issue", 0.35), ("transfer", 0.23), ("repeat", 0.02))
MAX_QTY = 60
SUPPLIER_LOTS = 4           # lot codes SUP1..SUP4 per item, shared by every client
ACCOUNT = "bench.load"
TIMEOUT = 120.0             # seconds a client waits for one answer
START_TIMEOUT = 60.0        # seconds the server may take to answer its first request
SLICE = 10.0                # seconds per slice of the throughput timeline


def main() -> int:
    parser = argparse.ArgumentParser(description="Load the relief server with concurrent API clients "
                                                 "recording receipts, issues and transfers.")
    parser.add_argument("--clients", type=int, default=50, help="concurrent API clients (default 50)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load in seconds (default 60)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="server worker processes; several values run once each (default 1)")
    parser.add_argument("--db", help="a PostgreSQL server URL (a scratch database is created on it and dropped), "
                                     "or 'sqlite' for a SQLite file; default $RELIEF_TEST_PG or "
                                     f"{DEFAULT_SERVER}, else SQLite")
    parser.add_argument("--seed", type=int, default=20261130, help="seed of the clients' random choices")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    opts = parser.parse_args()
    if opts.clients < 1 or opts.seconds <= 0 or any(w < 1 for w in opts.workers):
        parser.error("--clients, --seconds and --workers must be positive")
    if opts.db and opts.db != "sqlite" and not opts.db.startswith(("postgresql://", "postgres://",
                                                                   "postgresql+psycopg://")):
        parser.error("--db takes a postgresql:// server URL or 'sqlite'")

    server, note = choose_server(opts.db)
    figures: dict = {"clients": opts.clients, "seconds": opts.seconds, "seed": opts.seed,
                     "database": "postgresql" if server else "sqlite", "note": note,
                     "depots": list(DEPOTS), "items": list(ITEMS), "runs": []}
    if not opts.json and note:
        print(f"note: {note}", file=sys.stderr)
    exit_status = 0
    with tempfile.TemporaryDirectory(prefix="relief-bench-") as tmp, databases(server, tmp) as make_db:
        for workers in opts.workers:
            run = uuid.uuid4().hex[:6]
            try:
                result = one_run(make_db(f"load{workers}"), run, workers, opts, Path(tmp))
            except ServerFailed as exc:
                result = {"workers": workers, "ok": False, "failures": [str(exc)], "server_log": exc.log}
                exit_status = 2
            figures["runs"].append(result)
            if not result["ok"]:
                exit_status = exit_status or 1
            if not opts.json:
                report(result, figures)
    figures["ok"] = exit_status == 0
    if opts.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    return exit_status


class ServerFailed(Exception):
    """The server did not start or stopped by itself; ``log`` is the end of its output."""

    def __init__(self, message: str, log: str):
        super().__init__(message)
        self.log = log


# --- the databases ------------------------------------------------------------------------------

def choose_server(option: str | None) -> tuple[str | None, str]:
    """The PostgreSQL server URL to run on (None: SQLite) and a note when it fell back."""
    if option == "sqlite":
        return None, ""
    server = option or os.environ.get("RELIEF_TEST_PG") or DEFAULT_SERVER
    admin_url = make_url(db.database_url(server))
    engine = create_engine(admin_url.set(database=admin_url.database or "postgres"),
                           connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means no server to use
        if option:
            sys.exit(f"cannot connect to the PostgreSQL server {db.describe(str(admin_url))}: "
                     f"{str(exc).strip().splitlines()[0]}")
        return None, (f"no PostgreSQL server answers at {db.describe(str(admin_url))}; running on a SQLite file "
                      "instead (one writer at a time: not the figures of a shared PostgreSQL database)")
    finally:
        engine.dispose()
    return server, ""


def on_hand(url: str) -> dict[tuple[str, str], int]:
    """On-hand units per (depot, item), every lot summed, as the database holds them."""
    with db.session(url) as s:
        query = select(Balance.depot, Balance.item, func.sum(Balance.on_hand)).group_by(Balance.depot, Balance.item)
        return {(d, i): int(q) for d, i, q in s.exec(query)}


def document_numbers(url: str) -> set[str]:
    with db.session(url) as s:
        return set(s.exec(select(Document.number)))


# --- one run ------------------------------------------------------------------------------------

def one_run(url: str, run: str, workers: int, opts, tmp: Path) -> dict:
    """Initialise ``url``, serve it with ``workers`` processes, load it and check the books."""
    today = date.today()
    region.init(url, REGION, today=today)
    password = secrets.token_urlsafe(18)
    accounts.add(url, ACCOUNT, "coordinator", password, actor="bench")
    with db.session(url) as s:
        shelf = {code: days for code, days in s.exec(select(Item.code, Item.shelf_life_days).where(
            Item.code.in_(ITEMS)))}
    before, docs_before = on_hand(url), document_numbers(url)
    db.dispose(url)

    log_path = tmp / f"server-{run}.log"
    with serving(url, workers, log_path) as (base, pid):
        load = asyncio.run(drive(base, password, run, opts, today, shelf, pid))
        after_api = asyncio.run(read_back(base, load["token"]))
    if db.is_sqlite(url):
        load["postgres_cpu_s"] = None

    with db.session(url) as s:
        verified = reports.verify(s)
    after, docs_after = on_hand(url), document_numbers(url)
    with db.session(url) as s:
        moved = s.exec(select(Movement.doc, Movement.kind, Movement.depot, Movement.item, Movement.lot, Movement.qty)
                       .where(Movement.doc.like(f"LOAD-{run}-%"))).all()
    db.dispose(url)

    records = load["records"]
    checks = check(records, before, after, docs_before, docs_after, moved, verified, after_api)
    result = {"workers": workers, "run": run, **figures_of(records, load),
              "checks": checks, "ok": all(c["ok"] for c in checks),
              "failures": [f"{c['name']}: {c['detail']}" for c in checks if not c["ok"]]}
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    errors = [line for line in log.splitlines() if "Traceback" in line or "ERROR" in line]
    result["server_log_errors"] = len(errors)
    if not result["ok"] or errors:
        result["server_log"] = first_error(log)
    return result


@contextmanager
def serving(url: str, workers: int, log_path: Path):
    """Run ``relief serve`` on a free port of 127.0.0.1 for the ``with`` block; yield its
    base URL. The server is stopped on the way out, also on an error."""
    port = free_port()
    command = server_command(url, port, workers)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELIEF_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=log_path.parent, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(proc, base, log_path)
        yield base, proc.pid
    finally:
        stop(proc)


def server_command(url: str, port: int, workers: int) -> list[str]:
    target = db.describe(url) if db.is_sqlite(url) else url
    return relief_command() + ["serve", "--db", target, "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(workers)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(proc: subprocess.Popen, base: str, log_path: Path) -> None:
    """Return once the server answers ``GET /openapi.json``; raises ``ServerFailed`` when
    it exits first or does not answer within ``START_TIMEOUT`` seconds."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerFailed(f"the server exited with status {proc.returncode} before answering",
                               tail(log_path))
        try:
            if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise ServerFailed(f"the server did not answer within {START_TIMEOUT:.0f} s", tail(log_path))


def stop(proc: subprocess.Popen) -> None:
    """Stop the server as Ctrl+C would, then its whole process group if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    else:
        proc.wait()


def cpu_snapshot() -> dict | None:
    """What /proc says now (None where there is none): the machine's busy CPU seconds
    ("busy") and, per process, its parent, name and CPU seconds used ("processes")."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        busy = sum(int(v) for n, v in enumerate(fields[:8]) if n not in (3, 4)) / tick  # all but idle, iowait
        processes = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                raw = (entry / "stat").read_text()
            except OSError:
                continue
            name, rest = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 1:].split()
            processes[int(entry.name)] = (int(rest[1]), name, (int(rest[11]) + int(rest[12])) / tick)
    except (OSError, ValueError, IndexError):
        return None
    return {"busy": busy, "processes": processes}


def cpu_used(before: dict | None, after: dict | None, server: int) -> dict:
    """CPU seconds between two snapshots: the server (``server`` and its descendants),
    the PostgreSQL processes of this machine, the whole machine (None where unknown)."""
    if before is None or after is None:
        return {"server_cpu_s": None, "postgres_cpu_s": None, "machine_cpu_s": None}
    family = {server}
    for _ in range(4):  # the server, its workers, and what they start
        family |= {p for p, (parent, _, _) in after["processes"].items() if parent in family}

    def used(pids) -> float:
        return sum(after["processes"][p][2] - before["processes"].get(p, (0, "", 0.0))[2]
                   for p in pids if p in after["processes"])
    postgres = [p for p, (_, name, _) in after["processes"].items() if name in ("postgres", "postmaster")]
    return {"server_cpu_s": used(family), "postgres_cpu_s": used(postgres),
            "machine_cpu_s": after["busy"] - before["busy"]}


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def first_error(log: str, lines: int = 40) -> str:
    """The server log from its first traceback or error line on (at most ``lines`` lines)."""
    rows = log.splitlines()
    start = next((n for n, line in enumerate(rows) if "Traceback" in line or "ERROR" in line), max(0, len(rows) - 10))
    return "\n".join(rows[start:start + lines])


# --- the clients --------------------------------------------------------------------------------

async def drive(base: str, password: str, run: str, opts, today: date, shelf: dict, server: int) -> dict:
    """Sign every client in, then let them record documents for ``opts.seconds`` seconds."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) for _ in range(opts.clients)]
    try:
        tokens = await asyncio.gather(*(sign_in(c, password) for c in clients))
        for client, token in zip(clients, tokens):
            client.headers["Authorization"] = f"Bearer {token}"
        cpu, machine = resource.getrusage(resource.RUSAGE_SELF), cpu_snapshot()
        start = time.perf_counter()
        deadline = start + opts.seconds
        per_client = await asyncio.gather(*(
            client_loop(n, client, random.Random(opts.seed * 1000 + n), deadline, start, run, today, shelf)
            for n, client in enumerate(clients)))
        window = time.perf_counter() - start
        used, machine_after = resource.getrusage(resource.RUSAGE_SELF), cpu_snapshot()
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return {"records": [r for rows in per_client for r in rows], "window_s": window, "token": tokens[0],
            "client_cpu_s": used.ru_utime - cpu.ru_utime + used.ru_stime - cpu.ru_stime,
            **cpu_used(machine, machine_after, server)}


async def sign_in(client: httpx.AsyncClient, password: str) -> str:
    response = await client.post("/api/token", data={"username": ACCOUNT, "password": password})
    if response.status_code != 200:
        raise SystemExit(f"POST /api/token answered {response.status_code}: {response.text[:300]}")
    return response.json()["access_token"]


async def client_loop(number: int, client: httpx.AsyncClient, rng: random.Random, deadline: float, start: float,
                      run: str, today: date, shelf: dict) -> list[dict]:
    """One API client: one request after another until ``deadline``; returns a record of each."""
    records: list[dict] = []
    recorded: list[dict] = []  # this client's requests answered 201, for repeats
    sent = 0
    while time.perf_counter() < deadline:
        kind = choose(rng, MIX)
        if kind == "repeat" and recorded:
            request = dict(rng.choice(recorded), repeat=True)
        else:
            if kind == "repeat":
                kind = "receive"
            sent += 1
            request = new_request(kind, f"LOAD-{run}-{number:03d}-{sent:06d}", rng, today, shelf)
        began = time.perf_counter()
        try:
            response = await client.post(request["path"], json=request["body"])
            status, answer = response.status_code, parse(response)
        except httpx.HTTPError as exc:
            status, answer = 0, {"detail": f"{type(exc).__name__}: {exc}"}
        ended = time.perf_counter()
        record = {"kind": request["kind"], "doc": request["doc"], "repeat": request.get("repeat", False),
                  "effect": request["effect"], "status": status, "latency_s": ended - began,
                  "at_s": ended - start, "answer_status": answer.get("status"), "lines": answer.get("lines"),
                  "detail": None if status in (200, 201) else str(answer.get("detail", ""))[:300]}
        records.append(record)
        if status == 201 and not record["repeat"]:
            recorded.append(request)
    return records


def choose(rng: random.Random, weights) -> str:
    draw = rng.random()
    for name, weight in weights:
        draw -= weight
        if draw < 0:
            return name
    return weights[-1][0]


def new_request(kind: str, doc: str, rng: random.Random, today: date, shelf: dict) -> dict:
    """A fresh receipt, issue or transfer numbered ``doc``, with its effect on the books
    as (depot, item, on-hand change) triples."""
    item = rng.choice(ITEMS)
    qty = rng.randint(1, MAX_QTY)
    depot = rng.choice(DEPOTS)
    if kind == "receive":
        body = {"depot": depot, "item": item, "qty": qty, "doc": doc}
        if rng.random() < 0.3:  # a supplier's lot: the same codes (and expiry) for every client
            k = rng.randint(1, SUPPLIER_LOTS)
            body["lot"] = f"SUP{k}"
            if shelf.get(item):
                body["expires"] = (today + timedelta(days=100 * k + 60)).isoformat()
        return {"kind": kind, "doc": doc, "path": "/api/stock/receive", "body": body, "effect": [(depot, item, qty)]}
    if kind == "issue":
        body = {"depot": depot, "item": item, "qty": qty, "doc": doc}
        if rng.random() < 0.3:
            body["to"] = f"shelter {rng.randint(1, 40)}"
        return {"kind": kind, "doc": doc, "path": "/api/stock/issue", "body": body, "effect": [(depot, item, -qty)]}
    dest = rng.choice([d for d in DEPOTS if d != depot])
    body = {"source": depot, "dest": dest, "item": item, "qty": qty, "doc": doc}
    return {"kind": kind, "doc": doc, "path": "/api/stock/transfer", "body": body,
            "effect": [(depot, item, -qty), (dest, item, qty)]}


def parse(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {"detail": response.text[:300]}
    return data if isinstance(data, dict) else {"detail": str(data)[:300]}


async def read_back(base: str, token: str) -> dict:
    """After the load: ``GET /api/stock/verify`` and ``GET /api/stock?depot=`` of each depot."""
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        response = await client.get("/api/stock/verify")
        verify = {"status": response.status_code, "answer": parse(response)}
        stock: dict[tuple[str, str], int] = {}
        problems = []
        for depot in DEPOTS:
            response = await client.get("/api/stock", params={"depot": depot})
            if response.status_code != 200:
                problems.append(f"GET /api/stock?depot={depot} answered {response.status_code}")
                continue
            data = response.json()
            rows = data.get("rows", data.get("stock")) if isinstance(data, dict) else data
            if not isinstance(rows, list):
                problems.append(f"GET /api/stock?depot={depot} answered no list of rows")
                continue
            for row in rows:
                if row.get("item") in ITEMS:
                    key = (row["depot"], row["item"])
                    stock[key] = stock.get(key, 0) + int(row["on_hand"])
    return {"verify": verify, "stock": stock, "problems": problems}


# --- the checks and the figures ------------------------------------------------------------------

def check(records: list[dict], before: dict, after: dict, docs_before: set, docs_after: set, moved: list,
          verified: dict, api: dict) -> list[dict]:
    """The checks of the run, each {"name", "ok", "detail"}."""
    checks = []

    def add(name: str, problems: list[str], detail: str) -> None:
        shown = "; ".join(problems[:5]) + (f"; ... {len(problems) - 5} more" if len(problems) > 5 else "")
        checks.append({"name": name, "ok": not problems, "detail": shown if problems else detail})

    odd = Counter()
    for r in records:
        if r["repeat"]:
            fine = r["status"] == 200 and r["answer_status"] == "already recorded"
        else:
            fine = (r["status"] == 201 and r["answer_status"] == "recorded") or r["status"] == 409
        if not fine:
            odd[(("repeat" if r["repeat"] else "first send"), r["status"], r["answer_status"])] += 1
    add("statuses", [f"{n} {what} answered {status or 'no answer'}" + (f" ({said})" if said else "")
                     for (what, status, said), n in sorted(odd.items(), key=str)],
        "first sends 201 or 409, repeats 200 already recorded")

    answer = api["verify"]["answer"]
    add("verify (API)", [] if api["verify"]["status"] == 200 and answer.get("ok") is True else
        [f"GET /api/stock/verify answered {api['verify']['status']}: {json.dumps(answer)[:300]}"],
        "GET /api/stock/verify: ok")
    add("verify (books)", [f"{p['depot']} {p['item']} lot {p['lot']}: {p['problem']}"
                           for p in verified["problems"]]
        + ([] if verified["chain"]["ok"] else [f"hash chain: {verified['chain']}"]),
        f"{verified['balances']:,} balances and {verified['movements']:,} movements agree, chain whole")

    recorded = [r for r in records if r["status"] == 201 and not r["repeat"]]
    expected_docs = {r["doc"] for r in recorded}
    added = docs_after - docs_before
    add("documents", [f"{len(added - expected_docs)} document(s) in the database that were not answered 201: "
                      + ", ".join(sorted(added - expected_docs)[:5])] * bool(added - expected_docs)
        + [f"{len(expected_docs - added)} document(s) answered 201 are not in the database: "
           + ", ".join(sorted(expected_docs - added)[:5])] * bool(expected_docs - added),
        f"{len(added):,} new documents, exactly those answered 201")

    lines: dict[str, Counter] = {}
    for doc, kind, depot, item, lot, qty in moved:
        lines.setdefault(doc, Counter())[(kind, depot, item, lot, int(qty))] += 1
    problems = [f"{doc} has movements but was not answered 201" for doc in sorted(set(lines) - expected_docs)]
    for r in recorded:
        got = lines.get(r["doc"], Counter())
        said = Counter((ln["kind"], ln["depot"], ln["item"], ln["lot"], int(ln["qty"])) for ln in r["lines"] or [])
        if got != said:
            problems.append(f"{r['doc']}: ledger lines {sorted(got.elements())} differ from the answer's "
                            f"{sorted(said.elements())}")
        net = Counter()
        for (_, depot, item, _, qty), n in got.items():
            net[(depot, item)] += qty * n
        asked = Counter()
        for depot, item, qty in r["effect"]:
            asked[(depot, item)] += qty
        if {k: v for k, v in net.items() if v} != {k: v for k, v in asked.items() if v}:
            problems.append(f"{r['doc']}: the ledger moved {dict(net)}, the request asked {dict(asked)}")
    add("ledger lines", problems, f"{sum(sum(c.values()) for c in lines.values()):,} movements, each document's "
                                  "as answered and as asked")

    expected = Counter()
    for r in recorded:
        for depot, item, qty in r["effect"]:
            expected[(depot, item)] += qty
    problems = []
    for key in sorted(set(before) | set(after) | set(expected)):
        change = after.get(key, 0) - before.get(key, 0)
        if change != expected.get(key, 0):
            problems.append(f"{key[0]} {key[1]}: on hand {before.get(key, 0)} -> {after.get(key, 0)} "
                            f"({change:+}), the 201 answers make {expected.get(key, 0):+}")
    add("books", problems, f"on hand after = before + the {len(recorded):,} documents answered 201, "
                           f"for all {len(set(before) | set(after)):,} depot-item pairs")

    problems = list(api["problems"])
    for depot in DEPOTS:
        for item in ITEMS:
            shown, held = api["stock"].get((depot, item), 0), after.get((depot, item), 0)
            if shown != held:
                problems.append(f"{depot} {item}: the API shows {shown} on hand, the database holds {held}")
    add("API stock", problems, "GET /api/stock shows what the database holds")
    return checks


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * share // 100))
    return ordered[int(rank) - 1]


def latency(records: list[dict]) -> dict:
    ordered = sorted(r["latency_s"] for r in records)
    return {"requests": len(ordered), "mean_ms": 1000 * sum(ordered) / len(ordered) if ordered else 0.0,
            **{f"p{p}_ms": 1000 * percentile(ordered, p) for p in (50, 90, 99)},
            "max_ms": 1000 * ordered[-1] if ordered else 0.0}


def group(record: dict) -> str:
    """The kind a request is counted under: receive, issue, transfer, or repeat."""
    return "repeat" if record["repeat"] else record["kind"]


def figures_of(records: list[dict], load: dict) -> dict:
    window = load["window_s"]
    statuses = Counter(str(r["status"] or "no answer") for r in records)
    kinds = {kind: latency([r for r in records if group(r) == kind])
             for kind in ("receive", "issue", "transfer", "repeat")}
    slices = Counter(int(r["at_s"] // SLICE) for r in records)
    samples = {}
    for r in records:
        if r["status"] not in (200, 201) and r["detail"]:
            samples.setdefault(str(r["status"] or "no answer"), r["detail"])
    recorded = sum(1 for r in records if r["status"] == 201)
    return {"window_s": window, "requests": len(records), "requests_per_s": len(records) / window,
            "recorded": recorded, "recorded_per_s": recorded / window,
            "statuses": dict(sorted(statuses.items())),
            "by_kind": {kind: dict(Counter(str(r["status"] or "no answer") for r in records if group(r) == kind))
                        for kind in ("receive", "issue", "transfer", "repeat")},
            "latency": latency(records), "latency_by_kind": kinds,
            "latency_2xx": latency([r for r in records if r["status"] in (200, 201)]),
            "latency_409": latency([r for r in records if r["status"] == 409]),
            "per_slice": [slices.get(n, 0) / SLICE for n in range(int(window // SLICE))],
            "cpu": {"cores": os.cpu_count(), "client_s": load["client_cpu_s"], "server_s": load["server_cpu_s"],
                    "postgres_s": load["postgres_cpu_s"], "machine_s": load["machine_cpu_s"]},
            "answers": samples}


def report(r: dict, f: dict) -> None:
    where = "PostgreSQL" if f["database"] == "postgresql" else "SQLite"
    print(f"relief serve --workers {r['workers']} on {where}: {f['clients']} clients for {f['seconds']:g} s "
          f"(depots {', '.join(DEPOTS)}; items {', '.join(ITEMS)})")
    if "requests" not in r:
        for failure in r["failures"]:
            print(f"FAIL: {failure}")
        if r.get("server_log"):
            print("server output:\n" + r["server_log"])
        return
    lat = r["latency"]
    print(f"  {r['requests']:,} requests in {r['window_s']:.1f} s: {r['requests_per_s']:,.1f} requests/s, "
          f"{r['recorded']:,} documents recorded ({r['recorded_per_s']:,.1f}/s)")
    print(f"  latency: p50 {lat['p50_ms']:.1f} ms, p90 {lat['p90_ms']:.1f} ms, p99 {lat['p99_ms']:.1f} ms, "
          f"max {lat['max_ms']:.1f} ms, mean {lat['mean_ms']:.1f} ms")
    for kind, k in r["latency_by_kind"].items():
        shown = ", ".join(f"{n:,} x {s}" for s, n in sorted(r["by_kind"][kind].items())) or "none"
        print(f"    {kind:<9} p50 {k['p50_ms']:7.1f} ms  p99 {k['p99_ms']:7.1f} ms  ({shown})")
    print("  statuses: " + ", ".join(f"{s}: {n:,}" for s, n in r["statuses"].items()))
    if r["per_slice"]:
        print("  requests/s per 10 s: " + " ".join(f"{x:.0f}" for x in r["per_slice"]))
    cpu, window = r["cpu"], r["window_s"]
    shown = [f"{name} {cpu[key]:.1f} s ({cpu[key] / window:.0%})"
             for name, key in (("server", "server_s"), ("PostgreSQL", "postgres_s"), ("load generator", "client_s"))
             if cpu[key] is not None]
    if cpu["machine_s"] is not None:
        rest = cpu["machine_s"] - sum(cpu[k] or 0 for k in ("server_s", "postgres_s", "client_s"))
        shown.append(f"other processes {max(rest, 0):.1f} s ({max(rest, 0) / window:.0%}); "
                     f"machine {cpu['machine_s'] / window:.0%} busy of {cpu['cores'] * 100}%")
    print("  CPU over the load (share of one core): " + ", ".join(shown))
    for status, detail in r["answers"].items():
        print(f"  a {status} answer: {detail}")
    for c in r["checks"]:
        print(f"  {'PASS' if c['ok'] else 'FAIL'} {c['name']}: {c['detail']}")
    if r["server_log_errors"]:
        print(f"  the server logged {r['server_log_errors']} error line(s); the first:\n{r['server_log']}")


if __name__ == "__main__":
    sys.exit(main())
