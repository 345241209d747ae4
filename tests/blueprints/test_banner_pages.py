"""Contest banners through the pages: an organiser uploads, replaces and removes one; the home card, the contest
page and shared links show it; the picture is served only where the contest is visible, and revalidated."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from contest.models import AuditEntry, ContestBanner, Role, UnitKind
from contest.services import banners
from tests.helpers import post_file
from tests.hostile_images import HOSTILE, picture


@pytest.fixture
def province(make_unit):
    return make_unit("P", kind=UnitKind.province, name="UBND tỉnh Thử")


@pytest.fixture
def contest(make_contest, province):
    return make_contest(unit=province, title="Cuộc thi tìm hiểu CCHC năm 2026")


@pytest.fixture
def organiser(login_as, province):
    return login_as(Role.organizer, unit=province)


def _post_image(client, contest, content: bytes, name: str = "anh-bia.png"):
    return post_file(client, f"/ban-to-chuc/cuoc-thi/{contest.id}/anh-bia", content, name)


def _banner(db_session, contest) -> ContestBanner | None:
    db_session.expire_all()
    return db_session.get(ContestBanner, contest.id)


def _og(page: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="(og:[a-z:_]+)" content="([^"]*)">', page))


def test_an_organiser_uploads_a_banner_and_every_page_shows_it(client, clock, db_session, contest, organiser):
    response = _post_image(client, contest, picture("PNG"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/ban-to-chuc/cuoc-thi/{contest.id}#anh-bia")
    banner = _banner(db_session, contest)
    assert (banner.width, banner.height, banner.mime_type) == (1120, 630, "image/jpeg")
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "contest.banner"))
    assert entry.actor_id == organiser.id and "Đã lưu ảnh bìa cuộc thi “Cuộc thi tìm hiểu CCHC năm 2026”" in entry.summary
    assert entry.details == {"contest_id": contest.id}

    address = f"/cuoc-thi/{contest.id}/anh-bia?v={banner.version}"
    tag = (f'<img class="contest-banner {{}}" src="{html.escape(address)}"\n       width="1120" height="630" '
           f'alt="Ảnh bìa cuộc thi Cuộc thi tìm hiểu CCHC năm 2026"')
    edit_page = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert tag.format("rounded border") in edit_page and "Thay ảnh bìa" in edit_page and "Xóa ảnh bìa" in edit_page
    client.post("/dang-xuat")
    home = client.get("/").get_data(as_text=True)
    assert tag.format("card-img-top") + ' decoding="async">' in home  # the first card's picture is not lazy
    contest_page = client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert tag.format("rounded mb-3") in contest_page
    for page in (home, contest_page):
        tags = _og(page)
        assert tags["og:image"] == f"http://localhost{address}"
        assert (tags["og:image:width"], tags["og:image:height"], tags["og:image:type"]) == ("1120", "630", "image/jpeg")


def test_the_picture_is_served_with_its_type_etag_and_cache_rules(client, clock, db_session, contest):
    banners.set_banner(db_session, contest, picture("WEBP"))
    db_session.commit()
    banner = _banner(db_session, contest)
    response = client.get(f"/cuoc-thi/{contest.id}/anh-bia")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data == banner.content and response.data.startswith(b"\xff\xd8\xff")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{banner.sha256}"'
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Content-Disposition"] == f'inline; filename="anh-bia-cuoc-thi-{contest.id}.jpg"'
    again = client.get(f"/cuoc-thi/{contest.id}/anh-bia", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == response.headers["ETag"]
    stale = client.get(f"/cuoc-thi/{contest.id}/anh-bia", headers={"If-None-Match": '"khac"'})
    assert stale.status_code == 200 and stale.data == banner.content


def test_a_contest_without_a_banner_falls_back_to_the_default_picture(client, clock, contest):
    response = client.get(f"/cuoc-thi/{contest.id}/anh-bia")
    assert response.status_code == 302 and response.headers["Location"] == "/static/img/og-default.png"
    page = client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert 'class="contest-banner' not in page
    tags = _og(page)
    assert tags["og:image"] == "http://localhost/static/img/og-default.png"
    assert (tags["og:image:width"], tags["og:image:height"], tags["og:image:type"]) == ("1200", "630", "image/png")


def test_a_draft_contests_banner_is_only_for_its_organisers(client, clock, db_session, make_contest, province, login_as):
    draft = make_contest(unit=province, publish=False, title="Bản nháp")
    banners.set_banner(db_session, draft, picture("PNG"))
    db_session.commit()
    assert client.get(f"/cuoc-thi/{draft.id}/anh-bia").status_code == 404  # anonymous: as its page, not found
    login_as(Role.participant, unit=province)
    assert client.get(f"/cuoc-thi/{draft.id}/anh-bia").status_code == 404
    client.post("/dang-xuat")
    login_as(Role.organizer, unit=province)
    response = client.get(f"/cuoc-thi/{draft.id}/anh-bia")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-cache"


def test_replacing_changes_the_address_and_removing_brings_the_default_back(client, clock, db_session, contest, organiser):
    _post_image(client, contest, picture("PNG"))
    first = _banner(db_session, contest).version
    assert _post_image(client, contest, picture("JPEG", size=(2400, 1260), colour="#123456"), "moi.jpg").status_code == 302
    second = _banner(db_session, contest)
    assert second.version != first and (second.width, second.height) == (1200, 630)
    assert db_session.query(ContestBanner).count() == 1
    assert f"v={second.version}" in client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)

    response = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/anh-bia/xoa")
    assert response.status_code == 302 and response.headers["Location"].endswith("#anh-bia")
    assert _banner(db_session, contest) is None
    assert "Đã xóa ảnh bìa cuộc thi" in client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert _og(client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True))["og:image"].endswith("/static/img/og-default.png")
    actions = db_session.scalars(select(AuditEntry.details).where(AuditEntry.action == "contest.banner").order_by(AuditEntry.id)).all()
    assert actions == [{"contest_id": contest.id}] * 2 + [{"contest_id": contest.id, "removed": True}]
    # nothing left to remove: said so, nothing logged
    client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/anh-bia/xoa")
    assert "Cuộc thi chưa có ảnh bìa." in client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert db_session.query(AuditEntry).filter_by(action="contest.banner").count() == 3


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_refused_upload_says_why_beside_the_field_and_changes_nothing(client, clock, db_session, contest, organiser, name):
    banners.set_banner(db_session, contest, picture("PNG"))
    db_session.commit()
    kept = _banner(db_session, contest).sha256
    file_name, content = HOSTILE[name]
    response = _post_image(client, contest, content, file_name)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    feedback = re.search(r'<input[^>]*class="form-control is-invalid"[^>]*>\s*<div class="invalid-feedback" id="file-error">([^<]*)</div>', page)
    assert feedback, page
    assert html.unescape(feedback.group(1)).startswith(("Ảnh bìa", "Tệp ảnh bìa"))
    assert _banner(db_session, contest).sha256 == kept
    assert db_session.query(AuditEntry).filter_by(action="contest.banner").count() == 0


def test_an_upload_without_a_file_is_asked_for(client, clock, db_session, contest, organiser):
    response = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/anh-bia", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Vui lòng chọn tệp ảnh bìa." in response.get_data(as_text=True)
    assert _banner(db_session, contest) is None
