"""Browser tests: Debian's Chromium driven by Playwright against the app served by gunicorn on 127.0.0.1.

They are skipped, with the reason printed in the summary, when Playwright or
/usr/bin/chromium is missing (`apt-get install chromium`; no browser download).

Every document a test's pages load is checked by axe-core (`tests/e2e/axe.py`); a serious or critical
violation anywhere fails the test when it ends, naming the page, the size, the rule and the element.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tests.e2e.axe import axe_violations, describe
from tests.servers import Gunicorn, app_env, flask, temporary_database

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - reported as a skip
    sync_playwright = None


def pytest_collection_modifyitems(config, items):
    reason = None
    if sync_playwright is None:
        reason = "Playwright is not installed: browser tests skipped"
    elif not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM}: browser tests skipped (apt-get install chromium)"
    if reason:
        for item in items:
            if "e2e" in item.nodeid:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory):
    with temporary_database("contest_e2e", tmp_path_factory.mktemp("e2e")) as url:
        yield url


@pytest.fixture(scope="session")
def live_server(e2e_database, tmp_path_factory):
    """init-db and demo-data, then gunicorn (2 workers) on a free port; the URL is yielded."""
    env = app_env(e2e_database, SECRET_KEY="e2e-secret", CONTEST_ENV="development")
    for command in ("init-db", "demo-data"):
        flask(env, command, timeout=180)
    with Gunicorn(env, workers=2, log_path=tmp_path_factory.mktemp("e2e-log") / "gunicorn.log") as server:
        yield server.url


@pytest.fixture(scope="session")
def e2e_engine(e2e_database, live_server):
    engine = create_engine(e2e_database)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


class PageProblems:
    """Console errors and uncaught exceptions seen by a page: every test ends with none."""

    def __init__(self, page):
        self.messages: list[str] = []
        page.on("console", lambda m: self.messages.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.messages.append(f"page error: {e}"))


# Errors that only mean the document went away (the test moved on, or closed the page) while axe was running.
GONE = ("Execution context was destroyed", "Target page, context or browser has been closed", "Target closed",
        "Frame was detached", "navigat", "axe-core timed out")


class AxeWatch:
    """Runs axe-core on every document a page loads, and keeps the serious and critical violations.

    The check runs from the page's load event, while the test goes on; a test that leaves a page before axe
    is done (a quick click) loses that run, so the pages left unchecked are opened again when the test ends
    and checked then. A test that checks each page itself sets `automatic = False`."""

    def __init__(self):
        self.findings: list[str] = []
        self.checked: list[str] = []
        self.unchecked: list[tuple[object, str]] = []
        self.automatic = True

    def watch(self, page) -> None:
        page.on("load", self._on_load)

    def _on_load(self, page) -> None:
        if self.automatic:
            url = page.url
            if not self.check(page):
                self.unchecked.append((page.context, url))

    def check(self, page, label: str = "") -> bool:
        """Checks the page's document now; False when it went away before axe was done."""
        if page.is_closed() or not page.url.startswith("http"):
            return True
        size = page.viewport_size
        where = f"{page.url} ({size['width']}×{size['height']}){label}"
        try:
            found = axe_violations(page)
        except Exception as error:  # noqa: BLE001 - anything but "the page went away" is a finding
            if any(text in str(error) for text in GONE):
                return False
            self.findings.append(f"{where}: axe-core did not run: {error}")
            return True
        self.checked.append(where)
        self.findings += describe(found, where)
        return True

    def check_unchecked(self) -> None:
        """Opens each page left before its check again (a GET, in its own context) and checks it."""
        for context, url in self.unchecked:
            page = context.new_page()
            page.goto(url)
            self.check(page, " (opened again)")
            page.close()
        self.unchecked.clear()


@pytest.fixture
def axe_watch():
    return AxeWatch()


@pytest.fixture
def open_page(browser, live_server, axe_watch):
    """open_page(width, height) -> (page, problems); the context is closed after the test.

    Every document loaded by a page of the context (pages the test opens itself too) is checked by axe-core;
    the test fails at its end if any had a serious or critical violation."""
    contexts = []

    def factory(width: int, height: int, **kwargs):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN", base_url=live_server,
                                      accept_downloads=True, **kwargs)
        contexts.append(context)
        context.on("page", axe_watch.watch)
        page = context.new_page()
        return page, PageProblems(page)

    yield factory
    for context in contexts:  # the last documents, once the load checks still running on them are done
        for page in context.pages:
            _settle(page)
            axe_watch.check(page)
    axe_watch.automatic = False
    axe_watch.check_unchecked()
    for context in contexts:
        context.close()
    if axe_watch.findings:
        pytest.fail("axe-core found serious or critical violations:\n" + "\n".join(axe_watch.findings), pytrace=False)


def _settle(page) -> None:
    """The mouse off the page and its transitions over: a button the test has just clicked is still under the
    pointer, half-way through its hover colours, and axe would measure that passing colour."""
    if page.is_closed():
        return
    try:
        page.mouse.move(0, 0)
        page.wait_for_timeout(300)
    except Exception:  # noqa: BLE001 - a page going away is not a finding
        pass


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, identifier: str, password: str = "Demo@2026") -> None:
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại, số CCCD hoặc email").fill(identifier)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


UNLABELLED_CONTROLS = """
() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => {
    if (el.tagName === 'BUTTON') return !(el.innerText.trim() || el.getAttribute('aria-label'));
    return !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby');
  })
  .map(el => el.outerHTML.slice(0, 120))
"""

# WCAG contrast of every visible text element against the nearest opaque background.
LOW_CONTRAST = """
() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
                               if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3); } return [255, 255, 255]; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.offsetParent || !Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || parseFloat(style.opacity) < 0.5) continue;
    const fg = parse(style.color).slice(0, 3), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && parseInt(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${ratio.toFixed(2)} ${el.tagName} "${el.textContent.trim().slice(0, 40)}"`);
  }
  return bad;
}
"""


def accessibility_problems(page) -> list[str]:
    problems = [f"unlabelled control: {html}" for html in page.evaluate(UNLABELLED_CONTROLS)]
    problems += [f"low contrast: {item}" for item in page.evaluate(LOW_CONTRAST)]
    if page.evaluate("document.documentElement.lang") != "vi":
        problems.append("the html element's lang is not vi")
    return problems
