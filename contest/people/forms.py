from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from contest.forms import Form, as_choices, chosen_id
from contest.models import ParticipantGroup
from contest.services.users import MAX_RESIDENCE
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
    cccd = StringField("Số CCCD (12 chữ số; người dân có thể bỏ trống)")
    participant_group = RadioField("Đối tượng", choices=as_choices((g.value, g.label) for g in ParticipantGroup), validate_choice=False)
    unit_id = SelectField("Đơn vị công tác (cán bộ, công chức, viên chức)", coerce=int, validate_choice=False)
    residence_unit_id = SelectField("Xã/phường nơi cư trú (người dân)", coerce=chosen_id, validate_choice=False)
    residence_text = StringField("Nơi cư trú, nếu xã/phường không có trong danh sách", render_kw={"maxlength": MAX_RESIDENCE})
    # The account's session version when the form was opened: a save from a tab opened before another change is refused.
    seen = HiddenField()


class MoveDecisionForm(Form):
    note = StringField("Ghi chú (không bắt buộc)", validators=[Optional(), Length(max=MAX_REASON, message=f"Tối đa {MAX_REASON} ký tự.")])


class MoveRequestForm(Form):
    to_unit_id = SelectField("Đơn vị muốn chuyển đến", coerce=int, validate_choice=False)
    reason = TextAreaField("Lý do (không bắt buộc)", validators=[Optional(), Length(max=MAX_REASON, message=f"Tối đa {MAX_REASON} ký tự.")])
