"""Unit prizes (giải tập thể, DESIGN.md "Groups and periods"): a contest's size tiers and blocs of units, their
validation, the rule text in Vietnamese, and the ranking of each bloc's units.

A unit's figures are those of `statistics.participation_by_unit` over the whole contest: its subtree rolled up,
its size being the base the rate is measured against (the staff lists where imported, else the headcounts), so the
prize list never disagrees with the participation report.

- Tiers: a unit whose size S satisfies min_size <= S <= max_size (both ends inclusive; max_size empty: no upper
  bound) is eligible when participants / S >= the tier's minimum rate, compared exactly (participants × 1000 >=
  tenths × S, no rounding: 14 of 50 is 28% and misses 30%, 15 of 50 reaches it). The tiers must cover every size
  from 0 up without gaps or overlaps. A unit of size 0 or without participants is never eligible.
- Blocs: every unit of the contest's tree whose kind is one of the bloc's kinds, plus the units listed. A unit may be
  in one bloc only (checked on save; should the tree change later so that a unit matches two, the first bloc
  takes it). Units in no bloc compete for nothing.
- Ranking within a bloc: the participation rate, descending; then the average score (each person's counted
  attempts — the contest's grading policy, by default the best — summed over rounds, in % of the contest's
  maximum), descending; then the unit code, ascending. Ranks are therefore never shared; the first bloc.first_prizes
  units get "Giải Nhất", the next "Giải Nhì", then "Giải Ba".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from contest.errors import FieldErrors
from contest.formats import format_decimal, format_number
from contest.models import Contest, Unit, UnitKind, UnitPrizeBloc, UnitPrizeTier
from contest.models.unit_prizes import RATE_SCALE
from contest.services.exports import PERCENT, SCORE, UNIT_COLUMNS
from contest.services.statistics import Scope, UnitParticipation, participation_by_unit
from contest.services.units import subtree_filter
from contest.timeutil import format_local
from question_bank.text import normalize_text
from question_bank.xlsx import Column, write_table

PRIZE_NAMES = ("Giải Nhất", "Giải Nhì", "Giải Ba")
MAX_PRIZES = 50
NAME_MAX = UnitPrizeBloc.name.type.length
ELIGIBLE = "Đạt điều kiện"


@dataclass(frozen=True)
class TierInput:
    """One line of the tiers form, as typed (None where left empty)."""

    min_size: int | None = None
    max_size: int | None = None
    min_rate: Decimal | float | int | None = None

    @property
    def blank(self) -> bool:
        return self.min_size is None and self.max_size is None and self.min_rate is None


@dataclass(frozen=True)
class BlocInput:
    """One bloc of the form: its name, the unit kinds it takes, the units it lists, its prizes."""

    name: str = ""
    kinds: list[str] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)
    first_prizes: int | None = 0
    second_prizes: int | None = 0
    third_prizes: int | None = 0

    @property
    def blank(self) -> bool:
        return not normalize_text(self.name or "") and not self.kinds and not self.unit_ids and not any(
            (self.first_prizes, self.second_prizes, self.third_prizes))


def tiers(session: Session, contest: Contest) -> list[UnitPrizeTier]:
    return list(session.scalars(select(UnitPrizeTier).where(UnitPrizeTier.contest_id == contest.id).order_by(UnitPrizeTier.min_size)))


def blocs(session: Session, contest: Contest) -> list[UnitPrizeBloc]:
    return list(session.scalars(select(UnitPrizeBloc).options(selectinload(UnitPrizeBloc.units))
                                .where(UnitPrizeBloc.contest_id == contest.id).order_by(UnitPrizeBloc.position)))


def size_label(min_size: int, max_size: int | None) -> str:
    """"dưới 50 người", "từ 50 đến 99 người", "từ 100 người trở lên", "mọi quy mô"."""
    if max_size is None:
        return f"từ {format_number(min_size)} người trở lên" if min_size else "mọi quy mô"
    if min_size == 0:
        return f"dưới {format_number(max_size + 1)} người"
    return f"từ {format_number(min_size)} đến {format_number(max_size)} người"


def rate_label(tenths: int) -> str:
    return format_decimal(tenths / RATE_SCALE, 1, fixed=False) + "%"


def _tenths(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)) * RATE_SCALE


def _members(candidates: list[tuple[int, str]], kinds: list[str] | set[str], unit_ids: list[int] | set[int]) -> list[int]:
    """The ids among (id, kind) `candidates` that a bloc of `kinds` listing `unit_ids` takes."""
    kinds, unit_ids = set(kinds), set(unit_ids)
    return [unit_id for unit_id, kind in candidates if kind in kinds or unit_id in unit_ids]


def _names(units: list[Unit]) -> str:
    shown = ", ".join(u.display_name for u in units[:3])
    return shown + (f" và {format_number(len(units) - 3)} đơn vị khác" if len(units) > 3 else "")


def _check_tiers(rows: list[TierInput], problems: dict[str, list[str]]) -> list[tuple[int, TierInput]]:
    """The tier lines (with their line index) sorted by size, every problem recorded beside its field. The bands'
    gaps and overlaps are checked whenever every line's sizes are readable, whatever their rates."""
    complete: list[tuple[int, TierInput]] = []
    for index, row in enumerate(rows):
        if row.blank:
            continue
        key = f"tiers-{index}-"
        ok = True
        if row.min_size is None:
            problems[key + "min_size"].append("Nhập quy mô nhỏ nhất của khung (số người, từ 0).")
            ok = False
        elif row.min_size < 0:
            problems[key + "min_size"].append("Quy mô không được âm.")
            ok = False
        if row.max_size is not None and row.min_size is not None and row.max_size < row.min_size:
            problems[key + "max_size"].append(f"Quy mô lớn nhất phải từ {format_number(row.min_size)} người trở lên (không nhỏ hơn ô “Từ”).")
            ok = False
        if row.min_rate is None:
            problems[key + "min_rate"].append("Nhập tỷ lệ tham gia tối thiểu (%).")
        else:
            try:
                tenths = _tenths(row.min_rate)
            except InvalidOperation:
                tenths = Decimal(-1)
            if not 0 <= tenths <= 100 * RATE_SCALE:
                problems[key + "min_rate"].append("Tỷ lệ tối thiểu phải từ 0 đến 100%.")
            elif tenths != tenths.to_integral_value():
                problems[key + "min_rate"].append("Tỷ lệ tối thiểu ghi tối đa một chữ số thập phân (ví dụ 25,5).")
        if ok:
            complete.append((index, row))
    if len(complete) != sum(1 for row in rows if not row.blank):
        return []
    complete.sort(key=lambda item: item[1].min_size)
    if complete and complete[0][1].min_size != 0:
        problems[f"tiers-{complete[0][0]}-min_size"].append("Khung nhỏ nhất phải bắt đầu từ 0 người, để đơn vị nào cũng thuộc một khung.")
    for (_, before), (index, after) in zip(complete, complete[1:]):
        if before.max_size is None or after.min_size <= before.max_size:
            problems[f"tiers-{index}-min_size"].append(
                f"Chồng lên khung {size_label(before.min_size, before.max_size)}: mỗi quy mô chỉ thuộc một khung.")
        elif after.min_size > before.max_size + 1:
            problems[f"tiers-{index}-min_size"].append(
                f"Bỏ trống quy mô từ {format_number(before.max_size + 1)} đến {format_number(after.min_size - 1)} người: "
                f"khung này phải bắt đầu từ {format_number(before.max_size + 1)}.")
    if complete and complete[-1][1].max_size is not None:
        problems[f"tiers-{complete[-1][0]}-max_size"].append(
            "Khung lớn nhất để trống ô “Đến” (không giới hạn), để đơn vị nào cũng thuộc một khung.")
    return complete


def _check_blocs(session: Session, contest: Contest, rows: list[BlocInput], problems: dict[str, list[str]]) -> list[tuple[int, BlocInput]]:
    complete: list[tuple[int, BlocInput]] = []
    tree = {u.id: u for u in session.scalars(select(Unit).where(subtree_filter(contest.owner_unit)).order_by(Unit.code))}
    candidates = [(u.id, u.kind) for u in tree.values()]
    valid_kinds = {k.value for k in UnitKind}
    names: dict[str, int] = {}
    owner: dict[int, str] = {}  # unit id -> the name of the bloc that took it
    for index, row in enumerate(rows):
        if row.blank:
            continue
        key = f"blocs-{index}-"
        name = normalize_text(row.name or "")
        ok = True
        if not name:
            problems[key + "title"].append("Nhập tên khối, ví dụ “Khối cơ quan hành chính”.")
            ok = False
        elif len(name) > NAME_MAX:
            problems[key + "title"].append(f"Tên khối tối đa {NAME_MAX} ký tự.")
            ok = False
        elif name.casefold() in names:
            problems[key + "title"].append(f"Trùng tên với khối thứ {names[name.casefold()] + 1}.")
            ok = False
        else:
            names[name.casefold()] = index
        for attribute in ("first_prizes", "second_prizes", "third_prizes"):
            value = getattr(row, attribute)
            if value is not None and not 0 <= value <= MAX_PRIZES:
                problems[key + attribute].append(f"Số giải từ 0 đến {MAX_PRIZES}.")
                ok = False
        if set(row.kinds) - valid_kinds:
            problems[key + "kinds"].append("Loại đơn vị không hợp lệ.")
            continue
        outside = [unit_id for unit_id in row.unit_ids if unit_id not in tree]
        if outside:
            problems[key + "unit_ids"].append("Có đơn vị không thuộc phạm vi cuộc thi (đơn vị tổ chức và các đơn vị trực thuộc).")
            continue
        if not row.kinds and not row.unit_ids:
            problems[key + "kinds"].append("Khối chưa có đơn vị: chọn loại đơn vị hoặc chọn từng đơn vị.")
            continue
        members = _members(candidates, row.kinds, row.unit_ids)
        if not members:
            problems[key + "kinds"].append("Không có đơn vị nào thuộc loại đã chọn trong phạm vi cuộc thi.")
            continue
        taken: dict[str, list[Unit]] = defaultdict(list)
        for unit_id in members:
            if unit_id in owner:
                taken[owner[unit_id]].append(tree[unit_id])
            else:
                owner[unit_id] = name or f"thứ {index + 1}"
        for other, units in taken.items():
            where = "unit_ids" if any(u.id in row.unit_ids for u in units) else "kinds"
            problems[key + where].append(f"{_names(units)} đã thuộc khối “{other}”: mỗi đơn vị chỉ thuộc một khối.")
            ok = False
        if ok:
            complete.append((index, row))
    return complete


def save_settings(session: Session, contest: Contest, tier_rows: list[TierInput], bloc_rows: list[BlocInput]) -> None:
    """Replace the contest's tiers and blocs (empty lines ignored; both empty: no unit prize), or raise FieldErrors
    naming every problem by its form field ("tiers-0-min_rate", "blocs-1-kinds") and save nothing."""
    problems: dict[str, list[str]] = defaultdict(list)
    good_tiers = _check_tiers(tier_rows, problems)
    good_blocs = _check_blocs(session, contest, bloc_rows, problems)
    has_tiers = any(not row.blank for row in tier_rows)
    has_blocs = any(not row.blank for row in bloc_rows)
    if has_blocs and not has_tiers:
        problems["tiers-0-min_size"].append("Cần ít nhất một khung quy mô (ví dụ từ 0 người, tỷ lệ tối thiểu 30%).")
    if has_tiers and not has_blocs:
        problems["blocs-0-title"].append("Cần ít nhất một khối đơn vị để xét giải.")
    if problems:
        raise FieldErrors(dict(problems))
    session.execute(delete(UnitPrizeTier).where(UnitPrizeTier.contest_id == contest.id))
    for bloc in blocs(session, contest):
        session.delete(bloc)
    session.flush()
    for _, row in good_tiers:
        session.add(UnitPrizeTier(contest_id=contest.id, min_size=row.min_size, max_size=row.max_size,
                                  min_rate_tenths=int(_tenths(row.min_rate))))
    chosen = {unit_id for _, row in good_blocs for unit_id in row.unit_ids}
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(chosen)))} if chosen else {}
    for position, (_, row) in enumerate(good_blocs, start=1):
        session.add(UnitPrizeBloc(
            contest_id=contest.id, position=position, name=normalize_text(row.name),
            kinds=",".join(k.value for k in UnitKind if k.value in row.kinds), units=[units[i] for i in dict.fromkeys(row.unit_ids)],
            first_prizes=row.first_prizes or 0, second_prizes=row.second_prizes or 0, third_prizes=row.third_prizes or 0,
        ))
    session.flush()


# ---------------------------------------------------------------- the rule text


def bloc_description(bloc: UnitPrizeBloc) -> str:
    """"Sở/Ban/Ngành; Huyện/Thị xã/Thành phố và 2 đơn vị được chọn" — what a bloc takes."""
    parts = [UnitKind(kind).label for kind in bloc.kind_list]
    listed = f"{format_number(len(bloc.units))} đơn vị được chọn" if bloc.units else ""
    return " và ".join(filter(None, ["; ".join(parts), listed]))


def bloc_prizes(bloc: UnitPrizeBloc) -> str:
    counts = [(bloc.first_prizes, "Nhất"), (bloc.second_prizes, "Nhì"), (bloc.third_prizes, "Ba")]
    given = [f"{format_number(n)} giải {name}" for n, name in counts if n]
    return ", ".join(given) if given else "xếp hạng, chưa ấn định số giải"


def rule_lines(tier_list: list[UnitPrizeTier], bloc_list: list[UnitPrizeBloc]) -> list[str]:
    """The unit prize rules as the contest page states them (empty when the contest has none)."""
    if not tier_list or not bloc_list:
        return []
    lines = [f"Đơn vị {size_label(t.min_size, t.max_size)}: tỷ lệ tham gia từ {rate_label(t.min_rate_tenths)} trở lên."
             for t in tier_list]
    lines += [f"{b.name} ({bloc_description(b)}): {bloc_prizes(b)}." for b in bloc_list]
    lines.append("Quy mô đơn vị là số người trong danh sách cán bộ đã nhập (chưa nhập: số CBCCVC), tính cả các đơn vị trực thuộc; "
                 "tỷ lệ tham gia là số người đã nộp bài trên quy mô đó.")
    lines.append("Trong mỗi khối, các đơn vị đạt tỷ lệ tối thiểu xếp theo tỷ lệ tham gia, rồi điểm trung bình "
                 "(theo % điểm tối đa), rồi mã đơn vị.")
    return lines


def contest_rules(session: Session, contest: Contest) -> list[str]:
    return rule_lines(tiers(session, contest), blocs(session, contest))


# ---------------------------------------------------------------- the ranking


@dataclass
class UnitStanding:
    """One unit of a bloc: its figures, the tier of its size, and where it stands (or why it is not eligible)."""

    figures: UnitParticipation
    tier: UnitPrizeTier | None
    average_percent: float | None
    reason: str = ""
    rank: int | None = None
    prize: str | None = None

    @property
    def eligible(self) -> bool:
        return not self.reason

    @property
    def tier_label(self) -> str:
        return size_label(self.tier.min_size, self.tier.max_size) if self.tier else ""


@dataclass
class BlocResult:
    bloc: UnitPrizeBloc
    ranked: list[UnitStanding]
    ineligible: list[UnitStanding]


@dataclass
class UnitPrizeResults:
    blocs: list[BlocResult]
    rules: list[str]

    @property
    def configured(self) -> bool:
        return bool(self.blocs)


def _standing(figures: UnitParticipation, tier_list: list[UnitPrizeTier], max_score: int) -> UnitStanding:
    size, people = figures.base, figures.participants
    tier = next((t for t in tier_list if t.contains(size)), None)
    average = 100 * figures.score_sum / people / max_score if people and max_score else None
    standing = UnitStanding(figures, tier, average)
    if size == 0:
        standing.reason = "Chưa có quy mô (số CBCCVC bằng 0 và chưa nhập danh sách cán bộ)."
    elif tier is None:
        standing.reason = f"Quy mô {format_number(size)} người không thuộc khung nào."
    elif people == 0:
        standing.reason = "Chưa có người tham gia."
    elif people * 100 * RATE_SCALE < tier.min_rate_tenths * size:
        standing.reason = (f"Tỷ lệ tham gia {format_decimal(figures.rate, 1)}% ({format_number(people)}/{format_number(size)} người) "
                           f"chưa đạt {rate_label(tier.min_rate_tenths)} của khung {size_label(tier.min_size, tier.max_size)}.")
    return standing


def _rank_key(standing: UnitStanding):
    f = standing.figures
    return (-Fraction(f.participants, f.base), -Fraction(f.score_sum, f.participants), f.code)


def results(session: Session, contest: Contest, within: Unit | None = None) -> UnitPrizeResults:
    """Each bloc's eligible units in rank order with their prizes, then its other units with the reason, ineligible
    ones by code. Figures count finished attempts (finalise overdue ones first: statistics.finalize). `within`
    keeps only the units of that subtree (a unit manager's view; ranks stay those of the whole bloc)."""
    tier_list, bloc_list = tiers(session, contest), blocs(session, contest)
    if not tier_list or not bloc_list:
        return UnitPrizeResults([], [])
    figures = participation_by_unit(session, Scope(contest), contest.owner_unit)
    candidates = [(f.unit_id, f.kind) for f in figures]
    by_id = {f.unit_id: f for f in figures}
    taken: set[int] = set()
    out = []
    max_score = contest.max_score
    shown = set(session.scalars(select(Unit.id).where(subtree_filter(within)))) if within is not None else None
    for bloc in bloc_list:
        members = [i for i in _members(candidates, bloc.kind_list, {u.id for u in bloc.units}) if i not in taken]
        taken.update(members)
        standings = [_standing(by_id[i], tier_list, max_score) for i in members]
        ranked = sorted((s for s in standings if s.eligible), key=_rank_key)
        prizes = [name for name, n in zip(PRIZE_NAMES, (bloc.first_prizes, bloc.second_prizes, bloc.third_prizes)) for _ in range(n)]
        for rank, standing in enumerate(ranked, start=1):
            standing.rank = rank
            standing.prize = prizes[rank - 1] if rank <= len(prizes) else None
        ineligible = sorted((s for s in standings if not s.eligible), key=lambda s: s.figures.code)
        if shown is not None:
            ranked = [s for s in ranked if s.figures.unit_id in shown]
            ineligible = [s for s in ineligible if s.figures.unit_id in shown]
        out.append(BlocResult(bloc, ranked, ineligible))
    return UnitPrizeResults(out, rule_lines(tier_list, bloc_list))


# ---------------------------------------------------------------- the workbook


EXPORT_COLUMNS = [
    Column("bloc", "Khối", width=28),
    Column("rank", "Hạng", width=8, number_format=SCORE),
    Column("prize", "Giải", width=12),
    *UNIT_COLUMNS,
    Column("size", "Quy mô (người)", width=12, number_format=SCORE),
    Column("size_source", "Nguồn quy mô", width=18),
    Column("tier", "Khung quy mô", width=22),
    Column("min_rate", "Tỷ lệ tối thiểu", width=12, number_format=PERCENT),
    Column("participants", "Đã tham gia", width=12, number_format=SCORE),
    Column("rate", "Tỷ lệ tham gia", width=12, number_format=PERCENT),
    Column("average", "Điểm TB (% điểm tối đa)", width=14, number_format=PERCENT),
    Column("result", "Kết quả", width=60),
]


def _export_rows(result: UnitPrizeResults):
    for bloc in result.blocs:
        for s in bloc.ranked + bloc.ineligible:
            f = s.figures
            yield [bloc.bloc.name, s.rank, s.prize or "", f.code, f.display_name, f.parent_name, f.base, f.base_source, s.tier_label,
                   s.tier.min_rate_tenths / 1000 if s.tier else None, f.participants, f.ratio,
                   s.average_percent / 100 if s.average_percent is not None else None, s.reason or ELIGIBLE]


def export_unit_prizes(session: Session, contest: Contest, now: datetime) -> bytes:
    """The unit prize list as a workbook: each bloc's ranked units, then its units not eligible with the reason;
    the rules in the title block."""
    result = results(session, contest)
    title = ["XÉT GIẢI TẬP THỂ", f"Cuộc thi: {contest.title}", *result.rules, f"Thời điểm xuất: {format_local(now)} (giờ Việt Nam)"]
    return write_table(EXPORT_COLUMNS, _export_rows(result), title, "Giải tập thể")
