"""contest.formats writes numbers exactly as Babel's Vietnamese locale does (README, "Vietnamese formats"):
its own decimal writer is checked against babel.numbers.format_decimal."""

from __future__ import annotations

import random

import pytest
from babel.numbers import format_decimal as babel_decimal

from contest.formats import format_decimal, format_number, format_percent

EDGES = [0, 0.0, -0.0, 1, -1, 0.5, 1.5, 2.5, 1.005, 1.335, 1.345, 2.675, 99.995, 0.001, 1 / 3, 2 / 3, 100.0,
         33.333333333333336, 1e9, 123456.789, -1234.5, 10**12, -(10**7)]


def _values():
    rng = random.Random(2026)
    return EDGES + [rng.uniform(-1e6, 1e6) for _ in range(5000)] + [rng.randint(0, 10000) / 100 for _ in range(2500)] \
        + [rng.randint(-5000, 5000) for _ in range(2500)]


@pytest.mark.parametrize("digits", [0, 1, 2, 3])
@pytest.mark.parametrize("fixed", [True, False])
def test_decimals_as_babel_writes_them(digits, fixed):
    pattern = "#,##0" + (("." + ("0" if fixed else "#") * digits) if digits else "")
    wrong = [(v, format_decimal(v, digits, fixed), babel_decimal(v, pattern, locale="vi_VN")) for v in _values()
             if format_decimal(v, digits, fixed) != babel_decimal(v, pattern, locale="vi_VN")]
    assert wrong == []


def test_counts_and_percentages():
    assert [format_number(v) for v in (0, 3982, 1234567, -3982, 3982.5, 3983.5)] == ["0", "3.982", "1.234.567", "-3.982", "3.982", "3.984"]
    assert all(format_number(v) == babel_decimal(v, "#,##0", locale="vi_VN") for v in _values())
    assert (format_percent(1.33), format_percent(100.0), format_decimal(1.5, 2, fixed=False), format_decimal(2.0, 2, fixed=False)) == ("1,3%", "100,0%", "1,5", "2")
    assert format_number(None) == format_decimal(None) == format_percent(None) == "—"
