"""Numbers and dates read as Vietnamese (issue 20, item 5): Babel's formats, exact strings on the pages and in the
exports, and date-and-time inputs typed as dd/mm/yyyy HH:mm whatever the browser's language."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from contest.formats import (
    DateTimeInputError,
    format_date,
    format_datetime,
    format_decimal,
    format_number,
    format_percent,
    parse_local_datetime,
)
from contest.models import Contest, Role, UnitKind
from contest.services import attempts as attempt_service
from tests.conftest import T0
from tests.helpers import POLICY


@pytest.mark.parametrize("value, expected", [(3982, "3.982"), (1_234_567, "1.234.567"), (0, "0"), (None, "—")])
def test_counts_group_thousands_with_a_dot(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize("call, expected", [
    (lambda: format_percent(1.3), "1,3%"),
    (lambda: format_percent(0.1), "0,1%"),
    (lambda: format_percent(12.5), "12,5%"),
    (lambda: format_percent(100), "100,0%"),
    (lambda: format_percent(1234.5), "1.234,5%"),
    (lambda: format_percent(66.667, 0), "67%"),
    (lambda: format_percent(None), "—"),
    (lambda: format_decimal(1.333), "1,33"),
    (lambda: format_decimal(2.5, 2, fixed=False), "2,5"),
    (lambda: format_decimal(2.0, 2, fixed=False), "2"),
    (lambda: format_decimal(None), "—"),
])
def test_decimals_use_a_comma(call, expected):
    assert call() == expected


def test_dates_are_day_first_24_hour_in_vietnam_time():
    moment = datetime(2026, 11, 23, 20, 54, 50, tzinfo=timezone.utc)  # 03:54:50 on the 24th in Hà Nội
    assert format_datetime(moment) == "24/11/2026 03:54"
    assert format_date(moment) == "24/11/2026"
    assert format_datetime(None) == "" and format_date(None) == ""


@pytest.mark.parametrize("typed, expected", [
    ("24/11/2026 08:30", datetime(2026, 11, 24, 8, 30)),
    ("  1/2/2026 8:05 ", datetime(2026, 2, 1, 8, 5)),
    ("01/02/2026 17h30", datetime(2026, 2, 1, 17, 30)),
    ("01/02/2026 17g30", datetime(2026, 2, 1, 17, 30)),
])
def test_typed_dates_are_read_day_first(typed, expected):
    assert parse_local_datetime(typed) == expected


@pytest.mark.parametrize("typed, message", [
    ("2026-11-24T08:30", "Nhập ngày giờ theo dạng dd/mm/yyyy HH:mm, ví dụ 24/11/2026 08:30."),
    ("24/11/2026", "Nhập ngày giờ theo dạng dd/mm/yyyy HH:mm, ví dụ 24/11/2026 08:30."),
    ("11/24/2026 08:30", "Tháng 24 không có; tháng từ 1 đến 12 (dạng dd/mm/yyyy HH:mm)."),
    ("31/02/2026 08:00", "Ngày 31/02/2026 không có trong lịch."),
    ("24/11/2026 24:00", "Giờ 24:00 không có; giờ từ 00:00 đến 23:59."),
    ("24/11/0026 08:00", "Năm 26 không hợp lệ; nhập năm đủ bốn chữ số, từ 2000 đến 2100."),
])
def test_typed_dates_that_are_not_dd_mm_yyyy_get_a_specific_message(typed, message):
    with pytest.raises(DateTimeInputError) as error:
        parse_local_datetime(typed)
    assert str(error.value) == message


@pytest.fixture
def played(db_session, make_unit, make_user, make_contest, make_bank):
    """8 of 1.000 people of a district took part (0,8%), with scores 4 and 2 of 4 (average 3,00)."""
    province = make_unit("P", kind=UnitKind.province, headcount=0, name="UBND tỉnh")
    district = make_unit("P-H", parent=province, kind=UnitKind.district, headcount=1000, name="Huyện Đông")
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2)
    round_ = contest.rounds[0]
    for number in range(8):
        user = make_user(unit=district)
        attempt = attempt_service.start_attempt(db_session, user, round_, T0, POLICY)
        correct = 4 if number % 2 == 0 else 2
        answers = {q.id: (q.correct_keys if i < correct else [c["key"] for c in q.choices if c["key"] not in q.correct_keys][:1])
                   for i, q in enumerate(attempt.questions)}
        attempt_service.save_answers(db_session, attempt, answers, T0, POLICY)
        attempt_service.submit_attempt(db_session, attempt, T0 + timedelta(minutes=3), POLICY)
    db_session.commit()
    return {"province": province, "district": district, "contest": contest, "round": round_}


def test_report_pages_show_vietnamese_numbers(client, login_as, clock, played):
    login_as(Role.organizer, unit=played["province"])
    contest_id = played["contest"].id
    table = client.get(f"/bao-cao/cuoc-thi/{contest_id}/don-vi?nguong=12.5").get_data(as_text=True)
    row = table.split('data-unit="P-H"')[1].split("</tr>")[0]
    assert '<td data-label="Phải tham gia" class="text-end" title="Số CBCCVC">1.000</td>' in row
    assert '<td data-label="Tỷ lệ" class="text-end">0,8%</td>' in row
    assert '<td data-label="Điểm TB" class="text-end">3,00</td>' in row
    assert "Đơn vị dưới ngưỡng 12,5% được tô màu." in table
    dashboard = client.get(f"/bao-cao/cuoc-thi/{contest_id}").get_data(as_text=True)
    assert "0,8%" in dashboard and "0.8%" not in dashboard
    stats = client.get(f"/bao-cao/cuoc-thi/{contest_id}/cau-hoi").get_data(as_text=True)
    assert re.search(r"Tỷ lệ đúng: <strong>\d+%</strong>", stats) and not re.search(r"\d\.\d+%", stats)


def test_pages_show_times_as_dd_mm_yyyy_hh_mm(client, login_as, clock, played):
    login_as(Role.organizer, unit=played["province"])
    board = client.get(f"/cuoc-thi/{played['contest'].id}/xep-hang").get_data(as_text=True)
    assert "Cập nhật lúc 23/11/2026 08:00." in board
    with client.get(f"/bao-cao/cuoc-thi/{played['contest'].id}/xuat/ket-qua.xlsx") as export:  # an audited action
        assert export.status_code == 200
    client.post("/dang-xuat")
    login_as(Role.admin)
    log = client.get("/quan-tri/nhat-ky").get_data(as_text=True)
    assert re.search(r'<td data-label="Thời điểm" class="text-nowrap">\d\d/\d\d/\d{4} \d\d:\d\d</td>', log)


def test_export_titles_and_cells_are_vietnamese(client, login_as, clock, played):
    login_as(Role.organizer, unit=played["province"])
    with client.get(f"/bao-cao/cuoc-thi/{played['contest'].id}/xuat/tham-gia.xlsx?nguong=12.5") as response:
        sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A4"].value == "Thời điểm xuất: 23/11/2026 08:00 (giờ Việt Nam)"
    assert sheet["A5"].value == "Ngưỡng tỷ lệ tham gia: 12,5%"
    with client.get(f"/bao-cao/cuoc-thi/{played['contest'].id}/xuat/ket-qua.xlsx") as response:
        results = load_workbook(io.BytesIO(response.data)).active
    finished = results["K7"]
    assert finished.value == datetime(2026, 11, 23, 8, 3) and finished.number_format == "dd/mm/yyyy hh:mm"


def _round_form(bank, **fields) -> dict:
    topic = bank.topics[0]
    return {"title": "Tuần 1", "opens_at": "23/11/2026 08:00", "closes_at": "30/11/2026 17:00", "time_limit_minutes": "10",
            "blueprint-0-bank_id": str(bank.id), "blueprint-0-topic_id": str(topic.id), "blueprint-0-difficulty": "0",
            "blueprint-0-count": "1", **fields}


def test_round_form_reads_dd_mm_yyyy_in_vietnam_time_and_shows_it_back(client, db_session, clock, login_as, make_unit, make_contest,
                                                                         make_bank):
    unit = make_unit("ORG", kind=UnitKind.province)
    bank = make_bank(owner=unit, per_topic=2)
    contest = make_contest(unit=unit, bank=bank, rounds=0, publish=False)
    login_as(Role.organizer, unit=unit)
    form = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/moi").get_data(as_text=True)
    opens = re.search(r'<input[^>]*id="opens_at"[^>]*>', form).group(0)
    assert 'type="text"' in opens and 'placeholder="dd/mm/yyyy HH:mm"' in opens and "pattern=" in opens
    assert 'type="date' not in form and "datetime-local" not in form
    saved = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/moi", data=_round_form(bank, opens_at="1/12/2026 8:30", closes_at="08/12/2026 17:00"))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db_session.expire_all()
    round_ = db_session.scalar(select(Contest)).rounds[0]
    assert round_.opens_at == datetime(2026, 12, 1, 1, 30, tzinfo=timezone.utc)  # 08:30 in Hà Nội
    edit = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/{round_.id}").get_data(as_text=True)
    assert 'value="01/12/2026 08:30"' in edit and 'value="08/12/2026 17:00"' in edit


@pytest.mark.parametrize("opens_at, message", [
    ("12/31/2026 08:00", "Tháng 31 không có; tháng từ 1 đến 12 (dạng dd/mm/yyyy HH:mm)."),
    ("2026-12-01T08:00", "Nhập ngày giờ theo dạng dd/mm/yyyy HH:mm, ví dụ 24/11/2026 08:30."),
    ("", "Vui lòng nhập thời điểm bắt đầu."),
])
def test_round_form_refuses_other_orders_with_one_clear_message(client, db_session, clock, login_as, make_unit, make_contest, make_bank,
                                                                  opens_at, message):
    unit = make_unit("ORG", kind=UnitKind.province)
    bank = make_bank(owner=unit, per_topic=2)
    contest = make_contest(unit=unit, bank=bank, rounds=0, publish=False)
    login_as(Role.organizer, unit=unit)
    refused = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/moi", data=_round_form(bank, opens_at=opens_at))
    assert refused.status_code == 422
    error = re.search(r'<div class="invalid-feedback" id="opens_at-error">([^<]*)</div>', refused.get_data(as_text=True)).group(1)
    assert error == message
    assert f'value="{opens_at}"' in refused.get_data(as_text=True)  # what was typed stays in the box to correct


def test_staff_import_message_groups_thousands(client, login_as, played):
    from tests.helpers import xlsx_bytes

    rows = [["Họ và tên", "CCCD", "Số điện thoại", "Mã đơn vị", "Chức vụ"]]
    rows += [[f"Cán bộ {n}", "", f"091{n:07d}", "P-H", ""] for n in range(1200)]
    login_as(Role.admin)
    done = client.post("/bao-cao/danh-sach-can-bo", data={"file": (io.BytesIO(xlsx_bytes(rows)), "ds.xlsx")}, follow_redirects=True)
    assert "Đã nhập danh sách 1.200 người của 1 đơn vị từ tệp ds.xlsx." in done.get_data(as_text=True)


def test_unit_import_message_groups_thousands(client, login_as):
    from tests.helpers import xlsx_bytes

    rows = [["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Loại", "Số CBCCVC"], ["T9", "Tỉnh Chín", "", "Tỉnh", 0]]
    rows += [[f"T9-{n:04d}", f"Xã {n}", "T9", "Xã", 10] for n in range(1199)]
    login_as(Role.admin)
    done = client.post("/quan-tri/don-vi/nhap-excel", data={"file": (io.BytesIO(xlsx_bytes(rows)), "dv.xlsx")}, follow_redirects=True)
    assert "Đã nhập 1.200 đơn vị từ tệp dv.xlsx: 1.200 đơn vị mới, 0 đơn vị cập nhật." in done.get_data(as_text=True)


@pytest.fixture
def big_standing(db_session, make_unit, make_user, make_contest, monkeypatch):
    """A winner placed 1.000th (every rank shifted by 999, as in a contest of thousands) with 1.234 of 1.500 points."""
    from contest.services import ranking
    from tests.helpers import play

    province = make_unit("P", kind=UnitKind.province, name="UBND tỉnh")
    commune = make_unit("P-X", parent=province, name="Xã Thử")
    contest = make_contest(unit=province, rounds=2)
    winner = make_user(unit=commune, full_name="Nguyễn Văn Nhất")
    attempt = play(db_session, winner, contest.rounds[0], T0 + timedelta(hours=1), correct=4)
    attempt.score, attempt.max_score = 1234, 1500
    db_session.commit()
    ranked = ranking._ranked

    def shifted(standings):
        for standing in ranked(standings):
            standing.rank += 999
            yield standing

    monkeypatch.setattr(ranking, "_ranked", shifted)
    return {"province": province, "contest": contest, "winner": winner, "attempt": attempt}


def test_ranks_and_scores_past_999_group_thousands_on_every_page(client, login, login_as, clock, big_standing):
    contest, attempt = big_standing["contest"], big_standing["attempt"]
    clock.advance(days=8)  # week 1 has closed: the home page shows its winners
    home = client.get("/").get_data(as_text=True)
    assert 'home-rank">1.000</span>' in home and "1.234/1.500" in home
    login(big_standing["winner"])
    board = client.get(f"/cuoc-thi/{contest.id}/xep-hang?vong={contest.rounds[0].id}").get_data(as_text=True)
    assert '<td data-label="Hạng">1.000</td>' in board and "1.234/1.500</td>" in board
    result = client.get(f"/bai-thi/{attempt.id}/ket-qua").get_data(as_text=True)
    assert 'id="score">1.234/1.500</div>' in result and '<div class="fs-5 fw-semibold">1.000</div>' in result
    client.post("/dang-xuat")
    login_as(Role.organizer, unit=big_standing["province"])
    prizes = client.get(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai?vong={contest.rounds[0].id}&nhanh=1500").get_data(as_text=True)
    assert '<td data-label="Hạng">1.000</td>' in prizes and "1.234/1.500</td>" in prizes
    assert "Làm bài quá nhanh: 120 giây mỗi vòng (ngưỡng 1.500 giây)" in prizes


def test_service_and_import_texts_group_thousands():
    from contest.services.regrade import RegradeAction, RegradeOutcome
    from question_bank.model import Difficulty, QuestionData, QuestionKind
    from question_bank.planning import ImportPlan, report_lines, summary

    class Question:
        code = "Q-1"

    outcome = RegradeOutcome(Question(), RegradeAction.credit, [], [], snapshots=1500, finished=1234)
    assert "0 bài thi đổi điểm trong 1.234 bài thi đã nộp có câu này." in outcome.summary()
    question = QuestionData("Thể chế", Difficulty.easy, QuestionKind.single, "Câu?", ["Có", "Không"], ["A"])
    plan = ImportPlan("ds.xlsx", creates=[question] * 1234, unchanged=[question] * 1000)
    assert summary(plan) == "1.234 thay đổi (1.234 câu mới, 0 câu thay đổi, 1.000 câu không đổi)."
    assert "  Chủ đề: Thể chế: 1.234" in report_lines(plan)


def test_cli_import_message_groups_thousands(app, tmp_path):
    from tests.helpers import xlsx_bytes

    rows = [["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Loại", "Số CBCCVC"], ["T9", "Tỉnh Chín", "", "Tỉnh", 0]]
    rows += [[f"T9-{n:04d}", f"Xã {n}", "T9", "Xã", 10] for n in range(1199)]
    path = tmp_path / "dv.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    result = app.test_cli_runner().invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 1.200 đơn vị: 1.200 mới, 0 cập nhật." in result.output
