"""Statistics and Excel reports for organisers and unit managers."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/bao-cao")

from contest.reports import jobs, letters, periods, views  # noqa: E402,F401  (routes register on bp)
