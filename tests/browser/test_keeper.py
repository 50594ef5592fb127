"""A warehouse keeper in the browser: receive and issue at the own depot, see it on the
stock card, and be refused at a depot outside the keeper's scope."""

from __future__ import annotations

import pytest

from tests.browser.conftest import KEEPER_DEPOT, OTHER_DEPOT, Server, Web

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEEPER = "keeper.c150430"
LOT = "WB20261122"


def depot_options(web: Web) -> list[str]:
    """The depot codes the stock form's depot select offers (a blank prompt left out)."""
    values = web.page.locator("form#stock-form select[name=depot] option").evaluate_all(
        "options => options.map(o => o.value)")
    return [value for value in values if value]


def test_keeper_receives_and_issues_at_own_depot_and_is_refused_elsewhere(web: Web, server: Server):
    page = web.page
    web.login(KEEPER, shot="keeper-login")
    web.shot("keeper-home")
    water_before = server.lots(KEEPER_DEPOT, "WATER")
    assert LOT not in water_before

    # Receive 120 bottles of water into a new lot at the keeper's own depot.
    web.goto("/stock/receive", shot="keeper-receive")
    assert depot_options(web) == [KEEPER_DEPOT], "a keeper's depot select lists only its depots"
    web.fill("form#stock-form", {"depot": KEEPER_DEPOT, "item": "WATER", "qty": "120", "lot": LOT,
                                 "expires": "2028-06-30", "doc": "WEB-RCV-001", "source": "自治区红十字会",
                                 "note": "browser receipt"})
    web.submit("form#stock-form", "#submit")
    notice = page.locator("p.notice")
    notice.wait_for()
    assert web.status == 200
    web.shot("keeper-receive-done")
    assert "WEB-RCV-001" in notice.inner_text()
    assert server.lots(KEEPER_DEPOT, "WATER")[LOT] == 120

    # A bad quantity is shown next to its field and records nothing.
    web.goto("/stock/issue", shot="keeper-issue")
    assert depot_options(web) == [KEEPER_DEPOT]
    web.fill("form#stock-form", {"depot": KEEPER_DEPOT, "item": "WATER", "qty": "-5", "lot": LOT,
                                 "doc": "WEB-ISS-BAD", "to": "新惠镇安置点"})
    web.submit("form#stock-form", "#submit")
    page.locator("p.field-error[data-field=qty]").wait_for()
    assert 400 <= web.status < 500
    web.shot("keeper-issue-bad-qty")
    assert server.lots(KEEPER_DEPOT, "WATER")[LOT] == 120

    # Issue 30 of them from that lot.
    web.goto("/stock/issue")
    web.fill("form#stock-form", {"depot": KEEPER_DEPOT, "item": "WATER", "qty": "30", "lot": LOT,
                                 "doc": "WEB-ISS-001", "to": "新惠镇安置点", "note": "browser issue"})
    web.submit("form#stock-form", "#submit")
    notice = page.locator("p.notice")
    notice.wait_for()
    web.shot("keeper-issue-done")
    assert "WEB-ISS-001" in notice.inner_text()
    assert server.lots(KEEPER_DEPOT, "WATER")[LOT] == 90

    # The stock card shows the new lot with what is left, and both documents by the keeper.
    web.goto(f"/depots/{KEEPER_DEPOT}", shot="keeper-stock-card")
    lot_row = page.locator("table#lots tr", has_text=LOT)
    assert lot_row.count() == 1
    assert "90" in lot_row.inner_text().split()
    history = page.locator("table#history")
    for doc in ("WEB-RCV-001", "WEB-ISS-001"):
        row = history.locator("tr", has_text=doc)
        assert row.count() >= 1, f"{doc} is not in the history table"
        assert KEEPER in row.first.inner_text()
    recorded = {m["doc"]: m for m in server.history(KEEPER_DEPOT, "WATER") if m["doc"].startswith("WEB-")}
    assert set(recorded) == {"WEB-RCV-001", "WEB-ISS-001"}
    assert {m["actor"] for m in recorded.values()} == {KEEPER}
    assert recorded["WEB-RCV-001"]["qty"] == 120 and recorded["WEB-ISS-001"]["qty"] == -30

    # A forged request for another depot (an option the select never offered) is refused.
    other_before = server.lots(OTHER_DEPOT, "WATER")
    other_history = len(server.history(OTHER_DEPOT))
    web.goto("/stock/receive")
    assert OTHER_DEPOT not in depot_options(web)
    page.evaluate("""code => {
        const select = document.querySelector('form#stock-form select[name=depot]');
        select.add(new Option(code, code));
        select.value = code;
    }""", OTHER_DEPOT)
    web.fill("form#stock-form", {"item": "WATER", "qty": "5", "doc": "WEB-FORGED-1", "source": "forged"})
    web.submit("form#stock-form", "#submit")
    error = page.locator("p.error")
    error.wait_for()
    web.shot("keeper-forged-refused")
    assert web.status == 403
    assert OTHER_DEPOT in error.inner_text()
    assert page.locator("p.notice").count() == 0
    assert server.lots(OTHER_DEPOT, "WATER") == other_before
    assert len(server.history(OTHER_DEPOT)) == other_history
    assert server.lots(KEEPER_DEPOT, "WATER")[LOT] == 90
    web.assert_clean()
