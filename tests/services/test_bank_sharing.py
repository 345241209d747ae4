"""A bank of an ancestor unit serves a lower unit's contests only when its owner shares it (issue 15, point 8)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.errors import ValidationError
from contest.models import UnitKind
from contest.services import attempts as attempt_service
from contest.services import contests as svc
from contest.services import questions as question_service
from contest.services.attempts import AttemptError, AttemptPolicy
from contest.services.contests import BlueprintLine, ContestSettings, RoundSettings
from tests.conftest import T0


@pytest.fixture
def tree(make_unit):
    province = make_unit("P", kind=UnitKind.province)
    district = make_unit("P-D", parent=province, kind=UnitKind.district)
    return province, district, make_unit("P-D-C", parent=district, kind=UnitKind.commune), make_unit("Q", kind=UnitKind.province)


@pytest.fixture
def province_bank(make_bank, tree):
    return make_bank(name="Ngân hàng tỉnh", owner=tree[0], per_topic=5)


def _lines(bank, per_topic=2):
    return [BlueprintLine(bank.id, topic.id, None, per_topic) for topic in bank.topics]


def _round(bank, title="Tuần 1"):
    return RoundSettings(title, T0, T0 + timedelta(days=7), 15, _lines(bank))


def _contest(session, unit, **settings):
    return svc.create_contest(session, unit, ContestSettings(title="Thi của đơn vị", eligible_unit_ids=[unit.id], **settings))


def _usable(session, unit):
    return {b.name for b in svc.usable_banks(session, unit)}


def test_a_contest_may_pick_its_subtrees_banks_and_the_shared_banks_above(db_session, tree, make_bank):
    province, district, commune, elsewhere = tree
    banks = {name: make_bank(name=name, owner=owner, per_topic=1)
             for name, owner in [("Tỉnh", province), ("Huyện", district), ("Xã", commune), ("Tỉnh khác", elsewhere)]}
    banks["Dòng lệnh"] = question_service.get_or_create_bank(db_session, "Dòng lệnh", None)  # imported from the command line
    assert _usable(db_session, province) == {"Tỉnh", "Huyện", "Xã"}
    assert _usable(db_session, district) == {"Huyện", "Xã"}
    assert _usable(db_session, commune) == {"Xã"}

    for name in ("Tỉnh", "Tỉnh khác", "Dòng lệnh"):
        assert question_service.set_shared_with_lower_units(db_session, banks[name], True) is True
    assert question_service.set_shared_with_lower_units(db_session, banks["Tỉnh"], True) is False  # already shared
    assert _usable(db_session, district) == {"Tỉnh", "Huyện", "Xã", "Dòng lệnh"}
    assert _usable(db_session, commune) == {"Tỉnh", "Xã", "Dòng lệnh"}  # the district's bank is not shared
    assert _usable(db_session, elsewhere) == {"Tỉnh khác", "Dòng lệnh"}  # a share goes down the owner's tree only


def test_a_lower_units_round_cannot_draw_from_an_unshared_bank_above(db_session, tree, province_bank):
    district = tree[1]
    contest = _contest(db_session, district, review_policy="immediate")
    with pytest.raises(ValidationError, match="Dòng 1: ngân hàng câu hỏi không được phép dùng cho cuộc thi này"):
        svc.save_round(db_session, contest, None, _round(province_bank))
    assert contest.rounds == []
    question_service.set_shared_with_lower_units(db_session, province_bank, True)
    round_ = svc.save_round(db_session, contest, None, _round(province_bank))
    assert [item.bank_id for item in round_.blueprint] == [province_bank.id] * 2
    svc.set_status(db_session, contest, "published")


def test_unsharing_stops_new_use_but_a_round_with_attempts_keeps_drawing(db_session, tree, province_bank, make_user):
    district = tree[1]
    question_service.set_shared_with_lower_units(db_session, province_bank, True)
    contest = _contest(db_session, district)
    running = svc.save_round(db_session, contest, None, _round(province_bank, "Tuần 1"))
    waiting = svc.save_round(db_session, contest, None, _round(province_bank, "Tuần 2"))
    svc.set_status(db_session, contest, "published")
    attempt_service.start_attempt(db_session, make_user(unit=district), running, T0, AttemptPolicy())

    question_service.set_shared_with_lower_units(db_session, province_bank, False)
    assert svc.usable_banks(db_session, district) == []
    assert [b.id for b in svc.unusable_round_banks(db_session, waiting)] == [province_bank.id]
    # The round already taken goes on: another participant starts, and its settings may still change.
    assert attempt_service.start_attempt(db_session, make_user(unit=district), running, T0, AttemptPolicy()).questions
    renamed = _round(province_bank, "Tuần 1 (gia hạn)")
    svc.save_round(db_session, contest, running, renamed)
    assert svc.draw_refusal(db_session, running) is None
    assert svc.blueprint_problems(db_session, running) == []
    # The round nobody has taken does not start, cannot be kept as it is, and the contest cannot be published again.
    with pytest.raises(AttemptError, match="“Ngân hàng tỉnh” mà đơn vị quản lý chưa chia sẻ cho đơn vị cấp dưới"):
        attempt_service.start_attempt(db_session, make_user(unit=district), waiting, T0, AttemptPolicy())
    assert svc.blueprint_problems(db_session, waiting) == [
        "Vòng 2: Dòng 1: ngân hàng câu hỏi không được phép dùng cho cuộc thi này (chỉ dùng được ngân hàng của đơn vị "
        "tổ chức cuộc thi, của đơn vị trực thuộc, hoặc ngân hàng được đơn vị cấp trên chia sẻ cho đơn vị cấp dưới).",
        "Vòng 2: Dòng 2: ngân hàng câu hỏi không được phép dùng cho cuộc thi này (chỉ dùng được ngân hàng của đơn vị "
        "tổ chức cuộc thi, của đơn vị trực thuộc, hoặc ngân hàng được đơn vị cấp trên chia sẻ cho đơn vị cấp dưới).",
    ]
    with pytest.raises(ValidationError, match="không được phép dùng"):
        svc.save_round(db_session, contest, waiting, _round(province_bank, "Tuần 2"))
    with pytest.raises(ValidationError, match="không được phép dùng"):
        svc.save_round(db_session, contest, None, _round(province_bank, "Tuần 3"))
    svc.set_status(db_session, contest, "draft")
    with pytest.raises(ValidationError, match="Chưa thể công bố"):
        svc.set_status(db_session, contest, "published")


def test_the_province_itself_draws_from_its_bank_without_sharing(db_session, tree, province_bank, make_user):
    province = tree[0]
    contest = _contest(db_session, province)
    round_ = svc.save_round(db_session, contest, None, _round(province_bank))
    svc.set_status(db_session, contest, "published")
    assert svc.draw_refusal(db_session, round_) is None
    assert attempt_service.start_attempt(db_session, make_user(unit=province), round_, T0, AttemptPolicy()).questions
