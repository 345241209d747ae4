"""Pages for participants: contests open to them, attempts, results, rankings."""

from flask import Blueprint

bp = Blueprint("participant", __name__)

from contest.participant import banner, practice, views  # noqa: E402,F401  (routes register on bp)
