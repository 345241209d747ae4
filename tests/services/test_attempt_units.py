"""Past attempts keep the unit they were taken in: a correction or an approved move changes where a person
counts from then on, never the participation already counted for their old unit. The migration that added
`attempts.unit_id` filled it from the participant's unit."""

from __future__ import annotations

from datetime import datetime, timedelta

from alembic import command
from sqlalchemy import Boolean, DateTime, Integer, MetaData, String, Text, create_engine, insert, text

from contest.migrate import alembic_config
from contest.models import Role, UnitKind
from contest.services import people
from contest.services.statistics import Scope, participation_by_unit
from tests.conftest import T0
from tests.helpers import play


def _counts(session, scope, root):
    return {row.code: (row.participants, row.attempts) for row in participation_by_unit(session, scope, root)}


def test_a_moved_person_counts_where_each_attempt_was_taken(db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("P", kind=UnitKind.province)
    old, new = make_unit("P-A", parent=province), make_unit("P-B", parent=province)
    admin = make_user(Role.admin)
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=4), rounds=2, per_topic=2,
                           eligible_unit_ids=[province.id])
    person = make_user(Role.participant, unit=old)
    stayed = make_user(Role.participant, unit=old)
    first = play(db_session, person, contest.rounds[0], T0 + timedelta(hours=1), correct=2)
    play(db_session, stayed, contest.rounds[0], T0 + timedelta(hours=1), correct=1)
    assert first.unit_id == old.id

    changes = people.correct_person(db_session, admin, person, people.Correction(
        full_name=person.full_name, phone=person.phone, email=None, cccd=person.cccd, unit_id=new.id))
    db_session.commit()
    assert changes == {"unit_id": (old.id, new.id)}
    db_session.refresh(first)
    assert first.unit_id == old.id  # the past attempt stays where it was taken
    round_one = Scope(contest, contest.rounds[0])
    assert _counts(db_session, round_one, province) == {"P": (2, 2), "P-A": (2, 2), "P-B": (0, 0)}

    play(db_session, person, contest.rounds[1], contest.rounds[1].opens_at + timedelta(hours=1), correct=2)
    assert _counts(db_session, round_one, province) == {"P": (2, 2), "P-A": (2, 2), "P-B": (0, 0)}
    assert _counts(db_session, Scope(contest, contest.rounds[1]), province) == {"P": (1, 1), "P-A": (0, 0), "P-B": (1, 1)}
    # The whole contest: each attempt where it was taken; each person once, in the unit of their latest attempt.
    assert _counts(db_session, Scope(contest), province) == {"P": (2, 3), "P-A": (1, 2), "P-B": (1, 1)}


def test_an_approved_move_leaves_past_attempts_in_the_old_unit(db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("P", kind=UnitKind.province)
    old, new = make_unit("P-A", parent=province), make_unit("P-B", parent=province)
    manager = make_user(Role.unit_manager, unit=new)
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=4), per_topic=2, eligible_unit_ids=[province.id])
    person = make_user(Role.participant, unit=old)
    attempt = play(db_session, person, contest.rounds[0], T0 + timedelta(hours=1), correct=1)
    move = people.request_move(db_session, person, new.id, "Chuyển công tác")
    people.decide_move(db_session, manager, move, True, "", T0 + timedelta(hours=2))
    db_session.commit()
    assert person.unit_id == new.id and attempt.unit_id == old.id
    assert _counts(db_session, Scope(contest), province) == {"P": (1, 1), "P-A": (1, 1), "P-B": (0, 0)}


def test_a_citizen_who_moved_counts_in_the_commune_where_they_took_part(db_session, make_unit, make_user, make_contest, make_bank):
    """A citizen takes part while living in commune A, then moves to B: that attempt, and the citizen in the
    participation table and the period report, stay in A; the civil servants' figures do not change."""
    from contest.services.period_report import period_report
    from contest.services.periods import custom_period

    province = make_unit("P", kind=UnitKind.province)
    district = make_unit("P-D", parent=province, kind=UnitKind.district)
    a = make_unit("P-D-A", parent=district, kind=UnitKind.commune)
    b = make_unit("P-D-B", parent=district, kind=UnitKind.commune)
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=4), per_topic=2, eligible_unit_ids=[province.id],
                           audience="public", admitted_groups="civil_servant,citizen")
    citizen = make_user(participant_group="citizen", residence_unit=a)
    servant = make_user(Role.participant, unit=a)
    attempt = play(db_session, citizen, contest.rounds[0], T0 + timedelta(hours=1), correct=2)
    play(db_session, servant, contest.rounds[0], T0 + timedelta(hours=1), correct=1)
    assert attempt.unit_id == a.id  # the commune the citizen lived in when the attempt started

    move = people.request_move(db_session, citizen, b.id, "Chuyển nơi cư trú")
    people.decide_move(db_session, make_user(Role.admin), move, True, "", T0 + timedelta(hours=2))
    db_session.commit()
    db_session.refresh(attempt)
    assert citizen.residence_unit_id == b.id and attempt.unit_id == a.id

    rows = {r.code: r for r in participation_by_unit(db_session, Scope(contest), province)}
    assert {c: (rows[c].participants, rows[c].attempts, rows[c].citizens) for c in rows} == {
        "P": (1, 1, 1), "P-D": (1, 1, 1), "P-D-A": (1, 1, 1), "P-D-B": (0, 0, 0)}
    week = custom_period(T0.date(), T0.date() + timedelta(days=6))
    report = {r.code: r.current for r in period_report(db_session, province, week).rows}
    assert {c: (report[c].participants, report[c].attempts, report[c].citizens) for c in report} == {
        "P": (1, 1, 1), "P-D": (1, 1, 1), "P-D-A": (1, 1, 1), "P-D-B": (0, 0, 0)}


def test_a_corrected_group_takes_the_attempts_to_where_the_group_places_the_person(db_session, make_unit, make_user, make_contest,
                                                                                  make_bank):
    """The group was wrong, so the attempts were never taken where it placed the person: a civil servant corrected
    to a citizen counts in their commune of residence, a citizen corrected to a civil servant in their unit."""
    province = make_unit("P", kind=UnitKind.province)
    office = make_unit("P-O", parent=province)
    commune = make_unit("P-C", parent=province, kind=UnitKind.commune)
    admin = make_user(Role.admin)
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=4), per_topic=2, eligible_unit_ids=[province.id],
                           audience="public", admitted_groups="civil_servant,citizen")
    servant = make_user(Role.participant, unit=office)
    resident = make_user(participant_group="citizen", residence_unit=commune)
    for person in (servant, resident):
        play(db_session, person, contest.rounds[0], T0 + timedelta(hours=1), correct=2)
    people.correct_person(db_session, admin, servant, people.Correction(
        full_name=servant.full_name, phone=servant.phone, email=None, cccd=servant.cccd, unit_id=0,
        participant_group="citizen", residence_unit_id=commune.id))
    people.correct_person(db_session, admin, resident, people.Correction(
        full_name=resident.full_name, phone=resident.phone, email=None, cccd=resident.cccd, unit_id=office.id,
        participant_group="civil_servant", residence_unit_id=0))
    db_session.commit()
    rows = {r.code: (r.participants, r.attempts, r.citizens) for r in participation_by_unit(db_session, Scope(contest), province)}
    assert rows == {"P": (1, 1, 1), "P-O": (1, 1, 0), "P-C": (0, 0, 1)}


def _row(table, **values):
    """`values`, plus a plain value for every other column that must have one (whatever later migrations add)."""
    plain = {Integer: 1, String: "x", Text: "x", Boolean: False, DateTime: datetime(2026, 11, 23, 1, 0)}
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.primary_key:
            continue
        row[column.name] = next(v for t, v in plain.items() if isinstance(column.type, t))
    return row


def _attempt_units_after(tmp_path, revision: str, rows: list[tuple[str, dict]]) -> dict[int, int | None]:
    """Each attempt's unit_id once the migration `revision` has run on a database holding `rows` ((table, values)
    pairs, written just before it)."""
    url = f"sqlite:///{tmp_path / 'migration.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, f"{revision}-1")
    engine = create_engine(url)  # no PRAGMA foreign_keys: a row needs none of those it refers to
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        for name, values in rows:
            connection.execute(insert(tables.tables[name]).values(_row(tables.tables[name], **values)))
    command.upgrade(config, revision)
    with engine.connect() as connection:
        units = dict(connection.execute(text("SELECT id, unit_id FROM attempts")).all())
    engine.dispose()
    return units


def test_the_migration_fills_attempt_units_from_their_participants(tmp_path):
    rows = [
        ("units", dict(id=7, code="P", kind="province", path="/7/")),
        ("contests", dict(id=1, owner_unit_id=7, status="published", audience="units", grading="best",
                          review_policy="score_only", leaderboard_visibility="hidden")),
        ("rounds", dict(id=1, contest_id=1, closes_at=datetime(2026, 12, 1), time_limit_minutes=20)),
        *(("users", dict(id=user_id, phone=f"091200000{user_id}", unit_id=unit_id, role="participant"))
          for user_id, unit_id in ((1, 7), (2, None))),
        *(("attempts", dict(id=attempt_id, round_id=1, user_id=user_id, number=attempt_id, status="submitted"))
          for attempt_id, user_id in ((1, 1), (2, 1), (3, 2))),
    ]
    assert _attempt_units_after(tmp_path, "e5b1c7d3a902", rows) == {1: 7, 2: 7, 3: None}


def test_the_migration_places_citizens_attempts_in_their_commune(tmp_path):
    rows = [
        *(("units", dict(id=unit_id, code=code, kind="province", path=f"/{unit_id}/")) for unit_id, code in ((7, "P"), (8, "P-C"))),
        # 1 a civil servant of P, 2 a citizen living in P-C, 3 a citizen living outside the tree.
        *(("users", dict(id=user_id, phone=f"091200000{user_id}", unit_id=unit_id, role="participant",
                         participant_group=group, residence_unit_id=residence))
          for user_id, group, unit_id, residence in ((1, "civil_servant", 7, None), (2, "citizen", None, 8), (3, "citizen", None, None))),
        *(("attempts", dict(id=attempt_id, round_id=1, user_id=user_id, number=attempt_id, status="submitted", unit_id=unit_id))
          for attempt_id, user_id, unit_id in ((1, 1, 7), (2, 2, None), (3, 2, None), (4, 3, None))),
    ]
    assert _attempt_units_after(tmp_path, "b7c3e9d1f458", rows) == {1: 7, 2: 8, 3: 8, 4: None}
