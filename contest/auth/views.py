from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from contest import clock, db, mail
from contest.auth import bp
from contest.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from contest.forms import as_choices
from contest.ratelimit import LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS, REGISTER_PER_ADDRESS, failed_login, limiter, login_identifier
from contest.ratelimit import RESET_REQUEST_PER_ACCOUNT, RESET_REQUEST_PER_ADDRESS, reset_request_identifier
from contest.services import audit as audit_service
from contest.services import people as people_service
from contest.services import recovery
from contest.services import units as unit_service
from contest.services import users as user_service
from contest.viewhelpers import audit, render_form, reset_link, safe_target, save_or_problems, show_field_problems


@bp.route("/dang-nhap", methods=["GET", "POST"])
@limiter.limit(LOGIN_PER_ACCOUNT, key_func=login_identifier, methods=["POST"], deduct_when=failed_login)
@limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = user_service.authenticate(db.session, form.identifier.data, form.password.data)
        active = user is not None and user.active
        if not active:
            # End the transaction now and touch the database no more: the failed attempt is counted next,
            # on the limiter's own connection (on SQLite a transaction left open here would hold its write lock).
            db.session.rollback()
        if user is None:
            flash("Thông tin đăng nhập không đúng.", "danger")
        elif not active:
            flash("Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên.", "danger")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_target(request.args.get("next"), url_for("main.index")))
    status = 401 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/dang-xuat", methods=["POST"])
@login_required
def logout():
    current_user.end_sessions()  # a copy of this session or its remember cookie taken elsewhere ends too
    db.session.commit()
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("main.index"))


@bp.route("/dang-ky", methods=["GET", "POST"])
@limiter.limit(REGISTER_PER_ADDRESS, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    form.unit_id.choices = as_choices([(0, "— Chọn đơn vị —"), *unit_service.unit_options(db.session)])
    form.residence_unit_id.choices = as_choices(
        [(0, "— Chọn xã/phường —"), *unit_service.unit_options(db.session, kinds=user_service.RESIDENCE_KINDS)])
    if form.is_submitted():
        registration = user_service.Registration(
            full_name=form.full_name.data or "",
            cccd=form.cccd.data or "",
            phone=form.phone.data or "",
            email=form.email.data,
            unit_id=form.unit_id.data or 0,
            position=form.position.data,
            password=form.password.data or "",
            participant_group=form.participant_group.data or "",
            residence_unit_id=form.residence_unit_id.data or 0,
            residence_text=form.residence_text.data,
        )
        if form.validate():
            user, _ = save_or_problems(
                lambda: user_service.register_participant(db.session, registration),
                lambda _user: "Đăng ký thành công. Chào mừng bạn tham gia cuộc thi!",
                form=form,
            )
            if user is not None:
                login_user(user)
                return redirect(safe_target(request.args.get("next"), url_for("main.index")))
        else:
            # The service's checks (formats, identifiers already taken) run too, so one submit shows every problem.
            show_field_problems(form, user_service.registration_problems(db.session, registration))
    return render_form("auth/register.html", form=form)


@bp.route("/tai-khoan")
@login_required
def profile():
    unit = current_user.home_unit  # a citizen's commune of residence
    ancestors = unit_service.ancestors(db.session, unit) if unit is not None else []
    pending = people_service.pending_move(db.session, current_user)
    return render_template("auth/profile.html", unit=unit, ancestors=ancestors, pending_move=pending)


@bp.route("/tai-khoan/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.is_submitted():
        current, new = form.current.data or "", form.new.data or ""
        if form.validate():
            _, problems = save_or_problems(
                lambda: user_service.change_password(current_user, current, new),
                lambda _none: "Đã đổi mật khẩu.",
                form=form,
            )
            if not problems:
                # Every other session of the account has ended; this browser's is renewed (and its remember
                # cookie, if it had one) under the new session version.
                login_user(current_user._get_current_object(), remember=current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies)
                return redirect(url_for("auth.profile"))
        else:
            show_field_problems(form, user_service.password_change_problems(current_user, current, new))
    return render_form("auth/change_password.html", form=form)


@bp.route("/quen-mat-khau", methods=["GET", "POST"])
@limiter.limit(RESET_REQUEST_PER_ACCOUNT, key_func=reset_request_identifier, methods=["POST"])
@limiter.limit(RESET_REQUEST_PER_ADDRESS, methods=["POST"])
def forgot_password():
    """Ask for a reset link by e-mail. The answer is the same whether or not the account exists or has an
    e-mail address (and the e-mail leaves on another thread, so the time is the same too)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = ForgotPasswordForm()
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    sent = False
    if mail.configured() and form.validate_on_submit():
        user = recovery.recipient(db.session, form.identifier.data)
        if user is not None:
            token, expires = recovery.issue_token(current_app.config["SECRET_KEY"], user, clock.now(), timedelta(minutes=minutes))
            mail.send(recovery.reset_email(user, reset_link(token), expires, current_app.config["MAIL_DEFAULT_SENDER"]))
            audit("user.reset_link_sent", f"Đã gửi liên kết đặt lại mật khẩu tới email của {user.full_name} ({user.phone}) "
                  "theo yêu cầu ở trang Quên mật khẩu.", user_id=user.id)
            db.session.commit()
        sent = True
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form, sent=sent, minutes=minutes,
                           mail_configured=mail.configured()), status


@bp.route("/dat-lai-mat-khau/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """The page a reset link opens: a new password (the policy applies); every session of the account ends."""
    form = ResetPasswordForm()
    secret = current_app.config["SECRET_KEY"]
    try:
        user = recovery.user_for_token(db.session, secret, token, clock.now())
    except recovery.InvalidResetLink as error:
        db.session.rollback()
        return render_template("auth/reset_password.html", form=None, problem=str(error)), 400
    if form.is_submitted():
        try:
            recovery.reset_with_token(db.session, secret, token, form.password.data or "", form.confirm.data or "", clock.now())
        except user_service.FieldErrors as error:
            db.session.rollback()
            form.validate()
            show_field_problems(form, error.problems)
        except recovery.InvalidResetLink as error:  # used by another request meanwhile
            db.session.rollback()
            return render_template("auth/reset_password.html", form=None, problem=str(error)), 400
        else:
            audit_service.record(db.session, user, "user.password_reset_by_link",
                                 f"{user.full_name} ({user.phone}) đã đặt mật khẩu mới bằng liên kết đặt lại mật khẩu.",
                                 {"user_id": user.id}, request.remote_addr)
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()  # whoever was logged in on this browser, it now belongs to the person who reset
            flash("Đã đặt mật khẩu mới. Mọi phiên đăng nhập cũ của tài khoản đã kết thúc; hãy đăng nhập bằng mật khẩu mới.", "success")
            return redirect(url_for("auth.login"))
    return render_form("auth/reset_password.html", form=form, user=user, problem=None)
