"""Home page and health check."""

from __future__ import annotations

from flask import jsonify, render_template

from contest import db
from contest.main import bp


@bp.route("/")
def index():
    return render_template("main/index.html")


@bp.route("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        db.ping(db.session)
    except Exception as error:  # any driver error means the database is unusable
        db.session.rollback()
        return jsonify(status="error", database="unavailable", detail=type(error).__name__), 503
    return jsonify(status="ok", database="ok", dialect=db.get_engine().dialect.name)
