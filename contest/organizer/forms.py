from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from contest.forms import Form, REQUIRED, as_choices
from contest.viewhelpers import db_int
from question_bank.model import DIFFICULTY_LABELS, KIND_LABELS, LABELS

DIFFICULTY_CHOICES = [(int(d), label) for d, label in DIFFICULTY_LABELS.items()]
KIND_CHOICES = [(k.value, label) for k, label in KIND_LABELS.items()]
STATUS_CHOICES = [("active", "Đang dùng"), ("retired", "Ngừng dùng")]
FORMAT_CHOICES = [("", "Tự nhận biết theo tên tệp"), ("excel", "Excel (.xlsx)"), ("gift", "GIFT (Moodle)"), ("aiken", "Aiken (Moodle)")]


class BankForm(Form):
    name = StringField("Tên ngân hàng câu hỏi", validators=[DataRequired(REQUIRED), Length(max=255)])
    description = TextAreaField("Mô tả", validators=[Optional(), Length(max=2000)])
    owner_unit_id = SelectField("Đơn vị quản lý", coerce=int)


class BankSharingForm(Form):
    """Share a bank with lower units' contests ("1") or stop sharing it ("0"): the wanted state, so a repeated click changes nothing."""

    shared = HiddenField(validators=[AnyOf(["0", "1"])])


class QuestionFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField("Tìm kiếm (không cần dấu)", validators=[Optional(), Length(max=200)])
    topic = SelectField("Chủ đề", coerce=db_int, validators=[Optional()])
    difficulty = SelectField("Mức độ", coerce=db_int, choices=as_choices([(0, "Mọi mức độ"), *DIFFICULTY_CHOICES]), validators=[Optional()])
    kind = SelectField("Loại", choices=as_choices([("", "Mọi loại"), *KIND_CHOICES]), validators=[Optional()])
    status = SelectField("Trạng thái", choices=as_choices([("", "Mọi trạng thái"), *STATUS_CHOICES]), validators=[Optional()])


class ImportForm(Form):
    file = FileField("Tệp câu hỏi", validators=[FileRequired("Vui lòng chọn tệp.")])
    file_format = SelectField("Định dạng", choices=as_choices(FORMAT_CHOICES), validators=[Optional()])
    default_topic = StringField(
        "Chủ đề mặc định (cho tệp GIFT/Aiken không ghi chủ đề)", validators=[Optional(), Length(max=255)]
    )
    default_difficulty = SelectField("Mức độ mặc định (cho tệp GIFT/Aiken)", coerce=int, choices=as_choices(DIFFICULTY_CHOICES), default=2)


class QuestionForm(Form):
    code = StringField("Mã câu hỏi", validators=[Optional(), Length(max=64)])
    topic = StringField("Chủ đề", validators=[DataRequired(REQUIRED), Length(max=255)])
    difficulty = SelectField("Mức độ", coerce=int, choices=as_choices(DIFFICULTY_CHOICES))
    kind = SelectField("Loại", choices=as_choices(KIND_CHOICES))
    text = TextAreaField("Câu hỏi", validators=[DataRequired(REQUIRED), Length(max=5000)])
    answer = StringField("Đáp án (ví dụ: B hoặc A, C)", validators=[DataRequired(REQUIRED), Length(max=32)])
    explanation = TextAreaField("Giải thích", validators=[Optional(), Length(max=5000)])
    legal_basis = StringField("Căn cứ", validators=[Optional(), Length(max=1000)])


for _label in LABELS:
    setattr(
        QuestionForm,
        f"choice_{_label}",
        StringField(f"Phương án {_label}", validators=[Optional(), Length(max=1000)]),
    )
