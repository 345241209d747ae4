"""Contests and rounds: who runs them, who may take part, settings, blueprints, publication."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from contest.errors import ValidationError
from contest.models import (
    Attempt,
    BlueprintItem,
    Contest,
    ContestStatus,
    OverdueHandling,
    ParticipantGroup,
    Question,
    QuestionBank,
    Role,
    Round,
    Topic,
    Unit,
    UnitPrizeBloc,
    UnitPrizeTier,
    User,
    contest_units,
)
from contest.models.contests import Audience, Grading, LeaderboardVisibility, PredictionResolver, ReviewPolicy
from contest.rules_markdown import normalize_rules, render_rules
from contest.services.banners import copy_banner
from contest.services.units import is_in_subtree, organizes, subtree_filter
from question_bank.draw import Cell
from question_bank.model import DIFFICULTY_LABELS
from question_bank.text import normalize_text

MAX_TIME_LIMIT_MINUTES = 600
MAX_ATTEMPTS = 20
MAX_POINTS_PER_QUESTION = 100
MAX_LINE_QUESTIONS = 200  # questions drawn by one blueprint line
MAX_GRACE_SECONDS = 600
MAX_COPY_SHIFT_DAYS = 3660

# {stored value: label} of each setting, for the form's choices and the contest page.
AUDIENCE_LABELS = {m.value: m.label for m in Audience}
GRADING_LABELS = {m.value: m.label for m in Grading}
REVIEW_LABELS = {m.value: m.label for m in ReviewPolicy}
LEADERBOARD_LABELS = {m.value: m.label for m in LeaderboardVisibility}
PREDICTION_LABELS = {m.value: m.label for m in PredictionResolver}
OVERDUE_LABELS = {m.value: m.label for m in OverdueHandling}
GROUP_LABELS = {m.value: m.label for m in ParticipantGroup}
# What a contest may admit (Contest.admitted_groups): one group, or both, ranked apart.
ADMISSION_LABELS = {
    **GROUP_LABELS,
    ",".join(GROUP_LABELS): "Cả cán bộ, công chức, viên chức và người dân (xếp hạng, giải riêng từng nhóm)",
}


# ---------------------------------------------------------------- access


def can_manage_contest(user: User, contest: Contest) -> bool:
    return organizes(user, contest.owner_unit)


def is_eligible(user: User, contest: Contest) -> bool:
    """Is this person among the contest's public? Public contests: anyone; otherwise people whose place in the tree
    (a civil servant's unit, a citizen's commune of residence: User.home_unit) is in the chosen units' subtrees.
    Whether their group is admitted is admission_refusal's question."""
    if not contest.is_published:
        return False
    if contest.audience == Audience.public:
        return True
    home = user.home_unit
    return home is not None and any(is_in_subtree(home, unit) for unit in contest.eligible_units)


def admission_refusal(user: User, contest: Contest) -> str | None:
    """Why this person may not start an attempt of the contest, in the words the contest page shows; None if they may."""
    if not is_eligible(user, contest):
        return "Bạn không thuộc đối tượng dự thi của cuộc thi này."
    if not contest.admits(user.group):
        admitted = " và ".join(group.label.lower() if i else group.label for i, group in enumerate(contest.groups))
        return f"Cuộc thi này dành cho {admitted}; tài khoản của bạn đăng ký là {user.group.label.lower()} nên không dự thi được."
    if user.is_citizen and not user.cccd and not contest.citizen_cccd_optional:
        return ("Cuộc thi này yêu cầu số CCCD; tài khoản của bạn chưa có. "
                "Vui lòng liên hệ ban tổ chức hoặc quản trị viên để bổ sung số CCCD trước khi dự thi.")
    return None


def _group_admitted(group: ParticipantGroup):
    """SQL: the contest admits `group` (admitted_groups is a comma-separated list of values)."""
    return literal(",").concat(Contest.admitted_groups).concat(",").like(f"%,{group.value},%")


def contests_for_participant(session: Session, user: User) -> list[Contest]:
    """Published contests open to the user: one query, matching the group and the home unit (User.home_unit) and
    its ancestors."""
    home = user.home_unit
    ancestor_ids = home.ancestor_ids if home else []
    eligible = exists().where(contest_units.c.contest_id == Contest.id, contest_units.c.unit_id.in_(ancestor_ids))
    query = (
        select(Contest)
        .where(Contest.status == ContestStatus.published.value, or_(Contest.audience == Audience.public.value, eligible),
               _group_admitted(user.group))
        .options(selectinload(Contest.rounds))
        .order_by(Contest.created_at.desc())
    )
    return list(session.scalars(query))


def contests_for_organizer(session: Session, user: User) -> list[Contest]:
    query = select(Contest).options(selectinload(Contest.rounds)).order_by(Contest.created_at.desc())
    if not user.has_role(Role.admin):
        query = query.join(Unit, Contest.owner_unit_id == Unit.id).where(subtree_filter(user.unit))
    return list(session.scalars(query))


def _usable_bank_ids(owner_unit: Unit) -> Select:
    """The banks a contest of `owner_unit` may draw from: those of its own subtree (its organisers manage them), and
    those of an ancestor (or of no unit) whose owner shares them with lower units. Any other bank would show a lower
    unit's organisers and participants answer keys that its owner never gave them."""
    shared_from_above = and_(
        QuestionBank.shared_with_lower_units,
        or_(QuestionBank.owner_unit_id.is_(None), QuestionBank.owner_unit_id.in_(owner_unit.ancestor_ids)),
    )
    return (
        select(QuestionBank.id)
        .outerjoin(Unit, QuestionBank.owner_unit_id == Unit.id)
        .where(or_(subtree_filter(owner_unit), shared_from_above))
    )


def usable_banks(session: Session, owner_unit: Unit) -> list[QuestionBank]:
    """The banks a new blueprint of a contest of `owner_unit` may pick (see `_usable_bank_ids`)."""
    query = (
        select(QuestionBank)
        .where(QuestionBank.id.in_(_usable_bank_ids(owner_unit)))
        .options(selectinload(QuestionBank.topics))
        .order_by(QuestionBank.name)
    )
    return list(session.scalars(query))


def unusable_round_banks(session: Session, round_: Round) -> list[QuestionBank]:
    """Banks the round's blueprint draws from that its contest may not use (any more: unshared since)."""
    query = (
        select(QuestionBank)
        .where(
            QuestionBank.id.in_(select(BlueprintItem.bank_id).where(BlueprintItem.round_id == round_.id)),
            QuestionBank.id.not_in(_usable_bank_ids(round_.contest.owner_unit)),
        )
        .options(selectinload(QuestionBank.topics))
        .order_by(QuestionBank.name)
    )
    return list(session.scalars(query))


def draw_refusal(session: Session, round_: Round) -> str | None:
    """Why a new attempt of the round may not draw its questions under the sharing rule, or None.

    A round that already has attempts keeps drawing from the banks it was built on, even one unshared since: its
    participants have seen those keys already, and stopping a running round would penalise them for a decision
    taken above. A round nobody has taken yet does not start until its blueprint uses banks the contest may use.
    """
    banks = unusable_round_banks(session, round_)
    if not banks or has_attempts(session, round_):
        return None
    names = ", ".join(f"“{b.name}”" for b in banks)
    return (
        f"Vòng thi dùng ngân hàng câu hỏi {names} mà đơn vị quản lý chưa chia sẻ cho đơn vị cấp dưới "
        "nên chưa thể bắt đầu; vui lòng báo ban tổ chức."
    )


# ---------------------------------------------------------------- contest settings


@dataclass
class ContestSettings:
    title: str
    rules_markdown: str = ""
    audience: str = Audience.units.value
    eligible_unit_ids: list[int] = field(default_factory=list)
    shuffle_questions: bool = True
    shuffle_choices: bool = True
    attempts_allowed: int = 1
    grading: str = Grading.best.value
    points_per_question: int = 1
    review_policy: str = ReviewPolicy.after_close.value
    leaderboard_visibility: str = LeaderboardVisibility.public.value
    leaderboard_freeze_at: datetime | None = None
    prediction_question: str = ""
    prediction_resolver: str | None = None
    grace_seconds: int | None = None  # None: the platform default
    overdue_handling: str | None = None  # None: the platform default
    # Civil servants only by default: see README, "Participant groups".
    admitted_groups: str = ParticipantGroup.civil_servant.value  # a key of ADMISSION_LABELS
    citizen_cccd_optional: bool = False


def _apply_settings(session: Session, contest: Contest, owner_unit: Unit, settings: ContestSettings) -> None:
    problems = []
    title = normalize_text(settings.title)
    if not title:
        problems.append("Vui lòng nhập tên cuộc thi.")
    if settings.audience not in AUDIENCE_LABELS:
        problems.append("Đối tượng dự thi không hợp lệ.")
    units = list(session.scalars(select(Unit).where(Unit.id.in_(settings.eligible_unit_ids)))) if settings.eligible_unit_ids else []
    if settings.audience == Audience.units and not units:
        problems.append("Hãy chọn ít nhất một đơn vị được tham gia (hoặc mở cuộc thi cho mọi người).")
    outside = [u.name for u in units if not is_in_subtree(u, owner_unit)]
    if outside:
        problems.append("Chỉ được chọn đơn vị thuộc phạm vi của đơn vị tổ chức; không thuộc phạm vi: " + ", ".join(outside) + ".")
    if not 1 <= settings.attempts_allowed <= MAX_ATTEMPTS:
        problems.append(f"Số lượt thi mỗi vòng phải từ 1 đến {MAX_ATTEMPTS}.")
    if not 1 <= settings.points_per_question <= MAX_POINTS_PER_QUESTION:
        problems.append(f"Điểm mỗi câu phải từ 1 đến {MAX_POINTS_PER_QUESTION}.")
    if settings.grading not in GRADING_LABELS or settings.review_policy not in REVIEW_LABELS:
        problems.append("Cách tính điểm hoặc chế độ xem đáp án không hợp lệ.")
    if settings.leaderboard_visibility not in LEADERBOARD_LABELS:
        problems.append("Chế độ hiển thị bảng xếp hạng không hợp lệ.")
    prediction = normalize_text(settings.prediction_question or "")
    if prediction and settings.prediction_resolver not in PREDICTION_LABELS:
        problems.append("Hãy chọn căn cứ xác định đáp án của câu hỏi dự đoán.")
    if settings.grace_seconds is not None and not 0 <= settings.grace_seconds <= MAX_GRACE_SECONDS:
        problems.append(f"Thời gian gia hạn sau khi hết giờ phải từ 0 đến {MAX_GRACE_SECONDS} giây.")
    if settings.overdue_handling is not None and settings.overdue_handling not in OVERDUE_LABELS:
        problems.append("Cách xử lý bài thi khi hết giờ không hợp lệ.")
    if settings.admitted_groups not in ADMISSION_LABELS:
        problems.append("Nhóm đối tượng dự thi không hợp lệ: hãy chọn cán bộ, công chức, viên chức, người dân hoặc cả hai.")
    if problems:
        raise ValidationError("\n".join(problems))
    contest.owner_unit = owner_unit
    contest.title = title
    contest.rules_markdown = normalize_rules(settings.rules_markdown)
    contest.rules_html = render_rules(contest.rules_markdown)
    contest.audience = settings.audience
    contest.eligible_units = units if settings.audience == Audience.units else []
    contest.shuffle_questions = settings.shuffle_questions
    contest.shuffle_choices = settings.shuffle_choices
    contest.attempts_allowed = settings.attempts_allowed
    contest.grading = settings.grading
    contest.points_per_question = settings.points_per_question
    contest.review_policy = settings.review_policy
    contest.leaderboard_visibility = settings.leaderboard_visibility
    contest.leaderboard_freeze_at = settings.leaderboard_freeze_at
    contest.prediction_question = prediction or None
    contest.prediction_resolver = settings.prediction_resolver if prediction else None
    contest.grace_seconds = settings.grace_seconds
    contest.overdue_handling = settings.overdue_handling
    contest.admitted_groups = settings.admitted_groups
    contest.citizen_cccd_optional = settings.citizen_cccd_optional


def create_contest(session: Session, owner_unit: Unit | None, settings: ContestSettings, created_by: User | None = None) -> Contest:
    """A draft contest of `owner_unit`; an organiser (`created_by`) may create one only for a unit they organise."""
    if owner_unit is None or (created_by is not None and not organizes(created_by, owner_unit)):
        raise ValidationError("Hãy chọn đơn vị tổ chức thuộc phạm vi của bạn.")
    contest = Contest(owner_unit=owner_unit, created_by_id=created_by.id if created_by else None, status=ContestStatus.draft.value)
    _apply_settings(session, contest, owner_unit, settings)
    session.add(contest)
    session.flush()
    return contest


def update_contest(session: Session, contest: Contest, settings: ContestSettings) -> None:
    _apply_settings(session, contest, contest.owner_unit, settings)
    session.flush()


def contest_settings(contest: Contest) -> ContestSettings:
    return ContestSettings(
        title=contest.title,
        rules_markdown=contest.rules_markdown,
        audience=contest.audience,
        eligible_unit_ids=[u.id for u in contest.eligible_units],
        shuffle_questions=contest.shuffle_questions,
        shuffle_choices=contest.shuffle_choices,
        attempts_allowed=contest.attempts_allowed,
        grading=contest.grading,
        points_per_question=contest.points_per_question,
        review_policy=contest.review_policy,
        leaderboard_visibility=contest.leaderboard_visibility,
        leaderboard_freeze_at=contest.leaderboard_freeze_at,
        prediction_question=contest.prediction_question or "",
        prediction_resolver=contest.prediction_resolver,
        grace_seconds=contest.grace_seconds,
        overdue_handling=contest.overdue_handling,
        admitted_groups=",".join(group.value for group in contest.groups),
        citizen_cccd_optional=contest.citizen_cccd_optional,
    )


def set_status(session: Session, contest: Contest, status: ContestStatus | str) -> None:
    if status not in {s.value for s in ContestStatus}:
        raise ValidationError("Trạng thái không hợp lệ.")
    status = ContestStatus(status)
    if status == ContestStatus.published:
        problems = [p for r in contest.rounds for p in blueprint_problems(session, r)]
        if not contest.rounds:
            problems.append("Cuộc thi cần ít nhất một vòng thi.")
        if problems:
            raise ValidationError("Chưa thể công bố cuộc thi:\n" + "\n".join(problems))
    contest.status = status.value
    session.flush()


# ---------------------------------------------------------------- rounds and blueprints


@dataclass(frozen=True)
class BlueprintLine:
    bank_id: int
    topic_id: int | None
    difficulty: int | None
    count: int


@dataclass
class RoundSettings:
    title: str
    opens_at: datetime
    closes_at: datetime
    time_limit_minutes: int
    blueprint: list[BlueprintLine]


def has_attempts(session: Session, round_: Round) -> bool:
    return round_.id is not None and bool(session.scalar(select(exists().where(Attempt.round_id == round_.id))))


def _candidates_query(line: BlueprintLine | BlueprintItem):
    bank_id = line.bank_id
    topic_id = line.topic_id
    difficulty = line.difficulty
    query = select(Question.id).where(Question.bank_id == bank_id, Question.status == "active")
    if topic_id is not None:
        query = query.where(Question.topic_id == topic_id)
    if difficulty is not None:
        query = query.where(Question.difficulty == difficulty)
    return query


def _overlap(a: BlueprintLine, b: BlueprintLine) -> bool:
    return (
        a.bank_id == b.bank_id
        and (a.topic_id is None or b.topic_id is None or a.topic_id == b.topic_id)
        and (a.difficulty is None or b.difficulty is None or a.difficulty == b.difficulty)
    )


def describe_line(session: Session, line: BlueprintLine | BlueprintItem) -> str:
    bank = session.get(QuestionBank, line.bank_id)
    topic = session.get(Topic, line.topic_id) if line.topic_id else None
    level = DIFFICULTY_LABELS.get(line.difficulty) if line.difficulty else None
    return f"“{bank.name if bank else '?'}” › {topic.name if topic else 'mọi chủ đề'} › {level or 'mọi mức độ'}"


def _line_problems(session: Session, lines: list[BlueprintLine], allowed_bank_ids: set[int]) -> list[str]:
    problems = []
    if not lines:
        return ["Cấu trúc đề cần ít nhất một dòng (ngân hàng, chủ đề, mức độ, số câu)."]
    for index, line in enumerate(lines, start=1):
        if line.bank_id not in allowed_bank_ids:
            problems.append(
                f"Dòng {index}: ngân hàng câu hỏi không được phép dùng cho cuộc thi này (chỉ dùng được ngân hàng của đơn vị "
                "tổ chức cuộc thi, của đơn vị trực thuộc, hoặc ngân hàng được đơn vị cấp trên chia sẻ cho đơn vị cấp dưới)."
            )
            continue
        if line.topic_id is not None:
            topic = session.get(Topic, line.topic_id)
            if topic is None or topic.bank_id != line.bank_id:
                problems.append(f"Dòng {index}: chủ đề không thuộc ngân hàng đã chọn.")
                continue
        if line.count < 1:
            problems.append(f"Dòng {index}: số câu phải lớn hơn 0.")
            continue
        if line.count > MAX_LINE_QUESTIONS:
            problems.append(f"Dòng {index}: số câu tối đa là {MAX_LINE_QUESTIONS}.")
            continue
        if line.difficulty is not None and line.difficulty not in DIFFICULTY_LABELS:
            problems.append(f"Dòng {index}: mức độ không hợp lệ.")
            continue
        available = session.scalar(select(func.count()).select_from(_candidates_query(line).subquery()))
        if available < line.count:
            problems.append(
                f"Dòng {index} ({describe_line(session, line)}): cần {line.count} câu nhưng ngân hàng chỉ có {available} câu đang dùng."
            )
        for other_index, other in enumerate(lines[: index - 1], start=1):
            if _overlap(line, other):
                problems.append(
                    f"Dòng {index} trùng phạm vi với dòng {other_index}: mỗi câu hỏi chỉ được thuộc một dòng của cấu trúc đề "
                    "(hãy chọn chủ đề hoặc mức độ khác nhau)."
                )
    return problems


def blueprint_problems(session: Session, round_: Round) -> list[str]:
    """What keeps a round's blueprint from being drawn now (questions retired since, for example)."""
    lines = [BlueprintLine(i.bank_id, i.topic_id, i.difficulty, i.question_count) for i in round_.blueprint]
    allowed = {b.id for b in usable_banks(session, round_.contest.owner_unit)}
    if has_attempts(session, round_):
        allowed |= {line.bank_id for line in lines}  # it keeps drawing from them (see draw_refusal)
    return [f"Vòng {round_.number}: {p}" for p in _line_problems(session, lines, allowed)]


def save_round(session: Session, contest: Contest, round_: Round | None, settings: RoundSettings) -> Round:
    problems = []
    title = normalize_text(settings.title)
    if not title:
        problems.append("Vui lòng nhập tên vòng thi.")
    if settings.closes_at <= settings.opens_at:
        problems.append("Thời điểm kết thúc phải sau thời điểm bắt đầu.")
    if not 1 <= settings.time_limit_minutes <= MAX_TIME_LIMIT_MINUTES:
        problems.append(f"Thời gian làm bài phải từ 1 đến {MAX_TIME_LIMIT_MINUTES} phút.")
    lines = settings.blueprint
    old_lines = [BlueprintLine(i.bank_id, i.topic_id, i.difficulty, i.question_count) for i in round_.blueprint] if round_ else []
    locked = round_ is not None and has_attempts(session, round_)
    if locked and lines != old_lines:
        problems.append("Vòng thi đã có người làm bài nên không thể thay đổi cấu trúc đề.")
    elif not locked:
        problems.extend(_line_problems(session, lines, {b.id for b in usable_banks(session, contest.owner_unit)}))
    if problems:
        raise ValidationError("\n".join(problems))
    if round_ is None:
        # Two tabs (or a double click) saving a new round together: the contest's row lock makes the second wait for
        # the first and read the number it took (the rounds loaded with the contest may be stale by then).
        session.execute(select(Contest.id).where(Contest.id == contest.id).with_for_update())
        number = (session.scalar(select(func.max(Round.number)).where(Round.contest_id == contest.id)) or 0) + 1
        round_ = Round(contest=contest, number=number)
        session.add(round_)
    round_.title = title
    round_.opens_at = settings.opens_at
    round_.closes_at = settings.closes_at
    round_.time_limit_minutes = settings.time_limit_minutes
    if not locked:
        round_.blueprint = [
            BlueprintItem(bank_id=l.bank_id, topic_id=l.topic_id, difficulty=l.difficulty, question_count=l.count) for l in lines
        ]
    session.flush()
    return round_


def delete_round(session: Session, round_: Round) -> None:
    if has_attempts(session, round_):
        raise ValidationError("Vòng thi đã có người làm bài nên không thể xóa.")
    session.delete(round_)
    session.flush()


def round_settings(round_: Round) -> RoundSettings:
    return RoundSettings(
        title=round_.title, opens_at=round_.opens_at, closes_at=round_.closes_at, time_limit_minutes=round_.time_limit_minutes,
        blueprint=[BlueprintLine(i.bank_id, i.topic_id, i.difficulty, i.question_count) for i in round_.blueprint],
    )


def _copy_title(source_title: str, number: int) -> str:
    """The proposed name of round `number`: the source's with its closing number replaced ("Tuần 1" → "Tuần 2"),
    or "Vòng N" for a name without one."""
    found = re.fullmatch(r"(.*\D)\d+", source_title)
    return f"{found.group(1)}{number}" if found else f"Vòng {number}"


def round_copy(contest: Contest, source: Round) -> RoundSettings:
    """What a copy of `source` proposes: its blueprint and time limit, its name with the next number ("Tuần 2"
    after "Tuần 1"; "Vòng N" for a name without a number), and its dates
    moved by whole weeks so that the copy opens when the contest's latest round closes, or after (the next week
    for a weekly round that is the latest; two weeks for a two-week one, so rounds never overlap). The organiser
    confirms or edits them before anything is saved."""
    latest_close = max(r.closes_at for r in contest.rounds)
    weeks = max(1, math.ceil((latest_close - source.opens_at) / timedelta(weeks=1)))
    shift = timedelta(weeks=weeks)
    number = max(r.number for r in contest.rounds) + 1
    return RoundSettings(
        title=_copy_title(source.title, number),
        opens_at=source.opens_at + shift,
        closes_at=source.closes_at + shift,
        time_limit_minutes=source.time_limit_minutes,
        blueprint=[BlueprintLine(i.bank_id, i.topic_id, i.difficulty, i.question_count) for i in source.blueprint],
    )


def default_copy_shift(contest: Contest) -> int:
    """Days a contest copy moves its rounds by unless the organiser says otherwise: whole weeks, so that the copy's
    first round opens after the source's last round closes (one week for a contest without rounds)."""
    if not contest.rounds:
        return 7
    span = max(r.closes_at for r in contest.rounds) - min(r.opens_at for r in contest.rounds)
    return 7 * max(1, math.ceil(span / timedelta(weeks=1)))


# Contest columns a copy does not take from its source: its identity, its state and its history.
_NOT_COPIED = {"id", "owner_unit_id", "title", "status", "created_by_id", "created_at", "updated_at"}


def copy_contest(session: Session, source: Contest, title: str, shift_days: int, created_by: User | None = None) -> Contest:
    """A new draft contest with the settings, eligible units, unit prizes (tiers and blocs) and rounds (blueprints
    included) of `source`, every time moved by `shift_days`; no attempts, overrides, disqualifications, winners,
    certificates or resolved predictions."""
    problems = []
    title = normalize_text(title or "")
    if not title:
        problems.append("Vui lòng nhập tên cuộc thi mới.")
    if not -MAX_COPY_SHIFT_DAYS <= shift_days <= MAX_COPY_SHIFT_DAYS:
        problems.append(f"Số ngày dời lịch phải từ -{MAX_COPY_SHIFT_DAYS} đến {MAX_COPY_SHIFT_DAYS}.")
    if created_by is not None and not organizes(created_by, source.owner_unit):
        problems.append("Bạn không tổ chức cuộc thi của đơn vị này.")
    if problems:
        raise ValidationError("\n".join(problems))
    shift = timedelta(days=shift_days)
    copy = Contest(
        owner_unit=source.owner_unit, title=title, status=ContestStatus.draft.value,
        created_by_id=created_by.id if created_by else None, eligible_units=list(source.eligible_units),
        **{c.key: getattr(source, c.key) for c in Contest.__table__.columns if c.key not in _NOT_COPIED},
    )
    if copy.leaderboard_freeze_at is not None:
        copy.leaderboard_freeze_at += shift
    copy.rounds = [
        Round(
            number=r.number, title=r.title, opens_at=r.opens_at + shift, closes_at=r.closes_at + shift,
            time_limit_minutes=r.time_limit_minutes,
            blueprint=[BlueprintItem(bank_id=i.bank_id, topic_id=i.topic_id, difficulty=i.difficulty, question_count=i.question_count)
                       for i in r.blueprint],
        )
        for r in source.rounds
    ]
    session.add(copy)
    session.flush()
    _copy_unit_prizes(session, source, copy)
    copy_banner(session, source, copy)
    return copy


def _copy_unit_prizes(session: Session, source: Contest, copy: Contest) -> None:
    for tier in session.scalars(select(UnitPrizeTier).where(UnitPrizeTier.contest_id == source.id)):
        session.add(UnitPrizeTier(contest_id=copy.id, min_size=tier.min_size, max_size=tier.max_size, min_rate_tenths=tier.min_rate_tenths))
    blocs = session.scalars(select(UnitPrizeBloc).where(UnitPrizeBloc.contest_id == source.id).options(selectinload(UnitPrizeBloc.units)))
    for bloc in blocs:
        session.add(UnitPrizeBloc(contest_id=copy.id, position=bloc.position, name=bloc.name, kinds=bloc.kinds, units=list(bloc.units),
                                  first_prizes=bloc.first_prizes, second_prizes=bloc.second_prizes, third_prizes=bloc.third_prizes))
    session.flush()


def blueprint_cells(session: Session, round_: Round) -> list[Cell]:
    """The round's blueprint as draw cells: the active question ids of each line."""
    return [Cell(tuple(session.scalars(_candidates_query(item))), item.question_count) for item in round_.blueprint]


def participant_counts(session: Session, contests: list[Contest]) -> dict[int, int]:
    """People who started at least one attempt, by contest id."""
    if not contests:
        return {}
    return dict(session.execute(
        select(Round.contest_id, func.count(func.distinct(Attempt.user_id)))
        .join(Attempt, Attempt.round_id == Round.id)
        .where(Round.contest_id.in_([c.id for c in contests]))
        .group_by(Round.contest_id)
    ).all())


def attempt_counts(session: Session, contest: Contest) -> dict[int, int]:
    """Attempts started, by round id of the contest."""
    if not contest.rounds:
        return {}
    return dict(session.execute(
        select(Attempt.round_id, func.count()).where(Attempt.round_id.in_([r.id for r in contest.rounds])).group_by(Attempt.round_id)
    ).all())

