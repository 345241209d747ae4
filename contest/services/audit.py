"""The audit log: a line for every import, contest change, export, role change and disqualification."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from contest.models import AuditEntry, User
from question_bank.text import fold

ACTION_GROUPS = {
    "import": "Nhập dữ liệu",
    "export": "Xuất báo cáo",
    "contest": "Cuộc thi, vòng thi",
    "question": "Câu hỏi",
    "unit": "Đơn vị",
    "user": "Tài khoản, vai trò",
    "prize": "Xét giải",
}


def record(
    session: Session, actor: User | None, action: str, summary: str, details: dict | None = None, client_ip: str | None = None
) -> AuditEntry:
    """Add a line to the log in the caller's transaction (it is written with the change it describes)."""
    entry = AuditEntry(actor_id=actor.id if actor is not None else None, action=action, summary=summary,
                       details=details or {}, client_ip=client_ip)
    session.add(entry)
    session.flush()
    return entry


def entries(group: str | None = None, search: str = "") -> Select:
    query = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if group:
        query = query.where(AuditEntry.action.startswith(group + ".", autoescape=True))
    if search.strip():
        query = query.outerjoin(User, User.id == AuditEntry.actor_id).where(
            AuditEntry.summary.ilike(f"%{search.strip()}%") | User.search_name.like(f"%{fold(search)}%")
        )
    return query
