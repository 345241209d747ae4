"""PDF documents (certificates, posters) from HTML with WeasyPrint, and QR codes as inline SVG.

WeasyPrint needs Pango at run time (Debian: libpango-1.0-0, libpangoft2-1.0-0) and finds the fonts through
fontconfig: the stylesheets ask for "Noto Serif"/"Noto Sans" and fall back to DejaVu, both of which cover
Vietnamese. It is imported on first use, so the rest of the site runs where the library cannot load."""

from __future__ import annotations

import io
from functools import cache

import segno
from markupsafe import Markup


class PdfUnavailableError(RuntimeError):
    """WeasyPrint (or the Pango library under it) cannot be loaded on this machine."""


@cache
def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: the shared library (Pango) is missing
        raise PdfUnavailableError(f"WeasyPrint không dùng được trên máy chủ: {error}") from error
    return weasyprint


def available() -> bool:
    try:
        _weasyprint()
    except PdfUnavailableError:
        return False
    return True


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of a whole HTML document (its own <style>; no network: nothing but data is fetched)."""
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    """Documents carry everything inline (fonts come from fontconfig): refuse any other fetch."""
    raise ValueError(f"no external resources in PDF documents: {url}")


def qr_svg(data: str, scale: int = 4) -> Markup:
    """A QR code for `data` as an inline <svg> element (error correction M, quiet zone kept)."""
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="svg", scale=scale, xmldecl=False, nl=False, dark="#000", light="#fff")
    return Markup(out.getvalue().decode())
