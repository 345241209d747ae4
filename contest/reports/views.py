from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from contest import clock, db
from contest.access import Need, concerns_manager, get_or_404, load_contest, load_group, manages, own_subtree, report_roles
from contest.formats import format_number
from contest.forms import EmptyForm
from contest.models import ParticipantGroup, Role, User
from contest.clock import attempt_policy
from contest.reports import bp
from contest.reports.forms import StaffImportForm
from contest.reports.access import report_unit, report_unit_options, scope_from_request, threshold_from_request
from contest.services import contests as contest_service
from contest.services import awards as award_service
from contest.services import jobs as job_service
from contest.services import prizes, regrade, staff, statistics
from contest.services import overrides as override_service
from contest.downloads import send_xlsx
from contest.reports.jobs import send_or_start
from contest.viewhelpers import commit_or_flash, db_int, import_upload, redirect_back



def _report(contest_id: int, managed_only: bool = False):
    """The contest and scope of a report, with overdue attempts finalised first (reports count finished ones)."""
    contest = load_contest(contest_id, Need.manage if managed_only else Need.report)
    scope = scope_from_request(contest)
    now = clock.now()
    statistics.finalize(db.session, scope, now, attempt_policy())
    db.session.commit()  # what the report reads next may come from the replica (db.reports)
    return contest, scope, now


@bp.route("/")
@report_roles
def index():
    """Contests the user may report on: organisers their own, unit managers those of their unit."""
    if current_user.has_role(Role.unit_manager):
        contests = [c for c in contest_service.contests_for_participant(db.session, current_user) if concerns_manager(c)]
    else:
        contests = contest_service.contests_for_organizer(db.session, current_user)
    return render_template("reports/index.html", contests=contests)


@bp.route("/cuoc-thi/<int:contest_id>")
@report_roles
def contest_dashboard(contest_id: int):
    if not manages(load_contest(contest_id, Need.report)):
        return redirect(url_for("reports.participation", contest_id=contest_id))
    contest, scope, _ = _report(contest_id)
    threshold = threshold_from_request()
    board = statistics.dashboard(db.reports, scope, threshold)
    db.session.commit()
    chart = {
        "days": [d for d, _, _ in board.per_day],
        "attempts": [a for _, a, _ in board.per_day],
        "people": [p for _, _, p in board.per_day],
        "scores": [s for s, _ in board.score_distribution],
        "scoreCounts": [c for _, c in board.score_distribution],
    }
    return render_template("reports/dashboard.html", contest=contest, scope=scope, board=board, chart=chart, threshold=threshold)


def _unit_report(contest_id: int, template: str, listing):
    """A report on one unit (?don_vi=, within what the user may see): `listing(scope, unit)` gives what it shows."""
    contest, scope, _ = _report(contest_id)
    unit = report_unit(contest)
    shown = listing(scope, unit)
    db.session.commit()
    return render_template(template, contest=contest, scope=scope, unit=unit, managed=manages(contest),
                           unit_options=report_unit_options(contest), **shown)


@bp.route("/cuoc-thi/<int:contest_id>/don-vi")
@report_roles
def participation(contest_id: int):
    threshold = threshold_from_request()
    return _unit_report(contest_id, "reports/participation.html", lambda scope, unit: {
        "units": statistics.participation_by_unit(db.reports, scope, unit, threshold), "threshold": threshold,
        "citizens": scope.contest.admits(ParticipantGroup.citizen),
    })


@bp.route("/cuoc-thi/<int:contest_id>/chua-tham-gia")
@report_roles
def non_participants(contest_id: int):
    return _unit_report(contest_id, "reports/non_participants.html", lambda scope, unit: {
        "people": statistics.non_participants(db.reports, scope, unit),
        "accounts": statistics.registered_non_participants(db.reports, scope, unit),
    })


@bp.route("/cuoc-thi/<int:contest_id>/cau-hoi")
@report_roles
def question_statistics(contest_id: int):
    contest, scope, _ = _report(contest_id, managed_only=True)
    total, items = statistics.item_statistics(db.reports, scope)
    db.session.commit()
    return render_template("reports/question_statistics.html", contest=contest, scope=scope, total=total, items=items,
                           minimum=statistics.MIN_ATTEMPTS_FOR_DISCRIMINATION)


def _contest_export(kind: str, scope, now, filename: str, what: str, unit=None, **params):
    """A contest report's workbook (`kind`, logged as export.<kind>): `what` names it ("Kết quả, xếp hạng"); its job
    title and audit line add the contest and scope, and the unit for a report on one unit (?don_vi=)."""
    subject = f"“{scope.contest.title}” ({scope.label})"
    if unit is not None:
        params = {"unit": unit.id, **params}
    title = f"{what} {subject}" + (f", {unit.code}" if unit else "")
    summary = f"Xuất {what[0].lower()}{what[1:]} {subject}" + (f", đơn vị {unit.code}" if unit else "") + "."
    return send_or_start(kind, job_service.contest_params(scope, now, attempt_policy(), **params), filename, title,
                         f"export.{kind}", summary)


@bp.route("/cuoc-thi/<int:contest_id>/xuat/ket-qua.xlsx")
@report_roles
def export_results(contest_id: int):
    contest, scope, now = _report(contest_id, managed_only=True)
    return _contest_export("results", scope, now, f"ket-qua-cuoc-thi-{contest.id}.xlsx", "Kết quả, xếp hạng")


@bp.route("/cuoc-thi/<int:contest_id>/xuat/dat-giai.xlsx")
@report_roles
def export_winners(contest_id: int):
    contest, scope, now = _report(contest_id, managed_only=True)
    top = max(1, min(request.args.get("top", 30, type=db_int), 1000))
    return _contest_export("winners", scope, now, f"dat-giai-cuoc-thi-{contest.id}.xlsx", f"Danh sách {top} người đạt giải",
                           top=top)


@bp.route("/cuoc-thi/<int:contest_id>/xuat/tham-gia.xlsx")
@report_roles
def export_participation(contest_id: int):
    contest, scope, now = _report(contest_id)
    unit = report_unit(contest)
    return _contest_export("participation", scope, now, f"tham-gia-{unit.code}.xlsx", "Báo cáo tham gia", unit=unit,
                           threshold=threshold_from_request())


@bp.route("/cuoc-thi/<int:contest_id>/xuat/chua-tham-gia.xlsx")
@report_roles
def export_non_participants(contest_id: int):
    """The "Chưa tham gia" page as a workbook, for whoever may open the page (a unit manager: their subtree)."""
    contest, scope, now = _report(contest_id)
    unit = report_unit(contest)
    return _contest_export("non_participants", scope, now, f"chua-tham-gia-{unit.code}.xlsx", "Danh sách chưa tham gia",
                           unit=unit)


@bp.route("/cuoc-thi/<int:contest_id>/xuat/cau-hoi.xlsx")
@report_roles
def export_question_statistics(contest_id: int):
    contest, scope, now = _report(contest_id, managed_only=True)
    return _contest_export("questions", scope, now, f"thong-ke-cau-hoi-{contest.id}.xlsx", "Thống kê câu hỏi")


@bp.route("/danh-sach-can-bo", methods=["GET", "POST"])
@report_roles
def import_staff():
    scope = own_subtree()
    return import_upload(
        StaffImportForm(),
        lambda stream, filename: staff.import_staff(db.session, stream, filename, scope),
        "import.staff",
        lambda r, filename: f"Đã nhập danh sách {format_number(r.people)} người của {format_number(r.units)} đơn vị từ tệp {filename}.",
        url_for("reports.import_staff"),
        "reports/import_staff.html",
    )


@bp.route("/danh-sach-can-bo/tep-mau.xlsx")
@report_roles
def staff_template():
    """The staff list template; its "Danh mục" sheet lists the codes of the units the user may import for."""
    return send_xlsx(staff.staff_template(db.session, own_subtree()), "mau-danh-sach-can-bo.xlsx")


@bp.route("/cuoc-thi/<int:contest_id>/xet-giai")
@report_roles
def prize_verification(contest_id: int):
    contest, scope, now = _report(contest_id, managed_only=True)
    top = max(1, min(request.args.get("top", 30, type=db_int), 500))
    min_seconds = max(0, request.args.get("nhanh", prizes.DEFAULT_MIN_SECONDS, type=db_int))
    shared_ip = max(2, request.args.get("ip", prizes.DEFAULT_SHARED_IP, type=db_int))
    group = load_group(contest, request.args.get("nhom"))
    candidates = prizes.shortlist(db.session, scope, now, attempt_policy(), top, min_seconds, shared_ip, group)
    removed = prizes.disqualifications(db.session, contest)
    regrades = regrade.unreviewed(db.session, contest)
    overrides = override_service.overrides_by_user(db.session, contest, [c.standing.user_id for c in candidates])
    awards = award_service.awards(db.session, contest, scope.round)
    published = award_service.is_published(db.session, contest, scope.round)
    db.session.commit()
    return render_template("reports/prize_verification.html", contest=contest, scope=scope, candidates=candidates, removed=removed,
                           awards=awards, awarded={a.user_id: a for a in awards}, published=published,
                           overrides=overrides, override_terms=override_service.terms,
                           regrades=regrades, top=top, min_seconds=min_seconds, shared_ip=shared_ip, managed=True, form=EmptyForm(),
                           group=group)


def _prize_action(contest_id: int, act, success) -> object:
    contest = load_contest(contest_id, Need.manage)
    user = get_or_404(User, request.form.get("user_id", type=db_int) or 0)
    commit_or_flash(lambda: act(contest, user), lambda: success(contest, user), "prize." + act.__name__)
    return redirect_back(url_for("reports.prize_verification", contest_id=contest.id))


@bp.route("/cuoc-thi/<int:contest_id>/xet-giai/loai", methods=["POST"])
@report_roles
def disqualify(contest_id: int):
    reason = request.form.get("reason", "")

    def disqualify(contest, user):
        prizes.disqualify(db.session, contest, user, reason, current_user)

    return _prize_action(contest_id, disqualify,
                         lambda contest, user: f"Đã loại {user.full_name} khỏi xếp hạng cuộc thi “{contest.title}”. Lý do: {reason.strip()}")


@bp.route("/cuoc-thi/<int:contest_id>/xet-giai/khoi-phuc", methods=["POST"])
@report_roles
def reinstate(contest_id: int):
    def reinstate(contest, user):
        prizes.reinstate(db.session, contest, user)

    return _prize_action(contest_id, reinstate,
                         lambda contest, user: f"Đã đưa {user.full_name} trở lại xếp hạng cuộc thi “{contest.title}”.")
