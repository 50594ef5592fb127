"""Real-browser tests of the web pages: headless Chromium driven by Playwright's sync API.

Each test module gets its own database (``relief init`` of the Inner Mongolia default
with its opening stock, in a temporary folder), one account of every role, and its own
``relief serve`` on 127.0.0.1 and a free port, stopped at the end of the module whatever
happened. Each test gets a fresh browser context (no cookies) through ``web``:

* every request the pages make is recorded; a request to anywhere but the server is
  aborted (so nothing leaves the machine) and fails the test in ``web.assert_clean()``;
* console errors and uncaught page errors fail it too (a Content-Security-Policy
  violation shows up as a console error);
* ``web.shot(name)`` saves a full-page screenshot to ``out/screenshots/<name>.png``.

The browser is Debian's Chromium, ``/usr/bin/chromium`` (or ``$RELIEF_CHROMIUM``), never a
browser Playwright downloads. When it is missing the tests are skipped with the reason,
unless ``RELIEF_REQUIRE_BROWSER=1`` makes that a failure.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from relief.depot import accounts, db, reports

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "out" / "screenshots"
RELIEF = Path(sys.executable).parent / "relief"
TODAY = date(2026, 11, 22)
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
KEEPER_DEPOT = "C150430"  # Aohan Banner county depot (Chifeng)
OTHER_DEPOT = "C150421"   # Ar Horqin Banner county depot, outside the keeper's scope
ACCOUNTS = {
    "admin": ("admin", {}),
    "keeper.c150430": ("keeper", {"depots": [KEEPER_DEPOT]}),
    "coord": ("coordinator", {}),
    "planner": ("planner", {}),
    "viewer": ("viewer", {}),
}
START_TIMEOUT = 60.0
LOCAL_SCHEMES = ("data:", "blob:", "about:")  # never leave the browser


def chromium_path() -> str:
    """The Chromium to drive: ``$RELIEF_CHROMIUM`` or Debian's ``/usr/bin/chromium``."""
    return os.environ.get("RELIEF_CHROMIUM") or CHROMIUM


def _unavailable(reason: str) -> None:
    """Skip with ``reason``, or fail when ``RELIEF_REQUIRE_BROWSER=1``."""
    if os.environ.get("RELIEF_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; RELIEF_REQUIRE_BROWSER=1 makes this an error", pytrace=False)
    pytest.skip(f"{reason}; install it (apt-get install -y chromium) or set RELIEF_CHROMIUM to run the browser tests")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (one per test process)."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _unavailable(f"no Chromium at {path}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is not installed ({exc})")
    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        try:
            yield chrome
        finally:
            chrome.close()


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``relief serve``: its base URL, database URL and log file."""

    base: str
    url: str
    log: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``."""
        return self.base.split("//", 1)[1]

    def lots(self, depot: str, item: str) -> dict[str, int]:
        """Units on hand per lot of ``item`` at ``depot``, read straight from the database."""
        with db.session(self.url) as s:
            rows = reports.stock(s, depot=depot, item=item, today=TODAY)
        return {row["lot"]: row["on_hand"] for row in rows}

    def history(self, depot: str | None = None, item: str | None = None) -> list[dict]:
        """Ledger movements (at ``depot``, of ``item``), newest first."""
        with db.session(self.url) as s:
            return reports.history(s, depot=depot, item=item, limit=100_000)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _env() -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k != "RELIEF_DB"}
    environ.update(RELIEF_TODAY=TODAY.isoformat(), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return environ


def _answers(base: str) -> bool:
    """True when the server at ``base`` answers HTTP at all (any status)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        opener.open(base + "/login", timeout=2).close()
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    """A fresh Inner Mongolia database with one account of every role, served by
    ``relief serve`` on 127.0.0.1; stopped at the end of the module."""
    folder = tmp_path_factory.mktemp("browser")
    path = folder / "relief.db"
    done = subprocess.run([str(RELIEF), "init", "--db", str(path)], capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert done.returncode == 0, f"relief init failed:\n{done.stdout}\n{done.stderr}"
    url = db.database_url(str(path))
    for name, (role, scope) in ACCOUNTS.items():
        accounts.add(url, name, role, PASSWORD, actor="admin", **scope)
    db.dispose(url)
    log = folder / "server.log"
    process = None
    try:
        for _attempt in range(3):  # another process may take the free port before the server binds it
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with log.open("ab") as out:
                process = subprocess.Popen([str(RELIEF), "serve", "--db", str(path), "--host", "127.0.0.1",
                                            "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, env=_env())
            deadline = time.monotonic() + START_TIMEOUT
            while process.poll() is None and time.monotonic() < deadline and not _answers(base):
                time.sleep(0.1)
            if process.poll() is None and _answers(base):
                break
            _stop(process)
        running = Server(base, url, log, process)
        if process.poll() is not None or not _answers(base):
            pytest.fail(f"relief serve did not answer at {base} within {START_TIMEOUT:.0f} s:\n{running.log_tail()}",
                        pytrace=False)
        yield running
    finally:
        if process is not None:
            _stop(process)
        db.dispose(url)


class Web:
    """One browser context and page on the server, recording what leaves and what fails."""

    def __init__(self, context, server: Server):
        self.context = context
        self.server = server
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.logged: list[tuple[str, str]] = []  # console errors and uncaught errors: (text, page URL)
        self.navigations: list[tuple[str, int]] = []
        self.shots: list[Path] = []
        context.route("**/*", self._route)
        context.on("request", lambda r: self.requests.append(r.url))
        context.on("console", self._on_console)
        context.on("weberror", lambda e: self.logged.append((f"uncaught: {e.error}", "")))
        self.page = context.new_page()
        self.page.on("response", self._on_response)
        self.page.on("dialog", lambda dialog: dialog.accept())  # "Ship plan 1?" and the like

    # -- what the pages do -------------------------------------------------------------

    def _local(self, url: str) -> bool:
        return url.startswith(self.server.base + "/") or url == self.server.base or url.startswith(LOCAL_SCHEMES)

    def _route(self, route) -> None:
        if self._local(route.request.url):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort("blockedbyclient")

    def _on_response(self, response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.navigations.append((response.url, response.status))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.logged.append((message.text, (message.location or {}).get("url", "")))

    def errors(self) -> list[str]:
        """The console and page errors so far. A page answered with 4xx (a refusal or a
        form error the test looks at) is logged as a failed resource; its status is checked
        by the test, so that line is left out."""
        refused = {url for url, status in self.navigations if 400 <= status < 500}
        return [f"{text} ({where})" for text, where in self.logged
                if not (text.startswith("Failed to load resource: the server responded with a status of 4")
                        and where in refused)]

    # -- helpers for the tests -----------------------------------------------------------

    def goto(self, path: str, shot: str | None = None, status: int = 200):
        """Open ``path`` on the server, check its status (after redirects); with ``shot``,
        screenshot it."""
        response = self.page.goto(self.server.base + path)
        assert response is not None and response.status == status, \
            f"GET {path} answered {response.status if response else 'nothing'} ({self.page.url}), not {status}"
        self.page.wait_for_load_state("load")
        if shot:
            self.shot(shot)
        return response

    @property
    def status(self) -> int:
        """The HTTP status of the page shown now (the last page loaded in the main frame)."""
        assert self.navigations, "no page has been loaded"
        return self.navigations[-1][1]

    def shot(self, name: str) -> Path:
        """Save a full-page screenshot to ``out/screenshots/<name>.png``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def login(self, name: str, password: str = PASSWORD, shot: str | None = None) -> None:
        """Sign in through the login form and wait for the signed-in page."""
        self.goto("/login", shot=shot)
        self.fill("form#login", {"username": name, "password": password})
        self.submit("form#login", "#login-submit")
        whoami = self.page.locator("span#whoami")
        whoami.wait_for()
        assert name in whoami.inner_text()

    def fill(self, form: str, values: dict[str, str | bool]) -> None:
        """Fill the fields of ``form`` (a selector) by name: a select gets the option of that
        value, a checkbox is ticked or cleared, any other field is typed into."""
        for name, value in values.items():
            field = self.page.locator(f"{form} [name={name}]").first
            tag = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
            if tag.startswith("select"):
                field.select_option(str(value))
            elif tag in ("input:checkbox", "input:radio"):
                field.set_checked(bool(value))
            else:
                field.fill(str(value))

    def submit(self, form: str, button: str | None = None) -> None:
        """Press the submit button of ``form`` (``button`` when given) and wait until the
        answer has loaded (a new page, or a part of the page swapped in)."""
        target = self.page.locator(button or f"{form} button:not([type=button]), {form} input[type=submit]").first
        target.click()
        self.page.wait_for_load_state("load")
        self.page.wait_for_load_state("networkidle")

    def assert_clean(self) -> None:
        """No request left the server, no console or page error, no page answered 5xx."""
        outside = [url for url in self.requests if not self._local(url)] + self.foreign
        assert not outside, f"requests to somewhere other than {self.server.host}: {sorted(set(outside))}"
        errors = self.errors()
        assert not errors, "console errors:\n" + "\n".join(errors)
        broken = [(url, status) for url, status in self.navigations if status >= 500]
        assert not broken, f"pages answered with a server error: {broken}\n{self.server.log_tail()}"
        assert self.requests, "no request was recorded"


@pytest.fixture
def web(browser, server: Server):
    """A fresh browser context (no cookies, downloads accepted) with one page."""
    context = browser.new_context(base_url=server.base, accept_downloads=True, locale="en-US",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    try:
        yield Web(context, server)
    finally:
        context.close()


def cjk(text: str) -> bool:
    """True when ``text`` holds Chinese characters."""
    return re.search(r"[\u4e00-\u9fff]", text) is not None
