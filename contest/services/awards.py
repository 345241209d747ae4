"""Confirmed winners, certificates and their verification codes, and the public winners' lists."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from contest.errors import ValidationError
from contest.models import Attempt, Certificate, Contest, Disqualification, ParticipantGroup, PrizeAward, Round, User, WinnersPublication
from contest.models.attempts import FINISHED
from question_bank.text import normalize_text

# No 0/O, 1/I/L: a code read aloud or typed from paper is not mistaken. 16 characters of 31: about 79 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16
PRIZE_MAX = 120
PARTICIPATION = "Chứng nhận tham gia"


class NotEligibleError(ValidationError):
    """The person has no certificate of this kind to take."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _round_filter(query, column, round_: Round | None):
    return query.where(column.is_(None) if round_ is None else column == round_.id)


def is_disqualified(session: Session, contest: Contest, user: User) -> bool:
    return bool(session.scalar(select(exists().where(Disqualification.contest_id == contest.id, Disqualification.user_id == user.id))))


def has_finished(session: Session, contest: Contest, user: User, round_: Round | None = None) -> bool:
    """A submitted or expired (not abandoned) attempt of `user` in the contest (or in `round_`)."""
    query = select(Attempt.id).join(Round, Round.id == Attempt.round_id).where(
        Round.contest_id == contest.id, Attempt.user_id == user.id, Attempt.status.in_(FINISHED))
    if round_ is not None:
        query = query.where(Attempt.round_id == round_.id)
    return session.scalar(query.limit(1)) is not None


def may_have_participation(session: Session, contest: Contest, user: User) -> bool:
    return has_finished(session, contest, user) and not is_disqualified(session, contest, user)


def _not_disqualified(contest_id, user_id):
    return ~exists().where(Disqualification.contest_id == contest_id, Disqualification.user_id == user_id)


def awards(session: Session, contest: Contest, round_: Round | None, group: ParticipantGroup | None = None) -> list[PrizeAward]:
    """The confirmed winners of a round (or of the whole contest: round None), of `group` if given, in the order they
    were confirmed; someone disqualified after the confirmation is left out (and is back if reinstated)."""
    query = select(PrizeAward).options(selectinload(PrizeAward.user).selectinload(User.unit)).where(
        PrizeAward.contest_id == contest.id, _not_disqualified(PrizeAward.contest_id, PrizeAward.user_id))
    if group is not None:
        query = query.where(PrizeAward.user_id.in_(select(User.id).where(User.participant_group == ParticipantGroup(group).value)))
    return list(session.scalars(_round_filter(query, PrizeAward.round_id, round_).order_by(PrizeAward.created_at, PrizeAward.id)))


def awards_of(session: Session, contest: Contest, user: User) -> list[PrizeAward]:
    """The person's confirmed prizes in the contest (none while they are disqualified)."""
    return list(session.scalars(select(PrizeAward).options(selectinload(PrizeAward.round))
                                .where(PrizeAward.contest_id == contest.id, PrizeAward.user_id == user.id,
                                       _not_disqualified(PrizeAward.contest_id, PrizeAward.user_id)).order_by(PrizeAward.id)))


def confirm_prize(session: Session, contest: Contest, round_: Round | None, user: User, prize: str, by: User | None) -> PrizeAward:
    """Record that `user` won `prize` in the round (or the contest): they finished an attempt there and are not disqualified."""
    prize = normalize_text(prize)
    if not 2 <= len(prize) <= PRIZE_MAX:
        raise ValidationError(f"Vui lòng ghi tên giải (từ 2 đến {PRIZE_MAX} ký tự), ví dụ “Giải Nhất”.")
    if not has_finished(session, contest, user, round_):
        raise ValidationError(f"{user.full_name} không có bài thi đã nộp trong {'vòng này' if round_ else 'cuộc thi này'}.")
    if is_disqualified(session, contest, user):
        raise ValidationError(f"{user.full_name} đã bị loại khỏi xếp hạng cuộc thi này.")
    if session.scalar(_round_filter(select(PrizeAward.id).where(PrizeAward.contest_id == contest.id, PrizeAward.user_id == user.id),
                                    PrizeAward.round_id, round_)):
        raise ValidationError(f"{user.full_name} đã được xác nhận giải ở {'vòng này' if round_ else 'cuộc thi này'}; hủy xác nhận trước khi đổi giải.")
    award = PrizeAward(contest=contest, round=round_, user=user, prize=prize, confirmed_by=by)
    session.add(award)
    session.flush()
    return award


def withdraw_prize(session: Session, award: PrizeAward) -> None:
    """Undo a confirmation; its certificate stops verifying (deleted with it)."""
    session.delete(award)
    session.flush()


def is_published(session: Session, contest: Contest, round_: Round | None) -> bool:
    query = select(WinnersPublication.id).where(WinnersPublication.contest_id == contest.id)
    return session.scalar(_round_filter(query, WinnersPublication.round_id, round_)) is not None


def set_published(session: Session, contest: Contest, round_: Round | None, published: bool, by: User | None) -> None:
    query = select(WinnersPublication).where(WinnersPublication.contest_id == contest.id)
    current = session.scalar(_round_filter(query, WinnersPublication.round_id, round_))
    if published and current is None:
        session.add(WinnersPublication(contest_id=contest.id, round_id=round_.id if round_ else None, published_by_id=by.id if by else None))
    elif not published and current is not None:
        session.delete(current)
    session.flush()


def published_lists(session: Session, contest: Contest) -> list[Round | None]:
    """The winners' lists of the contest that are public: None for the contest's own, rounds in order."""
    round_ids = set(session.scalars(select(WinnersPublication.round_id).where(WinnersPublication.contest_id == contest.id)))
    return ([None] if None in round_ids else []) + [r for r in contest.rounds if r.id in round_ids]


def _certificate(session: Session, contest: Contest, user: User, award: PrizeAward | None, now: datetime) -> Certificate:
    query = select(Certificate).where(Certificate.contest_id == contest.id, Certificate.user_id == user.id)
    found = session.scalar(_round_filter(query, Certificate.award_id, award) if award is None else query.where(Certificate.award_id == award.id))
    if found is not None:
        return found
    certificate = Certificate(code=new_code(), contest=contest, user=user, award=award, issued_at=now)
    session.add(certificate)
    session.flush()
    return certificate


def participation_certificate(session: Session, contest: Contest, user: User, now: datetime) -> Certificate:
    """The person's participation certificate (issued on first request, the same code afterwards)."""
    if not may_have_participation(session, contest, user):
        raise NotEligibleError("Giấy chứng nhận tham gia chỉ dành cho người đã nộp bài thi của cuộc thi này.")
    return _certificate(session, contest, user, None, now)


def prize_certificate(session: Session, award: PrizeAward, now: datetime) -> Certificate:
    return _certificate(session, award.contest, award.user, award, now)


@dataclass(frozen=True)
class Verification:
    """What the public verification page says about a certificate."""

    code: str
    full_name: str
    unit_name: str
    contest_title: str
    round_title: str | None
    title: str  # the prize, or "Chứng nhận tham gia"
    issued_at: datetime


def verify(session: Session, code: str) -> Verification | None:
    """The certificate with this code (spaces, dashes and case ignored); None for none, or for one of a person
    disqualified from the contest since."""
    code = "".join(code.split()).upper().replace("-", "")
    if len(code) != CODE_LENGTH:
        return None
    certificate = session.scalar(select(Certificate).options(selectinload(Certificate.user).selectinload(User.unit),
                                                             selectinload(Certificate.award).selectinload(PrizeAward.round))
                                 .where(Certificate.code == code, _not_disqualified(Certificate.contest_id, Certificate.user_id)))
    if certificate is None:
        return None
    award = certificate.award
    user = certificate.user
    return Verification(
        code=certificate.code, full_name=user.full_name, unit_name=user.place_name,
        contest_title=certificate.contest.title, round_title=award.round.title if award and award.round else None,
        title=award.prize if award else PARTICIPATION, issued_at=certificate.issued_at,
    )


def format_code(code: str) -> str:
    """The code in groups of four, as printed."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
