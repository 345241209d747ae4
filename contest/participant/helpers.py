"""Loading and authorising what participant views work on; the attempt policy from config."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app
from flask_login import current_user

from contest import clock, db
from contest.access import get_or_404
from contest.models import Attempt, Contest, Round
from contest.services import contests as contest_service
from contest.services import attempts as attempt_service
from contest.services import ranking
from contest.services.attempts import AttemptPolicy
from contest.services.ranking import Leaderboard


def attempt_policy() -> AttemptPolicy:
    return AttemptPolicy(grace=timedelta(seconds=current_app.config["ATTEMPT_GRACE_SECONDS"]))


def load_own_attempt(attempt_id: int) -> Attempt:
    """The attempt, if it is the current user's; 404 otherwise (ids of others reveal nothing)."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def load_touched_attempt(attempt_id: int):
    """The user's own attempt, finalised first when its time is up (DESIGN: expired when touched)."""
    attempt = load_own_attempt(attempt_id)
    now, policy = clock.now(), attempt_policy()
    if attempt_service.finalize_if_due(db.session, attempt, now, policy):
        db.session.commit()
    return attempt, now, policy


def load_visible_contest(contest_id: int) -> Contest:
    contest = get_or_404(Contest, contest_id)
    if current_user.is_authenticated and contest_service.can_manage_contest(current_user, contest):
        return contest
    if contest.status != "published":
        abort(404)
    return contest


def load_round(contest: Contest, round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.contest_id != contest.id:
        abort(404)
    return round_


def current_leaderboard(contest: Contest, round_: Round | None, now, frozen: bool) -> Leaderboard:
    return ranking.cached_leaderboard(
        db.session, contest, round_, now, attempt_policy(), frozen=frozen,
        seconds=current_app.config["LEADERBOARD_CACHE_SECONDS"],
    )


def may_see_leaderboard(contest: Contest) -> bool:
    if current_user.is_authenticated and contest_service.can_manage_contest(current_user, contest):
        return True
    if contest.leaderboard_visibility == "public":
        return True
    if contest.leaderboard_visibility == "participants":
        return current_user.is_authenticated and contest_service.is_eligible(current_user, contest)
    return False
