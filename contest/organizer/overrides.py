"""Overrides pages for organisers: list, add, edit and delete a contest's extra time, attempts and later closes."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from contest import db
from contest.access import Need, load_contest, load_override, organizer_required
from contest.forms import EmptyForm, as_choices
from contest.models import Contest, Override
from contest.organizer import bp
from contest.organizer.forms import OverrideForm
from contest.services import overrides as override_service
from contest.services import units as unit_service
from contest.services.overrides import OverrideSettings
from contest.timeutil import local_to_utc, to_local
from contest.viewhelpers import commit_or_flash, render_form, save_or_problems


def _form(contest: Contest, override: Override | None) -> OverrideForm:
    form = OverrideForm()
    form.unit_id.choices = as_choices([(0, "— Không chọn đơn vị —"), *unit_service.unit_options(db.session, contest.owner_unit)])
    form.round_id.choices = as_choices([(0, "Mọi vòng thi"), *((r.id, r.title) for r in contest.rounds)])
    if override is not None and request.method == "GET":
        form.person.data = override.user.phone if override.user is not None else ""
        form.unit_id.data = override.unit_id or 0
        form.round_id.data = override.round_id or 0
        form.extra_minutes.data = override.extra_minutes
        form.extra_attempts.data = override.extra_attempts
        form.closes_at.data = to_local(override.closes_at).replace(tzinfo=None) if override.closes_at else None
        form.reason.data = override.reason
    return form


def _settings(form: OverrideForm) -> OverrideSettings:
    return OverrideSettings(
        person=form.person.data or "", unit_id=form.unit_id.data or None, round_id=form.round_id.data or None,
        extra_minutes=form.extra_minutes.data or 0, extra_attempts=form.extra_attempts.data or 0,
        closes_at=local_to_utc(form.closes_at.data), reason=form.reason.data or "",
    )


def _page(contest: Contest, override: Override | None):
    form = _form(contest, override)
    problems: list[str] = []
    if form.validate_on_submit():
        saved, problems = save_or_problems(
            lambda: override_service.save_override(db.session, contest, override, _settings(form), by=current_user),
            lambda o: f"{'Đã sửa' if override else 'Đã thêm'} điều chỉnh riêng của cuộc thi “{contest.title}”: {override_service.describe(o)}"
                      + (f". Lý do: {o.reason}" if o.reason else "."),
            "contest.override",
        )
        if saved is not None:
            return redirect(url_for("organizer.overrides", contest_id=contest.id))
    return render_form(
        "organizer/overrides.html", contest=contest, form=form, editing=override, problems=problems,
        overrides=override_service.contest_overrides(db.session, contest), action_form=EmptyForm(), describe=override_service.describe,
    )


@bp.route("/cuoc-thi/<int:contest_id>/dieu-chinh", methods=["GET", "POST"])
@organizer_required
def overrides(contest_id: int):
    return _page(load_contest(contest_id, Need.manage), None)


@bp.route("/cuoc-thi/<int:contest_id>/dieu-chinh/<int:override_id>", methods=["GET", "POST"])
@organizer_required
def edit_override(contest_id: int, override_id: int):
    contest = load_contest(contest_id, Need.manage)
    return _page(contest, load_override(contest, override_id))


@bp.route("/cuoc-thi/<int:contest_id>/dieu-chinh/<int:override_id>/xoa", methods=["POST"])
@organizer_required
def delete_override(contest_id: int, override_id: int):
    contest = load_contest(contest_id, Need.manage)
    override = load_override(contest, override_id)
    summary = override_service.describe(override)
    commit_or_flash(
        lambda: override_service.delete_override(db.session, override),
        lambda: f"Đã xóa điều chỉnh riêng của cuộc thi “{contest.title}”: {summary}.",
        "contest.override",
    )
    return redirect(url_for("organizer.overrides", contest_id=contest.id))
