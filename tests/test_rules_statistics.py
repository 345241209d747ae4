"""Boundaries of the item statistics' "check the key" flag and of the Vietnamese day in the per-day chart."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from contest.models import UnitKind
from contest.services import attempts as attempt_service
from contest.services import statistics
from contest.services.statistics import ItemStatistic, Scope
from tests.services.test_statistics import POLICY

LOW_AND_NEGATIVE = "Tỷ lệ đúng rất thấp và độ phân biệt âm"


def item(correct: int, discrimination: float | None, shown: int = 100) -> ItemStatistic:
    # No top-group picks: the other ("the top group prefers a wrong choice") flag stays out of the way.
    return ItemStatistic(question_id=1, code="Q1", topic="T", text="?", choices=[("A", "a", True), ("B", "b", False)],
                         shown=shown, correct=correct, discrimination=discrimination)


@pytest.mark.parametrize(("correct", "discrimination", "flag"), [
    (19, -0.01, LOW_AND_NEGATIVE),   # facility 0.19 < 0.2 and discrimination < 0
    (20, -0.01, None),               # facility 0.2 is not "very low"
    (19, 0.0, None),                 # discrimination 0 is not negative
    (20, 0.0, None),
    (0, -1.0, LOW_AND_NEGATIVE),
    (19, None, None),                # too few attempts for a discrimination
])
def test_the_check_the_key_flag_at_its_boundaries(correct, discrimination, flag):
    statistic = item(correct, discrimination)
    assert statistic.facility == correct / 100
    assert statistic.flag == flag


def test_an_item_never_shown_has_no_flag():
    assert item(0, -0.5, shown=0).flag is None


def test_the_per_day_chart_counts_by_vietnamese_day(db_session, make_unit, make_user, make_contest, make_bank):
    """16:59:59 UTC is 23:59:59 in Hà Nội, 17:00 UTC is already the next day there (same UTC day)."""
    unit = make_unit(kind=UnitKind.province)
    contest = make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=2), per_topic=2, attempts_allowed=2)
    round_ = contest.rounds[0]
    finish_times = [datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc),           # 08:00 on 24/11
                    datetime(2026, 11, 24, 16, 59, 59, tzinfo=timezone.utc),     # 23:59:59 on 24/11
                    datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc),          # 00:00 on 25/11
                    datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)]
    people = [make_user(unit=unit) for _ in range(3)]
    for person, finished in zip([people[0], people[1], people[2], people[1]], finish_times):
        attempt = attempt_service.start_attempt(db_session, person, round_, finished - timedelta(minutes=5), POLICY)
        attempt_service.submit_attempt(db_session, attempt, finished, POLICY)
        db_session.commit()
    board = statistics.dashboard(db_session, Scope(contest, round_))
    assert board.per_day == [("24/11/2026", 2, 2), ("25/11/2026", 2, 2)]
