"""Serving spreadsheets over HTTP."""

from __future__ import annotations

import io

from flask import send_file

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_xlsx(content: bytes, name: str):
    return send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)
