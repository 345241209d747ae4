"""Issue 18, item 5: the attempt page reopens on the question the participant was on (saved on the server, so on
another device too), and the result page tells an unanswered question from a wrong one."""

from __future__ import annotations

import re

import pytest

from contest.models import Attempt, Role, UnitKind
from contest.services import attempts as attempt_service
from tests.conftest import T0
from tests.helpers import POLICY


@pytest.fixture
def contest(make_contest, make_unit):
    unit = make_unit("P", kind=UnitKind.province)
    return make_contest(unit=unit, review_policy="immediate")


@pytest.fixture
def player(login_as, contest, make_unit):
    return login_as(Role.participant, unit=make_unit("P-X", parent=contest.owner_unit), phone="0912000333")


def _start(client, contest) -> int:
    response = client.post(f"/cuoc-thi/{contest.id}/vong/{contest.rounds[0].id}/bat-dau")
    return int(re.search(r"/bai-thi/(\d+)", response.headers["Location"]).group(1))


def _position(page: str) -> int:
    return int(re.search(r'data-position="(\d+)"', page).group(1))


def test_the_question_shown_is_kept_on_the_server_for_a_reload_or_another_device(app, client, clock, contest, player):
    attempt_id = _start(client, contest)
    assert _position(client.get(f"/bai-thi/{attempt_id}").get_data(as_text=True)) == 1
    response = client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"position": 3})
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert _position(client.get(f"/bai-thi/{attempt_id}").get_data(as_text=True)) == 3  # a reload
    other_device = app.test_client()
    other_device.post("/dang-nhap", data={"identifier": player.phone, "password": "Sen-hong-2026"})
    assert _position(other_device.get(f"/bai-thi/{attempt_id}").get_data(as_text=True)) == 3


@pytest.mark.parametrize(
    "position, status, message",
    [
        (0, 400, "Vị trí câu hỏi không hợp lệ."),
        ("2", 400, "Vị trí câu hỏi không hợp lệ."),
        (True, 400, "Vị trí câu hỏi không hợp lệ."),
        (2**40, 400, "Vị trí câu hỏi không hợp lệ."),
        (5, 422, "Bài thi có 4 câu hỏi; không có câu 5."),
    ],
)
def test_a_bad_position_is_refused_clearly(client, db_session, clock, contest, player, position, status, message):
    attempt_id = _start(client, contest)
    response = client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"position": position})
    assert response.status_code == status and response.get_json()["error"] == message
    assert db_session.get(Attempt, attempt_id).current_position is None


def test_a_position_is_refused_for_another_persons_attempt(client, db_session, clock, contest, player, make_user, login):
    attempt_id = _start(client, contest)
    client.post("/dang-xuat")
    login(make_user(unit=player.unit))
    assert client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"position": 2}).status_code == 404
    client.post("/dang-xuat")
    assert client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"position": 2}).status_code == 401
    assert db_session.get(Attempt, attempt_id).current_position is None


def test_a_position_is_refused_once_the_attempt_is_over(client, db_session, clock, contest, player):
    attempt_id = _start(client, contest)
    client.post(f"/bai-thi/{attempt_id}", data={"action": "submit", "confirmed": "1"})
    response = client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"position": 2})
    assert response.status_code == 409 and "đã được nộp" in response.get_json()["error"]
    assert db_session.get(Attempt, attempt_id).current_position is None


def test_the_position_is_saved_until_the_deadline_and_its_grace(db_session, clock, contest, make_user, make_unit):
    user = make_user(unit=contest.owner_unit)
    attempt = attempt_service.start_attempt(db_session, user, contest.rounds[0], T0, POLICY)
    attempt_service.save_position(db_session, attempt, 4, attempt.deadline + POLICY.grace, POLICY)
    assert attempt.current_position == 4
    with pytest.raises(attempt_service.AttemptError):
        attempt_service.save_position(db_session, attempt, 2, attempt.deadline + POLICY.grace + POLICY.grace, POLICY)
    assert attempt.current_position == 4 and not attempt.in_progress


def test_result_page_says_unanswered_instead_of_wrong(client, db_session, clock, contest, player):
    attempt_id = _start(client, contest)
    attempt = db_session.get(Attempt, attempt_id)
    right, wrong = attempt.questions[0], attempt.questions[1]
    wrong_key = next(c["key"] for c in wrong.choices if c["key"] not in wrong.correct_keys)
    form = {f"q-{right.id}": right.correct_keys, f"q-{wrong.id}": [wrong_key], "action": "submit", "confirmed": "1"}
    client.post(f"/bai-thi/{attempt_id}", data=form)
    page = client.get(f"/bai-thi/{attempt_id}/ket-qua").get_data(as_text=True)
    verdicts = re.findall(r"<h3 class=\"h6\">Câu (\d+) — ([^<]+)</h3>", page)
    assert verdicts == [("1", "Đúng"), ("2", "Sai"), ("3", "Chưa trả lời"), ("4", "Chưa trả lời")]
    db_session.refresh(attempt)
    assert (attempt.score, attempt.correct_count) == (1, 1)  # scoring unchanged: unanswered scores nothing
