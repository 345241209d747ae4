"""The current time, replaceable in tests (app.config["CLOCK"] = a callable returning aware UTC), and the
attempt policy (the grace after a deadline) from the configuration."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from contest.models import OverdueHandling
from contest.services.attempts import AttemptPolicy
from contest.timeutil import utcnow


def now() -> datetime:
    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()


def attempt_policy() -> AttemptPolicy:
    """The platform default overdue rule (contests may set their own: AttemptPolicy.for_contest)."""
    return AttemptPolicy(
        grace=timedelta(seconds=current_app.config["ATTEMPT_GRACE_SECONDS"]),
        overdue=OverdueHandling(current_app.config["ATTEMPT_OVERDUE_HANDLING"]),
    )
