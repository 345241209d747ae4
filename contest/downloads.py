"""Serving spreadsheets and stored pictures over HTTP."""

from __future__ import annotations

import io

from flask import Request, Response, send_file

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PUBLIC_PICTURE_SECONDS = 3600


def send_xlsx(content: bytes, name: str):
    return send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)


def image_response(picture, request: Request, *, public: bool, name: str) -> Response:
    """A picture stored in the database (`content`, `mime_type`, `sha256`, `updated_at`) as its own Content-Type (never
    sniffed: every response carries nosniff, contest/security.py), with its hash as the ETag: 304 with no body when
    the client already holds it. `public`: any cache may keep it for an hour; otherwise only the browser, checking
    each time (a page only some may see)."""
    headers = {
        "ETag": f'"{picture.sha256}"',
        "Cache-Control": f"public, max-age={PUBLIC_PICTURE_SECONDS}" if public else "private, no-cache",
    }
    if request.if_none_match.contains(picture.sha256):
        return Response(status=304, headers=headers)
    response = Response(picture.content, mimetype=picture.mime_type, headers=headers)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.last_modified = picture.updated_at
    return response
