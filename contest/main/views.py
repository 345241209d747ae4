"""Home page and health check."""

from __future__ import annotations

from flask import current_app, jsonify, render_template
from flask_login import current_user

from contest import clock, db
from contest.access import may_see_leaderboard
from contest.forms import EmptyForm
from contest.main import bp
from contest.services import home as home_service
from contest.services import practice as practice_service


@bp.route("/")
def index():
    """The front door: each open contest with its current round, the visitor's way in and the last winners."""
    items = home_service.home_contests(
        db.session, current_user if current_user.is_authenticated else None, clock.now(), clock.attempt_policy(),
        may_see_winners=may_see_leaderboard, cache_seconds=current_app.config["LEADERBOARD_CACHE_SECONDS"],
    )
    db.session.commit()  # an overdue attempt may just have been finalised
    return render_template("main/index.html", items=items, form=EmptyForm(), practice_open=practice_service.any_open(db.session))


@bp.route("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        db.ping(db.session)
    except Exception as error:  # any driver error means the database is unusable
        db.session.rollback()
        return jsonify(status="error", database="unavailable", detail=type(error).__name__), 503
    return jsonify(status="ok", database="ok", dialect=db.get_engine().dialect.name)
