from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from contest import clock, db
from contest.formats import format_number
from contest.forms import EmptyForm
from contest.models import Attempt, AttemptStatus
from contest.participant import bp
from contest.participant.autosave import answer_from_payload
from contest.access import (
    Need, load_asked_round, load_contest, load_group, load_own_attempt, load_round, load_touched_attempt, may_see_leaderboard,
    session_account,
)
from contest.clock import attempt_policy
from contest.services import attempts as attempt_service
from contest.services import banners as banner_service
from contest.services import contests as contest_service
from contest.services import overrides as override_service
from contest.services import ranking
from contest.errors import SESSION_ENDED_MESSAGE, NotFoundError, SessionEndedError
from contest.services.attempts import AttemptError
from contest.viewhelpers import DB_INT_MAX, db_int


def current_leaderboard(contest, round_, now, frozen: bool, group=None) -> ranking.Leaderboard:
    return ranking.cached_leaderboard(
        db.session, contest, round_, now, attempt_policy(), frozen=frozen,
        seconds=current_app.config["LEADERBOARD_CACHE_SECONDS"], group=group,
    )


@bp.route("/cuoc-thi")
@login_required
def contests():
    now = clock.now()
    items = contest_service.contests_for_participant(db.session, current_user)
    return render_template("participant/contests.html", contests=items, now=now)


@bp.route("/cuoc-thi/<int:contest_id>")
def contest(contest_id: int):
    contest = load_contest(contest_id, Need.view)
    now = clock.now()
    refusal = contest_service.admission_refusal(current_user, contest) if current_user.is_authenticated else None
    eligible = current_user.is_authenticated and refusal is None
    mine, allowances = {}, {}
    if current_user.is_authenticated:
        mine = attempt_service.own_attempts(db.session, current_user, contest.rounds, now, attempt_policy())
        allowances = override_service.allowances(db.session, current_user, contest)
        db.session.commit()
    return render_template(
        "participant/contest.html",
        contest=contest,
        banner=banner_service.banner_of(db.session, contest),
        now=now,
        eligible=eligible,
        refusal=refusal,
        mine=mine,
        allowances=allowances,
        no_allowance=override_service.Allowance(),
        overdue_rule=attempt_policy().for_contest(contest),
        form=EmptyForm(),
        labels={"grading": contest_service.GRADING_LABELS, "review": contest_service.REVIEW_LABELS},
    )


@bp.route("/cuoc-thi/<int:contest_id>/vong/<int:round_id>/bat-dau", methods=["POST"])
@login_required
def start_attempt(contest_id: int, round_id: int):
    contest = load_contest(contest_id, Need.view)
    round_ = load_round(contest, round_id)
    try:
        attempt = attempt_service.start_attempt(
            db.session, current_user, round_, clock.now(), attempt_policy(), client_ip=request.remote_addr
        )
    except AttemptError as error:
        db.session.commit()  # an overdue attempt may just have been finalised
        flash(str(error), "warning")
        return redirect(url_for("participant.contest", contest_id=contest.id))
    db.session.commit()
    return redirect(url_for("participant.take_attempt", attempt_id=attempt.id))


def _answers_from_form(attempt: Attempt) -> dict[int, list[str]]:
    return {q.id: request.form.getlist(f"q-{q.id}") for q in attempt.questions}


def _prediction_from_form() -> int | None:
    raw = (request.form.get("prediction") or "").strip().replace(".", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise AttemptError("Số dự đoán phải là số nguyên không âm.")
    return int(raw)


@bp.route("/bai-thi/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def take_attempt(attempt_id: int):
    attempt, now, policy = load_touched_attempt(attempt_id)
    if not attempt.in_progress:
        return redirect(url_for("participant.attempt_result", attempt_id=attempt.id))
    form = EmptyForm()
    confirm_submit = False
    if request.method == "POST" and form.validate_on_submit():
        autosaved = request.form.get("autosaved") == "1"  # the page saved every choice as it was made
        try:
            answers = None if autosaved else _answers_from_form(attempt)
            prediction = _prediction_from_form() if answers is not None and attempt.round.contest.prediction_question else None
            outcome = attempt_service.apply_attempt_form(
                db.session, attempt, answers, prediction, submit=request.form.get("action") == "submit",
                confirmed=request.form.get("confirmed") == "1", now=now, policy=policy,
            )
        except AttemptError as error:
            db.session.commit()
            flash(str(error), "danger")
            return redirect(url_for("participant.take_attempt", attempt_id=attempt.id))
        db.session.commit()
        if outcome is attempt_service.FormOutcome.submitted:
            return redirect(url_for("participant.attempt_result", attempt_id=attempt.id))
        if outcome is attempt_service.FormOutcome.saved:
            flash("Đã lưu câu trả lời.", "success")
            return redirect(url_for("participant.take_attempt", attempt_id=attempt.id))
        confirm_submit = True
    saved = attempt_service.saved_answers(db.session, attempt)
    unanswered = sum(1 for q in attempt.questions if not saved.get(q.id))
    # When each answer reached the server (epoch ms): the page keeps unsent choices in the browser and
    # resends one only if it was made after the answer the server holds (another device may be newer).
    # A cleared answer (nothing chosen) has no time: a choice kept in the browser fills it again.
    saved_at = attempt_service.saved_times_ms(db.session, attempt)
    return render_template(
        "participant/take_attempt.html",
        attempt=attempt,
        saved_at=saved_at,
        server_now_ms=int(clock.now().timestamp() * 1000),
        contest=attempt.round.contest,
        saved=saved,
        unanswered=unanswered,
        remaining=attempt_service.remaining_seconds(attempt, now),
        confirm_submit=confirm_submit,
        form=form,
    )


PREDICTION_MAX = 10_000_000


def _bad_request(message: str):
    return jsonify(saved=False, error=message), 400


def _session_ended():
    return jsonify(saved=False, error=SESSION_ENDED_MESSAGE), 401


def _json_prediction(value) -> int | None:
    """The prediction of an autosave: null/"" (cleared), a whole number, or digits; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().replace(".", "").isdigit():
        value = int(value.strip().replace(".", ""))
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= PREDICTION_MAX:
        raise ValueError(value)
    return value


@bp.route("/api/bai-thi/<int:attempt_id>/tra-loi", methods=["POST"])
def save_answer_api(attempt_id: int):
    """Autosave of one answer (or the prediction, or the question shown in one-question mode); idempotent, answers
    the true remaining time. On PostgreSQL an answer that saves is answered before Flask by
    contest.participant.autosave.AutosaveFastPath; this view answers everything else.

    Malformed input is refused with 400 before anything is read or written; an id outside the
    64-bit range is an attempt or question that does not exist (404).
    """
    account = session_account()
    if account is None:
        return _session_ended()
    now, policy = clock.now(), attempt_policy()
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _bad_request("Dữ liệu gửi lên không hợp lệ.")
    try:
        if "prediction" in payload:
            if not current_user.is_authenticated:
                return _session_ended()
            try:
                prediction = _json_prediction(payload["prediction"])
            except ValueError:
                return _bad_request(f"Số dự đoán phải là số nguyên từ 0 đến {format_number(PREDICTION_MAX)}.")
            attempt = load_own_attempt(attempt_id)
            if not attempt.round.contest.prediction_question:
                return _bad_request("Cuộc thi này không có câu hỏi dự đoán.")
            attempt_service.save_prediction(db.session, attempt, prediction, now, policy)
            remaining = attempt_service.remaining_seconds(attempt, now)
        elif "position" in payload:
            if not current_user.is_authenticated:
                return _session_ended()
            position = payload["position"]
            if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= DB_INT_MAX:
                return _bad_request("Vị trí câu hỏi không hợp lệ.")
            attempt = load_own_attempt(attempt_id)
            attempt_service.save_position(db.session, attempt, position, now, policy)
            remaining = attempt_service.remaining_seconds(attempt, now)
        else:
            try:
                question_id, keys = answer_from_payload(payload)
            except ValueError as error:
                return _bad_request(str(error))
            remaining = attempt_service.save_answer(
                db.session, account[0], attempt_id, question_id, keys, now, policy, session_version=account[1]
            )
    except SessionEndedError:
        return _session_ended()
    except NotFoundError:
        abort(404)
    except AttemptError as error:
        db.session.commit()  # keeps a finalisation that the refusal may have triggered
        attempt = attempt_service.get_attempt(db.session, attempt_id)
        status = 409 if not attempt.in_progress else 422
        return jsonify(saved=False, error=str(error), status=attempt.status,
                       result_url=url_for("participant.attempt_result", attempt_id=attempt.id)), status
    db.session.commit()
    return jsonify(saved=True, status=AttemptStatus.in_progress.value, remaining_seconds=remaining)


@bp.route("/api/bai-thi/<int:attempt_id>/trang-thai")
@login_required
def attempt_status_api(attempt_id: int):
    attempt, now, _ = load_touched_attempt(attempt_id)
    return jsonify(status=attempt.status, remaining_seconds=attempt_service.remaining_seconds(attempt, now))


@bp.route("/bai-thi/<int:attempt_id>/ket-qua")
@login_required
def attempt_result(attempt_id: int):
    attempt, now, policy = load_touched_attempt(attempt_id)
    if attempt.in_progress:
        return redirect(url_for("participant.take_attempt", attempt_id=attempt.id))
    contest = attempt.round.contest
    review_from = override_service.last_close(db.session, attempt.round)
    review = attempt.answers_visible(now, review_from)
    standing = None
    if may_see_leaderboard(contest):
        group = current_user.group if contest.ranks_by_group else None
        standing = current_leaderboard(contest, attempt.round, now, frozen=True, group=group).find(current_user.id)
    db.session.commit()
    return render_template(
        "participant/attempt_result.html",
        attempt=attempt,
        contest=contest,
        review=review,
        review_from=review_from,
        saved=attempt_service.saved_answers(db.session, attempt) if review else {},
        standing=standing,
    )


@bp.route("/cuoc-thi/<int:contest_id>/xep-hang")
def leaderboard(contest_id: int):
    contest = load_contest(contest_id, Need.view)
    if not may_see_leaderboard(contest):
        abort(403)
    round_ = load_asked_round(contest, request.args.get("vong", type=db_int))
    group = load_group(contest, request.args.get("nhom"))
    live = current_user.is_authenticated and contest_service.can_manage_contest(current_user, contest)
    board = current_leaderboard(contest, round_, clock.now(), frozen=not live, group=group)
    db.session.commit()
    return render_template("participant/leaderboard.html", contest=contest, round=round_, board=board, live=live, group=group)
