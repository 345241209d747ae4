"""Participant groups (DESIGN.md, "Groups and periods"), with figures computed by hand for a small tree:

    P (province, 0) ── D (district, 2) ─┬─ C1 (commune, 4)        headcounts in brackets: P's subtree is 12
                                        └─ C2 (commune, 6)

One contest of P admitting both groups, one round drawing 4 one-point questions, on 23/11/2026:
- civil servants: a (C1) 4/4, b (C2) 2/4;
- citizens: x (lives in C1) 4/4, y (C1) 0/4, z (outside the tree, "Phường Bến Nghé, TP. Hồ Chí Minh") 3/4.
Rates count a and b only: C1 1/4 = 25,0 %, C2 1/6 = 16,7 %, D and P 2/12 = 16,7 %; citizens in C1: 2, in D and
P: 2 (z lives outside the tree), in C2: 0.
"""

from __future__ import annotations

from datetime import date

import pytest

from contest.errors import FieldErrors
from contest.models import ParticipantGroup, Role, UnitKind
from contest.services import contests as contest_service
from contest.services import exports, people, ranking, statistics
from contest.services import users as user_service
from contest.services.attempts import AttemptError, start_attempt
from contest.services.period_report import PeriodScope, export_period_report, period_report
from contest.services.periods import custom_period
from contest.services.statistics import Scope
from tests.conftest import T0
from tests.helpers import POLICY, play

BOTH = "civil_servant,citizen"
OUTSIDE = "Phường Bến Nghé, TP. Hồ Chí Minh"
WEEK = custom_period(date(2026, 11, 23), date(2026, 11, 29))


@pytest.fixture
def tree(make_unit):
    p = make_unit("P", kind=UnitKind.province, headcount=0, name="UBND tỉnh")
    d = make_unit("P-D", parent=p, kind=UnitKind.district, headcount=2, name="Huyện Một")
    c1 = make_unit("P-D-C1", parent=d, kind=UnitKind.commune, headcount=4, name="Xã Một")
    c2 = make_unit("P-D-C2", parent=d, kind=UnitKind.commune, headcount=6, name="Xã Hai")
    return {u.code: u for u in (p, d, c1, c2)}


def citizen(make_user, residence=None, text=None, **fields):
    return make_user(participant_group="citizen", residence_unit=residence, residence_text=text, **fields)


@pytest.fixture
def played(db_session, tree, make_user, make_contest, make_bank):
    # Open to everyone: z lives outside the tree.
    contest = make_contest(unit=tree["P"], bank=make_bank(owner=tree["P"], per_topic=2), per_topic=2, admitted_groups=BOTH,
                           audience="public")
    round_ = contest.rounds[0]
    people_ = {
        "a": make_user(unit=tree["P-D-C1"], full_name="Cán bộ A"),
        "b": make_user(unit=tree["P-D-C2"], full_name="Cán bộ B"),
        "x": citizen(make_user, tree["P-D-C1"], full_name="Người dân X"),
        "y": citizen(make_user, tree["P-D-C1"], full_name="Người dân Y"),
        "z": citizen(make_user, text=OUTSIDE, full_name="Người dân Z"),
    }
    for minute, (name, correct) in enumerate([("a", 4), ("b", 2), ("x", 4), ("y", 0), ("z", 3)]):
        play(db_session, people_[name], round_, T0.replace(minute=minute), correct)
    return contest, people_


def test_rates_count_civil_servants_and_citizens_are_counted_where_they_live(db_session, tree, played):
    contest, _ = played
    rows = statistics.participation_by_unit(db_session, Scope(contest), tree["P"])
    assert [(r.code, r.participants, r.base, r.rate, r.attempts, r.score_sum, r.citizens) for r in rows] == [
        ("P", 2, 12, 16.7, 2, 6, 2),
        ("P-D", 2, 12, 16.7, 2, 6, 2),
        ("P-D-C1", 1, 4, 25.0, 1, 4, 2),
        ("P-D-C2", 1, 6, 16.7, 1, 2, 0),
    ]


def test_a_person_corrected_to_citizen_leaves_the_rate_and_counts_where_they_live(db_session, tree, played, make_user):
    """Their attempt was taken in C2 as a civil servant: the rule reads the person's group, not the attempt's unit."""
    contest, people_ = played
    admin = make_user(Role.admin)
    b = people_["b"]
    people.correct_person(db_session, admin, b, people.Correction(
        full_name=b.full_name, phone=b.phone, email=None, cccd=b.cccd, unit_id=0,
        participant_group="citizen", residence_unit_id=tree["P-D-C2"].id))
    rows = {r.code: r for r in statistics.participation_by_unit(db_session, Scope(contest), tree["P"])}
    assert (rows["P-D-C2"].participants, rows["P-D-C2"].attempts, rows["P-D-C2"].citizens) == (0, 0, 1)
    assert (rows["P"].participants, rows["P"].rate, rows["P"].citizens) == (1, 8.3, 3)


def test_the_period_report_follows_a_correction_to_citizen(db_session, tree, played, make_user):
    _, people_ = played
    b = people_["b"]
    people.correct_person(db_session, make_user(Role.admin), b, people.Correction(
        full_name=b.full_name, phone=b.phone, email=None, cccd=b.cccd, unit_id=0,
        participant_group="citizen", residence_unit_id=tree["P-D-C2"].id))
    rows = {r.code: r.current for r in period_report(db_session, tree["P"], WEEK).rows}
    assert [(rows[c].participants, rows[c].attempts, rows[c].citizens) for c in ("P", "P-D-C2")] == [(1, 1, 3), (0, 0, 1)]


def test_the_dashboard_rate_counts_civil_servants(db_session, played):
    contest, _ = played
    board = statistics.dashboard(db_session, Scope(contest))
    assert (board.participants, board.citizens, board.base, board.rate) == (5, 3, 12, 16.7)


def test_the_period_report_counts_civil_servants_and_citizens_apart(db_session, tree, played):
    report = period_report(db_session, tree["P"], WEEK)
    assert [(r.code, r.current.participants, r.current.base, round(r.current.rate, 1), r.current.attempts, r.current.citizens)
            for r in report.rows] == [
        ("P", 2, 12, 16.7, 2, 2), ("P-D", 2, 12, 16.7, 2, 2), ("P-D-C1", 1, 4, 25.0, 1, 2), ("P-D-C2", 1, 6, 16.7, 1, 0)]
    assert report.has_citizens
    workbook = __import__("openpyxl").load_workbook(__import__("io").BytesIO(export_period_report(report, date(2026, 12, 1), "Huế")))
    sheet = workbook.active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(row for row in cells if row and row[0] == "Mã đơn vị")
    assert header[-1] == "Người dân tham gia"
    assert [row[-1] for row in cells if row and row[0] in ("P", "P-D", "P-D-C1", "P-D-C2")] == [2, 2, 2, 0]


def test_a_citizen_who_moved_counts_in_both_communes_and_once_above_them(db_session, tree, played, make_contest, make_bank):
    """x took part from C1, moved to C2 (an approved move) and took part in a second contest that week: each
    commune counts x, the district and the province once (a sum per commune counted x twice there)."""
    _, people_ = played
    x = people_["x"]
    x.residence_unit = tree["P-D-C2"]
    db_session.commit()
    second = make_contest(unit=tree["P"], bank=make_bank(name="Ngân hàng 2", owner=tree["P"], per_topic=2), per_topic=2,
                          admitted_groups=BOTH, audience="public", title="Cuộc thi thứ hai")
    play(db_session, x, second.rounds[0], T0.replace(hour=9), 3)
    rows = {r.code: r.current.citizens for r in period_report(db_session, tree["P"], WEEK).rows}
    assert rows == {"P": 2, "P-D": 2, "P-D-C1": 2, "P-D-C2": 1}
    assert statistics.citizens_by_unit(db_session, tree["P-D"], PeriodScope(WEEK).counts) == {
        tree["P"].id: 2, tree["P-D"].id: 2, tree["P-D-C1"].id: 2, tree["P-D-C2"].id: 1}


def test_rankings_are_per_group(db_session, played):
    contest, _ = played
    board = {g: ranking.contest_leaderboard(db_session, contest, T0.replace(hour=12), POLICY, frozen=False, group=g)
             for g in (None, ParticipantGroup.civil_servant, ParticipantGroup.citizen)}
    assert [(s.rank, s.full_name, s.score) for s in board[ParticipantGroup.civil_servant].standings] == [
        (1, "Cán bộ A", 4), (2, "Cán bộ B", 2)]
    assert [(s.rank, s.full_name, s.score, s.unit_name) for s in board[ParticipantGroup.citizen].standings] == [
        (1, "Người dân X", 4, "Xã Một — Huyện Một"), (2, "Người dân Z", 3, OUTSIDE), (3, "Người dân Y", 0, "Xã Một — Huyện Một")]
    assert (board[ParticipantGroup.civil_servant].total, board[ParticipantGroup.citizen].total, board[None].total) == (2, 3, 5)
    round_board = ranking.round_leaderboard(db_session, contest.rounds[0], T0.replace(hour=12), POLICY, frozen=False,
                                            group=ParticipantGroup.citizen)
    assert [s.full_name for s in round_board.standings] == ["Người dân X", "Người dân Z", "Người dân Y"]


def test_the_results_export_ranks_each_group_with_a_group_column(db_session, played):
    contest, _ = played
    import io

    import openpyxl
    data = exports.export_results(db_session, Scope(contest), T0.replace(hour=12), POLICY)
    cells = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows()]
    start = next(i for i, row in enumerate(cells) if row and row[0] == "Đối tượng")
    assert [row[:3] for row in cells[start + 1:]] == [
        ["Cán bộ, công chức, viên chức", 1, "Cán bộ A"], ["Cán bộ, công chức, viên chức", 2, "Cán bộ B"],
        ["Người dân", 1, "Người dân X"], ["Người dân", 2, "Người dân Z"], ["Người dân", 3, "Người dân Y"]]


def test_a_one_group_contest_ranks_and_exports_as_before(db_session, tree, make_user, make_contest, make_bank):
    contest = make_contest(unit=tree["P"], bank=make_bank(owner=tree["P"], per_topic=2), per_topic=2)
    assert contest.groups == [ParticipantGroup.civil_servant] and not contest.ranks_by_group
    play(db_session, make_user(unit=tree["P-D-C1"]), contest.rounds[0], T0, 3)
    import io

    import openpyxl
    data = exports.export_results(db_session, Scope(contest), T0.replace(hour=12), POLICY)
    assert "Đối tượng" not in {c.value for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows() for c in row}


# ---------------------------------------------------------------- admission


@pytest.mark.parametrize(("groups", "cccd_optional", "has_cccd", "refusal"), [
    ("civil_servant", False, True, "Cuộc thi này dành cho Cán bộ, công chức, viên chức; tài khoản của bạn đăng ký là người dân"),
    (BOTH, False, False, "Cuộc thi này yêu cầu số CCCD"),
    (BOTH, True, False, None),
    ("citizen", False, True, None),
])
def test_a_contest_admits_its_groups_and_may_waive_cccd_for_citizens(db_session, tree, make_user, make_contest, make_bank,
                                                                      groups, cccd_optional, has_cccd, refusal):
    contest = make_contest(unit=tree["P"], bank=make_bank(owner=tree["P"], per_topic=2), per_topic=2,
                           admitted_groups=groups, citizen_cccd_optional=cccd_optional)
    person = citizen(make_user, tree["P-D-C1"], **({} if has_cccd else {"cccd": None}))
    found = contest_service.admission_refusal(person, contest)
    assert (found or "").startswith(refusal or "") and (found is None) == (refusal is None)
    if refusal:
        with pytest.raises(AttemptError, match=refusal[:20]):
            start_attempt(db_session, person, contest.rounds[0], T0, POLICY)
    else:
        assert start_attempt(db_session, person, contest.rounds[0], T0, POLICY).unit_id == tree["P-D-C1"].id  # where they live


def test_a_civil_servant_is_refused_by_a_citizens_only_contest(db_session, tree, make_user, make_contest, make_bank):
    contest = make_contest(unit=tree["P"], bank=make_bank(owner=tree["P"], per_topic=2), per_topic=2, admitted_groups="citizen")
    assert "dành cho Người dân" in contest_service.admission_refusal(make_user(unit=tree["P-D"]), contest)


def test_a_units_contest_admits_citizens_living_in_its_units(db_session, tree, make_unit, make_user, make_contest, make_bank):
    other = make_unit("Q", kind=UnitKind.province)
    far = make_unit("Q-C", parent=other, kind=UnitKind.commune)
    contest = make_contest(unit=tree["P"], bank=make_bank(owner=tree["P"], per_topic=2), per_topic=2, admitted_groups=BOTH)
    near, away, unplaced = citizen(make_user, tree["P-D-C2"]), citizen(make_user, far), citizen(make_user, text=OUTSIDE)
    assert [contest_service.admission_refusal(p, contest) is None for p in (near, away, unplaced)] == [True, False, False]
    assert [contest in contest_service.contests_for_participant(db_session, p) for p in (near, away, unplaced)] == [True, False, False]


def test_contests_for_participant_lists_only_contests_of_their_group(db_session, tree, make_user, make_contest, make_bank):
    bank = make_bank(owner=tree["P"], per_topic=2)
    servants = make_contest(unit=tree["P"], bank=bank, per_topic=2, title="Chỉ CBCCVC")
    both = make_contest(unit=tree["P"], bank=bank, per_topic=2, title="Cả hai", admitted_groups=BOTH)
    listed = contest_service.contests_for_participant(db_session, citizen(make_user, tree["P-D-C1"]))
    assert both in listed and servants not in listed


def test_an_unknown_admission_is_refused(db_session, tree):
    with pytest.raises(contest_service.ValidationError, match="Nhóm đối tượng dự thi không hợp lệ"):
        contest_service.create_contest(db_session, tree["P"], contest_service.ContestSettings(
            title="Thi", eligible_unit_ids=[tree["P"].id], admitted_groups="civil_servant,admin"))


# ---------------------------------------------------------------- registration


def registration(**overrides) -> user_service.Registration:
    fields = dict(full_name="Nguyễn Thị Dân", cccd="", phone="0912345678", password="Sen-nui-gio-que-47", unit_id=0,
                  participant_group="citizen", residence_unit_id=0, residence_text="")
    fields.update(overrides)
    return user_service.Registration(**fields)


@pytest.mark.parametrize(("overrides", "expected"), [
    ({}, {"residence_unit_id": ["Vui lòng chọn xã/phường nơi cư trú, hoặc ghi nơi cư trú nếu không có trong danh sách."]}),
    ({"residence_text": " x "}, {"residence_unit_id": ["Vui lòng chọn xã/phường nơi cư trú, hoặc ghi nơi cư trú nếu không có trong danh sách."]}),
    ({"residence_unit_id": "P-D"}, {"residence_unit_id": ["Nơi cư trú phải là một xã, phường hoặc thị trấn trong danh sách."]}),
    ({"residence_unit_id": 2**31 - 1}, {"residence_unit_id": ["Nơi cư trú phải là một xã, phường hoặc thị trấn trong danh sách."]}),
    ({"residence_unit_id": "P-D-C1", "residence_text": OUTSIDE},
     {"residence_text": ["Đã chọn xã/phường trong danh sách thì không ghi thêm nơi cư trú khác."]}),
    ({"residence_text": "P" * 256}, {"residence_text": ["Nơi cư trú tối đa 255 ký tự."]}),
    ({"residence_text": OUTSIDE, "cccd": "12345"}, {"cccd": ["Số CCCD phải gồm đúng 12 chữ số."]}),
    ({"participant_group": "civil_servant", "cccd": "001090000123"}, {"unit_id": ["Vui lòng chọn đơn vị công tác."]}),
    ({"participant_group": "civil_servant", "unit_id": "P-D"}, {"cccd": ["Số CCCD phải gồm đúng 12 chữ số."]}),
    ({"participant_group": "admin", "residence_text": OUTSIDE}, {"participant_group": ["Vui lòng chọn đối tượng dự thi."],
                                                                  "cccd": ["Số CCCD phải gồm đúng 12 chữ số."]}),
    ({"residence_text": OUTSIDE}, {}),
    ({"residence_unit_id": "P-D-C1"}, {}),
])
def test_registration_asks_each_group_for_its_own_fields(db_session, tree, overrides, expected):
    overrides = {k: tree[v].id if k.endswith("unit_id") and isinstance(v, str) else v for k, v in overrides.items()}
    assert user_service.registration_problems(db_session, registration(**overrides)) == expected


def test_a_registered_citizen_has_no_unit_and_their_residence(db_session, tree):
    user = user_service.register_participant(db_session, registration(residence_unit_id=tree["P-D-C1"].id, unit_id=tree["P-D"].id))
    assert (user.group, user.unit, user.residence_unit, user.residence_text, user.cccd) == (
        ParticipantGroup.citizen, None, tree["P-D-C1"], None, None)
    written = user_service.register_participant(db_session, registration(phone="0912345679", residence_text="  Phường  Bến Nghé "))
    assert (written.residence_unit, written.residence_text, written.residence_name) == (None, "Phường Bến Nghé", "Phường Bến Nghé")
    with pytest.raises(FieldErrors):
        user_service.register_participant(db_session, registration(phone="0912345670"))


def test_a_registered_civil_servant_works_in_their_unit(db_session, tree):
    user = user_service.register_participant(db_session, registration(
        participant_group="civil_servant", cccd="001090000123", unit_id=tree["P-D"].id, residence_unit_id=tree["P-D-C1"].id))
    assert (user.group, user.unit, user.residence_unit, user.home_unit) == (ParticipantGroup.civil_servant, tree["P-D"], None, tree["P-D"])
