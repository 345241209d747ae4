"""The unit tree: province → department/district → office/commune."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base
from contest.timeutil import UTCDateTime, utcnow
from question_bank.labels import LabelledEnum


class UnitKind(LabelledEnum):
    province = "province", "Tỉnh"
    department = "department", "Sở/Ban/Ngành"
    district = "district", "Huyện/Thị xã/Thành phố"
    office = "office", "Phòng/Đơn vị"
    commune = "commune", "Xã/Phường/Thị trấn"


UNIT_NAME_SEPARATOR = " — "


def unit_label(name: str, depth: int, parent_name: str | None) -> str:
    """How a unit is named wherever it is shown: "Văn phòng Sở — Sở Tài chính".

    The parent tells apart units of the same name (every department has a "Văn phòng Sở"). A unit
    right under the top of the tree (a department, a district) is named alone: every unit shares
    the province, so naming it would only lengthen the label.
    """
    return f"{name}{UNIT_NAME_SEPARATOR}{parent_name}" if depth >= 2 and parent_name else name


def path_ids(path: str) -> list[int]:
    """The ids on a unit's path ("/1/5/23/"), from the top unit down to the unit itself."""
    return [int(part) for part in path.strip("/").split("/") if part]


def path_upper_bound(path: str) -> str:
    return path[:-1] + "0"


class Unit(Base):
    """A unit of the tree.

    `path` holds the ids from the root down to this unit (`/1/4/17/`), so a
    subtree is one indexed prefix match instead of a walk of the tree.
    """

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("headcount >= 0", name="headcount_not_negative"),
        CheckConstraint(
            "kind IN ('province', 'department', 'district', 'office', 'commune')", name="kind_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    # Byte-order collation on PostgreSQL so that the subtree range query can use the index.
    path: Mapped[str] = mapped_column(
        String(1024).with_variant(String(1024, collation="C"), "postgresql"), index=True, default=""
    )
    depth: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a staff list was imported for this unit (possibly empty): the unit then counts its list, not its headcount.
    staff_list_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")

    @property
    def kind_label(self) -> str:
        return UnitKind(self.kind).label

    @property
    def display_name(self) -> str:
        """The name with the parent's (see unit_label); load many units with `units.with_parent` to read
        their parents without a query per unit."""
        return unit_label(self.name, self.depth, self.parent.name if self.depth >= 2 and self.parent else None)

    @property
    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)

    @property
    def subtree_upper_bound(self) -> str:
        """Every descendant's path P satisfies self.path <= P < this bound ('/' sorts just before '0')."""
        return path_upper_bound(self.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class StaffMember(Base):
    """A person on a unit's imported staff list, matched to accounts by CCCD, then phone."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(255))
    cccd: Mapped[str | None] = mapped_column(String(12), unique=True)
    phone: Mapped[str | None] = mapped_column(String(15), index=True)
    position: Mapped[str | None] = mapped_column(String(255))

    unit: Mapped[Unit] = relationship()
