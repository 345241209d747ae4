"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from flask import Flask

from contest.services.home import contest_span, rules_summary
from contest.formats import format_date, format_datetime, format_decimal, format_number, format_percent
from contest.rules_markdown import rules_markup
from contest.timeutil import format_duration
from question_bank.model import DIFFICULTY_LABELS, KIND_LABELS


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = format_datetime
    app.jinja_env.filters["local_date"] = format_date
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["decimal"] = format_decimal
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["rules_summary"] = rules_summary
    app.jinja_env.filters["rules"] = rules_markup
    app.jinja_env.filters["contest_span"] = contest_span
    app.jinja_env.globals["difficulty_labels"] = {int(k): v for k, v in DIFFICULTY_LABELS.items()}
    app.jinja_env.globals["kind_labels"] = {k.value: v for k, v in KIND_LABELS.items()}
