"""Sending e-mail over SMTP with the standard library (smtplib), as configured by MAIL_* (contest/config.py).

Messages are sent on a background thread: a "forgotten password" answer must take the same time whether or
not an e-mail goes out, or its timing would tell which accounts exist.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


def configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _send_now(config: dict, message: EmailMessage) -> None:
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    try:
        if config["MAIL_USE_SSL"]:
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
        with connection:
            if config["MAIL_USE_TLS"]:
                connection.starttls(context=context)
            if config.get("MAIL_USERNAME"):
                connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            connection.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        # The message (it holds a reset link) is never logged, only who it was for and why it failed.
        log.error("could not send e-mail to %s via %s:%s: %s", message["To"], host, port, error)


def send(message: EmailMessage) -> threading.Thread:
    """Send `message` in the background; returns the thread (tests join it)."""
    config = {key: current_app.config.get(key) for key in (
        "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_TIMEOUT")}
    thread = threading.Thread(target=_send_now, args=(config, message), name="send-mail", daemon=True)
    thread.start()
    return thread
