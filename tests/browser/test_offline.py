"""Every page is served whole by the relief server: no request goes anywhere else (no
map tiles, fonts or scripts from another host), the Content-Security-Policy holds (a
violation is a console error) and no page logs an error. Each test of this folder ends
with the same check (``Web.assert_clean``); this one tours every page as the admin."""

from __future__ import annotations

import pytest

from tests.browser.conftest import KEEPER_DEPOT, Web

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STOCK_FIELDS = {
    "receive": ("depot", "item", "qty", "lot", "expires", "doc", "source", "note"),
    "issue": ("depot", "item", "qty", "lot", "doc", "to", "allow_expired", "note"),
    "transfer": ("source", "dest", "item", "qty", "lot", "doc", "note"),
    "adjust": ("depot", "item", "delta", "lot", "reason", "doc", "note"),
    "count": ("depot", "item", "counted", "lot", "doc", "note"),
}


def test_every_page_is_served_by_the_server_alone(web: Web):
    page = web.page
    response = web.goto("/login", shot="tour-login")
    assert "default-src 'self'" in (response.headers.get("content-security-policy") or "")
    web.login("admin")

    response = web.goto("/", shot="tour-dashboard")
    assert response.status == 200
    for table in ("#norms", "#low", "#expiring", "#storage", "#incidents", "#plans"):
        assert page.locator(table).count() == 1, f"the dashboard has no {table}"

    response = web.goto(f"/depots/{KEEPER_DEPOT}", shot="tour-depot")
    assert response.status == 200
    assert page.locator("table#lots").count() == 1 and page.locator("table#history").count() == 1
    assert page.locator("table#lots tr").count() > 1, "the stock card lists no lot"

    for kind, fields in STOCK_FIELDS.items():
        response = web.goto(f"/stock/{kind}", shot=f"tour-stock-{kind}")
        assert response.status == 200
        missing = [name for name in fields if page.locator(f"form#stock-form [name={name}]").count() == 0]
        assert not missing, f"/stock/{kind} has no field {missing}"
        assert page.locator("form#stock-form #submit").count() == 1

    web.goto("/incidents")
    page.locator("div#map path.leaflet-interactive").first.wait_for()
    page.wait_for_load_state("networkidle")
    web.shot("tour-incidents")
    assert page.locator("table#incident-list").count() == 1
    assert page.locator("form#add-incident input[name=lon]").count() == 1

    response = web.goto("/plans", shot="tour-plans")
    assert response.status == 200 and page.locator("form#make-plan select[name=method]").count() == 1
    response = web.goto("/drills", shot="tour-drills")
    assert response.status == 200 and page.locator("form#drill select[name=scenario]").count() == 1

    web.page.wait_for_timeout(300)  # late requests (map tiles, fonts) are recorded too
    web.assert_clean()
    assert all(url.startswith(web.server.base) for url in web.requests if not url.startswith("data:"))



def test_the_check_catches_a_foreign_request_and_a_csp_violation(web: Web):
    """The check above is not vacuous: a map tile from another host is recorded as asked
    for, and the policy stops it and an inline script, each with a console error; a request
    the policy does not govern (a navigation) is recorded and never sent."""
    from playwright.sync_api import Error as PlaywrightError

    web.goto("/login")
    web.page.evaluate("""() => {
        const img = document.createElement('img');
        img.src = 'https://tile.openstreetmap.org/5/24/11.png';
        document.body.appendChild(img);
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true';
        document.body.appendChild(script);
    }""")
    web.page.wait_for_timeout(300)
    assert web.page.evaluate("() => window.inlineRan === undefined"), "the policy let an inline script run"
    violations = [line for line in web.errors() if "Content Security Policy" in line]
    assert len(violations) >= 2 and any("tile.openstreetmap.org" in line for line in violations), web.errors()
    assert "https://tile.openstreetmap.org/5/24/11.png" in web.requests and not web.foreign
    with pytest.raises(AssertionError, match="requests to somewhere other than"):
        web.assert_clean()
    web.requests.clear()
    with pytest.raises(AssertionError, match="console errors"):
        web.assert_clean()

    web.logged.clear()
    with pytest.raises(PlaywrightError):
        web.page.goto("https://tile.openstreetmap.org/")
    assert web.foreign == ["https://tile.openstreetmap.org/"]
    with pytest.raises(AssertionError, match="requests to somewhere other than"):
        web.assert_clean()
