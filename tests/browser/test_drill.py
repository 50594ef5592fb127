"""A drill planner in the browser: a shipped scenario run, its report with map and chart."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Web

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCENARIO = "chifeng-m6-winter"


def test_planner_runs_shipped_drill_and_sees_map_and_chart(web: Web):
    page = web.page
    web.login("planner", shot="planner-login")
    web.goto("/drills", shot="planner-drills")
    scenarios = page.locator("form#drill select[name=scenario] option").evaluate_all(
        "options => options.map(o => o.value)")
    assert SCENARIO in scenarios, f"{SCENARIO} is not offered: {scenarios}"
    web.fill("form#drill", {"scenario": SCENARIO})
    web.submit("form#drill")
    report = page.locator("#drill-report")
    report.wait_for(timeout=120_000)
    page.wait_for_function("() => [...document.querySelectorAll('#drill-report img')].length >= 2"
                           " && [...document.querySelectorAll('#drill-report img')].every(i => i.complete)")
    web.shot("planner-drill-report")
    images = report.locator("img").evaluate_all(
        "images => images.map(i => ({src: i.getAttribute('src'), width: i.naturalWidth, height: i.naturalHeight}))")
    assert len(images) >= 2, f"expected a map and a chart, found {images}"
    for image in images:
        assert image["width"] > 0 and image["height"] > 0, f"image not loaded: {image['src'][:120]}"
    web.assert_clean()
