"""The pages on a phone's screen: nothing wider than the screen but the tables, which
scroll inside their own box."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Web

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = [("/", "phone-dashboard"), ("/stock/receive", "phone-receive"), ("/depots/C150430", "phone-stock-card"),
         ("/incidents", "phone-incidents"), ("/plans", "phone-plans"), ("/drills", "phone-drills")]


@pytest.fixture
def phone(browser, server):
    """A browser context the size of a phone (390 × 844 CSS pixels, touch)."""
    context = browser.new_context(base_url=server.base, locale="en-US", viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    try:
        yield Web(context, server)
    finally:
        context.close()


def test_every_page_fits_a_phone_screen_and_its_forms_stay_usable(phone: Web):
    phone.login("keeper.c150430")
    for path, shot in PAGES:
        phone.goto(path, shot=shot)
        wide = phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 1, f"{path} is {wide} px wider than the screen"
        for button in phone.page.locator("main button:visible, main input[type=submit]:visible").all():
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 391, f"{path}: a button leaves the screen"
    phone.assert_clean()
