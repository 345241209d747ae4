"""The autosave of one answer: what a request must carry, and its fast path in front of Flask.

A contest sends this request thousands of times a minute (issue 21). On PostgreSQL, `AutosaveFastPath` answers
the ordinary case — a signed session cookie, a valid CSRF token, a well-formed answer, and `_SAVE_IN_ONE` saving
it — without Flask's request machinery (request context, routing, the limiter's and the CSRF extension's
hooks, the ORM session), with the same checks done once each. Every other request, and every autosave it cannot
answer with "saved" (no or bad cookie, bad CSRF token, a refused or malformed save, a database error, SQLite),
goes on unchanged to the Flask app, whose view (participant.save_answer_api) then decides and words the answer.
So the fast path can only say yes to what the view would say yes to; it never refuses anything itself.
"""

from __future__ import annotations

import functools
import hmac
import io
import json
import logging
import re
import time
from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import same_origin
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.http import parse_cookie
from werkzeug.sansio.utils import get_host

from contest.access import parse_session_id
from contest.security import HEADERS, HSTS
from contest.services.attempts import save_in_one
from contest.timeutil import utcnow
from contest.viewhelpers import DB_INT_MAX

PATH = re.compile(r"/api/bai-thi/([1-9][0-9]{0,18})/tra-loi")  # the route of participant.save_answer_api
MAX_BODY = 4096  # an answer is a few dozen bytes; anything larger is the view's business
KEYS_MAX, KEY_LENGTH_MAX = 26, 8
MEMO_SIZE = 4096  # signed cookies and tokens remembered as verified, per process
DIGITS = re.compile(r"[0-9]+")  # a Content-Length as werkzeug reads one
log = logging.getLogger(__name__)


def answer_from_payload(payload) -> tuple[int, list[str]]:
    """(question id, chosen keys) of an autosave's JSON body; ValueError with the participant's message otherwise."""
    question_id, keys = payload.get("question_id"), payload.get("keys", [])
    if isinstance(question_id, bool) or not isinstance(question_id, int) or not 1 <= question_id <= DB_INT_MAX:
        raise ValueError("Mã câu hỏi không hợp lệ.")
    if not isinstance(keys, list) or len(keys) > KEYS_MAX or not all(
        isinstance(k, str) and len(k) <= KEY_LENGTH_MAX and k.isprintable() for k in keys  # no NUL or other control
    ):
        raise ValueError("Phương án đã chọn không hợp lệ: cần một danh sách các chữ cái (A, B, C…).")
    return question_id, keys


def _memoised_loads(serializer: URLSafeTimedSerializer):
    """`serializer.loads` of a signed string, as (value, signed at: epoch seconds), or None when the signature is
    bad; the good ones memoised, since checking a signature is a pure function of the string and the key, and a
    participant's browser sends the same cookie and token with every save (bad ones are not: a client sending
    junk cannot fill the memo). The age is checked on every use (_unexpired). A
    bounded cache of verifications, not state: every server computes the same, and the account's session version
    is still read from the database by each save."""

    @functools.lru_cache(maxsize=MEMO_SIZE)
    def verified(signed: str):
        value, signed_at = serializer.loads(signed, return_timestamp=True)  # BadData is raised, so never memoised
        return value, int(signed_at.timestamp())

    def loads(signed: str):
        try:
            return verified(signed)
        except BadData:
            return None

    return loads


def _epoch() -> int:
    return int(time.time())


def _unexpired(loaded, max_age: int | None):
    """The value of a `_memoised_loads` result, None when there is none or it is older than `max_age` seconds (or
    signed in the future), as itsdangerous's TimestampSigner decides."""
    if loaded is None:
        return None
    value, signed_at = loaded
    age = _epoch() - signed_at
    return None if age < 0 or (max_age is not None and age > max_age) else value


class AutosaveFastPath:
    """WSGI middleware around the Flask app's `wsgi_app` (installed by contest.create_app, inside ProxyFix)."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._signers = None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            match = PATH.fullmatch(environ.get("PATH_INFO", ""))
            if match is not None:
                answered = self._answer(environ, int(match.group(1)))
                if answered is not None:
                    return answered(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ, attempt_id: int):
        """The saved answer's response, or None for the Flask app to answer (the body put back for it)."""
        config = self.app.config
        engine = self.app.extensions.get("db_single_statement_engine")  # PostgreSQL only
        if engine is None or attempt_id > DB_INT_MAX or environ.get("QUERY_STRING"):
            return None
        if config.get("SERVER_NAME") or config.get("TRUSTED_HOSTS"):
            return None  # host checks are Flask's routing's
        if config.get("RATELIMIT_DEFAULT") or config.get("RATELIMIT_APPLICATION"):
            return None  # limits on every route would be Flask-Limiter's to count
        if environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != "application/json":
            return None  # what request.get_json takes as JSON, but for application/*+json, which no page sends
        declared, limit = environ.get("CONTENT_LENGTH", ""), config.get("MAX_CONTENT_LENGTH")
        if not DIGITS.fullmatch(declared):
            return None  # none (chunked), or a form werkzeug reads otherwise ("+62")
        length = int(declared)
        if not 0 < length <= (MAX_BODY if limit is None else min(MAX_BODY, limit)):
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # for the Flask app, whenever it answers instead
        account = self._account(environ, config)
        if account is None:
            return None
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict) or "prediction" in payload or "position" in payload:
                return None
            question_id, keys = answer_from_payload(payload)
        except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            return None
        clock = config.get("CLOCK")
        now = clock() if clock is not None else utcnow()
        grace = timedelta(seconds=config["ATTEMPT_GRACE_SECONDS"])
        try:
            with engine.connect() as connection:  # autocommit: the statement is the whole transaction
                remaining = save_in_one(connection, account[0], attempt_id, question_id, keys, now, grace, account[1])
        except Exception as error:  # noqa: BLE001  (the Flask app answers, with its error handling, on a pinged connection)
            log.warning("autosave of attempt %s answered by the view instead: %r", attempt_id, error)
            return None
        return None if remaining is None else self._saved_response(remaining, config)

    def _account(self, environ, config) -> tuple[int, int] | None:
        """(user id, session version) of the signed session cookie, when the request also carries the session's
        CSRF token as Flask-WTF checks it (its header, same-origin referrer over HTTPS); None otherwise."""
        if self._signers is None:
            sessions = self.app.session_interface.get_signing_serializer(self.app)
            if sessions is None:
                return None  # no secret key: Flask opens no session
            tokens = URLSafeTimedSerializer(config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key, salt="wtf-csrf-token")
            self._signers = (_memoised_loads(sessions), _memoised_loads(tokens))
        sessions, tokens = self._signers
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(config["SESSION_COOKIE_NAME"])
        data = _unexpired(sessions(cookie), int(self.app.permanent_session_lifetime.total_seconds())) if cookie else None
        if not isinstance(data, dict) or "_remember" in data:
            return None  # no session; or Flask-Login sets or clears the remember cookie after this request
        if data.get("_permanent") and config["SESSION_REFRESH_EACH_REQUEST"]:
            return None  # Flask would send the session cookie again, with a new expiry
        if config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
            return None  # Flask-Login sends the remember cookie with every response then
        if config["WTF_CSRF_ENABLED"] and config["WTF_CSRF_CHECK_DEFAULT"] and not self._csrf_valid(environ, config, tokens, data):
            return None
        return parse_session_id(data.get("_user_id"))

    @staticmethod
    def _csrf_valid(environ, config, tokens, data: dict) -> bool:
        stored = data.get(config["WTF_CSRF_FIELD_NAME"])
        sent = next(filter(None, (environ.get("HTTP_" + name.upper().replace("-", "_")) for name in config["WTF_CSRF_HEADERS"])), None)
        if not stored or not sent:
            return False
        token = _unexpired(tokens(sent), config["WTF_CSRF_TIME_LIMIT"])
        if not isinstance(token, str) or not isinstance(stored, str) or not hmac.compare_digest(stored, token):
            return False
        if environ.get("wsgi.url_scheme") == "https" and config["WTF_CSRF_SSL_STRICT"]:
            # Flask-WTF's check, with request.host as werkzeug computes it (":443" dropped, "" for a bad Host)
            referrer = environ.get("HTTP_REFERER")
            host = get_host("https", environ.get("HTTP_HOST"), (environ.get("SERVER_NAME", ""), None))
            try:
                return bool(referrer and host) and same_origin(referrer, f"https://{host}/")
            except ValueError:  # a port urlparse cannot read: Flask-WTF's own check says what happens then
                return False
        return True

    @staticmethod
    def _saved_response(remaining: int, config):
        # The bytes of the view's jsonify (Flask's provider sorts the keys, compact outside debug).
        body = json.dumps({"remaining_seconds": remaining, "saved": True, "status": "in_progress"},
                          separators=(",", ":"), sort_keys=True).encode() + b"\n"
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Vary", "Cookie")]
        headers += HEADERS.items()
        if config["ENV"] == "production":
            headers.append(("Strict-Transport-Security", HSTS))

        def respond(_environ, start_response):
            start_response("200 OK", headers)
            return [body]

        return respond
