"""The period report ("Báo cáo định kỳ", DESIGN.md "Groups and periods"): for a unit's subtree and a period, across
every contest with attempts finished in it, per unit: headcount, distinct participants, rate, attempts, average
best score in % of the maximum, the share of the headcount at or above the pass mark, the target and the gap to
it, and the change since the previous period.

One query rolls the figures up the tree for a period (and one more for the previous period); Python only
arranges the rows. Counting follows participation_by_unit: an attempt counts for the unit it was taken in, a
person once, in the unit of their latest attempt finished in the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from contest.config import DISPLAY_TIMEZONE
from contest.formats import MISSING, document_date, format_decimal, format_number
from contest.models import Attempt, Contest, ParticipantGroup, Round, Unit
from contest.models.attempts import FINISHED
from contest.models.units import unit_label
from contest.services.periods import Period
from contest.services.sessions import read_concurrently
from contest.services.statistics import DEFAULT_THRESHOLD, citizens_by_unit, group_members, latest_unit, roll_up
from contest.services.units import tree_order
from question_bank.xlsx import Column, Progress, TitleCell, write_table

LOCAL_TZ = ZoneInfo(DISPLAY_TIMEZONE)


@dataclass(frozen=True)
class ReportSettings:
    """The percentages a report is measured against (the form's, or the platform's REPORT_* defaults)."""

    pass_mark: float = 80.0  # a person "nắm vững" from this best score, in % of the maximum
    target: float = 100.0  # the share of the headcount that should reach the pass mark
    threshold: float = DEFAULT_THRESHOLD  # a unit whose participation rate is below this is marked


@dataclass
class PeriodFigures:
    """One unit's figures for one period (its subtree summed)."""

    base: int = 0
    participants: int = 0
    attempts: int = 0
    pairs: int = 0  # (person, contest) pairs: what the average is taken over
    best_sum: float = 0.0  # their best percentages summed
    passed: int = 0  # people whose best percentage in some contest reached the pass mark
    citizens: int = 0  # citizens who took part, living in the unit's subtree: in none of the figures above

    @property
    def rate(self) -> float | None:
        """Participants in % of the base, unrounded; None when the base is 0."""
        return 100 * self.participants / self.base if self.base else None

    @property
    def average(self) -> float | None:
        """The mean of each person's best score in each contest, in % of that contest's maximum."""
        return self.best_sum / self.pairs if self.pairs else None

    @property
    def passed_share(self) -> float | None:
        return 100 * self.passed / self.base if self.base else None


@dataclass
class PeriodRow:
    unit_id: int
    code: str
    name: str
    display_name: str
    depth: int  # below the report's unit
    base_source: str
    current: PeriodFigures
    previous: PeriodFigures
    settings: ReportSettings

    @property
    def gap(self) -> float | None:
        """Percentage points the pass share still lacks of the target (0 once reached); None without a base."""
        share = self.current.passed_share
        return max(0.0, self.settings.target - share) if share is not None else None

    @property
    def rate_change(self) -> float | None:
        """The participation rate's change since the previous period, in percentage points."""
        now, before = self.current.rate, self.previous.rate
        return now - before if now is not None and before is not None else None

    @property
    def below_threshold(self) -> bool:
        return self.current.rate is not None and self.current.rate < self.settings.threshold


@dataclass
class ContestLine:
    contest_id: int
    title: str
    participants: int
    attempts: int


@dataclass
class PeriodReport:
    unit: Unit
    period: Period
    previous: Period
    settings: ReportSettings
    rows: list[PeriodRow]
    contests: list[ContestLine] = field(default_factory=list)

    @property
    def total(self) -> PeriodRow | None:
        return self.rows[0] if self.rows else None

    @property
    def has_citizens(self) -> bool:
        """Citizens took part in the subtree: the page and the workbook add their column."""
        return bool(self.rows) and self.rows[0].current.citizens > 0


@dataclass(frozen=True)
class PeriodScope:
    """A period as a scope of statistics.non_participants: the attempts that count as taking part in it."""

    period: Period

    @property
    def counts(self):
        start, end = self.period.utc_bounds(LOCAL_TZ)
        return and_(Attempt.status.in_(FINISHED), Attempt.finished_at >= start, Attempt.finished_at < end, Attempt.max_score > 0)


def _figures(session: Session, root: Unit, period: Period, pass_mark: float) -> dict[int, tuple[object, PeriodFigures]]:
    """{unit id: (the unit's row, its figures)} for every unit of `root`'s subtree: one query.

    As in participation_by_unit, the figures against the headcount are the civil servants'; citizens are counted
    apart, in their commune of residence."""
    taking_part = PeriodScope(period).counts
    in_period = and_(taking_part, Attempt.user_id.in_(group_members(ParticipantGroup.civil_servant)))
    percent = 100.0 * Attempt.score / Attempt.max_score
    pairs = (
        select(Attempt.user_id, Round.contest_id, func.max(percent).label("best"))
        .join(Round, Round.id == Attempt.round_id)
        .where(taking_part)  # everyone's: the civil servants are picked out per person below, not per attempt
        .group_by(Attempt.user_id, Round.contest_id)
        # In person order: PostgreSQL then groups the people below in one streaming pass over the index on attempts
        # (user_id, …) instead of hashing every (person, contest) pair (550,000 in a year; BENCHMARKS.md).
        .order_by(Attempt.user_id, Round.contest_id)
        .subquery()
    )
    people = (
        select(pairs.c.user_id, func.count().label("pairs"), func.sum(pairs.c.best).label("best_sum"), func.max(pairs.c.best).label("top"))
        .group_by(pairs.c.user_id)
        .subquery()
    )
    placed = (
        select(people, latest_unit(people.c.user_id, taking_part).label("unit_id"))
        .where(people.c.user_id.in_(group_members(ParticipantGroup.civil_servant)))
        .subquery()
    )
    own_people = (
        select(placed.c.unit_id, func.count().label("participants"), func.sum(placed.c.pairs).label("pairs"),
               func.sum(placed.c.best_sum).label("best_sum"), func.sum(case((placed.c.top >= pass_mark, 1))).label("passed"))
        .group_by(placed.c.unit_id)
        .subquery()
    )
    own_attempts = select(Attempt.unit_id, func.count().label("attempts")).where(in_period).group_by(Attempt.unit_id).subquery()
    query = roll_up(root, own_people, own_attempts).add_columns(
        func.sum(own_people.c.participants).label("participants"),
        func.sum(own_people.c.pairs).label("pairs"),
        func.sum(own_people.c.best_sum).label("best_sum"),
        func.sum(own_people.c.passed).label("passed"),
        func.sum(own_attempts.c.attempts).label("attempts"),
    )
    citizens = citizens_by_unit(session, root, taking_part)
    figures = {}
    for r in session.execute(query):
        base = int(r.staff or 0) if r.has_staff_lists else int(r.headcount or 0)
        figures[r.id] = (r, PeriodFigures(
            base=base, participants=int(r.participants or 0), attempts=int(r.attempts or 0), pairs=int(r.pairs or 0),
            best_sum=float(r.best_sum or 0), passed=int(r.passed or 0), citizens=citizens.get(r.id, 0),
        ))
    return figures


def _contests(session: Session, root: Unit, period: Period) -> list[ContestLine]:
    """The contests the report covers: those with attempts finished in the period by the subtree's people."""
    start, end = period.utc_bounds(LOCAL_TZ)
    query = (
        select(Contest.id, Contest.title, func.count(func.distinct(Attempt.user_id)), func.count(Attempt.id))
        .join(Round, Round.contest_id == Contest.id)
        .join(Attempt, Attempt.round_id == Round.id)
        .join(Unit, Unit.id == Attempt.unit_id)
        .where(Attempt.status.in_(FINISHED), Attempt.finished_at >= start, Attempt.finished_at < end,
               Unit.path >= root.path, Unit.path < root.subtree_upper_bound)
        .group_by(Contest.id, Contest.title)
        .order_by(Contest.title, Contest.id)
    )
    return [ContestLine(*row) for row in session.execute(query)]


def period_report(session: Session, root: Unit, period: Period, settings: ReportSettings = ReportSettings()) -> PeriodReport:
    """The report of `root`'s subtree for `period`, compared with the period before; rows in tree order."""
    previous = period.previous()
    # The jobs below read the root's attributes from other threads: load them here, so none is lazily loaded there.
    root.path, root.depth  # noqa: B018
    current, before, contests = read_concurrently(
        session,
        lambda s: _figures(s, root, period, settings.pass_mark),
        lambda s: _figures(s, root, previous, settings.pass_mark),
        lambda s: _contests(s, root, period),
    )
    rows = []
    for unit_id in tree_order((row.id, row.parent_id, row.code) for row, _ in current.values()):
        row, figures = current[unit_id]
        rows.append(PeriodRow(
            unit_id=row.id, code=row.code, name=row.name, display_name=unit_label(row.name, row.depth, row.parent_name),
            depth=row.depth - root.depth, base_source="Danh sách cán bộ" if row.has_staff_lists else "Số CBCCVC",
            current=figures, previous=before[row.id][1], settings=settings,
        ))
    return PeriodReport(root, period, previous, settings, rows, contests)


def report_date(now: datetime) -> date:
    """The Vietnamese calendar day a report is made on."""
    return now.astimezone(LOCAL_TZ).date()


# ---------------------------------------------------------------- the document: heading, Excel


@dataclass(frozen=True)
class ReportHeading:
    """The lines of a Vietnamese administrative report (Nghị định 30/2020/NĐ-CP), shared by the printable page and
    the workbook: the issuing unit (with its parent above it) and the number on the left, the national motto and
    the place and date on the right, the title, then the signatures."""

    parent: str
    unit: str
    number: str
    place_and_date: str
    title: str
    subtitle: str

    NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    MOTTO = "Độc lập - Tự do - Hạnh phúc"
    SIGNERS = ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ")
    SIGN_HINT = "(Ký, ghi rõ họ tên)"
    HEAD_SIGN_HINT = "(Ký, ghi rõ họ tên, đóng dấu)"


def heading(report: PeriodReport, made_on: date, place: str) -> ReportHeading:
    unit = report.unit
    return ReportHeading(
        parent=unit.parent.name.upper() if unit.parent else "",
        unit=unit.name.upper(),
        number=f"Số:       /BC-{unit.code}",
        place_and_date=f"{place or '…………'}, {document_date(made_on)}",
        title="BÁO CÁO",
        subtitle=f"Kết quả tham gia các cuộc thi tìm hiểu cải cách hành chính {report.period.phrase}",
    )


COUNT = "#,##0"
PERCENT = "0.0%"
CHANGE = "+0.0%;-0.0%;0.0%"

PERIOD_COLUMNS = [
    Column("code", "Mã đơn vị", width=14),
    Column("unit", "Đơn vị", width=46),
    Column("base", "Số CBCCVC", width=11, number_format=COUNT),
    Column("participants", "Số người tham gia", width=12, number_format=COUNT),
    Column("rate", "Tỷ lệ tham gia", width=11, number_format=PERCENT),
    Column("attempts", "Số lượt thi", width=11, number_format=COUNT),
    Column("average", "Điểm trung bình (% điểm tối đa)", width=14, number_format=PERCENT),
    Column("passed", "Số người nắm vững", width=12, number_format=COUNT),
    Column("share", "Tỷ lệ nắm vững", width=11, number_format=PERCENT),
    Column("target", "Chỉ tiêu", width=10, number_format=PERCENT),
    Column("gap", "Còn thiếu so với chỉ tiêu", width=13, number_format=PERCENT),
    Column("previous", "Tỷ lệ tham gia kỳ trước", width=12, number_format=PERCENT),
    Column("change", "Tăng/giảm so với kỳ trước", width=12, number_format=CHANGE),
    Column("below", "Dưới ngưỡng", width=10),
]
CITIZENS_COLUMN = Column("citizens", "Người dân tham gia", width=12, number_format=COUNT)


def period_columns(report: PeriodReport) -> list[Column]:
    return [*PERIOD_COLUMNS, CITIZENS_COLUMN] if report.has_citizens else PERIOD_COLUMNS


def _ratio(percent: float | None) -> float | str:
    """A percentage as the fraction a "0.0%" cell shows; "—" where there is none (no base)."""
    return percent / 100 if percent is not None else MISSING


def period_rows(report: PeriodReport):
    for row in report.rows:
        now = row.current
        yield [
            row.code, "    " * row.depth + row.display_name, now.base, now.participants, _ratio(now.rate), now.attempts,
            _ratio(now.average), now.passed, _ratio(now.passed_share), report.settings.target / 100, _ratio(row.gap),
            _ratio(row.previous.rate), _ratio(row.rate_change), "Có" if row.below_threshold else "",
            *([now.citizens] if report.has_citizens else []),
        ]


def report_notes(report: PeriodReport) -> list[str]:
    """What the figures mean, under the title of both the page and the workbook."""
    settings = report.settings
    contests = "; ".join(f"{c.title} ({format_number(c.attempts)} lượt)" for c in report.contests) or "không có bài thi nào hoàn thành"
    return [
        f"Kỳ báo cáo: {report.period.label}; so sánh với kỳ trước: {report.previous.label}.",
        f"Các cuộc thi: {contests}.",
        f"Nắm vững: điểm cao nhất đạt từ {format_decimal(settings.pass_mark, 1, fixed=False)}% điểm tối đa; "
        f"chỉ tiêu {format_decimal(settings.target, 1, fixed=False)}% số CBCCVC; "
        f"ngưỡng tỷ lệ tham gia {format_decimal(settings.threshold, 1, fixed=False)}%.",
        *(["Tỷ lệ chỉ tính cán bộ, công chức, viên chức; người dân tham gia được đếm riêng theo xã/phường nơi cư trú."]
          if report.has_citizens else []),
    ]


def export_period_report(
    report: PeriodReport, made_on: date, place: str, target: BinaryIO | None = None, *, progress: Progress | None = None
):
    """The report as a workbook in the same form as the printable page: heading, table, signatures."""
    head = heading(report, made_on, place)
    right = 8
    title = [
        [TitleCell(head.parent, 1, span=3), TitleCell(head.NATION, right, span=6, bold=True)],
        [TitleCell(head.unit, 1, span=3, bold=True), TitleCell(head.MOTTO, right, span=6, bold=True)],
        [TitleCell(head.number, 1, span=3), TitleCell(head.place_and_date, right, span=6, italic=True)],
        [],
        [TitleCell(head.title, 1, span=len(PERIOD_COLUMNS), bold=True, size=14)],
        [TitleCell(head.subtitle, 1, span=len(PERIOD_COLUMNS), bold=True)],
        *([TitleCell(note, 1)] for note in report_notes(report)),
    ]
    footer = [
        [TitleCell(head.SIGNERS[0], 1, span=3, bold=True), TitleCell(head.SIGNERS[1], right, span=6, bold=True)],
        [TitleCell(head.SIGN_HINT, 1, span=3, italic=True), TitleCell(head.HEAD_SIGN_HINT, right, span=6, italic=True)],
    ]
    return write_table(period_columns(report), period_rows(report), title, "Báo cáo", target, footer=footer, progress=progress)
