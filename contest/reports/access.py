"""What a report covers, read from the request: its round, its unit (within what the user may see), its
threshold. Loading the contest and who may see it: contest/access.py."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from contest import db
from contest.access import load_round, manages
from contest.models import Contest, Unit
from contest.services import units as unit_service
from contest.services.statistics import DEFAULT_THRESHOLD, Scope
from contest.services.units import is_in_subtree
from contest.viewhelpers import db_int


def scope_from_request(contest: Contest) -> Scope:
    round_id = request.args.get("vong", type=db_int)
    return Scope(contest, load_round(contest, round_id)) if round_id else Scope(contest)


def report_unit(contest: Contest) -> Unit:
    """The unit a report covers: asked for with ?don_vi=CODE, within what the user may see."""
    default = contest.owner_unit if manages(contest) else current_user.unit
    code = (request.args.get("don_vi") or "").strip().upper()
    if not code:
        return default
    unit = unit_service.get_unit_by_code(db.session, code)
    if unit is None:
        abort(404)
    if not is_in_subtree(unit, default):
        abort(403)
    return unit


def threshold_from_request() -> float:
    value = request.args.get("nguong", type=float)
    return value if value is not None and 0 <= value <= 100 else DEFAULT_THRESHOLD
