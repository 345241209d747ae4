"""The contest platform: Flask application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from contest.config import PROJECT_ROOT, load_config

csrf = CSRFProtect()


def create_app(config: dict | None = None, instance_path: str | Path | None = None) -> Flask:
    """Build an application; `config` overrides the environment (tests pass DATABASE_URL here)."""
    app = Flask(
        __name__,
        instance_path=str(instance_path or PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(Path(app.instance_path), config))
    from contest.participant.autosave import AutosaveFastPath

    # The autosave of an answer, answered before Flask on PostgreSQL when it saves (issue 21); inside ProxyFix,
    # so that it sees the client's scheme as the CSRF check does.
    app.wsgi_app = AutosaveFastPath(app, app.wsgi_app)
    if proxies := app.config["TRUSTED_PROXY_COUNT"]:
        # request.remote_addr (rate limits, attempts, audit log, prize flags) and the scheme become the
        # client's, as the trusted proxies report them; values a client adds in front are ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from contest import auth, background, cli, db, errors, ratelimit, security, templating, viewhelpers
    from contest.admin import bp as admin_bp
    from contest.auth import bp as auth_bp
    from contest.awards import bp as awards_bp
    from contest.main import bp as main_bp
    from contest.organizer import bp as organizer_bp
    from contest.participant import bp as participant_bp
    from contest.people import bp as people_bp
    from contest.reports import bp as reports_bp

    viewhelpers.init_app(app)  # first: it replaces the `int` URL converter every route uses
    db.init_app(app)
    csrf.init_app(app)
    auth.init_login(app)
    errors.init_app(app)
    security.init_app(app)
    ratelimit.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    background.init_app(app)

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(organizer_bp)
    app.register_blueprint(participant_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(awards_bp)
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.svg"))
    return app
