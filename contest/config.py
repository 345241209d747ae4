"""Configuration: defaults, overridden by the environment, then by an explicit mapping."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

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


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the configuration mapping for one application instance."""
    overrides = dict(overrides or {})
    env = os.environ
    production = (overrides.get("ENV") or env.get("CONTEST_ENV", "development")) == "production"
    config: dict = {
        "ENV": "production" if production else "development",
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'contest.sqlite3'}",
        "DISPLAY_TIMEZONE": DISPLAY_TIMEZONE,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        "PASSWORD_HASH_METHOD": "scrypt",
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
        "LEADERBOARD_CACHE_SECONDS": int(env.get("LEADERBOARD_CACHE_SECONDS", 15)),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # How many proxies (nginx, a load balancer) stand in front and append to X-Forwarded-For; 0: none,
        # the connection's address is the client's. A wrong number lets clients forge their address.
        "TRUSTED_PROXY_COUNT": env.get("TRUSTED_PROXY_COUNT", "0"),
    }
    config.update(overrides)
    config["TRUSTED_PROXY_COUNT"] = _proxy_count(config["TRUSTED_PROXY_COUNT"])
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
