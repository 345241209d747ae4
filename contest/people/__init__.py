"""Admins and unit managers looking after people's accounts: corrections, reset links, requests to move unit."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/nguoi-dung")

from contest.people import views  # noqa: E402,F401  (routes register on bp)
