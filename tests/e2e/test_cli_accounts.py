"""``relief user``, ``relief token`` and ``relief serve`` from the command line."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from relief.depot import accounts, db
from tests.e2e.conftest import CLI_ENV, RELIEF

PASSWORD = "correct horse battery"


@pytest.fixture
def password_file(tmp_path: Path) -> str:
    path = tmp_path / "password.txt"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return str(path)


def test_an_administrator_adds_lists_and_disables_accounts(cli, tiny_sqlite, password_file):
    where = db.describe(tiny_sqlite)
    added = cli("user", "add", "li", "--role", "keeper", "--depot", "c990102", "--password-file", password_file,
                "--db", where)
    assert (added.code, added.stdout.strip()) == (0, "added keeper li for depots C990102")
    assert cli("user", "add", "zhao", "--role", "coordinator", "--league", "甲市", "--password-file",
               password_file, "--db", where).code == 0
    listed = cli("user", "list", "--json", "--db", where).json()
    assert [(r["name"], r["role"], r["depots"], r["leagues"], r["created_by"]) for r in listed] == [
        ("li", "keeper", ["C990102"], [], "tester"), ("zhao", "coordinator", [], ["甲市"], "tester")]
    assert cli("user", "disable", "li", "--db", where).stdout.strip() == \
        "disabled li; its tokens and sessions are revoked"
    assert [r["disabled"] for r in cli("user", "list", "--json", "--db", where).json()] == [True, False]
    audit = cli("user", "audit", "--json", "--db", where).json()
    assert [(r["event"], r["account"], r["actor"]) for r in audit] == [
        ("account_disabled", "li", "tester"), ("account_added", "zhao", "tester"), ("account_added", "li", "tester")]


@pytest.mark.parametrize("args, message", [
    (["--role", "boss"], "error: --role must be one of admin, coordinator, keeper, planner, viewer; got 'boss'"),
    (["--role", "keeper"], "error: a keeper needs at least one depot (--depot)"),
    (["--role", "keeper", "--depot", "NOPE"], "error: unknown depot NOPE (--depot); see `relief depot list` for "
                                              "the codes"),
    (["--role", "viewer", "--league", "甲市"], "error: only a coordinator has leagues; a viewer acts on the whole "
                                               "region (--league)"),
])
def test_a_bad_account_is_refused_with_one_message_and_exit_2(cli, tiny_sqlite, password_file, args, message):
    done = cli("user", "add", "x", *args, "--password-file", password_file, "--db", db.describe(tiny_sqlite))
    assert (done.code, done.errors()) == (2, [message])
    assert accounts.listing(tiny_sqlite) == []


def test_a_short_password_is_refused_without_showing_it(cli, tiny_sqlite, tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("hunter2\n", encoding="utf-8")
    done = cli("user", "add", "x", "--role", "admin", "--password-file", str(short), "--db", db.describe(tiny_sqlite))
    assert done.code == 2 and done.errors() == ["error: password must be at least 10 characters"]
    assert "hunter2" not in done.stdout + done.stderr


def test_a_token_is_printed_once_and_works_for_its_account(cli, tiny_sqlite, password_file):
    where = db.describe(tiny_sqlite)
    cli("user", "add", "li", "--role", "keeper", "--depot", "R99", "--password-file", password_file, "--db", where)
    done = cli("token", "create", "li", "--days", "30", "--label", "nightly import", "--db", where)
    token = done.stdout.strip()
    assert done.code == 0 and token.startswith("rlf_") and "shown only now" in done.stderr
    assert accounts.principal(tiny_sqlite, token).name == "li"
    assert cli("token", "create", "nobody", "--db", where).errors() == [
        "error: no account is named nobody; see `relief user list`"]
    assert cli("token", "create", "li", "--days", "0", "--db", where).errors() == [
        "error: --days must be a whole number from 1 to 3660; got 0"]


def test_serve_refuses_a_missing_database_and_a_bad_port_before_listening(cli, tmp_path):
    missing = cli("serve", "--db", str(tmp_path / "none.db"))
    assert missing.code == 1 and "no relief database at" in missing.errors()[0]
    assert not (tmp_path / "none.db").exists()
    assert cli("serve", "--port", "70000", "--db", str(tmp_path / "none.db")).errors() == [
        "error: --port must be a whole number from 1 to 65535; got 70000"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_relief_serve_answers_on_localhost_and_signs_in_an_account(tiny_sqlite, password_file, tmp_path):
    where = db.describe(tiny_sqlite)
    accounts.add(tiny_sqlite, "wang", "admin", PASSWORD, actor="setup")
    port = free_port()
    server = subprocess.Popen([str(RELIEF), "serve", "--db", where, "--port", str(port)], env={**CLI_ENV},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                docs = httpx.get(f"{base}/docs", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert docs.status_code == 200 and "/static/swagger/swagger-ui-bundle.js" in docs.text
        assert "script-src 'self'" in docs.headers["content-security-policy"]
        wrong = httpx.post(f"{base}/api/token", data={"username": "wang", "password": "nope, not it"})
        assert wrong.status_code == 401
        signed = httpx.post(f"{base}/api/token", data={"username": "wang", "password": PASSWORD})
        assert signed.status_code == 200 and signed.json()["token_type"] == "bearer"
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert [e["event"] for e in accounts.audit_log(tiny_sqlite)][:2] == ["login", "login_failed"]
