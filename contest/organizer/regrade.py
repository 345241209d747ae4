"""Regrading a contest: the questions drawn, the dry run of one regrade, its confirmation; the winners reviewed again."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from contest import clock, db
from contest.access import Need, load_contest, load_contest_question, organizer_required
from contest.errors import ValidationError
from contest.forms import EmptyForm
from contest.models import RegradeAction
from contest.organizer import bp
from contest.services import regrade as regrade_service
from contest.viewhelpers import commit_or_flash, redirect_back, save_or_problems


def _action(value: str | None) -> RegradeAction | None:
    try:
        return RegradeAction(value or RegradeAction.key.value)
    except ValueError:
        return None


@bp.route("/cuoc-thi/<int:contest_id>/cham-lai")
@organizer_required
def regrade_questions(contest_id: int):
    contest = load_contest(contest_id, Need.manage)
    used = regrade_service.used_questions(db.session, contest)
    return render_template("organizer/regrade_questions.html", contest=contest, used=used)


def _bank_version(question) -> str:
    """The question as the preview saw it in the bank: its last edit (a key or choice edit bumps it)."""
    return question.updated_at.isoformat()


@bp.route("/cuoc-thi/<int:contest_id>/cham-lai/<int:question_id>", methods=["GET", "POST"])
@organizer_required
def regrade(contest_id: int, question_id: int):
    """GET: the dry run of `?cach=` (nothing is written). POST: confirm it, in one transaction."""
    contest = load_contest(contest_id, Need.manage)
    question = load_contest_question(contest, question_id)
    form = EmptyForm()
    action = _action(request.form.get("cach") if request.method == "POST" else request.args.get("cach"))
    problems: list[str] = []
    outcome = None
    if action is None:
        problems = ["Cách chấm lại không hợp lệ: chọn một trong các cách dưới đây."]
    elif request.method == "POST" and request.form.get("ban", _bank_version(question)) != _bank_version(question):
        # The question changed in the bank (another tab, another organiser) after this preview was made: what would be
        # applied is not what was shown. Show the preview again, of the question as it is now.
        problems = ["Câu hỏi đã được sửa trong ngân hàng sau khi bạn xem trước. Hãy xem lại bản xem trước dưới đây rồi mới xác nhận."]
        outcome = regrade_service.preview(db.session, contest, question, action, clock.now(), clock.attempt_policy())
        db.session.rollback()
    elif request.method == "POST" and form.validate_on_submit():
        outcome, problems = save_or_problems(
            lambda: regrade_service.regrade(db.session, contest, question, action, clock.now(), clock.attempt_policy(), current_user),
            lambda done: f"“{contest.title}”: {done.summary()}",
            "contest.regrade", details={"contest_id": contest.id, "question_id": question.id, "regrade": action.value},
        )
        if outcome is not None:
            return redirect(url_for("organizer.regrade_questions", contest_id=contest.id))
    else:
        try:
            outcome = regrade_service.preview(db.session, contest, question, action, clock.now(), clock.attempt_policy())
        except ValidationError as error:
            problems = [str(error)]
        db.session.rollback()  # the dry run leaves nothing behind, not even an attempt it finalised
    status = 422 if problems or request.method == "POST" else 200
    return render_template("organizer/regrade.html", contest=contest, question=question, action=action or RegradeAction.key,
                           actions=list(RegradeAction), outcome=outcome, problems=problems, form=form,
                           bank_version=_bank_version(question)), status


@bp.route("/cuoc-thi/<int:contest_id>/cham-lai/da-xem-lai", methods=["POST"])
@organizer_required
def regrade_reviewed(contest_id: int):
    """The organiser has checked the winners again after the regrades: the prize page's flag goes."""
    contest = load_contest(contest_id, Need.manage)
    count: list[int] = []
    commit_or_flash(
        lambda: count.append(regrade_service.mark_reviewed(db.session, contest, current_user, clock.now())),
        lambda: f"Đã ghi nhận: danh sách đạt giải “{contest.title}” đã được xem lại sau {count[0]} lần chấm lại.",
        "prize.regrade_reviewed", details={"contest_id": contest.id},
    )
    return redirect_back(url_for("reports.prize_verification", contest_id=contest.id))
