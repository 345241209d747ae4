from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from contest.forms import Form, REQUIRED, as_choices
from contest.models import Role, UnitKind
from contest.services.units import HEADCOUNT_TOO_LARGE, MAX_CODE, MAX_HEADCOUNT, MAX_NAME

ROLE_CHOICES = [(role.value, role.label) for role in Role]

KIND_CHOICES = [(kind.value, kind.label) for kind in UnitKind]


class UserFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField("Tìm theo tên, số điện thoại, CCCD, email", validators=[Optional(), Length(max=100)])
    role = SelectField("Vai trò", choices=as_choices([("", "Tất cả vai trò"), *ROLE_CHOICES]), validators=[Optional()])


class RoleForm(Form):
    role = SelectField("Vai trò", choices=as_choices(ROLE_CHOICES))


class UnitForm(Form):
    code = StringField("Mã đơn vị", validators=[DataRequired(REQUIRED), Length(max=MAX_CODE)])
    name = StringField("Tên đơn vị", validators=[DataRequired(REQUIRED), Length(max=MAX_NAME)])
    kind = SelectField("Loại", choices=as_choices(KIND_CHOICES))
    parent_id = SelectField("Đơn vị cấp trên", coerce=int)
    headcount = IntegerField(
        "Số CBCCVC",
        default=0,
        validators=[
            NumberRange(min=0, message="Số CBCCVC không được âm."),
            NumberRange(max=MAX_HEADCOUNT, message=HEADCOUNT_TOO_LARGE),
        ],
    )


class UnitImportForm(Form):
    file = FileField(
        "Tệp Excel (.xlsx)",
        validators=[FileRequired("Vui lòng chọn tệp."), FileAllowed(["xlsx"], "Chỉ nhận tệp Excel .xlsx.")],
    )
