"""Small pieces shared by views of several blueprints."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from contest import db
from contest.errors import ValidationError


def commit_or_flash(action: Callable[[], object], success: Callable[[], str]) -> bool:
    """Run a one-button action: commit and flash `success()`, or roll back and flash the rule it broke."""
    try:
        action()
    except ValidationError as error:
        db.session.rollback()
        for line in str(error).splitlines():
            flash(line, "danger")
        return False
    db.session.commit()
    flash(success(), "success")
    return True
