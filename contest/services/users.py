"""Accounts: registration, identification, authentication and administration."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from contest.errors import FieldErrors, ValidationError
from contest.models import ParticipantGroup, Role, Unit, UnitKind, User
from contest.services.units import subtree_filter, with_parent
from contest.passwords import hash_password, password_problems, verify_nothing, verify_password
from question_bank.text import ascii_digits, fold, normalize_text

CCCD_PATTERN = re.compile(r"^[0-9]{12}$")
# Vietnamese mobile numbers since 2018: 10 digits, 03x/05x/07x/08x/09x.
MOBILE_PATTERN = re.compile(r"^0[35789][0-9]{8}$")
# A phone or CCCD number as typed (spaces, dots, +84 included), before it is normalised to its column.
MAX_TYPED_NUMBER = 20
MIN_FULL_NAME = 2
MAX_RESIDENCE = User.residence_text.type.length
# The units a citizen may name as their place of residence.
RESIDENCE_KINDS = (UnitKind.commune.value,)


def normalize_phone(raw: str) -> str | None:
    """'+84 912 345 678', '84912345678', '0912.345.678' -> '0912345678'; None if not a VN mobile."""
    digits = re.sub(r"[\s.\-()]", "", ascii_digits(raw or ""))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if MOBILE_PATTERN.match(digits) else None


def normalize_cccd(raw: str) -> str | None:
    digits = re.sub(r"\s", "", ascii_digits(raw or ""))
    return digits if CCCD_PATTERN.match(digits) else None


def normalize_email(raw: str | None) -> str | None:
    """A syntactically valid e-mail address in lower case; None when empty; ValidationError when wrong."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(f"Địa chỉ email “{raw}” không hợp lệ.") from None


def checked_phone(raw: str | None, add: Callable[[str, str], None]) -> str | None:
    """The mobile number normalised; None, with its problem given to `add` under "phone", when it is not one."""
    phone = normalize_phone(raw or "")
    if phone is None:
        add("phone", "Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).")
    return phone


def checked_email(raw: str | None, add: Callable[[str, str], None]) -> str | None:
    """The e-mail address normalised (None when empty); None, with its problem given to `add` under "email", when
    it is not one."""
    try:
        return normalize_email(raw)
    except ValidationError as error:
        add("email", str(error))
        return None


def check_password_strength(password: str, **account: str | None) -> None:
    problems = password_problems(password, **account)
    if problems:
        raise ValidationError(" ".join(problems))


@dataclass
class Registration:
    full_name: str
    cccd: str
    phone: str
    password: str
    unit_id: int
    email: str | None = None
    position: str | None = None
    participant_group: str = ParticipantGroup.civil_servant.value
    residence_unit_id: int = 0
    residence_text: str | None = None


@dataclass(frozen=True)
class Placement:
    """Where a person sits in the tree by group: a civil servant's unit, or a citizen's residence (normalised)."""

    group: ParticipantGroup
    unit: Unit | None = None
    residence_unit: Unit | None = None
    residence_text: str | None = None


def placement_problems(
    session: Session, group: str, unit: Unit | None, residence_unit_id: int, residence_text: str | None,
    unit_message: str = "Vui lòng chọn đơn vị công tác.",
) -> tuple[dict[str, list[str]], Placement | None]:
    """(problems by field, the placement): a civil servant needs a unit (`unit`, already looked up and allowed by
    the caller); a citizen a commune/ward of the tree or, outside it, its name written out, not both."""
    try:
        chosen = ParticipantGroup(group)
    except ValueError:
        return {"participant_group": ["Vui lòng chọn đối tượng dự thi."]}, None
    if chosen == ParticipantGroup.civil_servant:
        if unit is None:
            return {"unit_id": [unit_message]}, None
        return {}, Placement(chosen, unit=unit)
    text = normalize_text(residence_text or "")
    residence = session.get(Unit, residence_unit_id) if residence_unit_id else None
    if residence_unit_id and (residence is None or residence.kind not in RESIDENCE_KINDS):
        return {"residence_unit_id": ["Nơi cư trú phải là một xã, phường hoặc thị trấn trong danh sách."]}, None
    if residence is not None and text:
        return {"residence_text": ["Đã chọn xã/phường trong danh sách thì không ghi thêm nơi cư trú khác."]}, None
    if residence is None and len(text) < MIN_FULL_NAME:
        return {"residence_unit_id": ["Vui lòng chọn xã/phường nơi cư trú, hoặc ghi nơi cư trú nếu không có trong danh sách."]}, None
    if len(text) > MAX_RESIDENCE:
        return {"residence_text": [f"Nơi cư trú tối đa {MAX_RESIDENCE} ký tự."]}, None
    return {}, Placement(chosen, residence_unit=residence, residence_text=text or None)


def apply_placement(user: User, placement: Placement) -> None:
    user.participant_group = placement.group.value
    user.unit = placement.unit
    user.residence_unit = placement.residence_unit
    user.residence_text = placement.residence_text


def identity_conflicts(
    session: Session, *, cccd: str | None, phone: str | None, email: str | None, except_user: User | None = None
) -> list[tuple[str, str]]:
    """(field, message) for each identifier already taken (by an account other than `except_user`); each one
    checked whatever the others are."""
    conflicts = []
    other = User.id != except_user.id if except_user is not None else True
    if cccd and session.scalar(select(User.id).where(User.cccd == cccd, other)):
        conflicts.append(("cccd", "Số CCCD này đã được đăng ký. Nếu đó là bạn, hãy đăng nhập hoặc liên hệ ban tổ chức."))
    if phone and session.scalar(select(User.id).where(User.phone == phone, other)):
        conflicts.append(("phone", "Số điện thoại này đã được đăng ký."))
    if email and session.scalar(select(User.id).where(User.email == email, other)):
        conflicts.append(("email", "Email này đã được đăng ký."))
    return conflicts


def registration_problems(session: Session, data: Registration) -> dict[str, list[str]]:
    """Every problem of a registration, by field: formats, the unit, the password, identifiers already taken.

    Each check runs whatever the others find, so one submit shows them all.
    """
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if len(normalize_text(data.full_name)) < MIN_FULL_NAME:
        add("full_name", "Vui lòng nhập họ và tên.")
    unit = session.get(Unit, data.unit_id) if data.unit_id else None
    placed, _ = placement_problems(session, data.participant_group, unit, data.residence_unit_id, data.residence_text)
    for field, messages in placed.items():
        for message in messages:
            add(field, message)
    # A civil servant always gives a CCCD; a citizen may leave it out (a contest decides whether it admits them
    # without one: services/contests.admission_refusal), but a number typed must be one.
    cccd = normalize_cccd(data.cccd)
    optional = data.participant_group == ParticipantGroup.citizen.value and not (data.cccd or "").strip()
    if cccd is None and not optional:
        add("cccd", "Số CCCD phải gồm đúng 12 chữ số.")
    phone = checked_phone(data.phone, add)
    email = checked_email(data.email, add)
    for message in password_problems(data.password, full_name=data.full_name, phone=phone,
                                     cccd=cccd, email=email):
        add("password", message)
    for field, message in identity_conflicts(session, cccd=cccd, phone=phone, email=email):
        add(field, message)
    return problems


def register_participant(session: Session, data: Registration) -> User:
    """Create a participant account after checking every field; raise FieldErrors with all problems."""
    problems = registration_problems(session, data)
    if problems:
        raise FieldErrors(problems)
    unit = session.get(Unit, data.unit_id) if data.unit_id else None
    _, placement = placement_problems(session, data.participant_group, unit, data.residence_unit_id, data.residence_text)
    full_name = normalize_text(data.full_name)
    user = User(
        full_name=full_name,
        search_name=fold(full_name),
        cccd=normalize_cccd(data.cccd),
        phone=normalize_phone(data.phone),
        email=normalize_email(data.email),
        position=normalize_text(data.position or "") or None,
        role=Role.participant.value,
        password_hash=hash_password(data.password),
    )
    apply_placement(user, placement)
    session.add(user)
    session.flush()
    return user


def create_user(
    session: Session,
    *,
    full_name: str,
    phone: str,
    password: str,
    role: Role | str,
    unit: Unit | None = None,
    cccd: str | None = None,
    email: str | None = None,
    position: str | None = None,
    participant_group: ParticipantGroup | str = ParticipantGroup.civil_servant,
    residence_unit: Unit | None = None,
    residence_text: str | None = None,
) -> User:
    """Create an account of any role (CLI, demo data, admin); a citizen (a participant) lives in `residence_unit`
    or, outside the tree, `residence_text`, and works in no unit."""
    normalized_phone = normalize_phone(phone)
    if normalized_phone is None:
        raise ValidationError(f"Số điện thoại “{phone}” không hợp lệ.")
    normalized_cccd = None
    if cccd:
        normalized_cccd = normalize_cccd(cccd)
        if normalized_cccd is None:
            raise ValidationError("Số CCCD phải gồm đúng 12 chữ số.")
    normalized_email = normalize_email(email)
    check_password_strength(password, full_name=full_name, phone=normalized_phone, cccd=normalized_cccd, email=normalized_email)
    conflicts = identity_conflicts(session, cccd=normalized_cccd, phone=normalized_phone, email=normalized_email)
    if conflicts:
        raise ValidationError("\n".join(message for _, message in conflicts))
    role = Role(role)
    if role in (Role.organizer, Role.unit_manager) and unit is None:
        raise ValidationError("Ban tổ chức và quản lý đơn vị phải thuộc một đơn vị.")
    group = ParticipantGroup(participant_group)
    if group == ParticipantGroup.citizen and (role != Role.participant or unit is not None or (residence_unit is None) == (not residence_text)):
        raise ValidationError("Người dân là người dự thi không thuộc đơn vị công tác nào, cư trú ở một xã/phường hoặc một nơi ghi rõ.")
    user = User(
        full_name=normalize_text(full_name),
        search_name=fold(full_name),
        phone=normalized_phone,
        cccd=normalized_cccd,
        email=normalized_email,
        unit=unit,
        position=position,
        role=role.value,
        password_hash=hash_password(password),
        participant_group=group.value,
        residence_unit=residence_unit,
        residence_text=residence_text,
    )
    session.add(user)
    session.flush()
    return user


def find_by_identifier(session: Session, identifier: str) -> User | None:
    """Find an account by phone, CCCD or e-mail, whichever the identifier looks like."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        # As stored (normalize_email): an address typed decomposed (NFD) or in capitals is the same address.
        try:
            email = normalize_email(identifier)
        except ValidationError:
            return None  # not an address: no account has it
        return session.scalar(select(User).where(User.email == email))
    cccd = normalize_cccd(identifier)
    if cccd:
        return session.scalar(select(User).where(User.cccd == cccd))
    phone = normalize_phone(identifier)
    if phone:
        return session.scalar(select(User).where(User.phone == phone))
    return None


def authenticate(session: Session, identifier: str, password: str) -> User | None:
    """The account matching identifier and password, or None.

    An identifier naming no account costs one hash verification too, so the
    time of the answer does not tell which accounts exist.
    """
    user = find_by_identifier(session, identifier)
    if user is None:
        verify_nothing(password)
        return None
    return user if verify_password(user.password_hash, password) else None


def login_key(session: Session, identifier: str) -> str:
    """The key under which failed logins naming `identifier` are counted.

    Every spelling of one account (+84…, spaces, dots, its CCCD or e-mail)
    resolves to the account itself; an identifier naming no account counts
    under its normalised form.
    """
    user = find_by_identifier(session, identifier)
    if user is not None:
        return f"user:{user.id}"
    text = (identifier or "").strip()
    normalized = normalize_phone(text) or normalize_cccd(text) or ("".join(fold(text).split()))
    return f"unknown:{normalized[:100]}"


def password_change_problems(user: User, current: str, new: str) -> dict[str, list[str]]:
    """A wrong current password and every rule the new one breaks, by field, checked together."""
    problems = {}
    if not verify_password(user.password_hash, current):
        problems["current"] = ["Mật khẩu hiện tại không đúng."]
    if weak := password_problems(new, full_name=user.full_name, phone=user.phone, cccd=user.cccd, email=user.email):
        problems["new"] = weak
    elif new == current and "current" not in problems:
        problems["new"] = ["Mật khẩu mới phải khác mật khẩu hiện tại."]
    return problems


def change_password(user: User, current: str, new: str) -> None:
    problems = password_change_problems(user, current, new)
    if problems:
        raise FieldErrors(problems)
    user.password_hash = hash_password(new)
    user.end_sessions()


# Words of a temporary password: easy to read out over the phone, four of them ~ 2**24 choices, with two digits ~ 2**31.
_RESET_WORDS = (
    "ao", "ba", "bac", "ban", "bang", "bao", "bay", "ben", "bien", "binh", "bo", "bong", "buom", "ca", "cam", "cau",
    "cay", "chim", "cho", "chu", "co", "com", "con", "cua", "da", "dam", "dao", "den", "dep", "doi", "dong", "dua",
    "em", "ga", "ghe", "gio", "hat", "hoa", "hong", "ke", "keo", "la", "lua", "mai", "may", "me", "mia", "moc",
    "mua", "nam", "nang", "nuoc", "nui", "oi", "que", "rau", "sach", "sao", "sen", "son", "suoi", "tim", "trang", "xanh",
)


def temporary_password() -> str:
    """A random password an admin can read out ("sen-nui-gio-que-47"); it passes the password policy."""
    while True:
        candidate = "-".join(secrets.choice(_RESET_WORDS) for _ in range(4)) + f"-{secrets.randbelow(90) + 10}"
        if not password_problems(candidate):
            return candidate


def reset_password(session: Session, actor: User, user: User) -> str:
    """Give `user` a new random password (returned, to be passed on once) and end all of its sessions."""
    if user.id == actor.id:
        raise ValidationError("Hãy đổi mật khẩu của chính bạn ở trang Tài khoản.")
    return set_temporary_password(session, user)


def set_temporary_password(session: Session, user: User) -> str:
    """A new random password for `user` (returned, shown once); every session of the account ends."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.end_sessions()
    session.flush()
    return password


def set_role(session: Session, actor: User, user: User, role: Role | str) -> None:
    role = Role(role)
    if user.role == role.value:
        raise ValidationError(f"{user.full_name} đã có vai trò “{role.label}”; không có gì thay đổi.")
    if user.id == actor.id and role != Role.admin:
        raise ValidationError("Bạn không thể tự bỏ quyền quản trị của chính mình.")
    if role in (Role.organizer, Role.unit_manager) and user.unit_id is None:
        raise ValidationError("Tài khoản chưa thuộc đơn vị nào nên không thể làm ban tổ chức hoặc quản lý đơn vị.")
    user.role = role.value
    session.flush()


def set_active(session: Session, actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise ValidationError("Bạn không thể tự khóa tài khoản của chính mình.")
    user.active = active
    if not active:
        user.end_sessions()
    session.flush()


def search_users(
    session: Session, *, query: str = "", role: str | None = None, unit: Unit | None = None
):
    """A select() of users matching a name (accent-insensitive), phone, CCCD or e-mail fragment."""
    statement = select(User).options(with_parent(User.unit), with_parent(User.residence_unit)).order_by(User.full_name, User.id)
    text = (query or "").strip()
    if text:
        like = f"%{fold(text)}%"
        statement = statement.where(
            or_(
                User.search_name.like(like),
                User.phone.like(f"%{text}%"),
                User.cccd.like(f"%{text}%"),
                func.lower(User.email).like(f"%{text.lower()}%"),
            )
        )
    if role:
        statement = statement.where(User.role == role)
    if unit is not None:
        # A citizen belongs where they live (User.home_unit).
        statement = statement.join(Unit, func.coalesce(User.unit_id, User.residence_unit_id) == Unit.id).where(subtree_filter(unit))
    return statement
