"""The server under attack, on SQLite and PostgreSQL: sign-in attempts sent all at once,
text PostgreSQL cannot store, unexpected errors, oversized and packed uploads, and HTML
built from the region's data in the map's script."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from relief.depot import accounts
from relief.errors import NotSignedIn, TooManyAttempts
from relief.web import uploads
from relief.web.app import CSP, create_app
from tests.integration.api_fixtures import (  # noqa: F401 (fixtures)
    PASSWORD,
    bare_office,
    bearer,
    postgres_templates,
    sign_in,
    sqlite_templates,
)

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


@pytest.fixture
def server(bare_office):
    """A client of the server for a fresh tiny region with the accounts of ``api_fixtures``
    (SQLite and PostgreSQL); ``server.url`` is the database."""
    bare_office.client.url = bare_office.url
    return bare_office.client


def browser(url: str, name: str) -> TestClient:
    """A browser signed in to the pages as ``name``."""
    client = TestClient(create_app(url), base_url="https://testserver", raise_server_exceptions=False)
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    answer = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', client.get(path).text).group(1)


def test_wrong_passwords_sent_at_once_get_no_more_answers_than_the_limit(server, monkeypatch):
    # every attempt has passed the first look at the count before any has been recorded
    attempts = accounts.MAX_FAILED_ACCOUNT + 3
    together = threading.Barrier(attempts, timeout=30)
    verify = accounts._verify

    def slow_verify(hashed, password):
        ok = verify(hashed, password)
        together.wait()
        return ok
    monkeypatch.setattr(accounts, "_verify", slow_verify)

    def attempt(n: int) -> str:
        try:
            accounts.sign_in(server.url, "vic", f"wrong password {n}", address=f"10.0.0.{n}")
        except NotSignedIn:
            return "wrong"
        except TooManyAttempts:
            return "refused"
        return "signed in"
    with ThreadPoolExecutor(attempts) as pool:
        answers = list(pool.map(attempt, range(attempts)))
    assert answers.count("wrong") == accounts.MAX_FAILED_ACCOUNT
    assert answers.count("refused") == attempts - accounts.MAX_FAILED_ACCOUNT
    assert len(accounts.audit_log(server.url, event="login_failed")) == accounts.MAX_FAILED_ACCOUNT
    assert len(accounts.audit_log(server.url, event="login_refused")) == attempts - accounts.MAX_FAILED_ACCOUNT


def test_a_sign_in_name_with_a_control_character_is_just_a_wrong_name(server):
    answer = server.post("/api/token", data={"username": "vic\x00", "password": PASSWORD})
    assert answer.status_code == 401 and answer.json()["detail"] == accounts.WRONG
    page = TestClient(create_app(server.url), base_url="https://testserver")
    form = page.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', form.text).group(1)
    answer = page.post("/login", data={"username": "a\x00b", "password": PASSWORD, "csrf_token": csrf})
    assert answer.status_code == 401 and accounts.WRONG in answer.text
    assert [e["account"] for e in accounts.audit_log(server.url, event="login_failed")] == ["a\ufffdb", "vic\ufffd"]


@pytest.mark.parametrize("query", ["/api/audit?event=a%00b", "/api/depots?league=a%00b",
                                   "/api/items?category=a%00b", "/api/audit?event=nope"])
def test_a_filter_postgresql_cannot_hold_is_a_422(server, query):
    answer = server.get(query, headers=sign_in(server, "ada"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] in ("event", "league", "category")


def test_an_unexpected_error_carries_the_security_headers(server, monkeypatch):
    from relief.web import api, pages_books

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")
    monkeypatch.setattr(api.catalog, "items", broken)
    monkeypatch.setattr(pages_books, "overview", broken)
    client = TestClient(create_app(server.url), raise_server_exceptions=False)
    answer = client.get("/api/items", headers=sign_in(server, "ada"))
    assert answer.status_code == 500 and "broken on purpose" not in answer.text
    assert answer.headers["content-security-policy"] == CSP and answer.headers["x-frame-options"] == "DENY"
    page = browser(server.url, "ada").get("/")
    assert page.status_code == 500 and "broken on purpose" not in page.text
    assert page.headers["content-security-policy"] == CSP and page.headers["x-content-type-options"] == "nosniff"


def packed_workbook(rows: int) -> bytes:
    """An XLSX workbook of ``rows`` receipts at C990102, a few KB packed, far more unpacked."""
    cells = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>receive</t></is></c><c r="B{n}" '
                    f't="inlineStr"><is><t>C990102</t></is></c><c r="C{n}" t="inlineStr"><is><t>TENT</t></is></c>'
                    f'<c r="D{n}"><v>1</v></c></row>' for n in range(2, rows + 2))
    head = ('<row r="1"><c r="A1" t="inlineStr"><is><t>kind</t></is></c><c r="B1" t="inlineStr"><is><t>depot</t>'
            '</is></c><c r="C1" t="inlineStr"><is><t>item</t></is></c><c r="D1" t="inlineStr"><is><t>qty</t></is>'
            '</c></row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{package}/content-types"><Default Extension="rels" '
                               f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                               '<Default Extension="xml" ContentType="application/xml"/><Override '
                               'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                               'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                               'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                               'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" '
                       f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="s" sheetId="1" '
                           'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" '
                                      f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{head}{cells}</sheetData></worksheet>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_a_workbook_that_unpacks_above_the_limit_is_413_before_it_is_read(server, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNPACKED", 200_000)
    packed = packed_workbook(3000)  # about 500 KB unpacked
    assert len(packed) < 50_000
    assert len(packed_workbook(20)) < 50_000  # the same workbook, small, is imported
    ada = sign_in(server, "ada")
    answer = server.post("/api/stock/import", files={"file": ("march.xlsx", packed)}, headers=ada)
    assert answer.status_code == 413 and "unpacks to" in answer.json()["detail"], answer.text
    kee = browser(server.url, "kee")
    page = kee.post("/stock/import", data={"csrf_token": csrf_of(kee, "/stock/import")},
                    files={"file": ("march.xlsx", packed)})
    assert page.status_code == 413 and "unpacks to" in page.text
    assert server.get("/api/stock/history", headers=ada).json() == []
    small = server.post("/api/stock/import", files={"file": ("march.xlsx", packed_workbook(20))}, headers=ada)
    assert small.status_code == 201, small.text


def test_a_scenario_file_above_1_mb_is_413_on_the_page_as_in_the_api(server):
    content = b"#" * (1024 * 1024 + 1)
    api = server.post("/api/drills", files={"file": ("s.toml", content)}, headers=sign_in(server, "pla"))
    planner = browser(server.url, "pla")
    page = planner.post("/drills", data={"csrf_token": csrf_of(planner, "/drills")},
                        files={"file": ("s.toml", content)})
    assert api.status_code == page.status_code == 413
    assert "1 MB" in api.json()["detail"] and "1 MB" in page.text


def test_the_map_hands_leaflet_nodes_not_html():
    # Leaflet puts a string given to bindTooltip or bindPopup in as HTML: county and
    # incident names must reach it as text nodes
    script = (STATIC / "map.js").read_text(encoding="utf-8")
    calls = re.findall(r"\.bind(?:Tooltip|Popup)\(([^,)]*)", script)
    assert calls and all(re.fullmatch(r"(text|popup)\(.*", arg.strip()) for arg in calls), calls
