"""Rules of the shared cache that the rest of the suite would not notice breaking: entries expire, and the
leaderboard is really read from the cache (not recomputed on every call)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from contest import cache, db
from contest.models import UnitKind, User
from contest.services import ranking
from tests.conftest import T0
from tests.services.test_ranking import POLICY, play
from tests.test_cache import backend  # noqa: F401 (fixture: database and Redis)


def test_an_entry_is_gone_once_its_time_is_up(app, backend):  # noqa: F811
    cache.set(db.session, "test:short", "hết hạn", seconds=1)
    cache.set(db.session, "test:long", "còn", seconds=60)
    db.session.commit()
    assert cache.get(db.session, "test:short") == "hết hạn"
    time.sleep(1.3)
    assert cache.get(db.session, "test:short") is None
    assert cache.get(db.session, "test:long") == "còn"


def test_setting_again_replaces_the_value_and_the_expiry(app, backend):  # noqa: F811
    cache.set(db.session, "test:k", 1, seconds=1)
    cache.set(db.session, "test:k", 2, seconds=60)
    db.session.commit()
    time.sleep(1.3)
    assert cache.get(db.session, "test:k") == 2


@pytest.fixture
def played(backend, db_session, make_contest, make_bank, make_unit, make_user):  # noqa: F811
    unit = make_unit(kind=UnitKind.province)
    contest = make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=2), per_topic=2)
    user = make_user(unit=unit, full_name="Người Cũ")
    play(db_session, user, contest.rounds[0], start=T0, minutes=3, correct=2)
    yield contest, user
    cache.delete_prefix(db.session, "leaderboard:")  # Redis outlives the test's tables
    db_session.commit()


def test_a_second_leaderboard_call_within_the_cache_time_reads_the_cache(app, backend, db_session, played):  # noqa: F811
    contest, user = played
    round_, now = contest.rounds[0], T0 + timedelta(hours=1)
    first = ranking.cached_leaderboard(db_session, contest, round_, now, POLICY, frozen=False, seconds=300)
    db_session.commit()
    assert [s.full_name for s in first.standings] == ["Người Cũ"]
    # Changed behind the cache's back (no invalidation): the cached board is still served, as computed then.
    db_session.execute(update(User).where(User.id == user.id).values(full_name="Người Mới"))
    db_session.commit()
    second = ranking.cached_leaderboard(db_session, contest, round_, now + timedelta(seconds=30), POLICY, False, 300)
    assert [s.full_name for s in second.standings] == ["Người Cũ"]
    assert second.computed_at == first.computed_at
    # The overall board has its own entry, and an invalidation makes the next call recompute.
    assert [s.full_name for s in ranking.cached_leaderboard(db_session, contest, None, now, POLICY, False, 300).standings] == ["Người Mới"]
    cache.clear_leaderboards(db_session, contest.id)
    db_session.commit()
    third = ranking.cached_leaderboard(db_session, contest, round_, now + timedelta(seconds=60), POLICY, False, 300)
    assert [s.full_name for s in third.standings] == ["Người Mới"]


def test_a_cached_leaderboard_is_recomputed_after_its_time(app, backend, db_session, played):  # noqa: F811
    contest, user = played
    round_, now = contest.rounds[0], T0 + timedelta(hours=1)
    ranking.cached_leaderboard(db_session, contest, round_, now, POLICY, frozen=False, seconds=1)
    db_session.commit()
    db_session.execute(update(User).where(User.id == user.id).values(full_name="Người Mới"))
    db_session.commit()
    time.sleep(1.3)
    board = ranking.cached_leaderboard(db_session, contest, round_, now, POLICY, False, 1)
    assert [s.full_name for s in board.standings] == ["Người Mới"]
