"""Exports, written now or in the background: a small export is sent at once; one above EXPORT_INLINE_MAX_ROWS
becomes a job, and the person follows it on its page (a progress bar) until the file can be downloaded, for a
day. "Tệp đã xuất" lists their recent jobs. Only the person who started a job, or an admin, sees it; the download
checks again that they may still see what the export covers."""

from __future__ import annotations

import io
import tempfile
from datetime import timedelta

from flask import current_app, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user

from contest import background, clock, db
from contest.access import Need, get_or_404, load_contest, load_export_job, report_roles
from contest.downloads import XLSX_MIMETYPE
from contest.formats import format_number
from contest.models import ExportJob, JobStatus, Unit
from contest.reports import bp
from contest.reports.access import period_root, report_root, within
from contest.services import jobs as job_service
from contest.timeutil import format_local
from contest.viewhelpers import audit

def send_or_start(kind: str, params: dict, filename: str, title: str, action: str, summary: str):
    """The export of `kind` (parameters validated by the caller): written now and sent when small, else a background
    job (its page is where the browser goes). Who took it is logged either way."""
    if job_service.estimate(db.session, kind, params) <= current_app.config["EXPORT_INLINE_MAX_ROWS"]:
        spool = tempfile.TemporaryFile()
        job_service.write(db.session, kind, params, spool)
        spool.seek(0)
        audit(action, summary)
        db.session.commit()
        return send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)
    job = job_service.create_job(db.session, current_user, kind, params, title, filename, clock.now())
    audit(action, summary + " (xuất nền)", job=job.id)
    db.session.commit()
    try:
        background.start(job.id)
    except Exception as error:  # noqa: BLE001 - the queue is unreachable: the job says so instead of waiting for nobody
        current_app.logger.exception("export job %s could not be queued", job.id)
        job_service.fail(db.session, job.id, job_service.NotQueuedError(str(error)), clock.now())
        db.session.commit()
    return redirect(url_for("reports.export_job", job_id=job.id), 303)


def _limits():
    config = current_app.config
    return timedelta(seconds=config["JOB_STALE_SECONDS"]), timedelta(seconds=config["JOB_QUEUED_SECONDS"])


def job_view(job: ExportJob) -> dict:
    """What the page and its JSON show of a job: status, progress, the Vietnamese text, the download when ready."""
    now = clock.now()
    stale, queued = _limits()
    state = job.state(now, stale, queued)
    done, total = job.done, job.total
    if state is JobStatus.done:
        text = f"Đã xuất xong {format_number(done)} dòng."
    elif state is JobStatus.queued:
        text = "Đang chờ đến lượt xuất…"
    elif state is JobStatus.failed:
        text = job.problem(now, stale, queued)
    elif total:
        text = f"Đã xuất {format_number(min(done, total))}/{format_number(total)} dòng"
    else:
        text = f"Đã xuất {format_number(done)} dòng" if done else "Đang tính số liệu…"
    ready = state is JobStatus.done and not job.expired(now)
    return {
        "status": state.value, "label": state.label, "done": done, "total": total, "text": text,
        "finished": state in (JobStatus.done, JobStatus.failed),
        "download": url_for("reports.download_export_job", job_id=job.id) if ready else None,
        "expires": format_local(job.expires_at) if ready else None,
    }


def _contest_access(need: Need):
    """A contest export: the person must still reach the contest (`need`) and, for a unit report, the unit must still
    be within their report root."""

    def check(job: ExportJob) -> None:
        contest = load_contest(job.params["contest"], need)
        if "unit" in job.params:
            within(get_or_404(Unit, job.params["unit"]), report_root(contest))

    return check


def _period_access(job: ExportJob) -> None:
    """A period report: the unit must still be within the person's period root (anywhere for an admin)."""
    within(get_or_404(Unit, job.params["unit"]), period_root())


# How the download checks again that the person may still see what each kind of export covers.
ACCESS = {
    "results": _contest_access(Need.manage), "winners": _contest_access(Need.manage), "questions": _contest_access(Need.manage),
    "participation": _contest_access(Need.report), "non_participants": _contest_access(Need.report),
    "period_report": _period_access,
}


@bp.route("/tep-xuat")
@report_roles
def export_jobs():
    jobs = job_service.recent_jobs(db.session, current_user, clock.now())
    return render_template("reports/export_jobs.html", jobs=[(job, job_view(job)) for job in jobs])


@bp.route("/tep-xuat/<int:job_id>")
@report_roles
def export_job(job_id: int):
    job = load_export_job(job_id)
    return render_template("reports/export_job.html", job=job, view=job_view(job))


@bp.route("/tep-xuat/<int:job_id>/trang-thai")
@report_roles
def export_job_status(job_id: int):
    return jsonify(job_view(load_export_job(job_id)))


@bp.route("/tep-xuat/<int:job_id>/tai-ve")
@report_roles
def download_export_job(job_id: int):
    job = load_export_job(job_id)
    view = job_view(job)
    if view["download"] is None:
        if job.status == JobStatus.done.value:
            return render_template("reports/export_job.html", job=job, view=view, gone=True), 410
        return redirect(url_for("reports.export_job", job_id=job.id))
    ACCESS[job.kind](job)
    return send_file(io.BytesIO(job.content or b""), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=job.filename)
