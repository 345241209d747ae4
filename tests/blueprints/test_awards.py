"""Certificates (participation, confirmed prizes) with their public verification, the winners' pages and the poster."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import FINISHED, Attempt, AttemptStatus, AuditEntry, Certificate, Role, UnitKind
from contest.services import attempts as attempt_service
from contest.services import awards as award_service
from contest.services import prizes
from tests.conftest import T0
from tests.helpers import POLICY, numbered_people, play

pdf = pytest.importorskip("contest.pdf")
if not pdf.available():
    pytest.skip("WeasyPrint cannot load here (Pango missing?): PDF tests skipped", allow_module_level=True)
pypdf = pytest.importorskip("pypdf")


def pdf_text(content: bytes) -> str:
    """The text of a PDF, whitespace (line breaks included) collapsed to single spaces."""
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages).split())


@pytest.fixture
def world(db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("P", kind=UnitKind.province, name="Tỉnh Phú Thọ")
    office = make_unit("P-O", parent=province, name="Sở Tư pháp")
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2,
                           title="Tìm hiểu cải cách hành chính năm 2026")
    round_ = contest.rounds[0]
    people = numbered_people(make_user, office, {"hang": "Nguyễn Thị Hằng", "dung": "Trần Văn Dũng", "bo": "Lê Bỏ Dở",
                                                 "loai": "Phạm Bị Loại", "chua": "Vũ Chưa Thi"})
    play(db_session, people["hang"], round_, T0, 4)
    play(db_session, people["dung"], round_, T0, 3)
    play(db_session, people["loai"], round_, T0, 4)
    abandoned = attempt_service.start_attempt(db_session, people["bo"], round_, T0, POLICY)
    abandoned.status = AttemptStatus.abandoned.value
    prizes.disqualify(db_session, contest, people["loai"], "Nhờ người làm hộ", None)
    db_session.commit()
    return contest, round_, people, province


@pytest.mark.parametrize("who, eligible", [("hang", True), ("dung", True), ("bo", False), ("loai", False), ("chua", False)])
def test_participation_certificate_only_for_a_finished_attempt(client, db_session, clock, login, world, who, eligible):
    contest, _, people, _ = world
    login(people[who])
    response = client.get(f"/cuoc-thi/{contest.id}/giay-chung-nhan.pdf")
    page = client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    attempt_id = db_session.scalar(select(Attempt.id).where(Attempt.user_id == people[who].id, Attempt.status.in_(FINISHED)))
    if attempt_id:  # the result page offers it too
        result = client.get(f"/bai-thi/{attempt_id}/ket-qua").get_data(as_text=True)
        assert (f"/cuoc-thi/{contest.id}/giay-chung-nhan.pdf" in result) is eligible
    if eligible:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        text = pdf_text(response.data)
        assert people[who].full_name in text and "Chứng nhận tham gia" in text and "Sở Tư pháp" in text
        assert "Tải giấy chứng nhận tham gia" in page
    else:
        assert response.status_code == 404
        assert "chỉ dành cho người đã nộp bài thi" in response.get_data(as_text=True)
        assert "Tải giấy chứng nhận tham gia" not in page


def test_the_code_is_kept_and_the_verification_page_shows_whose_it_is(client, db_session, clock, login, world):
    contest, _, people, _ = world
    login(people["hang"])
    first = client.get(f"/cuoc-thi/{contest.id}/giay-chung-nhan.pdf")
    again = client.get(f"/cuoc-thi/{contest.id}/giay-chung-nhan.pdf")
    certificate = db_session.scalar(select(Certificate))
    assert db_session.scalars(select(Certificate)).all() == [certificate]  # one certificate, the same code each time
    code = award_service.format_code(certificate.code)
    assert code in pdf_text(first.data) and code in pdf_text(again.data)
    assert f"/xac-minh/{certificate.code}" in pdf_text(first.data).replace(" ", "")
    client.post("/dang-xuat")
    page = client.get(f"/xac-minh/{certificate.code}").get_data(as_text=True)
    for shown in ("Nguyễn Thị Hằng", "Sở Tư pháp", "Tìm hiểu cải cách hành chính năm 2026", "Chứng nhận tham gia", "23/11/2026"):
        assert shown in page
    assert client.get(f"/xac-minh/{code.lower()}").status_code == 200  # typed from paper, in groups
    wrong = certificate.code[:-1] + ("2" if certificate.code[-1] != "2" else "3")
    missing = client.get(f"/xac-minh/{wrong}")
    assert missing.status_code == 404 and "Không có giấy chứng nhận nào mang mã xác minh này" in missing.get_data(as_text=True)
    assert client.get("/xac-minh/khong-phai-ma").status_code == 404


def test_codes_are_random_and_long():
    codes = {award_service.new_code() for _ in range(1000)}
    assert len(codes) == 1000 and all(len(c) == 16 and set(c) <= set(award_service.CODE_ALPHABET) for c in codes)


def test_confirmed_prize_gives_a_prize_certificate_and_a_published_winners_page(client, db_session, clock, login, login_as, world):
    contest, round_, people, province = world
    clock.set(T0 + timedelta(days=8))
    organiser = login_as(Role.organizer, unit=province)
    base = f"/bao-cao/cuoc-thi/{contest.id}/xet-giai"
    assert "Xác nhận giải" in client.get(f"{base}?vong={round_.id}").get_data(as_text=True)
    refused = client.post(f"{base}/xac-nhan", data={"user_id": people["bo"].id, "vong": round_.id, "prize": "Giải Nhất"}, follow_redirects=True)
    assert "không có bài thi đã nộp trong vòng này" in refused.get_data(as_text=True)
    refused = client.post(f"{base}/xac-nhan", data={"user_id": people["loai"].id, "vong": round_.id, "prize": "Giải Nhất"}, follow_redirects=True)
    assert "đã bị loại khỏi xếp hạng" in refused.get_data(as_text=True)
    assert "Vui lòng ghi tên giải" in client.post(f"{base}/xac-nhan", data={"user_id": people["hang"].id, "vong": round_.id, "prize": " "},
                                                  follow_redirects=True).get_data(as_text=True)
    client.post(f"{base}/xac-nhan", data={"user_id": people["hang"].id, "vong": round_.id, "prize": "Giải  Nhất"})
    client.post(f"{base}/xac-nhan", data={"user_id": people["dung"].id, "vong": round_.id, "prize": "Giải Nhì"})
    twice = client.post(f"{base}/xac-nhan", data={"user_id": people["dung"].id, "vong": round_.id, "prize": "Giải Ba"}, follow_redirects=True)
    assert "đã được xác nhận giải ở vòng này" in twice.get_data(as_text=True)
    confirmed = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "prize.confirm")).all()
    assert [e.actor_id for e in confirmed] == [organiser.id] * 2 and "Nguyễn Thị Hằng đạt Giải Nhất" in confirmed[0].summary

    # Not published: the public (and participants) get 404; the organiser sees a preview.
    winners_url = f"/cuoc-thi/{contest.id}/vong/{round_.id}/dat-giai"
    assert "Chưa công bố" in client.get(winners_url).get_data(as_text=True)
    client.post("/dang-xuat")
    assert client.get(winners_url).status_code == 404
    assert client.get(f"/cuoc-thi/{contest.id}/dat-giai").status_code == 404

    login(people["hang"])
    award = award_service.awards_of(db_session, contest, people["hang"])[0]
    page = client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert f"/giai/{award.id}/giay-chung-nhan.pdf" in page and "dat-giai" not in page
    response = client.get(f"/giai/{award.id}/giay-chung-nhan.pdf")
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "Nguyễn Thị Hằng" in text and "Giải Nhất" in text
    code = db_session.scalar(select(Certificate.code).where(Certificate.award_id == award.id))
    verified = client.get(f"/xac-minh/{code}").get_data(as_text=True)
    assert "Giải Nhất" in verified and "Tuần 1" in verified
    other = award_service.awards_of(db_session, contest, people["dung"])[0]
    assert client.get(f"/giai/{other.id}/giay-chung-nhan.pdf").status_code == 404  # another person's prize

    client.post("/dang-xuat")
    login(organiser)
    client.post(f"{base}/cong-bo", data={"vong": round_.id, "publish": "1"})
    assert db_session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "prize.publish")).startswith("Đã công bố")
    client.post("/dang-xuat")
    page = client.get(winners_url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.index("Nguyễn Thị Hằng") < text.index("Trần Văn Dũng") and "Giải Nhì" in text and "Sở Tư pháp" in text
    assert "Chưa công bố" not in text and "Phạm Bị Loại" not in text
    assert client.get(f"/cuoc-thi/{contest.id}/dat-giai").status_code == 404  # the contest's own list is not published
    assert winners_url in client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)

    # Withdrawn: the certificate stops verifying; unpublished again: 404 again.
    login(organiser)
    client.post(f"{base}/huy-xac-nhan/{award.id}")
    client.post(f"{base}/cong-bo", data={"vong": round_.id, "publish": "0"})
    client.post("/dang-xuat")
    assert client.get(f"/xac-minh/{code}").status_code == 404
    assert client.get(winners_url).status_code == 404


def test_contest_wide_prizes_are_their_own_list(client, db_session, clock, login_as, world):
    contest, round_, people, province = world
    login_as(Role.organizer, unit=province)
    base = f"/bao-cao/cuoc-thi/{contest.id}/xet-giai"
    client.post(f"{base}/xac-nhan", data={"user_id": people["dung"].id, "prize": "Giải Đặc biệt"})
    client.post(f"{base}/cong-bo", data={"publish": "1"})
    client.post("/dang-xuat")
    text = client.get(f"/cuoc-thi/{contest.id}/dat-giai").get_data(as_text=True)
    assert "Trần Văn Dũng" in text and "Giải Đặc biệt" in text
    assert client.get(f"/cuoc-thi/{contest.id}/vong/{round_.id}/dat-giai").status_code == 404


def test_poster_for_organisers(client, db_session, clock, login_as, world):
    contest, _, _, province = world
    contest.rules_html = "<p>Mỗi người được thi một lượt mỗi tuần.</p><p>Giải thưởng hằng tuần.</p>"
    db_session.commit()
    login_as(Role.organizer, unit=province)
    assert f"/cuoc-thi/{contest.id}/ap-phich.pdf" in client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    response = client.get(f"/cuoc-thi/{contest.id}/ap-phich.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1 and round(float(reader.pages[0].mediabox.width) / 72 * 25.4) == 210  # one A4 page
    text = pdf_text(response.data)
    for shown in ("Tìm hiểu cải cách hành chính năm 2026", "Mỗi người được thi một lượt mỗi tuần.", "23/11/2026", "Quét mã QR để vào thi",
                  f"/cuoc-thi/{contest.id}"):
        assert shown in text


def test_the_poster_stays_on_one_page_with_the_longest_title_and_rules(client, db_session, clock, login_as, world):
    contest, _, _, province = world
    contest.title = ("Cuộc thi trực tuyến tìm hiểu về cải cách hành chính, chuyển đổi số và dịch vụ công trực tuyến "
                     "dành cho cán bộ, công chức, viên chức và người dân trên địa bàn tỉnh năm 2026 — đợt một, vòng sơ khảo")[:255]
    contest.rules_html = "<p>" + "Người dự thi trả lời các câu hỏi trắc nghiệm về thủ tục hành chính. " * 40 + "</p>"
    db_session.commit()
    login_as(Role.organizer, unit=province)
    response = client.get(f"/cuoc-thi/{contest.id}/ap-phich.pdf")
    assert len(pypdf.PdfReader(io.BytesIO(response.data)).pages) == 1
    assert "Quét mã QR để vào thi" in pdf_text(response.data) and "…" in pdf_text(response.data)


def test_a_winner_disqualified_afterwards_leaves_the_list_and_their_certificates_stop_verifying(client, db_session, clock, login, world):
    contest, round_, people, _ = world
    award = award_service.confirm_prize(db_session, contest, round_, people["hang"], "Giải Nhất", None)
    award_service.set_published(db_session, contest, round_, True, None)
    codes = [award_service.participation_certificate(db_session, contest, people["hang"], T0).code,
             award_service.prize_certificate(db_session, award, T0).code]
    db_session.commit()
    winners_url = f"/cuoc-thi/{contest.id}/vong/{round_.id}/dat-giai"
    assert "Nguyễn Thị Hằng" in client.get(winners_url).get_data(as_text=True)
    prizes.disqualify(db_session, contest, people["hang"], "Nhờ người làm hộ", None)
    db_session.commit()
    assert "Nguyễn Thị Hằng" not in client.get(winners_url).get_data(as_text=True)
    assert [client.get(f"/xac-minh/{code}").status_code for code in codes] == [404, 404]
    login(people["hang"])
    assert client.get(f"/giai/{award.id}/giay-chung-nhan.pdf").status_code == 404
    prizes.reinstate(db_session, contest, people["hang"])
    db_session.commit()
    assert [client.get(f"/xac-minh/{code}").status_code for code in codes] == [200, 200]


def test_without_weasyprint_the_download_says_why(client, clock, login, world, monkeypatch):
    from contest.awards import views

    def unavailable(html):
        raise pdf.PdfUnavailableError("WeasyPrint không dùng được trên máy chủ: libpango-1.0-0 missing")

    monkeypatch.setattr(views, "render_pdf", unavailable)
    contest, _, people, _ = world
    login(people["hang"])
    response = client.get(f"/cuoc-thi/{contest.id}/giay-chung-nhan.pdf")
    assert response.status_code == 503 and "WeasyPrint không dùng được" in response.get_data(as_text=True)
