"""Looking after people's accounts: who may manage whom, corrections of name, unit and contact details, and
participants' requests to move to another unit.

Admins manage every account; a unit manager manages the participants of their unit's subtree. Every change
ends the person's sessions (their cookies carry the old session version) and is audited by the caller.
Attempts keep the unit they were taken in (`attempts.unit_id`), so a move changes no past result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, selectinload

from contest.errors import FieldErrors, PermissionDeniedError, ValidationError
from contest.models import Attempt, MoveStatus, ParticipantGroup, Role, Unit, UnitChangeRequest, User
from contest.services.attempts import home_unit_id
from contest.services.units import is_in_subtree, subtree_filter, with_parent
from contest.services.users import (
    RESIDENCE_KINDS,
    Placement,
    checked_email,
    checked_phone,
    identity_conflicts,
    normalize_cccd,
    placement_problems,
    search_users,
)
from question_bank.text import fold, normalize_text

MAX_REASON = 500


def manages_person(actor: User, person: User) -> bool:
    """Admins manage everyone; a unit manager, the participants whose unit (a citizen: commune of residence) lies in
    their own unit's subtree."""
    if actor.has_role(Role.admin):
        return True
    return (
        actor.has_role(Role.unit_manager)
        and actor.unit is not None
        and person.has_role(Role.participant)
        and person.home_unit is not None
        and is_in_subtree(person.home_unit, actor.unit)
    )


def manageable_units_root(actor: User) -> Unit | None:
    """The subtree an actor may put people in: everything (None) for admins, their own unit's for managers."""
    return None if actor.has_role(Role.admin) else actor.unit


def people_query(session: Session, actor: User, query: str = "") -> Select:
    """The accounts `actor` manages, matching a name (without diacritics), phone, CCCD or e-mail fragment."""
    if actor.has_role(Role.admin):
        return search_users(session, query=query)
    return search_users(session, query=query, role=Role.participant.value, unit=actor.unit)


# ---------------------------------------------------------------- corrections


@dataclass
class Correction:
    full_name: str
    phone: str
    email: str | None
    cccd: str | None
    unit_id: int
    participant_group: str = ParticipantGroup.civil_servant.value
    residence_unit_id: int = 0
    residence_text: str | None = None
    seen_version: int | None = None  # the session version the form was opened at (None: not checked)


class StaleCorrection(ValidationError):
    """The person's account changed after the correction form was opened (another tab, another manager)."""


def check_not_stale(session: Session, person: User, seen_version: int | None) -> None:
    """StaleCorrection unless the account still has the session version the form was opened at. Every correction
    and approved move bumps it (so do log out and a password change: the form is then shown again, harmlessly).
    The row is locked, so the correction that follows in this transaction cannot race another."""
    if seen_version is None:
        return
    session.refresh(person, ["session_version"], with_for_update=True)
    if (person.session_version or 0) != seen_version:
        raise StaleCorrection(
            f"Thông tin của {person.full_name} vừa thay đổi sau khi bạn mở trang này (được sửa ở nơi khác, hoặc người đó "
            "vừa đăng xuất hay đổi mật khẩu); chưa lưu gì. Trang đã hiện lại thông tin mới nhất, hãy nhập lại thay đổi của bạn."
        )


# What places a person in the tree; a correction of any settles a pending request to move.
PLACEMENT_FIELDS = {"unit_id", "participant_group", "residence_unit_id", "residence_text"}

FIELD_LABELS = {"full_name": "họ và tên", "phone": "số điện thoại", "email": "email", "cccd": "số CCCD", "unit_id": "đơn vị",
                "participant_group": "đối tượng", "residence_unit_id": "xã/phường nơi cư trú", "residence_text": "nơi cư trú"}


def _allowed_unit(session: Session, actor: User, unit_id: int) -> Unit | None:
    unit = session.get(Unit, unit_id) if unit_id else None
    root = manageable_units_root(actor)
    if unit is None or (root is not None and not is_in_subtree(unit, root)):
        return None
    return unit


def may_have_no_unit(person: User) -> bool:
    """Only admins may belong to no unit (participants, organisers and unit managers work in one)."""
    return person.has_role(Role.admin)


MAX_FULL_NAME = User.full_name.type.length


def correction_problems(session: Session, actor: User, person: User, data: Correction) -> tuple[dict[str, list[str]], dict]:
    """(every problem by field, the normalised values): the registration's formats and uniqueness, checked together."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    full_name = normalize_text(data.full_name or "")
    if len(full_name) < 2:
        add("full_name", "Vui lòng nhập họ và tên.")
    elif len(full_name) > MAX_FULL_NAME:
        add("full_name", f"Họ và tên tối đa {MAX_FULL_NAME} ký tự.")
    phone = checked_phone(data.phone, add)
    citizen = data.participant_group == ParticipantGroup.citizen.value
    cccd = None
    if (data.cccd or "").strip():
        cccd = normalize_cccd(data.cccd)
        if cccd is None:
            add("cccd", "Số CCCD phải gồm đúng 12 chữ số.")
    elif person.has_role(Role.participant) and not citizen:
        add("cccd", "Cán bộ, công chức, viên chức dự thi phải có số CCCD (12 chữ số).")
    email = checked_email(data.email, add)
    unit = _allowed_unit(session, actor, data.unit_id)
    placement = Placement(ParticipantGroup.civil_servant)  # an admin of no unit
    if citizen and not person.has_role(Role.participant):
        add("participant_group", "Chỉ người dự thi mới có thể đăng ký là người dân.")
    elif citizen and data.residence_unit_id and _allowed_unit(session, actor, data.residence_unit_id) is None:
        add("residence_unit_id", "Vui lòng chọn xã/phường nơi cư trú trong phạm vi bạn quản lý.")
    elif citizen and not data.residence_unit_id and manageable_units_root(actor) is not None:
        add("residence_unit_id", "Vui lòng chọn xã/phường nơi cư trú trong phạm vi bạn quản lý.")
    elif not (unit is None and not citizen and data.unit_id == 0 and may_have_no_unit(person)):
        placed, placement = placement_problems(session, data.participant_group, unit, data.residence_unit_id, data.residence_text,
                                               unit_message="Vui lòng chọn một đơn vị trong phạm vi bạn quản lý.")
        for field, messages in placed.items():
            for message in messages:
                add(field, message)
    for field, message in identity_conflicts(session, cccd=cccd, phone=phone, email=email, except_user=person):
        add(field, message)
    placement = placement or Placement(ParticipantGroup.civil_servant)
    return problems, {
        "full_name": full_name, "phone": phone, "email": email, "cccd": cccd,
        "participant_group": placement.group.value, "unit_id": placement.unit.id if placement.unit else None,
        "residence_unit_id": placement.residence_unit.id if placement.residence_unit else None,
        "residence_text": placement.residence_text,
    }


def _cancel_pending_moves(session: Session, person: User) -> None:
    session.execute(
        update(UnitChangeRequest)
        .where(UnitChangeRequest.user_id == person.id, UnitChangeRequest.status == MoveStatus.pending.value)
        .values(status=MoveStatus.cancelled.value)
    )


def correct_person(session: Session, actor: User, person: User, data: Correction) -> dict[str, tuple]:
    """Apply a correction; returns {field: (old, new)} of what changed. FieldErrors with every problem, or a
    ValidationError when nothing would change. The person's sessions end; a pending move request is settled."""
    if not manages_person(actor, person):
        raise PermissionDeniedError("Bạn không quản lý tài khoản này.")
    check_not_stale(session, person, data.seen_version)
    problems, values = correction_problems(session, actor, person, data)
    if problems:
        raise FieldErrors(problems)
    changes = {field: (getattr(person, field), value) for field, value in values.items() if getattr(person, field) != value}
    if not changes:
        raise ValidationError(f"Thông tin của {person.full_name} không có gì thay đổi.")
    for field, (_, value) in changes.items():
        setattr(person, field, value)
    person.search_name = fold(person.full_name)
    if changes.keys() & PLACEMENT_FIELDS:
        _cancel_pending_moves(session, person)  # the request was to leave a place the person is no longer in
    if "participant_group" in changes:
        # The group was wrong, so the attempts were never taken where it placed the person: they go to the unit the
        # corrected group places them in (a citizen's commune, a civil servant's unit). A unit alone corrected, or
        # a move, leaves them where they were taken.
        session.execute(update(Attempt).where(Attempt.user_id == person.id).values(unit_id=home_unit_id(person)))
    session.expire(person, ["unit", "residence_unit"])
    person.end_sessions()
    session.flush()
    return changes


def describe_changes(session: Session, changes: dict[str, tuple]) -> str:
    """"họ và tên: A → B; đơn vị: X → Y" for the audit log and the flash message."""
    parts = []
    for field, (old, new) in changes.items():
        if field in ("unit_id", "residence_unit_id"):
            old, new = (session.get(Unit, u).display_name if u else "—" for u in (old, new))
        elif field == "participant_group":
            old, new = (ParticipantGroup(g).label for g in (old, new))
        parts.append(f"{FIELD_LABELS[field]}: {old or '—'} → {new or '—'}")
    return "; ".join(parts)


# ---------------------------------------------------------------- requests to move unit


def pending_move(session: Session, person: User) -> UnitChangeRequest | None:
    return session.scalar(
        select(UnitChangeRequest).where(UnitChangeRequest.user_id == person.id, UnitChangeRequest.status == MoveStatus.pending.value)
    )


def moves_residence(person: User) -> bool:
    """A citizen belongs where they live: their move changes the commune of residence, not a workplace."""
    return person.is_citizen


def move_target_kinds(person: User) -> tuple[str, ...] | None:
    """The unit kinds `person` may ask to move to (None: any)."""
    return RESIDENCE_KINDS if moves_residence(person) else None


def request_move(session: Session, person: User, to_unit_id: int, reason: str) -> UnitChangeRequest:
    """A participant asks to move to another unit (a citizen: to another commune of residence); a request still
    waiting is replaced by this one."""
    if not person.has_role(Role.participant):
        raise PermissionDeniedError("Chỉ người dự thi gửi yêu cầu chuyển đơn vị; hãy liên hệ quản trị viên.")
    problems: dict[str, list[str]] = {}
    unit = session.get(Unit, to_unit_id) if to_unit_id else None
    residence = moves_residence(person)
    current = person.residence_unit_id if residence else person.unit_id
    if unit is None:
        problems["to_unit_id"] = ["Vui lòng chọn xã/phường muốn chuyển đến." if residence else "Vui lòng chọn đơn vị muốn chuyển đến."]
    elif residence and unit.kind not in RESIDENCE_KINDS:
        problems["to_unit_id"] = ["Người dân chuyển nơi cư trú đến một xã, phường hoặc thị trấn; hãy chọn lại."]
    elif unit.id == current:
        problems["to_unit_id"] = [f"Bạn đang {'cư trú tại' if residence else 'thuộc'} {unit.display_name}; hãy chọn một nơi khác."]
    reason = normalize_text(reason or "")
    if len(reason) > MAX_REASON:
        problems["reason"] = [f"Lý do tối đa {MAX_REASON} ký tự."]
    if problems:
        raise FieldErrors(problems)
    # One request at a time per person: a second tab's request waits here for the first's, then replaces it
    # (without the lock both would insert, and the one-waiting-request index would refuse the second).
    session.execute(select(User.id).where(User.id == person.id).with_for_update())
    _cancel_pending_moves(session, person)
    move = UnitChangeRequest(user=person, from_unit_id=current, to_unit=unit, reason=reason)
    session.add(move)
    session.flush()
    return move


def cancel_move(session: Session, person: User) -> None:
    if pending_move(session, person) is None:
        raise ValidationError("Bạn không có yêu cầu chuyển đơn vị nào đang chờ duyệt.")
    _cancel_pending_moves(session, person)
    session.flush()


def may_decide(actor: User, move: UnitChangeRequest) -> bool:
    """An admin, or a unit manager whose subtree holds the unit the person asks to join."""
    if actor.has_role(Role.admin):
        return True
    return actor.has_role(Role.unit_manager) and actor.unit is not None and is_in_subtree(move.to_unit, actor.unit)


def moves_to_decide(session: Session, actor: User, limit: int = 200) -> tuple[list[UnitChangeRequest], list[UnitChangeRequest]]:
    """(requests waiting, the latest decided ones) that `actor` may decide."""
    query = select(UnitChangeRequest).options(
        selectinload(UnitChangeRequest.user), with_parent(UnitChangeRequest.from_unit),
        with_parent(UnitChangeRequest.to_unit), selectinload(UnitChangeRequest.decided_by),
    )
    if not actor.has_role(Role.admin):
        query = query.join(Unit, Unit.id == UnitChangeRequest.to_unit_id).where(subtree_filter(actor.unit))
    pending = session.scalars(query.where(UnitChangeRequest.status == MoveStatus.pending.value)
                              .order_by(UnitChangeRequest.created_at, UnitChangeRequest.id)).all()
    decided = session.scalars(query.where(UnitChangeRequest.status.in_([MoveStatus.approved.value, MoveStatus.rejected.value]))
                              .order_by(UnitChangeRequest.decided_at.desc(), UnitChangeRequest.id.desc()).limit(limit)).all()
    return list(pending), list(decided)


def decide_move(session: Session, actor: User, move: UnitChangeRequest, approve: bool, note: str, now: datetime) -> None:
    """Approve (the person moves, their sessions end) or reject a waiting request."""
    if not may_decide(actor, move):
        raise PermissionDeniedError("Yêu cầu này chuyển đến một đơn vị ngoài phạm vi bạn quản lý.")
    # Read the request again, locked: another manager (or tab) may have decided it since this page loaded it.
    session.refresh(move, with_for_update=True)
    if move.status != MoveStatus.pending.value:
        raise ValidationError(f"Yêu cầu này đã được xử lý ({move.status_label.lower()}).")
    note = normalize_text(note or "")
    if len(note) > MAX_REASON:
        raise ValidationError(f"Ghi chú tối đa {MAX_REASON} ký tự.")
    person = move.user
    if approve:
        if not person.has_role(Role.participant) and not actor.has_role(Role.admin):
            raise PermissionDeniedError(f"{person.full_name} không còn là người dự thi; chỉ quản trị viên chuyển được đơn vị.")
        if moves_residence(person):
            if move.to_unit.kind not in RESIDENCE_KINDS:
                raise ValidationError(f"{person.full_name} là người dân: chỉ chuyển được nơi cư trú đến một xã, phường hoặc thị trấn.")
            person.residence_unit_id, person.residence_text = move.to_unit_id, None
            session.expire(person, ["residence_unit"])
        else:
            person.unit_id = move.to_unit_id
            session.expire(person, ["unit"])
        person.end_sessions()
    move.status = (MoveStatus.approved if approve else MoveStatus.rejected).value
    move.decided_by_id, move.decided_at, move.decision_note = actor.id, now, note
    session.flush()
