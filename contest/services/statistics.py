"""Participation per unit, non-participants, item statistics and dashboard figures (DESIGN.md).

Everything is aggregated in SQL; Python only arranges the few resulting rows.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, and_, case, cast, distinct, exists, func, literal, or_, select, text
from sqlalchemy.orm import Session, aliased, selectinload

from contest.formats import format_day
from contest.models import Answer, Attempt, AttemptQuestion, AttemptStatus, Contest, ParticipantGroup, Question, Round, StaffMember, Unit, User
from contest.services.attempts import FINISHED, AttemptPolicy, expire_due_attempts
from contest.services.ranking import counted_attempts
from contest.models.units import path_ids, unit_label
from contest.services.units import subtree_filter, tree_order, with_parent

DEFAULT_THRESHOLD = 50.0
DISCRIMINATION_GROUP = 0.27
MIN_ATTEMPTS_FOR_DISCRIMINATION = 30


@dataclass
class Scope:
    """A round of a contest, or the whole contest (round None)."""

    contest: Contest
    round: Round | None = None

    @property
    def round_ids(self) -> list[int]:
        return [self.round.id] if self.round else [r.id for r in self.contest.rounds]

    @property
    def label(self) -> str:
        return self.round.title if self.round else "Toàn cuộc thi"

    @property
    def counts(self):
        """The attempts that count as taking part: the finished ones of the scope's rounds (a period report's
        PeriodScope has the same property, so "who has not taken part" serves both)."""
        return and_(Attempt.round_id.in_(self.round_ids), Attempt.status.in_(FINISHED))


def finalize(session: Session, scope: Scope, now: datetime, policy: AttemptPolicy) -> None:
    """Reports count only finished attempts: finish the overdue ones first."""
    for round_id in scope.round_ids:
        expire_due_attempts(session, now, policy, round_id)


def group_members(group: ParticipantGroup):
    """SQL: the ids of the people of `group` (as they are now: correcting a person's group moves their attempts too)."""
    return select(User.id).where(User.participant_group == group.value)


def latest_unit(person, attempts):
    """SQL: the unit of `person`'s latest attempt among `attempts` (a condition on Attempt), latest by finishing time,
    then id — a correlated lookup, one probe of the index on attempts (user_id, finished_at DESC, id DESC) per person.

    Looked up per person rather than joined from a per-person subquery: joined, PostgreSQL tables without fresh
    statistics (right after a big import or a contest's first hour) made the planner pair every person with every
    person (a nested loop over two aggregates; 60,000 people took minutes), and the probe costs no more than the
    extra pass over the attempts (BENCHMARKS.md)."""
    return (
        select(Attempt.unit_id).where(Attempt.user_id == person, attempts)
        .order_by(Attempt.finished_at.desc(), Attempt.id.desc()).limit(1)
        .scalar_subquery()
    )


def roll_up(root: Unit, *own, max_depth: int | None = None):
    """The roll-up of per-unit figures to every unit of `root`'s subtree (down to `max_depth` levels below it, or
    all) as a query: each report unit joined to the units below it (itself included), one indexed range of paths,
    and the `own` subqueries (a `unit_id` column each, per unit) outer-joined on the unit below; the caller adds
    its sums of them (`query.add_columns(func.sum(own.c.x))`). Every roll-up's columns are there: id, parent_id,
    code, name, kind, depth, parent_name, headcount, staff and has_staff_lists."""
    own_staff = select(StaffMember.unit_id, func.count().label("staff")).group_by(StaffMember.unit_id).subquery()
    report, below, parent = aliased(Unit), aliased(Unit), aliased(Unit)
    upper = func.substr(report.path, 1, func.length(report.path) - 1).concat(literal("0"))
    query = (
        select(
            report.id, report.parent_id, report.code, report.name, report.kind, report.depth,
            func.max(parent.name).label("parent_name"),  # a report row has one parent (or none): its name
            func.sum(below.headcount).label("headcount"),
            func.sum(own_staff.c.staff).label("staff"),
            (func.count(below.staff_list_at) == func.count()).label("has_staff_lists"),
        )
        .join(below, and_(below.path >= report.path, below.path < upper))
        .outerjoin(parent, parent.id == report.parent_id)
        .where(report.path >= root.path, report.path < root.subtree_upper_bound)
        .group_by(report.id)
    )
    if max_depth is not None:
        query = query.where(report.depth <= root.depth + max_depth)
    for subquery in (*own, own_staff):
        query = query.outerjoin(subquery, subquery.c.unit_id == below.id)
    return query


def citizens_by_unit(session: Session, root: Unit, taking_part) -> dict[int, int]:
    """{unit id: citizens who took part living in its subtree} for `root`'s subtree and above: the citizens among
    `taking_part` (a condition on Attempt), each in the commune each of their attempts was taken in (their
    residence then, so one who moved keeps counting where they took part), and once per unit however many of
    its communes that is. Rolled up here from the distinct (commune, person) pairs — citizens are few next to the
    civil servants —, not summed per commune, which counted a citizen who moved between two communes of a
    district twice in the district."""
    pairs = session.execute(
        select(Unit.path, Attempt.user_id).distinct()
        .join(Unit, Unit.id == Attempt.unit_id)
        .where(taking_part, Attempt.user_id.in_(group_members(ParticipantGroup.citizen)), subtree_filter(root))
    )
    people: defaultdict[int, set[int]] = defaultdict(set)
    for path, person in pairs:
        for unit_id in path_ids(path):
            people[unit_id].add(person)
    return {unit_id: len(persons) for unit_id, persons in people.items()}


def _person_scores(scope: Scope):
    """One row per person: the sum over rounds of the attempt the grading policy counts."""
    counted = counted_attempts(scope.contest, scope.round_ids, None, ranked=False)
    return (
        select(counted.c.user_id, func.sum(counted.c.score).label("score"))
        .where(counted.c.rn == 1)
        .group_by(counted.c.user_id)
        .subquery()
    )


# ---------------------------------------------------------------- participation


@dataclass
class UnitParticipation:
    unit_id: int
    code: str
    name: str
    kind: str
    depth: int
    headcount: int
    staff: int
    has_staff_lists: bool
    participants: int
    attempts: int
    score_sum: int
    best: int | None
    full_scores: int
    threshold: float = DEFAULT_THRESHOLD
    parent_name: str = ""
    display_name: str = ""  # with the parent's name (contest.models.units.unit_label)
    # Citizens who took part and live in this unit's subtree (their commune of residence); in no rate.
    citizens: int = 0

    @property
    def base(self) -> int:
        return self.staff if self.has_staff_lists else self.headcount

    @property
    def base_source(self) -> str:
        return "Danh sách cán bộ" if self.has_staff_lists else "Số CBCCVC"

    @property
    def ratio(self) -> float | None:
        """Participants / base, unrounded (spreadsheets format it); None when the base is 0."""
        return self.participants / self.base if self.base else None

    @property
    def rate(self) -> float | None:
        """Participants / base in percent with one decimal; None when the base is 0 (shown as "—")."""
        return round(100 * self.ratio, 1) if self.base else None

    @property
    def average(self) -> float | None:
        return round(self.score_sum / self.participants, 2) if self.participants else None

    @property
    def below_threshold(self) -> bool:
        return self.rate is not None and self.rate < self.threshold


def participation_by_unit(
    session: Session, scope: Scope, root: Unit, threshold: float = DEFAULT_THRESHOLD, max_depth: int | None = None
) -> list[UnitParticipation]:
    """Every unit of `root`'s subtree (down to `max_depth` levels below it), rolled up along the tree.

    Participants, attempts and scores are the civil servants' only: the rate is against the headcount of civil
    servants (DESIGN.md, "Groups and periods"). Citizens who took part are counted apart (`citizens`), in the
    commune of residence they gave, and so in none of the figures measured against the headcount.

    One query rolls the per-unit counts (whole-table aggregates) up to each unit of `root`'s subtree; the rows
    come back in tree order (units.tree_order, from the query's own rows). SUM skips the NULLs of units without
    people, attempts or staff, and a sum of nothing but NULLs is read as 0 below.
    """
    civil_servants = group_members(ParticipantGroup.civil_servant)
    finished = and_(scope.counts, Attempt.user_id.in_(civil_servants))
    people = _person_scores(scope)
    # Attempts count for the unit they were taken in, people for the unit of their latest finished attempt:
    # someone who moved after taking part still counts where they took part (README, "Corrections").
    placed = (
        select(people.c.score, latest_unit(people.c.user_id, scope.counts).label("unit_id"))
        .where(people.c.user_id.in_(civil_servants))
        .subquery()
    )
    own_people = (
        select(placed.c.unit_id, func.count().label("participants"), func.sum(placed.c.score).label("score_sum"), func.max(placed.c.score).label("best"))
        .group_by(placed.c.unit_id)
        .subquery()
    )
    own_attempts = (
        select(
            Attempt.unit_id,
            func.count().label("attempts"),
            func.sum(case((Attempt.score == Attempt.max_score, 1))).label("full_scores"),
        )
        .where(finished)
        .group_by(Attempt.unit_id)
        .subquery()
    )
    query = roll_up(root, own_people, own_attempts, max_depth=max_depth).add_columns(
        func.sum(own_people.c.participants).label("participants"),
        func.sum(own_people.c.score_sum).label("score_sum"),
        func.max(own_people.c.best).label("best"),
        func.sum(own_attempts.c.attempts).label("attempts"),
        func.sum(own_attempts.c.full_scores).label("full_scores"),
    )
    result = session.execute(query).all()
    citizens = citizens_by_unit(session, root, scope.counts)
    rows = {
        r.id: UnitParticipation(
            unit_id=r.id, code=r.code, name=r.name, kind=r.kind, depth=r.depth - root.depth,
            headcount=int(r.headcount or 0), staff=int(r.staff or 0), has_staff_lists=bool(r.has_staff_lists),
            participants=int(r.participants or 0), attempts=int(r.attempts or 0), score_sum=int(r.score_sum or 0),
            best=int(r.best) if r.best is not None else None, full_scores=int(r.full_scores or 0), threshold=threshold,
            parent_name=r.parent_name or "", display_name=unit_label(r.name, r.depth, r.parent_name),
            citizens=citizens.get(r.id, 0),
        )
        for r in result
    }
    return [rows[unit_id] for unit_id in tree_order((r.id, r.parent_id, r.code) for r in result)]


# ---------------------------------------------------------------- who has not taken part


def _took_part(scope: Scope):
    return select(Attempt.user_id).where(scope.counts)


def non_participants_query(scope: Scope, unit: Unit):
    """SQL: the staff-list people of `unit`'s subtree with no finished attempt in scope (matched by CCCD or phone),
    by unit code and name. `scope` is a contest's Scope or a period report's PeriodScope: anything with `counts`."""
    participant = aliased(User)
    matched = (
        exists()
        .where(
            participant.id.in_(_took_part(scope)),
            or_(
                and_(StaffMember.cccd.is_not(None), participant.cccd == StaffMember.cccd),
                and_(StaffMember.phone.is_not(None), participant.phone == StaffMember.phone),
            ),
        )
    )
    return (
        select(StaffMember)
        .join(Unit, Unit.id == StaffMember.unit_id)
        .where(subtree_filter(unit), ~matched)
        .order_by(Unit.code, StaffMember.full_name)
    )


def registered_non_participants_query(scope: Scope, unit: Unit):
    """SQL: the active accounts of `unit`'s subtree with no finished attempt in scope, by unit code and name."""
    return (
        select(User)
        .join(Unit, Unit.id == User.unit_id)
        .where(subtree_filter(unit), User.active.is_(True), User.id.not_in(_took_part(scope)))
        .order_by(Unit.code, User.full_name)
    )


def non_participants(session: Session, scope: Scope, unit: Unit) -> list[StaffMember]:
    """People on the staff lists of `unit`'s subtree with no finished attempt in scope (non_participants_query)."""
    return list(session.scalars(non_participants_query(scope, unit).options(with_parent(StaffMember.unit))))


def registered_non_participants(session: Session, scope: Scope, unit: Unit) -> list[User]:
    """Accounts of `unit`'s subtree with no finished attempt in scope."""
    return list(session.scalars(registered_non_participants_query(scope, unit).options(with_parent(User.unit))))


# ---------------------------------------------------------------- item statistics


@dataclass
class ItemStatistic:
    question_id: int
    code: str
    topic: str
    text: str
    choices: list[tuple[str, str, bool]]  # (label, text, is_key) as in the bank now
    shown: int = 0
    correct: int = 0
    discrimination: float | None = None
    picks: Counter = field(default_factory=Counter)  # label -> times picked
    top_picks: Counter = field(default_factory=Counter)

    @property
    def facility(self) -> float | None:
        return self.correct / self.shown if self.shown else None

    def share(self, label: str) -> float | None:
        return self.picks[label] / self.shown if self.shown else None

    @property
    def key_labels(self) -> set[str]:
        return {label for label, _, is_key in self.choices if is_key}

    @property
    def flag(self) -> str | None:
        """Why the key should be checked, or None."""
        if self.facility is not None and self.discrimination is not None and self.facility < 0.2 and self.discrimination < 0:
            return "Tỷ lệ đúng rất thấp và độ phân biệt âm"
        key_picks = min((self.top_picks[k] for k in self.key_labels), default=0)
        wrong = [label for label, _, is_key in self.choices if not is_key and self.top_picks[label] > key_picks]
        if wrong and self.top_picks.total():
            return f"Nhóm điểm cao chọn phương án {', '.join(wrong)} nhiều hơn đáp án"
        return None


def _group_parts(levels: list[tuple[int, int]], total: int, group_size: int) -> list[tuple[int, int, int, int]]:
    """(score, top, middle, bottom): how many of each score level's attempts fall in each group.

    Attempts are ranked by score, high first, then by id (DESIGN.md, "Item statistics"); the top group is the
    first `group_size` positions, the bottom group the last `group_size` (the top wins where both would hold, in
    a very small scope). `levels` is [(score, attempts)], high first."""
    parts, first = [], 1
    for score, count in levels:
        last = first + count - 1
        top = max(0, min(count, group_size - first + 1))
        bottom = max(0, last - max(first - 1, total - group_size, group_size))
        parts.append((score, top, count - top - bottom, bottom))
        first = last + 1
    return parts


def item_statistics(session: Session, scope: Scope) -> tuple[int, list[ItemStatistic]]:
    """(number of finished attempts, statistics per question) over the finished attempts of the scope.

    The answers are counted per score level of their attempt, not per rank: a rank (a window function over every
    attempt) kept PostgreSQL from hashing and parallelising the one pass over the answers, which took 1.1 s over
    1,000,000 answers (BENCHMARKS.md). A score level holds attempts of one group only, except the one or two levels
    that the 27 % cuts pass through: there the attempt's id says which side of the cut it is on."""
    finished = and_(Attempt.round_id.in_(scope.round_ids), Attempt.status.in_(FINISHED))
    levels = session.execute(
        select(Attempt.score, func.count()).where(finished).group_by(Attempt.score).order_by(Attempt.score.desc())
    ).all()
    total = sum(count for _, count in levels)
    if not total:
        return 0, []
    group_size = math.ceil(DISCRIMINATION_GROUP * total)
    parts = _group_parts([(score, count) for score, count in levels], total, group_size)

    def nth_id(score, n: int) -> int:
        """The id of the n-th attempt (from 1, by id) of a score level."""
        return session.scalar(select(Attempt.id).where(finished, Attempt.score == score).order_by(Attempt.id).offset(n - 1).limit(1))

    # A level that is all one group goes there whole. The cuts pass through at most two levels: the top cut through
    # one (its attempts up to an id are top), the bottom cut through one (its attempts from an id on are bottom).
    whole = {score: ("top" if top else "bottom" if bottom else "middle")
             for score, top, middle, bottom in parts if (top, middle, bottom).count(0) == 2}
    top_cut = next(((score, nth_id(score, top)) for score, top, _, _ in parts if score not in whole and top), None)
    bottom_cut = next(((score, nth_id(score, top + middle + 1)) for score, top, middle, bottom in parts
                       if score not in whole and bottom), None)
    above = (Attempt.id <= top_cut[1]) if top_cut else literal(False)
    below = (Attempt.id >= bottom_cut[1]) if bottom_cut else literal(False)
    rows = session.execute(
        select(Attempt.score, above.label("above"), below.label("below"), AttemptQuestion.question_id,
               Answer.selected_original, Answer.is_correct, func.count())
        .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
        .outerjoin(Answer, Answer.attempt_question_id == AttemptQuestion.id)
        .where(finished)
        .group_by(Attempt.score, text("above"), text("below"), AttemptQuestion.question_id, Answer.selected_original, Answer.is_correct)
    ).all()

    def group_of(score, is_above: bool, is_below: bool) -> str:
        if score in whole:
            return whole[score]
        if top_cut and score == top_cut[0] and is_above:
            return "top"
        if bottom_cut and score == bottom_cut[0] and is_below:
            return "bottom"
        return "middle"

    tally: Counter = Counter()  # (question, group, choice picked, right) -> times
    for score, is_above, is_below, question_id, picked, right, times in rows:
        tally[question_id, group_of(score, is_above, is_below), picked, right] += times

    questions = {q.id: q for q in session.scalars(
        select(Question).where(Question.id.in_({key[0] for key in tally}))
        .options(selectinload(Question.choices), selectinload(Question.topic))  # not two queries per question
    )}
    stats: dict[int, ItemStatistic] = {}
    by_group: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # [shown, correct]
    for (question_id, grp, picked, right), times in tally.items():
        if not times:
            continue
        question = questions[question_id]
        item = stats.setdefault(question_id, ItemStatistic(
            question_id=question.id, code=question.code, topic=question.topic.name, text=question.text,
            choices=[(c.label, c.text, c.is_correct) for c in sorted(question.choices, key=lambda c: c.position)],
        ))
        correct = times if right is True else 0
        item.shown += times
        item.correct += correct
        counts = by_group[question_id][grp]
        counts[0] += times
        counts[1] += correct
        for label in picked.split(",") if picked else ():
            item.picks[label] += times
            if grp == "top":
                item.top_picks[label] += times
    if total >= MIN_ATTEMPTS_FOR_DISCRIMINATION:
        for question_id, groups in by_group.items():
            top, bottom = groups.get("top"), groups.get("bottom")
            if top and bottom and top[0] and bottom[0]:
                stats[question_id].discrimination = round(top[1] / top[0] - bottom[1] / bottom[0], 3)
    return total, sorted(stats.values(), key=lambda s: s.code)


# ---------------------------------------------------------------- dashboard


def _local_day(column, dialect: str):
    """The Vietnamese calendar day of a UTC timestamp (UTC+7 all year: no daylight saving)."""
    if dialect == "postgresql":
        return cast(column + text("interval '7 hours'"), Date)
    return func.date(column, "+7 hours")


@dataclass
class Dashboard:
    participants: int
    finished_attempts: int
    in_progress: int
    base: int
    per_day: list[tuple[str, int, int]]  # (dd/mm/yyyy, attempts, distinct people)
    score_distribution: list[tuple[int, int]]  # (score, people)
    max_score: int
    top_by_rate: list[UnitParticipation]
    top_by_average: list[UnitParticipation]
    citizens: int = 0  # of `participants`; the rate counts the others (civil servants) only

    @property
    def rate(self) -> float | None:
        return round(100 * (self.participants - self.citizens) / self.base, 1) if self.base else None


def dashboard(session: Session, scope: Scope, threshold: float = DEFAULT_THRESHOLD, top: int = 10) -> Dashboard:
    round_filter = Attempt.round_id.in_(scope.round_ids)
    finished = and_(round_filter, Attempt.status.in_(FINISHED))
    dialect = session.get_bind().dialect.name
    day = _local_day(Attempt.finished_at, dialect).label("day")
    per_day_rows = session.execute(
        select(day, func.count(), func.count(distinct(Attempt.user_id))).where(finished).group_by(day).order_by(day)
    ).all()
    people = _person_scores(scope)
    distribution = session.execute(select(people.c.score, func.count()).group_by(people.c.score).order_by(people.c.score)).all()
    rounds = [scope.round] if scope.round else scope.contest.rounds
    max_score = sum(sum(item.question_count for item in r.blueprint) for r in rounds) * scope.contest.points_per_question
    root = scope.contest.owner_unit
    units = participation_by_unit(session, scope, root, threshold)
    children = [u for u in units if u.depth == 1] or units
    with_base = [u for u in children if u.rate is not None]
    with_people = [u for u in children if u.participants]

    def day_label(value) -> str:
        value = value if isinstance(value, date) else date.fromisoformat(str(value))
        return format_day(value)

    by_group = dict(session.execute(
        select(User.participant_group, func.count(distinct(Attempt.user_id))).join(User, User.id == Attempt.user_id)
        .where(finished).group_by(User.participant_group)
    ).all())
    return Dashboard(
        participants=sum(by_group.values()),
        citizens=by_group.get(ParticipantGroup.citizen.value, 0),
        finished_attempts=session.scalar(select(func.count()).where(finished)) or 0,
        in_progress=session.scalar(select(func.count()).where(round_filter, Attempt.status == AttemptStatus.in_progress.value)) or 0,
        base=units[0].base if units else 0,
        per_day=[(day_label(d), attempts, persons) for d, attempts, persons in per_day_rows],
        score_distribution=[(int(score), count) for score, count in distribution],
        max_score=max_score,
        top_by_rate=sorted(with_base, key=lambda u: (-u.rate, u.code))[:top],
        top_by_average=sorted(with_people, key=lambda u: (-u.average, u.code))[:top],
    )
