"""Participation and item statistics against hand-computed fixtures.

Tree (own headcounts):      P (0)
                           /  \\      \\
                     D1 (10)  D2 (20)  Z (0)
                     /   \\       \\
                O1 (5)  O2 (5)   C1 (10)
People: u1, u2 in O1; u3 in O2; u4 in D2; u5, u6 in C1.
Round 1: u1 twice (4/4 then 2/4), u2 3/4, u4 1/4; u5 only started.  Round 2: u3 2/4.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.models import UnitKind
from contest.services import attempts as attempt_service
from contest.services import staff as staff_service
from contest.services import statistics
from contest.services.statistics import Scope
from tests.conftest import T0
from tests.helpers import xlsx_bytes
from tests.helpers import POLICY, play

STAFF_HEADER = ["Họ và tên", "CCCD", "Số điện thoại", "Mã đơn vị", "Chức vụ"]




@pytest.fixture
def world(db_session, make_unit, make_user, make_contest, make_bank):
    p = make_unit("P", kind=UnitKind.province, headcount=0)
    d1 = make_unit("P-D1", parent=p, kind=UnitKind.department, headcount=10)
    o1 = make_unit("P-D1-O1", parent=d1, headcount=5)
    o2 = make_unit("P-D1-O2", parent=d1, headcount=5)
    d2 = make_unit("P-D2", parent=p, kind=UnitKind.district, headcount=20)
    c1 = make_unit("P-D2-C1", parent=d2, kind=UnitKind.commune, headcount=10)
    make_unit("P-Z", parent=p, headcount=0)
    contest = make_contest(unit=p, bank=make_bank(owner=p, per_topic=2), per_topic=2, rounds=2, attempts_allowed=2)
    r1, r2 = contest.rounds
    users = {
        "u1": make_user(unit=o1, cccd="000000000001", phone="0910000001"),
        "u2": make_user(unit=o1, cccd="000000000002", phone="0910000002"),
        "u3": make_user(unit=o2, cccd="000000000003", phone="0910000003"),
        "u4": make_user(unit=d2, cccd="000000000004", phone="0910000004"),
        "u5": make_user(unit=c1, cccd="000000000005", phone="0910000005"),
        "u6": make_user(unit=c1, cccd="000000000006", phone="0910000006"),
    }
    play(db_session, users["u1"], r1, T0, 4)
    play(db_session, users["u1"], r1, T0 + timedelta(hours=1), 2)
    play(db_session, users["u2"], r1, T0, 3)
    play(db_session, users["u4"], r1, T0, 1)
    attempt_service.start_attempt(db_session, users["u5"], r1, T0 + timedelta(days=6, hours=23), POLICY)
    play(db_session, users["u3"], r2, r2.opens_at, 2)
    db_session.commit()
    return {"contest": contest, "r1": r1, "r2": r2, "p": p, "d1": d1, "o1": o1, "users": users}


def by_code(rows):
    return {r.code: r for r in rows}


def test_round_participation_rolls_up_the_tree(db_session, world):
    rows = by_code(statistics.participation_by_unit(db_session, Scope(world["contest"], world["r1"]), world["p"]))
    assert list(rows) == ["P", "P-D1", "P-D1-O1", "P-D1-O2", "P-D2", "P-D2-C1", "P-Z"]  # tree order
    expected = {  # code: (base, participants, attempts, rate, average, best, full scores)
        "P": (50, 3, 4, 6.0, 2.67, 4, 1),
        "P-D1": (20, 2, 3, 10.0, 3.5, 4, 1),
        "P-D1-O1": (5, 2, 3, 40.0, 3.5, 4, 1),
        "P-D1-O2": (5, 0, 0, 0.0, None, None, 0),
        "P-D2": (30, 1, 1, 3.3, 1.0, 1, 0),
        "P-D2-C1": (10, 0, 0, 0.0, None, None, 0),
        "P-Z": (0, 0, 0, None, None, None, 0),
    }
    actual = {code: (r.base, r.participants, r.attempts, r.rate, r.average, r.best, r.full_scores) for code, r in rows.items()}
    assert actual == expected
    assert rows["P-Z"].below_threshold is False  # base 0: "—", never highlighted
    assert [r.code for r in rows.values() if r.below_threshold] == ["P", "P-D1", "P-D1-O1", "P-D1-O2", "P-D2", "P-D2-C1"]


def test_contest_scope_counts_distinct_people_across_rounds(db_session, world):
    rows = by_code(statistics.participation_by_unit(db_session, Scope(world["contest"]), world["p"], threshold=5))
    assert (rows["P"].participants, rows["P"].attempts, rows["P-D1"].participants) == (4, 5, 3)
    assert rows["P"].rate == 8.0 and not rows["P"].below_threshold
    assert rows["P-D1-O2"].average == 2.0


def test_staff_lists_replace_headcounts_only_when_every_unit_has_one(db_session, world):
    users = world["users"]
    o1_list = [STAFF_HEADER, ["Người Một", users["u1"].cccd, "", "P-D1-O1", ""], ["Người Hai", "", users["u2"].phone, "P-D1-O1", ""],
               ["Người Ba", "000000000099", "", "P-D1-O1", "Chuyên viên"]]
    assert staff_service.import_staff(db_session, xlsx_bytes(o1_list), "ds.xlsx", None).ok
    db_session.commit()
    scope = Scope(world["contest"], world["r1"])
    rows = by_code(statistics.participation_by_unit(db_session, scope, world["p"]))
    assert (rows["P-D1-O1"].base, rows["P-D1-O1"].rate, rows["P-D1-O1"].base_source) == (3, 66.7, "Danh sách cán bộ")
    assert (rows["P-D1"].base, rows["P-D1"].base_source) == (20, "Số CBCCVC")  # O2 and D1 itself have no list yet
    assert [p.full_name for p in statistics.non_participants(db_session, scope, world["o1"])] == ["Người Ba"]

    others = [STAFF_HEADER, ["Người Bốn", "000000000098", "", "P-D1", ""], ["Người Năm", users["u3"].cccd, "", "P-D1-O2", ""]]
    assert staff_service.import_staff(db_session, xlsx_bytes(others), "ds2.xlsx", None).ok
    db_session.commit()
    rows = by_code(statistics.participation_by_unit(db_session, scope, world["p"]))
    assert (rows["P-D1"].base, rows["P-D1"].rate) == (5, 40.0)
    assert sorted(p.full_name for p in statistics.non_participants(db_session, scope, world["d1"])) == ["Người Ba", "Người Bốn", "Người Năm"]
    whole = Scope(world["contest"])  # u3 took part in round 2
    assert sorted(p.full_name for p in statistics.non_participants(db_session, whole, world["d1"])) == ["Người Ba", "Người Bốn"]


def test_registered_non_participants(db_session, world):
    names = [u.full_name for u in statistics.registered_non_participants(db_session, Scope(world["contest"], world["r1"]), world["p"])]
    assert sorted(names) == sorted([world["users"][k].full_name for k in ("u3", "u5", "u6")])


@pytest.mark.parametrize(
    "rows, message",
    [
        ([["A", "123", "", "P-D1", ""]], "ds.xlsx, trang tính “Sheet1”, dòng 2, cột B (CCCD): Số CCCD “123” phải gồm đúng 12 chữ số."),
        ([["A", "", "", "P-D1", ""]], "ds.xlsx, trang tính “Sheet1”, dòng 2, cột B (CCCD): Cần ít nhất số CCCD hoặc số điện thoại để đối chiếu với tài khoản dự thi."),
        ([["A", "", "0910000009", "KHONG", ""]], "ds.xlsx, trang tính “Sheet1”, dòng 2, cột D (Mã đơn vị): Không tìm thấy đơn vị có mã “KHONG”."),
        ([["A", "000000000011", "", "P-D1", ""], ["B", "000000000011", "", "P-D1", ""]], "ds.xlsx, trang tính “Sheet1”, dòng 3, cột B (CCCD): Số CCCD 000000000011 bị trùng với dòng 2."),
        ([["", "", "0910000009", "P-D1", ""]], "ds.xlsx, trang tính “Sheet1”, dòng 2, cột A (Họ và tên): Thiếu họ và tên."),
        ([["A", "", "12345", "P-D1", ""]], "ds.xlsx, trang tính “Sheet1”, dòng 2, cột C (Số điện thoại): Số điện thoại “12345” không phải số di động Việt Nam hợp lệ."),
        ([["A", "", "0910000009", "P-D2", ""]], "ds.xlsx, trang tính “Sheet1”, dòng 2, cột D (Mã đơn vị): Đơn vị “Đơn vị 5” không thuộc phạm vi bạn quản lý."),
    ],
)
def test_bad_staff_lists_write_nothing(db_session, world, rows, message):
    result = staff_service.import_staff(db_session, xlsx_bytes([STAFF_HEADER, *rows]), "ds.xlsx", world["d1"])
    assert [str(i) for i in result.issues][0] == message
    db_session.rollback()
    assert statistics.non_participants(db_session, Scope(world["contest"]), world["p"]) == []


def test_item_statistics(db_session, world):
    total, items = statistics.item_statistics(db_session, Scope(world["contest"], world["r1"]))
    assert total == 4
    assert sum(i.shown for i in items) == 16  # 4 attempts x 4 questions
    assert sum(i.correct for i in items) == 4 + 2 + 3 + 1
    assert all(i.discrimination is None for i in items)  # fewer than 30 attempts
    for item in items:
        assert item.shown == 4  # the round draws all 4 questions of the bank
        # A right answer picks every key, a wrong one exactly one wrong choice (see play()).
        assert sum(item.picks.values()) == item.correct * len(item.key_labels) + (item.shown - item.correct)
        assert set(item.picks) <= {label for label, _, _ in item.choices}


def test_dashboard_figures(db_session, world):
    board = statistics.dashboard(db_session, Scope(world["contest"], world["r1"]))
    assert (board.participants, board.finished_attempts, board.in_progress, board.base) == (3, 4, 1, 50)
    assert board.per_day == [("23/11/2026", 4, 3)]
    assert board.score_distribution == [(1, 1), (3, 1), (4, 1)]
    assert [u.code for u in board.top_by_rate] == ["P-D1", "P-D2"]  # P-Z has no base: no rate
    assert [u.code for u in board.top_by_average] == ["P-D1", "P-D2"]


def test_discrimination_and_the_wrong_key_flag(db_session, make_unit, make_user, make_contest, make_bank):
    """40 people: the strong answer Q1, Q2 right and pick A on Q3; the weak miss Q1, Q2 and pick Q3's key B.
    Q3 looks wrongly keyed: negative discrimination, and the top group prefers a wrong choice."""
    unit = make_unit("S", kind=UnitKind.province)
    bank = make_bank(owner=unit, topics=("T1", "T2", "T3"), per_topic=1)
    contest = make_contest(unit=unit, bank=bank, per_topic=1)
    round_ = contest.rounds[0]
    for index in range(40):
        strong = index < 20
        attempt = attempt_service.start_attempt(db_session, make_user(unit=unit), round_, T0, POLICY)
        answers = {}
        for q in attempt.questions:
            by_source = {c["source"]: c["key"] for c in q.choices}
            if q.text.startswith("T3"):
                answers[q.id] = [by_source["A"]] if strong else q.correct_keys
            else:
                answers[q.id] = q.correct_keys if strong else [by_source["D"]]
        attempt_service.save_answers(db_session, attempt, answers, T0, POLICY)
        attempt_service.submit_attempt(db_session, attempt, T0 + timedelta(minutes=1 + index), POLICY)
    db_session.commit()
    total, items = statistics.item_statistics(db_session, Scope(contest, round_))
    stats = {i.topic: i for i in items}
    assert total == 40
    assert (stats["T1"].facility, stats["T1"].discrimination, stats["T1"].flag) == (0.5, 1.0, None)
    assert (stats["T3"].facility, stats["T3"].discrimination) == (0.5, -1.0)
    assert stats["T3"].share("A") == 0.5 and stats["T3"].share("B") == 0.5
    assert stats["T3"].flag == "Nhóm điểm cao chọn phương án A nhiều hơn đáp án"


def _ranked_reference(session, round_):
    """Item statistics the slow, obvious way (DESIGN.md): rank every finished attempt by score, high first, then
    id; the first 27 % are the top group, the last 27 % the bottom (top first where both hold); count each drawn
    question's answers per group."""
    from collections import Counter, defaultdict
    import math

    from sqlalchemy import select

    from contest.models import Answer, Attempt, AttemptQuestion
    from contest.models.attempts import FINISHED

    attempts = session.scalars(select(Attempt).where(Attempt.round_id == round_.id, Attempt.status.in_(FINISHED))).all()
    ranked = sorted(attempts, key=lambda a: (-a.score, a.id))
    size = math.ceil(statistics.DISCRIMINATION_GROUP * len(ranked))
    group = {a.id: "top" if i < size else "bottom" if i >= len(ranked) - size else "middle" for i, a in enumerate(ranked)}
    answers = {a.attempt_question_id: a for a in session.scalars(select(Answer).where(Answer.attempt_id.in_(group)))}
    shown, correct, picks, top_picks = Counter(), Counter(), defaultdict(Counter), defaultdict(Counter)
    per_group = defaultdict(lambda: [0, 0])
    for aq in session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(group))):
        answer, grp = answers.get(aq.id), group[aq.attempt_id]
        right = bool(answer and answer.is_correct)
        shown[aq.question_id] += 1
        correct[aq.question_id] += right
        per_group[aq.question_id, grp][0] += 1
        per_group[aq.question_id, grp][1] += right
        for label in answer.selected_original.split(",") if answer and answer.selected_original else ():
            picks[aq.question_id][label] += 1
            if grp == "top":
                top_picks[aq.question_id][label] += 1
    discrimination = {}
    for q in shown:
        top, bottom = per_group.get((q, "top")), per_group.get((q, "bottom"))
        if len(ranked) >= statistics.MIN_ATTEMPTS_FOR_DISCRIMINATION and top and bottom:
            discrimination[q] = round(top[1] / top[0] - bottom[1] / bottom[0], 3)
    return len(ranked), {q: (shown[q], correct[q], dict(picks[q]), dict(top_picks[q]), discrimination.get(q)) for q in shown}


@pytest.mark.parametrize("people, seed", [(45, 1), (61, 2), (37, 3), (3, 4), (1, 5)])
def test_item_statistics_split_tied_scores_at_the_cuts_as_a_ranking_would(
        db_session, make_unit, make_user, make_contest, make_bank, people, seed):
    """Many people share each score, so the 27 % cuts fall inside a score level and the attempt's id decides its
    side; some questions are left unanswered. The groups, counts and picks equal a ranking done by hand."""
    import random

    rng = random.Random(seed)
    unit = make_unit("S", kind=UnitKind.province)
    contest = make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=2), per_topic=2)
    round_ = contest.rounds[0]
    for index in range(people):
        attempt = attempt_service.start_attempt(db_session, make_user(unit=unit), round_, T0, POLICY)
        answers = {}
        for q in attempt.questions:
            kind = rng.choice(("right", "right", "wrong", "none"))
            if kind == "right":
                answers[q.id] = q.correct_keys
            elif kind == "wrong":
                answers[q.id] = [rng.choice([c["key"] for c in q.choices if c["key"] not in q.correct_keys])]
        attempt_service.save_answers(db_session, attempt, answers, T0, POLICY)
        attempt_service.submit_attempt(db_session, attempt, T0 + timedelta(minutes=1 + index), POLICY)
    db_session.commit()
    total, items = statistics.item_statistics(db_session, Scope(contest, round_))
    expected_total, expected = _ranked_reference(db_session, round_)
    assert total == expected_total == people
    got = {i.question_id: (i.shown, i.correct, dict(+i.picks), dict(+i.top_picks), i.discrimination) for i in items}
    assert got == expected


def test_group_parts_by_hand():
    """10 attempts, group size 3: scores 9 (2), 7 (4), 5 (1), 3 (3): the top cut falls inside 7, the bottom cut
    inside 5's neighbour 3 exactly at its start; one attempt alone is top, not also bottom."""
    assert statistics._group_parts([(9, 2), (7, 4), (5, 1), (3, 3)], 10, 3) == [
        (9, 2, 0, 0), (7, 1, 3, 0), (5, 0, 1, 0), (3, 0, 0, 3)]
    assert statistics._group_parts([(6, 10)], 10, 3) == [(6, 3, 4, 3)]
    assert statistics._group_parts([(4, 1)], 1, 1) == [(4, 1, 0, 0)]
    assert statistics._group_parts([(4, 2), (1, 2)], 4, 2) == [(4, 2, 0, 0), (1, 0, 0, 2)]
