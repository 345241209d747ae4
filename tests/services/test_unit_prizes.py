"""Unit prizes against hand-computed figures.

Tiers: 0–49 people at least 10%, 50–99 at least 8%, 100 and more at least 5%.
Tree (headcounts)          P province (0)
   departments: A 49, B 50, C 99, D 100, E 10, F 20, G 0, H 30      O office (5)     Q district (0)
                                                                                     X1, X2, X3 communes (10 each)
One round of 4 questions, 1 point each (maximum 4). Participants and their scores:
A 5 people × 1 → 5/49 = 10.2% (≥ 10%), average 25%       B 4 × 1 → 4/50 = 8% exactly (the 50–99 minimum), 25%
C 7 × 1 → 7/99 = 7.07% < 8% (not eligible)               D 5 × 1 → 5/100 = 5% exactly (the 100+ minimum), 25%
E 1 × 2 → 1/10 = 10%, average 50%                        F 2 × 4 → 2/20 = 10%, average 100%
G size 0; H nobody; O 1 × 4 (in no bloc); X1, X2 1 × 4 each: 10%, 100% (a full tie); X3 1 × 4 (in no bloc).
Bloc "Khối sở" (kind department; 1 first, 2 second, 1 third prize): A, F, E, B, D ranked; C, G, H not eligible.
Bloc "Khối xã" (X1, X2 listed; 1 first prize): X1 before X2 by code (their names sort the other way).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from contest.errors import FieldErrors
from contest.models import UnitKind
from contest.services import unit_prizes
from contest.services.unit_prizes import BlocInput, TierInput
from tests.conftest import T0
from tests.helpers import play

TIERS = [TierInput(0, 49, 10), TierInput(50, 99, 8), TierInput(100, None, 5)]
PEOPLE = {"A": (5, 1), "B": (4, 1), "C": (7, 1), "D": (5, 1), "E": (1, 2), "F": (2, 4), "O": (1, 4), "X1": (1, 4), "X2": (1, 4), "X3": (1, 4)}


@pytest.fixture
def world(db_session, make_unit, make_user, make_contest, make_bank):
    p = make_unit("P", kind=UnitKind.province, headcount=0)
    units = {code: make_unit(code, parent=p, kind=UnitKind.department, headcount=size)
             for code, size in [("A", 49), ("B", 50), ("C", 99), ("D", 100), ("E", 10), ("F", 20), ("G", 0), ("H", 30)]}
    units["O"] = make_unit("O", parent=p, kind=UnitKind.office, headcount=5)
    units["Q"] = make_unit("Q", parent=p, kind=UnitKind.district, headcount=0)
    for code, name in (("X1", "Xã Tân Lập"), ("X2", "Xã An Lợi"), ("X3", "Xã Bình Minh")):
        units[code] = make_unit(code, parent=units["Q"], kind=UnitKind.commune, headcount=10, name=name)
    contest = make_contest(unit=p, bank=make_bank(owner=p, per_topic=2), per_topic=2)
    round_ = contest.rounds[0]
    for code, (people, correct) in PEOPLE.items():
        for _ in range(people):
            play(db_session, make_user(unit=units[code]), round_, T0, correct)
    blocs = [BlocInput("Khối sở", kinds=["department"], first_prizes=1, second_prizes=2, third_prizes=1),
             BlocInput("Khối xã", unit_ids=[units["X1"].id, units["X2"].id], first_prizes=1)]
    unit_prizes.save_settings(db_session, contest, TIERS, blocs)
    db_session.commit()
    return {"contest": contest, "units": units, "p": p}


def _codes(standings):
    return [s.figures.code for s in standings]


def test_ranking_by_rate_then_average_then_code(db_session, world):
    result = unit_prizes.results(db_session, world["contest"])
    departments, communes = result.blocs
    assert [(s.figures.code, s.rank, s.prize) for s in departments.ranked] == [
        ("A", 1, "Giải Nhất"), ("F", 2, "Giải Nhì"), ("E", 3, "Giải Nhì"), ("B", 4, "Giải Ba"), ("D", 5, None)]
    assert [s.average_percent for s in departments.ranked] == [25.0, 100.0, 50.0, 25.0, 25.0]
    assert [(s.figures.code, s.rank, s.prize) for s in communes.ranked] == [("X1", 1, "Giải Nhất"), ("X2", 2, None)]
    assert communes.ineligible == []


def test_tier_edges_and_reasons(db_session, world):
    departments = unit_prizes.results(db_session, world["contest"]).blocs[0]
    by_code = {s.figures.code: s for s in departments.ranked + departments.ineligible}
    assert [by_code[c].tier_label for c in ("A", "B", "C", "D")] == [
        "dưới 50 người", "từ 50 đến 99 người", "từ 50 đến 99 người", "từ 100 người trở lên"]
    assert _codes(departments.ineligible) == ["C", "G", "H"]
    assert by_code["C"].reason == "Tỷ lệ tham gia 7,1% (7/99 người) chưa đạt 8% của khung từ 50 đến 99 người."
    assert by_code["G"].reason == "Chưa có quy mô (số CBCCVC bằng 0 và chưa nhập danh sách cán bộ)."
    assert by_code["H"].reason == "Chưa có người tham gia."


def test_a_unit_in_no_bloc_is_listed_nowhere(db_session, world):
    result = unit_prizes.results(db_session, world["contest"])
    listed = {s.figures.code for b in result.blocs for s in b.ranked + b.ineligible}
    assert listed == {"A", "B", "C", "D", "E", "F", "G", "H", "X1", "X2"}


def test_a_unit_matching_two_blocs_after_the_tree_changed_counts_in_the_first(db_session, world):
    world["units"]["X1"].kind = UnitKind.department.value
    db_session.commit()
    departments, communes = unit_prizes.results(db_session, world["contest"]).blocs
    assert "X1" in _codes(departments.ranked)
    assert _codes(communes.ranked) == ["X2"]


def test_a_unit_managers_view_keeps_the_blocs_ranks(db_session, world):
    result = unit_prizes.results(db_session, world["contest"], within=world["units"]["Q"])
    departments, communes = result.blocs
    assert departments.ranked == [] and departments.ineligible == []
    assert [(s.figures.code, s.rank) for s in communes.ranked] == [("X1", 1), ("X2", 2)]


def test_one_short_of_the_minimum_is_not_eligible(db_session, world):
    """B at exactly 8% is eligible; with a 51st person on its headcount (4/51 = 7.8%) it is not."""
    world["units"]["B"].headcount = 51
    db_session.commit()
    departments = unit_prizes.results(db_session, world["contest"]).blocs[0]
    assert "B" in _codes(departments.ineligible)


def test_rule_text(db_session, world):
    lines = unit_prizes.contest_rules(db_session, world["contest"])
    assert lines[:5] == [
        "Đơn vị dưới 50 người: tỷ lệ tham gia từ 10% trở lên.",
        "Đơn vị từ 50 đến 99 người: tỷ lệ tham gia từ 8% trở lên.",
        "Đơn vị từ 100 người trở lên: tỷ lệ tham gia từ 5% trở lên.",
        "Khối sở (Sở/Ban/Ngành): 1 giải Nhất, 2 giải Nhì, 1 giải Ba.",
        "Khối xã (2 đơn vị được chọn): 1 giải Nhất.",
    ]


def test_no_settings_no_rules(db_session, make_contest):
    contest = make_contest()
    assert unit_prizes.contest_rules(db_session, contest) == []
    assert not unit_prizes.results(db_session, contest).configured


def test_clearing_both_lists_removes_the_unit_prize(db_session, world):
    unit_prizes.save_settings(db_session, world["contest"], [TierInput()], [BlocInput()])
    assert unit_prizes.tiers(db_session, world["contest"]) == []
    assert unit_prizes.blocs(db_session, world["contest"]) == []


A_DEPARTMENT = BlocInput("Khối sở", kinds=["department"], first_prizes=1)


@pytest.mark.parametrize("tiers, blocs, field, message", [
    ([TierInput(0, 49, 30), TierInput(40, None, 25)], None, "tiers-1-min_size", "Chồng lên khung dưới 50 người"),
    ([TierInput(0, 49, 30), TierInput(60, None, 25)], None, "tiers-1-min_size", "Bỏ trống quy mô từ 50 đến 59 người"),
    ([TierInput(51, None, 25), TierInput(0, 49, 30)], None, "tiers-0-min_size", "Bỏ trống quy mô từ 50 đến 50 người"),
    ([TierInput(0, 49, 30), TierInput(49, None, 25)], None, "tiers-1-min_size", "Chồng lên khung dưới 50 người"),
    ([TierInput(5, None, 30)], None, "tiers-0-min_size", "Khung nhỏ nhất phải bắt đầu từ 0 người"),
    ([TierInput(0, 49, 30)], None, "tiers-0-max_size", "Khung lớn nhất để trống ô “Đến”"),
    ([TierInput(0, None, 100.5)], None, "tiers-0-min_rate", "Tỷ lệ tối thiểu phải từ 0 đến 100%."),
    ([TierInput(0, None, -1)], None, "tiers-0-min_rate", "Tỷ lệ tối thiểu phải từ 0 đến 100%."),
    ([TierInput(0, None, Decimal("25.25"))], None, "tiers-0-min_rate", "tối đa một chữ số thập phân"),
    ([TierInput(0, None, None)], None, "tiers-0-min_rate", "Nhập tỷ lệ tham gia tối thiểu"),
    ([TierInput(10, 5, 30)], None, "tiers-0-max_size", "không nhỏ hơn ô “Từ”"),
    ([], None, "tiers-0-min_size", "Cần ít nhất một khung quy mô"),
    (None, [], "blocs-0-title", "Cần ít nhất một khối đơn vị"),
    (None, [BlocInput("Khối trống", first_prizes=1)], "blocs-0-kinds", "Khối chưa có đơn vị"),
    (None, [BlocInput("Khối phòng", kinds=["office"]), BlocInput("Khối khác", kinds=["department"])], "blocs-0-kinds",
     "Không có đơn vị nào thuộc loại đã chọn"),
    (None, [BlocInput("", kinds=["department"])], "blocs-0-title", "Nhập tên khối"),
    (None, [A_DEPARTMENT, BlocInput("khối sở", kinds=["district"])], "blocs-1-title", "Trùng tên với khối thứ 1"),
    (None, [BlocInput("Khối sở", kinds=["department"], first_prizes=51)], "blocs-0-first_prizes", "Số giải từ 0 đến 50."),
    (None, [A_DEPARTMENT, BlocInput("Khối tỉnh", kinds=["department", "district"])], "blocs-1-kinds", "đã thuộc khối “Khối sở”"),
])
def test_invalid_settings_are_refused_beside_the_field_and_save_nothing(db_session, make_unit, make_contest, tiers, blocs, field, message):
    p = make_unit("P", kind=UnitKind.province)
    make_unit("P-D", parent=p, kind=UnitKind.department)
    make_unit("P-H", parent=p, kind=UnitKind.district)
    contest = make_contest(unit=p)
    tiers = [TierInput(0, None, 30)] if tiers is None else tiers
    blocs = [A_DEPARTMENT] if blocs is None else blocs
    with pytest.raises(FieldErrors) as error:
        unit_prizes.save_settings(db_session, contest, tiers, blocs)
    assert list(error.value.problems) == [field]
    assert message in error.value.problems[field][0]
    db_session.rollback()
    assert unit_prizes.tiers(db_session, contest) == [] and unit_prizes.blocs(db_session, contest) == []


def test_band_problems_are_found_beside_a_bad_rate(db_session, world):
    with pytest.raises(FieldErrors) as error:
        unit_prizes.save_settings(db_session, world["contest"], [TierInput(0, 49, 120), TierInput(40, None, 25)], [A_DEPARTMENT])
    assert list(error.value.problems) == ["tiers-0-min_rate", "tiers-1-min_size"]


def test_a_listed_unit_already_taken_by_kind(db_session, world):
    units = world["units"]
    blocs = [A_DEPARTMENT, BlocInput("Khối chọn", unit_ids=[units["A"].id, units["O"].id])]
    with pytest.raises(FieldErrors) as error:
        unit_prizes.save_settings(db_session, world["contest"], TIERS, blocs)
    assert error.value.problems == {"blocs-1-unit_ids": [f"{units['A'].display_name} đã thuộc khối “Khối sở”: mỗi đơn vị chỉ thuộc một khối."]}


def test_a_unit_outside_the_contest_is_refused(db_session, world, make_unit):
    stranger = make_unit("ZZ", kind=UnitKind.province)
    with pytest.raises(FieldErrors) as error:
        unit_prizes.save_settings(db_session, world["contest"], TIERS, [BlocInput("Khối ngoài", unit_ids=[stranger.id])])
    assert list(error.value.problems) == ["blocs-0-unit_ids"]
