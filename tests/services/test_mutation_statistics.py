"""Participation per unit (contest/services/statistics.py: participation_by_unit, _person_scores).

Written to kill the mutants `make mutation` found alive (see TESTING.md): the fields of each row,
`max_depth` and depths relative to the report's root, staff counted per unit, zero sums, the
subtree bound of the roll-up, and disqualified people still counting as participants.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.models import UnitKind
from contest.models.units import UNIT_NAME_SEPARATOR
from contest.services import prizes, statistics
from contest.services import staff as staff_service
from contest.services.attempts import start_attempt, submit_attempt
from contest.services.statistics import Scope
from tests.conftest import T0
from tests.helpers import POLICY, xlsx_bytes
from tests.services.test_statistics import STAFF_HEADER, play


@pytest.fixture
def tree(make_unit):
    """P (0) > D1 (10) > O1 (5), O2 (5); P > D2 (20) > C1 (10)."""
    p = make_unit("P", kind=UnitKind.province, headcount=0, name="UBND tỉnh")
    d1 = make_unit("P-D1", parent=p, kind=UnitKind.department, headcount=10, name="Sở Nội vụ")
    o1 = make_unit("P-D1-O1", parent=d1, headcount=5, name="Phòng Một")
    o2 = make_unit("P-D1-O2", parent=d1, headcount=5, name="Phòng Hai")
    d2 = make_unit("P-D2", parent=p, kind=UnitKind.district, headcount=20, name="Huyện Hai")
    c1 = make_unit("P-D2-C1", parent=d2, kind=UnitKind.commune, headcount=10, name="Xã Một")
    return {u.code: u for u in (p, d1, o1, o2, d2, c1)}


@pytest.fixture
def contest(make_contest, make_bank, tree):
    return make_contest(unit=tree["P"], bank=make_bank(owner=tree["P"], per_topic=2), per_topic=2)


def rows_of(session, contest, root, **options):
    return {r.code: r for r in statistics.participation_by_unit(session, Scope(contest, contest.rounds[0]), root, **options)}


def test_rows_carry_the_unit_and_depths_relative_to_the_root(db_session, contest, tree, make_user):
    play(db_session, make_user(unit=tree["P-D1-O1"]), contest.rounds[0], T0, 4)
    play(db_session, make_user(unit=tree["P-D1-O2"]), contest.rounds[0], T0, 0)  # took part, scored nothing
    rows = rows_of(db_session, contest, tree["P-D1"])
    assert [(r.unit_id, r.code, r.name, r.kind, r.depth) for r in rows.values()] == [
        (tree["P-D1"].id, "P-D1", "Sở Nội vụ", UnitKind.department, 0),
        (tree["P-D1-O1"].id, "P-D1-O1", "Phòng Một", UnitKind.office, 1),
        (tree["P-D1-O2"].id, "P-D1-O2", "Phòng Hai", UnitKind.office, 1)]
    assert [(r.participants, r.score_sum, r.average, r.best, r.full_scores) for r in rows.values()] == [
        (2, 4, 2.0, 4, 1), (1, 4, 4.0, 4, 1), (1, 0, 0.0, 0, 0)]
    # No staff list anywhere: the staff count is 0 (not one per unit) and the base is the headcount.
    assert [(r.staff, r.has_staff_lists, r.base) for r in rows.values()] == [(0, False, 20), (0, False, 5), (0, False, 5)]


@pytest.mark.parametrize(("max_depth", "codes"), [
    (0, ["P"]),
    (1, ["P", "P-D1", "P-D2"]),
    (2, ["P", "P-D1", "P-D1-O1", "P-D1-O2", "P-D2", "P-D2-C1"]),
])
def test_max_depth_counts_levels_below_the_root(db_session, contest, tree, max_depth, codes):
    assert list(rows_of(db_session, contest, tree["P"], max_depth=max_depth)) == codes


def test_max_depth_is_relative_to_a_root_below_the_top(db_session, contest, tree):
    rows = rows_of(db_session, contest, tree["P-D2"], max_depth=0)
    assert [(code, r.depth, r.headcount) for code, r in rows.items()] == [("P-D2", 0, 30)]  # still rolls up C1


def test_staff_are_counted_in_their_own_unit(db_session, contest, tree):
    people = [STAFF_HEADER, ["Người Một", "000000000091", "", "P-D1-O1", ""], ["Người Hai", "000000000092", "", "P-D1-O1", ""],
              ["Người Ba", "000000000093", "", "P-D1-O2", ""], ["Người Bốn", "000000000094", "", "P-D1", ""]]
    assert staff_service.import_staff(db_session, xlsx_bytes(people), "ds.xlsx", None).ok
    db_session.commit()
    rows = rows_of(db_session, contest, tree["P"])
    assert [(code, rows[code].staff, rows[code].has_staff_lists, rows[code].base) for code in ("P-D1", "P-D1-O1", "P-D1-O2", "P-D2")] == [
        ("P-D1", 4, True, 4), ("P-D1-O1", 2, True, 2), ("P-D1-O2", 1, True, 1), ("P-D2", 0, False, 30)]


def test_disqualified_people_still_count_as_participants(db_session, contest, tree, make_user):
    cheat = make_user(unit=tree["P-D2-C1"])
    play(db_session, cheat, contest.rounds[0], T0, 3)
    prizes.disqualify(db_session, contest, cheat, "Gian lận khi làm bài", None)
    db_session.commit()
    rows = rows_of(db_session, contest, tree["P"])
    assert [(rows[c].participants, rows[c].score_sum, rows[c].best, rows[c].attempts) for c in ("P", "P-D2", "P-D2-C1")] == [
        (1, 3, 3, 1), (1, 3, 3, 1), (1, 3, 3, 1)]


def test_the_roll_up_stops_at_units_whose_id_only_starts_alike(db_session, make_unit, make_contest):
    """Paths hold ids (`/1/`, `/10/`): unit 10 is no descendant of unit 1, though its path starts with `/1`."""
    first = make_unit("A", kind=UnitKind.province, headcount=3)
    other = make_unit(headcount=7)
    while not str(other.id).startswith(str(first.id)):
        other = make_unit(headcount=7)
    assert other.path == f"/{other.id}/" and other.path.startswith(first.path[:-1])
    contest = make_contest(unit=first)
    rows = rows_of(db_session, contest, first)
    assert [(code, r.headcount) for code, r in rows.items()] == [("A", 3)]


def test_rows_name_their_parent_even_above_the_root(db_session, contest, tree):
    """The parent's name (for unit_label: "Phòng Một — Sở Nội vụ" from two levels down); the root's parent lies
    outside the report and is named too."""
    rows = rows_of(db_session, contest, tree["P"])
    assert [(code, r.parent_name, r.display_name) for code, r in rows.items()] == [
        ("P", "", "UBND tỉnh"),
        ("P-D1", "UBND tỉnh", "Sở Nội vụ"),
        ("P-D1-O1", "Sở Nội vụ", f"Phòng Một{UNIT_NAME_SEPARATOR}Sở Nội vụ"),
        ("P-D1-O2", "Sở Nội vụ", f"Phòng Hai{UNIT_NAME_SEPARATOR}Sở Nội vụ"),
        ("P-D2", "UBND tỉnh", "Huyện Hai"),
        ("P-D2-C1", "Huyện Hai", f"Xã Một{UNIT_NAME_SEPARATOR}Huyện Hai"),
    ]
    assert [(r.parent_name, r.display_name) for r in rows_of(db_session, contest, tree["P-D1"]).values()] == [
        ("UBND tỉnh", "Sở Nội vụ"), ("Sở Nội vụ", f"Phòng Một{UNIT_NAME_SEPARATOR}Sở Nội vụ"),
        ("Sở Nội vụ", f"Phòng Hai{UNIT_NAME_SEPARATOR}Sở Nội vụ")]


def test_citizens_are_counted_once_where_they_live_and_only_with_a_finished_attempt_of_the_scope(
        db_session, tree, make_user, make_contest, make_bank):
    both = "civil_servant,citizen"
    bank = make_bank(owner=tree["P"], per_topic=2)
    contest = make_contest(unit=tree["P"], bank=bank, per_topic=2, rounds=2, admitted_groups=both)
    other = make_contest(unit=tree["P"], bank=bank, per_topic=2, admitted_groups=both)
    commune = tree["P-D2-C1"]

    def citizen():
        return make_user(participant_group="citizen", residence_unit=commune)

    twice = citizen()
    play(db_session, twice, contest.rounds[0], T0, 2)
    play(db_session, twice, contest.rounds[1], T0 + timedelta(days=7), 3)
    play(db_session, citizen(), other.rounds[0], T0, 2)  # another contest
    start_attempt(db_session, citizen(), contest.rounds[0], T0, POLICY)  # not finished
    servant = make_user(unit=commune, residence_unit=commune)  # a residence on record does not make a citizen
    play(db_session, servant, contest.rounds[0], T0, 1)
    db_session.commit()

    rows = {r.code: r for r in statistics.participation_by_unit(db_session, Scope(contest), tree["P"])}
    assert [(code, rows[code].citizens, rows[code].participants) for code in ("P", "P-D2", "P-D2-C1", "P-D1")] == [
        ("P", 1, 1), ("P-D2", 1, 1), ("P-D2-C1", 1, 1), ("P-D1", 0, 0)]


def test_a_person_counts_in_the_unit_of_their_latest_finished_attempt(db_session, make_contest, make_bank, tree, make_user):
    """Latest by finishing time, not by id: the attempt started first may finish last (two rounds open at once)."""
    contest = make_contest(unit=tree["P"], bank=make_bank(owner=tree["P"], per_topic=2), per_topic=2, rounds=2)
    first_round, second_round = contest.rounds
    second_round.opens_at = T0
    person = make_user(unit=tree["P-D1-O1"])
    first = start_attempt(db_session, person, first_round, T0, POLICY)  # taken in O1
    db_session.commit()
    person.unit = tree["P-D1-O2"]  # moved
    db_session.commit()
    second = start_attempt(db_session, person, second_round, T0 + timedelta(minutes=1), POLICY)  # in O2, the later id
    submit_attempt(db_session, second, T0 + timedelta(minutes=2), POLICY)
    submit_attempt(db_session, first, T0 + timedelta(minutes=10), POLICY)  # finished last
    db_session.commit()
    rows = {r.code: r for r in statistics.participation_by_unit(db_session, Scope(contest), tree["P-D1"])}
    assert [(code, rows[code].participants, rows[code].attempts) for code in ("P-D1", "P-D1-O1", "P-D1-O2")] == [
        ("P-D1", 1, 2), ("P-D1-O1", 1, 1), ("P-D1-O2", 0, 1)]
