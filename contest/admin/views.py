from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from contest import db
from contest.access import admin_required, get_or_404
from contest.admin import bp
from contest.admin.forms import RoleForm, UnitForm, UnitImportForm, UserFilterForm
from contest.formats import format_number
from contest.forms import EmptyForm, as_choices
from contest.models import Unit, User
from contest.pagination import paginate
from contest.errors import ValidationError
from contest.viewhelpers import audit, commit_or_flash, db_int, import_upload, redirect_back, render_form, safe_target, save_or_problems
from contest.downloads import send_xlsx
from contest.services import audit as audit_service
from contest.services import units as unit_service
from contest.services import users as user_service


@bp.route("/nguoi-dung")
@admin_required
def users():
    form = UserFilterForm(request.args)
    statement = user_service.search_users(
        db.session, query=form.q.data or "", role=form.role.data or None
    )
    page = paginate(db.session, statement, request.args.get("page", 1, type=db_int), 50)
    return render_template(
        "admin/users.html", form=form, page=page, role_form=RoleForm(), action_form=EmptyForm()
    )


def _back_to_users():
    return redirect_back(url_for("admin.users"))


@bp.route("/nguoi-dung/<int:user_id>/vai-tro", methods=["POST"])
@admin_required
def change_role(user_id: int):
    user = get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: user_service.set_role(db.session, current_user, user, form.role.data),
            lambda: f"Đã đổi vai trò của {user.full_name} ({user.phone}) thành “{user.role_label}”.",
            "user.role",
        )
    return _back_to_users()


@bp.route("/nguoi-dung/<int:user_id>/trang-thai", methods=["POST"])
@admin_required
def toggle_active(user_id: int):
    user = get_or_404(User, user_id)
    commit_or_flash(
        lambda: user_service.set_active(db.session, current_user, user, not user.active),
        lambda: f"Đã {'mở khóa' if user.active else 'khóa'} tài khoản {user.full_name} ({user.phone}).",
        "user.active",
    )
    return _back_to_users()


@bp.route("/nguoi-dung/<int:user_id>/dat-lai-mat-khau", methods=["POST"])
@admin_required
def reset_password(user_id: int):
    """A new random password for an account whose owner forgot theirs; shown to the admin once, never logged."""
    user = get_or_404(User, user_id)
    try:
        password = user_service.reset_password(db.session, current_user, user)
    except ValidationError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        audit("user.password_reset", f"Đã đặt lại mật khẩu của {user.full_name} ({user.phone}).")
        db.session.commit()
        # Shown on this page, not flashed: a flash would sit in the (signed, readable) session cookie.
        back = safe_target(request.form.get("back"), url_for("admin.users"))
        return render_template("admin/password_reset.html", user=user, password=password, back=back)
    return _back_to_users()


@bp.route("/don-vi")
@admin_required
def units():
    tree = unit_service.unit_tree(db.session)
    return render_template("admin/units.html", tree=tree)


def _unit_form(unit: Unit | None) -> UnitForm:
    form = UnitForm(obj=unit)
    form.parent_id.choices = as_choices([(0, "— Không có (đơn vị cấp cao nhất) —"), *unit_service.unit_options(db.session)])
    if unit is not None and request.method == "GET":
        form.parent_id.data = unit.parent_id or 0
    return form


def _unit_saved(unit: Unit, before: dict[str, str] | None) -> str:
    """The flash message and audit entry of a saved unit: what changed, old → new."""
    named = f"{unit.display_name} ({unit.code})"
    if before is None:
        return f"Đã thêm đơn vị {named}."
    changes = unit_service.describe_unit_changes(before, unit_service.unit_facts(unit))
    return f"Đã sửa đơn vị {named}: {changes}." if changes else f"Đã lưu đơn vị {named}: không có gì thay đổi."


def _save_unit(unit: Unit | None):
    form = _unit_form(unit)
    problems: list[str] = []
    if form.validate_on_submit():
        parent = unit_service.get_unit(db.session, form.parent_id.data)
        fields = dict(
            code=form.code.data,
            name=form.name.data,
            kind=form.kind.data,
            headcount=form.headcount.data or 0,
            parent=parent,
        )
        before = unit_service.unit_facts(unit) if unit is not None else None
        saved, problems = save_or_problems(
            lambda: unit_service.create_unit(db.session, **fields) if unit is None else unit_service.update_unit(db.session, unit, **fields),
            lambda u: _unit_saved(u, before),
            "unit.save",
        )
        if saved is not None:
            return redirect(url_for("admin.units") + f"#unit-{saved.id}")
    return render_form("admin/unit_form.html", form=form, unit=unit, problems=problems)


@bp.route("/don-vi/them", methods=["GET", "POST"])
@admin_required
def new_unit():
    return _save_unit(None)


@bp.route("/don-vi/<int:unit_id>", methods=["GET", "POST"])
@admin_required
def edit_unit(unit_id: int):
    return _save_unit(get_or_404(Unit, unit_id))


@bp.route("/don-vi/nhap-excel", methods=["GET", "POST"])
@admin_required
def import_units():
    return import_upload(
        UnitImportForm(),
        lambda stream, filename: unit_service.import_units(db.session, stream, filename),
        "import.units",
        lambda r, filename: (f"Đã nhập {format_number(r.rows)} đơn vị từ tệp {filename}: {format_number(r.created)} đơn vị mới, "
                            f"{format_number(r.updated)} đơn vị cập nhật."),
        url_for("admin.units"),
        "admin/import_units.html",
    )


@bp.route("/don-vi/tep-mau.xlsx")
@admin_required
def unit_template():
    return send_xlsx(unit_service.unit_template(), "mau-nhap-don-vi.xlsx")


@bp.route("/nhat-ky")
@admin_required
def audit_log():
    group = request.args.get("nhom", "")
    search = request.args.get("q", "")
    statement = audit_service.entries(group if group in audit_service.ACTION_GROUPS else None, search)
    page = paginate(db.session, statement, request.args.get("page", 1, type=db_int), 50)
    return render_template("admin/audit_log.html", page=page, groups=audit_service.ACTION_GROUPS, group=group, search=search)
