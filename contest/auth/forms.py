from __future__ import annotations

from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from contest.forms import Form, REQUIRED, as_choices, chosen_id
from contest.models import ParticipantGroup, User
from contest.services.users import MAX_RESIDENCE, MAX_TYPED_NUMBER


def _at_most(characters: int) -> Length:
    return Length(max=characters, message=f"Tối đa {characters} ký tự.")


class LoginForm(Form):
    identifier = StringField(
        "Số điện thoại, số CCCD hoặc email", validators=[DataRequired(REQUIRED), _at_most(User.email.type.length)]
    )
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED)])
    remember = BooleanField("Ghi nhớ đăng nhập")


class RegisterForm(Form):
    full_name = StringField("Họ và tên", validators=[DataRequired(REQUIRED), _at_most(User.full_name.type.length)])
    # The service checks the group and what each needs (a unit, or a residence; a CCCD), all problems at once.
    participant_group = RadioField("Bạn dự thi với tư cách", choices=as_choices((g.value, g.label) for g in ParticipantGroup),
                                   default=ParticipantGroup.civil_servant.value, validate_choice=False)
    cccd = StringField("Số CCCD (12 chữ số; người dân có thể bỏ trống nếu thể lệ cuộc thi cho phép)",
                       validators=[Optional(), _at_most(MAX_TYPED_NUMBER)])
    phone = StringField("Số điện thoại di động", validators=[DataRequired(REQUIRED), _at_most(MAX_TYPED_NUMBER)])
    email = StringField("Email (không bắt buộc)", validators=[Optional(), _at_most(User.email.type.length)])
    # The service checks that the unit exists (WTForms' own "not a valid choice" is English).
    unit_id = SelectField("Đơn vị công tác (cán bộ, công chức, viên chức)", coerce=chosen_id, validate_choice=False)
    residence_unit_id = SelectField("Xã/phường nơi cư trú (người dân)", coerce=chosen_id, validate_choice=False)
    residence_text = StringField("Nơi cư trú, nếu xã/phường không có trong danh sách", validators=[Optional(), _at_most(MAX_RESIDENCE)])
    position = StringField("Chức vụ (không bắt buộc)", validators=[Optional(), _at_most(User.position.type.length)])
    password = PasswordField("Mật khẩu (ít nhất 8 ký tự, khó đoán, không chứa số điện thoại, CCCD hay họ tên)", validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        "Nhập lại mật khẩu",
        validators=[DataRequired(REQUIRED), EqualTo("password", "Mật khẩu nhập lại không khớp.")],
    )


class ChangePasswordForm(Form):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired(REQUIRED)])
    new = PasswordField("Mật khẩu mới", validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        "Nhập lại mật khẩu mới", validators=[DataRequired(REQUIRED), EqualTo("new", "Mật khẩu nhập lại không khớp.")]
    )


class ForgotPasswordForm(Form):
    identifier = StringField(
        "Số điện thoại, số CCCD hoặc email của tài khoản", validators=[DataRequired(REQUIRED), _at_most(User.email.type.length)]
    )


class ResetPasswordForm(Form):
    password = PasswordField("Mật khẩu mới (ít nhất 8 ký tự, khó đoán)", validators=[DataRequired(REQUIRED)])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[DataRequired(REQUIRED)])
