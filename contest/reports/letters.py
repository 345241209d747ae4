"""Reminder letters (công văn đôn đốc): a period report's or a contest report's letters to the units under the
threshold, as one .docx or a .zip of one .docx per unit (?tep=zip), built from the same report (and the same
query string) as the page; and the template page (download, upload, back to the default)."""

from __future__ import annotations

import io

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user

from contest import db
from contest.access import report_roles
from contest.errors import ValidationError
from contest.forms import EmptyForm
from contest.reports import bp
from contest.reports.access import period_unit, period_unit_options, report_unit, threshold_from_request
from contest.reports.periods import _build as build_period_report
from contest.reports.views import _report as contest_report
from contest.reports.forms import LetterTemplateForm
from contest.services import letters as letter_service
from contest.services.period_report import report_date
from contest.viewhelpers import audit, commit_or_flash, render_form, save_or_problems

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _send_letters(letters: letter_service.Letters, back: str):
    """The letters as one .docx (?tep=zip: a .zip of one .docx per unit), logged; with no unit under the
    threshold, or a stored template that no longer fills, back to the report with the reason."""
    as_zip = request.args.get("tep") == "zip"
    try:
        template = letter_service.template_content(db.session, letters.issuer)
        content = (letter_service.letters_zip if as_zip else letter_service.letters_docx)(template, letters)
    except ValidationError as error:
        db.session.rollback()
        flash(str(error), "warning")
        return redirect(back)
    audit("export.letters", f"Tạo {len(letters.units)} công văn đôn đốc ({letters.scope_label}), đơn vị {letters.issuer.code}.")
    db.session.commit()
    name = letter_service.letter_filename(letters, suffix="zip" if as_zip else "docx")
    return send_file(io.BytesIO(content), mimetype="application/zip" if as_zip else DOCX_MIMETYPE, as_attachment=True, download_name=name)


@bp.route("/dinh-ky/cong-van")
@report_roles
def period_letters():
    """The letters of the period report the query string asks for: to the units right under its unit."""
    _, _, report, today = build_period_report()
    back = url_for("reports.period_report", **request.args)
    if report is None:
        return redirect(back)
    return _send_letters(letter_service.period_letters(db.session, report, today, current_app.config["REPORT_PLACE"]), back)


@bp.route("/cuoc-thi/<int:contest_id>/cong-van")
@report_roles
def contest_letters(contest_id: int):
    """The letters of a contest's participation report (?vong=, ?don_vi=, ?nguong= as on the page)."""
    contest, scope, now = contest_report(contest_id)
    unit = report_unit(contest)
    letters = letter_service.contest_letters(db.session, scope, unit, threshold_from_request(), report_date(now),
                                             current_app.config["REPORT_PLACE"])
    return _send_letters(letters, url_for("reports.participation", contest_id=contest.id, **request.args))


@bp.route("/cong-van/mau", methods=["GET", "POST"])
@report_roles
def letter_template():
    """The letter template of a unit (?don_vi=, within the user's subtree): what it uses now, the placeholders,
    and the forms to upload a new one or go back to the default."""
    unit = period_unit()
    form = LetterTemplateForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.stream.read(letter_service.MAX_TEMPLATE_BYTES + 1)
        filename = upload.filename or "mau-cong-van.docx"
        saved, problems = save_or_problems(
            lambda: letter_service.save_template(db.session, unit, content, filename, current_user),
            lambda _: f"Đã lưu mẫu công văn đôn đốc của {unit.name} từ tệp {filename}.", "letters.template",
        )
        if saved is not None:
            return redirect(url_for("reports.letter_template", don_vi=unit.code))
        form.file.errors = list(form.file.errors) + problems
    used = letter_service.template_for(db.session, unit)
    return render_form("reports/letter_template.html", form=form, unit=unit, used=used, own=used is not None and used.unit_id == unit.id,
                       placeholders=letter_service.PLACEHOLDERS, reset_form=EmptyForm(), unit_options=period_unit_options())


@bp.route("/cong-van/mau.docx")
@report_roles
def download_letter_template():
    unit = period_unit()
    used = letter_service.template_for(db.session, unit)
    content = used.content if used else letter_service.default_template()
    return send_file(io.BytesIO(content), mimetype=DOCX_MIMETYPE, as_attachment=True, download_name=f"mau-cong-van-don-doc-{unit.code}.docx")


@bp.route("/cong-van/mau/mac-dinh", methods=["POST"])
@report_roles
def reset_letter_template():
    unit = period_unit()
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: letter_service.reset_template(db.session, unit),
                        lambda: f"{unit.name} dùng lại mẫu công văn mặc định.", "letters.template_reset")
    return redirect(url_for("reports.letter_template", don_vi=unit.code))
