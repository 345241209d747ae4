"""The Excel reports: results and ranking, participation by unit, who has not taken part, question
statistics, winners. A unit is written as its display name (with the parent's), its code and its parent.

All are written by the one streaming writer (question_bank.xlsx.write_table)
with a title block, a bold frozen header, autofilter, widths and number formats.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import chain, islice
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from contest.models import ParticipantGroup, StaffMember, Unit, UnitKind, User
from contest.models.units import unit_label
from contest.services import ranking, statistics
from contest.services.attempts import AttemptPolicy
from contest.services.statistics import Scope
from contest.formats import format_decimal, format_number
from contest.timeutil import format_local, to_local
from question_bank.model import LABELS
from question_bank.xlsx import Column, Progress, write_table

UNIT_COLUMNS = [
    Column("unit_code", "Mã đơn vị", width=16),
    Column("unit", "Đơn vị", width=40),
    Column("unit_parent", "Đơn vị cấp trên", width=32),
]

PERCENT = "0.0%"
SCORE = "0"
DECIMAL = "0.00"
DURATION = "[h]:mm:ss"
LOCAL_DATETIME = "dd/mm/yyyy hh:mm"
MS_PER_DAY = 86_400_000

# A person's columns, the same in every export that lists them: the name, and a ranked person's rank, score and timing.
RANK_COLUMN = Column("rank", "Hạng", width=8, number_format=SCORE)
NAME_COLUMN = Column("name", "Họ và tên", width=28)
SCORE_COLUMN = Column("score", "Điểm", width=9, number_format=SCORE)
TIMING_COLUMNS = [
    Column("time", "Thời gian làm bài", width=18, number_format=DURATION),
    Column("finished", "Thời điểm nộp", width=20, number_format=LOCAL_DATETIME),
]


def _title(kind: str, scope: Scope, unit: Unit | None, now: datetime) -> list[str]:
    return [
        kind,
        f"Cuộc thi: {scope.contest.title}",
        f"Phạm vi: {scope.label}" + (f" — đơn vị: {unit.display_name} ({unit.code})" if unit else ""),
        f"Thời điểm xuất: {format_local(now)} (giờ Việt Nam)",
    ]


def _local_naive(value: datetime) -> datetime:
    """Excel has no time zones: write the Vietnamese wall-clock time."""
    return to_local(value).replace(tzinfo=None)


def _duration(ms: int | None) -> float | None:
    return ms / MS_PER_DAY if ms is not None else None


GROUP_COLUMN = Column("group", "Đối tượng", width=28)


def _standings(session: Session, scope: Scope, now: datetime, policy: AttemptPolicy, limit: int | None) -> Iterator[ranking.Standing]:
    """The ranking of the scope, streamed from the database; for a contest that ranks its groups apart, each group's
    in turn (`limit` per group)."""
    groups = scope.contest.groups if scope.contest.ranks_by_group else [None]
    for group in groups:
        yield from ranking.leaderboard(session, scope.contest, scope.round, now, policy, frozen=False, limit=limit, group=group,
                                       stream=True).standings


def _with_users(session: Session, standings: Iterator[ranking.Standing]) -> Iterator[tuple[ranking.Standing, User]]:
    """Each standing with its account, looked up ranking.STREAM_BATCH people at a time."""
    while batch := list(islice(standings, ranking.STREAM_BATCH)):
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([s.user_id for s in batch])))}
        yield from ((s, users[s.user_id]) for s in batch)


def _group_columns(scope: Scope, columns: list[Column]) -> list[Column]:
    """`columns` after a group column when the contest ranks its groups apart (the rank is then within the group)."""
    return [GROUP_COLUMN, *columns] if scope.contest.ranks_by_group else columns


def _group_cells(scope: Scope, standing: ranking.Standing) -> list[str]:
    return [ParticipantGroup(standing.group).label] if scope.contest.ranks_by_group else []


RESULT_COLUMNS = [
    RANK_COLUMN,
    NAME_COLUMN,
    *UNIT_COLUMNS,
    SCORE_COLUMN,
    Column("max", "Điểm tối đa", width=12, number_format=SCORE),
    Column("prediction", "Dự đoán", width=10, number_format="0.##"),
    Column("error", "Sai lệch dự đoán", width=16, number_format="0.##"),
    *TIMING_COLUMNS,
]


def export_results(
    session: Session, scope: Scope, now: datetime, policy: AttemptPolicy, target: BinaryIO | None = None, *, progress: Progress | None = None
):
    standings = _standings(session, scope, now, policy, limit=None)
    rows = (
        [*_group_cells(scope, s), s.rank, s.full_name, s.unit_code, s.unit_name, s.unit_parent, s.score, s.max_score, s.prediction,
         s.prediction_error, _duration(s.time_used_ms), _local_naive(s.finished_at)]
        for s in standings
    )
    return write_table(_group_columns(scope, RESULT_COLUMNS), rows, _title("KẾT QUẢ VÀ XẾP HẠNG", scope, None, now), "Kết quả", target, progress=progress)


WINNER_COLUMNS = [
    RANK_COLUMN,
    NAME_COLUMN,
    Column("position", "Chức vụ", width=24),
    *UNIT_COLUMNS,
    Column("phone", "Số điện thoại", width=14),
    Column("email", "Email", width=28),
    SCORE_COLUMN,
    *TIMING_COLUMNS,
]


def export_winners(
    session: Session, scope: Scope, now: datetime, policy: AttemptPolicy, top: int, target: BinaryIO | None = None, *, progress: Progress | None = None
):
    """The first `top` people by the ranking rule (of each group, for a contest that ranks them apart), with what an
    organiser needs to reach them."""
    rows = (
        [*_group_cells(scope, s), s.rank, s.full_name, user.position, s.unit_code, s.unit_name, s.unit_parent,
         user.phone, user.email, s.score, _duration(s.time_used_ms), _local_naive(s.finished_at)]
        for s, user in _with_users(session, _standings(session, scope, now, policy, limit=top))
    )
    return write_table(_group_columns(scope, WINNER_COLUMNS), rows, _title(f"DANH SÁCH {top} NGƯỜI ĐẠT GIẢI CAO NHẤT", scope, None, now), "Đạt giải", target, progress=progress)


PARTICIPATION_COLUMNS = [
    Column("code", "Mã đơn vị", width=16),
    Column("name", "Tên đơn vị", width=48),
    Column("parent", "Đơn vị cấp trên", width=32),
    Column("kind", "Loại", width=22),
    Column("base", "Số người phải tham gia", width=14, number_format=SCORE),
    Column("source", "Căn cứ", width=18),
    Column("participants", "Số người tham gia", width=14, number_format=SCORE),
    Column("rate", "Tỷ lệ tham gia", width=12, number_format=PERCENT),
    Column("attempts", "Số lượt thi", width=12, number_format=SCORE),
    Column("average", "Điểm trung bình", width=12, number_format=DECIMAL),
    Column("best", "Điểm cao nhất", width=12, number_format=SCORE),
    Column("full", "Số bài điểm tối đa", width=14, number_format=SCORE),
    Column("below", "Dưới ngưỡng", width=12),
]


CITIZENS_COLUMN = Column("citizens", "Người dân tham gia", width=14, number_format=SCORE)


def participation_rows(units: list[statistics.UnitParticipation], citizens: bool = False) -> Iterator[list[object]]:
    """The rows under PARTICIPATION_COLUMNS, then (`citizens`) the citizens counted in each unit, under CITIZENS_COLUMN."""
    for u in units:
        yield [
            u.code, "    " * u.depth + u.display_name, u.parent_name, UnitKind(u.kind).label, u.base, u.base_source, u.participants,
            u.ratio if u.ratio is not None else "—", u.attempts, u.average, u.best, u.full_scores,
            "Có" if u.below_threshold else "", *([u.citizens] if citizens else []),
        ]


def export_participation(
    session: Session, scope: Scope, unit: Unit, threshold: float, now: datetime, target: BinaryIO | None = None, *, progress: Progress | None = None
):
    units = statistics.participation_by_unit(session, scope, unit, threshold)
    citizens = scope.contest.admits(ParticipantGroup.citizen)
    title = _title("BÁO CÁO KẾT QUẢ THAM GIA THEO ĐƠN VỊ", scope, unit, now) + [f"Ngưỡng tỷ lệ tham gia: {format_decimal(threshold, 2, fixed=False)}%"]
    if citizens:
        title.append("Tỷ lệ tham gia chỉ tính cán bộ, công chức, viên chức; người dân được đếm riêng theo xã/phường nơi cư trú.")
    columns = [*PARTICIPATION_COLUMNS, CITIZENS_COLUMN] if citizens else PARTICIPATION_COLUMNS
    return write_table(columns, participation_rows(units, citizens), title, "Tham gia", target, progress=progress)


NON_PARTICIPANT_COLUMNS = [
    NAME_COLUMN,
    Column("position", "Chức vụ", width=24),
    *UNIT_COLUMNS,
    Column("phone", "Số điện thoại", width=14),
    Column("source", "Nguồn", width=30),
]


def _unit_cells(unit: Unit) -> list[str]:
    return [unit.code, unit.display_name, unit.parent.name if unit.parent else ""]


def export_non_participants(
    session: Session, scope: Scope, unit: Unit, now: datetime, target: BinaryIO | None = None, *, progress: Progress | None = None
):
    """Who in `unit`'s subtree has not taken part: the staff lists' people, then the accounts without a finished attempt.

    Streamed as plain rows (a province's staff lists hold tens of thousands of people), so the two counts come
    after the table, as its last line, once the rows are written."""
    parent = aliased(Unit)
    counts = {"people": 0, "accounts": 0}

    def listed(query, person, source: str, count: str):
        rows = session.execute(
            query.with_only_columns(person.full_name, person.position, person.phone, Unit.code, Unit.name, Unit.depth,
                                   parent.name.label("parent_name"))
            .outerjoin(parent, parent.id == Unit.parent_id),
            execution_options={"yield_per": ranking.STREAM_BATCH},
        )
        for r in rows:
            counts[count] += 1
            yield [r.full_name, r.position or "", r.code, unit_label(r.name, r.depth, r.parent_name), r.parent_name or "",
                   r.phone or "", source]

    rows = chain(
        listed(statistics.non_participants_query(scope, unit), StaffMember, "Danh sách cán bộ", "people"),
        listed(statistics.registered_non_participants_query(scope, unit), User, "Tài khoản chưa nộp bài", "accounts"),
    )

    def totals() -> list[str]:
        return [f"Theo danh sách cán bộ: {format_number(counts['people'])} người; "
                f"tài khoản đã đăng ký nhưng chưa nộp bài: {format_number(counts['accounts'])}"]

    return write_table(NON_PARTICIPANT_COLUMNS, rows, _title("DANH SÁCH CHƯA THAM GIA", scope, unit, now), "Chưa tham gia",
                       target, footer=totals, progress=progress)


def _stat_columns() -> list[Column]:
    return [
        Column("code", "Mã câu hỏi", width=14),
        Column("topic", "Chủ đề", width=28),
        Column("text", "Câu hỏi", width=60),
        Column("key", "Đáp án", width=8),
        Column("shown", "Số lượt làm", width=12, number_format=SCORE),
        Column("facility", "Tỷ lệ đúng", width=11, number_format=PERCENT),
        Column("discrimination", "Độ phân biệt", width=12, number_format=DECIMAL),
        *[Column(f"share:{label}", f"Chọn {label}", width=9, number_format=PERCENT) for label in LABELS],
        Column("flag", "Cần kiểm tra đáp án", width=40),
    ]


def export_question_statistics(session: Session, scope: Scope, now: datetime, target: BinaryIO | None = None, *, progress: Progress | None = None):
    total, items = statistics.item_statistics(session, scope)
    rows = (
        [s.code, s.topic, s.text, ", ".join(sorted(s.key_labels)), s.shown, s.facility,
         s.discrimination if s.discrimination is not None else "—",
         *[s.share(label) if label in {c[0] for c in s.choices} else None for label in LABELS],
         s.flag or ""]
        for s in items
    )
    title = _title("THỐNG KÊ CÂU HỎI", scope, None, now) + [f"Số bài thi đã hoàn thành: {format_number(total)}"]
    return write_table(_stat_columns(), rows, title, "Câu hỏi", target, progress=progress)
