"""Export jobs: every Excel export by name and plain parameters, its size estimated with a COUNT (small ones are
written inside the request, large ones in the background), and a background job's life in the database table
every app server shares: queued → running (progress, heartbeat) → done (the file, kept a day) or failed.

Nothing here imports Flask: contest/background.py runs jobs (RQ, a thread, inline) and the views choose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import BinaryIO

from sqlalchemy import delete, distinct, func, select, update
from sqlalchemy.orm import Session

from contest.errors import ContestError, NotFoundError
from contest.models import FINISHED, Attempt, Contest, ExportJob, JobStatus, OverdueHandling, Role, Round, StaffMember, Unit, User
from contest.services import exports
from contest.services import period_report as period_reports
from contest.services.attempts import AttemptPolicy
from contest.services.period_report import LOCAL_TZ, ReportSettings
from contest.services.periods import Period, PeriodKind
from contest.services.statistics import Scope
from contest.services.units import subtree_filter

KEEP = timedelta(days=1)  # a finished file can be downloaded this long
RECENT_LIMIT = 20  # jobs listed on "Tệp đã xuất"
FAILED = "Không xuất được tệp do lỗi máy chủ. Hãy thử lại; nếu vẫn lỗi, hãy báo quản trị hệ thống."

Progress = Callable[[int], None]


class NotQueuedError(ContestError):
    """The job could not be handed to its runner (Redis does not answer)."""

    def __str__(self) -> str:
        return "Không gửi được việc xuất tệp vào hàng đợi (máy chủ Redis không trả lời). Hãy thử lại sau hoặc báo quản trị hệ thống."


# ---------------------------------------------------------------- parameters (plain JSON, validated by the views)

def contest_params(scope: Scope, now: datetime, policy: AttemptPolicy, **extra) -> dict:
    return {"contest": scope.contest.id, "round": scope.round.id if scope.round else None, "now": now.isoformat(),
            "grace": policy.grace.total_seconds(), "overdue": policy.overdue.value, **extra}


def period_params(unit: Unit, period: Period, settings: ReportSettings, made_on: date, place: str) -> dict:
    return {"unit": unit.id, "start": period.start.isoformat(), "end": period.end.isoformat(), "kind": period.kind.value,
            "year": period.year, "number": period.number, "cutoff": period.cutoff, "pass_mark": settings.pass_mark,
            "target": settings.target, "threshold": settings.threshold, "made_on": made_on.isoformat(), "place": place}


def _get(session: Session, model, object_id: int | None, gone: str):
    obj = session.get(model, object_id) if object_id is not None else None
    if obj is None:
        raise NotFoundError(gone)
    return obj


def _scope(session: Session, p: dict) -> Scope:
    contest = _get(session, Contest, p["contest"], "Cuộc thi của tệp này không còn tồn tại.")
    if p.get("round") is None:
        return Scope(contest)
    round_ = _get(session, Round, p["round"], "Vòng thi của tệp này không còn tồn tại.")
    return Scope(contest, round_)


def _unit(session: Session, p: dict) -> Unit:
    return _get(session, Unit, p["unit"], "Đơn vị của tệp này không còn tồn tại.")


def _policy(p: dict) -> AttemptPolicy:
    return AttemptPolicy(grace=timedelta(seconds=p["grace"]), overdue=OverdueHandling(p["overdue"]))


def _now(p: dict) -> datetime:
    return datetime.fromisoformat(p["now"])


def _period(p: dict) -> Period:
    return Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), PeriodKind(p["kind"]), p["year"], p["number"], p["cutoff"])


# ---------------------------------------------------------------- sizes: one COUNT each

def _ranked_people(session: Session, p: dict) -> int:
    scope = _scope(session, p)
    return session.scalar(
        select(func.count(distinct(Attempt.user_id))).where(Attempt.round_id.in_(scope.round_ids), Attempt.status.in_(FINISHED))
    ) or 0


def _finished_attempts(session: Session, p: dict) -> int:
    scope = _scope(session, p)
    return session.scalar(select(func.count()).where(Attempt.round_id.in_(scope.round_ids), Attempt.status.in_(FINISHED))) or 0


def _subtree_units(session: Session, unit: Unit) -> int:
    return session.scalar(select(func.count()).select_from(Unit).where(subtree_filter(unit))) or 0


def _subtree_people(session: Session, p: dict) -> int:
    """Everyone the non-participant list could name: the subtree's staff lists and accounts (an upper bound)."""
    unit = _unit(session, p)
    staff = session.scalar(select(func.count()).select_from(StaffMember).join(Unit, Unit.id == StaffMember.unit_id).where(subtree_filter(unit)))
    accounts = session.scalar(select(func.count()).select_from(User).join(Unit, Unit.id == User.unit_id).where(subtree_filter(unit)))
    return (staff or 0) + (accounts or 0)


def _period_attempts(session: Session, p: dict) -> int:
    """The attempts the report's two roll-ups (the period and the one before) read."""
    period = _period(p)
    start, _ = period.previous().utc_bounds(LOCAL_TZ)
    _, end = period.utc_bounds(LOCAL_TZ)
    return session.scalar(
        select(func.count()).where(Attempt.status.in_(FINISHED), Attempt.finished_at >= start, Attempt.finished_at < end)
    ) or 0


# ---------------------------------------------------------------- the exports

def _results(session, p, target, progress):
    exports.export_results(session, _scope(session, p), _now(p), _policy(p), target, progress=progress)


def _winners(session, p, target, progress):
    exports.export_winners(session, _scope(session, p), _now(p), _policy(p), p["top"], target, progress=progress)


def _participation(session, p, target, progress):
    exports.export_participation(session, _scope(session, p), _unit(session, p), p["threshold"], _now(p), target, progress=progress)


def _non_participants(session, p, target, progress):
    exports.export_non_participants(session, _scope(session, p), _unit(session, p), _now(p), target, progress=progress)


def _questions(session, p, target, progress):
    exports.export_question_statistics(session, _scope(session, p), _now(p), target, progress=progress)


def _period_report(session, p, target, progress):
    settings = ReportSettings(pass_mark=p["pass_mark"], target=p["target"], threshold=p["threshold"])
    report = period_reports.period_report(session, _unit(session, p), _period(p), settings)
    period_reports.export_period_report(report, date.fromisoformat(p["made_on"]), p["place"], target, progress=progress)


@dataclass(frozen=True)
class ExportKind:
    """An export: `size` is what decides inline or background (a COUNT of its rows, or of the attempts its queries
    read); `rows` the rows it writes, the progress bar's total, when that differs from `size` (None: not known)."""

    write: Callable[[Session, dict, BinaryIO, Progress | None], None]
    size: Callable[[Session, dict], int]
    rows: Callable[[Session, dict], int | None] | None = None


KINDS: dict[str, ExportKind] = {
    "results": ExportKind(_results, _ranked_people),
    "winners": ExportKind(_winners, lambda session, p: min(p["top"], _ranked_people(session, p))),
    "participation": ExportKind(_participation, lambda session, p: _subtree_units(session, _unit(session, p))),
    "non_participants": ExportKind(_non_participants, _subtree_people),
    "questions": ExportKind(_questions, _finished_attempts, lambda session, p: None),
    "period_report": ExportKind(_period_report, _period_attempts, lambda session, p: _subtree_units(session, _unit(session, p))),
}


def estimate(session: Session, kind: str, params: dict) -> int:
    return KINDS[kind].size(session, params)


def write(session: Session, kind: str, params: dict, target: BinaryIO, progress: Progress | None = None) -> None:
    """Write the export into `target` (the same code inside a request and in a job)."""
    KINDS[kind].write(session, params, target, progress)


# ---------------------------------------------------------------- a job's life

def create_job(session: Session, user: User, kind: str, params: dict, title: str, filename: str, now: datetime) -> ExportJob:
    """A queued job of `user` (parameters already validated by the page that asked); expired jobs are purged first."""
    purge_expired(session, now)
    spec = KINDS[kind]
    total = spec.rows(session, params) if spec.rows else spec.size(session, params)
    job = ExportJob(user_id=user.id, kind=kind, params=params, title=title, filename=filename, status=JobStatus.queued.value,
                    done=0, total=total, created_at=now, expires_at=now + KEEP)
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job_id: int, now: datetime) -> ExportJob | None:
    """Take a queued job for running (one conditional UPDATE: two workers never run it twice); None if it is gone or
    someone else has it."""
    taken = session.execute(
        update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == JobStatus.queued.value)
        .values(status=JobStatus.running.value, started_at=now, heartbeat_at=now)
    ).rowcount
    return session.get(ExportJob, job_id) if taken else None


def record_progress(session: Session, job_id: int, done: int, now: datetime) -> None:
    session.execute(
        update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == JobStatus.running.value).values(done=done, heartbeat_at=now)
    )


def finish(session: Session, job_id: int, content: bytes, done: int, now: datetime) -> None:
    session.execute(
        update(ExportJob).where(ExportJob.id == job_id).values(
            status=JobStatus.done.value, content=content, size_bytes=len(content), done=done, heartbeat_at=now, finished_at=now,
            expires_at=now + KEEP,
        )
    )


def fail(session: Session, job_id: int, error: BaseException, now: datetime) -> None:
    """Mark the job failed with a message people can act on: a domain error's own, otherwise a generic one (the
    traceback goes to the log, not to the page)."""
    message = str(error) if isinstance(error, ContestError) else FAILED
    session.execute(
        update(ExportJob).where(ExportJob.id == job_id).values(status=JobStatus.failed.value, error=message, finished_at=now, heartbeat_at=now)
    )


def may_see(user: User, job: ExportJob) -> bool:
    """Only the person who started a job, or an admin, sees it and its file."""
    return job.user_id == user.id or user.has_role(Role.admin)


def recent_jobs(session: Session, user: User, now: datetime) -> list[ExportJob]:
    """The person's jobs whose files are still kept, newest first."""
    return list(session.scalars(
        select(ExportJob).where(ExportJob.user_id == user.id, ExportJob.expires_at > now)
        .order_by(ExportJob.created_at.desc(), ExportJob.id.desc()).limit(RECENT_LIMIT)
    ))


def purge_expired(session: Session, now: datetime) -> int:
    """Delete the jobs (and files) kept past their day; returns how many."""
    return session.execute(delete(ExportJob).where(ExportJob.expires_at <= now)).rowcount
