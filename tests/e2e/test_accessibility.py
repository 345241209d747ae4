"""axe-core on every kind of page, for each demo role, on a 390×844 phone and a 1366×768 desktop.

Like tests/test_crawl.py, each role follows the same-site links from the home page breadth-first, but in the
browser and one page per route rule (the pages of one rule share their template), so the walk of all roles
at both sizes stays around four minutes. Each page is checked by axe-core as it is visited (the `open_page`
fixture fails the test on a serious or critical violation); the folded menu (phone) and the admin's menu are
opened and checked too. On the desktop the navbar must fit on one line inside its container, and at either
size no page may scroll sideways nor a filter cut off the option it shows.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from contest import create_app
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import SCREENSHOTS, log_in
from contest.db import dispose_engines

ACCOUNTS = {"anonymous": None, "participant": "0900000004", "unit_manager": "0900000003", "organizer": "0900000002",
            "admin": "0900000001"}
SIZES = {"phone": (390, 844), "desktop": (1366, 768)}
NOT_VISITED = ("/static/", "/dang-xuat")

LINKS = "els => els.map(e => e.href)"

# Nav links on more than one row, one link broken over two lines, or links past the navbar's container.
NAVBAR_FIT = """
() => {
  const box = document.querySelector('nav.navbar .container');
  if (!box) return {rows: 0, broken: [], outside: []};  // a page of its own layout (the printable report)
  const links = Array.from(document.querySelectorAll('nav.navbar .nav-link')).filter(e => e.offsetParent);
  const tops = new Set(links.map(e => Math.round(e.getBoundingClientRect().top / 8)));
  const broken = links.filter(e => e.getClientRects().length > 1 || e.getBoundingClientRect().height > 48).map(e => e.innerText);
  const edge = box.getBoundingClientRect().right;
  const outside = links.filter(e => e.getBoundingClientRect().right > edge + 1).map(e => e.innerText);
  return {rows: tops.size, broken, outside};
}
"""

# Visible filter drop-downs (of GET forms) too narrow for the option they show: its text is cut off ("Mọi t…").
CUT_OFF_SELECTS = """
() => {
  const context = document.createElement('canvas').getContext('2d');
  const cut = [];
  for (const select of document.querySelectorAll('form[method="get" i] select')) {
    if (!select.offsetParent || select.multiple || select.size > 1 || select.selectedIndex < 0) continue;
    const style = getComputedStyle(select);
    context.font = style.font;
    const text = select.options[select.selectedIndex].text;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (context.measureText(text).width > room + 1) cut.push(`${select.name || select.id}: “${text}”`);
  }
  return cut;
}
"""


@pytest.fixture(scope="module")
def url_adapter(e2e_database):
    app = create_app({"DATABASE_URL": e2e_database, "SECRET_KEY": "e2e"})
    yield app.url_map.bind("localhost")
    dispose_engines(app)


def _endpoint(adapter, path: str) -> str:
    try:
        return adapter.match(path, method="GET")[0]
    except HTTPException:
        return path


def _walk(page, adapter, base: str, axe_watch) -> tuple[list[str], list[str]]:
    """Breadth-first from the home page, one page per route rule; returns the pages visited and the layout problems."""
    host = urlsplit(base).netloc
    queue, seen, visited_endpoints = deque(["/"]), {"/"}, set()
    visited, problems = [], []
    width = page.viewport_size["width"]
    while queue:
        url = queue.popleft()
        endpoint = _endpoint(adapter, url.partition("?")[0])
        if endpoint in visited_endpoints:
            continue
        try:
            response = page.goto(url)
        except Exception as error:  # a download is not a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or not (response.headers.get("content-type") or "").startswith("text/html"):
            continue
        if response.status >= 500:
            problems.append(f"{url}: HTTP {response.status}")
        visited_endpoints.add(endpoint)
        visited.append(url)
        axe_watch.check(page)
        if width >= 1200:
            fit = page.evaluate(NAVBAR_FIT)
            if fit["rows"] > 1 or fit["broken"] or fit["outside"]:
                problems.append(f"{url}: the navbar takes {fit['rows']} rows; broken over two lines: {fit['broken']}; "
                                f"past its container: {fit['outside']}")
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{url}: the page scrolls sideways")
        problems += [f"{url}: drop-down cut off: {item}" for item in page.evaluate(CUT_OFF_SELECTS)]
        for href in page.eval_on_selector_all("a[href]", LINKS):
            parts = urlsplit(href)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc == host and not parts.path.startswith(NOT_VISITED) and target not in seen:
                seen.add(target)
                queue.append(target)
    return visited, problems


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ACCOUNTS)
def test_every_page_passes_axe(open_page, axe_watch, url_adapter, live_server, role, size):
    axe_watch.automatic = False  # each page is checked below, as it is visited
    page, problems = open_page(*SIZES[size])
    if ACCOUNTS[role]:
        log_in(page, ACCOUNTS[role])
    page.goto("/")
    if size == "phone":  # the folded menu, opened
        page.get_by_role("button", name="Mở menu").click()
        page.locator("#nav.show").wait_for()
        page.wait_for_timeout(400)  # the collapse animation ends
        axe_watch.check(page, " (menu open)")
    for toggle in page.locator("nav.navbar .dropdown-toggle").all():  # the admin's menu, opened
        toggle.click()
        page.locator("nav.navbar .dropdown-menu.show").wait_for()
        axe_watch.check(page, f" ({toggle.inner_text()} open)")
        page.keyboard.press("Escape")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("nav.navbar").screenshot(path=str(SCREENSHOTS / f"navbar-{role}-{size}.png"))
    visited, layout = _walk(page, url_adapter, live_server, axe_watch)
    assert len(visited) >= 3, visited
    assert len(axe_watch.checked) >= len(visited)
    assert layout == []
    assert problems.messages == []


def test_axe_reports_a_serious_violation(open_page, axe_watch):
    """The check itself: a page with an image link without text and grey-on-grey text is refused."""
    page, _ = open_page(390, 844)
    page.set_content('<html lang="vi"><body><main><a href="/"><img src="data:,"></a>'
                     '<p style="color:#aaa;background:#bbb">chữ mờ</p></main></body></html>')
    found = {v["id"] for v in axe_violations(page)}
    assert {"link-name", "color-contrast"} <= found
    page.close()  # not a page of the site: not checked at the end
