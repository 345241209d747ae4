"""Domain errors and the HTTP error pages."""

from __future__ import annotations

import re

from flask import Flask, abort, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contest import db


class ContestError(Exception):
    """A rule of the domain was broken; the message is shown to the user as is (Vietnamese)."""


class ValidationError(ContestError):
    pass


class FieldErrors(ValidationError):
    """Every problem of a submitted form at once, by the name of the field it concerns."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("\n".join(message for messages in problems.values() for message in messages))


class NotFoundError(ContestError):
    pass


class PermissionDeniedError(ContestError):
    pass


SESSION_ENDED_MESSAGE = "Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại."


class SessionEndedError(ContestError):
    """The cookie's session was ended (log out, password change, lock) after it was issued."""


ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Bạn không có quyền truy cập trang này",
    404: "Không tìm thấy trang",
    405: "Phương thức không được hỗ trợ",
    413: "Tệp tải lên quá lớn",
    429: "Bạn thao tác quá nhanh, vui lòng thử lại sau ít phút",
    500: "Hệ thống gặp lỗi, vui lòng thử lại sau",
}


# C0 control characters other than tab and line breaks: PostgreSQL refuses NUL in text, and no
# spreadsheet cell may hold the others; no keyboard types them, so a request carrying one is refused.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_CHARACTERS_MESSAGE = "Dữ liệu gửi lên chứa ký tự điều khiển không hợp lệ. Vui lòng nhập lại."


def refuse_control_characters() -> None:
    """400 for a query string or form (names and values) carrying a control character; JSON bodies are
    their endpoints' own business."""
    for fields in (request.args, request.form):
        for name, value in fields.items(multi=True):
            if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
                abort(400, CONTROL_CHARACTERS_MESSAGE)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/")


def _is_default(error: HTTPException) -> bool:
    return error.description == type(error).description


def _render_error(code: int, detail: str | None = None):
    title = ERROR_TITLES.get(code, "Lỗi")
    if _wants_json():
        return jsonify(error=title, detail=detail), code
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


def init_app(app: Flask) -> None:
    app.before_request(refuse_control_characters)

    def http_error(error: HTTPException):
        # Werkzeug's own descriptions are English; only ours (given with abort) are shown.
        detail = error.description if error.code == 400 and not _is_default(error) else None
        return _render_error(error.code, detail)

    for code in ERROR_TITLES:
        if code != 500:
            app.register_error_handler(code, http_error)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _render_error(
            400,
            "Biểu mẫu đã hết hạn hoặc thiếu mã bảo mật (CSRF). Vui lòng tải lại trang rồi thử lại.",
        )

    @app.errorhandler(500)
    def internal_error(_error):
        db.session.rollback()
        return _render_error(500)

    @app.errorhandler(NotFoundError)
    def not_found(error):
        return _render_error(404, str(error))

    @app.errorhandler(PermissionDeniedError)
    def forbidden(error):
        return _render_error(403, str(error))
