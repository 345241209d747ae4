"""Forms of the report pages."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired

from contest.forms import Form


class StaffImportForm(Form):
    file = FileField("Tệp Excel danh sách cán bộ (.xlsx)", validators=[FileRequired("Vui lòng chọn tệp."), FileAllowed(["xlsx"], "Chỉ nhận tệp Excel .xlsx.")])
