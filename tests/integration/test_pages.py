"""The server-rendered web pages against a real database (SQLite and PostgreSQL): signing
in and out, CSRF, a keeper's forms inside and outside its scope, errors placed next to
their field, imports, the language switch, the dashboard's scope, and pages that run no
inline script under the Content-Security-Policy."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlmodel import select

from relief.depot import accounts, db, keeper, reports
from relief.depot.models import Movement
from relief.web.app import create_app
from tests.conftest import TODAY

PASSWORD = "correct-horse-battery"
PAGES = ["/", "/depots/C990102", "/stock/receive", "/stock/issue", "/stock/transfer", "/stock/adjust",
         "/stock/count", "/stock/import", "/incidents", "/plans", "/drills"]


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """Every page treats TODAY as today; passwords are hashed with the cheapest argon2id
    settings (the hashing is not what these tests are about)."""
    monkeypatch.setenv("RELIEF_TODAY", TODAY.isoformat())
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def site(tiny_db: str) -> str:
    """The tiny region with an admin, a keeper of C990102 and a planner."""
    accounts.add(tiny_db, "root", "admin", PASSWORD, actor="test")
    accounts.add(tiny_db, "kee", "keeper", PASSWORD, depots=["C990102"], actor="test")
    accounts.add(tiny_db, "plan", "planner", PASSWORD, actor="test")
    return tiny_db


def client(url: str) -> TestClient:
    """A browser without a session."""
    return TestClient(create_app(url), base_url="https://testserver")


def token(html: str) -> str:
    """The CSRF token of the first form of a page."""
    return re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)


def signed_in(url: str, name: str) -> TestClient:
    """A browser signed in as ``name``."""
    browser = client(url)
    page = browser.get("/login")
    answer = browser.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token(page.text)},
                          follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return browser


class Page(HTMLParser):
    """What the tests look for in a page: scripts, inline styles and handlers, elements by
    id, and the text inside elements of each class."""

    VOID = {"meta", "link", "input", "br", "img", "hr", "source", "area", "col", "wbr"}

    def __init__(self, html: str):
        super().__init__()
        self.scripts, self.styles, self.ids, self.classes = [], [], {}, []
        self.open: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "style" or "style" in attrs or any(k.startswith("on") for k in attrs):
            self.styles.append((tag, attrs))
        if "id" in attrs:
            self.ids[attrs["id"]] = (tag, attrs)
        if "class" in attrs:
            self.classes.append((attrs["class"], attrs))
        if tag not in self.VOID:
            self.open.append(attrs.get("class", ""))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data):
        for css in set(self.open):
            if css and data.strip():
                self.texts.setdefault(css, []).append(data.strip())

    def text(self, css_class: str) -> str:
        """All text inside elements of ``css_class``."""
        return " ".join(self.texts.get(css_class, []))


def test_sign_in_sets_a_strict_http_only_session_cookie(site):
    browser = client(site)
    page = browser.get("/login")
    assert {"login", "login-submit"} <= set(Page(page.text).ids)
    answer = browser.post("/login", data={"username": "kee", "password": PASSWORD, "csrf_token": token(page.text)},
                          follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("relief_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie and "Max-Age=28800" in cookie
    home = browser.get("/")
    assert home.status_code == 200
    assert Page(home.text).ids["whoami"] and '<span id="whoami">kee</span>' in home.text
    assert [e["event"] for e in accounts.audit_log(site, event="login")][0] == "login"


def test_wrong_password_and_unknown_account_get_the_same_message(site):
    browser = client(site)
    messages = []
    for name, password in (("kee", "not-the-password"), ("nobody", PASSWORD)):
        page = browser.get("/login")
        answer = browser.post("/login", data={"username": name, "password": password, "csrf_token": token(page.text)})
        assert answer.status_code == 401
        assert "relief_session" not in answer.cookies
        messages.append(Page(answer.text).text("error"))
    assert messages[0] == messages[1] == accounts.WRONG
    assert len(accounts.audit_log(site, event="login_failed")) == 2


def test_sign_in_without_the_form_token_is_refused(site):
    browser = client(site)
    browser.get("/login")
    answer = browser.post("/login", data={"username": "kee", "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 403 and "relief_session" not in answer.cookies
    assert accounts.audit_log(site, event="login") == []


def test_a_post_without_the_csrf_token_writes_nothing(site):
    browser = signed_in(site, "kee")
    for data in ({}, {"csrf_token": "forged"}):
        answer = browser.post("/stock/receive", data={**data, "depot": "C990102", "item": "TENT", "qty": "5"})
        assert answer.status_code == 403
        assert "CSRF" in Page(answer.text).text("error")
    with db.session(site) as s:
        assert s.exec(select(Movement)).all() == []


def test_signing_out_revokes_the_session(site):
    browser = signed_in(site, "kee")
    session = browser.cookies["relief_session"]
    home = browser.get("/")
    answer = browser.post("/logout", data={"csrf_token": token(home.text.split('id="logout"')[1])},
                          follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    stolen = client(site)
    stolen.cookies.set("relief_session", session)
    again = stolen.get("/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/login"


def test_a_keeper_receives_at_its_depot_as_itself(site):
    browser = signed_in(site, "kee")
    form = browser.get("/stock/receive")
    choices = re.findall(r'<option value="([^"]+)"', form.text.split('name="depot"')[1].split("</select>")[0])
    assert choices == ["C990102"]
    answer = browser.post("/stock/receive", data={"csrf_token": token(form.text), "depot": "C990102", "item": "TENT",
                                                  "qty": "12", "lot": "T1", "doc": "RCV-PAGE-1"})
    assert answer.status_code == 200
    assert "RCV-PAGE-1" in Page(answer.text).text("notice")
    with db.session(site) as s:
        assert sum(r["on_hand"] for r in reports.stock(s, depot="C990102", today=TODAY)) == 12
        assert [(m["actor"], m["doc"]) for m in reports.history(s, depot="C990102")] == [("kee", "RCV-PAGE-1")]
    card = browser.get("/depots/C990102")
    assert {"lots", "history"} <= set(Page(card.text).ids) and "RCV-PAGE-1" in card.text


def test_a_keeper_is_refused_at_another_depot_and_the_refusal_is_audited(site):
    browser = signed_in(site, "kee")
    form = browser.get("/stock/receive")
    answer = browser.post("/stock/receive", data={"csrf_token": token(form.text), "depot": "C990201", "item": "TENT",
                                                  "qty": "12"})
    assert answer.status_code == 403
    assert "may not record stock movements at C990201" in Page(answer.text).text("error")
    with db.session(site) as s:
        assert s.exec(select(Movement)).all() == []
    refused = accounts.audit_log(site, event="refused")
    assert refused and refused[0]["account"] == "kee" and "C990201" in refused[0]["detail"]


@pytest.mark.parametrize(("op", "data", "field", "status", "words"), [
    ("receive", {"depot": "C990102", "item": "TENT", "qty": "many"}, "qty", 422, "quantity must be"),
    ("receive", {"depot": "C990102", "item": "NOPE", "qty": "3"}, "item", 422, "unknown item 'NOPE'"),
    ("receive", {"depot": "C990102", "item": "WATER", "qty": "3", "expires": "2020-01-01"}, "expires", 422, "expir"),
    ("issue", {"depot": "C990102", "item": "TENT", "qty": "50"}, "qty", 409, "available"),
    ("adjust", {"depot": "C990102", "item": "TENT", "delta": "2", "reason": "stolen"}, "reason", 422, "reason"),
    ("transfer", {"source": "C990102", "dest": "C990102", "item": "TENT", "qty": "1"}, "dest", 422, "two different"),
])
def test_an_error_is_shown_next_to_its_field(site, op, data, field, status, words):
    keeper.receive(site, "C990102", "TENT", 5, lot="T1", actor="setup", today=TODAY)
    browser = signed_in(site, "root")
    form = browser.get(f"/stock/{op}")
    answer = browser.post(f"/stock/{op}", data={"csrf_token": token(form.text), **data})
    assert answer.status_code == status, answer.text
    page = Page(answer.text)
    placed = [attrs["data-field"] for css, attrs in page.classes if css == "field-error"]
    assert placed == [field]
    assert words in page.text("field-error")
    assert 'id="submit"' in answer.text and 'id="stock-form"' in answer.text


def test_an_import_lists_every_bad_row_by_line_and_records_nothing(site):
    browser = signed_in(site, "kee")
    form = browser.get("/stock/import")
    rows = ("kind,depot,item,qty,doc\nreceive,C990102,TENT,5,D1\nreceive,C990102,TENT,zero,D2\n"
            "receive,C990102,NOPE,3,D3\n")
    answer = browser.post("/stock/import", data={"csrf_token": token(form.text)},
                          files={"file": ("../../etc/week 1.csv", rows.encode(), "text/csv")})
    assert answer.status_code == 422
    problems = re.findall(r"<li>(.*?)</li>", answer.text.split('class="problems"')[1].split("</ul>")[0])
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4"]
    with db.session(site) as s:
        assert s.exec(select(Movement)).all() == []
    good = browser.post("/stock/import", data={"csrf_token": token(form.text)},
                        files={"file": ("week1.csv", "\n".join(rows.splitlines()[:2]).encode(), "text/csv")})
    assert good.status_code == 200 and "D1" in good.text
    with db.session(site) as s:
        assert [m.actor for m in s.exec(select(Movement))] == ["kee"]


def test_the_language_switch_changes_the_labels_and_stays_on_the_site(site):
    browser = signed_in(site, "kee")
    assert "Low stock" in browser.get("/").text
    switched = browser.get("/lang/zh", params={"next": "/stock/receive"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/stock/receive"
    page = browser.get("/").text
    assert "低于定额" in page and "Low stock" not in page and 'id="lang-switch"' in page
    for target in ("https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        away = browser.get("/lang/en", params={"next": target}, follow_redirects=False)
        assert away.headers["location"] == "/"
    assert "Low stock" in browser.get("/").text


def test_every_page_has_the_csp_header_and_no_inline_script_or_style(site):
    browser = signed_in(site, "root")
    for path in PAGES + ["/login"]:
        answer = browser.get(path)
        assert answer.status_code == 200, path
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        page = Page(answer.text)
        assert page.scripts and all(s.get("src", "").startswith("/static/") for s in page.scripts), path
        assert page.styles == [], path
        assert 'name="viewport"' in answer.text


def test_the_dashboard_shows_a_keeper_only_its_depots(site):
    keeper.receive(site, "C990201", "TENT", 3, lot="T9", actor="setup", today=TODAY)
    keeper.receive(site, "C990102", "TENT", 4, lot="T8", actor="setup", today=TODAY)
    mine = signed_in(site, "kee").get("/").text
    table = mine.split('id="norms"')[1].split("</table>")[0]
    assert "C990102" in table and "C990201" not in table and "R99" not in table
    assert "C990201" not in mine.split('id="low"')[1].split("</table>")[0]
    everyone = signed_in(site, "root").get("/").text.split('id="norms"')[1].split("</table>")[0]
    assert {"C990102", "C990201", "R99"} <= set(re.findall(r">([RC]\d+)<", everyone))


def test_a_page_without_a_session_goes_to_sign_in_while_the_api_still_answers_json(site):
    answer = client(site).get("/plans", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    api = client(site).get("/api/no-such-thing")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def test_a_coordinator_adds_an_incident_plans_commits_and_downloads_pick_lists(site):
    for item, qty in (("TENT", 200), ("QUILT", 800), ("WATER", 400), ("FOOD", 400)):
        perishable = item in ("WATER", "FOOD")
        keeper.receive(site, "R99", item, qty, lot=f"{item}1", expires="2027-12-31" if perishable else None,
                       actor="setup", today=TODAY)
    accounts.add(site, "coord", "coordinator", PASSWORD, actor="test")
    browser = signed_in(site, "coord")
    page = browser.get("/incidents")
    assert {"map", "add-incident", "incident-list"} <= set(Page(page.text).ids)
    outlines = browser.get("/map/counties.geojson").json()
    assert len(outlines["features"]) == 3 and outlines["features"][0]["geometry"]["type"].endswith("Polygon")
    bad = browser.post("/incidents", data={"csrf_token": token(page.text), "name": "x", "lon": "999", "lat": "40.5"})
    assert bad.status_code == 422
    assert [a["data-field"] for c, a in Page(bad.text).classes if c == "field-error"] == ["lon"]
    added = browser.post("/incidents", data={"csrf_token": token(page.text), "name": "乙县安置点", "lon": "111.5",
                                             "lat": "40.5", "people": "300", "priority": "2"})
    assert added.status_code == 200 and "乙县安置点" in added.text.split('id="incident-list"')[1]
    made = browser.post("/plans", data={"csrf_token": token(page.text), "method": "greedy"}, follow_redirects=False)
    assert made.status_code == 303 and re.fullmatch(r"/plans/\d+", made.headers["location"])
    review = browser.get(made.headers["location"])
    parts = {"plan-incidents", "plan-teams", "plan-trucks", "commit", "cancel", "picklists"}
    assert parts <= set(Page(review.text).ids) and "ship" not in Page(review.text).ids  # a draft is not shipped
    assert re.search(r'<span id="plan-status"[^>]*>draft<', review.text)
    committed = browser.post(made.headers["location"] + "/commit", data={"csrf_token": token(page.text)})
    assert re.search(r'<span id="plan-status"[^>]*>committed<', committed.text)
    assert {"ship", "cancel"} <= set(Page(committed.text).ids) and "commit" not in Page(committed.text).ids
    again = browser.post(made.headers["location"] + "/commit", data={"csrf_token": token(page.text)})
    assert again.status_code == 409 and "committed" in Page(again.text).text("error")
    sheet = browser.get(made.headers["location"] + "/picklists.xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert "attachment" in sheet.headers["content-disposition"]
    dashboard = browser.get("/").text.split('id="plans"')[1].split("</table>")[0]
    assert made.headers["location"] in dashboard


def test_a_viewer_may_neither_add_incidents_nor_run_drills(site):
    accounts.add(site, "look", "viewer", PASSWORD, actor="test")
    browser = signed_in(site, "look")
    page = browser.get("/incidents")
    refused = browser.post("/incidents", data={"csrf_token": token(page.text), "name": "x", "lon": "111.5",
                                               "lat": "40.5"})
    assert refused.status_code == 403 and "may not add incidents" in Page(refused.text).text("error")
    drill = browser.post("/drills", data={"csrf_token": token(page.text), "scenario": "chifeng-m6-winter"})
    assert drill.status_code == 403 and "may not run drills" in Page(drill.text).text("error")
    assert 'href="/stock/receive"' not in page.text  # no stock forms in a reader's menu
    assert 'href="/stock/receive"' not in signed_in(site, "plan").get("/").text
    assert 'href="/stock/receive"' in signed_in(site, "kee").get("/").text


def test_a_drill_runs_an_uploaded_scenario_and_never_a_path_from_the_form(site, tmp_path):
    browser = signed_in(site, "plan")
    page = browser.get("/drills")
    assert {"drill"} <= set(Page(page.text).ids)
    forged = browser.post("/drills", data={"csrf_token": token(page.text), "scenario": str(tmp_path / "x.toml")})
    assert forged.status_code == 422 and "scenario must be one of" in Page(forged.text).text("error")
    scenario = ('name = "tabletop"\nstart = 2027-01-15T08:00:00+08:00\n[hazard]\ntype = "incidents"\n'
                '[[hazard.incidents]]\nname = "乙县安置点"\nlon = 111.5\nlat = 40.5\npeople = 0\npriority = 2\n'
                'needs = { WATER = 10 }\n')
    answer = browser.post("/drills", data={"csrf_token": token(page.text), "scenario": ""},
                          files={"file": ("../tabletop.toml", scenario.encode(), "application/toml")})
    assert answer.status_code == 200, answer.text
    report = answer.text.split('id="drill-report"')[1]
    images = re.findall(r'<img[^>]*src="([^"]+)"', report)
    assert len(images) == 2 and all(src.startswith("data:image/png;base64,") for src in images)


def test_both_languages_have_every_label():
    from relief.web import i18n

    assert set(i18n.EN) == set(i18n.ZH)
    assert all(i18n.ZH[key] != i18n.EN[key] for key in i18n.EN if key not in ("app",))
