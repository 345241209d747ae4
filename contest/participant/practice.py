"""Practice pages ("Ôn tập"): open topics with the person's progress, one question at a time, feedback after each
answer (a plain form POST, then the feedback page: works without JavaScript), and a reset per topic.

Logged-in users only (any role): progress is kept per person, and an anonymous visitor has no person to keep it
for. The key of a question reaches the browser only on the feedback page, after the person answered it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from contest import clock, db
from contest.access import load_practice_question, load_practice_topic
from contest.errors import ValidationError
from contest.forms import EmptyForm
from contest.participant import bp
from contest.services import practice as practice_service
from contest.viewhelpers import db_int


@bp.route("/on-tap")
@login_required
def practice():
    return render_template("participant/practice.html", topics=practice_service.progress(db.session, current_user))


@bp.route("/on-tap/chu-de/<int:topic_id>", methods=["GET", "POST"])
@login_required
def practice_topic(topic_id: int):
    """GET: the next question to practise (or, when every one was answered right, the topic's summary).
    POST: the answer to the question named in the form, then its feedback."""
    topic = load_practice_topic(topic_id)
    form = EmptyForm()
    if request.method == "POST":
        question = load_practice_question(topic, request.form.get("question_id", 0, type=db_int))
        if not form.validate_on_submit():
            flash("Phiên làm việc đã hết hạn; vui lòng trả lời lại.", "warning")
            return redirect(url_for("participant.practice_topic", topic_id=topic.id))
        try:
            practice_service.answer(db.session, current_user, question, request.form.getlist("answer"), clock.now())
        except ValidationError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return redirect(url_for("participant.practice_topic", topic_id=topic.id))
        db.session.commit()
        return redirect(url_for("participant.practice_feedback", topic_id=topic.id, question_id=question.id))
    (progress,) = practice_service.progress(db.session, current_user, topic.id) or (None,)
    question = practice_service.next_question(db.session, current_user, topic)
    return render_template("participant/practice_topic.html", topic=topic, progress=progress, question=question, form=form)


@bp.route("/on-tap/chu-de/<int:topic_id>/cau/<int:question_id>")
@login_required
def practice_feedback(topic_id: int, question_id: int):
    """Whether the person's last answer to this question was right, the key, the explanation and the "Căn cứ";
    a question they have not answered (or reset) goes back to the topic: the key is never shown before."""
    topic = load_practice_topic(topic_id)
    question = load_practice_question(topic, question_id)
    last = practice_service.last_answer(db.session, current_user, question)
    if last is None:
        return redirect(url_for("participant.practice_topic", topic_id=topic.id))
    (progress,) = practice_service.progress(db.session, current_user, topic.id)
    return render_template("participant/practice_feedback.html", topic=topic, question=question, last=last,
                           chosen=last.chosen.split(","), progress=progress, form=EmptyForm())


@bp.route("/on-tap/chu-de/<int:topic_id>/lam-lai", methods=["POST"])
@login_required
def practice_reset(topic_id: int):
    topic = load_practice_topic(topic_id)
    if EmptyForm().validate_on_submit():
        practice_service.reset_topic(db.session, current_user, topic)
        db.session.commit()
        flash(f"Đã xóa kết quả ôn tập chủ đề “{topic.name}”: bạn làm lại từ đầu.", "success")
    else:
        flash("Phiên làm việc đã hết hạn; vui lòng thử lại.", "warning")
    return redirect(url_for("participant.practice_topic", topic_id=topic.id))
