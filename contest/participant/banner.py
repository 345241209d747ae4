"""A contest's banner picture, for whoever may see the contest."""

from __future__ import annotations

from flask import redirect, request, url_for

from contest import db
from contest.access import Need, load_contest
from contest.downloads import image_response
from contest.participant import bp
from contest.services import banners as banner_service

DEFAULT_IMAGE = "img/og-default.png"


@bp.route("/cuoc-thi/<int:contest_id>/anh-bia")
def contest_banner(contest_id: int):
    """The banner as the server encoded it (404 where the contest is not visible, as its page); the site's default
    picture for a contest without one. Revalidated by its ETag: a published contest's for an hour by any cache, a
    draft's by the browser of its organiser only."""
    contest = load_contest(contest_id, Need.view)
    banner = banner_service.banner_of(db.session, contest)
    if banner is None:
        return redirect(url_for("static", filename=DEFAULT_IMAGE))
    return image_response(banner, request, public=contest.is_published, name=f"anh-bia-cuoc-thi-{contest.id}.jpg")
