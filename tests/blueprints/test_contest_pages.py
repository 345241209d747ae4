"""Participant and organiser pages of contests: the whole path, without JavaScript and with the JSON autosave."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import Attempt, AttemptQuestion, Contest, Role, UnitKind
from tests.conftest import T0


@pytest.fixture
def contest(make_contest, make_bank, make_unit):
    unit = make_unit("P", kind=UnitKind.province, name="UBND tỉnh Thử")
    return make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=3), per_topic=3,
                        prediction_question="Bao nhiêu người tham gia?", prediction_resolver="participants",
                        review_policy="immediate", attempts_allowed=2)


@pytest.fixture
def player(login_as, contest, make_unit):
    return login_as(Role.participant, unit=make_unit("P-X", parent=contest.owner_unit, name="Xã Thử"), full_name="Nguyễn Thị Dự")


def _start(client, contest):
    round_ = contest.rounds[0]
    response = client.post(f"/cuoc-thi/{contest.id}/vong/{round_.id}/bat-dau")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/bai-thi/(\d+)", response.headers["Location"]).group(1))


def test_participant_sees_open_contests_and_starts(client, clock, contest, player):
    listing = client.get("/cuoc-thi").get_data(as_text=True)
    assert contest.title in listing and "Đang diễn ra" in listing
    page = client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert "Bắt đầu làm bài" in page and "6 câu hỏi" in page
    attempt_id = _start(client, contest)
    attempt_page = client.get(f"/bai-thi/{attempt_id}").get_data(as_text=True)
    assert attempt_page.count('class="question card') == 6
    assert 'data-remaining="1200"' in attempt_page
    assert "Bao nhiêu người tham gia?" in attempt_page


def test_no_javascript_flow_save_confirm_submit(client, db_session, clock, contest, player):
    attempt_id = _start(client, contest)
    attempt = db_session.get(Attempt, attempt_id)
    form = {f"q-{q.id}": q.correct_keys for q in attempt.questions[:4]}
    form["prediction"] = "3"
    clock.advance(minutes=2)
    saved = client.post(f"/bai-thi/{attempt_id}", data={**form, "action": "save"})
    assert saved.status_code == 302
    page = client.get(f"/bai-thi/{attempt_id}").get_data(as_text=True)
    assert "Đã lưu câu trả lời." in page and page.count("checked") >= 4 and 'value="3"' in page
    confirm = client.post(f"/bai-thi/{attempt_id}", data={**form, "action": "submit"})
    assert "Bạn còn <strong>2</strong> câu chưa trả lời." in confirm.get_data(as_text=True)
    done = client.post(f"/bai-thi/{attempt_id}", data={**form, "action": "submit", "confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/bai-thi/{attempt_id}/ket-qua")
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'id="score">4/6<' in result and "Đáp án đúng" in result and "2 phút 00 giây" in result
    db_session.expire_all()
    assert db_session.get(Attempt, attempt_id).prediction == 3


def test_json_autosave_is_idempotent_and_reports_the_true_remaining_time(client, db_session, clock, contest, player):
    attempt_id = _start(client, contest)
    question = db_session.get(Attempt, attempt_id).questions[0]
    clock.advance(minutes=5)
    for _ in range(2):
        response = client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": question.id, "keys": ["A"]})
        assert response.get_json() == {"saved": True, "status": "in_progress", "remaining_seconds": 900}
    assert client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": "x"}).status_code == 400
    assert client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"prediction": 12}).get_json()["saved"] is True
    # Reloading (or another device) shows the saved answer and the server's remaining time.
    clock.advance(minutes=1)
    page = client.get(f"/bai-thi/{attempt_id}").get_data(as_text=True)
    assert f'id="q-{question.id}-A" value="A" checked' in page and 'data-remaining="840"' in page


def test_saves_after_deadline_and_grace_are_refused_clearly(client, db_session, clock, contest, player):
    attempt_id = _start(client, contest)
    question = db_session.get(Attempt, attempt_id).questions[0]
    clock.advance(minutes=20, seconds=10)
    assert client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": question.id, "keys": ["A"]}).status_code == 200
    clock.advance(seconds=1)
    late = client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": question.id, "keys": ["B"]})
    body = late.get_json()
    assert late.status_code == 409 and body["status"] == "expired"
    assert body["error"].startswith("Đã hết thời gian làm bài")
    assert client.get(f"/bai-thi/{attempt_id}").headers["Location"].endswith("/ket-qua")


def test_attempts_allowed_message_on_the_page(client, clock, contest, player):
    for _ in range(2):
        attempt_id = _start(client, contest)
        client.post(f"/bai-thi/{attempt_id}", data={"action": "submit", "confirmed": "1"})
    response = client.post(f"/cuoc-thi/{contest.id}/vong/{contest.rounds[0].id}/bat-dau", follow_redirects=True)
    assert "Bạn đã dùng hết 2 lượt thi của vòng này." in response.get_data(as_text=True)


def test_another_participant_cannot_read_or_write_an_attempt(client, db_session, clock, contest, player, make_user, login):
    attempt_id = _start(client, contest)
    question_id = db_session.get(Attempt, attempt_id).questions[0].id
    client.post("/dang-xuat")
    login(make_user(unit=contest.owner_unit))
    assert client.get(f"/bai-thi/{attempt_id}").status_code == 404
    assert client.get(f"/bai-thi/{attempt_id}/ket-qua").status_code == 404
    assert client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": question_id, "keys": ["A"]}).status_code == 404
    assert client.post(f"/bai-thi/{attempt_id}", data={"action": "submit", "confirmed": "1"}).status_code == 404


def _normalise(html: str) -> str:
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)
    return re.sub(r'data-csrf="[^"]+"', "", html)


def test_the_answer_key_never_reaches_the_browser_before_submission(client, db_session, clock, contest, player):
    """Render every page and JSON response of a running attempt twice, with two different keys:
    the bytes are the same, so nothing in them depends on the key."""
    attempt_id = _start(client, contest)
    attempt = db_session.get(Attempt, attempt_id)
    question = attempt.questions[0]

    def responses():
        pages = [client.get(f"/bai-thi/{attempt_id}"), client.get(f"/cuoc-thi/{contest.id}"), client.get("/cuoc-thi"),
                 client.get(f"/api/bai-thi/{attempt_id}/trang-thai"),
                 client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": question.id, "keys": ["A"]}),
                 client.post(f"/bai-thi/{attempt_id}", data={"action": "submit"})]
        return [_normalise(p.get_data(as_text=True)) for p in pages]

    first = responses()
    for q in db_session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)):
        q.correct_keys = ["B"] if q.correct_keys != ["B"] else ["A"]
    db_session.commit()
    assert responses() == first
    assert all("correct" not in body for body in first)


def test_leaderboard_shows_names_and_units_never_phone_or_cccd(client, db_session, clock, contest, player):
    attempt_id = _start(client, contest)
    client.post(f"/bai-thi/{attempt_id}", data={"action": "submit", "confirmed": "1"})
    client.post("/dang-xuat")
    page = client.get(f"/cuoc-thi/{contest.id}/xep-hang?vong={contest.rounds[0].id}").get_data(as_text=True)
    assert "Nguyễn Thị Dự" in page and "Xã Thử" in page
    assert player.phone not in page and player.cccd not in page
    assert "Tiêu chí câu hỏi dự đoán chỉ được áp dụng sau khi vòng thi kết thúc" in page


@pytest.mark.parametrize("visibility, anonymous, participant", [("hidden", 403, 403), ("participants", 403, 200), ("public", 200, 200)])
def test_leaderboard_visibility(client, db_session, contest, player, visibility, anonymous, participant):
    contest.leaderboard_visibility = visibility
    db_session.commit()
    assert client.get(f"/cuoc-thi/{contest.id}/xep-hang").status_code == participant
    client.post("/dang-xuat")
    assert client.get(f"/cuoc-thi/{contest.id}/xep-hang").status_code == anonymous


def test_organizer_builds_a_contest_with_a_round_and_publishes(client, db_session, clock, login_as, make_unit, make_bank):
    unit = make_unit("ORG", kind=UnitKind.province)
    bank = make_bank(owner=unit, per_topic=4)
    organizer = login_as(Role.organizer, unit=unit)
    response = client.post("/ban-to-chuc/cuoc-thi/moi", data={
        "title": "Thi tìm hiểu Chính quyền số", "owner_unit_id": str(unit.id), "rules_markdown": "<p>Thể lệ</p><script>x</script>",
        "audience": "units", "eligible_unit_ids": [str(unit.id)], "attempts_allowed": "1", "grading": "best",
        "points_per_question": "2", "review_policy": "after_close", "leaderboard_visibility": "public",
        "shuffle_questions": "y", "prediction_question": "", "prediction_resolver": "",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    contest = db_session.scalar(select(Contest))
    assert contest.rules_html == "<p>Thể lệ</p>" and contest.shuffle_choices is False and contest.points_per_question == 2
    topic = bank.topics[0]
    round_form = {"title": "Tuần 1", "opens_at": "23/11/2026 08:00", "closes_at": "30/11/2026 17:00", "time_limit_minutes": "10",
                  "blueprint-0-bank_id": str(bank.id), "blueprint-0-topic_id": str(topic.id), "blueprint-0-difficulty": "0", "blueprint-0-count": "5"}
    too_many = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/moi", data=round_form)
    assert too_many.status_code == 422 and "cần 5 câu nhưng ngân hàng chỉ có 4 câu đang dùng" in too_many.get_data(as_text=True)
    round_form["blueprint-0-count"] = "3"
    assert client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/moi", data=round_form).status_code == 302
    db_session.expire_all()
    round_ = db_session.scalar(select(Contest)).rounds[0]
    assert round_.opens_at == T0 and round_.closes_at == T0 + timedelta(days=7, hours=9)
    assert client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/trang-thai", data={"status": "published"}).status_code == 302
    db_session.expire_all()
    assert db_session.scalar(select(Contest)).status == "published"
    page = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert "Đã công bố" in page and "3 câu, 10 phút" in page
    assert organizer.unit_id == unit.id


def test_organizer_of_another_unit_does_not_see_the_contest_listed(client, contest, login_as, make_unit):
    """(That they cannot open it is the authorisation matrix's business.)"""
    login_as(Role.organizer, unit=make_unit("OTHER", kind=UnitKind.province))
    assert contest.title not in client.get("/ban-to-chuc/cuoc-thi").get_data(as_text=True)


def test_expire_attempts_command(app, db_session, clock, contest, player, client):
    attempt_id = _start(client, contest)
    clock.advance(hours=1)
    result = app.test_cli_runner().invoke(args=["expire-attempts"])
    assert "Đã kết thúc và chấm 1 bài thi quá hạn." in result.output
    db_session.expire_all()
    assert db_session.get(Attempt, attempt_id).status == "expired"


def test_autosave_needs_a_session_and_an_active_account(app, client, db_session, clock, contest, player):
    attempt_id = _start(client, contest)
    question = db_session.get(Attempt, attempt_id).questions[0]
    payload = {"question_id": question.id, "keys": ["A"]}
    stranger = app.test_client()
    response = stranger.post(f"/api/bai-thi/{attempt_id}/tra-loi", json=payload)
    assert response.status_code == 401 and "đăng nhập lại" in response.get_json()["error"]
    assert client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json=payload).status_code == 200
    player.active = False
    db_session.merge(player)
    db_session.commit()
    locked = client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json=payload)
    assert locked.status_code == 401 and locked.get_json()["error"] == "Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại."


def test_a_javascript_submit_never_overwrites_autosaved_answers(client, db_session, clock, contest, player):
    attempt_id = _start(client, contest)
    question = db_session.get(Attempt, attempt_id).questions[0]
    client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": question.id, "keys": question.correct_keys})
    # A page loaded earlier (or on another device) posts no choices: with autosaved=1 nothing is cleared.
    client.post(f"/bai-thi/{attempt_id}", data={"action": "submit", "confirmed": "1", "autosaved": "1"})
    db_session.expire_all()
    assert db_session.get(Attempt, attempt_id).score == 1
