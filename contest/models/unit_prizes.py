"""Unit prizes (giải tập thể) of a contest: eligibility tiers by unit size, and the blocs units compete in."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base
from contest.models.contests import Contest
from contest.models.units import Unit

RATE_SCALE = 10  # rates are stored in tenths of a percent: 30% is 300, 25,5% is 255

unit_prize_bloc_units = Table(
    "unit_prize_bloc_units",
    Base.metadata,
    Column("bloc_id", ForeignKey("unit_prize_blocs.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class UnitPrizeTier(Base):
    """A size band: a unit whose size is in [min_size, max_size] (max_size NULL: no upper bound) is eligible when
    its participation rate reaches min_rate_tenths / 10 percent."""

    __tablename__ = "unit_prize_tiers"
    __table_args__ = (
        CheckConstraint("min_size >= 0", name="min_size_not_negative"),
        CheckConstraint("max_size IS NULL OR max_size >= min_size", name="max_size_from_min"),
        CheckConstraint("min_rate_tenths BETWEEN 0 AND 1000", name="min_rate_percent"),
        UniqueConstraint("contest_id", "min_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    min_size: Mapped[int] = mapped_column(Integer)
    max_size: Mapped[int | None] = mapped_column(Integer)
    min_rate_tenths: Mapped[int] = mapped_column(Integer)

    contest: Mapped[Contest] = relationship()

    def contains(self, size: int) -> bool:
        return self.min_size <= size and (self.max_size is None or size <= self.max_size)


class UnitPrizeBloc(Base):
    """A bloc of units ranked against each other: every unit of the contest's tree of one of `kinds` (comma-separated
    UnitKind values), and the units listed (each with its subtree's figures), with the prizes it gives."""

    __tablename__ = "unit_prize_blocs"
    __table_args__ = (
        UniqueConstraint("contest_id", "position"),
        CheckConstraint("first_prizes >= 0 AND second_prizes >= 0 AND third_prizes >= 0", name="prizes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    kinds: Mapped[str] = mapped_column(String(120), default="")
    first_prizes: Mapped[int] = mapped_column(Integer, default=0)
    second_prizes: Mapped[int] = mapped_column(Integer, default=0)
    third_prizes: Mapped[int] = mapped_column(Integer, default=0)

    contest: Mapped[Contest] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary=unit_prize_bloc_units, order_by="Unit.code")

    @property
    def kind_list(self) -> list[str]:
        return [kind for kind in self.kinds.split(",") if kind]
