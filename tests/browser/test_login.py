"""Signing in and the language switch."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Web, cjk

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def failed_login(web: Web, name: str, password: str) -> str:
    """Sign in with wrong credentials; returns the error the page shows."""
    web.goto("/login")
    web.fill("form#login", {"username": name, "password": password})
    web.submit("form#login", "#login-submit")
    error = web.page.locator("p.error")
    error.wait_for()
    assert web.page.locator("span#whoami").count() == 0
    assert 400 <= web.status < 500
    return f"{web.status} {error.inner_text().strip()}"


def test_unknown_account_and_wrong_password_get_the_same_message(web: Web):
    web.goto("/login", shot="login")
    unknown = failed_login(web, "nobody.here", "whatever password 1")
    web.shot("login-unknown-account")
    wrong = failed_login(web, "viewer", "not the password 1")
    web.shot("login-wrong-password")
    assert unknown and unknown == wrong
    assert "nobody.here" not in unknown and "viewer" not in wrong
    web.assert_clean()


def labels(web: Web) -> str:
    """The page's own labels: table headings, buttons, the logout form."""
    return " ".join(web.page.locator("th, button, form#logout, label").all_inner_texts())


def html_lang(web: Web) -> str:
    return (web.page.locator("html").get_attribute("lang") or "").lower()


def switch_language(web: Web) -> None:
    web.page.click("a#lang-switch")
    web.page.wait_for_load_state("load")
    web.page.wait_for_load_state("networkidle")
    web.page.locator("span#whoami").wait_for()


def test_language_switch_shows_chinese_labels(web: Web):
    web.login("viewer")
    web.goto("/")
    if html_lang(web).startswith("zh"):
        switch_language(web)
    assert html_lang(web).startswith("en")
    web.shot("dashboard-en")
    assert not cjk(labels(web)), f"English labels hold Chinese: {labels(web)[:200]}"

    switch_language(web)
    web.shot("dashboard-zh")
    assert html_lang(web).startswith("zh")
    assert cjk(web.page.locator("form#logout").inner_text())
    assert cjk(" ".join(web.page.locator("th").all_inner_texts()))
    # The choice sticks to the session: the next page is Chinese as well.
    web.goto("/depots/C150430", shot="depot-zh")
    assert html_lang(web).startswith("zh") and cjk(labels(web))

    switch_language(web)
    assert html_lang(web).startswith("en")
    assert not cjk(web.page.locator("form#logout").inner_text())
    web.assert_clean()
