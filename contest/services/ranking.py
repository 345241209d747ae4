"""Rankings of a round and of a whole contest (DESIGN.md, "Ranking").

Order: score desc, |prediction - actual| asc (absent last; only once the
round has closed and `actual` is known), time used asc, submission time asc.
Each person counts with one attempt per round, chosen by the contest's
grading policy, in SQL with a window function.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from contest import cache
from contest.models import Attempt, Contest, Disqualification, ParticipantGroup, Round, Unit, User
from contest.models.contests import Grading
from contest.models.units import unit_label
from contest.services.attempts import FINISHED, AttemptPolicy, expire_due_attempts

DEFAULT_LIMIT = 100
STREAM_BATCH = 1000  # rows fetched at a time by a streamed ranking (an export)


@dataclass
class Standing:
    rank: int
    user_id: int
    full_name: str
    unit_name: str  # the display name, with the parent's (contest.models.units.unit_label)
    score: int
    max_score: int
    prediction: float | None
    prediction_error: float | None
    time_used_ms: int
    finished_at: datetime
    rounds: int = 1
    unit_code: str = ""
    unit_parent: str = ""
    group: str = ParticipantGroup.civil_servant.value


@dataclass
class Leaderboard:
    standings: list[Standing]  # with stream=True an iterator, read once while the session is open (the exports)
    total: int | None  # None with stream=True (not counted)
    prediction_actual: int | None  # for a round; None before it is resolved
    prediction_pending: bool  # the contest has a prediction question not yet resolvable
    frozen_at: datetime | None
    computed_at: datetime

    def find(self, user_id: int) -> Standing | None:
        return next((s for s in self.standings if s.user_id == user_id), None)


def _order_for(grading: str):
    if grading == Grading.first:
        return (Attempt.finished_at.asc(), Attempt.id.asc())
    if grading == Grading.last:
        return (Attempt.finished_at.desc(), Attempt.id.desc())
    return (Attempt.score.desc(), Attempt.finished_at.asc(), Attempt.id.asc())


def counted_attempts(
    contest: Contest, round_ids: list[int], cutoff: datetime | None, ranked: bool = True, group: ParticipantGroup | None = None
):
    """One row per (person, round): the attempt the grading policy counts; with `group`, that group's people only.

    For rankings (`ranked`) disqualified people are left out; participation still counts them.
    """
    conditions = [Attempt.round_id.in_(round_ids), Attempt.status.in_(FINISHED)]
    if group is not None:
        conditions.append(Attempt.user_id.in_(select(User.id).where(User.participant_group == ParticipantGroup(group).value)))
    if ranked:
        conditions.append(Attempt.user_id.not_in(select(Disqualification.user_id).where(Disqualification.contest_id == contest.id)))
    if cutoff is not None:
        conditions.append(Attempt.finished_at <= cutoff)
    row_number = func.row_number().over(partition_by=(Attempt.user_id, Attempt.round_id), order_by=_order_for(contest.grading))
    return (
        select(
            Attempt.id, Attempt.user_id, Attempt.round_id, Attempt.score, Attempt.max_score,
            Attempt.prediction, Attempt.time_used_ms, Attempt.finished_at, row_number.label("rn"),
        )
        .where(and_(*conditions))
        .subquery()
    )


def resolve_prediction(session: Session, round_: Round, now: datetime, policy: AttemptPolicy) -> int | None:
    """Fix the round's actual value once it has closed (and every attempt has finished)."""
    contest = round_.contest
    if not contest.prediction_resolver:
        return None
    if round_.prediction_actual is not None:
        return round_.prediction_actual
    if now <= round_.closes_at + policy.grace:
        return None
    expire_due_attempts(session, now, policy, round_.id)
    finished = and_(Attempt.round_id == round_.id, Attempt.status.in_(FINISHED))
    if contest.prediction_resolver == "participants":
        actual = session.scalar(select(func.count(distinct(Attempt.user_id))).where(finished))
    else:
        actual = session.scalar(select(func.count()).where(finished, Attempt.score == Attempt.max_score))
    round_.prediction_actual = actual or 0
    session.flush()
    return round_.prediction_actual


def _cutoff(contest: Contest, now: datetime, frozen: bool) -> datetime | None:
    freeze = contest.leaderboard_freeze_at
    return freeze if frozen and freeze is not None and freeze <= now else None


def _ranked(standings: Iterable[Standing]) -> Iterator[Standing]:
    """Positions 1, 2, 3... in order; people equal on every criterion share a rank."""
    previous = rank = None
    for index, standing in enumerate(standings, start=1):
        current = (standing.score, standing.prediction_error, standing.time_used_ms, standing.finished_at)
        rank = rank if index > 1 and current == previous else index
        standing.rank, previous = rank, current
        yield standing




_PARENT = aliased(Unit, name="parent_unit")
_UNIT_COLUMNS = (
    Unit.name.label("unit_name"), Unit.code.label("unit_code"), Unit.depth.label("unit_depth"), _PARENT.name.label("unit_parent"),
    User.participant_group.label("group"), User.residence_text.label("residence_text"),
)
# A standing's unit: a civil servant's workplace, a citizen's commune of residence (User.home_unit).
_HOME_UNIT = Unit.id == func.coalesce(User.unit_id, User.residence_unit_id)


def _unit_fields(row) -> dict[str, str]:
    """A standing's unit as the pages and exports show it: display name, code, parent's name (a citizen's
    residence written out when it is outside the tree); and the person's group."""
    if row.unit_name is None:
        return {"unit_name": row.residence_text or "", "unit_code": "", "unit_parent": "", "group": row.group}
    return {
        "unit_name": unit_label(row.unit_name, row.unit_depth, row.unit_parent),
        "unit_code": row.unit_code,
        "unit_parent": row.unit_parent or "",
        "group": row.group,
    }


def _board(session: Session, ranked, order_of, limit: int | None, stream: bool, *where):
    """(rows, total): the rows of `ranked` (one per person once `where` holds) in the order `order_of(columns)`
    gives, with each person's name and unit; total is how many were ranked (None when streamed).

    The order and the limit apply before names and units are joined, so a top 100 of 50,000 people joins 100
    people, not 50,000, and the count comes from the same pass (a window over every row, before the limit) instead
    of a second query: the winners' list of a 50,000-person contest took 0.36 s of database time, now about half
    (BENCHMARKS.md). Streamed (an export), rows come STREAM_BATCH at a time from a server-side cursor."""
    counted = () if stream else (func.count().over().label("ranked_total"),)
    top = select(*ranked.c, *counted).where(*where).order_by(*order_of(ranked.c))
    top = (top.limit(limit) if limit else top).subquery()
    query = (
        select(top, User.full_name, *_UNIT_COLUMNS)
        .join(User, User.id == top.c.user_id)
        .outerjoin(Unit, _HOME_UNIT)
        .outerjoin(_PARENT, _PARENT.id == Unit.parent_id)
        .order_by(*order_of(top.c))
    )
    if stream:
        return session.execute(query, execution_options={"yield_per": STREAM_BATCH}), None
    rows = session.execute(query).all()
    return rows, rows[0].ranked_total if rows else 0


def round_leaderboard(
    session: Session, round_: Round, now: datetime, policy: AttemptPolicy, frozen: bool, limit: int | None = DEFAULT_LIMIT,
    group: ParticipantGroup | None = None, *, stream: bool = False,
) -> Leaderboard:
    """The round's ranking; with `group`, among that group's people only (the prediction's actual stays the round's)."""
    contest = round_.contest
    expire_due_attempts(session, now, policy, round_.id)
    actual = resolve_prediction(session, round_, now, policy)
    cutoff = _cutoff(contest, now, frozen)
    counted = counted_attempts(contest, [round_.id], cutoff, group=group)

    def order_of(c):
        order = [c.score.desc()]
        if actual is not None:
            order += [case((c.prediction.is_(None), 1), else_=0), func.abs(c.prediction - actual).asc()]
        return order + [c.time_used_ms.asc(), c.finished_at.asc(), c.id.asc()]

    rows, total = _board(session, counted, order_of, limit, stream, counted.c.rn == 1)
    standings = _ranked(
        Standing(
            rank=0, user_id=r.user_id, full_name=r.full_name, **_unit_fields(r), score=r.score, max_score=r.max_score,
            prediction=r.prediction, prediction_error=abs(r.prediction - actual) if actual is not None and r.prediction is not None else None,
            time_used_ms=r.time_used_ms, finished_at=r.finished_at,
        )
        for r in rows
    )
    return Leaderboard(
        standings=standings if stream else list(standings),
        total=total,
        prediction_actual=actual,
        prediction_pending=bool(contest.prediction_resolver) and actual is None,
        frozen_at=cutoff,
        computed_at=now,
    )


def contest_leaderboard(
    session: Session, contest: Contest, now: datetime, policy: AttemptPolicy, frozen: bool, limit: int | None = DEFAULT_LIMIT,
    group: ParticipantGroup | None = None, *, stream: bool = False,
) -> Leaderboard:
    """Sum of round scores; ties by mean prediction error over resolved rounds, total time, last submission;
    with `group`, among that group's people only."""
    round_ids = [r.id for r in contest.rounds]
    for round_ in contest.rounds:
        expire_due_attempts(session, now, policy, round_.id)
        resolve_prediction(session, round_, now, policy)
    cutoff = _cutoff(contest, now, frozen)
    counted = counted_attempts(contest, round_ids, cutoff, group=group)
    error = func.abs(counted.c.prediction - Round.prediction_actual)
    per_user = (
        select(
            counted.c.user_id,
            func.sum(counted.c.score).label("score"),
            func.sum(counted.c.max_score).label("max_score"),
            func.sum(counted.c.time_used_ms).label("time_used_ms"),
            func.max(counted.c.finished_at).label("finished_at"),
            func.avg(error).label("prediction_error"),
            func.avg(counted.c.prediction).label("prediction"),
            func.count().label("rounds"),
        )
        .join(Round, Round.id == counted.c.round_id)
        .where(counted.c.rn == 1)
        .group_by(counted.c.user_id)
        .subquery()
    )

    def order_of(c):
        return [c.score.desc(), case((c.prediction_error.is_(None), 1), else_=0), c.prediction_error.asc(),
                c.time_used_ms.asc(), c.finished_at.asc(), c.user_id.asc()]

    rows, total = _board(session, per_user, order_of, limit, stream)
    standings = _ranked(
        Standing(
            rank=0, user_id=r.user_id, full_name=r.full_name, **_unit_fields(r), score=int(r.score), max_score=int(r.max_score),
            prediction=float(r.prediction) if r.prediction is not None else None,
            prediction_error=float(r.prediction_error) if r.prediction_error is not None else None,
            time_used_ms=int(r.time_used_ms), finished_at=r.finished_at, rounds=r.rounds,
        )
        for r in rows
    )
    pending = bool(contest.prediction_resolver) and any(r.prediction_actual is None for r in contest.rounds)
    return Leaderboard(standings if stream else list(standings), total, None, pending, cutoff, now)


# ---------------------------------------------------------------- cache


def _to_cache(board: Leaderboard) -> dict:
    data = asdict(board)
    for item in data["standings"]:
        item["finished_at"] = item["finished_at"].isoformat()
    data["frozen_at"] = board.frozen_at.isoformat() if board.frozen_at else None
    data["computed_at"] = board.computed_at.isoformat()
    return data


def _from_cache(data: dict) -> Leaderboard:
    standings = [Standing(**{**s, "finished_at": datetime.fromisoformat(s["finished_at"])}) for s in data["standings"]]
    return Leaderboard(
        standings=standings,
        total=data["total"],
        prediction_actual=data["prediction_actual"],
        prediction_pending=data["prediction_pending"],
        frozen_at=datetime.fromisoformat(data["frozen_at"]) if data["frozen_at"] else None,
        computed_at=datetime.fromisoformat(data["computed_at"]),
    )


def leaderboard(
    session: Session, contest: Contest, round_: Round | None, now: datetime, policy: AttemptPolicy, frozen: bool,
    limit: int | None = DEFAULT_LIMIT, group: ParticipantGroup | None = None, *, stream: bool = False,
) -> Leaderboard:
    """The round's leaderboard, or the whole contest's (round None); `stream` for an export's iterator of standings."""
    if round_ is not None:
        return round_leaderboard(session, round_, now, policy, frozen, limit, group, stream=stream)
    return contest_leaderboard(session, contest, now, policy, frozen, limit, group, stream=stream)


def cached_leaderboard(
    session: Session, contest: Contest, round_: Round | None, now: datetime, policy: AttemptPolicy, frozen: bool, seconds: int,
    group: ParticipantGroup | None = None,
) -> Leaderboard:
    """The leaderboard from the shared cache, computed at most every `seconds` (and after each submission)."""
    scope = f"round{round_.id}" if round_ else "all"
    key = cache.leaderboard_key(contest.id, f"{scope}:{ParticipantGroup(group).value}" if group else scope, frozen)
    data = cache.get(session, key)
    if data is not None:
        return _from_cache(data)
    board = leaderboard(session, contest, round_, now, policy, frozen, group=group)
    cache.set(session, key, _to_cache(board), seconds)
    return board

