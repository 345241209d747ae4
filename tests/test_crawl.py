"""Every page a person can reach answers without a server error, and every integer in a URL is bounded.

With the demo data loaded and one attempt played, each role follows every same-site link from the
home page breadth-first (GET only), and on every list page also tries the next page and a search;
every download must open as a workbook. Then every GET route with an integer in its path is asked
for an id no database column holds (2**70) and for one that does not exist: both are 4xx.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter, deque
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from contest import clock, db
from contest.models import Attempt, Contest, Override, PendingImport, PrizeAward, Question, QuestionBank, Topic, Unit, User
from contest.services import demo

PASSWORD = demo.DEMO_PASSWORD
ACCOUNTS = {"participant": "0900000004", "unit_manager": "0900000003", "organizer": "0900000002", "admin": "0900000001"}
ABSURD = 2**70
BEYOND_INTEGER = 2**31  # the first id a PostgreSQL INTEGER column refuses as a parameter
MISSING = 999999
PER_SHAPE = 2  # pages visited per (endpoint, query names): 101 questions need not be opened one by one
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HREF = re.compile(r'href="([^"]*)"')
GET_FORM = re.compile(r'<form\b[^>]*\bmethod="get"[^>]*>(.*?)</form>', re.S | re.I)
TEXT_INPUT = re.compile(r'<input\b[^>]*\btype="(?:search|text)"[^>]*\bname="([^"]+)"|<input\b[^>]*\bname="([^"]+)"[^>]*\btype="(?:search|text)"')


@pytest.fixture
def demo_world(app):
    """The demo data, and one attempt the demo participant started and submitted through the pages.

    The database is only touched inside short app contexts: a request run inside a longer one would
    share its `g`, and with it the logged-in user, with every other request."""
    with app.app_context():
        demo.load_demo_data(db.session, clock.now())
        db.session.commit()
        contest = db.session.scalar(select(Contest).where(Contest.title == demo.DEMO_CONTEST_TITLE))
        contest_id, round_id = contest.id, contest.rounds[0].id
    client = app.test_client()
    login(client, ACCOUNTS["participant"])
    started = client.post(f"/cuoc-thi/{contest_id}/vong/{round_id}/bat-dau")
    assert started.status_code == 302 and "/bai-thi/" in started.location, started.get_data(as_text=True)
    attempt_url = urlsplit(started.location).path
    page = client.get(attempt_url).get_data(as_text=True)
    answers = {name: key for name, key in re.findall(r'name="(q-\d+)"[^>]*value="([A-Z])"', page)}
    assert answers, "the attempt page shows no choices"
    submitted = client.post(attempt_url, data={**answers, "prediction": "5", "action": "submit", "confirmed": "1"})
    assert submitted.status_code == 302 and submitted.location.endswith("/ket-qua")
    with app.app_context():
        assert db.session.scalar(select(Attempt.status)) == "submitted"
        return _real_ids(db.session)


def login(client, phone: str) -> None:
    response = client.post("/dang-nhap", data={"identifier": phone, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def _same_site(base: str, href: str) -> str | None:
    """The path and query of a link on this site, or None for another host, a fragment or a non-HTTP link."""
    href = html.unescape(href).strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(href)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "localhost"):
        return None
    path = parts.path or urlsplit(base).path
    if not path.startswith("/"):
        path = urlsplit(base).path.rsplit("/", 1)[0] + "/" + path
    return path + (f"?{parts.query}" if parts.query else "")


def _variants(url: str, page: str) -> list[str]:
    """For a list page: its next page, and its search form (or a `q=`) filled with a search."""
    path, _, query = url.partition("?")
    args = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in ("page", "q")]
    found = [url]
    for form in GET_FORM.findall(page):
        names = {a or b for a, b in TEXT_INPUT.findall(form)} or {"q"}
        search = [*args, *((name, "cai cach") for name in sorted(names))]
        found += [f"{path}?{urlencode(search)}", f"{path}?{urlencode([*search, ('page', 2)])}"]
    if 'class="pagination' in page:
        found.append(f"{path}?{urlencode([*args, ('page', 2)])}")
    return found[1:]


def crawl(app, client) -> tuple[list[str], Counter, int]:
    """Breadth-first over every same-site link from the home page; returns the failures, the visits per
    endpoint and the number of workbooks opened."""
    adapter = app.url_map.bind("localhost")
    queue, seen, shapes, visits = deque(["/"]), {"/"}, Counter(), Counter()
    failures, workbooks = [], 0

    def offer(url: str) -> None:
        path, _, query = url.partition("?")
        try:
            endpoint, _ = adapter.match(path, method="GET")
        except HTTPException:
            endpoint = path  # not a route: still requested once, it must be a 4xx, not a 5xx
        if path == "/dang-xuat" or url in seen:
            return
        shape = (endpoint, tuple(sorted({k for k, _ in parse_qsl(query, keep_blank_values=True)})))
        if shapes[shape] >= PER_SHAPE:
            return
        shapes[shape] += 1
        seen.add(url)
        queue.append(url)

    while queue:
        url = queue.popleft()
        with client.get(url) as response:
            status, mimetype, body = response.status_code, response.mimetype, response.get_data()
            location = response.location
        visits[adapter.match(url.partition("?")[0], method="GET")[0] if status < 400 else "error"] += 1
        if status >= 500:
            failures.append(f"GET {url}: {status}")
            continue
        if location and status in (301, 302, 303, 307, 308):
            target = _same_site(url, location)
            if target:
                offer(target)
        if mimetype == XLSX:
            try:
                load_workbook(io.BytesIO(body), read_only=True).close()
                workbooks += 1
            except Exception as error:  # noqa: BLE001 - any failure to open is the finding
                failures.append(f"GET {url}: not a workbook ({error!r})")
        elif mimetype == "application/pdf":
            if not body.startswith(b"%PDF-"):
                failures.append(f"GET {url}: not a PDF")
        elif mimetype == "text/html":
            page = body.decode()
            for href in HREF.findall(page):
                target = _same_site(url, href)
                if target and not target.startswith("/static/"):
                    offer(target)
            for variant in _variants(url, page):
                offer(variant)
    return failures, visits, workbooks


@pytest.mark.parametrize("role", ["anonymous", *ACCOUNTS])
def test_every_reachable_page_answers_without_a_server_error(app, demo_world, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, ACCOUNTS[role])
    failures, visits, workbooks = crawl(app, client)
    print(f"\n{role}: {sum(visits.values())} pages, {workbooks} workbooks, {len(visits)} endpoints")
    assert failures == []
    assert visits["main.index"] >= 1 and visits["auth.login"] + visits["participant.contest"] >= 1
    if role == "participant":
        assert visits["participant.attempt_result"] >= 1 and visits["participant.leaderboard"] >= 1
        assert visits["participant.practice"] >= 1 and visits["participant.practice_topic"] >= 2  # the demo's two open topics
    if role in ("organizer", "admin"):
        assert visits["organizer.bank"] >= 3 and visits["organizer.edit_question"] >= 1  # the 101 questions, page 2, a search
        assert workbooks >= 5
    if role == "admin":
        assert visits["admin.users"] >= 2 and visits["admin.audit_log"] >= 2 and visits["admin.edit_unit"] >= 1
    if role == "unit_manager":
        assert visits["reports.participation"] >= 1 and workbooks >= 1
    if role == "participant":
        assert visits["awards.participation_certificate"] >= 1  # the attempt the demo world submitted
    if role == "organizer":
        assert visits["awards.poster"] >= 1
    if role in ("unit_manager", "organizer"):
        assert visits["reports.period_report"] >= 1 and visits["reports.print_period_report"] >= 1


def _real_ids(session) -> dict[str, int]:
    """An existing id for every integer a route takes."""

    def first(model):
        return session.scalar(select(model.id).order_by(model.id)) or 1

    contest = session.scalar(select(Contest))
    return {"contest_id": contest.id, "round_id": contest.rounds[0].id, "bank_id": first(QuestionBank),
            "question_id": first(Question), "attempt_id": first(Attempt), "unit_id": first(Unit),
            "user_id": first(User), "pending_id": first(PendingImport), "override_id": first(Override),
            "topic_id": first(Topic), "award_id": first(PrizeAward)}


def _build(rule: Rule, values: dict) -> str:
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<int:{name}>", str(value))
    return path


def _integer_get_rules(app) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if "GET" in r.methods and "<int:" in r.rule]


def test_every_integer_in_a_path_is_bounded_and_a_missing_id_is_a_4xx(app, demo_world):
    ids = demo_world
    rules = _integer_get_rules(app)
    assert len(rules) >= 15
    failures, checked = [], 0
    for role in ["anonymous", "participant", "admin"]:
        client = app.test_client()
        if role != "anonymous":
            login(client, ACCOUNTS[role])
        for rule in rules:
            names = sorted(rule.arguments)
            cases = [(bad, values) for bad in (ABSURD, BEYOND_INTEGER)
                     for values in ({n: bad for n in names}, *({**ids, n: bad} for n in names))]
            if role != "anonymous":  # anonymous is sent to the login page before any id is looked up
                cases += [(MISSING, {n: MISSING for n in names}), *((MISSING, {**ids, n: MISSING}) for n in names)]
            for bad, values in cases:
                url = _build(rule, values)
                with client.get(url) as response:
                    checked += 1
                    expected = range(404, 405) if bad != MISSING else range(400, 500)
                    if response.status_code not in expected:
                        failures.append(f"{role} GET {url}: {response.status_code}")
    print(f"\n{checked} requests with absurd or missing ids over {len(rules)} routes")
    assert failures == []


def test_absurd_numbers_in_query_strings_are_ignored_on_every_page(app, demo_world):
    ids = demo_world
    names = ("page", "vong", "top", "nhanh", "ip", "nguong", "topic", "difficulty")
    failures = []
    client = app.test_client()
    login(client, ACCOUNTS["admin"])
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "<path:" in rule.rule:
            continue
        for bad in (ABSURD, BEYOND_INTEGER):
            url = f"{_build(rule, ids)}?{urlencode({name: bad for name in names})}"
            with client.get(url) as response:
                if response.status_code >= 500:
                    failures.append(f"admin GET {url}: {response.status_code}")
    assert failures == []


NUL = "\x00"
REFUSED = "ký tự điều khiển không hợp lệ"


def test_a_control_character_in_a_form_or_a_query_is_a_clear_400(app, demo_world):
    """Login, registration and every search refuse NUL and its kin (PostgreSQL refuses NUL in text)."""
    client = app.test_client()
    refused = []
    logins = [{"identifier": f"0900000004{NUL}", "password": PASSWORD}, {"identifier": "0900000004", "password": f"Demo{NUL}2026"}]
    for data in logins:
        refused.append(client.post("/dang-nhap", data=data))
    for character in [NUL, "\x01", "\x1b"]:
        refused.append(client.post("/dang-ky", data={
            "full_name": f"Nguyễn{character} Văn A", "cccd": "001099012345", "phone": "0912345678", "email": "",
            "unit_id": str(demo_world["unit_id"]), "position": "", "password": "Cay-bang-xanh-7", "confirm": "Cay-bang-xanh-7"}))
    login(client, ACCOUNTS["admin"])
    for path in ["/quan-tri/nguoi-dung", "/quan-tri/nhat-ky", "/quan-tri/don-vi", f"/ban-to-chuc/ngan-hang/{demo_world['bank_id']}",
                 "/cuoc-thi", "/bao-cao/", f"/bao-cao/cuoc-thi/{demo_world['contest_id']}/don-vi"]:
        for query in ({"q": f"cai{NUL}cach"}, {f"q{NUL}": "x"}, {"don_vi": f"AH{NUL}"}):
            refused.append(client.get(path, query_string=query))
    for response in refused:
        assert response.status_code == 400, (response.request.url, response.status_code)
        assert REFUSED in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.phone == "0912345678")) is None
    # Tab and line breaks are ordinary input.
    assert client.get("/quan-tri/nguoi-dung", query_string={"q": "Dung\t\r\n"}).status_code == 200


def test_absurd_numbers_in_forms_are_form_errors(app, demo_world):
    client = app.test_client()
    login(client, ACCOUNTS["admin"])
    unit = {"code": "AH-X", "name": "Đơn vị thử", "kind": "office", "parent_id": str(demo_world["unit_id"]), "headcount": "5"}
    for url in ["/quan-tri/don-vi/them", f"/quan-tri/don-vi/{demo_world['unit_id']}"]:
        for field in ["headcount", "parent_id"]:
            response = client.post(url, data={**unit, field: str(ABSURD)})
            assert response.status_code == 422, (url, field, response.status_code)
    response = client.post("/quan-tri/don-vi/them", data={**unit, "headcount": str(ABSURD)})
    assert "Số CBCCVC không được vượt quá 1.000.000." in response.get_data(as_text=True)
