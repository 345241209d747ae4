"""The period report ("Báo cáo định kỳ"): the page, its printable view and its workbook, for organisers and unit
managers (their own subtree) and admins. One GET form drives all three, so the print and Excel links carry the
same query string as the page."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from contest import clock, db
from contest.access import report_roles
from contest.reports import bp
from contest.reports.access import period_unit, period_unit_options
from contest.reports.forms import PeriodReportForm
from contest.services import jobs as job_service
from contest.services import period_report as reports
from contest.services.attempts import expire_due_attempts
from contest.services.periods import PeriodChoice, chosen_period, custom_period
from contest.services.statistics import DEFAULT_THRESHOLD
from contest.reports.jobs import send_or_start


def _settings(form: PeriodReportForm) -> reports.ReportSettings:
    """The form's percentages; a box left empty takes the platform's (REPORT_PASS_MARK, REPORT_TARGET, 50%)."""
    config = current_app.config
    return reports.ReportSettings(
        pass_mark=float(config["REPORT_PASS_MARK"] if form.dat.data is None else form.dat.data),
        target=float(config["REPORT_TARGET"] if form.chi_tieu.data is None else form.chi_tieu.data),
        threshold=DEFAULT_THRESHOLD if form.nguong.data is None else float(form.nguong.data),
    )


def _asked():
    """(form, unit, period and settings or None when the form has errors, now): what the query string asks for."""
    unit = period_unit()
    config = current_app.config
    form = PeriodReportForm(request.args, dat=config["REPORT_PASS_MARK"], chi_tieu=config["REPORT_TARGET"], nguong=int(DEFAULT_THRESHOLD))
    now = clock.now()
    if not form.validate():
        return form, unit, None, now
    if form.ky.data == PeriodChoice.custom.value:
        period = custom_period(form.tu_ngay.data, form.den_ngay.data)
    else:
        period = chosen_period(PeriodChoice(form.ky.data), reports.report_date(now), config["REPORT_CUTOFF_DAY"])
    expire_due_attempts(db.session, now, clock.attempt_policy())  # reports count finished attempts
    db.session.commit()  # the report itself may be read from the replica (db.reports)
    return form, unit, (period, _settings(form)), now


def _build():
    """(form, unit, report or None when the form has errors, today): the report asked for by the query string,
    with overdue attempts finished first (reports count finished ones)."""
    form, unit, asked, now = _asked()
    report = reports.period_report(db.reports, unit, *asked) if asked else None
    db.session.commit()
    return form, unit, report, reports.report_date(now)


@bp.route("/dinh-ky")
@report_roles
def period_report():
    form, unit, report, _ = _build()
    return render_template("reports/period_report.html", form=form, unit=unit, report=report, unit_options=period_unit_options(),
                           notes=reports.report_notes(report) if report else []), 200 if report else 422


@bp.route("/dinh-ky/ban-in")
@report_roles
def print_period_report():
    _, _, report, today = _build()
    if report is None:
        return redirect(url_for("reports.period_report", **request.args))
    head = reports.heading(report, today, current_app.config["REPORT_PLACE"])
    return render_template("reports/period_report_print.html", report=report, head=head, notes=reports.report_notes(report))


@bp.route("/dinh-ky/bao-cao.xlsx")
@report_roles
def export_period_report():
    """The report as a workbook: written now, or (its period's attempts above EXPORT_INLINE_MAX_ROWS) in the background."""
    _, unit, asked, now = _asked()
    if asked is None:
        return redirect(url_for("reports.period_report", **request.args))
    period, settings = asked
    params = job_service.period_params(unit, period, settings, reports.report_date(now), current_app.config["REPORT_PLACE"])
    phrase = f"{period.label[0].lower()}{period.label[1:]}"
    return send_or_start("period_report", params, f"bao-cao-dinh-ky-{unit.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
                         f"Báo cáo định kỳ {phrase}, {unit.code}", "export.period_report", f"Xuất báo cáo định kỳ {phrase}, đơn vị {unit.code}.")
