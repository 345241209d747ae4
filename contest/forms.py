"""Pieces shared by the forms of every blueprint."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import wtforms
from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms.validators import StopValidation

from contest.formats import (DATE_INPUT_HINT, DATE_INPUT_PATTERN, DATETIME_INPUT_HINT, DATETIME_INPUT_PATTERN, DateTimeInputError,
                             parse_local_date, parse_local_datetime)

REQUIRED = "Trường này là bắt buộc."

# WTForms' own messages (it ships no Vietnamese catalogue), for every field without a message of its own.
_MESSAGES = {
    "This field is required.": REQUIRED,
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Lựa chọn không hợp lệ.",
    "'%(value)s' is not a valid choice for this field.": "“%(value)s” không phải là một lựa chọn hợp lệ.",
    "'%(value)s' are not valid choices for this field.": "“%(value)s” không phải là các lựa chọn hợp lệ.",
    "Not a valid integer value.": "Phải là một số nguyên.",
    "Not a valid decimal value.": "Phải là một số.",
    "Not a valid float value.": "Phải là một số.",
    "Not a valid datetime value.": "Ngày giờ không hợp lệ.",
    "Not a valid date value.": "Ngày không hợp lệ.",
    "Not a valid time value.": "Giờ không hợp lệ.",
    "Invalid email address.": "Địa chỉ email không hợp lệ.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Field must be equal to %(other_name)s.": "Phải trùng với %(other_name)s.",
    "Field cannot be longer than %(max)d character.": "Tối đa %(max)d ký tự.",
    "Field cannot be longer than %(max)d characters.": "Tối đa %(max)d ký tự.",
    "Field must be at least %(min)d character long.": "Ít nhất %(min)d ký tự.",
    "Field must be at least %(min)d characters long.": "Ít nhất %(min)d ký tự.",
    "Field must be between %(min)d and %(max)d characters long.": "Từ %(min)d đến %(max)d ký tự.",
    "Number must be at least %(min)s.": "Số phải từ %(min)s trở lên.",
    "Number must be at most %(max)s.": "Số phải không quá %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Số phải từ %(min)s đến %(max)s.",
    "The CSRF token is missing.": "Thiếu mã bảo vệ biểu mẫu; vui lòng tải lại trang.",
    "The CSRF token is invalid.": "Mã bảo vệ biểu mẫu không hợp lệ; vui lòng tải lại trang.",
    "The CSRF token has expired.": "Mã bảo vệ biểu mẫu đã hết hạn; vui lòng tải lại trang.",
}


class VietnameseMessages:
    """A gettext-style catalogue of WTForms' messages in Vietnamese (unknown ones stay as they are)."""

    def gettext(self, string: str) -> str:
        return _MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


VIETNAMESE = VietnameseMessages()


class Form(FlaskForm):
    """The base of every form here: Flask-WTF's CSRF protection, WTForms' messages in Vietnamese."""

    class Meta:
        def get_translations(self, form):
            return VIETNAMESE


class SubForm(wtforms.Form):
    """A form nested in another (FormField, FieldList): no CSRF token of its own, messages in Vietnamese."""

    class Meta:
        def get_translations(self, form):
            return VIETNAMESE


def as_choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def chosen_id(value) -> int:
    """`coerce=` of a picker whose service gives the message: the picked id, or 0 ("none chosen") for anything that is
    not an id an INTEGER column holds (so that no coercion error in English and no database error comes first)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= 2**31 - 1 else 0


class EmptyForm(Form):
    """A form with only the CSRF token, for one-button actions."""


class _TypedDateField(wtforms.StringField):
    """A date (and time) typed in Vietnamese order, whatever the browser's language: a plain text box, since
    <input type="date"> and "datetime-local" show the browser's own order (mm/dd/yyyy in an English browser).
    A value that is not a real date gets one specific message (from contest.formats), not two."""

    hint: str  # what the placeholder shows
    pattern: str  # the browser's own check (the server checks again)
    shown: str  # strftime format of the value shown back
    noun: str
    parse: Callable[[str], object]  # text -> value; DateTimeInputError with the reason

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"placeholder": self.hint, "pattern": self.pattern, "autocomplete": "off",
                     "title": f"{self.noun} theo dạng {self.hint}", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime(self.shown) if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = valuelist[0].strip() if valuelist else ""
        if text:
            try:
                self.data = self.parse(text)
            except DateTimeInputError as error:
                raise ValueError(str(error)) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class LocalDateTimeField(_TypedDateField):
    """dd/mm/yyyy HH:mm, Vietnamese time; `data` is a naive local datetime (timeutil.local_to_utc stores it), None
    when empty."""

    hint, pattern, shown, noun = DATETIME_INPUT_HINT, DATETIME_INPUT_PATTERN, "%d/%m/%Y %H:%M", "Ngày giờ"
    parse = staticmethod(parse_local_datetime)


class LocalDateField(_TypedDateField):
    """dd/mm/yyyy; `data` is a date, None when empty."""

    hint, pattern, shown, noun = DATE_INPUT_HINT, DATE_INPUT_PATTERN, "%d/%m/%Y", "Ngày"
    parse = staticmethod(parse_local_date)
