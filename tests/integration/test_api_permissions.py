"""Who may call what: every endpoint of the API by every role, inside and outside its scope.

The matrix below is the rule, written as data: one row per endpoint and target, one
column per account of ``api_fixtures`` (ada admin, cora coordinator of the whole region,
jia coordinator of 甲市, kee keeper of C990102, pla planner, vic viewer). ``Y`` is the
endpoint's success status, ``N`` a 403 whose refusal is written to the audit log. A
target "in" scope lies in 甲市 (depot C990102, incidents and plans there); "out" lies in
乙盟 (depot C990201). Every endpoint answers 401 without a token.

Every cell runs on SQLite against a fresh copy of the seeded office; the rows of
``ON_POSTGRES`` run on PostgreSQL too.
"""

from __future__ import annotations

import pytest

from relief.depot import accounts
from tests.integration.api_fixtures import (  # noqa: F401 (fixtures)
    ACCOUNTS,
    IN_SCOPE_DEPOT,
    JIA_POINT,
    OUT_OF_SCOPE_DEPOT,
    TINY_SCENARIO,
    YI_POINT,
    Office,
    postgres_office,
    postgres_templates,
    sqlite_office,
    sqlite_templates,
)

Y, N = True, False
ROLES = ("ada", "cora", "jia", "kee", "pla", "vic")

MATRIX = [
    # endpoint                                   target  ada cora jia kee pla vic
    ("GET /api/me",                              "-",    Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/depots",                          "-",    Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/items",                           "-",    Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/teams",                           "-",    Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/stock",                           "out",  Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/stock/low",                       "out",  Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/stock/expiring",                  "out",  Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/stock/history",                   "out",  Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/stock/verify",                    "-",    Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/incidents",                       "-",    Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/plans",                           "-",    Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/plans/{id}",                      "out",  Y,  Y,   Y,  Y,  Y,  Y),
    ("GET /api/plans/{id}/picklists.xlsx",       "out",  Y,  Y,   Y,  Y,  Y,  Y),
    ("POST /api/stock/receive",                  "in",   Y,  Y,   Y,  Y,  N,  N),
    ("POST /api/stock/receive",                  "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/stock/issue",                    "in",   Y,  Y,   Y,  Y,  N,  N),
    ("POST /api/stock/issue",                    "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/stock/transfer",                 "in",   Y,  Y,   Y,  Y,  N,  N),
    ("POST /api/stock/transfer",                 "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/stock/adjust",                   "in",   Y,  Y,   Y,  Y,  N,  N),
    ("POST /api/stock/adjust",                   "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/stock/count",                    "in",   Y,  Y,   Y,  Y,  N,  N),
    ("POST /api/stock/count",                    "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/stock/import",                   "in",   Y,  Y,   Y,  Y,  N,  N),
    ("POST /api/stock/import",                   "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/incidents",                      "in",   Y,  Y,   Y,  N,  N,  N),
    ("POST /api/incidents",                      "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/incidents/{id}/close",           "in",   Y,  Y,   Y,  N,  N,  N),
    ("POST /api/incidents/{id}/close",           "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/plans",                          "in",   Y,  Y,   Y,  N,  N,  N),
    ("POST /api/plans",                          "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/plans/{id}/commit",              "in",   Y,  Y,   Y,  N,  N,  N),
    ("POST /api/plans/{id}/commit",              "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/plans/{id}/ship",                "in",   Y,  Y,   Y,  N,  N,  N),
    ("POST /api/plans/{id}/ship",                "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/plans/{id}/cancel",              "in",   Y,  Y,   Y,  N,  N,  N),
    ("POST /api/plans/{id}/cancel",              "out",  Y,  Y,   N,  N,  N,  N),
    ("POST /api/drills",                         "-",    Y,  Y,   Y,  N,  Y,  N),
    ("GET /api/audit",                           "-",    Y,  N,   N,  N,  N,  Y),
]
# The rows that run on PostgreSQL as well: a read, the audit log, a stock write and a plan
# commit, each inside and outside the scope.
ON_POSTGRES = {("GET /api/stock", "out"), ("GET /api/audit", "-"), ("POST /api/stock/issue", "in"),
               ("POST /api/stock/issue", "out"), ("POST /api/plans/{id}/commit", "in"),
               ("POST /api/plans/{id}/commit", "out")}
CREATED = {"POST /api/stock/receive", "POST /api/stock/issue", "POST /api/stock/transfer", "POST /api/stock/adjust",
           "POST /api/stock/count", "POST /api/stock/import", "POST /api/incidents", "POST /api/plans"}
assert set(ROLES) == set(ACCOUNTS) and all(len(row) == 2 + len(ROLES) for row in MATRIX)


def call(office: Office, endpoint: str, target: str) -> dict:
    """The request (method, url and body) that ``endpoint`` makes for ``target``: a depot,
    point, incident or plan in 甲市 ("in") or in 乙盟 ("out")."""
    method, path = endpoint.split(" ")
    depot = IN_SCOPE_DEPOT if target == "in" else OUT_OF_SCOPE_DEPOT
    league = "jia" if target == "in" else "yi"
    incident, plans = office.seeded.incidents, office.seeded.plans
    ids = {"/api/incidents/{id}/close": incident[f"{league}_draft"],
           "/api/plans/{id}/ship": plans[f"{league}_committed"]}
    path = path.replace("{id}", str(ids.get(path, plans[f"{league}_draft"])))  # the other plan calls: the draft
    bodies = {
        "/api/stock": {"params": {"depot": depot}},
        "/api/stock/low": {"params": {"depot": depot}},
        "/api/stock/expiring": {"params": {"depot": depot}},
        "/api/stock/history": {"params": {"depot": depot}},
        "/api/stock/receive": {"json": {"depot": depot, "item": "QUILT", "qty": 5}},
        "/api/stock/issue": {"json": {"depot": depot, "item": "TENT", "qty": 1}},
        "/api/stock/transfer": {"json": {"source": depot, "dest": "R99", "item": "TENT", "qty": 1}},
        "/api/stock/adjust": {"json": {"depot": depot, "item": "TENT", "delta": -1, "reason": "damaged"}},
        "/api/stock/count": {"json": {"depot": depot, "item": "WATER", "counted": 150}},
        "/api/stock/import": {"files": {"file": ("in.csv",
                                                 f"kind,depot,item,qty\nreceive,{depot},QUILT,4\n".encode())}},
        "/api/incidents": {"json": {"name": "snow", "lon": (JIA_POINT if target == "in" else YI_POINT)[0],
                                    "lat": 40.5, "needs": ["TENT=2"]}},
        "/api/plans": {"json": {"method": "greedy", "incident_ids": [incident[f"{league}_draft"]]}},
        "/api/drills": {"files": {"file": ("tiny.toml", TINY_SCENARIO.encode())}, "data": {"method": "greedy"}},
    }
    return {"method": method, "url": path, **bodies.get(path, {})}


def cells(postgres_only: bool = False) -> list:
    """One pytest parameter per (endpoint, target, account, allowed)."""
    return [pytest.param(endpoint, target, role, allowed, id=f"{endpoint} {target} {role}")
            for endpoint, target, *allowed_by_role in MATRIX
            if not postgres_only or (endpoint, target) in ON_POSTGRES
            for role, allowed in zip(ROLES, allowed_by_role)]


def check(office: Office, endpoint: str, target: str, role: str, allowed: bool) -> None:
    """Make the call as ``role`` and check its status; a refusal must be audited."""
    answer = office.client.request(**call(office, endpoint, target), headers=office.headers(role))
    refusals = len(accounts.audit_log(office.url, event="refused"))
    if allowed:
        assert answer.status_code == (201 if endpoint in CREATED else 200), answer.text
        assert refusals == 0
    else:
        assert answer.status_code == 403, answer.text
        assert f"{role} ({ACCOUNTS[role][0]}" in answer.json()["detail"]
        [line] = accounts.audit_log(office.url, event="refused")
        assert (line["account"], line["detail"]) == (role, answer.json()["detail"])


@pytest.mark.parametrize("endpoint, target, role, allowed", cells())
def test_every_endpoint_by_every_role_on_sqlite(sqlite_office, endpoint, target, role, allowed):
    check(sqlite_office, endpoint, target, role, allowed)


@pytest.mark.postgres
@pytest.mark.parametrize("endpoint, target, role, allowed", cells(postgres_only=True))
def test_representative_endpoints_by_every_role_on_postgres(postgres_office, endpoint, target, role, allowed):
    check(postgres_office, endpoint, target, role, allowed)


@pytest.mark.parametrize("endpoint", sorted({row[0] for row in MATRIX} | {"POST /api/token"}))
def test_every_endpoint_but_sign_in_answers_401_without_a_token(sqlite_office, endpoint):
    answer = sqlite_office.client.request(**call(sqlite_office, endpoint, "in"))
    if endpoint == "POST /api/token":
        assert answer.status_code == 422  # the form fields are missing, not a token
        return
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"] == "Bearer"


def test_the_matrix_covers_every_route_of_the_api(sqlite_office):
    routes = {f"{method} {path}".replace("{incident_id}", "{id}").replace("{plan_id}", "{id}")
              for path, methods in sqlite_office.client.get("/openapi.json").json()["paths"].items()
              for method in (m.upper() for m in methods)}
    assert routes == {row[0] for row in MATRIX} | {"POST /api/token"}


def test_what_an_allowed_write_did_is_recorded_under_the_account(sqlite_office):
    answer = sqlite_office.client.request(**call(sqlite_office, "POST /api/stock/transfer", "in"),
                                          headers=sqlite_office.headers("kee"))
    assert answer.status_code == 201
    history = sqlite_office.client.get("/api/stock/history", params={"limit": 2},
                                       headers=sqlite_office.headers("vic")).json()
    assert [(m["kind"], m["depot"], m["actor"]) for m in history] == [("transfer_in", "R99", "kee"),
                                                                     ("transfer_out", "C990102", "kee")]
