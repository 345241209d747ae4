"""What a report covers, read from the request: its round, its unit (within what the user may see), its
threshold. Loading the contest and who may see it: contest/access.py."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from contest import db
from contest.access import load_asked_round, manages
from contest.models import Contest, Role, Unit
from contest.services import units as unit_service
from contest.services.statistics import DEFAULT_THRESHOLD, Scope
from contest.services.units import flatten_tree, is_in_subtree, unit_option_label, unit_tree
from contest.viewhelpers import db_int


def scope_from_request(contest: Contest) -> Scope:
    return Scope(contest, load_asked_round(contest, request.args.get("vong", type=db_int)))


def report_root(contest: Contest) -> Unit:
    """The widest unit the user may report on: the contest's owner for its organisers, else their own unit."""
    return contest.owner_unit if manages(contest) else current_user.unit


def report_unit_options(contest: Contest) -> list[tuple[str, str]]:
    """(code, label) of every unit the report filter offers: the user's report root and the units below it."""
    return [(node.unit.code, unit_option_label(node.unit)) for node in flatten_tree(unit_tree(db.session, report_root(contest)))]


def within(unit: Unit, root: Unit | None) -> Unit:
    """`unit`, if it lies within `root` (None: anywhere, an admin's period reports); 403 otherwise. Checked when a
    report is asked for and again when its export is downloaded."""
    if root is not None and not is_in_subtree(unit, root):
        abort(403)
    return unit


def _asked_unit() -> Unit | None:
    """The unit asked for with ?don_vi=CODE: None when none is asked, 404 for an unknown code."""
    code = (request.args.get("don_vi") or "").strip()
    if not code:
        return None
    unit = unit_service.get_unit_by_code(db.session, code)
    if unit is None:
        abort(404)
    return unit


def report_unit(contest: Contest) -> Unit:
    """The unit a report covers: asked for with ?don_vi=CODE, within what the user may see."""
    root = report_root(contest)
    unit = _asked_unit()
    return root if unit is None else within(unit, root)


def threshold_from_request() -> float:
    value = request.args.get("nguong", type=float)
    return value if value is not None and 0 <= value <= 100 else DEFAULT_THRESHOLD


def period_root() -> Unit | None:
    """The widest unit the user may make a period report for: their own unit (an organiser's or a unit manager's
    subtree); None for an admin, who may report on the whole tree."""
    if current_user.has_role(Role.admin):
        return None
    if current_user.unit is None:
        abort(403)
    return current_user.unit


def period_unit_options() -> list[tuple[str, str]]:
    """(code, label) of the units the period report's picker offers, in tree order."""
    return [(node.unit.code, unit_option_label(node.unit)) for node in flatten_tree(unit_tree(db.session, period_root()))]


def period_unit() -> Unit:
    """The unit a period report covers (?don_vi=CODE): by default the user's own (an admin's: the first top unit);
    404 for an unknown code, 403 for a unit outside what the user may see."""
    root = period_root()
    unit = _asked_unit()
    if unit is not None:
        return within(unit, root)
    if root is not None:
        return root
    tops = unit_tree(db.session)
    if not tops:
        abort(404)
    return tops[0].unit
