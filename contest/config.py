"""Configuration: defaults, overridden by the environment, then by an explicit mapping."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_PATH = PROJECT_ROOT / "instance"
DISPLAY_TIMEZONE = "Asia/Ho_Chi_Minh"


class ConfigurationError(RuntimeError):
    """The application cannot start with the configuration it was given."""


def _development_secret_key(instance_path: Path) -> str:
    """Return the secret key kept in instance/, creating it on first use.

    Development needs a stable key (sessions survive restarts) without anyone
    having to invent one.
    """
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _proxy_count(value: object) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) > 10:
        raise ConfigurationError(f"TRUSTED_PROXY_COUNT must be a whole number from 0 to 10 (got {value!r}).")
    return int(text)


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in _TRUE | _FALSE:
        raise ConfigurationError(f"{name} must be true or false (got {value!r}).")
    return text in _TRUE


def _whole_number(name: str, value: object, low: int, high: int) -> int:
    text = str(value).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ConfigurationError(f"{name} must be a whole number from {low} to {high} (got {value!r}).")
    return int(text)


def _check_mail(config: dict) -> None:
    """Validate the SMTP settings of password-reset e-mail. Without MAIL_SERVER no e-mail is sent (the
    "forgotten password" page then sends people to their unit's manager); with it, everything else must make sense."""
    config["MAIL_USE_TLS"] = _flag("MAIL_USE_TLS", config["MAIL_USE_TLS"])
    config["MAIL_USE_SSL"] = _flag("MAIL_USE_SSL", config["MAIL_USE_SSL"])
    config["MAIL_TIMEOUT"] = _whole_number("MAIL_TIMEOUT", config["MAIL_TIMEOUT"], 1, 120)
    config["PASSWORD_RESET_MINUTES"] = _whole_number("PASSWORD_RESET_MINUTES", config["PASSWORD_RESET_MINUTES"], 5, 24 * 60)
    config["ISSUED_RESET_HOURS"] = _whole_number("ISSUED_RESET_HOURS", config["ISSUED_RESET_HOURS"], 1, 24 * 14)
    public_url = (config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if public_url and not re.fullmatch(r"https?://[^/\s?#@]+", public_url):
        raise ConfigurationError(f"PUBLIC_URL must be the site's address, such as https://thi.example.gov.vn (got {public_url!r}).")
    config["PUBLIC_URL"] = public_url or None
    if not config.get("MAIL_SERVER"):
        config["MAIL_SERVER"] = None
        return
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ConfigurationError("MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (SMTPS) exclude each other: set one.")
    default_port = 465 if config["MAIL_USE_SSL"] else 587 if config["MAIL_USE_TLS"] else 25
    config["MAIL_PORT"] = _whole_number("MAIL_PORT", config.get("MAIL_PORT") or default_port, 1, 65535)
    sender = config.get("MAIL_DEFAULT_SENDER") or ""
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise ConfigurationError(f"MAIL_DEFAULT_SENDER must be an e-mail address when MAIL_SERVER is set (got {sender!r}).") from None
    if bool(config.get("MAIL_USERNAME")) != bool(config.get("MAIL_PASSWORD")):
        raise ConfigurationError("MAIL_USERNAME and MAIL_PASSWORD go together: set both or neither.")
    if not public_url:
        # Links in e-mail must not be built from the request's Host header, which a client chooses.
        raise ConfigurationError("PUBLIC_URL (the site's address, for the links in e-mail) must be set when MAIL_SERVER is set.")


def _check_report(config: dict) -> None:
    config["REPORT_CUTOFF_DAY"] = _whole_number("REPORT_CUTOFF_DAY", config["REPORT_CUTOFF_DAY"] or "0", 0, 28)
    config["REPORT_PASS_MARK"] = _whole_number("REPORT_PASS_MARK", config["REPORT_PASS_MARK"], 1, 100)
    config["REPORT_TARGET"] = _whole_number("REPORT_TARGET", config["REPORT_TARGET"], 1, 100)
    config["REPORT_PLACE"] = str(config.get("REPORT_PLACE") or "").strip()


def _check_jobs(config: dict) -> None:
    """Export jobs (contest/background.py): RQ on Redis when REDIS_URL is set, else a thread of the app server."""
    runner = (config.get("JOB_RUNNER") or ("rq" if config["REDIS_URL"] else "thread")).strip().lower()
    if runner not in ("rq", "thread", "inline"):
        raise ConfigurationError(f"JOB_RUNNER must be rq, thread or inline (got {runner!r}).")
    if runner == "rq" and not config["REDIS_URL"]:
        raise ConfigurationError("JOB_RUNNER=rq needs REDIS_URL.")
    config["JOB_RUNNER"] = runner
    config["EXPORT_INLINE_MAX_ROWS"] = _whole_number("EXPORT_INLINE_MAX_ROWS", config["EXPORT_INLINE_MAX_ROWS"], 0, 10_000_000)
    config["JOB_STALE_SECONDS"] = _whole_number("JOB_STALE_SECONDS", config["JOB_STALE_SECONDS"], 10, 86_400)
    config["JOB_QUEUED_SECONDS"] = _whole_number("JOB_QUEUED_SECONDS", config["JOB_QUEUED_SECONDS"], 10, 86_400)
    config["JOB_TIMEOUT_SECONDS"] = _whole_number("JOB_TIMEOUT_SECONDS", config["JOB_TIMEOUT_SECONDS"], 10, 86_400)


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the configuration mapping for one application instance."""
    overrides = dict(overrides or {})
    env = os.environ
    production = (overrides.get("ENV") or env.get("CONTEST_ENV", "development")) == "production"
    config: dict = {
        "ENV": "production" if production else "development",
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'contest.sqlite3'}",
        # A streaming replica of DATABASE_URL for the read-only report queries (contest.db.reports); unset: the primary.
        "DATABASE_REPLICA_URL": env.get("DATABASE_REPLICA_URL") or None,
        "DISPLAY_TIMEZONE": DISPLAY_TIMEZONE,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        "PASSWORD_HASH_METHOD": "argon2id",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "WTF_CSRF_TIME_LIMIT": None,
        "PAGE_SIZE": 50,
        # Saves are accepted this long after the deadline: the browser's own submit at zero needs time to arrive.
        "ATTEMPT_GRACE_SECONDS": int(env.get("ATTEMPT_GRACE_SECONDS", 10)),
        # At the deadline (+ grace) an attempt still open is submitted with its saved answers, or abandoned: the
        # platform default; a contest may set its own.
        "ATTEMPT_OVERDUE_HANDLING": env.get("ATTEMPT_OVERDUE_HANDLING", "autosubmit"),
        "LEADERBOARD_CACHE_SECONDS": int(env.get("LEADERBOARD_CACHE_SECONDS", 15)),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # How many proxies (nginx, a load balancer) stand in front and append to X-Forwarded-For; 0: none,
        # the connection's address is the client's. A wrong number lets clients forge their address.
        "TRUSTED_PROXY_COUNT": env.get("TRUSTED_PROXY_COUNT", "0"),
        # Password-reset e-mail (optional) and the lifetime of reset links.
        "PUBLIC_URL": env.get("PUBLIC_URL") or None,
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": env.get("MAIL_PORT") or None,
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "false"),
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "false"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER") or None,
        "MAIL_TIMEOUT": env.get("MAIL_TIMEOUT", "10"),
        "PASSWORD_RESET_MINUTES": env.get("PASSWORD_RESET_MINUTES", "60"),  # a link sent by e-mail
        "ISSUED_RESET_HOURS": env.get("ISSUED_RESET_HOURS", "24"),  # a link an admin or manager passes on by phone
        # The period report (services/period_report.py): the report calendar's cut-off day (0: calendar quarters),
        # the pass mark and target in percent (a report may choose its own), the place named beside its date.
        "REPORT_CUTOFF_DAY": env.get("REPORT_CUTOFF_DAY", "0"),
        "REPORT_PASS_MARK": env.get("REPORT_PASS_MARK", "80"),
        "REPORT_TARGET": env.get("REPORT_TARGET", "100"),
        "REPORT_PLACE": env.get("REPORT_PLACE", ""),
        # Exports estimated (by a COUNT) above this many rows run as background jobs (contest/background.py).
        "EXPORT_INLINE_MAX_ROWS": env.get("EXPORT_INLINE_MAX_ROWS", "10000"),
        "JOB_RUNNER": env.get("JOB_RUNNER") or None,
        "JOB_QUEUE": env.get("JOB_QUEUE") or "contest-exports",
        # A running job silent this long (no heartbeat), or a job queued this long, is shown as failed.
        "JOB_STALE_SECONDS": env.get("JOB_STALE_SECONDS", "60"),
        "JOB_QUEUED_SECONDS": env.get("JOB_QUEUED_SECONDS", "900"),
        "JOB_TIMEOUT_SECONDS": env.get("JOB_TIMEOUT_SECONDS", "3600"),  # RQ stops a job running longer
    }
    config.update(overrides)
    config["TRUSTED_PROXY_COUNT"] = _proxy_count(config["TRUSTED_PROXY_COUNT"])
    if config["ATTEMPT_OVERDUE_HANDLING"] not in ("autosubmit", "autoabandon"):
        raise ConfigurationError(
            f"ATTEMPT_OVERDUE_HANDLING must be autosubmit or autoabandon (got {config['ATTEMPT_OVERDUE_HANDLING']!r})."
        )
    _check_mail(config)
    _check_report(config)
    _check_jobs(config)
    if not config.get("SECRET_KEY"):
        secret = env.get("SECRET_KEY")
        if not secret:
            if config["ENV"] == "production":
                raise ConfigurationError(
                    "SECRET_KEY must be set in the environment when CONTEST_ENV=production."
                )
            secret = _development_secret_key(instance_path)
        config["SECRET_KEY"] = secret
    return config
