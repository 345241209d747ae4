"""The home page (issue 18): each open contest with its current round, the way in, participants and last winners;
logging in and registering land there; Open Graph tags on the home and contest pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contest import cache
from contest.models import Role, UnitKind
from contest.services import home as home_service
from tests.conftest import T0
from tests.helpers import play


@pytest.fixture
def province(make_unit):
    return make_unit("P", kind=UnitKind.province, name="UBND tỉnh Thử")


@pytest.fixture
def contest(make_contest, province, db_session):
    """Two weekly rounds: week 1 open from T0, week 2 from T0 + 7 days; the rules as the pages show them (HTML)."""
    contest = make_contest(unit=province, rounds=2, title="Cuộc thi tìm hiểu CCHC năm 2026")
    contest.rules_html = "<p>Mỗi tuần một vòng, <strong>20 câu</strong> trong 20 phút.</p>"
    db_session.commit()
    return contest


@pytest.fixture
def commune(make_unit, province):
    return make_unit("P-X", parent=province, name="Xã Thử")


def _card(page: str, contest) -> str:
    match = re.search(rf'<article class="card home-contest[^"]*" id="contest-{contest.id}".*?</article>', page, re.S)
    assert match, page
    return match.group(0)


def test_home_without_open_contests(client, clock, login_as, make_contest, province):
    make_contest(unit=province, publish=False, title="Bản nháp")  # a draft is nobody's open contest
    page = client.get("/").get_data(as_text=True)
    assert "Hiện chưa có cuộc thi nào đang mở." in page and "Bản nháp" not in page
    assert 'href="/dang-ky"' in page
    login_as(Role.participant, unit=province)
    assert "Hiện chưa có cuộc thi nào đang mở cho bạn." in client.get("/").get_data(as_text=True)


def test_anonymous_visitor_sees_the_open_contest_and_the_way_in(client, clock, contest):
    clock.advance(hours=1)
    page = client.get("/").get_data(as_text=True)
    card = _card(page, contest)
    assert "Cuộc thi tìm hiểu CCHC năm 2026" in card
    assert "Từ 23/11/2026 08:00 đến 07/12/2026 08:00" in card  # the first round's opening, the last round's close
    assert "Mỗi tuần một vòng, 20 câu trong 20 phút." in card  # the rules as plain text
    assert "Tuần 1" in card and "kết thúc lúc 30/11/2026 08:00" in card
    assert 'data-countdown="601200"' in card and "6 ngày 23:00:00" in card  # works without JavaScript
    assert "Đăng nhập để thi" in card and 'href="/dang-ky"' in card and "Vào thi" not in card
    assert "0</span> người đã tham gia" in card


def test_participant_enters_in_one_tap_then_continues(app, client, db_session, clock, contest, login_as, commune):
    app.config["LEADERBOARD_CACHE_SECONDS"] = 0  # the count of participants is not kept between the two pages
    login_as(Role.participant, unit=commune)
    card = _card(client.get("/").get_data(as_text=True), contest)
    round_ = contest.rounds[0]
    assert f'action="/cuoc-thi/{contest.id}/vong/{round_.id}/bat-dau"' in card and ">Vào thi</button>" in card
    assert "Còn 1 lượt thi." in card
    started = client.post(f"/cuoc-thi/{contest.id}/vong/{round_.id}/bat-dau")  # the button's form
    attempt_url = started.headers["Location"]
    assert re.fullmatch(r"/bai-thi/\d+", attempt_url)
    card = _card(client.get("/").get_data(as_text=True), contest)
    assert "Tiếp tục bài thi" in card and f'href="{attempt_url}"' in card and "Vào thi" not in card
    assert "1</span> người đã tham gia" in card


def test_the_count_of_participants_is_kept_for_the_cache_period(app, client, db_session, clock, contest, make_user, commune):
    app.config["LEADERBOARD_CACHE_SECONDS"] = 60
    assert "0</span> người đã tham gia" in _card(client.get("/").get_data(as_text=True), contest)
    play(db_session, make_user(unit=commune), contest.rounds[0], T0, correct=1)
    assert "0</span> người đã tham gia" in _card(client.get("/").get_data(as_text=True), contest)  # one query a minute
    app.config["LEADERBOARD_CACHE_SECONDS"] = 0
    cache.delete_prefix(db_session, cache.participants_key(contest.id))
    db_session.commit()
    assert "1</span> người đã tham gia" in _card(client.get("/").get_data(as_text=True), contest)


def test_participant_with_no_attempt_left_is_told_so(client, db_session, clock, contest, login_as, commune):
    user = login_as(Role.participant, unit=commune)
    play(db_session, user, contest.rounds[0], T0, correct=2)
    card = _card(client.get("/").get_data(as_text=True), contest)
    assert "Bạn đã dùng hết lượt thi của vòng này." in card and "Vào thi" not in card and "Tiếp tục bài thi" not in card


def test_a_person_outside_the_contest_sees_no_button(client, clock, contest, login_as, make_unit):
    login_as(Role.participant, unit=make_unit("Q", kind=UnitKind.province))
    assert "Hiện chưa có cuộc thi nào đang mở cho bạn." in client.get("/").get_data(as_text=True)


def test_upcoming_round_counts_down_to_its_opening(client, clock, contest):
    clock.set(T0 - timedelta(hours=2))
    card = _card(client.get("/").get_data(as_text=True), contest)
    assert "Sắp diễn ra" in card and "mở lúc 23/11/2026 08:00" in card
    assert 'data-countdown="7200"' in card and "02:00:00" in card and "Vào thi" not in card


def test_several_open_contests_closing_soonest_first(client, clock, make_contest, province, contest):
    later = make_contest(unit=province, title="Cuộc thi chuyển đổi số", rounds=3)
    clock.advance(days=8)  # contest: week 2 open, closing at T0 + 14 days; later: the same
    page = client.get("/").get_data(as_text=True)
    assert page.index(f'id="contest-{contest.id}"') < page.index(f'id="contest-{later.id}"')
    clock.advance(days=7)  # contest has ended; later runs its third week
    page = client.get("/").get_data(as_text=True)
    assert f'id="contest-{contest.id}"' not in page and "Tuần 3" in _card(page, later)


@pytest.mark.parametrize(
    "visibility, anonymous, participant",
    [("public", True, True), ("participants", False, True), ("hidden", False, False)],
)
def test_last_round_winners_only_where_the_leaderboard_is_visible(
    client, db_session, clock, contest, make_user, login, commune, visibility, anonymous, participant
):
    winner = make_user(unit=commune, full_name="Nguyễn Văn Nhất")
    runner_up = make_user(unit=commune, full_name="Trần Thị Nhì")
    play(db_session, winner, contest.rounds[0], T0 + timedelta(hours=1), correct=4)
    play(db_session, runner_up, contest.rounds[0], T0 + timedelta(hours=2), correct=2)
    contest.leaderboard_visibility = visibility
    db_session.commit()
    clock.advance(days=8)  # week 1 has closed, week 2 runs
    card = _card(client.get("/").get_data(as_text=True), contest)
    assert ("Dẫn đầu Tuần 1" in card) is anonymous
    login(make_user(unit=commune))
    card = _card(client.get("/").get_data(as_text=True), contest)
    assert ("Dẫn đầu Tuần 1" in card) is participant
    if participant:
        assert card.index("Nguyễn Văn Nhất") < card.index("Trần Thị Nhì") and "Xã Thử" in card and "4/4" in card
        assert "2</span> người đã tham gia" in card


def test_no_winners_before_any_round_closed(client, db_session, clock, contest, make_user, commune):
    play(db_session, make_user(unit=commune), contest.rounds[0], T0, correct=4)
    assert "Dẫn đầu" not in _card(client.get("/").get_data(as_text=True), contest)


def test_login_lands_on_the_home_unless_a_safe_next_is_given(client, make_user):
    user = make_user(phone="0912000111")
    data = {"identifier": user.phone, "password": "Sen-hong-2026"}
    assert client.post("/dang-nhap", data=data).headers["Location"] == "/"
    client.post("/dang-xuat", data={})
    assert client.post("/dang-nhap?next=//evil.example/x", data=data).headers["Location"] == "/"


@pytest.mark.parametrize("next_target, landing", [(None, "/"), ("/cuoc-thi", "/cuoc-thi"), ("https://evil.example/", "/")])
def test_registration_lands_on_the_home_unless_a_safe_next_is_given(client, commune, next_target, landing):
    form = {"full_name": "Lê Thị Mới", "cccd": "001090000222", "phone": "0912000222", "email": "",
            "unit_id": str(commune.id), "position": "", "password": "Hoa-sen-2026!", "confirm": "Hoa-sen-2026!"}
    url = "/dang-ky" + (f"?next={next_target}" if next_target else "")
    response = client.post(url, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == landing


def _og(page: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="(og:[a-z:_]+)" content="([^"]*)">', page))


def test_open_graph_tags_on_the_home_and_the_contest_page(client, app, clock, contest):
    tags = _og(client.get("/").get_data(as_text=True))
    assert tags["og:title"] == "Cuộc thi tìm hiểu CCHC năm 2026"  # one open contest: the home shares it
    assert tags["og:description"].startswith("Từ 23/11/2026 08:00 đến 07/12/2026 08:00. Mỗi tuần một vòng")
    assert tags["og:url"] == "http://localhost/"
    assert tags["og:image"] == "http://localhost/static/img/og-default.png"
    with client.get("/static/img/og-default.png") as image:
        assert image.status_code == 200 and image.mimetype == "image/png"
    app.config["PUBLIC_URL"] = "https://thi.example.gov.vn"  # never the Host header the client chose
    tags = _og(client.get(f"/cuoc-thi/{contest.id}", headers={"Host": "evil.example"}).get_data(as_text=True))
    assert tags["og:title"] == "Cuộc thi tìm hiểu CCHC năm 2026"
    assert tags["og:description"].startswith("Từ 23/11/2026 08:00 đến 07/12/2026 08:00.")
    assert tags["og:url"] == f"https://thi.example.gov.vn/cuoc-thi/{contest.id}"
    assert tags["og:image"] == "https://thi.example.gov.vn/static/img/og-default.png"


def test_open_graph_of_a_home_with_several_or_no_contests(client, clock, make_contest, province):
    assert _og(client.get("/").get_data(as_text=True))["og:title"] == "Cuộc thi trực tuyến tìm hiểu cải cách hành chính"
    make_contest(unit=province, title="Một")
    make_contest(unit=province, title="Hai")
    tags = _og(client.get("/").get_data(as_text=True))
    assert tags["og:title"] == "Cuộc thi trực tuyến tìm hiểu cải cách hành chính"
    assert tags["og:description"].startswith("Đang mở 2 cuộc thi.")


@pytest.mark.parametrize(
    "rules, summary",
    [
        ("", ""),
        ("<p>Thi &amp; học</p><ul><li>Một</li><li>Hai</li></ul>", "Thi & học Một Hai"),
        ("<p>" + "chữ " * 100 + "</p>", ("chữ " * 60).strip() + "…"),
        ("<script>alert(1)</script><p>An toàn</p>", "An toàn"),
    ],
)
def test_rules_summary_is_plain_text_cut_at_a_word(rules, summary):
    assert home_service.rules_summary(rules) == summary


@pytest.mark.parametrize("seconds, text", [(0, "00:00:00"), (59, "00:00:59"), (3661, "01:01:01"), (2 * 86400 + 5, "2 ngày 00:00:05")])
def test_countdown_text(seconds, text):
    assert home_service.countdown_text(seconds) == text


def test_winners_per_group_where_groups_rank_apart(client, db_session, clock, make_contest, make_user, province, commune):
    """A contest of civil servants and citizens ranks them apart: the home card shows the top of each group, each
    with its own leaderboard link, and a citizen never appears among the civil servants."""
    contest = make_contest(unit=province, rounds=2, admitted_groups="civil_servant,citizen")
    servant = make_user(unit=commune, full_name="Nguyễn Văn Công")
    citizen = make_user(participant_group="citizen", residence_unit=commune, full_name="Lê Thị Dân")
    play(db_session, citizen, contest.rounds[0], T0 + timedelta(hours=1), correct=4)
    play(db_session, servant, contest.rounds[0], T0 + timedelta(hours=2), correct=2)
    clock.advance(days=8)
    card = _card(client.get("/").get_data(as_text=True), contest)
    servants = card.index("Cán bộ, công chức, viên chức</h4>")
    citizens = card.index("Người dân</h4>")
    assert servants < card.index("Nguyễn Văn Công") < citizens < card.index("Lê Thị Dân")
    assert f"vong={contest.rounds[0].id}&amp;nhom=citizen" in card and f"vong={contest.rounds[0].id}&amp;nhom=civil_servant" in card
    assert card.count('<span class="fw-semibold home-rank">1</span>') == 2  # each leads their own group
