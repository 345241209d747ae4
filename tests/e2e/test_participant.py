"""A participant on a 390×844 phone: register, start, answer, reload, lose the network, run out of time, result, ranking."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from contest import create_app, db
from contest.models import QuestionBank, Unit
from contest.services import contests as contest_service
from contest.timeutil import utcnow
from question_bank.sample import SAMPLE_BANK_NAME
from tests.e2e.conftest import accessibility_problems, screenshot
from contest.db import dispose_engines

PHONE = (390, 844)
ROUND_SECONDS = 60


def short_contest(database_url: str, seconds: int) -> int:
    """A published contest whose only round closes `seconds` from now: the clock runs out for real."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "e2e"})
    with app.app_context():
        session = db.session
        root = session.query(Unit).filter_by(code="AH").one()
        bank = session.query(QuestionBank).filter_by(name=SAMPLE_BANK_NAME).one()
        contest = contest_service.create_contest(session, root, contest_service.ContestSettings(
            title="Cuộc thi thử hết giờ", eligible_unit_ids=[root.id], review_policy="immediate", leaderboard_visibility="public",
            prediction_question="Dự đoán số người tham gia?", prediction_resolver="participants"))
        topics = {t.name: t for t in bank.topics}
        lines = [contest_service.BlueprintLine(bank.id, topics["Cải cách thủ tục hành chính"].id, None, 3),
                 contest_service.BlueprintLine(bank.id, topics["Chính quyền điện tử, chính quyền số"].id, None, 3)]
        now = utcnow()
        contest_service.save_round(session, contest, None, contest_service.RoundSettings(
            "Vòng nhanh", now - timedelta(minutes=1), now + timedelta(seconds=seconds), 15, lines))
        contest_service.set_status(session, contest, "published")
        session.commit()
        contest_id = contest.id
    dispose_engines(app)
    return contest_id


def expected_problem(message: str) -> bool:
    """Requests refused while the test has cut the network are the point of that step."""
    return "ERR_INTERNET_DISCONNECTED" in message or "Failed to fetch" in message


def checked_keys(page) -> dict[str, str]:
    return page.evaluate("() => Object.fromEntries(Array.from(document.querySelectorAll('fieldset.question input:checked')).map(i => [i.name, i.value]))")


def test_participant_on_a_phone(open_page, e2e_database, e2e_engine):
    page, problems = open_page(*PHONE)

    page.goto("/dang-ky")
    assert accessibility_problems(page) == []
    page.get_by_label("Họ và tên").fill("Vũ Thị Kiểm Thử")
    page.get_by_label("Số CCCD (12 chữ số").fill("001199004321")
    page.get_by_label("Số điện thoại di động").fill("0987 654 321")
    page.get_by_label("Email (không bắt buộc)").fill("kiem.thu@example.vn")
    assert page.get_by_label("Cán bộ, công chức, viên chức", exact=True).is_checked()  # the default group
    page.get_by_role("searchbox", name="Tìm trong danh sách: Đơn vị công tác").fill("dong phong")
    page.get_by_label("Đơn vị công tác (cán bộ, công chức, viên chức)", exact=True).select_option(label="Xã Đông Phong — Huyện Đông Giang (AH-HDG-03)")
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự").fill("Sao-bang-dem-9")
    page.get_by_label("Nhập lại mật khẩu").fill("Sao-bang-dem-9")
    screenshot(page, "phone-register")
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_url(re.compile(r".*/$"))  # a new registration lands on the home page
    page.goto("/tai-khoan")
    assert "Xã Đông Phong" in page.locator("#my-unit").inner_text()

    contest_id = short_contest(e2e_database, ROUND_SECONDS)
    page.goto(f"/cuoc-thi/{contest_id}")
    screenshot(page, "phone-contest")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r".*/bai-thi/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    assert page.get_by_role("button", name="Xem tất cả các câu").is_visible()  # phones start one question at a time
    assert accessibility_problems(page) == []

    for _ in range(3):
        question = page.locator("fieldset.question:visible")
        question.locator(".choice label").first.click()
        question.get_by_text("Đã lưu").wait_for()
        page.get_by_role("button", name="Câu sau").click()
    screenshot(page, "phone-attempt")
    before_reload = checked_keys(page)
    timer_before = page.locator("#timer").inner_text()

    page.reload()
    assert checked_keys(page) == before_reload and len(before_reload) == 3
    minutes, seconds = map(int, page.locator("#timer").inner_text().split(":"))
    before_minutes, before_seconds = map(int, timer_before.split(":"))
    assert 0 <= (before_minutes * 60 + before_seconds) - (minutes * 60 + seconds) <= 5  # the server's remaining time

    page.context.set_offline(True)
    page.locator(".map-item").nth(3).click()
    offline_question = page.locator("fieldset.question:visible")
    offline_question.locator(".choice label").nth(1).click()
    page.get_by_text(re.compile("Mất kết nối")).wait_for()
    screenshot(page, "phone-offline")
    page.context.set_offline(False)
    page.locator("#save-status").get_by_text("Đã lưu").wait_for(timeout=20_000)
    with e2e_engine.connect() as connection:
        saved = connection.execute(text("SELECT count(*) FROM answers WHERE attempt_id = :a AND selected <> ''"), {"a": attempt_id}).scalar()
    assert saved == 4

    page.get_by_label(re.compile("Câu hỏi dự đoán")).fill("7")
    page.get_by_label(re.compile("Câu hỏi dự đoán")).blur()
    page.wait_for_url(re.compile(r".*/ket-qua$"), timeout=(ROUND_SECONDS + 20) * 1000)  # the clock runs out: the browser submits
    assert "Kết quả bài thi" in page.content()
    screenshot(page, "phone-result")
    with e2e_engine.connect() as connection:
        status, prediction = connection.execute(text("SELECT status, prediction FROM attempts WHERE id = :a"), {"a": attempt_id}).one()
    assert status in ("submitted", "expired") and prediction == 7

    page.get_by_role("link", name="Bảng xếp hạng").click()
    assert page.get_by_role("cell", name="Vũ Thị Kiểm Thử").is_visible()
    screenshot(page, "phone-ranking")
    assert [m for m in problems.messages if not expected_problem(m)] == []


def test_the_attempt_page_works_with_the_keyboard_alone(open_page, e2e_engine):
    from tests.e2e.conftest import log_in

    page, problems = open_page(1366, 768)
    log_in(page, "0900000005")
    page.goto("/cuoc-thi/1")
    start = page.get_by_role("button", name=re.compile("Bắt đầu làm bài|Thi lại"))
    if start.count():
        start.focus()
        page.keyboard.press("Enter")
    else:
        page.get_by_role("link", name="Tiếp tục làm bài").click()
    page.wait_for_url(re.compile(r".*/bai-thi/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    first_radio = page.locator("fieldset.question input").first
    for _ in range(60):  # Tab through the page until the first choice has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement") and first_radio.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the first choice cannot be reached with Tab")
    page.keyboard.press("Space")
    if first_radio.get_attribute("type") == "radio":
        page.keyboard.press("ArrowDown")  # a radio group moves with the arrow keys
        expected = ["B"]
    else:  # several answers: checkboxes, one Tab stop each
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        expected = ["A,B"]
    saved = []
    for _ in range(50):  # the choices are saved in turn; the last state must win
        with e2e_engine.connect() as connection:
            saved = connection.execute(text("SELECT selected FROM answers WHERE attempt_id = :a"), {"a": attempt_id}).scalars().all()
        if saved == expected:
            break
        page.wait_for_timeout(100)
    assert saved == expected
    page.locator("#save-status").get_by_text("Đã lưu").wait_for()
    screenshot(page, "desktop-attempt")
    assert accessibility_problems(page) == []
    assert problems.messages == []


def _stored_answers(engine, attempt_id: int) -> dict[int, str]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT attempt_question_id, selected FROM answers WHERE attempt_id = :a"),
                                       {"a": attempt_id}).all())


def _wait_for_answers(engine, attempt_id: int, expected: dict[int, str], timeout_s: float = 25) -> dict[int, str]:
    import time

    end = time.monotonic() + timeout_s
    while True:
        stored = _stored_answers(engine, attempt_id)
        if all(stored.get(q) == v for q, v in expected.items()) or time.monotonic() > end:
            return stored
        time.sleep(0.2)


def _choose(page, question_id: int, key: str) -> None:
    page.locator(f'label[for="q-{question_id}-{key}"]').click()


def test_answers_chosen_offline_survive_closing_and_reloading_the_page(open_page, e2e_engine):
    from tests.e2e.conftest import log_in

    page, problems = open_page(1366, 768)
    context = page.context
    log_in(page, "0900000004")
    page.goto("/cuoc-thi/1")
    start = page.get_by_role("button", name=re.compile("Bắt đầu làm bài|Thi lại"))
    if start.count():
        start.click()
    else:
        page.get_by_role("link", name="Tiếp tục làm bài").click()
    page.wait_for_url(re.compile(r".*/bai-thi/\d+$"))
    attempt_path = page.url[page.url.index("/bai-thi/"):]
    attempt_id = int(attempt_path.rsplit("/", 1)[1])
    if page.get_by_role("button", name="Xem tất cả các câu").is_visible():
        page.get_by_role("button", name="Xem tất cả các câu").click()
    # One-choice questions only: on a multiple-choice one, choosing B after A keeps both.
    ids = [int(q) for q in page.locator('fieldset.question:not([data-kind="multiple"])').evaluate_all("els => els.map(e => e.dataset.question)")]
    assert len(ids) >= 3
    with e2e_engine.begin() as connection:  # a fresh start for these questions whatever earlier runs left
        connection.execute(text("DELETE FROM answers WHERE attempt_id = :a"), {"a": attempt_id})
    page.reload()
    unsaved = page.locator("#unsaved-count")
    unsaved.wait_for(state="hidden")

    # 1. The network goes away; two answers are chosen; the tab is closed before it comes back.
    context.set_offline(True)
    _choose(page, ids[0], "A")
    _choose(page, ids[1], "B")
    unsaved.get_by_text("2 câu chưa lưu").wait_for()
    screenshot(page, "desktop-unsaved-offline")
    page.close()
    context.set_offline(False)
    assert _stored_answers(e2e_engine, attempt_id) == {}

    # The attempt opened again (same browser) shows the two choices and saves them.
    page = context.new_page()
    problems_after = type(problems)(page)
    page.goto(attempt_path)
    unsaved = page.locator("#unsaved-count")
    assert page.locator(f"#q-{ids[0]}-A").is_checked() and page.locator(f"#q-{ids[1]}-B").is_checked()
    assert _wait_for_answers(e2e_engine, attempt_id, {ids[0]: "A", ids[1]: "B"}) == {ids[0]: "A", ids[1]: "B"}
    page.locator("#save-status").get_by_text("Đã lưu").wait_for()
    unsaved.wait_for(state="hidden")
    assert page.evaluate(f"localStorage.getItem('attempt-unsent-{attempt_id}')") is None

    # 2. Only the saves fail (page loads work): a reload shows the unsent choice, still counted and still sent.
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while something is unsaved
    save_url = f"**/api/bai-thi/{attempt_id}/tra-loi"
    page.route(save_url, lambda route: route.abort("internetdisconnected"))
    _choose(page, ids[2], "A")
    _choose(page, ids[0], "B")  # a newer choice for a question already saved as A
    unsaved.get_by_text("2 câu chưa lưu").wait_for()
    page.reload()
    assert page.locator(f"#q-{ids[2]}-A").is_checked() and page.locator(f"#q-{ids[0]}-B").is_checked()
    unsaved.get_by_text("2 câu chưa lưu").wait_for()
    page.unroute(save_url)
    expected = {ids[0]: "B", ids[1]: "B", ids[2]: "A"}
    assert _wait_for_answers(e2e_engine, attempt_id, expected) == expected
    page.locator("#save-status").get_by_text("Đã lưu").wait_for(timeout=20_000)
    unsaved.wait_for(state="hidden")

    # 3. A stored choice older than the server's answer (saved later from another device) does not overwrite it.
    # (Every question has choices A and B, true/false ones too: B -> A here, B again from the other device.)
    page.route(save_url, lambda route: route.abort("internetdisconnected"))
    _choose(page, ids[1], "A")
    unsaved.get_by_text("1 câu chưa lưu").wait_for()
    csrf = page.locator("#attempt").get_attribute("data-csrf")
    page.wait_for_timeout(50)
    other_device = context.request.post(attempt_path.replace("/bai-thi/", "/api/bai-thi/") + "/tra-loi",
                                        data={"question_id": ids[1], "keys": ["B"]}, headers={"X-CSRFToken": csrf})
    assert other_device.ok
    page.unroute(save_url)
    page.reload()
    assert page.locator(f"#q-{ids[1]}-B").is_checked() and not page.locator(f"#q-{ids[1]}-A").is_checked()
    unsaved.wait_for(state="hidden")
    page.wait_for_timeout(1500)
    assert _stored_answers(e2e_engine, attempt_id)[ids[1]] == "B"
    assert page.evaluate(f"localStorage.getItem('attempt-unsent-{attempt_id}')") is None
    assert accessibility_problems(page) == []
    assert [m for m in problems.messages + problems_after.messages if not expected_problem(m)] == []


def test_a_citizen_registers_with_a_commune_of_residence_on_a_phone(open_page, e2e_engine):
    page, problems = open_page(*PHONE)
    page.goto("/dang-ky")
    workplace = page.get_by_label("Đơn vị công tác (cán bộ, công chức, viên chức)", exact=True)
    residence = page.get_by_label("Xã/phường nơi cư trú (người dân)", exact=True)
    assert workplace.is_visible() and not residence.is_visible()  # civil servants first
    page.get_by_label("Người dân", exact=True).check()
    assert residence.is_visible() and not workplace.is_visible()  # the pickers follow the group
    page.get_by_label("Họ và tên").fill("Lê Thị Cư Dân")
    page.get_by_label("Số điện thoại di động").fill("0987 654 399")
    page.get_by_role("searchbox", name="Tìm trong danh sách: Xã/phường nơi cư trú").fill("dong phong")
    residence.select_option(label="Xã Đông Phong — Huyện Đông Giang (AH-HDG-03)")
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự").fill("Sao-bang-dem-9")
    page.get_by_label("Nhập lại mật khẩu").fill("Sao-bang-dem-9")
    screenshot(page, "phone-register-citizen")
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_url(re.compile(r".*/$"))  # registered without a CCCD or a workplace
    with e2e_engine.connect() as connection:
        group, residence_code, unit_id = connection.execute(text(
            "SELECT u.participant_group, r.code, u.unit_id FROM users u JOIN units r ON r.id = u.residence_unit_id"
            " WHERE u.phone = '0987654399'")).one()
    assert (group, residence_code, unit_id) == ("citizen", "AH-HDG-03", None)
    assert problems.messages == []
