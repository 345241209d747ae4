"""Who may see which report: organisers their contests, unit managers their own subtree only."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from contest import db
from contest.access import get_or_404
from contest.models import Contest, Role, Round, Unit
from contest.services import contests as contest_service
from contest.services.statistics import DEFAULT_THRESHOLD, Scope
from contest.services.units import is_in_subtree
from contest.viewhelpers import db_int


def manages(contest: Contest) -> bool:
    return contest_service.can_manage_contest(current_user, contest)


def concerns_manager(contest: Contest) -> bool:
    """A unit manager sees contests open to their unit, or run inside their subtree."""
    unit = current_user.unit
    if unit is None or not current_user.has_role(Role.unit_manager):
        return False
    return contest_service.is_eligible(current_user, contest) or is_in_subtree(contest.owner_unit, unit)


def load_report_contest(contest_id: int) -> Contest:
    contest = get_or_404(Contest, contest_id)
    if not (manages(contest) or concerns_manager(contest)):
        abort(403)
    return contest


def load_managed_contest(contest_id: int) -> Contest:
    contest = get_or_404(Contest, contest_id)
    if not manages(contest):
        abort(403)
    return contest


def scope_from_request(contest: Contest) -> Scope:
    round_id = request.args.get("vong", type=db_int)
    if not round_id:
        return Scope(contest)
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.contest_id != contest.id:
        abort(404)
    return Scope(contest, round_)


def report_unit(contest: Contest) -> Unit:
    """The unit a report covers: asked for with ?don_vi=CODE, within what the user may see."""
    default = contest.owner_unit if manages(contest) else current_user.unit
    code = (request.args.get("don_vi") or "").strip().upper()
    if not code:
        return default
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        abort(404)
    if not is_in_subtree(unit, default):
        abort(403)
    return unit


def threshold_from_request() -> float:
    value = request.args.get("nguong", type=float)
    return value if value is not None and 0 <= value <= 100 else DEFAULT_THRESHOLD
