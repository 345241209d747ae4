"""The one place where views load what they work on and check that the user may: role decorators and
load-and-authorise helpers. A missing object is a 404; one the user may not touch is a 403, except where
its mere existence is private (another person's attempt, an unpublished contest): 404 too."""

from __future__ import annotations

import enum
from functools import wraps

from flask import abort, session
from flask_login import current_user, login_required

from contest import clock, db
from contest.models import (
    Attempt, Contest, ExportJob, Override, ParticipantGroup, PrizeAward, Question, QuestionBank, Role, Round, Topic, Unit,
)
from contest.models.contests import LeaderboardVisibility
from contest.services import attempts as attempt_service
from contest.services import awards as award_service
from contest.services import contests as contest_service
from contest.services import jobs as job_service
from contest.services import people as people_service
from contest.services import practice as practice_service
from contest.services import questions as question_service
from contest.services import regrade as regrade_service
from contest.services.units import is_in_subtree
from contest.models.users import UnitChangeRequest, User


def roles_required(*roles: Role):
    """Only logged-in users having one of `roles` may call the view (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required(Role.admin)
organizer_required = roles_required(Role.organizer, Role.admin)
report_roles = roles_required(Role.organizer, Role.admin, Role.unit_manager)
people_managers = roles_required(Role.admin, Role.unit_manager)
participant_required = roles_required(Role.participant)


def parse_session_id(value: object) -> tuple[int, int] | None:
    """(user id, session version) from the id kept in a session or remember cookie ("12:3"), or None.

    A cookie without a version (issued before versions existed) or with another
    form is refused: its holder logs in again.
    """
    if not isinstance(value, str):
        return None
    user_id, _, version = value.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 10 or len(version) > 10:
        return None
    return int(user_id), int(version)


def load_user(value: str) -> User | None:
    """The account of a session or remember cookie, unless its sessions were ended since the cookie was issued
    (Flask-Login's user loader, registered in contest/auth)."""
    parsed = parse_session_id(value)
    if parsed is None:
        return None
    user = db.session.get(User, parsed[0])
    return user if user is not None and user.session_version == parsed[1] else None


def session_account() -> tuple[int, int] | None:
    """(user id, session version) straight from the signed session cookie, without loading the account.

    For the autosave endpoint only, which checks that the account is active and
    the version current in the same query that loads the attempt (one database
    round trip fewer on the request a contest sends most).
    """
    return parse_session_id(session.get("_user_id"))


def get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def get_allowed(model, object_id: int, may):
    """The row, 404 if there is none, 403 unless `may(current_user, row)` (the service's rule)."""
    obj = get_or_404(model, object_id)
    if not may(current_user, obj):
        abort(403)
    return obj


class Need(str, enum.Enum):
    """What the current user wants to do with a contest."""

    view = "view"  # its public page: published, or one the user manages
    report = "report"  # its reports: the organisers who manage it, and unit managers it concerns
    manage = "manage"  # edit it, export it, verify prizes: its organisers and admins


def own_subtree() -> Unit | None:
    """The unit whose subtree the current user works within (the units they may pick, import for or list): None,
    every unit, for an admin; else their own unit."""
    return None if current_user.has_role(Role.admin) else current_user.unit


def manages(contest: Contest) -> bool:
    return current_user.is_authenticated and contest_service.can_manage_contest(current_user, contest)


def concerns_manager(contest: Contest) -> bool:
    """A unit manager sees contests open to their unit, or run inside their subtree."""
    unit = current_user.unit
    if unit is None or not current_user.has_role(Role.unit_manager):
        return False
    return contest_service.is_eligible(current_user, contest) or is_in_subtree(contest.owner_unit, unit)


def load_contest(contest_id: int, need: Need) -> Contest:
    contest = get_or_404(Contest, contest_id)
    if need is Need.view:
        if not manages(contest) and not contest.is_published:
            abort(404)
    elif need is Need.report:
        if not (manages(contest) or concerns_manager(contest)):
            abort(403)
    elif not manages(contest):
        abort(403)
    return contest


def load_round(contest: Contest, round_id: int | None) -> Round:
    """A round of `contest` (404 for a round of another contest)."""
    round_ = db.session.get(Round, round_id) if round_id else None
    if round_ is None or round_.contest_id != contest.id:
        abort(404)
    return round_


def load_asked_round(contest: Contest, round_id: int | None) -> Round | None:
    """The round of `contest` a page or a form asks for (`vong`), or None when it asks for none: the whole contest."""
    return load_round(contest, round_id) if round_id else None


def load_group(contest: Contest, value: str | None) -> ParticipantGroup | None:
    """The group a per-group page shows (`?nhom=`): None when the contest admits one group only (it ranks everyone
    together); without a value, the viewer's own group if admitted, else the first; 404 for a group not admitted."""
    if not contest.ranks_by_group:
        return None
    if not value:
        own = current_user.group if current_user.is_authenticated else None
        return own if own in contest.groups else contest.groups[0]
    if value not in {group.value for group in contest.groups}:
        abort(404)
    return ParticipantGroup(value)


def load_override(contest: Contest, override_id: int) -> Override:
    """An override of `contest` (404 for one of another contest)."""
    override = db.session.get(Override, override_id)
    if override is None or override.contest_id != contest.id:
        abort(404)
    return override


def load_contest_award(contest: Contest, award_id: int) -> PrizeAward:
    """A confirmed prize of `contest` (which the caller has loaded for managing): 404 for one of another contest."""
    award = db.session.get(PrizeAward, award_id)
    if award is None or award.contest_id != contest.id:
        abort(404)
    return award


def load_own_award(award_id: int) -> PrizeAward:
    """One of the current user's confirmed prizes, unless they have been disqualified since: 404 otherwise
    (another person's prize is not named)."""
    award = db.session.get(PrizeAward, award_id)
    if award is None or award.user_id != current_user.id or award_service.is_disqualified(db.session, award.contest, current_user):
        abort(404)
    return award


def load_bank(bank_id: int) -> QuestionBank:
    """A bank the current user manages."""
    return get_allowed(QuestionBank, bank_id, question_service.can_manage_bank)


def load_question(question_id: int) -> Question:
    """A question of a bank the current user manages."""
    question = get_or_404(Question, question_id)
    load_bank(question.bank_id)
    return question


def load_practice_topic(topic_id: int) -> Topic:
    """A topic open for practice, for any logged-in user (404, saying so, for a missing or closed one)."""
    return practice_service.open_topic(db.session, topic_id)


def load_practice_question(topic: Topic, question_id: int) -> Question:
    """An active question of a practice topic (404 otherwise)."""
    return practice_service.practice_question(db.session, topic, question_id)


def load_contest_question(contest: Contest, question_id: int) -> Question:
    """A question drawn in the attempts of `contest` (which the caller has loaded for managing): 404 otherwise.
    Its bank may be an ancestor's shared bank that the organiser cannot edit; regrading the contest is theirs."""
    question = get_or_404(Question, question_id)
    if not regrade_service.is_used_in(db.session, contest, question):
        abort(404)
    return question


def load_own_attempt(attempt_id: int) -> Attempt:
    """The attempt, if it is the current user's; 404 otherwise (ids of others reveal nothing)."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def load_touched_attempt(attempt_id: int):
    """The user's own attempt, finalised first when its time is up (DESIGN: expired when touched)."""
    attempt = load_own_attempt(attempt_id)
    now, policy = clock.now(), clock.attempt_policy()
    if attempt_service.finalize_if_due(db.session, attempt, now, policy):
        db.session.commit()
    return attempt, now, policy


def may_see_leaderboard(contest: Contest) -> bool:
    if manages(contest):
        return True
    if contest.leaderboard_visibility == LeaderboardVisibility.public:
        return True
    if contest.leaderboard_visibility == LeaderboardVisibility.participants:
        return current_user.is_authenticated and contest_service.is_eligible(current_user, contest)
    return False


def load_person(user_id: int) -> User:
    """An account the current user looks after: any for admins, a participant of their subtree for unit managers."""
    return get_allowed(User, user_id, people_service.manages_person)


def load_move_request(request_id: int) -> UnitChangeRequest:
    """A request to move unit that the current user may decide (the target unit is in their subtree)."""
    return get_allowed(UnitChangeRequest, request_id, people_service.may_decide)


def load_export_job(job_id: int) -> ExportJob:
    """An export job of the current user (any for admins)."""
    return get_allowed(ExportJob, job_id, job_service.may_see)
