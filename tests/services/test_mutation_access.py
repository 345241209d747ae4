"""Load-and-authorise helpers (contest/access.py, contest/reports/access.py) called directly.

Written to kill the mutants `make mutation` found alive there (see TESTING.md): every branch of
the role checks, the 404/403 choice and the query-string parsing is asserted on its own.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from contest import access as loaders
from contest.access import Need, admin_required, get_or_404, roles_required
from contest.clock import attempt_policy
from contest.errors import NotFoundError
from contest.models import (
    Attempt, AttemptStatus, Contest, ExportJob, Override, ParticipantGroup, PrizeAward, Question, Role, UnitKind,
)
from contest.reports import access
from contest.services import attempts as attempt_service
from contest.services import contests as contest_service
from contest.services import people as people_service
from contest.services import prizes
from contest.services.statistics import DEFAULT_THRESHOLD
from tests.conftest import T0
from tests.helpers import POLICY


@pytest.fixture
def tree(make_unit):
    province = make_unit("P", kind=UnitKind.province, name="UBND tỉnh")
    district = make_unit("P-H", parent=province, kind=UnitKind.district, name="Huyện Đông")
    commune = make_unit("P-H-X", parent=district, name="Xã Đông Phong")
    other = make_unit("P-K", parent=province, kind=UnitKind.district, name="Huyện Tây")
    return {"province": province, "district": district, "commune": commune, "other": other}


def _as(app, user, query: str = ""):
    """A request context of `query` in which `user` is logged in (None: anonymous)."""
    context = app.test_request_context("/?" + query)
    context.push()
    if user is not None:
        login_user(user)
    return context


@pytest.fixture
def request_as(app, db_session):
    contexts = []

    def enter(user=None, query=""):
        contexts.append(_as(app, user, query))

    yield enter
    for context in reversed(contexts):
        context.pop()


# ---------------------------------------------------------------- contest/access.py


def test_roles_required_lets_only_the_named_roles_through(db_session, request_as, make_user):
    @roles_required(Role.organizer, Role.unit_manager)
    def view(a, b=None):
        return ("called", a, b)

    request_as(make_user(Role.unit_manager))
    assert view(1, b=2) == ("called", 1, 2)
    assert view.__name__ == "view"


@pytest.mark.parametrize("role", [Role.participant, Role.admin])
def test_roles_required_refuses_other_roles_with_403(db_session, request_as, make_user, role):
    @roles_required(Role.organizer, Role.unit_manager)
    def view():
        return "called"

    request_as(make_user(role))
    with pytest.raises(Forbidden):
        view()


def test_roles_required_sends_anonymous_users_to_the_login_page(db_session, request_as):
    @roles_required(Role.participant)
    def view():
        return "called"

    request_as(None)
    response = view()
    assert response != "called" and response.status_code == 302 and "/dang-nhap" in response.location


def test_admin_required_is_for_admins_only(db_session, request_as, make_user):
    view = admin_required(lambda: "called")
    request_as(make_user(Role.organizer))
    with pytest.raises(Forbidden):
        view()
    request_as(make_user(Role.admin))
    assert view() == "called"


def test_get_or_404_returns_the_object_or_raises_404(db_session, make_contest):
    contest = make_contest()
    assert get_or_404(Contest, contest.id) is contest
    with pytest.raises(NotFound):
        get_or_404(Contest, contest.id + 1000)


# ---------------------------------------------------------------- contest/reports/access.py


@pytest.fixture
def district_contest(make_contest, tree):
    """Run by the district, open to its commune only."""
    return make_contest(unit=tree["district"], eligible_unit_ids=[tree["commune"].id])


def test_organisers_and_admins_manage_contests_of_their_subtree(db_session, request_as, make_user, tree, district_contest):
    for unit in (tree["province"], tree["district"]):
        request_as(make_user(Role.organizer, unit=unit))
        assert loaders.manages(district_contest)
        assert loaders.load_contest(district_contest.id, Need.manage) is district_contest
        assert loaders.load_contest(district_contest.id, Need.report) is district_contest
    request_as(make_user(Role.admin))
    assert loaders.load_contest(district_contest.id, Need.manage) is district_contest


def test_organiser_outside_the_subtree_gets_403(db_session, request_as, make_user, tree, district_contest):
    request_as(make_user(Role.organizer, unit=tree["other"]))
    assert not loaders.manages(district_contest)
    assert not loaders.concerns_manager(district_contest)  # an organiser is not a unit manager
    with pytest.raises(Forbidden):
        loaders.load_contest(district_contest.id, Need.manage)
    with pytest.raises(Forbidden):
        loaders.load_contest(district_contest.id, Need.report)


def test_organiser_whose_unit_is_eligible_still_is_no_unit_manager(db_session, request_as, make_user, tree, district_contest):
    request_as(make_user(Role.organizer, unit=tree["commune"]))
    assert contest_service.is_eligible(make_user(unit=tree["commune"]), district_contest)
    assert not loaders.concerns_manager(district_contest)
    with pytest.raises(Forbidden):
        loaders.load_contest(district_contest.id, Need.report)


def test_missing_contest_is_404_before_any_permission_check(db_session, request_as, make_user, district_contest):
    request_as(make_user(Role.participant))
    with pytest.raises(NotFound):
        loaders.load_contest(district_contest.id + 1000, Need.report)
    with pytest.raises(NotFound):
        loaders.load_contest(district_contest.id + 1000, Need.manage)


def test_unit_manager_sees_contests_open_to_their_unit(db_session, request_as, make_user, tree, district_contest):
    request_as(make_user(Role.unit_manager, unit=tree["commune"]))
    assert loaders.concerns_manager(district_contest)
    assert loaders.load_contest(district_contest.id, Need.report) is district_contest
    with pytest.raises(Forbidden):
        loaders.load_contest(district_contest.id, Need.manage)


def test_unit_manager_sees_contests_run_inside_their_subtree(db_session, request_as, make_user, make_contest, tree):
    contest = make_contest(unit=tree["district"], eligible_unit_ids=[tree["district"].id])
    contest_service.set_status(db_session, contest, "draft")  # not open to anybody, yet run below the province
    request_as(make_user(Role.unit_manager, unit=tree["province"]))
    assert loaders.concerns_manager(contest)
    assert loaders.load_contest(contest.id, Need.report) is contest


def test_unit_manager_elsewhere_gets_403(db_session, request_as, make_user, tree, district_contest):
    request_as(make_user(Role.unit_manager, unit=tree["other"]))
    assert not loaders.concerns_manager(district_contest)
    with pytest.raises(Forbidden):
        loaders.load_contest(district_contest.id, Need.report)


def test_participant_of_an_eligible_unit_gets_403(db_session, request_as, make_user, tree, district_contest):
    request_as(make_user(Role.participant, unit=tree["commune"]))
    assert not loaders.concerns_manager(district_contest)
    with pytest.raises(Forbidden):
        loaders.load_contest(district_contest.id, Need.report)


def test_user_without_unit_concerns_no_contest(db_session, request_as, make_user, district_contest):
    request_as(make_user(Role.admin))  # admins have no unit
    assert not loaders.concerns_manager(district_contest)


def test_scope_is_the_whole_contest_or_one_of_its_rounds(db_session, request_as, make_user, make_contest, tree):
    contest = make_contest(unit=tree["province"], rounds=2)
    stranger = make_contest(unit=tree["province"])
    first, second = contest.rounds
    for query in ("", "vong=", "vong=0", "vong=abc"):
        request_as(query=query)
        scope = access.scope_from_request(contest)
        assert scope.contest is contest and scope.round is None
    request_as(query=f"vong={second.id}")
    scope = access.scope_from_request(contest)
    assert scope.contest is contest and scope.round is second
    for bad in (stranger.rounds[0].id, second.id + 1000):
        request_as(query=f"vong={bad}")
        with pytest.raises(NotFound):
            access.scope_from_request(contest)


def test_report_unit_defaults_to_the_contest_for_organisers_and_the_own_unit_for_managers(
    db_session, request_as, make_user, tree, district_contest
):
    request_as(make_user(Role.organizer, unit=tree["province"]))
    assert access.report_unit(district_contest) is tree["district"]
    request_as(make_user(Role.unit_manager, unit=tree["commune"]), query="don_vi=")
    assert access.report_unit(district_contest) is tree["commune"]


def test_report_unit_takes_a_code_within_what_the_user_may_see(db_session, request_as, make_user, tree, district_contest):
    organiser = make_user(Role.organizer, unit=tree["province"])
    request_as(organiser, query="don_vi=%20p-h-x%20")  # case and spaces do not matter
    assert access.report_unit(district_contest) is tree["commune"]
    request_as(organiser, query="don_vi=P-K")  # a unit outside the contest's owner
    with pytest.raises(Forbidden):
        access.report_unit(district_contest)
    request_as(organiser, query="don_vi=KHONG-CO")
    with pytest.raises(NotFound):
        access.report_unit(district_contest)
    request_as(make_user(Role.unit_manager, unit=tree["commune"]), query="don_vi=P-H")  # above the manager
    with pytest.raises(Forbidden):
        access.report_unit(district_contest)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", DEFAULT_THRESHOLD), ("nguong=0", 0.0), ("nguong=100", 100.0), ("nguong=37.5", 37.5),
     ("nguong=-0.5", DEFAULT_THRESHOLD), ("nguong=100.5", DEFAULT_THRESHOLD), ("nguong=abc", DEFAULT_THRESHOLD)],
)
def test_threshold_is_a_percentage_or_the_default(db_session, request_as, query, expected):
    request_as(query=query)
    assert access.threshold_from_request() == expected


# ---------------------------------------------------------------- contest/access.py: contests, banks, attempts


def test_view_shows_published_contests_to_anybody_and_drafts_to_their_managers_only(
    db_session, request_as, make_user, make_contest, tree
):
    published = make_contest(unit=tree["district"])
    draft = make_contest(unit=tree["district"], publish=False)
    request_as(make_user(Role.participant, unit=tree["district"]))
    assert loaders.load_contest(published.id, Need.view) is published
    with pytest.raises(NotFound):  # a draft's existence is private: 404, not 403
        loaders.load_contest(draft.id, Need.view)
    request_as(make_user(Role.organizer, unit=tree["district"]))
    assert loaders.load_contest(draft.id, Need.view) is draft
    assert loaders.load_contest(published.id, Need.view) is published


def test_round_of_no_id_or_of_another_contest_is_404(db_session, request_as, make_contest, tree):
    contest = make_contest(unit=tree["province"])
    other = make_contest(unit=tree["province"])
    request_as()
    assert loaders.load_round(contest, contest.rounds[0].id) is contest.rounds[0]
    for round_id in (None, 0, other.rounds[0].id, contest.rounds[0].id + 1000):
        with pytest.raises(NotFound):
            loaders.load_round(contest, round_id)


def test_banks_and_their_questions_only_for_organisers_above_the_owner(db_session, request_as, make_user, make_bank, tree):
    bank = make_bank(owner=tree["district"], per_topic=1)
    question = db_session.scalars(select(Question).where(Question.bank_id == bank.id)).first()
    for unit in (tree["province"], tree["district"]):
        request_as(make_user(Role.organizer, unit=unit))
        assert loaders.load_bank(bank.id) is bank
        assert loaders.load_question(question.id) is question
    for user in (make_user(Role.organizer, unit=tree["other"]), make_user(Role.organizer, unit=tree["commune"]),
                 make_user(Role.unit_manager, unit=tree["province"])):
        request_as(user)
        with pytest.raises(Forbidden):
            loaders.load_bank(bank.id)
        with pytest.raises(Forbidden):
            loaders.load_question(question.id)
    with pytest.raises(NotFound):
        loaders.load_bank(bank.id + 1000)
    with pytest.raises(NotFound):
        loaders.load_question(question.id + 1000)


@pytest.fixture
def own_attempt(db_session, make_user, make_contest, tree):
    """An attempt of a commune's participant, started at T0 with a 20-minute limit."""
    contest = make_contest(unit=tree["province"], eligible_unit_ids=[tree["province"].id])
    player = make_user(Role.participant, unit=tree["commune"])
    attempt = attempt_service.start_attempt(db_session, player, contest.rounds[0], T0, POLICY)
    db_session.commit()
    return attempt


def test_an_attempt_is_its_owners_only_and_404_for_anybody_else(db_session, request_as, make_user, own_attempt, tree):
    request_as(own_attempt.user)
    assert loaders.load_own_attempt(own_attempt.id) is own_attempt
    with pytest.raises(NotFound):
        loaders.load_own_attempt(own_attempt.id + 1000)
    for user in (make_user(Role.participant, unit=tree["commune"]), make_user(Role.admin)):
        request_as(user)
        with pytest.raises(NotFound):  # not 403: another person's attempt id reveals nothing
            loaders.load_own_attempt(own_attempt.id)
        with pytest.raises(NotFound):
            loaders.load_touched_attempt(own_attempt.id)


def test_a_touched_attempt_is_finalised_and_committed_once_its_time_is_up(db_session, request_as, clock, own_attempt):
    request_as(own_attempt.user)
    clock.advance(minutes=20)  # at the deadline: still open (the grace has not begun to run out)
    attempt, now, policy = loaders.load_touched_attempt(own_attempt.id)
    assert attempt is own_attempt and attempt.status == AttemptStatus.in_progress
    assert now == clock.current and policy == attempt_policy()
    clock.advance(minutes=1)
    attempt, now, policy = loaders.load_touched_attempt(own_attempt.id)
    assert attempt is own_attempt and now == clock.current
    db_session.rollback()  # what load_touched_attempt committed stays
    db_session.expire_all()
    assert db_session.get(Attempt, own_attempt.id).status == AttemptStatus.expired


@pytest.mark.parametrize(
    ("visibility", "anonymous", "stranger", "eligible", "manager"),
    [("public", True, True, True, True), ("participants", False, False, True, True), ("hidden", False, False, False, True)],
)
def test_who_sees_a_leaderboard(db_session, request_as, make_user, make_contest, tree, visibility, anonymous, stranger, eligible, manager):
    contest = make_contest(unit=tree["district"], eligible_unit_ids=[tree["commune"].id], leaderboard_visibility=visibility)
    seen = []
    for user in (None, make_user(Role.participant, unit=tree["other"]), make_user(Role.participant, unit=tree["commune"]),
                 make_user(Role.organizer, unit=tree["district"])):
        request_as(user)
        seen.append(loaders.may_see_leaderboard(contest))
    assert seen == [anonymous, stranger, eligible, manager]


# ---------------------------------------------------------------- contest/access.py: groups, overrides, prizes, questions


def test_the_group_of_a_per_group_page(db_session, request_as, make_user, make_contest, tree):
    one = make_contest(unit=tree["province"], admitted_groups="citizen")
    both = make_contest(unit=tree["province"], admitted_groups="civil_servant,citizen")
    request_as()
    assert loaders.load_group(one, "citizen") is None  # one group: everybody is ranked together
    assert loaders.load_group(both, None) is ParticipantGroup.civil_servant  # anonymous: the first admitted
    assert loaders.load_group(both, "citizen") is ParticipantGroup.citizen
    with pytest.raises(NotFound):
        loaders.load_group(both, "khach")
    request_as(make_user(participant_group="citizen", residence_unit=tree["commune"]))
    assert loaders.load_group(both, "") is ParticipantGroup.citizen  # without a value: the viewer's own group
    assert loaders.load_group(both, "civil_servant") is ParticipantGroup.civil_servant
    request_as(make_user(unit=tree["commune"]))
    assert loaders.load_group(both, None) is ParticipantGroup.civil_servant


def test_overrides_and_prizes_are_their_contests_only(db_session, request_as, make_user, make_contest, tree):
    contest, other = make_contest(unit=tree["province"]), make_contest(unit=tree["province"])
    person = make_user(unit=tree["commune"])
    overrides = [Override(contest_id=c.id, user_id=person.id, extra_minutes=5) for c in (contest, other)]
    awards = [PrizeAward(contest=c, user=person, prize="Giải Nhất") for c in (contest, other)]
    db_session.add_all(overrides + awards)
    db_session.commit()
    request_as(make_user(Role.organizer, unit=tree["province"]))
    assert loaders.load_override(contest, overrides[0].id) is overrides[0]
    assert loaders.load_contest_award(contest, awards[0].id) is awards[0]
    for missing in (overrides[1].id, overrides[1].id + 1000):
        with pytest.raises(NotFound):
            loaders.load_override(contest, missing)
    for missing in (awards[1].id, awards[1].id + 1000):
        with pytest.raises(NotFound):
            loaders.load_contest_award(contest, missing)


def test_a_prize_is_its_winners_until_they_are_disqualified(db_session, request_as, make_user, make_contest, tree):
    contest, other = make_contest(unit=tree["province"]), make_contest(unit=tree["province"])
    winner = make_user(unit=tree["commune"])
    kept, lost = PrizeAward(contest=contest, user=winner, prize="Giải Nhì"), PrizeAward(contest=other, user=winner, prize="Giải Ba")
    db_session.add_all([kept, lost])
    db_session.flush()
    prizes.disqualify(db_session, other, winner, "Gian lận khi làm bài", None)
    db_session.commit()
    request_as(winner)
    assert loaders.load_own_award(kept.id) is kept
    for award_id in (lost.id, kept.id + 1000):  # disqualified since; none
        with pytest.raises(NotFound):
            loaders.load_own_award(award_id)
    request_as(make_user(unit=tree["commune"]))
    with pytest.raises(NotFound):  # another person's prize is not named: 404, not 403
        loaders.load_own_award(kept.id)


def test_a_contest_question_is_one_drawn_in_its_attempts(db_session, request_as, make_user, make_contest, make_bank, tree):
    contest = make_contest(unit=tree["province"], bank=make_bank(owner=tree["province"], per_topic=2), per_topic=1)
    attempt = attempt_service.start_attempt(db_session, make_user(unit=tree["commune"]), contest.rounds[0], T0, POLICY)
    db_session.commit()
    drawn = db_session.get(Question, attempt.questions[0].question_id)
    not_drawn = db_session.scalars(select(Question).where(Question.bank_id == drawn.bank_id,
                                                           Question.id.not_in([q.question_id for q in attempt.questions]))).first()
    request_as(make_user(Role.organizer, unit=tree["province"]))
    assert loaders.load_contest_question(contest, drawn.id) is drawn
    for question_id in (not_drawn.id, drawn.id + 1000):
        with pytest.raises(NotFound):
            loaders.load_contest_question(contest, question_id)
    with pytest.raises(NotFound):  # drawn, but in another contest
        loaders.load_contest_question(make_contest(unit=tree["province"]), drawn.id)


def test_practice_topics_and_questions_only_while_open(db_session, request_as, make_user, make_bank, tree):
    bank = make_bank(owner=tree["province"], per_topic=2)
    open_, closed = bank.topics
    open_.practice_open = True
    db_session.commit()
    question = db_session.scalars(select(Question).where(Question.topic_id == open_.id)).first()
    elsewhere = db_session.scalars(select(Question).where(Question.topic_id == closed.id)).first()
    request_as(make_user(unit=tree["commune"]))
    assert loaders.load_practice_topic(open_.id) is open_
    assert loaders.load_practice_question(open_, question.id) is question
    for topic_id in (closed.id, open_.id + 1000):
        with pytest.raises(NotFoundError):
            loaders.load_practice_topic(topic_id)
    for question_id in (elsewhere.id, question.id + 1000):
        with pytest.raises(NotFoundError):
            loaders.load_practice_question(open_, question_id)


# ---------------------------------------------------------------- contest/access.py: people, moves, export jobs


def test_people_moves_and_jobs_only_for_those_who_look_after_them(db_session, request_as, make_user, tree):
    person = make_user(unit=tree["commune"])
    move = people_service.request_move(db_session, person, tree["other"].id, "Chuyển công tác")
    job = ExportJob(user_id=person.id, kind="results", params={}, title="Kết quả", filename="ket-qua.xlsx",
                    total=0, created_at=T0, expires_at=T0 + timedelta(days=1))
    db_session.add(job)
    db_session.commit()
    request_as(make_user(Role.unit_manager, unit=tree["district"]))  # the person's subtree, not the target's
    assert loaders.load_person(person.id) is person
    with pytest.raises(Forbidden):
        loaders.load_move_request(move.id)
    with pytest.raises(Forbidden):
        loaders.load_export_job(job.id)
    request_as(make_user(Role.unit_manager, unit=tree["other"]))
    assert loaders.load_move_request(move.id) is move
    with pytest.raises(Forbidden):
        loaders.load_person(person.id)
    request_as(person)
    assert loaders.load_export_job(job.id) is job
    for load, missing in ((loaders.load_person, person.id + 1000), (loaders.load_move_request, move.id + 1000),
                          (loaders.load_export_job, job.id + 1000)):
        with pytest.raises(NotFound):
            load(missing)


# ---------------------------------------------------------------- contest/reports/access.py: unit pickers, period reports


def test_report_unit_options_are_the_report_root_and_below(db_session, request_as, make_user, tree, district_contest):
    request_as(make_user(Role.organizer, unit=tree["province"]))
    assert access.report_unit_options(district_contest) == [
        ("P-H", "Huyện Đông (P-H)"), ("P-H-X", "Xã Đông Phong — Huyện Đông (P-H-X)")]
    request_as(make_user(Role.unit_manager, unit=tree["commune"]))
    assert access.report_unit_options(district_contest) == [("P-H-X", "Xã Đông Phong — Huyện Đông (P-H-X)")]


def test_period_reports_cover_the_own_subtree_or_for_admins_the_tree(db_session, request_as, make_user, tree):
    manager = make_user(Role.unit_manager, unit=tree["district"])
    request_as(manager)
    assert access.period_root() is tree["district"]
    assert access.period_unit() is tree["district"]
    assert access.period_unit_options() == [("P-H", "Huyện Đông (P-H)"), ("P-H-X", "Xã Đông Phong — Huyện Đông (P-H-X)")]
    request_as(manager, query="don_vi=%20P-H-X%20")
    assert access.period_unit() is tree["commune"]
    request_as(manager, query="don_vi=P-K")
    with pytest.raises(Forbidden):
        access.period_unit()
    request_as(manager, query="don_vi=KHONG-CO")
    with pytest.raises(NotFound):
        access.period_unit()
    request_as(make_user(Role.admin))
    assert access.period_root() is None
    assert access.period_unit() is tree["province"]  # the first top unit
    assert [code for code, _ in access.period_unit_options()] == ["P", "P-H", "P-H-X", "P-K"]
    request_as(make_user(Role.admin), query="don_vi=P-K")
    assert access.period_unit() is tree["other"]


def test_a_period_report_needs_a_unit_or_an_admin(db_session, request_as, make_user):
    request_as(make_user(Role.admin))
    with pytest.raises(NotFound):  # no unit at all yet
        access.period_unit()
    unitless = make_user(Role.unit_manager)
    unitless.unit = None  # an account whose unit was taken away
    db_session.commit()
    request_as(unitless)
    with pytest.raises(Forbidden):
        access.period_root()


# ---------------------------------------------------------------- contest/access.py: sessions, the asked round, own subtree


@pytest.mark.parametrize(("value", "parsed"), [
    ("12:3", (12, 3)), ("1234567890:1234567890", (1234567890, 1234567890)), ("7:0", (7, 0)),
    ("12", None), ("12:", None), (":3", None), ("a:3", None), ("12:b", None), ("-1:2", None), ("12:3:4", None),
    ("12345678901:1", None), ("1:12345678901", None), (12, None), (None, None),
])
def test_a_session_id_is_a_user_id_and_a_session_version(value, parsed):
    assert loaders.parse_session_id(value) == parsed


def test_a_cookie_loads_its_account_only_with_the_current_session_version(db_session, request_as, make_user, tree):
    user = make_user(unit=tree["commune"])
    user.session_version = 4
    db_session.commit()
    request_as()
    assert loaders.load_user(f"{user.id}:4") is user
    for value in (f"{user.id}:3", f"{user.id}:5", f"{user.id + 1000}:4", f"{user.id}", "x"):
        assert loaders.load_user(value) is None


def test_the_session_account_is_read_from_the_session_cookie(db_session, request_as, make_user, tree):
    request_as()
    assert loaders.session_account() is None
    user = make_user(unit=tree["commune"])
    user.session_version = 2
    db_session.commit()
    request_as(user)
    assert loaders.session_account() == (user.id, 2)


def test_the_asked_round_or_the_whole_contest(db_session, request_as, make_contest, tree):
    contest, other = make_contest(unit=tree["province"], rounds=2), make_contest(unit=tree["province"])
    request_as()
    assert loaders.load_asked_round(contest, None) is None and loaders.load_asked_round(contest, 0) is None
    assert loaders.load_asked_round(contest, contest.rounds[1].id) is contest.rounds[1]
    with pytest.raises(NotFound):
        loaders.load_asked_round(contest, other.rounds[0].id)


def test_the_own_subtree_is_everything_for_an_admin_and_the_own_unit_for_others(db_session, request_as, make_user, tree):
    for admin in (make_user(Role.admin), make_user(Role.admin, unit=tree["district"])):  # an admin's unit limits nothing
        request_as(admin)
        assert loaders.own_subtree() is None
    for role in (Role.organizer, Role.unit_manager):
        request_as(make_user(role, unit=tree["district"]))
        assert loaders.own_subtree() is tree["district"]
