"""Administration: accounts and the unit tree."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")

from contest.admin import views  # noqa: E402,F401  (routes register on bp)
