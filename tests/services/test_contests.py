"""Contest settings, eligibility and blueprints checked against the bank."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.errors import ValidationError
from contest.models import Question, UnitKind
from contest.services import attempts as attempt_service
from contest.services import contests as svc
from contest.services.attempts import AttemptPolicy
from contest.services.contests import BlueprintLine, ContestSettings, RoundSettings
from tests.conftest import T0


@pytest.fixture
def province(make_unit):
    return make_unit("P", kind=UnitKind.province)


@pytest.fixture
def bank(make_bank, province):
    return make_bank(owner=province, per_topic=5)


def _round(bank, counts=(2, 2), difficulty=None):
    return RoundSettings("Tuần 1", T0, T0 + timedelta(days=7), 15,
                         [BlueprintLine(bank.id, topic.id, difficulty, n) for topic, n in zip(bank.topics, counts)])


def test_rules_are_sanitised(db_session, province):
    contest = svc.create_contest(db_session, province, ContestSettings(
        title="Thi", eligible_unit_ids=[province.id],
        rules_markdown='<p onclick="x()">Thể lệ <b>rõ ràng</b><script>alert(1)</script><a href="javascript:alert(1)">x</a></p>'))
    assert contest.rules_html == '<p>Thể lệ <b>rõ ràng</b><a rel="noopener noreferrer">x</a></p>'


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(title=""), "Vui lòng nhập tên cuộc thi."),
        (dict(eligible_unit_ids=[]), "Hãy chọn ít nhất một đơn vị được tham gia"),
        (dict(attempts_allowed=0), "Số lượt thi mỗi vòng phải từ 1 đến 20."),
        (dict(prediction_question="Bao nhiêu người?", prediction_resolver=None), "Hãy chọn căn cứ xác định đáp án"),
    ],
)
def test_contest_settings_are_checked(db_session, province, settings, message):
    fields = dict(title="Thi", eligible_unit_ids=[province.id])
    fields.update(settings)
    with pytest.raises(ValidationError, match=message):
        svc.create_contest(db_session, province, ContestSettings(**fields))


def test_eligible_units_must_lie_in_the_organisers_subtree(db_session, province, make_unit):
    outside = make_unit("Q", kind=UnitKind.province, name="Tỉnh khác")
    with pytest.raises(ValidationError, match="không thuộc phạm vi: Tỉnh khác"):
        svc.create_contest(db_session, province, ContestSettings(title="Thi", eligible_unit_ids=[outside.id]))


def test_eligibility_follows_the_tree(db_session, province, make_unit, make_user, bank):
    department = make_unit("P-D", parent=province)
    office = make_unit("P-D-1", parent=department)
    sibling = make_unit("P-E", parent=province)
    contest = svc.create_contest(db_session, province, ContestSettings(title="Thi nội bộ", eligible_unit_ids=[department.id]))
    svc.save_round(db_session, contest, None, _round(bank))
    svc.set_status(db_session, contest, "published")
    inside, outside = make_user(unit=office), make_user(unit=sibling)
    assert svc.is_eligible(inside, contest) and not svc.is_eligible(outside, contest)
    assert [c.id for c in svc.contests_for_participant(db_session, inside)] == [contest.id]
    assert svc.contests_for_participant(db_session, outside) == []
    svc.set_status(db_session, contest, "draft")
    assert not svc.is_eligible(inside, contest)


def test_blueprint_needs_enough_active_questions(db_session, province, bank):
    contest = svc.create_contest(db_session, province, ContestSettings(title="Thi", eligible_unit_ids=[province.id]))
    with pytest.raises(ValidationError) as error:
        svc.save_round(db_session, contest, None, _round(bank, counts=(6, 2)))
    assert "Dòng 1 (“Ngân hàng thi” › Chính quyền số › mọi mức độ): cần 6 câu nhưng ngân hàng chỉ có 5 câu đang dùng." in str(error.value)


def test_blueprint_lines_must_not_overlap(db_session, province, bank):
    contest = svc.create_contest(db_session, province, ContestSettings(title="Thi", eligible_unit_ids=[province.id]))
    topic = bank.topics[0]
    lines = [BlueprintLine(bank.id, topic.id, None, 1), BlueprintLine(bank.id, topic.id, 1, 1)]
    with pytest.raises(ValidationError, match="Dòng 2 trùng phạm vi với dòng 1"):
        svc.save_round(db_session, contest, None, RoundSettings("Tuần 1", T0, T0 + timedelta(days=1), 10, lines))


def test_round_times_are_checked(db_session, province, bank):
    contest = svc.create_contest(db_session, province, ContestSettings(title="Thi", eligible_unit_ids=[province.id]))
    settings = _round(bank)
    settings.closes_at = settings.opens_at
    with pytest.raises(ValidationError, match="Thời điểm kết thúc phải sau thời điểm bắt đầu."):
        svc.save_round(db_session, contest, None, settings)


def test_retiring_questions_shows_up_in_the_blueprint_check(db_session, province, bank):
    contest = svc.create_contest(db_session, province, ContestSettings(title="Thi", eligible_unit_ids=[province.id]))
    round_ = svc.save_round(db_session, contest, None, _round(bank, counts=(5, 1)))
    db_session.scalars(select(Question).where(Question.topic_id == bank.topics[0].id)).first().status = "retired"
    db_session.flush()
    assert svc.blueprint_problems(db_session, round_) == [
        "Vòng 1: Dòng 1 (“Ngân hàng thi” › Chính quyền số › mọi mức độ): cần 5 câu nhưng ngân hàng chỉ có 4 câu đang dùng."
    ]
    with pytest.raises(ValidationError, match="Chưa thể công bố cuộc thi"):
        svc.set_status(db_session, contest, "published")


def test_blueprint_is_locked_once_the_round_has_attempts(db_session, province, bank, make_user):
    contest = svc.create_contest(db_session, province, ContestSettings(title="Thi", eligible_unit_ids=[province.id]))
    round_ = svc.save_round(db_session, contest, None, _round(bank))
    svc.set_status(db_session, contest, "published")
    attempt_service.start_attempt(db_session, make_user(unit=province), round_, T0, AttemptPolicy())
    with pytest.raises(ValidationError, match="không thể thay đổi cấu trúc đề"):
        svc.save_round(db_session, contest, round_, _round(bank, counts=(1, 1)))
    renamed = _round(bank)
    renamed.title = "Tuần 1 (gia hạn)"
    renamed.closes_at = renamed.closes_at + timedelta(days=1)
    svc.save_round(db_session, contest, round_, renamed)  # times and title may still change
    assert round_.title == "Tuần 1 (gia hạn)"
    with pytest.raises(ValidationError, match="không thể xóa"):
        svc.delete_round(db_session, round_)


def test_an_organiser_creates_contests_only_for_units_they_organise(db_session, make_unit, make_user):
    from contest.errors import ValidationError
    from contest.models import Role, UnitKind
    from contest.services import contests as contest_service

    province = make_unit("P", kind=UnitKind.province)
    district = make_unit("P-H", parent=province, kind=UnitKind.district)
    organiser = make_user(Role.organizer, unit=district)
    settings = contest_service.ContestSettings(title="Thử", eligible_unit_ids=[district.id])
    for owner in (province, None):
        with pytest.raises(ValidationError, match="^Hãy chọn đơn vị tổ chức thuộc phạm vi của bạn.$"):
            contest_service.create_contest(db_session, owner, settings, created_by=organiser)
    assert contest_service.create_contest(db_session, district, settings, created_by=organiser).owner_unit is district


def test_each_limit_is_the_services_and_the_forms_read_it(db_session, province, bank):
    """A blueprint line past the service's limit is refused by the service itself, and every form's bound is
    the service's or the column's number (one definition of each limit)."""
    from wtforms.validators import Length, NumberRange

    from contest.admin.forms import UnitForm
    from contest.auth.forms import RegisterForm
    from contest.models import Contest, User
    from contest.organizer.forms import BlueprintRowForm, ContestForm, QuestionForm, RoundForm
    from contest.services import units as unit_service
    from contest.services import users as user_service
    from question_bank import validation

    contest = svc.create_contest(db_session, province, ContestSettings(title="Thi", eligible_unit_ids=[province.id]))
    with pytest.raises(ValidationError, match=f"Dòng 1: số câu tối đa là {svc.MAX_LINE_QUESTIONS}."):
        svc.save_round(db_session, contest, None, _round(bank, counts=(svc.MAX_LINE_QUESTIONS + 1, 2)))

    def bound(field, kind):
        return next(v.max for v in field.kwargs["validators"] if isinstance(v, kind))

    assert bound(RoundForm.time_limit_minutes, NumberRange) == svc.MAX_TIME_LIMIT_MINUTES
    assert bound(BlueprintRowForm.count, NumberRange) == svc.MAX_LINE_QUESTIONS
    assert bound(ContestForm.attempts_allowed, NumberRange) == svc.MAX_ATTEMPTS
    assert bound(ContestForm.points_per_question, NumberRange) == svc.MAX_POINTS_PER_QUESTION
    assert bound(ContestForm.title, Length) == Contest.title.type.length
    assert bound(QuestionForm.text, Length) == validation.MAX_TEXT
    assert bound(QuestionForm.topic, Length) == validation.MAX_TOPIC
    assert bound(QuestionForm.code, Length) == validation.MAX_CODE
    assert bound(QuestionForm.choice_A, Length) == validation.MAX_CHOICE_TEXT
    assert bound(UnitForm.code, Length) == unit_service.MAX_CODE and bound(UnitForm.name, Length) == unit_service.MAX_NAME
    assert bound(RegisterForm.full_name, Length) == User.full_name.type.length
    assert bound(RegisterForm.phone, Length) == bound(RegisterForm.cccd, Length) == user_service.MAX_TYPED_NUMBER
