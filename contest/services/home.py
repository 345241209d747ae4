"""The home page: the contests open now, each with its current round, the visitor's way in and the last winners."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contest import cache
from contest.models import Attempt, AttemptStatus, Contest, ContestBanner, ContestStatus, ParticipantGroup, Round, RoundState, User
from contest.services import banners as banner_service
from contest.services import contests as contest_service
from contest.services import ranking
from contest.services.attempts import AttemptPolicy, finalize_if_due, used_attempts
from contest.services.overrides import allowance

WINNERS_SHOWN = 5
WINNERS_SHOWN_PER_GROUP = 3  # a contest that ranks civil servants and citizens apart shows the top of each
SUMMARY_CHARACTERS = 240


@dataclass
class WinnerList:
    """The top of the last closed round's board: everyone's (group None), or one group's where groups rank apart."""

    group: ParticipantGroup | None
    standings: list[ranking.Standing]


@dataclass
class HomeContest:
    """One open contest as the home page shows it."""

    contest: Contest
    starts_at: datetime
    ends_at: datetime
    rules_summary: str
    current_round: Round | None  # the round open now, else the next one to open
    round_open: bool
    seconds_left: int  # to the current round's close (open) or opening (upcoming)
    participants: int
    attempt: Attempt | None = None  # the visitor's attempt in progress in the current round
    banner: ContestBanner | None = None
    may_start: bool = False  # eligible, the round open, attempts left
    eligible: bool = False
    attempts_left: int = 0
    winners_round: Round | None = None
    winners: list[WinnerList] = field(default_factory=list)  # one list, or one per group (Contest.ranks_by_group)

    @property
    def time_left(self) -> str:
        return countdown_text(self.seconds_left)


def countdown_text(seconds: int) -> str:
    """What is left of a countdown as the page shows it (static/js/home.js writes the same): "2 ngày 03:04:05"."""
    days, rest = divmod(max(0, seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock_part = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{days} ngày {clock_part}" if days else clock_part


def rules_summary(rules_html: str, limit: int = SUMMARY_CHARACTERS) -> str:
    """The contest's rules as plain text, cut at a word boundary after at most `limit` characters ("…" if cut)."""
    spaced = (rules_html or "").replace("<", " <")  # "</li><li>" must not glue two words together
    text = " ".join(html.unescape(nh3.clean(spaced, tags=set())).split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,.;:") + "…"


def contest_span(contest: Contest) -> tuple[datetime, datetime] | None:
    """When the contest's first round opens and its last round closes (None without rounds)."""
    if not contest.rounds:
        return None
    return min(r.opens_at for r in contest.rounds), max(r.closes_at for r in contest.rounds)


def current_round(contest: Contest, now: datetime) -> Round | None:
    """The round open now (the one closing first if several are), else the next one to open."""
    open_rounds = [r for r in contest.rounds if r.state(now) == RoundState.open]
    if open_rounds:
        return min(open_rounds, key=lambda r: r.closes_at)
    upcoming = [r for r in contest.rounds if r.state(now) == RoundState.upcoming]
    return min(upcoming, key=lambda r: r.opens_at) if upcoming else None


def last_closed_round(contest: Contest, now: datetime) -> Round | None:
    closed = [r for r in contest.rounds if r.state(now) == RoundState.closed]
    return max(closed, key=lambda r: r.closes_at) if closed else None


def open_contests(session: Session, user: User | None, now: datetime) -> list[Contest]:
    """Published contests with a round open now or still to come: every one for a visitor, those open to the user
    for a logged-in person; the ones closing soonest first."""
    if user is not None:
        candidates = contest_service.contests_for_participant(session, user)
    else:
        candidates = list(session.scalars(
            select(Contest).where(Contest.status == ContestStatus.published.value).options(selectinload(Contest.rounds))
        ))
    running = [c for c in candidates if current_round(c, now) is not None]
    return sorted(running, key=lambda c: (current_round(c, now).closes_at, c.id))


def home_contests(
    session: Session,
    user: User | None,
    now: datetime,
    policy: AttemptPolicy,
    may_see_winners: Callable[[Contest], bool],
    cache_seconds: int,
) -> list[HomeContest]:
    """Everything the home page shows about each open contest, for `user` (None: an anonymous visitor).

    Winners are the top of the last closed round's (frozen) leaderboard, only where `may_see_winners(contest)`
    (the leaderboard rule of contest.access)."""
    contests = open_contests(session, user, now)
    counts = _participant_counts(session, contests, cache_seconds)
    running = _attempts_in_progress(session, user, [current_round(c, now) for c in contests], now, policy)
    banners = banner_service.banners_of(session, contests)
    items = []
    for contest in contests:
        round_ = current_round(contest, now)
        starts_at, ends_at = contest_span(contest)
        is_open = round_.state(now) == RoundState.open
        target = round_.closes_at if is_open else round_.opens_at
        item = HomeContest(
            contest=contest,
            starts_at=starts_at,
            ends_at=ends_at,
            rules_summary=rules_summary(contest.rules_html),
            current_round=round_,
            round_open=is_open,
            seconds_left=max(0, int((target - now).total_seconds())),
            participants=counts.get(contest.id, 0),
            attempt=running.get(round_.id),
            banner=banners.get(contest.id),
        )
        if user is not None:
            _add_entry(session, item, user, round_, now)
        winners_round = last_closed_round(contest, now)
        if winners_round is not None and may_see_winners(contest):
            item.winners_round = winners_round
            groups = contest.groups if contest.ranks_by_group else [None]
            shown = WINNERS_SHOWN if len(groups) == 1 else WINNERS_SHOWN_PER_GROUP
            for group in groups:
                board = ranking.cached_leaderboard(session, contest, winners_round, now, policy, frozen=True,
                                                   seconds=cache_seconds, group=group)
                if board.standings:
                    item.winners.append(WinnerList(group, board.standings[:shown]))
        items.append(item)
    return items


def _participant_counts(session: Session, contests: list[Contest], seconds: int) -> dict[int, int]:
    """People who have started an attempt, by contest id: counted in SQL at most every `seconds` (the home page is the
    page everyone opens first; a count a few seconds old is as good as "so far")."""
    counts = {}
    missing = []
    for contest in contests:
        cached = cache.get(session, cache.participants_key(contest.id))
        if cached is None:
            missing.append(contest)
        else:
            counts[contest.id] = int(cached)
    fresh = contest_service.participant_counts(session, missing)
    for contest in missing:
        counts[contest.id] = fresh.get(contest.id, 0)
        cache.set(session, cache.participants_key(contest.id), counts[contest.id], seconds)
    return counts


def _attempts_in_progress(
    session: Session, user: User | None, rounds: list[Round], now: datetime, policy: AttemptPolicy
) -> dict[int, Attempt]:
    """The user's attempt still running in each of `rounds`, by round id (one query; an overdue one is finalised)."""
    if user is None or not rounds:
        return {}
    query = select(Attempt).where(
        Attempt.user_id == user.id,
        Attempt.round_id.in_([r.id for r in rounds]),
        Attempt.status == AttemptStatus.in_progress.value,
    )
    return {a.round_id: a for a in session.scalars(query) if not finalize_if_due(session, a, now, policy)}


def _add_entry(session: Session, item: HomeContest, user: User, round_: Round, now: datetime) -> None:
    """Whether the user may start the current round now: the rules start_attempt applies, with their overrides."""
    item.eligible = contest_service.is_eligible(user, item.contest)
    if not item.eligible or item.attempt is not None:
        return
    extra = allowance(session, user, round_)
    if extra.state(round_, now) != RoundState.open:
        return
    item.attempts_left = max(0, extra.attempts_allowed(item.contest) - used_attempts(session, user, round_))
    item.may_start = item.attempts_left > 0
