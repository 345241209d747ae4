"""Who may take part (contest/services/contests.py: contests_for_participant, admission_refusal).

Written to kill the mutants `make mutation` found alive (see TESTING.md): the list of a participant's
contests leaves out drafts and other units' contests, keeps public ones and is newest first, and the
refusals are shown whole.
"""

from __future__ import annotations

from datetime import timedelta

from contest.models import UnitKind
from contest.services import contests as contest_service
from tests.conftest import T0


def test_a_participant_sees_the_published_contests_of_their_units_and_the_public_ones_newest_first(
        db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("P", kind=UnitKind.province, name="UBND tỉnh")
    east = make_unit("P-E", parent=province, kind=UnitKind.district, name="Huyện Đông")
    west = make_unit("P-W", parent=province, kind=UnitKind.district, name="Huyện Tây")
    office = make_unit("P-E-1", parent=east, name="Phòng Một")
    bank = make_bank(owner=province, per_topic=2)
    ours = make_contest(unit=province, bank=bank, title="Huyện Đông", eligible_unit_ids=[east.id])
    public = make_contest(unit=province, bank=bank, title="Mọi người", audience="public")
    make_contest(unit=province, bank=bank, title="Huyện Tây", eligible_unit_ids=[west.id])
    make_contest(unit=province, bank=bank, title="Bản nháp", eligible_unit_ids=[east.id], publish=False)
    ours.created_at, public.created_at = T0, T0 + timedelta(hours=1)  # the later one, created second, comes first
    db_session.commit()

    listed = contest_service.contests_for_participant(db_session, make_user(unit=office))
    assert [c.title for c in listed] == ["Mọi người", "Huyện Đông"]
    listed = contest_service.contests_for_participant(db_session, make_user(unit=west))
    assert [c.title for c in listed] == ["Huyện Tây", "Mọi người"]


def test_refusals_are_shown_whole(db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("P", kind=UnitKind.province, name="UBND tỉnh")
    commune = make_unit("P-C", parent=province, kind=UnitKind.commune, name="Xã Một")
    bank = make_bank(owner=province, per_topic=2)
    citizens_only = make_contest(unit=province, bank=bank, admitted_groups="citizen")
    both = make_contest(unit=province, bank=bank, admitted_groups="civil_servant,citizen")
    servant = make_user(unit=commune)
    without_cccd = make_user(participant_group="citizen", residence_unit=commune, cccd=None)

    assert contest_service.admission_refusal(servant, citizens_only) == (
        "Cuộc thi này dành cho Người dân; tài khoản của bạn đăng ký là cán bộ, công chức, viên chức nên không dự thi được.")
    assert contest_service.admission_refusal(without_cccd, both) == (
        "Cuộc thi này yêu cầu số CCCD; tài khoản của bạn chưa có. "
        "Vui lòng liên hệ ban tổ chức hoặc quản trị viên để bổ sung số CCCD trước khi dự thi.")
