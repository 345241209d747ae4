"""Forms of the report pages."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from contest.forms import Form, LocalDateField, as_choices
from contest.services.periods import PeriodChoice


class StaffImportForm(Form):
    file = FileField("Tệp Excel danh sách cán bộ (.xlsx)", validators=[FileRequired("Vui lòng chọn tệp."), FileAllowed(["xlsx"], "Chỉ nhận tệp Excel .xlsx.")])


MAX_PERIOD_DAYS = 5 * 366


class PeriodReportForm(Form):
    """The period report's choices, read from the query string (a GET form: the page, its print view and its
    workbook share one address). Dates are used when "Chọn ngày" is chosen."""

    class Meta:
        csrf = False

    ky = SelectField("Kỳ báo cáo", choices=as_choices((c.value, c.label) for c in PeriodChoice), default=PeriodChoice.this_quarter.value)
    tu_ngay = LocalDateField("Từ ngày")
    den_ngay = LocalDateField("Đến ngày")
    dat = IntegerField("Điểm nắm vững (% điểm tối đa)", validators=[Optional(), NumberRange(1, 100)])
    chi_tieu = IntegerField("Chỉ tiêu nắm vững (% CBCCVC)", validators=[Optional(), NumberRange(1, 100)])
    nguong = IntegerField("Ngưỡng tỷ lệ tham gia (%)", validators=[Optional(), NumberRange(0, 100)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid or self.ky.data != PeriodChoice.custom.value:
            return valid
        for name, field in (("ngày bắt đầu", self.tu_ngay), ("ngày kết thúc", self.den_ngay)):
            if field.data is None:
                field.errors.append(f"Nhập {name} (dạng dd/mm/yyyy) khi chọn kỳ “{PeriodChoice.custom.label}”.")
                valid = False
        if valid and self.tu_ngay.data > self.den_ngay.data:
            self.den_ngay.errors.append(f"Ngày kết thúc ({self.den_ngay.data:%d/%m/%Y}) phải từ ngày bắt đầu ({self.tu_ngay.data:%d/%m/%Y}) trở đi.")
            valid = False
        elif valid and (self.den_ngay.data - self.tu_ngay.data).days >= MAX_PERIOD_DAYS:
            self.den_ngay.errors.append("Kỳ báo cáo dài tối đa 5 năm.")
            valid = False
        return valid


class LetterTemplateForm(Form):
    file = FileField("Tệp mẫu công văn (.docx)", validators=[FileRequired("Vui lòng chọn tệp."), FileAllowed(["docx"], "Chỉ nhận tệp Word .docx.")])
