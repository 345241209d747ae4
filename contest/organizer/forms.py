from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from contest.formats import format_number
from contest.forms import REQUIRED, Form, LocalDateTimeField, SubForm, as_choices
from contest.services.contests import (
    AUDIENCE_LABELS,
    ADMISSION_LABELS,
    GRADING_LABELS,
    LEADERBOARD_LABELS,
    MAX_ATTEMPTS,
    MAX_COPY_SHIFT_DAYS,
    MAX_GRACE_SECONDS,
    MAX_LINE_QUESTIONS,
    MAX_POINTS_PER_QUESTION,
    MAX_TIME_LIMIT_MINUTES,
    PREDICTION_LABELS,
    REVIEW_LABELS,
)
from contest.services import banners as banner_rules
from contest.services.overrides import MAX_EXTRA_ATTEMPTS, MAX_EXTRA_MINUTES, MAX_REASON
from contest.models import Contest, QuestionBank, Round, UnitKind, User
from contest.viewhelpers import db_int
from question_bank.model import DIFFICULTY_LABELS, KIND_LABELS, LABELS
from question_bank.validation import MAX_CHOICE_TEXT, MAX_CODE, MAX_TEXT, MAX_TOPIC

DIFFICULTY_CHOICES = [(int(d), label) for d, label in DIFFICULTY_LABELS.items()]
KIND_CHOICES = [(k.value, label) for k, label in KIND_LABELS.items()]
STATUS_CHOICES = [("active", "Đang dùng"), ("retired", "Ngừng dùng")]
FORMAT_CHOICES = [("", "Tự nhận biết theo tên tệp"), ("excel", "Excel (.xlsx)"), ("gift", "GIFT (Moodle)"), ("aiken", "Aiken (Moodle)")]


class BankForm(Form):
    name = StringField("Tên ngân hàng câu hỏi", validators=[DataRequired(REQUIRED), Length(max=QuestionBank.name.type.length)])
    description = TextAreaField("Mô tả", validators=[Optional(), Length(max=2000)])
    owner_unit_id = SelectField("Đơn vị quản lý", coerce=int)


class BankSharingForm(Form):
    """Share a bank with lower units' contests ("1") or stop sharing it ("0"): the wanted state, so a repeated click changes nothing."""

    shared = HiddenField(validators=[AnyOf(["0", "1"])])


class BankPracticeForm(Form):
    """What a bank opens for practice: nothing, the whole bank, or the chosen topics (choices set by the view);
    `confirm_in_use` is the organiser's explicit yes when a running contest draws from it."""

    scope = SelectField("Mở ôn tập", choices=as_choices([("closed", "Không mở"), ("bank", "Toàn bộ ngân hàng"), ("topics", "Các chủ đề đã chọn")]),
                        validators=[AnyOf(["closed", "bank", "topics"])])
    topic_ids = SelectMultipleField("Chủ đề", coerce=db_int, choices=[])
    confirm_in_use = BooleanField("Cho phép ôn tập dù đang dùng trong cuộc thi")


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
        "Chủ đề mặc định (cho tệp GIFT/Aiken không ghi chủ đề)", validators=[Optional(), Length(max=MAX_TOPIC)]
    )
    default_difficulty = SelectField("Mức độ mặc định (cho tệp GIFT/Aiken)", coerce=int, choices=as_choices(DIFFICULTY_CHOICES), default=2)


class QuestionForm(Form):
    code = StringField("Mã câu hỏi", validators=[Optional(), Length(max=MAX_CODE)])
    topic = StringField("Chủ đề", validators=[DataRequired(REQUIRED), Length(max=MAX_TOPIC)])
    difficulty = SelectField("Mức độ", coerce=int, choices=as_choices(DIFFICULTY_CHOICES))
    kind = SelectField("Loại", choices=as_choices(KIND_CHOICES))
    text = TextAreaField("Câu hỏi", validators=[DataRequired(REQUIRED), Length(max=MAX_TEXT)])
    answer = StringField("Đáp án (ví dụ: B hoặc A, C)", validators=[DataRequired(REQUIRED), Length(max=32)])
    explanation = TextAreaField("Giải thích", validators=[Optional(), Length(max=5000)])
    legal_basis = StringField("Căn cứ", validators=[Optional(), Length(max=1000)])


for _label in LABELS:
    setattr(
        QuestionForm,
        f"choice_{_label}",
        StringField(f"Phương án {_label}", validators=[Optional(), Length(max=MAX_CHOICE_TEXT)]),
    )


# ---------------------------------------------------------------- contests and rounds

BLUEPRINT_ROWS = 8


MAX_RULES_CHARACTERS = 50_000
RULES_TOO_LONG = f"Thể lệ dài quá {format_number(MAX_RULES_CHARACTERS)} ký tự."


class RulesPreviewForm(Form):
    """The rules being typed, for the editor's live preview (nothing is saved)."""

    rules_markdown = TextAreaField("Thể lệ", validators=[Optional(), Length(max=MAX_RULES_CHARACTERS, message=RULES_TOO_LONG)])


class ContestForm(Form):
    title = StringField("Tên cuộc thi", validators=[DataRequired(REQUIRED), Length(max=Contest.title.type.length)])
    owner_unit_id = SelectField("Đơn vị tổ chức", coerce=int, validate_choice=False, validators=[Optional()])
    rules_markdown = TextAreaField("Thể lệ", validators=[Optional(), Length(max=MAX_RULES_CHARACTERS, message=RULES_TOO_LONG)])
    audience = SelectField("Đối tượng dự thi", choices=as_choices(AUDIENCE_LABELS.items()))
    eligible_unit_ids = SelectMultipleField("Các đơn vị được tham gia (gồm cả đơn vị cấp dưới)", coerce=int, validators=[Optional()])
    # The service refuses an unknown choice, with its own message.
    admitted_groups = SelectField("Nhóm đối tượng dự thi", choices=as_choices(ADMISSION_LABELS.items()), default="civil_servant",
                                  validate_choice=False)
    citizen_cccd_optional = BooleanField("Người dân không bắt buộc có số CCCD (cán bộ, công chức, viên chức luôn phải có)")
    attempts_allowed = IntegerField("Số lượt thi mỗi vòng", default=1, validators=[NumberRange(1, MAX_ATTEMPTS, f"Từ 1 đến {MAX_ATTEMPTS} lượt.")])
    grading = SelectField("Lượt được tính điểm", choices=as_choices(GRADING_LABELS.items()))
    points_per_question = IntegerField("Điểm mỗi câu", default=1, validators=[NumberRange(1, MAX_POINTS_PER_QUESTION, f"Từ 1 đến {MAX_POINTS_PER_QUESTION} điểm.")])
    shuffle_questions = BooleanField("Đảo thứ tự câu hỏi", default=True)
    shuffle_choices = BooleanField("Đảo thứ tự phương án", default=True)
    review_policy = SelectField("Xem đáp án", choices=as_choices(REVIEW_LABELS.items()))
    leaderboard_visibility = SelectField("Bảng xếp hạng", choices=as_choices(LEADERBOARD_LABELS.items()))
    leaderboard_freeze_at = LocalDateTimeField("Tạm dừng cập nhật bảng xếp hạng từ (giờ Việt Nam, dd/mm/yyyy HH:mm; để trống nếu không)", validators=[Optional()])
    prediction_question = StringField("Câu hỏi dự đoán (để trống nếu không dùng)", validators=[Optional(), Length(max=1000)])
    prediction_resolver = SelectField("Đáp án câu hỏi dự đoán là", choices=as_choices([("", "—"), *PREDICTION_LABELS.items()]), validators=[Optional()])
    # The overdue rule; empty = the platform default (the view names it in the choices and the hint).
    grace_seconds = IntegerField("Gia hạn nhận bài sau khi hết giờ (giây; để trống: theo mặc định hệ thống)",
                                 validators=[Optional(), NumberRange(0, MAX_GRACE_SECONDS, f"Từ 0 đến {MAX_GRACE_SECONDS} giây.")])
    overdue_handling = SelectField("Khi hết giờ mà bài chưa nộp", validators=[Optional()])


class BannerForm(Form):
    """A contest's banner: the file only; what it holds is checked by contest.services.banners, not by its name."""

    file = FileField(
        "Tệp ảnh bìa", validators=[FileRequired("Vui lòng chọn tệp ảnh bìa.")],
        description=f"PNG, JPEG hoặc WebP, tối đa {banner_rules.MAX_BYTES // 2**20} MB; ảnh ngang, {banner_rules.RECOMMENDED} điểm ảnh. "
                    "Máy chủ thu nhỏ ảnh về tối đa 1.200 × 630 và bỏ mọi thông tin kèm theo (EXIF: vị trí, máy chụp).",
    )


class ContestCopyForm(Form):
    """Copy a contest: its new title, and how many days its rounds move (negative: earlier)."""

    title = StringField("Tên cuộc thi mới", validators=[DataRequired(REQUIRED), Length(max=Contest.title.type.length)])
    shift_days = IntegerField(
        "Dời lịch các vòng thi (số ngày, ví dụ 7 = một tuần sau)",
        validators=[InputRequired("Vui lòng nhập số ngày dời lịch (0 nếu giữ nguyên)."),
                    NumberRange(-MAX_COPY_SHIFT_DAYS, MAX_COPY_SHIFT_DAYS, f"Từ -{MAX_COPY_SHIFT_DAYS} đến {MAX_COPY_SHIFT_DAYS} ngày.")],
    )


class BlueprintRowForm(SubForm):
    """One line of the blueprint; a row with 0 questions is ignored."""

    bank_id = SelectField("Ngân hàng", coerce=int, validate_choice=False)
    topic_id = SelectField("Chủ đề", coerce=int, validate_choice=False)
    difficulty = SelectField("Mức độ", coerce=int, validate_choice=False, choices=as_choices([(0, "Mọi mức độ"), *((int(k), v) for k, v in DIFFICULTY_LABELS.items())]))
    count = IntegerField("Số câu", default=0, validators=[Optional(), NumberRange(0, MAX_LINE_QUESTIONS, f"Từ 0 đến {MAX_LINE_QUESTIONS} câu.")])


class RoundForm(Form):
    title = StringField("Tên vòng thi", validators=[DataRequired(REQUIRED), Length(max=Round.title.type.length)])
    opens_at = LocalDateTimeField("Bắt đầu (giờ Việt Nam, dd/mm/yyyy HH:mm)", validators=[DataRequired("Vui lòng nhập thời điểm bắt đầu.")])
    closes_at = LocalDateTimeField("Kết thúc (giờ Việt Nam, dd/mm/yyyy HH:mm)", validators=[DataRequired("Vui lòng nhập thời điểm kết thúc.")])
    time_limit_minutes = IntegerField("Thời gian làm bài (phút)", default=20, validators=[NumberRange(1, MAX_TIME_LIMIT_MINUTES, f"Từ 1 đến {MAX_TIME_LIMIT_MINUTES} phút.")])
    blueprint = FieldList(FormField(BlueprintRowForm), min_entries=BLUEPRINT_ROWS, max_entries=BLUEPRINT_ROWS)

    def validate_closes_at(self, field):
        """Said beside the field with the form's other problems (the service checks it again on save)."""
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError("Thời điểm kết thúc phải sau thời điểm bắt đầu.")


class OverrideForm(Form):
    """One override: a person (phone, CCCD or e-mail) or a unit; one round or every round; what it extends."""

    person = StringField("Người dự thi (số điện thoại, CCCD hoặc email)", validators=[Optional(), Length(max=User.email.type.length)])
    unit_id = SelectField("hoặc cả một đơn vị (gồm các đơn vị trực thuộc)", coerce=db_int, validate_choice=False, validators=[Optional()])
    round_id = SelectField("Vòng thi", coerce=db_int, validate_choice=False, validators=[Optional()])
    extra_minutes = IntegerField("Thêm thời gian làm bài (phút)", default=0,
                                 validators=[Optional(), NumberRange(0, MAX_EXTRA_MINUTES, f"Từ 0 đến {MAX_EXTRA_MINUTES} phút.")])
    extra_attempts = IntegerField("Thêm lượt thi", default=0,
                                  validators=[Optional(), NumberRange(0, MAX_EXTRA_ATTEMPTS, f"Từ 0 đến {MAX_EXTRA_ATTEMPTS} lượt.")])
    closes_at = LocalDateTimeField("Được làm bài đến (giờ Việt Nam, dd/mm/yyyy HH:mm; để trống nếu không đổi)", validators=[Optional()])
    # Required: the audit log says why one person or unit got more time (a power cut, a disability) when the
    # results are checked or contested later.
    reason = StringField("Lý do (ghi vào nhật ký)", validators=[
        DataRequired("Ghi lý do điều chỉnh (ví dụ: mất điện, người khuyết tật cần thêm thời gian)."), Length(max=MAX_REASON)])


TIER_ROWS = 5
BLOC_ROWS = 4


class RateField(DecimalField):
    """A percentage typed the Vietnamese way (25,5) or with a dot (25.5)."""

    def process_formdata(self, valuelist):
        super().process_formdata([value.strip().replace(",", ".") for value in valuelist])

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{float(self.data):g}".replace(".", ",")


class TierRowForm(SubForm):
    """One size band of the unit prize; an empty line is ignored (the service checks the bands together)."""

    min_size = IntegerField("Từ (người)", validators=[Optional()])
    max_size = IntegerField("Đến (người)", validators=[Optional()])
    min_rate = RateField("Tối thiểu (%)", validators=[Optional()])


class BlocRowForm(SubForm):
    """One bloc: the unit kinds it takes and/or the units listed, and its prizes; an empty bloc is ignored."""

    title = StringField("Tên khối", validators=[Optional()])
    kinds = SelectMultipleField("Gồm các đơn vị loại", choices=as_choices((k.value, k.label) for k in UnitKind), validate_choice=False)
    unit_ids = SelectMultipleField("và/hoặc các đơn vị (mỗi đơn vị tính cả các đơn vị trực thuộc)", coerce=db_int, validate_choice=False)
    first_prizes = IntegerField("Giải Nhất", default=0, validators=[Optional()])
    second_prizes = IntegerField("Giải Nhì", default=0, validators=[Optional()])
    third_prizes = IntegerField("Giải Ba", default=0, validators=[Optional()])


class UnitPrizeForm(Form):
    tiers = FieldList(FormField(TierRowForm), min_entries=TIER_ROWS, max_entries=TIER_ROWS)
    blocs = FieldList(FormField(BlocRowForm), min_entries=BLOC_ROWS, max_entries=BLOC_ROWS)
