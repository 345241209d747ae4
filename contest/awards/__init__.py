"""Certificates and their public verification, confirmed winners and their public lists, contest posters."""

from flask import Blueprint

bp = Blueprint("awards", __name__)

from contest.awards import unit_prizes, views  # noqa: E402,F401  (routes register on bp)
