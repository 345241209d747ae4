"""A contest's banner for organisers: upload (or replace) and remove, each logged."""

from __future__ import annotations

from flask import redirect, url_for
from flask_login import current_user

from contest import db
from contest.access import Need, load_contest, organizer_required
from contest.formats import format_number
from contest.forms import EmptyForm
from contest.organizer import bp
from contest.organizer.forms import BannerForm
from contest.services import banners as banner_service
from contest.viewhelpers import commit_or_flash, render_form, save_or_problems


@bp.route("/cuoc-thi/<int:contest_id>/anh-bia", methods=["GET", "POST"])
@organizer_required
def contest_banner(contest_id: int):
    """The banner's page: the picture as pages show it, the upload form (its problems beside the field), removal."""
    contest = load_contest(contest_id, Need.manage)
    form = BannerForm()
    if form.validate_on_submit():
        banner, _ = save_or_problems(
            lambda: banner_service.set_banner(db.session, contest, banner_service.read_upload(form.file.data.stream), current_user),
            lambda b: f"Đã lưu ảnh bìa cuộc thi “{contest.title}” ({format_number(b.width)} × {format_number(b.height)} điểm ảnh).",
            "contest.banner",
            form=form,
            details={"contest_id": contest.id},
        )
        if banner is not None:
            return redirect(url_for("organizer.edit_contest", contest_id=contest.id) + "#anh-bia")
    return render_form("organizer/contest_banner.html", contest=contest, banner=banner_service.banner_of(db.session, contest),
                       banner_form=form, action_form=EmptyForm())


@bp.route("/cuoc-thi/<int:contest_id>/anh-bia/xoa", methods=["POST"])
@organizer_required
def remove_banner(contest_id: int):
    contest = load_contest(contest_id, Need.manage)
    commit_or_flash(
        lambda: banner_service.remove_banner(db.session, contest),
        lambda: f"Đã xóa ảnh bìa cuộc thi “{contest.title}”; trang cuộc thi và liên kết chia sẻ dùng ảnh mặc định.",
        "contest.banner",
        details={"contest_id": contest.id, "removed": True},
    )
    return redirect(url_for("organizer.edit_contest", contest_id=contest.id) + "#anh-bia")
