"""Issue 18 on a 390×844 phone: a participant downloads their certificates from the contest page and anyone checks
one on the verification page its QR code leads to; the published winners' list; an organiser's poster."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from contest import create_app, db, pdf
from contest.models import Contest, Role, Unit, User
from contest.services import attempts as attempt_service
from contest.services import awards as award_service
from contest.services import demo
from contest.services import users as user_service
from contest.services.attempts import AttemptPolicy
from tests.e2e.conftest import accessibility_problems, log_in, screenshot
from contest.db import dispose_engines

pypdf = pytest.importorskip("pypdf")
if not pdf.available():
    pytest.skip("WeasyPrint cannot load here (Pango missing?): PDF browser tests skipped", allow_module_level=True)

PHONE = (390, 844)
PASSWORD = "Hoa-sen-2026!"


def winner_with_a_prize(database_url: str) -> tuple[int, int]:
    """A participant of the demo province who finished an attempt in the demo contest's open round, confirmed
    "Giải Nhất" of that round, whose winners' list is published. Returns the contest and round ids."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "e2e"})
    with app.app_context():
        session = db.session
        now = datetime.now(timezone.utc)
        unit = session.scalar(select(Unit).where(Unit.code == "AH"))
        person = user_service.create_user(session, role="participant", unit=unit, full_name="Hoàng Thị Diệu Hiền",
                                          phone="0912345181", cccd="001190000181", password=PASSWORD)
        contest = session.scalar(select(Contest).where(Contest.title == demo.DEMO_CONTEST_TITLE))
        round_ = next(r for r in contest.rounds if r.state(now).value == "open")
        attempt = attempt_service.start_attempt(session, person, round_, now, AttemptPolicy())
        attempt_service.submit_attempt(session, attempt, now, AttemptPolicy())
        organiser = session.scalar(select(User).where(User.role == Role.organizer.value))
        award_service.confirm_prize(session, contest, round_, person, "Giải Nhất", organiser)
        award_service.set_published(session, contest, round_, True, organiser)
        session.commit()
        ids = contest.id, round_.id
    dispose_engines(app)
    return ids


def download(page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    with open(info.value.path(), "rb") as file:
        return file.read()


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages).split())


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_certificates_verification_and_winners_on_a_phone(open_page, e2e_database, live_server):
    contest_id, round_id = winner_with_a_prize(e2e_database)
    page, problems = open_page(*PHONE)
    log_in(page, "0912345181", PASSWORD)
    page.goto(f"/cuoc-thi/{contest_id}")
    section = page.get_by_role("region", name="Giấy chứng nhận và kết quả")
    assert section.is_visible()
    screenshot(page, "phone-contest-certificates")

    participation = download(page, "Tải giấy chứng nhận tham gia (PDF)")
    assert participation.startswith(b"%PDF")
    text = pdf_text(participation)
    assert "Hoàng Thị Diệu Hiền" in text and "Chứng nhận tham gia" in text
    prize = download(page, re.compile(r"Tải giấy chứng nhận Giải Nhất"))
    assert "Giải Nhất" in pdf_text(prize)

    # The QR code and the printed address lead to the verification page; anyone may open it, on a phone too.
    address = re.search(r"https?://\S+/xac-minh/[A-Z0-9]{16}", pdf_text(prize).replace("Xác minh tại: ", "")).group(0)
    code = address.rsplit("/", 1)[1]
    visitor, visitor_problems = open_page(*PHONE)
    visitor.goto(f"/xac-minh/{code}")
    assert visitor.get_by_role("heading", name="Xác minh giấy chứng nhận").is_visible()
    for shown in ("Hoàng Thị Diệu Hiền", "Giải Nhất", demo.DEMO_CONTEST_TITLE):
        assert visitor.get_by_text(shown, exact=True).first.is_visible()
    assert no_sideways_scroll(visitor)
    screenshot(visitor, "phone-certificate-verification")
    assert accessibility_problems(visitor) == []
    wrong = code[:-1] + ("Z" if code[-1] != "Z" else "Y")
    assert visitor.request.get(f"{live_server}/xac-minh/{wrong}").status == 404

    # The published winners' list, reached from the contest page by someone not logged in.
    visitor.goto(f"/cuoc-thi/{contest_id}")
    visitor.get_by_role("link", name=re.compile(r"Danh sách đạt giải")).first.click()
    visitor.wait_for_url(re.compile(rf".*/cuoc-thi/{contest_id}/vong/{round_id}/dat-giai$"))
    winner = visitor.get_by_role("listitem").filter(has_text="Hoàng Thị Diệu Hiền")
    assert winner.is_visible() and "Giải Nhất" in winner.inner_text()
    assert no_sideways_scroll(visitor)
    screenshot(visitor, "phone-winners")
    assert accessibility_problems(visitor) == []
    assert problems.messages == [] and visitor_problems.messages == []


def test_organiser_downloads_the_poster_on_a_phone(open_page):
    page, problems = open_page(*PHONE)
    log_in(page, "0900000002")
    page.goto("/cuoc-thi")
    page.get_by_role("link", name=demo.DEMO_CONTEST_TITLE).first.click()
    poster = download(page, "Tải áp phích cuộc thi (PDF, khổ A4)")
    assert poster.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(poster))
    assert len(reader.pages) == 1 and "Quét mã QR để vào thi" in pdf_text(poster) and demo.DEMO_CONTEST_TITLE[:20] in pdf_text(poster)
    assert problems.messages == []
