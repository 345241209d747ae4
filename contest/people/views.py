from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from contest import clock, db
from contest.access import load_move_request, load_person, participant_required, people_managers
from contest.errors import ValidationError
from contest.forms import EmptyForm, as_choices
from contest.people import bp
from contest.people.forms import CorrectionForm, MoveDecisionForm, MoveRequestForm, PeopleFilterForm
from contest.pagination import paginate
from contest.services import people as people_service
from contest.services import recovery
from contest.services import units as unit_service
from contest.services import users as user_service
from contest.viewhelpers import audit, commit_or_flash, db_int, render_form, reset_link, safe_target, save_or_problems


@bp.route("/")
@people_managers
def index():
    """The accounts the current user looks after: all for admins, the participants of their subtree for managers."""
    form = PeopleFilterForm(request.args)
    statement = people_service.people_query(db.session, current_user, form.q.data or "")
    page = paginate(db.session, statement, request.args.get("page", 1, type=db_int), 50)
    return render_template("people/index.html", form=form, page=page, action_form=EmptyForm())


@bp.route("/<int:user_id>/sua", methods=["GET", "POST"])
@people_managers
def edit_person(user_id: int):
    """Correct a person's name, unit and contact details; their sessions end, the change is audited."""
    person = load_person(user_id)
    form = CorrectionForm(obj=person if request.method == "GET" else None)
    blank = "— Không thuộc đơn vị nào —" if people_service.may_have_no_unit(person) else "— Chọn đơn vị —"
    root = people_service.manageable_units_root(current_user)
    form.unit_id.choices = as_choices([(0, blank), *unit_service.unit_options(db.session, root)])
    form.residence_unit_id.choices = as_choices(
        [(0, "— Chọn xã/phường —"), *unit_service.unit_options(db.session, root, kinds=user_service.RESIDENCE_KINDS)])
    back = safe_target(request.values.get("back"), url_for("people.index"))
    problems: list[str] = []
    if request.method == "GET":
        form.seen.data = str(person.session_version or 0)
    if form.is_submitted():
        seen = int(form.seen.data) if (form.seen.data or "").isdigit() and len(form.seen.data) < 10 else None
        try:
            people_service.check_not_stale(db.session, person, seen)
        except people_service.StaleCorrection as error:
            db.session.rollback()
            flash(str(error), "warning")
            return redirect(url_for("people.edit_person", user_id=person.id, back=back))
        correction = people_service.Correction(
            full_name=form.full_name.data or "", phone=form.phone.data or "", email=form.email.data,
            cccd=form.cccd.data, unit_id=form.unit_id.data or 0, participant_group=form.participant_group.data or person.participant_group,
            residence_unit_id=form.residence_unit_id.data or 0, residence_text=form.residence_text.data, seen_version=seen,
        )
        old_name, old_phone = person.full_name, person.phone
        done, problems = save_or_problems(
            lambda: people_service.describe_changes(db.session, people_service.correct_person(db.session, current_user, person, correction)),
            lambda changes: f"Đã sửa thông tin của {old_name} ({old_phone}): {changes}. Các phiên đăng nhập của tài khoản đã kết thúc.",
            "user.correct", details={"user_id": person.id}, form=form,
        )
        if done is not None:
            if person.id == current_user.id:
                login_user(person)  # an admin who corrected their own account: this browser's session is renewed
            return redirect(back)
        problems = [] if form.errors else problems
    return render_form("people/edit_person.html", form=form, person=person, back=back, problems=problems)


@bp.route("/<int:user_id>/lien-ket-dat-lai-mat-khau", methods=["POST"])
@people_managers
def issue_reset_link(user_id: int):
    """A one-time reset link for a person who forgot their password, shown once to pass on by phone or Zalo."""
    person = load_person(user_id)
    back = safe_target(request.form.get("back"), url_for("people.index"))
    hours = current_app.config["ISSUED_RESET_HOURS"]
    try:
        if person.id == current_user.id:
            raise ValidationError("Hãy đổi mật khẩu của chính bạn ở trang Tài khoản.")
        token, expires = recovery.issue_token(current_app.config["SECRET_KEY"], person, clock.now(), timedelta(hours=hours))
    except ValidationError as error:
        flash(str(error), "danger")
        return redirect(back)
    audit("user.reset_link_issued", f"Đã cấp liên kết đặt lại mật khẩu cho {person.full_name} ({person.phone}).", user_id=person.id)
    db.session.commit()
    # Shown on this page, not flashed: a flash would sit in the (signed, readable) session cookie.
    return render_template("people/reset_link.html", person=person, link=reset_link(token), expires=expires, back=back)


@bp.route("/yeu-cau-chuyen-don-vi")
@people_managers
def move_requests():
    pending, decided = people_service.moves_to_decide(db.session, current_user)
    return render_template("people/move_requests.html", pending=pending, decided=decided, form=MoveDecisionForm())


@bp.route("/yeu-cau-chuyen-don-vi/<int:request_id>", methods=["POST"])
@people_managers
def decide_move(request_id: int):
    move = load_move_request(request_id)
    form = MoveDecisionForm()
    approve = request.form.get("decision") == "approve"
    if request.form.get("decision") not in ("approve", "reject"):
        flash("Hãy chọn Duyệt hoặc Từ chối.", "danger")
    elif form.validate_on_submit():
        person, target = move.user, move.to_unit
        commit_or_flash(
            lambda: people_service.decide_move(db.session, current_user, move, approve, form.note.data or "", clock.now()),
            lambda: (f"Đã duyệt: {person.full_name} ({person.phone}) chuyển đến {target.display_name}. Các phiên đăng nhập của tài khoản đã kết thúc."
                       if approve else f"Đã từ chối yêu cầu chuyển đến {target.display_name} của {person.full_name} ({person.phone})."),
            "user.move_approved" if approve else "user.move_rejected",
            details={"user_id": person.id, "request_id": move.id},
        )
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "danger")
    return redirect(url_for("people.move_requests"))


@bp.route("/chuyen-don-vi", methods=["GET", "POST"])
@participant_required
def request_move():
    """A participant registered in the wrong unit (or moved) asks to join another; that unit's manager decides."""
    form = MoveRequestForm()
    residence = people_service.moves_residence(current_user)
    if residence:
        form.to_unit_id.label.text = "Xã/phường nơi cư trú muốn chuyển đến"
    form.to_unit_id.choices = as_choices([(0, "— Chọn xã/phường —" if residence else "— Chọn đơn vị —"),
                                          *unit_service.unit_options(db.session, kinds=people_service.move_target_kinds(current_user))])
    problems: list[str] = []
    if request.form.get("action") == "cancel":
        commit_or_flash(lambda: people_service.cancel_move(db.session, current_user), lambda: "Đã hủy yêu cầu chuyển đơn vị.",
                        "user.move_cancelled", details={"user_id": current_user.id})
        return redirect(url_for("auth.profile"))
    if form.validate_on_submit():
        move, problems = save_or_problems(
            lambda: people_service.request_move(db.session, current_user, form.to_unit_id.data or 0, form.reason.data or ""),
            lambda m: f"Đã gửi yêu cầu chuyển đến {m.to_unit.display_name}; quản lý đơn vị đó hoặc quản trị viên sẽ xem xét.",
            "user.move_requested", details={"user_id": current_user.id}, form=form,
        )
        if move is not None:
            return redirect(url_for("auth.profile"))
        problems = [] if form.errors else problems
    pending = people_service.pending_move(db.session, current_user)
    return render_form("people/request_move.html", form=form, pending=pending, problems=problems, residence=residence)
