"""Pages for organisers: question banks (and, later, contests and reports)."""

from flask import Blueprint

bp = Blueprint("organizer", __name__, url_prefix="/ban-to-chuc")

from contest.organizer import banks, banners, contests, overrides, regrade, unit_prizes  # noqa: E402,F401  (routes register on bp)
