"""The period report ("Báo cáo định kỳ"): the page, its printable view and its workbook, for organisers and unit
managers (their own subtree) and admins. One GET form drives all three, so the print and Excel links carry the
same query string as the page."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from contest import clock, db
from contest.access import report_roles
from contest.downloads import send_xlsx
from contest.reports import bp
from contest.reports.access import period_unit, period_unit_options
from contest.reports.forms import PeriodReportForm
from contest.services import period_report as reports
from contest.services.attempts import expire_due_attempts
from contest.services.periods import PeriodChoice, chosen_period, custom_period
from contest.services.statistics import DEFAULT_THRESHOLD
from contest.viewhelpers import audit


def _settings(form: PeriodReportForm) -> reports.ReportSettings:
    """The form's percentages; a box left empty takes the platform's (REPORT_PASS_MARK, REPORT_TARGET, 50%)."""
    config = current_app.config
    return reports.ReportSettings(
        pass_mark=float(config["REPORT_PASS_MARK"] if form.dat.data is None else form.dat.data),
        target=float(config["REPORT_TARGET"] if form.chi_tieu.data is None else form.chi_tieu.data),
        threshold=DEFAULT_THRESHOLD if form.nguong.data is None else float(form.nguong.data),
    )


def _build():
    """(form, unit, report or None when the form has errors, today): the report asked for by the query string,
    with overdue attempts finished first (reports count finished ones)."""
    unit = period_unit()
    config = current_app.config
    form = PeriodReportForm(request.args, dat=config["REPORT_PASS_MARK"], chi_tieu=config["REPORT_TARGET"], nguong=int(DEFAULT_THRESHOLD))
    now = clock.now()
    today = reports.report_date(now)
    if not form.validate():
        return form, unit, None, today
    if form.ky.data == PeriodChoice.custom.value:
        period = custom_period(form.tu_ngay.data, form.den_ngay.data)
    else:
        period = chosen_period(PeriodChoice(form.ky.data), today, config["REPORT_CUTOFF_DAY"])
    expire_due_attempts(db.session, now, clock.attempt_policy())
    report = reports.period_report(db.session, unit, period, _settings(form))
    db.session.commit()
    return form, unit, report, today


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
    _, unit, report, today = _build()
    if report is None:
        return redirect(url_for("reports.period_report", **request.args))
    content = reports.export_period_report(report, today, current_app.config["REPORT_PLACE"])
    audit("export.period_report", f"Xuất báo cáo định kỳ {report.period.label[0].lower()}{report.period.label[1:]}, đơn vị {unit.code}.")
    db.session.commit()
    return send_xlsx(content, f"bao-cao-dinh-ky-{unit.code}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}.xlsx")
