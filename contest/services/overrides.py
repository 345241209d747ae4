"""Overrides: extra minutes, extra attempts or a later close for one person or a unit, in one round or all rounds.

Rules (README, "Overrides"):
- an override names a person or a unit; a unit's override covers every person of its subtree (the unit and every
  unit below it), so a district's power cut is one line; a person is placed by User.home_unit, as eligibility is
  (a civil servant's workplace, a citizen's commune of residence);
- it applies to one round, or to every round of the contest (no round);
- overrides only extend: extra minutes and attempts are added, a later close replaces the round's close only when
  it is later; when several overrides apply to a person in a round (their own and their units', per round and for
  the whole contest), each field takes the most generous value among them;
- they are read when an attempt starts: deadline = min(start + time limit + extra minutes, the later of the round's
  close and the override's close). An attempt already running keeps the deadline it started with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from contest.errors import ValidationError
from contest.models import Contest, Override, Round, RoundState, Unit, User
from contest.models.contests import Audience
from contest.services.units import is_in_subtree
from contest.services.users import find_by_identifier
from contest.timeutil import format_local

MAX_EXTRA_MINUTES = 600
MAX_EXTRA_ATTEMPTS = 20
MAX_REASON = Override.reason.type.length


@dataclass(frozen=True)
class Allowance:
    """What the overrides of one person in one round add up to (nothing, without any)."""

    extra_minutes: int = 0
    extra_attempts: int = 0
    later_close: datetime | None = None

    def closes(self, round_: Round) -> datetime:
        """When the round closes for this person."""
        if self.later_close is not None and self.later_close > round_.closes_at:
            return self.later_close
        return round_.closes_at

    def state(self, round_: Round, now: datetime) -> RoundState:
        """The round's state for this person (open until their close)."""
        if now < round_.opens_at:
            return RoundState.upcoming
        return RoundState.open if now < self.closes(round_) else RoundState.closed

    def attempts_allowed(self, contest: Contest) -> int:
        return contest.attempts_allowed + self.extra_attempts

    @property
    def any(self) -> bool:
        return bool(self.extra_minutes or self.extra_attempts or self.later_close)


def _combine(overrides: list[Override]) -> Allowance:
    closes = [o.closes_at for o in overrides if o.closes_at is not None]
    return Allowance(
        extra_minutes=max((o.extra_minutes for o in overrides), default=0),
        extra_attempts=max((o.extra_attempts for o in overrides), default=0),
        later_close=max(closes, default=None),
    )


def _applying(session: Session, user: User, contest_id: int) -> list[Override]:
    """Every override of the contest that names the user or a unit above (or equal to) the user's home unit (a
    citizen's commune of residence): one query."""
    subjects = [Override.user_id == user.id]
    if user.home_unit is not None:
        subjects.append(Override.unit_id.in_(user.home_unit.ancestor_ids))
    return list(session.scalars(select(Override).where(Override.contest_id == contest_id, or_(*subjects))))


def allowance(session: Session, user: User, round_: Round) -> Allowance:
    """The user's overrides in `round_` combined (see the module's rules)."""
    return _combine([o for o in _applying(session, user, round_.contest_id) if o.round_id in (None, round_.id)])


def last_close(session: Session, round_: Round) -> datetime:
    """When the round has closed for everyone: its close, or the latest later close an override gives in it."""
    latest = session.scalar(
        select(func.max(Override.closes_at)).where(
            Override.contest_id == round_.contest_id, or_(Override.round_id == round_.id, Override.round_id.is_(None)))
    )
    return max(round_.closes_at, latest) if latest is not None else round_.closes_at


def allowances(session: Session, user: User, contest: Contest) -> dict[int, Allowance]:
    """The user's allowance in each round of the contest, by round id (one query)."""
    found = _applying(session, user, contest.id)
    return {r.id: _combine([o for o in found if o.round_id in (None, r.id)]) for r in contest.rounds}


# ---------------------------------------------------------------- the organiser's list


@dataclass
class OverrideSettings:
    """An override as the form gives it: a person (phone, CCCD or e-mail) or a unit, not both; round_id None = every
    round."""

    person: str
    unit_id: int | None
    round_id: int | None
    extra_minutes: int = 0
    extra_attempts: int = 0
    closes_at: datetime | None = None
    reason: str = ""


def contest_overrides(session: Session, contest: Contest) -> list[Override]:
    query = (
        select(Override)
        .where(Override.contest_id == contest.id)
        .options(selectinload(Override.user).selectinload(User.unit), selectinload(Override.unit), selectinload(Override.round))
        .order_by(Override.created_at, Override.id)
    )
    return list(session.scalars(query))


def overrides_by_user(session: Session, contest: Contest, user_ids: list[int]) -> dict[int, list[Override]]:
    """The overrides that apply to each of the people (their own and their units'), by user id: for the organiser's
    lists of participants. Two queries at most, whatever the number of people."""
    found = contest_overrides(session, contest)
    if not found or not user_ids:
        return {}
    users = session.scalars(select(User).where(User.id.in_(user_ids))
                            .options(selectinload(User.unit), selectinload(User.residence_unit)))
    result: dict[int, list[Override]] = {}
    for user in users:
        mine = [o for o in found if o.user_id == user.id or (o.unit is not None and is_in_subtree(user.home_unit, o.unit))]
        if mine:
            result[user.id] = mine
    return result


def _check(session: Session, contest: Contest, settings: OverrideSettings, current: Override | None) -> tuple[User | None, Unit | None, Round | None]:
    problems = []
    person = (settings.person or "").strip()
    user = find_by_identifier(session, person) if person else None
    unit = session.get(Unit, settings.unit_id) if settings.unit_id else None
    if person and user is None:
        problems.append(f"Không tìm thấy tài khoản có số điện thoại, CCCD hoặc email “{person}”.")
    elif bool(person) == (unit is not None):
        problems.append("Hãy chọn đúng một đối tượng: một người dự thi (số điện thoại, CCCD hoặc email) hoặc một đơn vị.")
    if user is not None and contest.audience == Audience.units and not any(is_in_subtree(user.home_unit, u) for u in contest.eligible_units):
        problems.append("Người này không thuộc đơn vị nào được tham gia cuộc thi.")
    if unit is not None and not is_in_subtree(unit, contest.owner_unit):
        problems.append("Đơn vị này không thuộc phạm vi của đơn vị tổ chức cuộc thi.")
    round_ = session.get(Round, settings.round_id) if settings.round_id else None
    if settings.round_id and (round_ is None or round_.contest_id != contest.id):
        problems.append("Vòng thi không thuộc cuộc thi này.")
    if not 0 <= settings.extra_minutes <= MAX_EXTRA_MINUTES:
        problems.append(f"Số phút thêm phải từ 0 đến {MAX_EXTRA_MINUTES}.")
    if not 0 <= settings.extra_attempts <= MAX_EXTRA_ATTEMPTS:
        problems.append(f"Số lượt thêm phải từ 0 đến {MAX_EXTRA_ATTEMPTS}.")
    if settings.closes_at is not None:
        rounds = [round_] if round_ is not None else contest.rounds
        if rounds and all(settings.closes_at <= r.closes_at for r in rounds):
            problems.append("Thời điểm kết thúc riêng phải muộn hơn thời điểm kết thúc của vòng thi"
                            + (" (của ít nhất một vòng)." if round_ is None else "."))
    if not (settings.extra_minutes or settings.extra_attempts or settings.closes_at):
        problems.append("Điều chỉnh cần ít nhất một nội dung: thêm phút, thêm lượt hoặc kết thúc muộn hơn.")
    if not problems:
        # Two tabs adding the same override at once: the contest's row lock makes the second see the first's.
        session.execute(select(Contest.id).where(Contest.id == contest.id).with_for_update())
        same = select(Override.id).where(
            Override.contest_id == contest.id,
            Override.user_id == user.id if user is not None else Override.unit_id == unit.id,
            Override.round_id == settings.round_id if round_ is not None else Override.round_id.is_(None),
        )
        if current is not None:
            same = same.where(Override.id != current.id)
        if session.scalar(same) is not None:
            problems.append("Đã có điều chỉnh cho đối tượng này ở phạm vi vòng thi này; hãy sửa điều chỉnh đó.")
    if problems:
        raise ValidationError("\n".join(problems))
    return user, unit, round_


def save_override(session: Session, contest: Contest, current: Override | None, settings: OverrideSettings,
                  by: User | None = None) -> Override:
    """Create (`current` None) or change an override of the contest; raises ValidationError with every problem."""
    user, unit, round_ = _check(session, contest, settings, current)
    override = current or Override(contest_id=contest.id, created_by_id=by.id if by else None)
    override.user, override.unit, override.round = user, unit, round_
    override.extra_minutes = settings.extra_minutes
    override.extra_attempts = settings.extra_attempts
    override.closes_at = settings.closes_at
    override.reason = (settings.reason or "").strip()[:MAX_REASON]
    session.add(override)
    session.flush()
    return override


def delete_override(session: Session, override: Override) -> None:
    session.delete(override)
    session.flush()


def describe(override: Override) -> str:
    """One line for the audit log and the lists: who, where, what."""
    who = (f"{override.user.full_name} ({override.user.phone})" if override.user is not None
           else f"đơn vị {override.unit.name} và các đơn vị trực thuộc")
    return f"{who}, {terms(override)}"


def terms(override: Override) -> str:
    """Where and what an override gives: "Tuần 1: thêm 10 phút, kết thúc lúc …"."""
    where = override.round.title if override.round is not None else "mọi vòng thi"
    what = []
    if override.extra_minutes:
        what.append(f"thêm {override.extra_minutes} phút")
    if override.extra_attempts:
        what.append(f"thêm {override.extra_attempts} lượt")
    if override.closes_at:
        what.append(f"kết thúc lúc {format_local(override.closes_at)}")
    return f"{where}: {', '.join(what)}"
