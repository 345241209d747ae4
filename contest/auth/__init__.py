"""Registration, log in and out, password change, own profile."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import LoginManager

from contest.access import load_user

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "warning"
# The account of a session or remember cookie, loaded and checked where every view's loading is: contest/access.py.
login_manager.user_loader(load_user)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)


from contest.auth import views  # noqa: E402,F401  (routes register on bp)
