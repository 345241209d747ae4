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


def parse_session_id(value: object) -> tuple[int, int] | None:
    """(user id, session version) from the id kept in a session or remember cookie ("12:3"), or None.

    A cookie without a version (issued before versions existed) or with another
    form is refused: its holder logs in again.
    """
    if not isinstance(value, str):
        return None
    user_id, _, version = value.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 10 or len(version) > 10:
        return None
    return int(user_id), int(version)


@login_manager.user_loader
def load_user(value: str) -> User | None:
    """The account of a session or remember cookie, unless its sessions were ended since the cookie was issued."""
    parsed = parse_session_id(value)
    if parsed is None:
        return None
    user = db.session.get(User, parsed[0])
    return user if user is not None and user.session_version == parsed[1] else None


def session_account() -> tuple[int, int] | None:
    """(user id, session version) straight from the signed session cookie, without loading the account.

    For the autosave endpoint only, which checks that the account is active and
    the version current in the same query that loads the attempt (one database
    round trip fewer on the request a contest sends most).
    """
    return parse_session_id(session.get("_user_id"))


def init_login(app: Flask) -> None:
    login_manager.init_app(app)


from contest.auth import views  # noqa: E402,F401  (routes register on bp)
