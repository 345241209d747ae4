from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from contest.forms import Form
from contest.services.people import MAX_FULL_NAME, MAX_REASON


class PeopleFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField("Tìm theo tên, số điện thoại, CCCD, email", validators=[Optional(), Length(max=100)])


class CorrectionForm(Form):
    # The service checks every field (formats, uniqueness, the unit's scope) and reports all problems at once.
    full_name = StringField("Họ và tên", render_kw={"maxlength": MAX_FULL_NAME})
    phone = StringField("Số điện thoại di động")
    email = StringField("Email (không bắt buộc)")
    cccd = StringField("Số CCCD (12 chữ số)")
    unit_id = SelectField("Đơn vị", coerce=int, validate_choice=False)


class MoveDecisionForm(Form):
    note = StringField("Ghi chú (không bắt buộc)", validators=[Optional(), Length(max=MAX_REASON, message=f"Tối đa {MAX_REASON} ký tự.")])


class MoveRequestForm(Form):
    to_unit_id = SelectField("Đơn vị muốn chuyển đến", coerce=int, validate_choice=False)
    reason = TextAreaField("Lý do (không bắt buộc)", validators=[Optional(), Length(max=MAX_REASON, message=f"Tối đa {MAX_REASON} ký tự.")])
