"""The unit prize list (giải tập thể) of a contest, and its rules on the contest page.

Who sees the list: the contest's organisers always (a preview until the contest's winners' list is published);
everyone once that list is published (contest/awards/views.py decides the same for the winners' page); before
that, a unit manager the contest concerns sees the units of their own subtree, read-only."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from contest import clock, db
from contest.access import Need, concerns_manager, load_contest, manages, report_roles
from contest.downloads import send_xlsx
from contest.awards import bp
from contest.models import Contest
from contest.services import awards as award_service
from contest.services import statistics
from contest.services import unit_prizes as unit_prize_service
from contest.services.statistics import Scope
from contest.viewhelpers import audit


def visible_part(contest: Contest):
    """(published, the subtree the user sees or None for every unit); 404 for someone who may not see the list."""
    published = award_service.is_published(db.session, contest, None)
    if published or manages(contest):
        return published, None
    if current_user.is_authenticated and concerns_manager(contest):
        return published, current_user.unit
    abort(404)


def unit_prize_results(contest: Contest, within):
    """The list, counted from finished attempts (overdue ones finalised first, as every report does)."""
    statistics.finalize(db.session, Scope(contest), clock.now(), clock.attempt_policy())
    results = unit_prize_service.results(db.session, contest, within)
    db.session.commit()
    return results


@bp.route("/cuoc-thi/<int:contest_id>/giai-tap-the")
def unit_prizes(contest_id: int):
    contest = load_contest(contest_id, Need.view)
    published, within = visible_part(contest)
    return render_template("awards/unit_prizes.html", contest=contest, published=published, within=within,
                           managed=manages(contest), results=unit_prize_results(contest, within))


@bp.route("/bao-cao/cuoc-thi/<int:contest_id>/xuat/giai-tap-the.xlsx")
@report_roles
def export_unit_prizes(contest_id: int):
    """The whole list as a workbook, for the contest's organisers (logged)."""
    contest = load_contest(contest_id, Need.manage)
    now = clock.now()
    statistics.finalize(db.session, Scope(contest), now, clock.attempt_policy())
    content = unit_prize_service.export_unit_prizes(db.session, contest, now)
    audit("export.unit_prizes", f"Xuất danh sách xét giải tập thể “{contest.title}”.")
    db.session.commit()
    return send_xlsx(content, f"giai-tap-the-cuoc-thi-{contest.id}.xlsx")


@bp.app_template_global()
def unit_prize_rules(contest: Contest) -> list[str]:
    """The unit prize rules the contest page states (templates/awards/_unit_prize_rules.html)."""
    return unit_prize_service.contest_rules(db.session, contest)
