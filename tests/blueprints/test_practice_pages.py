"""Practice through the pages: the organiser's setting on the bank page (audited, the running-contest rule through
the form), and a participant answering one question at a time without JavaScript: no key before answering,
the verdict, key, explanation and "Căn cứ" after, progress counts and "Làm lại từ đầu"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from contest.models import AuditEntry, PracticeAnswer, Question, QuestionBank, Role, UnitKind
from contest.services import practice
from contest.services.practice import PracticeScope
from tests.conftest import T0

EXPLANATION = "Giải-thích-riêng-của-câu"
LEGAL = "Điều-luật-riêng-của-câu"


@pytest.fixture
def province(make_unit):
    return make_unit("P", kind=UnitKind.province)


@pytest.fixture
def bank(db_session, make_bank, province):
    bank = make_bank(name="Ngân hàng ôn tập", owner=province, per_topic=3)
    for question in db_session.scalars(select(Question).where(Question.bank_id == bank.id)):
        question.explanation, question.legal_basis = f"{EXPLANATION} {question.code}", f"{LEGAL} {question.code}"
    db_session.commit()
    return bank


@pytest.fixture
def opened(db_session, bank):
    practice.set_practice(db_session, bank, PracticeScope(True, frozenset()), confirm_in_use=False, now=T0)
    db_session.commit()
    return bank


def _topic(bank, name="Thể chế"):
    return next(t for t in bank.topics if t.name == name)


def test_the_organiser_opens_chosen_topics_and_it_is_audited(client, clock, db_session, bank, province, make_user, login):
    login(make_user(Role.organizer, unit=province))
    page = client.get(f"/ban-to-chuc/ngan-hang/{bank.id}").get_data(as_text=True)
    assert "Ôn tập cho người dự thi" in page and "Không mở" in page
    topic = _topic(bank)
    response = client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/on-tap", data={"scope": "topics", "topic_ids": [str(topic.id)]})
    assert response.status_code == 302
    db_session.expire_all()
    assert topic.practice_open and not db_session.get(QuestionBank, bank.id).practice_open
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "question.bank_practice"))
    assert entry is not None and "Thể chế" in entry.summary and entry.details["topic_ids"] == [topic.id]
    page = client.get(response.location).get_data(as_text=True)
    assert "Mở 1 chủ đề" in page
    client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/on-tap", data={"scope": "closed"})
    db_session.expire_all()
    assert not topic.practice_open


@pytest.mark.parametrize("data, message", [
    ({"scope": "topics"}, "ít nhất một chủ đề"),
    ({"scope": "everything"}, "không hợp lệ"),
    ({"scope": "topics", "topic_ids": ["999999"]}, "không hợp lệ"),
])
def test_a_bad_practice_setting_is_refused_with_a_reason(client, clock, db_session, bank, province, make_user, login, data, message):
    login(make_user(Role.organizer, unit=province))
    page = client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/on-tap", data=data, follow_redirects=True).get_data(as_text=True)
    assert message in page
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_running_contest_bank_needs_the_explicit_confirmation(client, clock, db_session, bank, province, make_contest, make_user, login):
    make_contest(unit=province, bank=bank, per_topic=1, title="Thi tuần này")
    login(make_user(Role.organizer, unit=province))
    page = client.get(f"/ban-to-chuc/ngan-hang/{bank.id}").get_data(as_text=True)
    assert "Cho phép ôn tập dù đang dùng trong cuộc thi" in page and "Thi tuần này" in page
    page = client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/on-tap", data={"scope": "bank"}, follow_redirects=True).get_data(as_text=True)
    assert "đang được dùng trong cuộc thi chưa kết thúc" in page
    db_session.expire_all()
    assert not db_session.get(QuestionBank, bank.id).practice_open
    client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/on-tap", data={"scope": "bank", "confirm_in_use": "y"})
    db_session.expire_all()
    assert db_session.get(QuestionBank, bank.id).practice_open
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "question.bank_practice"))
    assert entry.details["confirmed_in_use"] is True


def test_practice_is_for_logged_in_users(client, opened):
    response = client.get("/on-tap")
    assert response.status_code == 302 and "/dang-nhap" in response.location
    assert "Đăng nhập để ôn tập" in client.get("/").get_data(as_text=True)


def test_the_menu_and_the_home_page_lead_to_practice(client, clock, db_session, bank, login_as):
    login_as(Role.participant)
    assert 'href="/on-tap"' in client.get("/on-tap").get_data(as_text=True)  # the menu
    assert "Vào ôn tập" not in client.get("/").get_data(as_text=True)  # nothing open yet
    practice.set_practice(db_session, bank, PracticeScope(True, frozenset()), confirm_in_use=False, now=T0)
    db_session.commit()
    assert "Vào ôn tập" in client.get("/").get_data(as_text=True)


def test_answering_shows_the_key_only_afterwards(client, clock, db_session, opened, login_as):
    user = login_as(Role.participant)
    topic = _topic(opened)
    listing = client.get("/on-tap").get_data(as_text=True)
    assert "Đã làm 0/3, đúng 0" in listing and f"/on-tap/chu-de/{topic.id}" in listing
    page = client.get(f"/on-tap/chu-de/{topic.id}").get_data(as_text=True)
    question_id = int(re.search(r'name="question_id" value="(\d+)"', page).group(1))
    question = db_session.get(Question, question_id)
    assert question.text in page
    for secret in (EXPLANATION, LEGAL, "Đáp án đúng", "Căn cứ", "✓", "is_correct", "correct"):
        assert secret not in page, secret
    # The feedback page of a question not answered yet gives nothing away either.
    early = client.get(f"/on-tap/chu-de/{topic.id}/cau/{question_id}")
    assert early.status_code == 302 and early.location.endswith(f"/on-tap/chu-de/{topic.id}")
    wrong = next(c.label for c in question.choices if not c.is_correct)
    response = client.post(f"/on-tap/chu-de/{topic.id}", data={"question_id": question_id, "answer": wrong})
    assert response.status_code == 302 and response.location.endswith(f"/on-tap/chu-de/{topic.id}/cau/{question_id}")
    feedback = client.get(response.location).get_data(as_text=True)
    key = next(c for c in question.choices if c.is_correct)
    assert "Chưa đúng" in feedback and f"{EXPLANATION} {question.code}" in feedback and f"{LEGAL} {question.code}" in feedback
    assert re.search(rf"<strong>{key.label}\.</strong> {re.escape(key.text)}\s*<span class=\"badge text-bg-success\">Đáp án đúng", feedback)
    assert "Câu tiếp theo" in feedback and "Đã làm 1/3, đúng 0" in feedback
    row = db_session.scalar(select(PracticeAnswer).where(PracticeAnswer.user_id == user.id))
    assert (row.question_id, row.correct, row.chosen) == (question_id, False, wrong)
    # The next question is another one; answered right, it says so.
    page = client.get(f"/on-tap/chu-de/{topic.id}").get_data(as_text=True)
    second_id = int(re.search(r'name="question_id" value="(\d+)"', page).group(1))
    second = db_session.get(Question, second_id)
    assert second_id != question_id and EXPLANATION not in page
    keys = [c.label for c in second.choices if c.is_correct]
    feedback = client.post(f"/on-tap/chu-de/{topic.id}", data={"question_id": second_id, "answer": keys},
                           follow_redirects=True).get_data(as_text=True)
    assert "Đúng!" in feedback and "Đã làm 2/3, đúng 1" in feedback


def test_no_choice_is_refused_and_nothing_is_kept(client, clock, db_session, opened, login_as):
    login_as(Role.participant)
    topic = _topic(opened)
    page = client.get(f"/on-tap/chu-de/{topic.id}").get_data(as_text=True)
    question_id = re.search(r'name="question_id" value="(\d+)"', page).group(1)
    page = client.post(f"/on-tap/chu-de/{topic.id}", data={"question_id": question_id}, follow_redirects=True).get_data(as_text=True)
    assert "Vui lòng chọn phương án trả lời" in page and EXPLANATION not in page
    assert db_session.scalar(select(func.count()).select_from(PracticeAnswer)) == 0


@pytest.mark.parametrize("target", ["closed topic", "other topic's question", "missing question"])
def test_what_is_not_open_is_not_found(client, clock, db_session, bank, login_as, target):
    login_as(Role.participant)
    practice.set_practice(db_session, bank, PracticeScope(False, frozenset({_topic(bank).id})), confirm_in_use=False, now=T0)
    db_session.commit()
    open_topic, closed_topic = _topic(bank), _topic(bank, "Chính quyền số")
    closed_question = db_session.scalar(select(Question).where(Question.topic_id == closed_topic.id))
    topic_id, question_id = {
        "closed topic": (closed_topic.id, closed_question.id),
        "other topic's question": (open_topic.id, closed_question.id),
        "missing question": (open_topic.id, 999999),
    }[target]
    assert client.get(f"/on-tap/chu-de/{topic_id}/cau/{question_id}").status_code == 404
    assert client.post(f"/on-tap/chu-de/{topic_id}", data={"question_id": question_id, "answer": "A"}).status_code == 404
    assert db_session.scalar(select(func.count()).select_from(PracticeAnswer)) == 0


def test_done_then_reset_starts_again(client, clock, db_session, opened, login_as):
    user = login_as(Role.participant)
    topic = _topic(opened)
    for question in db_session.scalars(select(Question).where(Question.topic_id == topic.id)):
        practice.answer(db_session, user, question, [c.label for c in question.choices if c.is_correct], T0)
    db_session.commit()
    page = client.get(f"/on-tap/chu-de/{topic.id}").get_data(as_text=True)
    assert "Bạn đã trả lời đúng tất cả 3 câu hỏi" in page and "Làm lại từ đầu" in page
    assert "Đã làm 3/3, đúng 3" in client.get("/on-tap").get_data(as_text=True)
    page = client.post(f"/on-tap/chu-de/{topic.id}/lam-lai", follow_redirects=True).get_data(as_text=True)
    assert "làm lại từ đầu" in page and 'name="question_id"' in page and "Đã làm 0/3, đúng 0" in page
    assert db_session.scalar(select(func.count()).select_from(PracticeAnswer)) == 0
