"""The current time, replaceable in tests (app.config["CLOCK"] = a callable returning aware UTC)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from contest.timeutil import utcnow


def now() -> datetime:
    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()
