"""Contest banners: an organiser's upload checked strictly, re-encoded by the server, and kept in the database.

What is stored and served is never the uploaded file: the picture is decoded (PNG, JPEG or WebP, recognised by
its content, not its name), its EXIF orientation applied, transparency flattened on white, colours converted to
sRGB, scaled to fit 1200 × 630 (the size Zalo and Facebook show a shared link's picture at) and written again as a
JPEG with no metadata. Anything else (another format, a renamed page or script, a truncated or damaged file, an
animation, a picture too small, too large or too narrow, a decompression bomb) is refused with a message saying
why, before anything is written."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageCms, ImageFile, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.errors import FieldErrors
from contest.formats import format_number
from contest.models import Contest, User
from contest.models.banners import ContestBanner

FIELD = "file"  # the upload form's field the problems are shown beside
MAX_BYTES = 5 * 1024 * 1024
MIN_WIDTH, MIN_HEIGHT = 600, 200
MAX_SIDE = 8000
MAX_PIXELS = 24_000_000  # a 6000 × 4000 camera picture; decoding more would hold a worker's memory
MAX_RATIO = 4  # width / height: landscape (or square) up to a 4 : 1 strip
OUTPUT_SIZE = (1200, 630)
JPEG_QUALITY = 85
MIME_TYPE = "image/jpeg"
READ_CHUNK = 64 * 1024
RECOMMENDED = f"nên dùng {format_number(OUTPUT_SIZE[0])} × {format_number(OUTPUT_SIZE[1])}"

ACCEPTED = "Ảnh bìa phải là tệp ảnh PNG, JPEG hoặc WebP"
NOT_AN_IMAGE = f"{ACCEPTED}; nội dung tệp này không phải ảnh thuộc các định dạng đó (dù tên tệp là gì)."
EMPTY = "Tệp ảnh bìa trống (0 byte); hãy chọn lại tệp ảnh."
TOO_HEAVY = f"Tệp ảnh bìa lớn quá {MAX_BYTES // 2**20} MB; hãy giảm dung lượng ảnh rồi tải lên lại."
DAMAGED = "Tệp ảnh bìa bị hỏng hoặc không đầy đủ (có thể bị cắt ngang khi tải); hãy xuất lại ảnh rồi tải lên."
ANIMATED = f"Ảnh bìa không được là ảnh động. {ACCEPTED} tĩnh."
TOO_MANY_PIXELS = (f"Ảnh bìa có kích thước quá lớn để xử lý: tối đa {format_number(MAX_SIDE)} điểm ảnh mỗi chiều và "
                   f"{MAX_PIXELS // 1_000_000} triệu điểm ảnh; hãy thu nhỏ ảnh ({RECOMMENDED}).")
NO_BANNER = "Cuộc thi chưa có ảnh bìa."

_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
# What a damaged or hostile file makes Pillow's decoders raise (UnidentifiedImageError is an OSError).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, struct.error, zlib.error)
_SRGB = ImageCms.createProfile("sRGB")


class BannerError(FieldErrors):
    """The upload is refused; the message goes beside the form's image field."""

    def __init__(self, message: str):
        super().__init__({FIELD: [message]})


@dataclass(frozen=True)
class EncodedBanner:
    content: bytes
    width: int
    height: int
    sha256: str
    mime_type: str = MIME_TYPE


def _size(width: int, height: int) -> str:
    return f"{format_number(width)} × {format_number(height)} điểm ảnh"


def read_upload(stream: BinaryIO, limit: int = MAX_BYTES) -> bytes:
    """The uploaded file's bytes, read in chunks and refused as soon as they pass `limit` (never read whole first)."""
    chunks, total = [], 0
    while chunk := stream.read(READ_CHUNK):
        total += len(chunk)
        if total > limit:
            raise BannerError(TOO_HEAVY)
        chunks.append(chunk)
    return b"".join(chunks)


def sniff(content: bytes) -> str | None:
    """The picture format the content starts with (Pillow's format name), or None: the name and the browser's
    Content-Type of an upload are the sender's to choose, the first bytes are what a decoder will read."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "WEBP"
    return next((kind for magic, kind in _SIGNATURES.items() if content.startswith(magic)), None)


def _check_pixels(width: int, height: int) -> None:
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise BannerError(TOO_MANY_PIXELS)


def _check_shape(width: int, height: int) -> None:
    """The picture as shown (its EXIF orientation applied): big enough, and a landscape no wider than MAX_RATIO."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise BannerError(
            f"Ảnh bìa quá nhỏ ({_size(width, height)}): cần rộng ít nhất {MIN_WIDTH} và cao ít nhất {MIN_HEIGHT} điểm ảnh "
            f"({RECOMMENDED})."
        )
    if not height <= width <= MAX_RATIO * height:
        raise BannerError(
            f"Ảnh bìa phải là ảnh ngang, chiều rộng từ 1 đến {MAX_RATIO} lần chiều cao (ảnh này {_size(width, height)}); "
            f"{RECOMMENDED}."
        )


def _flattened(picture: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """An RGB picture in sRGB: transparency laid on white, the embedded colour profile applied."""
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        picture = Image.new("RGB", rgba.size, "white")
        picture.paste(rgba, mask=rgba.getchannel("A"))
    if icc_profile and picture.mode in ("RGB", "CMYK"):
        try:
            picture = ImageCms.profileToProfile(picture, ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)), _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a profile LittleCMS cannot read: the colours as stored, like a browser ignoring it
    return picture.convert("RGB")


@contextmanager
def _whole_files_only() -> Iterator[None]:
    """WeasyPrint, once imported (the certificates and posters), tells Pillow to accept truncated pictures
    everywhere (ImageFile.LOAD_TRUNCATED_IMAGES = True); an upload must be whole, so decode it with that off."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def encode_banner(content: bytes) -> EncodedBanner:
    """Check an uploaded picture and encode the banner the server will serve (BannerError saying why if refused)."""
    if not content:
        raise BannerError(EMPTY)
    if len(content) > MAX_BYTES:
        raise BannerError(TOO_HEAVY)
    kind = sniff(content)
    if kind is None:
        raise BannerError(NOT_AN_IMAGE)
    try:
        with _whole_files_only(), Image.open(io.BytesIO(content), formats=[kind]) as image:
            _check_pixels(*image.size)  # before a pixel is decoded
            if kind != "JPEG" and getattr(image, "is_animated", False):
                raise BannerError(ANIMATED)  # an MPO (a phone's JPEG with a depth map) keeps its first frame
            if kind == "JPEG":
                image.draft("RGB", (OUTPUT_SIZE[0], OUTPUT_SIZE[0]))  # decode at a reduced scale where the DCT allows
            image.load()
            picture = ImageOps.exif_transpose(image)
            _check_shape(*picture.size)
            picture = _flattened(picture, image.info.get("icc_profile"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard, past 89 million pixels (a warning, which the test suite turns into an error; in
        # production _check_pixels refuses the picture right after it) or twice that (an error).
        raise BannerError(TOO_MANY_PIXELS) from None
    except _DECODE_ERRORS:
        raise BannerError(DAMAGED) from None
    picture.thumbnail(OUTPUT_SIZE, Image.Resampling.LANCZOS)
    picture.info = {}  # no comment, EXIF or profile of the upload is written back
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, subsampling="4:4:4")
    encoded = out.getvalue()
    return EncodedBanner(encoded, picture.width, picture.height, hashlib.sha256(encoded).hexdigest())


def banner_of(session: Session, contest: Contest) -> ContestBanner | None:
    return session.get(ContestBanner, contest.id)


def banners_of(session: Session, contests: Iterable[Contest]) -> dict[int, ContestBanner]:
    """The banners of `contests` by contest id, in one query (their content is not loaded)."""
    ids = [c.id for c in contests]
    if not ids:
        return {}
    return {b.contest_id: b for b in session.scalars(select(ContestBanner).where(ContestBanner.contest_id.in_(ids)))}


def _store(session: Session, contest: Contest, encoded: EncodedBanner, by: User | None) -> ContestBanner:
    banner = banner_of(session, contest) or ContestBanner(contest_id=contest.id)
    banner.content, banner.mime_type, banner.sha256 = encoded.content, encoded.mime_type, encoded.sha256
    banner.width, banner.height, banner.byte_size = encoded.width, encoded.height, len(encoded.content)
    banner.updated_by_id = by.id if by is not None else None
    session.add(banner)
    session.flush()
    return banner


def set_banner(session: Session, contest: Contest, content: bytes, by: User | None = None) -> ContestBanner:
    """Give the contest the banner encoded from `content`, replacing any it had (BannerError: nothing changes)."""
    return _store(session, contest, encode_banner(content), by)


def copy_banner(session: Session, source: Contest, target: Contest) -> ContestBanner | None:
    """Give `target` the banner of `source`, if it has one (a copied contest keeps its picture)."""
    banner = banner_of(session, source)
    if banner is None:
        return None
    encoded = EncodedBanner(banner.content, banner.width, banner.height, banner.sha256, banner.mime_type)
    return _store(session, target, encoded, None)


def remove_banner(session: Session, contest: Contest) -> ContestBanner:
    """Take the contest's banner away (its pages and shared links show the site's default picture again)."""
    banner = banner_of(session, contest)
    if banner is None:
        raise BannerError(NO_BANNER)
    session.delete(banner)
    session.flush()
    return banner
