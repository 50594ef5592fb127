"""An emergency coordinator in the browser: an incident placed by clicking the map, a
plan made, reviewed, committed and shipped, and its pick lists downloaded as XLSX."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from tests.browser.conftest import Server, Web

pytestmark = [pytest.mark.browser, pytest.mark.slow]

INCIDENT = "Browser flood"
# A point inside a county polygon: the middle of the biggest county shape that is
# topmost at its own middle (Leaflet draws the counties as SVG paths).
FIND_COUNTY_POINT = """() => {
    const map = document.querySelector('div#map');
    const box = map.getBoundingClientRect();
    const shapes = [...map.querySelectorAll('path.leaflet-interactive')]
        .map(p => [p, p.getBoundingClientRect()])
        .sort((a, b) => b[1].width * b[1].height - a[1].width * a[1].height);
    for (const [path, r] of shapes) {
        for (const [fx, fy] of [[0.5, 0.5], [0.4, 0.5], [0.6, 0.5], [0.5, 0.4], [0.5, 0.6]]) {
            const x = r.left + r.width * fx, y = r.top + r.height * fy;
            if (x <= box.left || x >= box.right || y <= box.top || y >= box.bottom) continue;
            if (document.elementFromPoint(x, y) === path) return {x: x - box.left, y: y - box.top, shapes: shapes.length};
        }
    }
    return {x: box.width / 2, y: box.height / 2, shapes: shapes.length};
}"""


def plan_status(web: Web) -> str:
    return web.page.locator("span#plan-status").inner_text().strip().lower()


def test_coordinator_plans_commits_ships_and_downloads_pick_lists(web: Web, server: Server, tmp_path):
    page = web.page
    web.login("coord", shot="coordinator-login")

    # The incident: its point comes from a click on a county of the map.
    web.goto("/incidents")
    page.locator("div#map path.leaflet-interactive").first.wait_for()
    web.shot("coordinator-incidents")
    point = page.evaluate(FIND_COUNTY_POINT)
    assert point["shapes"] >= 100, f"expected the region's county polygons on the map, found {point['shapes']}"
    page.locator("div#map").click(position={"x": point["x"], "y": point["y"]})
    lon = page.locator("form#add-incident input[name=lon]")
    lat = page.locator("form#add-incident input[name=lat]")
    page.wait_for_function("() => document.querySelector('form#add-incident input[name=lon]').value !== ''")
    assert 97 < float(lon.input_value()) < 127 and 37 < float(lat.input_value()) < 54, \
        f"the click gave lon {lon.input_value()}, lat {lat.input_value()}: not in Inner Mongolia"
    web.fill("form#add-incident", {"name": INCIDENT, "people": "800", "priority": "1"})
    web.shot("coordinator-incident-point")
    web.submit("form#add-incident")
    page.locator("table#incident-list tr", has_text=INCIDENT).first.wait_for()
    web.shot("coordinator-incident-added")

    # Make a plan and review it.
    web.goto("/plans", shot="coordinator-plans")
    methods = page.locator("form#make-plan select[name=method] option").evaluate_all(
        "options => options.map(o => o.value)")
    assert methods, "the plan form offers no method"
    web.fill("form#make-plan", {"method": "optimal" if "optimal" in methods else methods[0]})
    web.submit("form#make-plan")
    page.wait_for_url(re.compile(r".*/plans/\d+$"), timeout=120_000)
    page.locator("span#plan-status").wait_for()
    web.shot("coordinator-plan-review")
    assert INCIDENT in page.locator("#plan-incidents").inner_text()
    for part in ("#plan-teams", "#plan-trucks"):
        assert page.locator(part).count() == 1, f"the plan review has no {part}"
    for form, shown in (("form#commit", 1), ("form#ship", 0), ("form#cancel", 1)):  # a draft's actions
        assert page.locator(form).count() == shown, f"the draft's review shows {form} {page.locator(form).count()}x"
    review = page.url
    first = plan_status(web)

    # Commit, then ship.
    web.submit("form#commit")
    page.wait_for_function("() => /commit/i.test(document.querySelector('span#plan-status').innerText)")
    web.shot("coordinator-plan-committed")
    assert (page.locator("form#commit").count(), page.locator("form#ship").count()) == (0, 1)
    assert plan_status(web) != first
    web.submit("form#ship")
    page.wait_for_function("() => /ship/i.test(document.querySelector('span#plan-status').innerText)")
    web.shot("coordinator-plan-shipped")
    assert page.url.split("?")[0] == review.split("?")[0]
    kinds = {m["kind"] for m in server.history() if m["actor"] == "coord"}
    assert {"reserve", "dispatch"} <= kinds, f"the coordinator's movements: {kinds}"

    # The pick lists: a real workbook with rows.
    with page.expect_download() as download:
        page.click("a#picklists")
    saved = tmp_path / (download.value.suggested_filename or "picklists.xlsx")
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    assert zipfile.is_zipfile(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    rows = [[cell for cell in row if cell not in (None, "")] for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)]
    rows = [row for row in rows if row]
    assert len(rows) >= 2, f"the pick lists hold {len(rows)} row(s)"
    assert any(re.fullmatch(r"[RLC]\d+", str(cell)) for row in rows for cell in row), \
        "no depot code in the pick lists"
    web.assert_clean()
