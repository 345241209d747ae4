"""Contest banners: what an upload must be, what the server makes of it, and how it is stored."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from contest.models import ContestBanner
from contest.services import banners
from contest.services import contests as contest_service
from contest.services.banners import BannerError
from tests.hostile_images import HOSTILE, SCRIPT, jpeg_with_comment, picture, rotated_photo

MESSAGES = {
    "HTML named .png": banners.NOT_AN_IMAGE,
    "SVG with a script": banners.NOT_AN_IMAGE,
    "shell script named .jpg": banners.NOT_AN_IMAGE,
    "GIF": banners.NOT_AN_IMAGE,
    "animated GIF named .png": banners.NOT_AN_IMAGE,
    "animated PNG": banners.ANIMATED,
    "animated WebP": banners.ANIMATED,
    "empty file": banners.EMPTY,
    "truncated JPEG": banners.DAMAGED,
    "truncated PNG": banners.DAMAGED,
    "PNG signature then junk": banners.DAMAGED,
    "decompression bomb PNG (400 megapixels)": banners.TOO_MANY_PIXELS,
    "decompression bomb PNG (100 megapixels)": banners.TOO_MANY_PIXELS,
    "decompression bomb PNG (30 megapixels)": banners.TOO_MANY_PIXELS,
    "too small": "Ảnh bìa quá nhỏ (300 × 150 điểm ảnh): cần rộng ít nhất 600 và cao ít nhất 200 điểm ảnh (nên dùng 1.200 × 630).",
    "too narrow a strip": "Ảnh bìa phải là ảnh ngang, chiều rộng từ 1 đến 4 lần chiều cao (ảnh này 4.000 × 500 điểm ảnh); nên dùng 1.200 × 630.",
    "portrait": "Ảnh bìa phải là ảnh ngang, chiều rộng từ 1 đến 4 lần chiều cao (ảnh này 900 × 1.600 điểm ảnh); nên dùng 1.200 × 630.",
    "over 5 MB": banners.TOO_HEAVY,
}


def test_every_hostile_file_has_its_expected_message():
    assert sorted(MESSAGES) == sorted(HOSTILE)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_quickly_saying_why(name):
    _, content = HOSTILE[name]
    with pytest.raises(BannerError) as refused:  # how fast: bench/hostile_uploads.py, against its ceiling
        banners.encode_banner(content)
    assert str(refused.value) == MESSAGES[name]
    assert refused.value.problems == {banners.FIELD: [MESSAGES[name]]}


@pytest.mark.parametrize("name", ["truncated JPEG", "truncated PNG"])
def test_a_truncated_file_is_refused_even_after_weasyprint_told_pillow_to_accept_them(name, monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing weasyprint does
    with pytest.raises(BannerError, match=re.escape(MESSAGES[name])):
        banners.encode_banner(HOSTILE[name][1])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # and left as it was for the PDFs


def _decoded(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


@pytest.mark.parametrize("kind, size, expected", [
    ("PNG", (1600, 900), (1120, 630)),  # 16:9 fits the height
    ("JPEG", (2400, 1260), (1200, 630)),  # the og:image shape, halved
    ("WEBP", (1000, 400), (1000, 400)),  # small enough: not enlarged
    ("PNG", (800, 800), (630, 630)),  # square, the narrowest shape taken
    ("JPEG", (2400, 600), (1200, 300)),  # the widest strip taken (4:1)
])
def test_accepted_pictures_are_re_encoded_as_jpeg_within_1200_by_630(kind, size, expected):
    encoded = banners.encode_banner(picture(kind, size=size))
    image = _decoded(encoded.content)
    assert image.format == "JPEG" and image.mode == "RGB" and encoded.mime_type == "image/jpeg"
    assert image.size == (encoded.width, encoded.height) == expected
    assert len(encoded.sha256) == 64


def test_the_kind_is_read_from_the_content_not_the_name():
    # sniff sees bytes only; what the organiser called the file plays no part anywhere in the service
    assert banners.sniff(picture("PNG")) == "PNG"
    assert banners.sniff(picture("JPEG")) == "JPEG"
    assert banners.sniff(picture("WEBP")) == "WEBP"
    assert banners.sniff(HOSTILE["GIF"][1]) is None
    assert banners.sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None  # a RIFF that is not WebP


def test_exif_orientation_is_applied_and_every_metadata_is_dropped():
    upload = rotated_photo()
    assert _decoded(upload).getexif()[0x0112] == 6 and b"SecretCam" in upload
    encoded = banners.encode_banner(upload)
    image = _decoded(encoded.content)
    assert image.size == (1200, 600)  # shown as a landscape: the quarter turn is in the pixels now
    assert not image.getexif() and "icc_profile" not in image.info and "comment" not in image.info
    assert b"SecretCam" not in encoded.content


@pytest.mark.parametrize("upload", [
    jpeg_with_comment(b"<html>" + SCRIPT + b"</html>"),  # a JPEG/HTML polyglot
    picture("PNG") + b"<html>" + SCRIPT + b"</html>",  # markup after the PNG's end
    picture("PNG", pnginfo=None) + b"PK\x03\x04" + b"\x00" * 26,  # a zip after it (a GIFAR's trick)
], ids=["jpeg-comment-html", "png-trailing-html", "png-trailing-zip"])
def test_a_polyglot_is_taken_as_a_picture_and_only_its_pixels_survive(upload):
    encoded = banners.encode_banner(upload)
    assert b"<script" not in encoded.content and b"<html" not in encoded.content and b"PK\x03\x04" not in encoded.content
    assert encoded.content.startswith(b"\xff\xd8\xff") and encoded.content.endswith(b"\xff\xd9")
    assert "comment" not in _decoded(encoded.content).info


def test_transparency_is_laid_on_white():
    image = Image.new("RGBA", (800, 400), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    pixel = _decoded(banners.encode_banner(out.getvalue()).content).getpixel((10, 10))
    assert all(channel >= 250 for channel in pixel)


def test_cmyk_and_greyscale_pictures_become_rgb():
    for upload in (picture("JPEG", mode="CMYK", colour=(0, 200, 200, 0)), picture("PNG", mode="L", colour=128)):
        assert _decoded(banners.encode_banner(upload).content).mode == "RGB"


def test_a_large_camera_picture_is_accepted_and_decoded_at_a_reduced_scale(monkeypatch):
    from PIL.JpegImagePlugin import JpegImageFile

    decoded = []
    load = JpegImageFile.load

    def counting_load(image):
        result = load(image)
        decoded.append(image.size)
        return result

    monkeypatch.setattr(JpegImageFile, "load", counting_load)
    upload = picture("JPEG", size=(6000, 4000), quality=70)  # 24 megapixels: the most taken
    encoded = banners.encode_banner(upload)
    assert (encoded.width, encoded.height) == (945, 630)
    assert decoded and max(w * h for w, h in decoded) == 3000 * 2000  # a quarter of its pixels in memory, not 24 million


def test_the_size_limit_is_checked_while_reading():
    class Endless(io.RawIOBase):
        """A stream that never ends, counting what it hands out."""

        given = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"\x00" * len(buffer)
            self.given += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(BannerError) as refused:
        banners.read_upload(io.BufferedReader(stream))
    assert str(refused.value) == banners.TOO_HEAVY
    assert stream.given <= banners.MAX_BYTES + 2 * banners.READ_CHUNK + io.DEFAULT_BUFFER_SIZE
    content = picture("PNG")
    assert banners.read_upload(io.BytesIO(content)) == content
    assert banners.read_upload(io.BytesIO(b"x" * banners.MAX_BYTES)) == b"x" * banners.MAX_BYTES  # exactly the limit is taken


def test_set_replace_copy_and_remove(db_session, make_contest, make_user):
    from contest.models import Role

    contest = make_contest()
    organiser = make_user(Role.organizer, unit=contest.owner_unit)
    first = banners.set_banner(db_session, contest, picture("PNG"), organiser)
    db_session.commit()
    assert (first.width, first.height, first.mime_type, first.updated_by_id) == (1120, 630, "image/jpeg", organiser.id)
    assert first.byte_size == len(first.content)
    old_sha = first.sha256
    replaced = banners.set_banner(db_session, contest, picture("WEBP", size=(1200, 630), colour="#225522"))
    db_session.commit()
    assert replaced.contest_id == contest.id and replaced.sha256 != old_sha and (replaced.width, replaced.height) == (1200, 630)
    assert db_session.query(ContestBanner).count() == 1

    copy = contest_service.copy_contest(db_session, contest, "Bản sao", 7)
    db_session.commit()
    copied = banners.banner_of(db_session, copy)
    assert copied.sha256 == replaced.sha256 and copied.content == replaced.content
    assert banners.banners_of(db_session, [contest, copy]).keys() == {contest.id, copy.id}

    banners.remove_banner(db_session, contest)
    db_session.commit()
    assert banners.banner_of(db_session, contest) is None and banners.banner_of(db_session, copy) is not None
    with pytest.raises(BannerError, match="chưa có ảnh bìa"):
        banners.remove_banner(db_session, contest)


def test_a_refused_replacement_keeps_the_banner_there_was(db_session, make_contest):
    contest = make_contest()
    kept = banners.set_banner(db_session, contest, picture("PNG")).sha256
    db_session.commit()
    with pytest.raises(BannerError):
        banners.set_banner(db_session, contest, HOSTILE["truncated JPEG"][1])
    db_session.rollback()
    assert banners.banner_of(db_session, contest).sha256 == kept
