"""Issue 19: per-contest overdue rules (grace, submit or abandon at the deadline), per-person and per-unit overrides
(extra minutes, extra attempts, a later close), and copying a round or a whole contest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.errors import ValidationError
from contest.models import Attempt, AttemptStatus, Contest, ContestStatus, Override, UnitKind
from contest.services import attempts as svc
from contest.services import contests as contest_service
from contest.services import overrides as override_service
from contest.services import ranking, statistics
from contest.services import unit_prizes as unit_prize_service
from contest.services.attempts import AttemptError, AttemptPolicy
from contest.services.overrides import OverrideSettings
from contest.services.unit_prizes import BlocInput, TierInput
from tests.conftest import T0
from tests.helpers import POLICY, play
from contest.db import dispose_engines


@pytest.fixture
def world(make_unit, make_bank, make_contest, make_user):
    province = make_unit("P", kind=UnitKind.province)
    district = make_unit("P-H", parent=province, kind=UnitKind.district)
    commune = make_unit("P-H-X", parent=district, kind=UnitKind.commune)
    sibling = make_unit("P-K", parent=province, kind=UnitKind.district)
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=3), per_topic=2)
    return {
        "contest": contest, "round": contest.rounds[0], "province": province, "district": district, "commune": commune,
        "sibling": sibling, "player": make_user(unit=commune), "other": make_user(unit=sibling),
        "organizer": make_user("organizer", unit=province),
    }


def _override(db_session, w, person=None, unit=None, round_=None, **fields) -> Override:
    override = override_service.save_override(
        db_session, w["contest"], None,
        OverrideSettings(person=person.phone if person else "", unit_id=unit.id if unit else None,
                         round_id=round_.id if round_ else None, **fields),
        by=w["organizer"],
    )
    db_session.commit()
    return override


# ---------------------------------------------------------------- overrides and the server deadline


def test_a_later_close_lets_one_person_start_after_the_round_closed_and_extends_the_deadline(db_session, world):
    round_ = world["round"]
    _override(db_session, world, person=world["player"], round_=round_, closes_at=round_.closes_at + timedelta(days=1))
    after_close = round_.closes_at + timedelta(hours=1)
    with pytest.raises(AttemptError, match="Vòng thi đã kết thúc"):
        svc.start_attempt(db_session, world["other"], round_, after_close, POLICY)
    attempt = svc.start_attempt(db_session, world["player"], round_, after_close, POLICY)
    assert attempt.deadline == after_close + timedelta(minutes=20) > round_.closes_at
    # Near the person's own close, that close caps the deadline.
    late = round_.closes_at + timedelta(days=1) - timedelta(minutes=5)
    svc.submit_attempt(db_session, attempt, after_close + timedelta(minutes=1), POLICY)
    with pytest.raises(AttemptError, match="hết 1 lượt"):
        svc.start_attempt(db_session, world["player"], round_, late, POLICY)


def test_a_later_close_does_not_open_a_round_before_it_opens(db_session, world):
    round_ = world["round"]
    _override(db_session, world, person=world["player"], round_=round_, closes_at=round_.closes_at + timedelta(days=1))
    with pytest.raises(AttemptError, match="chưa bắt đầu"):
        svc.start_attempt(db_session, world["player"], round_, round_.opens_at - timedelta(minutes=1), POLICY)


def test_extra_minutes_lengthen_the_deadline_but_not_past_the_close(db_session, world):
    round_ = world["round"]
    _override(db_session, world, person=world["player"], extra_minutes=15)
    attempt = svc.start_attempt(db_session, world["player"], round_, T0, POLICY)
    assert attempt.deadline == T0 + timedelta(minutes=35)
    svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=1), POLICY)
    assert svc.start_attempt(db_session, world["other"], round_, T0, POLICY).deadline == T0 + timedelta(minutes=20)
    db_session.commit()


def test_extra_minutes_stop_at_the_round_close(db_session, world):
    round_ = world["round"]
    _override(db_session, world, person=world["player"], extra_minutes=15)
    start = round_.closes_at - timedelta(minutes=30)
    assert svc.start_attempt(db_session, world["player"], round_, start, POLICY).deadline == round_.closes_at


def test_extra_attempts_raise_the_limit_for_that_person_only(db_session, world):
    round_ = world["round"]
    _override(db_session, world, person=world["player"], round_=round_, extra_attempts=1)
    play(db_session, world["player"], round_, T0, 1)
    play(db_session, world["player"], round_, T0 + timedelta(hours=1), 2)
    with pytest.raises(AttemptError, match="hết 2 lượt"):
        svc.start_attempt(db_session, world["player"], round_, T0 + timedelta(hours=2), POLICY)
    play(db_session, world["other"], round_, T0, 1)
    with pytest.raises(AttemptError, match="hết 1 lượt"):
        svc.start_attempt(db_session, world["other"], round_, T0 + timedelta(hours=1), POLICY)


def test_a_round_override_does_not_apply_to_another_round(db_session, world, make_contest, make_bank):
    contest = make_contest(unit=world["province"], bank=make_bank(name="Hai vòng", owner=world["province"]), rounds=2)
    first, second = contest.rounds
    override_service.save_override(db_session, contest, None, OverrideSettings(
        person=world["player"].phone, unit_id=None, round_id=first.id, extra_minutes=10))
    db_session.commit()
    assert override_service.allowance(db_session, world["player"], first).extra_minutes == 10
    assert override_service.allowance(db_session, world["player"], second).extra_minutes == 0


def test_a_unit_override_covers_its_subtree_and_nothing_beside_it(db_session, world, make_user):
    round_ = world["round"]
    _override(db_session, world, unit=world["district"], extra_minutes=30)
    in_district = make_user(unit=world["district"])
    for person in (world["player"], in_district):  # the commune below the district, and the district itself
        assert svc.start_attempt(db_session, person, round_, T0, POLICY).deadline == T0 + timedelta(minutes=50)
    assert svc.start_attempt(db_session, world["other"], round_, T0, POLICY).deadline == T0 + timedelta(minutes=20)
    db_session.commit()


def test_overrides_reach_a_citizen_through_their_commune_of_residence(db_session, world, make_user, make_contest, make_bank):
    """A citizen works in no unit: a units contest admitting citizens takes them by their commune of residence, and so
    do overrides: one naming them is accepted, and a district's covers the citizens living in it (not those beside it)."""
    contest = make_contest(unit=world["province"], bank=make_bank(name="Người dân", owner=world["province"]), per_topic=2,
                           admitted_groups="civil_servant,citizen")
    contest.eligible_units = [world["district"]]
    db_session.commit()
    round_ = contest.rounds[0]
    citizen = make_user(participant_group="citizen", residence_unit=world["commune"])
    outside = make_user(participant_group="citizen", residence_unit=world["sibling"])
    assert citizen.unit is None and contest_service.is_eligible(citizen, contest)
    override_service.save_override(db_session, contest, None, OverrideSettings(
        person=citizen.phone, unit_id=None, round_id=round_.id, extra_attempts=1))
    override_service.save_override(db_session, contest, None, OverrideSettings(
        person="", unit_id=world["district"].id, round_id=None, extra_minutes=30))
    db_session.commit()
    allowance = override_service.allowance(db_session, citizen, round_)
    assert (allowance.extra_minutes, allowance.extra_attempts) == (30, 1)
    assert svc.start_attempt(db_session, citizen, round_, T0, POLICY).deadline == T0 + timedelta(minutes=50)
    assert not override_service.allowance(db_session, outside, round_).any
    assert [len(found) for found in override_service.overrides_by_user(db_session, contest, [citizen.id, outside.id]).values()] == [2]
    with pytest.raises(ValidationError, match="không thuộc đơn vị nào"):
        override_service.save_override(db_session, contest, None, OverrideSettings(
            person=outside.phone, unit_id=None, round_id=None, extra_minutes=5))


def test_overlapping_overrides_give_the_most_generous_value_of_each(db_session, world):
    round_ = world["round"]
    later = round_.closes_at + timedelta(days=2)
    _override(db_session, world, person=world["player"], round_=round_, extra_minutes=5, extra_attempts=2)
    _override(db_session, world, unit=world["district"], extra_minutes=10, closes_at=later)
    allowance = override_service.allowance(db_session, world["player"], round_)
    assert (allowance.extra_minutes, allowance.extra_attempts, allowance.closes(round_)) == (10, 2, later)


def test_override_rules_are_checked(db_session, world):
    round_, contest = world["round"], world["contest"]

    def problems(**fields) -> str:
        settings = OverrideSettings(**{"person": world["player"].phone, "unit_id": None, "round_id": round_.id, **fields})
        with pytest.raises(ValidationError) as error:
            override_service.save_override(db_session, contest, None, settings)
        db_session.rollback()
        return str(error.value)

    assert "ít nhất một nội dung" in problems()
    assert "muộn hơn thời điểm kết thúc" in problems(closes_at=round_.closes_at - timedelta(hours=1))
    assert "đúng một đối tượng" in problems(unit_id=world["district"].id, extra_minutes=5)
    assert "Không tìm thấy tài khoản" in problems(person="0999999999", extra_minutes=5)
    assert "từ 0 đến 600" in problems(extra_minutes=601)
    assert "từ 0 đến 20" in problems(extra_attempts=-1)
    _override(db_session, world, person=world["player"], round_=round_, extra_minutes=5)
    assert "Đã có điều chỉnh" in problems(extra_minutes=10)


def test_the_same_override_added_from_two_tabs_at_once_is_kept_once(app, db_session, world):
    contest_id, phone, round_id = world["contest"].id, world["player"].phone, world["round"].id
    db_session.commit()

    def add(session):
        return override_service.save_override(session, session.get(Contest, contest_id), None, OverrideSettings(
            person=phone, unit_id=None, round_id=round_id, extra_minutes=10)).id

    from tests.services.test_concurrency import _interleave
    _, first, second = _interleave(app, add, add)
    assert isinstance(first, int) and isinstance(second, ValidationError) and "Đã có điều chỉnh" in str(second), (first, second)
    db_session.expire_all()
    assert len(override_service.contest_overrides(db_session, db_session.get(Contest, contest_id))) == 1


def test_a_running_attempt_keeps_its_deadline_when_an_override_is_added(db_session, world):
    attempt = svc.start_attempt(db_session, world["player"], world["round"], T0, POLICY)
    db_session.commit()
    _override(db_session, world, person=world["player"], extra_minutes=30)
    db_session.refresh(attempt)
    assert attempt.deadline == T0 + timedelta(minutes=20)


# ---------------------------------------------------------------- overdue rules


def _overdue(db_session, contest: Contest, handling: str | None, grace: int | None = None) -> None:
    contest.overdue_handling, contest.grace_seconds = handling, grace
    db_session.commit()


def _answered(db_session, world, at=T0):
    attempt = svc.start_attempt(db_session, world["player"], world["round"], at, POLICY)
    svc.save_answers(db_session, attempt, {q.id: q.correct_keys for q in attempt.questions}, at, POLICY)
    db_session.commit()
    return attempt


def test_autosubmit_scores_the_saved_answers_at_the_deadline(db_session, world):
    _overdue(db_session, world["contest"], "autosubmit")
    attempt = _answered(db_session, world)
    assert svc.expire_due_attempts(db_session, attempt.deadline + timedelta(seconds=11), POLICY) == 1
    assert (attempt.status, attempt.score) == (AttemptStatus.expired, attempt.max_score)


def test_autoabandon_drops_an_unsubmitted_attempt_from_rankings_and_statistics(db_session, world):
    contest, round_ = world["contest"], world["round"]
    _overdue(db_session, contest, "autoabandon")
    attempt = _answered(db_session, world)
    play(db_session, world["other"], round_, T0, 1)  # submitted in time: counted
    after = attempt.deadline + timedelta(seconds=11)
    assert svc.expire_due_attempts(db_session, after, POLICY) == 1
    db_session.commit()
    assert attempt.status == AttemptStatus.abandoned and attempt.score is None and attempt.finished_at == attempt.deadline
    board = ranking.round_leaderboard(db_session, round_, after, POLICY, frozen=False)
    assert [s.user_id for s in board.standings] == [world["other"].id]
    scope = statistics.Scope(contest, round_)
    assert statistics.dashboard(db_session, scope).finished_attempts == 1
    participants = {u.code: u.participants for u in statistics.participation_by_unit(db_session, scope, world["province"])}
    assert participants["P-H-X"] == 0 and participants["P-K"] == 1
    # The abandoned attempt used up the person's only attempt.
    with pytest.raises(AttemptError, match="hết 1 lượt"):
        svc.start_attempt(db_session, world["player"], round_, after, POLICY)


def test_autoabandon_keeps_a_submit_that_arrives_within_the_grace(db_session, world):
    _overdue(db_session, world["contest"], "autoabandon")
    attempt = _answered(db_session, world)
    assert svc.submit_attempt(db_session, attempt, attempt.deadline + timedelta(seconds=9), POLICY)
    assert attempt.status == AttemptStatus.submitted and attempt.score == attempt.max_score


def test_a_late_submit_under_autoabandon_abandons(db_session, world):
    _overdue(db_session, world["contest"], "autoabandon")
    attempt = _answered(db_session, world)
    assert svc.submit_attempt(db_session, attempt, attempt.deadline + timedelta(seconds=11), POLICY)
    assert attempt.status == AttemptStatus.abandoned
    with pytest.raises(AttemptError, match="bị hủy"):
        svc.save_answers(db_session, attempt, {}, attempt.deadline + timedelta(seconds=12), POLICY)


def test_the_platform_default_applies_when_the_contest_sets_nothing(db_session, world):
    _overdue(db_session, world["contest"], None)
    attempt = _answered(db_session, world)
    abandoning = AttemptPolicy(grace=timedelta(seconds=10), overdue="autoabandon")
    svc.expire_due_attempts(db_session, attempt.deadline + timedelta(seconds=11), abandoning)
    assert attempt.status == AttemptStatus.abandoned


def test_a_contest_grace_replaces_the_platform_grace_on_every_path(db_session, world):
    _overdue(db_session, world["contest"], None, grace=60)
    attempt = _answered(db_session, world)
    question = attempt.questions[0]
    at = attempt.deadline + timedelta(seconds=30)  # past the platform's 10 s, inside the contest's 60 s
    assert svc.expire_due_attempts(db_session, at, POLICY) == 0
    svc.save_answer(db_session, world["player"].id, attempt.id, question.id, question.correct_keys, at, POLICY)
    svc.save_answers(db_session, attempt, {question.id: question.correct_keys}, at, POLICY)
    assert svc.submit_attempt(db_session, attempt, at, POLICY) and attempt.status == AttemptStatus.submitted
    second = world["other"]
    late = svc.start_attempt(db_session, second, world["round"], T0, POLICY)
    db_session.commit()
    with pytest.raises(AttemptError, match="hết thời gian"):
        svc.save_answer(db_session, second.id, late.id, late.questions[0].id, ["A"], late.deadline + timedelta(seconds=61), POLICY)


def test_zero_grace_refuses_a_save_one_second_late(db_session, world):
    _overdue(db_session, world["contest"], "autosubmit", grace=0)
    attempt = _answered(db_session, world)
    with pytest.raises(AttemptError):
        svc.save_answers(db_session, attempt, {}, attempt.deadline + timedelta(seconds=1), POLICY)
    assert attempt.status == AttemptStatus.expired


def test_contest_settings_check_the_overdue_rule(db_session, world):
    settings = contest_service.contest_settings(world["contest"])
    for bad, message in ((dict(grace_seconds=-1), "từ 0 đến 600 giây"), (dict(grace_seconds=601), "từ 0 đến 600 giây"),
                         (dict(overdue_handling="later"), "không hợp lệ")):
        with pytest.raises(ValidationError, match=message):
            contest_service.update_contest(db_session, world["contest"], settings.__class__(**{**vars(settings), **bad}))
        db_session.rollback()


def test_the_platform_default_comes_from_the_configuration(app, app_config, tmp_path):
    from contest import clock, create_app
    from contest.config import ConfigurationError

    with app.app_context():
        assert clock.attempt_policy().overdue == "autosubmit"
    other = create_app({**app_config, "ATTEMPT_OVERDUE_HANDLING": "autoabandon", "ATTEMPT_GRACE_SECONDS": 3}, instance_path=tmp_path / "o")
    with other.app_context():
        assert clock.attempt_policy() == AttemptPolicy(grace=timedelta(seconds=3), overdue="autoabandon")
    dispose_engines(other)
    with pytest.raises(ConfigurationError, match="ATTEMPT_OVERDUE_HANDLING"):
        create_app({**app_config, "ATTEMPT_OVERDUE_HANDLING": "abandon"}, instance_path=tmp_path / "bad")


# ---------------------------------------------------------------- copies


def test_a_round_copy_proposes_the_next_week_with_the_same_blueprint(db_session, world, make_contest, make_bank):
    contest = make_contest(unit=world["province"], bank=make_bank(name="Ba vòng", owner=world["province"]), rounds=3)
    first, _, last = contest.rounds
    proposal = contest_service.round_copy(contest, last)
    assert (proposal.title, proposal.opens_at, proposal.closes_at) == ("Tuần 4", last.opens_at + timedelta(weeks=1), last.closes_at + timedelta(weeks=1))
    assert proposal.time_limit_minutes == last.time_limit_minutes
    assert proposal.blueprint == contest_service.round_settings(last).blueprint
    # Copying the first round proposes the week after the latest round, not a week that is taken.
    assert contest_service.round_copy(contest, first).opens_at == last.opens_at + timedelta(weeks=1)
    saved = contest_service.save_round(db_session, contest, None, proposal)
    assert saved.number == 4 and [i.question_count for i in saved.blueprint] == [i.question_count for i in last.blueprint]
    # A round named by its week ("Tuần 4") proposes the next week's name, with the number the copy gets.
    saved.title = "Tuần 4"
    assert contest_service.round_copy(contest, saved).title == "Tuần 5"
    saved.title = "Chung kết"
    assert contest_service.round_copy(contest, saved).title == "Vòng 5"


def test_two_tabs_saving_a_round_copy_at_once_both_get_a_number(app, db_session, world):
    """Two tabs (or a double click) saving a copy together: both computed the same next number from the rounds they
    had read, and on PostgreSQL the second insert broke the (contest, number) unique key: a 500."""
    contest_id = world["contest"].id
    db_session.commit()

    def save(session):
        contest = session.get(Contest, contest_id)
        proposal = contest_service.round_copy(contest, contest.rounds[0])
        return contest_service.save_round(session, contest, None, proposal).number

    from tests.services.test_concurrency import _interleave
    _, first, second = _interleave(app, save, save)
    assert (first, second) == (2, 3), (first, second)
    db_session.expire_all()
    assert [r.number for r in db_session.get(Contest, contest_id).rounds] == [1, 2, 3]


def test_a_round_copy_never_overlaps_the_latest_round(db_session, world, make_contest, make_bank):
    """A two-week round is copied two weeks on, to open when it closes (one week on, both would run together)."""
    contest = make_contest(unit=world["province"], bank=make_bank(name="Hai tuần", owner=world["province"]))
    only = contest.rounds[0]
    only.closes_at = only.opens_at + timedelta(days=14)
    db_session.commit()
    proposal = contest_service.round_copy(contest, only)
    assert (proposal.opens_at, proposal.closes_at) == (only.opens_at + timedelta(weeks=2), only.closes_at + timedelta(weeks=2))
    only.closes_at = only.opens_at + timedelta(days=14, hours=1)  # a close just past two weeks: the third week
    assert contest_service.round_copy(contest, only).opens_at == only.opens_at + timedelta(weeks=3)


def test_a_contest_copy_keeps_settings_and_blueprints_moves_dates_and_takes_no_attempts(db_session, world, make_contest, make_bank):
    source = make_contest(unit=world["province"], bank=make_bank(name="Nguồn", owner=world["province"]), rounds=2,
                          attempts_allowed=3, grading="last", review_policy="immediate", rules_markdown="Thể lệ\nhai dòng",
                          leaderboard_freeze_at=T0 + timedelta(days=10), grace_seconds=30, overdue_handling="autoabandon",
                          admitted_groups="civil_servant,citizen", citizen_cccd_optional=True)
    unit_prize_service.save_settings(db_session, source, [TierInput(0, 49, 30), TierInput(50, None, 25)], [
        BlocInput("Khối huyện", kinds=["district"], first_prizes=1), BlocInput("Khối chọn", unit_ids=[world["commune"].id], second_prizes=2)])
    play(db_session, world["player"], source.rounds[0], T0, 2)
    override_service.save_override(db_session, source, None, OverrideSettings(person=world["player"].phone, unit_id=None,
                                                                              round_id=None, extra_minutes=5))
    db_session.commit()
    assert contest_service.default_copy_shift(source) == 14
    copy = contest_service.copy_contest(db_session, source, "Cuộc thi tháng sau", 28, created_by=world["organizer"])
    db_session.commit()
    assert copy.id != source.id and copy.status == ContestStatus.draft and copy.title == "Cuộc thi tháng sau"
    same = ("rules_markdown", "rules_html", "audience", "attempts_allowed", "grading", "review_policy", "points_per_question", "shuffle_questions",
            "leaderboard_visibility", "grace_seconds", "overdue_handling", "owner_unit_id", "admitted_groups", "citizen_cccd_optional")
    assert {f: getattr(copy, f) for f in same} == {f: getattr(source, f) for f in same}
    assert copy.eligible_units == source.eligible_units and copy.created_by_id == world["organizer"].id
    assert copy.leaderboard_freeze_at == source.leaderboard_freeze_at + timedelta(days=28)
    assert [(r.number, r.title, r.opens_at, r.closes_at, r.time_limit_minutes) for r in copy.rounds] == [
        (r.number, r.title, r.opens_at + timedelta(days=28), r.closes_at + timedelta(days=28), r.time_limit_minutes) for r in source.rounds]
    assert [[(i.bank_id, i.topic_id, i.difficulty, i.question_count) for i in r.blueprint] for r in copy.rounds] == [
        [(i.bank_id, i.topic_id, i.difficulty, i.question_count) for i in r.blueprint] for r in source.rounds]
    copied_rounds = [r.id for r in copy.rounds]
    assert db_session.scalar(select(func.count()).select_from(Attempt).where(Attempt.round_id.in_(copied_rounds))) == 0
    # The unit prizes are settings too: the same tiers and blocs (the source keeps its own).
    assert [(t.min_size, t.max_size, t.min_rate_tenths) for t in unit_prize_service.tiers(db_session, copy)] == [(0, 49, 300), (50, None, 250)]
    assert [(b.position, b.name, b.kinds, [u.id for u in b.units], b.first_prizes, b.second_prizes, b.third_prizes)
            for b in unit_prize_service.blocs(db_session, copy)] == [
        (1, "Khối huyện", "district", [], 1, 0, 0), (2, "Khối chọn", "", [world["commune"].id], 0, 2, 0)]
    assert len(unit_prize_service.tiers(db_session, source)) == 2 and len(unit_prize_service.blocs(db_session, source)) == 2
    assert override_service.contest_overrides(db_session, copy) == []
    assert source.status == ContestStatus.published and len(source.rounds) == 2


def test_a_contest_copy_checks_its_title_and_shift(db_session, world):
    with pytest.raises(ValidationError, match="tên cuộc thi mới"):
        contest_service.copy_contest(db_session, world["contest"], "  ", 7)
    with pytest.raises(ValidationError, match="dời lịch"):
        contest_service.copy_contest(db_session, world["contest"], "Bản sao", 5000)
    with pytest.raises(ValidationError, match="không tổ chức"):
        contest_service.copy_contest(db_session, world["contest"], "Bản sao", 7, created_by=world["other"])


def test_deleting_a_round_deletes_its_overrides_and_keeps_the_contest_wide_ones(db_session, world, make_contest, make_bank):
    contest = make_contest(unit=world["province"], bank=make_bank(name="Xóa vòng", owner=world["province"]), rounds=2)
    second = contest.rounds[1]
    for round_id in (second.id, None):
        override_service.save_override(db_session, contest, None, OverrideSettings(
            person=world["player"].phone, unit_id=None, round_id=round_id, extra_minutes=5))
    db_session.commit()
    contest_service.delete_round(db_session, second)
    db_session.commit()
    assert [o.round_id for o in override_service.contest_overrides(db_session, contest)] == [None]
