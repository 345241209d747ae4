"""Prize verification: a shortlist by the ranking rule, flags that deserve a look, disqualification."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session, aliased

from contest import cache
from contest.errors import ValidationError
from contest.formats import format_number
from contest.models import Attempt, Contest, Disqualification, ParticipantGroup, StaffMember, User
from contest.services import ranking
from contest.services.attempts import FINISHED, AttemptPolicy
from contest.services.ranking import Standing
from contest.services.statistics import Scope
from question_bank.text import normalize_text

DEFAULT_MIN_SECONDS = 60
DEFAULT_SHARED_IP = 5


@dataclass
class Candidate:
    standing: Standing
    flags: list[str] = field(default_factory=list)


def shortlist(
    session: Session, scope: Scope, now: datetime, policy: AttemptPolicy, top: int,
    min_seconds: int = DEFAULT_MIN_SECONDS, shared_ip: int = DEFAULT_SHARED_IP, group: ParticipantGroup | None = None,
) -> list[Candidate]:
    """The first `top` people by the ranking rule (disqualified people excluded), of `group` if given, each with its flags."""
    board = ranking.leaderboard(session, scope.contest, scope.round, now, policy, frozen=False, limit=top, group=group)
    candidates = [Candidate(s) for s in board.standings]
    user_ids = [c.standing.user_id for c in candidates]
    if not user_ids:
        return candidates
    flags: dict[int, list[str]] = defaultdict(list)
    finished = and_(Attempt.round_id.in_(scope.round_ids), Attempt.status.in_(FINISHED))

    for c in candidates:
        per_round = c.standing.time_used_ms / max(c.standing.rounds, 1) / 1000
        if per_round < min_seconds:
            flags[c.standing.user_id].append(f"Làm bài quá nhanh: {format_number(round(per_round))} giây mỗi vòng (ngưỡng {format_number(min_seconds)} giây)")

    # Many accounts playing from one address.
    sharing = (
        select(Attempt.client_ip, func.count(distinct(Attempt.user_id)).label("accounts"))
        .where(finished, Attempt.client_ip.is_not(None))
        .group_by(Attempt.client_ip)
        .having(func.count(distinct(Attempt.user_id)) >= shared_ip)
        .subquery()
    )
    for user_id, ip, accounts in session.execute(
        select(Attempt.user_id, sharing.c.client_ip, sharing.c.accounts)
        .join(sharing, sharing.c.client_ip == Attempt.client_ip)
        .where(finished, Attempt.user_id.in_(user_ids))
        .distinct()
    ):
        flags[user_id].append(f"{accounts} tài khoản dự thi từ cùng địa chỉ IP {ip}")

    # Two accounts for one person: same name in the same unit, both playing.
    other = aliased(User)
    for user_id, other_name in session.execute(
        select(User.id, other.full_name)
        .join(other, and_(other.search_name == User.search_name, other.unit_id == User.unit_id, other.id != User.id))
        .where(User.id.in_(user_ids), other.id.in_(select(Attempt.user_id).where(finished)))
    ):
        flags[user_id].append(f"Trùng họ tên và đơn vị với một tài khoản khác cũng dự thi ({other_name})")

    # A staff list puts this account's CCCD and another account's phone (or the reverse) on one person.
    by_cccd, by_phone = aliased(User), aliased(User)
    for cccd_user, phone_user in session.execute(
        select(by_cccd.id, by_phone.id)
        .select_from(StaffMember)
        .join(by_cccd, by_cccd.cccd == StaffMember.cccd)
        .join(by_phone, by_phone.phone == StaffMember.phone)
        .where(by_cccd.id != by_phone.id)
    ):
        for user_id in (cccd_user, phone_user):
            if user_id in user_ids:
                flags[user_id].append("Số CCCD và số điện thoại của cùng một người (theo danh sách cán bộ) ở hai tài khoản khác nhau")
    for c in candidates:
        c.flags = flags.get(c.standing.user_id, [])
    return candidates


def disqualifications(session: Session, contest: Contest) -> list[Disqualification]:
    return list(session.scalars(select(Disqualification).where(Disqualification.contest_id == contest.id).order_by(Disqualification.created_at)))


def disqualify(session: Session, contest: Contest, user: User, reason: str, decided_by: User | None) -> Disqualification:
    reason = normalize_text(reason)
    if len(reason) < 5:
        raise ValidationError("Vui lòng ghi rõ lý do loại khỏi xếp hạng.")
    if session.scalar(select(Disqualification.id).where(Disqualification.contest_id == contest.id, Disqualification.user_id == user.id)):
        raise ValidationError(f"{user.full_name} đã bị loại khỏi xếp hạng cuộc thi này.")
    entry = Disqualification(contest=contest, user=user, reason=reason, decided_by=decided_by)
    session.add(entry)
    session.flush()
    cache.clear_leaderboards(session, contest.id)
    return entry


def reinstate(session: Session, contest: Contest, user: User) -> None:
    entry = session.scalar(select(Disqualification).where(Disqualification.contest_id == contest.id, Disqualification.user_id == user.id))
    if entry is None:
        raise ValidationError(f"{user.full_name} không bị loại khỏi xếp hạng.")
    session.delete(entry)
    session.flush()
    cache.clear_leaderboards(session, contest.id)
