"""The JSON HTTP API against a real database (SQLite and PostgreSQL), through the server
as a client sees it: sign-in, every endpoint's effect on the books, idempotent documents,
the errors a client gets, uploads, and the audit log. The accounts are those of
``api_fixtures`` (ada admin, jia coordinator of 甲市, kee keeper of C990102, vic viewer).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import Workbook, load_workbook

from relief.depot import accounts, db, reports, region
from tests.conftest import TODAY
from tests.integration.api_fixtures import (  # noqa: F401 (fixtures)
    PASSWORD,
    TINY_SCENARIO,
    add_accounts,
    bare_office,
    bearer,
    client_for,
    postgres_templates,
    sign_in,
    sqlite_templates,
)

# The contract other clients are built against: every path and method.
CONTRACT = {
    "/api/token": {"post"}, "/api/me": {"get"}, "/api/depots": {"get"}, "/api/items": {"get"},
    "/api/teams": {"get"}, "/api/stock": {"get"}, "/api/stock/low": {"get"}, "/api/stock/expiring": {"get"},
    "/api/stock/receive": {"post"}, "/api/stock/issue": {"post"}, "/api/stock/transfer": {"post"},
    "/api/stock/adjust": {"post"}, "/api/stock/count": {"post"}, "/api/stock/import": {"post"},
    "/api/stock/history": {"get"}, "/api/stock/verify": {"get"}, "/api/incidents": {"get", "post"},
    "/api/incidents/{incident_id}/close": {"post"}, "/api/plans": {"get", "post"}, "/api/plans/{plan_id}": {"get"},
    "/api/plans/{plan_id}/commit": {"post"}, "/api/plans/{plan_id}/ship": {"post"},
    "/api/plans/{plan_id}/cancel": {"post"}, "/api/plans/{plan_id}/picklists.xlsx": {"get"},
    "/api/drills": {"post"}, "/api/audit": {"get"},
}
STOCK_KEYS = ["depot", "item", "lot", "expires", "expired", "on_hand", "reserved", "available"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def server(bare_office):
    """A client of the server for a fresh tiny region with the accounts of ``api_fixtures``,
    on SQLite and on PostgreSQL; ``server.url`` is the database."""
    bare_office.client.url = bare_office.url
    return bare_office.client


@pytest.fixture
def ada(server) -> dict[str, str]:
    """The admin's bearer header, signed in through the API."""
    return sign_in(server, "ada")


@pytest.fixture
def kee(server) -> dict[str, str]:
    """The keeper of C990102's bearer header, signed in through the API."""
    return sign_in(server, "kee")


def on_hand(client, headers, depot: str, item: str) -> int:
    """Units of ``item`` on hand at ``depot``, as ``GET /api/stock`` shows them."""
    rows = client.get("/api/stock", params={"depot": depot, "item": item}, headers=headers).json()
    return sum(r["on_hand"] for r in rows)


def events(url: str, event: str) -> list[dict]:
    """The audit lines of ``event``, oldest first."""
    return list(reversed(accounts.audit_log(url, event=event)))


def receive(client, headers, depot="R99", item="TENT", qty=10, **extra):
    """``POST /api/stock/receive``; returns the response."""
    return client.post("/api/stock/receive", json={"depot": depot, "item": item, "qty": qty, **extra}, headers=headers)


# --- signing in --------------------------------------------------------------------------


def test_sign_in_gives_a_bearer_token_for_the_account_and_is_audited(server):
    answer = server.post("/api/token", data={"username": "kee", "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["access_token"].startswith("rlf_")
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=7) < expires - datetime.now(timezone.utc) <= timedelta(hours=8)
    me = server.get("/api/me", headers=bearer(body["access_token"]))
    assert me.json() == {"name": "kee", "role": "keeper", "depots": ["C990102"], "leagues": []}
    assert [(e["account"], e["address"]) for e in events(server.url, "login")] == [("kee", "testclient")]


def test_a_wrong_password_and_an_unknown_account_get_the_same_401_and_are_audited(server):
    wrong = server.post("/api/token", data={"username": "kee", "password": "not the password"})
    unknown = server.post("/api/token", data={"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": accounts.WRONG}
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert [e["account"] for e in events(server.url, "login_failed")] == ["kee", "nobody"]
    assert PASSWORD not in str(accounts.audit_log(server.url))


def test_sign_in_is_refused_with_429_after_repeated_failures_even_with_the_right_password(server):
    for _ in range(accounts.MAX_FAILED_ACCOUNT):
        assert server.post("/api/token", data={"username": "kee", "password": "guess guess"}).status_code == 401
    locked = server.post("/api/token", data={"username": "kee", "password": PASSWORD})
    assert locked.status_code == 429 and "too many failed sign-ins" in locked.json()["detail"]
    assert [e["account"] for e in events(server.url, "login_refused")] == ["kee"]


def test_sign_in_needs_both_form_fields(server):
    answer = server.post("/api/token", data={"username": "kee"})
    assert answer.status_code == 422 and "password" in answer.json()["detail"]


@pytest.mark.parametrize("token", [None, "rlf_not-a-token", "revoked", "expired"])
def test_a_missing_unknown_revoked_or_expired_token_is_401_with_www_authenticate(server, token):
    if token == "revoked":
        token = accounts.create_token(server.url, "kee", kind="bearer", actor="kee")[0]
        assert server.get("/api/me", headers=bearer(token)).status_code == 200
        accounts.revoke(server.url, token)
    elif token == "expired":
        token = accounts.create_token(server.url, "kee", kind="bearer", actor="kee",
                                      lifetime=timedelta(seconds=-1))[0]
    answer = server.get("/api/stock", headers=bearer(token) if token else {})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "sign in" in answer.json()["detail"]


def test_a_script_token_of_a_disabled_account_stops_working(server):
    token = accounts.create_token(server.url, "kee", kind="script", label="scale", actor="ada")[0]
    assert server.get("/api/me", headers=bearer(token)).json()["name"] == "kee"
    accounts.disable(server.url, "kee", actor="ada")
    assert server.get("/api/me", headers=bearer(token)).status_code == 401


# --- the region's records and the books --------------------------------------------------


def test_depots_items_and_teams_list_with_their_filters(server, kee):
    depots = server.get("/api/depots", headers=kee).json()
    assert [d["code"] for d in depots] == ["R99", "C990102", "C990201"]
    assert list(depots[0]) == ["code", "name", "level", "county", "lon", "lat", "capacity_m3", "outbound_t_day"]
    assert [d["code"] for d in server.get("/api/depots", params={"level": "county"}, headers=kee).json()] == \
        ["C990102", "C990201"]
    assert [d["code"] for d in server.get("/api/depots", params={"league": "乙盟"}, headers=kee).json()] == ["C990201"]
    items = server.get("/api/items", headers=kee).json()
    assert {i["code"] for i in items} == {"TENT", "QUILT", "WATER", "FOOD"}
    assert [i["code"] for i in server.get("/api/items", params={"category": "shelter"}, headers=kee).json()] == ["TENT"]
    teams = server.get("/api/teams", params={"status": "ready"}, headers=kee).json()
    assert [(t["code"], t["kind"], t["status"]) for t in teams] == [("T01", "relief", "ready"),
                                                                      ("T02", "medical", "ready")]
    assert server.get("/api/teams", params={"status": "deployed"}, headers=kee).json() == []


@pytest.mark.parametrize("path, params, named", [
    ("/api/depots", {"level": "city"}, "'city'"),
    ("/api/teams", {"status": "busy"}, "'busy'"),
    ("/api/stock", {"depot": "ZZZ"}, "'ZZZ'"),
    ("/api/stock", {"item": "NOPE"}, "'NOPE'"),
    ("/api/stock/history", {"limit": "0"}, "limit"),
    ("/api/stock/expiring", {"days": "soon"}, "days"),
    ("/api/incidents", {"status": "pending"}, "status"),
    ("/api/audit", {"limit": "0"}, "limit"),
])
def test_a_bad_filter_is_422_naming_the_value(server, ada, path, params, named):
    answer = server.get(path, params=params, headers=ada)
    assert answer.status_code == 422
    assert named in answer.json()["detail"]


def test_a_receipt_is_recorded_under_the_account_and_shows_in_stock_and_history(server, kee):
    answer = receive(server, kee, "C990102", "QUILT", 5, doc="RCV-77", lot="Q1", expires="2030-01-01",
                     source="donor", note="first delivery")
    assert answer.status_code == 201
    assert answer.json() == {"document": "RCV-77", "kind": "receive", "status": "recorded",
                             "lines": [{"kind": "receive", "depot": "C990102", "item": "QUILT", "lot": "Q1",
                                        "qty": 5, "reserved_delta": 0}]}
    rows = server.get("/api/stock", params={"depot": "C990102"}, headers=kee).json()
    assert rows == [{"depot": "C990102", "item": "QUILT", "lot": "Q1", "expires": "2030-01-01", "expired": False,
                     "on_hand": 5, "reserved": 0, "available": 5}]
    [moved] = server.get("/api/stock/history", params={"doc": "RCV-77"}, headers=kee).json()
    assert (moved["actor"], moved["qty"], moved["counterparty"], moved["note"]) == ("kee", 5, "donor", "first delivery")


def test_the_request_can_never_name_the_actor(server, kee):
    answer = receive(server, kee, "C990102", "QUILT", 5, actor="ada")
    assert answer.status_code == 422 and "actor" in answer.json()["detail"]
    assert on_hand(server, kee, "C990102", "QUILT") == 0


def test_a_repeated_document_is_200_and_the_same_number_with_other_content_is_409(server, kee):
    assert receive(server, kee, "C990102", "TENT", 5, doc="RCV-1").status_code == 201
    again = receive(server, kee, "C990102", "TENT", 5, doc="RCV-1")
    assert again.status_code == 200
    assert again.json() == {"document": "RCV-1", "kind": "receive", "status": "already recorded", "lines": []}
    clash = receive(server, kee, "C990102", "TENT", 6, doc="RCV-1")
    assert clash.status_code == 409 and "RCV-1" in clash.json()["detail"]
    assert on_hand(server, kee, "C990102", "TENT") == 5


def test_issue_transfer_adjust_and_count_move_the_books(server, ada):
    assert receive(server, ada, "R99", "TENT", 10).status_code == 201
    issued = server.post("/api/stock/issue", json={"depot": "R99", "item": "TENT", "qty": 3, "to": "乙县 shelter"},
                         headers=ada)
    assert issued.status_code == 201 and [ln["qty"] for ln in issued.json()["lines"]] == [-3]
    moved = server.post("/api/stock/transfer", json={"source": "R99", "dest": "C990102", "item": "TENT", "qty": 2},
                        headers=ada)
    assert moved.status_code == 201
    assert [(ln["kind"], ln["depot"], ln["qty"]) for ln in moved.json()["lines"]] == \
        [("transfer_out", "R99", -2), ("transfer_in", "C990102", 2)]
    adjusted = server.post("/api/stock/adjust", json={"depot": "R99", "item": "TENT", "delta": -1, "reason": "damaged"},
                           headers=ada)
    assert adjusted.status_code == 201 and adjusted.json()["kind"] == "adjust"
    counted = server.post("/api/stock/count", json={"depot": "R99", "item": "TENT", "counted": 3}, headers=ada)
    assert counted.status_code == 201 and [ln["qty"] for ln in counted.json()["lines"]] == [-1]
    assert (on_hand(server, ada, "R99", "TENT"), on_hand(server, ada, "C990102", "TENT")) == (3, 2)
    history = server.get("/api/stock/history", params={"depot": "R99", "limit": 10}, headers=ada).json()
    assert [m["kind"] for m in history] == ["count", "adjust", "transfer_out", "issue", "receive"]
    assert {m["actor"] for m in history} == {"ada"}
    verified = server.get("/api/stock/verify", headers=ada).json()
    assert verified["ok"] is True and verified["movements"] == 6


def test_issuing_more_than_is_available_is_409_and_changes_nothing(server, ada):
    receive(server, ada, "R99", "TENT", 4)
    answer = server.post("/api/stock/issue", json={"depot": "R99", "item": "TENT", "qty": 5}, headers=ada)
    assert answer.status_code == 409
    assert answer.json()["detail"] == "cannot take 5 of TENT at R99: only 4 available"
    assert on_hand(server, ada, "R99", "TENT") == 4


@pytest.mark.parametrize("qty", ["5", 5.0, 5.5, True, None, [5]])
def test_a_quantity_must_be_a_json_integer(server, ada, qty):
    answer = receive(server, ada, qty=qty)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("body.qty:")
    assert answer.json()["problems"][0]["field"] == "qty"
    assert on_hand(server, ada, "R99", "TENT") == 0


@pytest.mark.parametrize("qty, shown", [("twenty", '"twenty"'), (5.5, "5.5"), (True, "true")])
def test_a_value_of_the_wrong_type_is_named_in_the_message(server, ada, qty, shown):
    answer = receive(server, ada, qty=qty)
    assert answer.json()["detail"] == f"body.qty: Input should be a valid integer; got {shown}"


@pytest.mark.parametrize("path, body, named", [
    ("/api/stock/receive", {"depot": "R99", "item": "NOPE", "qty": 1}, "'NOPE'"),
    ("/api/stock/receive", {"depot": "R99", "item": "TENT", "qty": 0}, "greater than 0, got 0"),
    ("/api/stock/receive", {"depot": "R99", "item": "TENT", "qty": 1, "expires": "2026-13-01"}, "2026-13-01"),
    ("/api/stock/adjust", {"depot": "R99", "item": "TENT", "delta": 1, "reason": "stolen"}, "'stolen'"),
    ("/api/stock/transfer", {"source": "R99", "dest": "R99", "item": "TENT", "qty": 1}, "R99 twice"),
    ("/api/stock/count", {"depot": "R99", "item": "TENT", "counted": -1}, "-1"),
    ("/api/stock/receive", {"depot": "R99", "item": "TENT"}, "body.qty: Field required"),
])
def test_a_bad_value_is_422_naming_it_and_records_nothing(server, ada, path, body, named):
    answer = server.post(path, json=body, headers=ada)
    assert answer.status_code == 422, answer.text
    assert named in answer.json()["detail"]
    assert server.get("/api/stock/history", headers=ada).json() == []


def test_malformed_json_is_422_and_an_unknown_route_is_404_json(server, ada):
    broken = server.post("/api/stock/receive", content=b'{"depot": "R99",', headers={**ada,
                                                                                    "content-type": "application/json"})
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]
    missing = server.get("/api/nowhere", headers=ada)
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}


def test_a_keeper_outside_its_depot_is_403_the_refusal_is_audited_and_nothing_is_recorded(server, kee):
    answer = receive(server, kee, "R99", "TENT", 5)
    assert answer.status_code == 403
    assert "may not record stock movements at R99" in answer.json()["detail"]
    [refused] = events(server.url, "refused")
    assert (refused["account"], refused["address"]) == ("kee", "testclient") and "R99" in refused["detail"]
    assert server.get("/api/stock/history", headers=kee).json() == []


def test_low_and_expiring_stock(server, ada):
    receive(server, ada, "R99", "TENT", 300)
    receive(server, ada, "R99", "WATER", 50, lot="W1", expires="2027-01-01")
    low = {(r["depot"], r["item"]) for r in server.get("/api/stock/low", headers=ada).json()}
    assert ("R99", "WATER") in low and ("R99", "TENT") not in low
    assert {r["depot"] for r in server.get("/api/stock/low", params={"depot": "C990102"}, headers=ada).json()} == \
        {"C990102"}
    soon = server.get("/api/stock/expiring", params={"days": 60}, headers=ada).json()
    assert [(r["lot"], r["days_left"]) for r in soon] == [("W1", 40)]
    assert server.get("/api/stock/expiring", params={"days": 30}, headers=ada).json() == []


# --- import -------------------------------------------------------------------------------

MOVEMENTS = "kind,depot,item,qty,doc\nreceive,C990102,TENT,7,IN-1\nreceive,C990102,QUILT,20,IN-2\n"


def upload(client, headers, content: bytes, name: str = "march.csv"):
    """``POST /api/stock/import`` of ``content`` under the file name ``name``."""
    return client.post("/api/stock/import", files={"file": (name, content)}, headers=headers)


def test_an_import_records_every_document_once(server, kee):
    first = upload(server, kee, MOVEMENTS.encode())
    assert first.status_code == 201
    assert [(d["document"], d["status"]) for d in first.json()] == [("IN-1", "recorded"), ("IN-2", "recorded")]
    assert (on_hand(server, kee, "C990102", "TENT"), on_hand(server, kee, "C990102", "QUILT")) == (7, 20)
    again = upload(server, kee, MOVEMENTS.encode())
    assert again.status_code == 200 and {d["status"] for d in again.json()} == {"already recorded"}
    assert on_hand(server, kee, "C990102", "TENT") == 7
    assert {m["actor"] for m in server.get("/api/stock/history", headers=kee).json()} == {"kee"}


def test_an_xlsx_import_is_recorded(server, ada):
    book = Workbook()
    book.active.append(["kind", "depot", "item", "qty"])
    book.active.append(["receive", "R99", "WATER", 12])
    data = io.BytesIO()
    book.save(data)
    answer = upload(server, ada, data.getvalue(), "Delivery.XLSX")
    assert answer.status_code == 201 and answer.json()[0]["lines"][0]["qty"] == 12
    assert on_hand(server, ada, "R99", "WATER") == 12


def test_the_clients_file_name_is_never_a_path(server, ada, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    answer = upload(server, ada, b"kind,depot,item,qty\nreceive,R99,TENT,3\n", "../../../escape.csv")
    assert answer.status_code == 201
    assert answer.json()[0]["document"].startswith("IMP-escape.csv-")  # its last part, as text only
    assert not list(tmp_path.parent.parent.glob("escape.csv")) and not list(tmp_path.rglob("*.csv"))


def test_an_upload_is_numbered_by_its_name_and_content_as_the_command_line_does(server, ada):
    rows = b"kind,depot,item,qty\nreceive,R99,TENT,3\n"
    first = upload(server, ada, rows, "delivery-week-47.csv")
    again = upload(server, ada, rows, "delivery-week-47.csv")
    next_week = upload(server, ada, rows, "delivery-week-48.csv")
    assert (first.status_code, again.status_code, next_week.status_code) == (201, 200, 201)
    assert again.json()[0]["status"] == "already recorded"
    assert on_hand(server, ada, "R99", "TENT") == 6


@pytest.mark.parametrize("name, named", [("stock.txt", ".txt"), ("stock.csv.exe", ".exe"), ("stock", "extension")])
def test_an_import_of_another_type_is_422_naming_it(server, ada, name, named):
    answer = upload(server, ada, MOVEMENTS.encode(), name)
    assert answer.status_code == 422
    assert named in answer.json()["detail"] and answer.json()["field"] == "file"
    assert server.get("/api/stock/history", headers=ada).json() == []


def test_an_import_with_bad_rows_lists_every_one_by_line_and_records_nothing(server, ada):
    content = b"kind,depot,item,qty\nreceive,R99,TENT,5\nreceive,R99,TENT,five\nreceive,ZZZ,TENT,2\n"
    answer = upload(server, ada, content)
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert [p["where"] for p in problems] == ["line 3", "line 4"]
    assert problems[0]["field"] == "qty" and "'five'" in problems[0]["message"]
    assert "ZZZ" in problems[1]["message"]
    assert on_hand(server, ada, "R99", "TENT") == 0


def test_an_import_that_the_books_refuse_is_409_with_the_rows(server, ada):
    answer = upload(server, ada, b"kind,depot,item,qty,doc\nissue,R99,TENT,5,OUT-1\n")
    assert answer.status_code == 409
    assert [p["where"] for p in answer.json()["problems"]] == ["line 2"]


def test_an_import_larger_than_5_mb_is_413(server, ada):
    content = MOVEMENTS.encode() + b"#" * (5 * 1024 * 1024)
    answer = upload(server, ada, content)
    assert answer.status_code == 413 and "5 MB" in answer.json()["detail"]
    assert server.get("/api/stock/history", headers=ada).json() == []


def test_a_keeper_may_not_import_rows_of_another_depot(server, kee):
    answer = upload(server, kee, b"kind,depot,item,qty\nreceive,C990102,TENT,1\nreceive,R99,TENT,1\n")
    assert answer.status_code == 403 and "R99" in answer.json()["detail"]
    assert server.get("/api/stock/history", headers=kee).json() == []


# --- incidents and plans ------------------------------------------------------------------


def test_an_incident_is_added_listed_and_closed(server, ada):
    added = server.post("/api/incidents", json={"name": "乙县 snow", "lon": 111.5, "lat": 40.5, "people": 30,
                                                "priority": 2, "needs": ["TENT=40"], "teams": ["relief=1"]},
                        headers=ada)
    assert added.status_code == 201
    incident = added.json()
    assert (incident["county"], incident["priority"], incident["status"]) == ("990102", 2, "open")
    assert {"item": "TENT", "qty": 40} in incident["needs"]
    assert {"kind": "relief", "count": 1, "people": 0} in incident["teams"]  # medical derives from people
    listed = server.get("/api/incidents", params={"status": "open"}, headers=ada).json()
    assert [i["id"] for i in listed] == [incident["id"]] and "county_name" not in listed[0]
    closed = server.post(f"/api/incidents/{incident['id']}/close", headers=ada)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert server.get("/api/incidents", params={"status": "open"}, headers=ada).json() == []


@pytest.mark.parametrize("body, status, named", [
    ({"name": "far", "lon": 100.0, "lat": 40.5}, 422, "100"),
    ({"name": "x", "lon": "111.5", "lat": 40.5}, 422, "body.lon"),
    ({"name": "x", "lon": 111.5, "lat": 40.5, "needs": ["GOLD=3"]}, 422, "GOLD"),
    ({"name": "x", "lon": 111.5, "lat": 40.5, "people": "many"}, 422, "body.people"),
])
def test_a_bad_incident_is_422_naming_the_value(server, ada, body, status, named):
    answer = server.post("/api/incidents", json=body, headers=ada)
    assert answer.status_code == status and named in answer.json()["detail"]
    assert server.get("/api/incidents", headers=ada).json() == []


def test_closing_an_unknown_incident_is_404(server, ada):
    answer = server.post("/api/incidents/42/close", headers=ada)
    assert answer.status_code == 404 and "42" in answer.json()["detail"]


@pytest.fixture
def asked(server, ada) -> int:
    """Ten tents at R99 and an incident in 990102 asking for 4; returns the incident's id."""
    receive(server, ada, "R99", "TENT", 10)
    return server.post("/api/incidents", json={"name": "乙县", "lon": 111.5, "lat": 40.5, "needs": ["TENT=4"]},
                       headers=ada).json()["id"]


def make_plan(client, headers, **options):
    """``POST /api/plans`` leaving at 08:00 today."""
    return client.post("/api/plans", json={"start": "2026-11-22T08:00", **options}, headers=headers)


def test_a_plan_is_made_committed_and_shipped_through_the_api(server, ada, asked):
    made = make_plan(server, ada, method="greedy", incident_ids=[asked], max_hours=24, keep_reserve=False)
    assert made.status_code == 201
    plan = made.json()
    assert (plan["status"], plan["method"], plan["start"][:16]) == ("draft", "greedy", "2026-11-22T08:00")
    assert sum(s["qty"] for s in plan["shipments"]) == 4
    assert [p["plan_id"] for p in server.get("/api/plans", headers=ada).json()] == [plan["plan_id"]]
    assert server.get(f"/api/plans/{plan['plan_id']}", headers=ada).json() == plan
    committed = server.post(f"/api/plans/{plan['plan_id']}/commit", headers=ada)
    assert committed.status_code == 200 and committed.json()["status"] == "committed"
    [row] = server.get("/api/stock", params={"depot": "R99", "item": "TENT"}, headers=ada).json()
    assert (row["on_hand"], row["reserved"], row["available"]) == (10, 4, 6)
    shipped = server.post(f"/api/plans/{plan['plan_id']}/ship", headers=ada)
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert on_hand(server, ada, "R99", "TENT") == 6
    moves = server.get("/api/stock/history", params={"limit": 2}, headers=ada).json()
    assert [(m["kind"], m["actor"]) for m in moves] == [("dispatch", "ada"), ("reserve", "ada")]
    again = server.post(f"/api/plans/{plan['plan_id']}/cancel", headers=ada)
    assert again.status_code == 409 and again.json()["detail"]


def test_cancelling_a_committed_plan_releases_its_stock(server, ada, asked):
    plan_id = make_plan(server, ada).json()["plan_id"]
    server.post(f"/api/plans/{plan_id}/commit", headers=ada)
    cancelled = server.post(f"/api/plans/{plan_id}/cancel", headers=ada)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    [row] = server.get("/api/stock", params={"depot": "R99", "item": "TENT"}, headers=ada).json()
    assert (row["on_hand"], row["reserved"]) == (10, 0)


@pytest.mark.parametrize("options, named", [
    ({"method": "fastest"}, "'fastest'"),
    ({"nearest": "3"}, "body.nearest"),
    ({"max_hours": -1}, "max hours"),
    ({"incident_ids": [99]}, "99"),
    ({"start": "tomorrow"}, "'tomorrow'"),
    ({"windows": ["food"]}, "food"),
    ({"travel_table": "/etc/passwd"}, "travel_table"),
    ({"fleet": "fleet.csv"}, "fleet"),
])
def test_a_bad_plan_option_is_422_naming_it_and_saves_nothing(server, ada, asked, options, named):
    answer = make_plan(server, ada, **options)
    assert answer.status_code == 422, answer.text
    assert named in answer.json()["detail"]
    assert server.get("/api/plans", headers=ada).json() == []


def test_an_unknown_plan_is_404_and_nothing_to_plan_is_409(server, ada):
    assert server.get("/api/plans/7", headers=ada).status_code == 404
    assert server.post("/api/plans/7/commit", headers=ada).status_code == 404
    assert server.get("/api/plans/7/picklists.xlsx", headers=ada).status_code == 404
    nothing = make_plan(server, ada)
    assert nothing.status_code == 409 and "no open incident" in nothing.json()["detail"]


def test_the_pick_lists_come_as_an_xlsx_workbook(server, ada, asked):
    plan_id = make_plan(server, ada).json()["plan_id"]
    answer = server.get(f"/api/plans/{plan_id}/picklists.xlsx", headers=ada)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XLSX
    assert f'filename="plan-{plan_id}-picklists.xlsx"' in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames[0] == "summary" and "R99" in book.sheetnames
    title, header, *lines = book["R99"].iter_rows(values_only=True)
    assert title[0].startswith("Pick list - R99")
    assert sum(line[header.index("qty")] for line in lines) == 4


# --- drills -------------------------------------------------------------------------------


def test_a_drill_of_an_uploaded_scenario_reports_and_writes_nothing(server, ada):
    receive(server, ada, "R99", "WATER", 50)
    before = server.get("/api/stock/verify", headers=ada).json()["movements"]
    answer = server.post("/api/drills", files={"file": ("tabletop.toml", TINY_SCENARIO.encode())},
                         data={"method": "greedy"}, headers=ada)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["scenario"]["name"] == "tiny tabletop"
    assert report["metrics"]["fill"] == 1.0 and report["plan"]["method"] == "greedy"
    assert server.get("/api/plans", headers=ada).json() == []
    assert server.get("/api/stock/verify", headers=ada).json()["movements"] == before


@pytest.mark.parametrize("name", ["../../data/scenarios/chifeng-m6-winter.toml", "/etc/passwd", "here.toml"])
def test_a_drill_names_only_a_shipped_scenario_never_a_path(server, ada, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.toml").write_text(TINY_SCENARIO, encoding="utf-8")  # a file the server could read
    answer = server.post("/api/drills", json={"scenario": name}, headers=ada)
    assert answer.status_code == 422
    assert "no shipped scenario" in answer.json()["detail"] and "chifeng-m6-winter" in answer.json()["detail"]


@pytest.mark.parametrize("request_kwargs, status, named", [
    ({"files": {"file": ("s.txt", TINY_SCENARIO.encode())}}, 422, ".toml"),
    ({"files": {"file": ("s.toml", b"name = [")}}, 422, "TOML"),
    ({"files": {"file": ("s.toml", TINY_SCENARIO.encode()), "path": ("p.toml", b"")}}, 422, "path"),
    ({"files": {"file": ("s.toml", b"#" * (1024 * 1024 + 1))}}, 413, "scenario file"),
    ({"json": {"scenario": "xiliao-flood", "file": "/etc/passwd"}}, 422, "file"),
    ({"json": {"scenario": "xiliao-flood", "method": "fastest"}}, 422, "fastest"),
    ({"json": {}}, 422, "scenario"),
])
def test_a_bad_drill_request_is_refused(server, ada, request_kwargs, status, named):
    answer = server.post("/api/drills", headers=ada, **request_kwargs)
    assert answer.status_code == status, answer.text
    assert named in answer.json()["detail"]


@pytest.mark.slow
def test_a_shipped_scenario_runs_by_name_on_the_default_region(sqlite_url, monkeypatch):
    region.init(sqlite_url, sample_stock=True, today=TODAY)
    add_accounts(sqlite_url, ("ada",))
    with client_for(sqlite_url, monkeypatch) as client:
        answer = client.post("/api/drills", json={"scenario": "tabletop-hulunbuir", "method": "greedy"},
                             headers=sign_in(client, "ada"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["scenario"]["name"] == "Tabletop: Hulunbuir spring snowstorm"
    assert len(answer.json()["plan"]["incidents"]) == 3


# --- the audit log and the contract -------------------------------------------------------


def test_the_audit_log_shows_sign_ins_failures_and_refusals(server, ada, kee):
    server.post("/api/token", data={"username": "kee", "password": "wrong password"})
    receive(server, kee, "R99", "TENT", 1)
    lines = server.get("/api/audit", params={"limit": 10}, headers=ada).json()
    assert [(e["event"], e["account"]) for e in lines[:4]] == [
        ("refused", "kee"), ("login_failed", "kee"), ("login", "kee"), ("login", "ada")]
    assert [e["event"] for e in server.get("/api/audit", params={"event": "refused"}, headers=ada).json()] == \
        ["refused"]
    denied = server.get("/api/audit", headers=kee)
    assert denied.status_code == 403 and "may not read the audit log" in denied.json()["detail"]


def test_the_openapi_document_holds_the_contract_and_a_bearer_sign_in(server):
    spec = server.get("/openapi.json").json()
    paths = {path: set(methods) for path, methods in spec["paths"].items() if path.startswith("/api/")}
    assert paths == CONTRACT
    [scheme] = spec["components"]["securitySchemes"].values()
    assert scheme["type"] == "oauth2" and scheme["flows"]["password"]["tokenUrl"] == "/api/token"
    assert set(spec["paths"]["/api/drills"]["post"]["requestBody"]["content"]) == \
        {"application/json", "multipart/form-data"}


def test_the_server_reads_today_from_relief_today(server, ada, monkeypatch):
    monkeypatch.setenv("RELIEF_TODAY", "2026-12-20")
    receive(server, ada, "R99", "WATER", 5, lot="W1", expires="2027-01-01")
    [row] = server.get("/api/stock/expiring", params={"days": 30}, headers=ada).json()
    assert row["days_left"] == 12
    with db.session(server.url) as s:
        assert reports.stock(s, depot="R99", today=TODAY)[0]["expires"] == "2027-01-01"
