"""Account recovery: one-time password-reset links and the e-mail that carries one.

A link holds a token signed with the application's secret key (itsdangerous), carrying the account id, an
expiry time and a fingerprint of the account's current password hash and session version. No table is
needed: setting the new password changes the hash, so the link works once; ending the account's sessions
(log out, lock, a correction by an admin) changes the version, so older links die with the sessions.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import make_msgid

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, update
from sqlalchemy.orm import Session

from contest.errors import ValidationError
from contest.models import User
from contest.passwords import hash_password, password_problems
from contest.services.users import FieldErrors, find_by_identifier
from contest.timeutil import format_local

_SALT = "password-reset-link"
USED_OR_SUPERSEDED = (
    "Liên kết đặt lại mật khẩu này không còn hiệu lực: liên kết đã được dùng, hoặc mật khẩu, phiên đăng nhập hay "
    "thông tin tài khoản đã thay đổi sau khi liên kết được tạo. Hãy yêu cầu liên kết mới."
)


class InvalidResetLink(ValidationError):
    """The link cannot be used: forged or garbled, expired, or already used / superseded."""


def _fingerprint(user: User) -> str:
    material = f"{user.id}|{user.password_hash}|{user.session_version or 0}|{int(bool(user.active))}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def issue_token(secret_key: str, user: User, now: datetime, lifetime: timedelta) -> tuple[str, datetime]:
    """A token for `user`'s reset link and the moment it stops working."""
    if not user.active:
        raise ValidationError(f"Tài khoản {user.full_name} đang bị khóa; hãy mở khóa trước khi cấp liên kết đặt lại mật khẩu.")
    expires = now + lifetime
    # A list rather than a dict keeps the link short enough to paste into a message.
    token = _serializer(secret_key).dumps([user.id, int(expires.timestamp()), _fingerprint(user)])
    return token, expires


def user_for_token(session: Session, secret_key: str, token: str, now: datetime) -> User:
    """The account a still-valid token names; InvalidResetLink saying why otherwise."""
    try:
        user_id, expires, fingerprint = _serializer(secret_key).loads(token or "")
        user_id, expires, fingerprint = int(user_id), int(expires), str(fingerprint)
    except (BadSignature, TypeError, ValueError, OverflowError):
        raise InvalidResetLink("Liên kết đặt lại mật khẩu không đúng (có thể bị chép thiếu). Hãy kiểm tra lại hoặc yêu cầu liên kết mới.") from None
    expiry = datetime.fromtimestamp(expires, tz=timezone.utc)
    if now >= expiry:
        raise InvalidResetLink(f"Liên kết đặt lại mật khẩu đã hết hạn lúc {format_local(expiry)}. Hãy yêu cầu liên kết mới.")
    user = session.get(User, user_id)
    if user is None or not user.active or not hmac.compare_digest(_fingerprint(user), fingerprint):
        raise InvalidResetLink(USED_OR_SUPERSEDED)
    return user


def new_password_problems(user: User, password: str, confirm: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if weak := password_problems(password, full_name=user.full_name, phone=user.phone, cccd=user.cccd, email=user.email):
        problems["password"] = weak
    if password != confirm:
        problems["confirm"] = ["Mật khẩu nhập lại không khớp."]
    return problems


def reset_with_token(session: Session, secret_key: str, token: str, password: str, confirm: str, now: datetime) -> User:
    """Set the new password of the token's account (the policy applies) and end every session of it.

    The token stops working at once: its fingerprint no longer matches the changed hash. Two submits of one link
    racing (two tabs, a double click) both pass the check above while the password is hashed; the update is made
    only if the account still holds the hash and session version the check saw, so one of them sets a password.
    """
    user = user_for_token(session, secret_key, token, now)
    problems = new_password_problems(user, password, confirm)
    if problems:
        raise FieldErrors(problems)
    seen_hash, seen_version = user.password_hash, user.session_version or 0
    changed = session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == seen_hash, func.coalesce(User.session_version, 0) == seen_version)
        .values(password_hash=hash_password(password), session_version=seen_version + 1)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise InvalidResetLink(USED_OR_SUPERSEDED)
    session.expire(user, ["password_hash", "session_version"])
    return user


def recipient(session: Session, identifier: str) -> User | None:
    """The account a "forgotten password" request may e-mail: it exists, is active and has an e-mail address."""
    user = find_by_identifier(session, identifier)
    if user is None or not user.active or not user.email:
        return None
    return user


def reset_email(user: User, link: str, expires: datetime, sender: str) -> EmailMessage:
    """The e-mail that carries a reset link (plain text: it reads the same in every mail client)."""
    message = EmailMessage()
    message["Subject"] = "Đặt lại mật khẩu — Thi tìm hiểu cải cách hành chính"
    message["From"] = sender
    message["To"] = user.email
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].rstrip(">") or None)
    message.set_content(
        f"Xin chào {user.full_name},\n\n"
        "Có người (có thể là bạn) vừa yêu cầu đặt lại mật khẩu tài khoản thi tìm hiểu cải cách hành chính "
        f"của bạn (số điện thoại {user.phone}).\n\n"
        f"Để đặt mật khẩu mới, hãy mở liên kết sau (dùng được một lần, đến {format_local(expires)}):\n\n{link}\n\n"
        "Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu của bạn không thay đổi.\n"
    )
    return message
