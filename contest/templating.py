"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from flask import Flask

from contest.timeutil import format_local


def format_number(value: int | float | None) -> str:
    """Vietnamese grouping: 12.345"""
    if value is None:
        return "—"
    return f"{value:,}".replace(",", ".")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = format_local
    app.jinja_env.filters["number"] = format_number
