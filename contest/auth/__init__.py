"""Registration, log in and out, password change, own profile."""

from __future__ import annotations

from flask import Blueprint, Flask, session
from flask_login import LoginManager

from contest import db
from contest.models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "warning"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def session_user_id() -> int | None:
    """The logged-in user's id straight from the signed session cookie, without loading the account.

    For the autosave endpoint only, which checks that the account is active in
    the same query that loads the attempt (one database round trip fewer on
    the request a contest sends most).
    """
    value = session.get("_user_id")
    return int(value) if isinstance(value, str) and value.isdigit() else None


def init_login(app: Flask) -> None:
    login_manager.init_app(app)


from contest.auth import views  # noqa: E402,F401  (routes register on bp)
