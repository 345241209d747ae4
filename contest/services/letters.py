"""Reminder letters (công văn đôn đốc): for the units directly under a report's unit whose participation rate is
under the threshold, one letter each from a .docx template (docxtpl: Jinja placeholders in a Word file), listing
the people of the unit's staff lists who have not taken part (statistics.non_participants, the "Chưa tham gia"
list, asked once for the whole report and shared out by unit).

The letters come as one .docx with each letter in its own section (a page or more per unit: print and sign in one
go) or as a .zip of one .docx per unit (to send each unit its own file through the document system). A unit may
keep its own template (uploaded, checked, stored in the database); a unit without one uses the nearest one above
it, then the shipped default (contest/services/letter_default.py).
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from contest.errors import ValidationError
from contest.formats import document_date, format_number, format_percent
from contest.models import LetterTemplate, StaffMember, Unit, User
from contest.services.letter_default import DEFAULT_TEMPLATE_PATH
from contest.services.period_report import PeriodReport, PeriodScope
from contest.services.statistics import Scope, non_participants, participation_by_unit
from contest.timeutil import utcnow
from question_bank.text import normalize_text

MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 300
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_RATIO = 200  # an entry unpacking to more than this many times its packed size is a zip bomb
MAX_REPEAT = 10_000  # the longest "x" * n a template may make (the sandbox's guard against a huge string)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


class LetterTemplateError(ValidationError):
    """An uploaded template is refused; the message says why, in Vietnamese."""


@dataclass
class LetterUnit:
    """One unit that gets a letter: its figures and the people of its staff lists who have not taken part."""

    code: str
    name: str
    display_name: str
    path: str
    base: int
    participants: int
    rate: float | None
    has_staff_lists: bool
    people: list[StaffMember] = field(default_factory=list)


@dataclass
class Letters:
    """Everything the letters say: who issues them, about what, and to whom."""

    issuer: Unit
    subject: str  # "cuộc thi …" or "các cuộc thi tìm hiểu cải cách hành chính"
    scope_label: str  # the round, "toàn cuộc thi", or the period
    threshold: float
    data_date: date
    made_on: date
    place: str
    units: list[LetterUnit]


LOCAL_GOVERNMENT_PREFIXES = ("huyện ", "quận ", "thị xã ", "thành phố ", "xã ", "phường ", "thị trấn ")


def addressee(name: str) -> str:
    """Whom a letter to a unit is addressed to: a district's or a commune's people's committee, not the place
    ("Huyện Bình Thạnh" → "Ủy ban nhân dân huyện Bình Thạnh"); any other unit by its own name."""
    if name.lower().startswith(LOCAL_GOVERNMENT_PREFIXES):
        return f"Ủy ban nhân dân {name[0].lower()}{name[1:]}"
    return name


# ---------------------------------------------------------------- which units, which people


def _with_people(units: list[LetterUnit], people: list[StaffMember]) -> list[LetterUnit]:
    """Share the report's one "Chưa tham gia" list out to the letter units (a person goes to the unit whose
    subtree holds theirs)."""
    for person in people:
        for unit in units:
            if person.unit.path.startswith(unit.path):
                unit.people.append(person)
                break
    return units


def period_letters(session: Session, report: PeriodReport, made_on: date, place: str) -> Letters:
    """The letters of a period report: to the units right under its unit that are under the threshold."""
    paths = {u.id: u.path for u in session.scalars(select(Unit).where(Unit.parent_id == report.unit.id))}
    units = [
        LetterUnit(row.code, row.name, row.display_name, paths[row.unit_id], row.current.base, row.current.participants,
                   row.current.rate, row.base_source == "Danh sách cán bộ")
        for row in report.rows
        if row.depth == 1 and row.below_threshold
    ]
    people = non_participants(session, PeriodScope(report.period), report.unit) if units else []
    return Letters(
        issuer=report.unit, subject="các cuộc thi tìm hiểu cải cách hành chính", scope_label=report.period.phrase,
        threshold=report.settings.threshold, data_date=min(made_on, report.period.end), made_on=made_on, place=place,
        units=_with_people(units, people),
    )


def contest_letters(session: Session, scope: Scope, root: Unit, threshold: float, made_on: date, place: str) -> Letters:
    """The letters of a contest (or one round): to the units right under `root` under the threshold."""
    rows = [r for r in participation_by_unit(session, scope, root, threshold, max_depth=1) if r.depth == 1 and r.below_threshold]
    paths = {u.id: u.path for u in session.scalars(select(Unit).where(Unit.parent_id == root.id))}
    units = [LetterUnit(r.code, r.name, r.display_name, paths[r.unit_id], r.base, r.participants, r.rate, r.has_staff_lists)
             for r in rows]
    people = non_participants(session, scope, root) if units else []
    title = scope.contest.title
    return Letters(
        issuer=root, subject=title if title.lower().startswith("cuộc thi") else f"cuộc thi “{title}”",
        scope_label=scope.round.title if scope.round else "toàn cuộc thi", threshold=threshold,
        data_date=made_on, made_on=made_on, place=place, units=_with_people(units, people),
    )


# ---------------------------------------------------------------- the placeholders


PLACEHOLDERS = [
    ("co_quan_cap_tren", "Cơ quan cấp trên của cơ quan ban hành, chữ in hoa (trống nếu không có)"),
    ("co_quan", "Cơ quan ban hành công văn, chữ in hoa"),
    ("ten_co_quan", "Tên cơ quan ban hành, viết thường như trong cây đơn vị"),
    ("ma_co_quan", "Mã cơ quan ban hành (dùng trong số ký hiệu “…/CV-mã”)"),
    ("dia_danh", "Địa danh ghi trước ngày tháng (REPORT_PLACE)"),
    ("ngay_thang", "Ngày ban hành: “ngày 02 tháng 12 năm 2026”"),
    ("cuoc_thi", "Cuộc thi: tên cuộc thi, hoặc “các cuộc thi tìm hiểu cải cách hành chính” với báo cáo định kỳ"),
    ("ky", "Phạm vi số liệu: vòng thi, “toàn cuộc thi” hoặc kỳ báo cáo (“quý IV năm 2026”)"),
    ("ngay_so_lieu", "Số liệu tính đến: “ngày 02/12/2026”"),
    ("nguong", "Ngưỡng (chỉ tiêu) tỷ lệ tham gia: “50%”"),
    ("don_vi", "Tên đơn vị nhận"),
    ("don_vi_day_du", "Nơi nhận công văn: tên đơn vị kèm đơn vị cấp trên; huyện, xã, phường là Ủy ban nhân dân của nơi đó"),
    ("ma_don_vi", "Mã đơn vị nhận"),
    ("so_can_bo", "Số CBCCVC của đơn vị (theo danh sách cán bộ nếu đã nhập đủ, nếu không theo số CBCCVC khai báo)"),
    ("so_tham_gia", "Số người đã tham gia"),
    ("ty_le", "Tỷ lệ tham gia: “32,5%”"),
    ("so_chua_tham_gia", "Số người trong danh sách cán bộ chưa tham gia"),
    ("co_danh_sach", "Đúng khi mọi đơn vị của đơn vị nhận đã nhập danh sách cán bộ"),
    ("chua_tham_gia", "Danh sách người chưa tham gia; mỗi người có nguoi.stt, nguoi.ho_ten, nguoi.chuc_vu, nguoi.don_vi "
                      "(dùng trong bảng: {%tr for nguoi in chua_tham_gia %} … {%tr endfor %})"),
]


def letter_context(letters: Letters, unit: LetterUnit) -> dict:
    """The values of every placeholder for one unit's letter (text already NFC and in Vietnamese formats)."""
    issuer = letters.issuer
    people = [
        {"stt": format_number(number), "ho_ten": person.full_name, "chuc_vu": person.position or "",
         "don_vi": person.unit.name}  # within the letter's unit: its own name says enough
        for number, person in enumerate(unit.people, start=1)
    ]
    values = {
        "co_quan_cap_tren": issuer.parent.name.upper() if issuer.parent else "",
        "co_quan": issuer.name.upper(),
        "ten_co_quan": issuer.name,
        "ma_co_quan": issuer.code,
        "dia_danh": letters.place or "…………",
        "ngay_thang": document_date(letters.made_on),
        "cuoc_thi": letters.subject,
        "ky": letters.scope_label,
        "ngay_so_lieu": f"ngày {letters.data_date:%d/%m/%Y}",
        "nguong": format_percent(letters.threshold, 1).replace(",0%", "%"),
        "don_vi": unit.name,
        "don_vi_day_du": addressee(unit.display_name),
        "ma_don_vi": unit.code,
        "so_can_bo": format_number(unit.base),
        "so_tham_gia": format_number(unit.participants),
        "ty_le": format_percent(unit.rate, 1),
        "so_chua_tham_gia": format_number(len(people)),
        "co_danh_sach": unit.has_staff_lists,
    }
    values = {key: normalize_text(value) if isinstance(value, str) else value for key, value in values.items()}
    values["chua_tham_gia"] = [{key: normalize_text(value) for key, value in person.items()} for person in people]
    return values


def sample_letters() -> Letters:
    """Made-up letters that fill every placeholder: an uploaded template must render against them."""
    parent = Unit(code="T01", name="UBND tỉnh An Hòa", path="/T01/", depth=0)
    issuer = Unit(code="SNV", name="Sở Nội vụ", path="/T01/SNV/", depth=1, parent=parent)
    office = Unit(code="SNV-VP", name="Văn phòng Sở", path="/T01/SNV/SNV-VP/", depth=2, parent=issuer)
    person = StaffMember(full_name="Nguyễn Văn An", position="Chuyên viên", unit=office)
    unit = LetterUnit("SNV-VP", "Văn phòng Sở", "Văn phòng Sở — Sở Nội vụ", office.path, 40, 13, 32.5, True, [person])
    today = date(2026, 12, 2)
    return Letters(issuer, "cuộc thi “Tìm hiểu cải cách hành chính năm 2026”", "toàn cuộc thi", 50.0, today, today, "An Hòa", [unit])


# ---------------------------------------------------------------- rendering


class _LetterEnvironment(SandboxedEnvironment):
    """Organisers write the templates: no attribute tricks reach Python (the sandbox), an unknown placeholder is an
    error rather than an empty gap, values are XML-escaped, and no template can build a huge string or number."""

    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, **options):
        super().__init__(**options)
        self._compiled: dict[str, object] = {}

    def from_string(self, source, globals=None, template_class=None):
        """Every letter of a batch fills the same parts of the same template: compile each once."""
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if source not in self._compiled:
            self._compiled[source] = super().from_string(source)
        return self._compiled[source]

    def call_binop(self, context, operator, left, right):
        if operator == "**" or (operator == "*" and (isinstance(left, (str, list)) or isinstance(right, (str, list)))
                                and max(abs(left) if isinstance(left, int) else 0, abs(right) if isinstance(right, int) else 0) > MAX_REPEAT):
            raise SecurityError(f"phép tính “{operator}” quá lớn")
        return super().call_binop(context, operator, left, right)


def _environment() -> SandboxedEnvironment:
    env = _LetterEnvironment(undefined=StrictUndefined, autoescape=True)
    env.globals.pop("range", None)  # loops run over the letter's own lists only
    return env


def _render(template: bytes, context: dict, env: SandboxedEnvironment | None = None):
    """The template filled with `context` (in `env`, one per batch of letters); a placeholder problem is a
    LetterTemplateError saying which."""
    document = DocxTemplate(io.BytesIO(template))
    try:
        document.render(context, env or _environment())
    except TemplateError as error:
        raise LetterTemplateError(_placeholder_problem(error)) from None
    return document


def _bytes(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _append(target, source) -> None:
    """Append `source`'s body to `target` after a section break (each letter starts on a new page, with the
    template's page setup). Every letter comes from the same template, so their relationships (images, styles,
    numbering) are the same and the body can be copied as is; drawing ids are renumbered to stay unique."""
    body = target.element.body
    last = body.find(qn("w:sectPr"))
    breaker = body.makeelement(qn("w:p"), {})
    properties = breaker.makeelement(qn("w:pPr"), {})
    properties.append(copy.deepcopy(last))
    breaker.append(properties)
    last.addprevious(breaker)
    for element in source.element.body:
        if element.tag != qn("w:sectPr"):
            last.addprevious(copy.deepcopy(element))


def _renumber_drawings(document) -> None:
    tag = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
    for number, element in enumerate(document.element.body.iter(tag), start=1):
        element.set("id", str(number))


def letters_docx(template: bytes, letters: Letters) -> bytes:
    """One .docx: every unit's letter in turn, each in its own section."""
    merged, env = None, _environment()
    for unit in letters.units:
        rendered = _render(template, letter_context(letters, unit), env).docx
        if merged is None:
            merged = rendered
        else:
            _append(merged, rendered)
    if merged is None:
        raise ValidationError("Không có đơn vị nào dưới ngưỡng: không có công văn nào để tạo.")
    _renumber_drawings(merged)
    return _bytes(merged)


def letter_filename(letters: Letters, unit: LetterUnit | None = None, suffix: str = "docx") -> str:
    return f"cong-van-don-doc-{letters.issuer.code}{'-' + unit.code if unit else ''}-{letters.made_on:%Y%m%d}.{suffix}"


def letters_zip(template: bytes, letters: Letters) -> bytes:
    """A .zip of one .docx per unit, named after the unit's code."""
    if not letters.units:
        raise ValidationError("Không có đơn vị nào dưới ngưỡng: không có công văn nào để tạo.")
    out, env = io.BytesIO(), _environment()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for unit in letters.units:
            archive.writestr(letter_filename(letters, unit), _bytes(_render(template, letter_context(letters, unit), env)))
    return out.getvalue()


# ---------------------------------------------------------------- checking an uploaded template


def _check_archive(content: bytes) -> None:
    """A real .docx: a zip with word/document.xml of a Word document (not a macro-enabled one), small enough
    unpacked, and nothing hostile in it (no zip bomb, no paths leaving the archive, no encryption)."""
    if len(content) > MAX_TEMPLATE_BYTES:
        raise LetterTemplateError(f"Tệp mẫu lớn {format_number(len(content) // 1024)} KB, vượt giới hạn "
                                  f"{format_number(MAX_TEMPLATE_BYTES // 1024 // 1024)} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise LetterTemplateError("Tệp không phải văn bản Word .docx (không đọc được cấu trúc nén của tệp .docx). "
                                  "Hãy lưu lại bằng Word với định dạng “Word Document (*.docx)”.") from None
    names = {entry.filename for entry in entries}
    if len(entries) > MAX_ENTRIES:
        raise LetterTemplateError(f"Tệp có {format_number(len(entries))} thành phần, quá nhiều cho một văn bản Word (tối đa {MAX_ENTRIES}).")
    for entry in entries:
        name = entry.filename
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
            raise LetterTemplateError(f"Tệp chứa đường dẫn không hợp lệ “{name}”: không nhận.")
        if entry.flag_bits & 0x1:
            raise LetterTemplateError("Tệp được đặt mật khẩu (mã hóa): hãy bỏ mật khẩu rồi tải lên lại.")
        if entry.file_size > MAX_RATIO * max(entry.compress_size, 1) and entry.file_size > 1024 * 1024:
            raise LetterTemplateError(f"Thành phần “{name}” giải nén ra quá lớn so với kích thước nén (nghi là tệp độc hại): không nhận.")
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise LetterTemplateError(f"Tệp giải nén ra hơn {format_number(MAX_UNPACKED_BYTES // 1024 // 1024)} MB: quá lớn cho một mẫu công văn.")
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise LetterTemplateError("Tệp không phải văn bản Word .docx (thiếu phần nội dung word/document.xml).")
    if "word/vbaProject.bin" in names:
        raise LetterTemplateError("Tệp có macro (VBA): không nhận. Hãy lưu thành “Word Document (*.docx)”.")
    try:
        types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        raise LetterTemplateError("Tệp .docx bị hỏng (không giải nén được).") from None
    if WORD_MAIN not in types:
        raise LetterTemplateError("Tệp không phải văn bản Word .docx thông thường (có thể là mẫu .dotx hoặc tệp có macro .docm).")


_UNDEFINED = re.compile(r"'([^']+)' is undefined")
_NO_ATTRIBUTE = re.compile(r"has no attribute '([^']+)'")


def _placeholder_problem(error: Exception) -> str:
    """The template error in Vietnamese, naming the placeholder and quoting the text around it."""
    text = str(error)
    where = ""
    nearby = [re.sub(r"\s+", " ", line).strip() for line in getattr(error, "docx_context", []) or []]
    nearby = [line for line in nearby if line]
    if nearby:
        where = " Đoạn văn bản gần chỗ lỗi: “" + " ".join(nearby)[:200] + "”."
    if isinstance(error, UndefinedError):
        match = _UNDEFINED.search(text) or _NO_ATTRIBUTE.search(text)
        name = match.group(1) if match else text
        return (f"Mẫu dùng trường “{name}” không có trong danh sách trường của công văn. "
                f"Hãy sửa tên trường (xem danh sách bên dưới).{where}")
    if isinstance(error, SecurityError):
        return f"Mẫu dùng thao tác không được phép ({text}).{where}"
    if isinstance(error, TemplateSyntaxError):
        return (f"Mẫu có lỗi cú pháp ở chỗ đặt trường hoặc lệnh {{% … %}}: {error.message}. "
                f"Mỗi {{{{ … }}}} và {{% … %}} phải viết liền trong một đoạn, đủ cặp mở – đóng (if/endif, for/endfor).{where}")
    return f"Mẫu không điền được: {text}.{where}"


def check_template(content: bytes) -> None:
    """Refuse a template that is not a safe .docx, or whose placeholders do not render against the sample letter
    (LetterTemplateError, in Vietnamese)."""
    _check_archive(content)
    sample = sample_letters()
    try:
        rendered = _bytes(_render(content, letter_context(sample, sample.units[0])))
    except LetterTemplateError:
        raise
    except Exception:  # python-docx / lxml on a malformed part: any of KeyError, ValueError, XMLSyntaxError ...
        raise LetterTemplateError("Tệp .docx bị hỏng hoặc không phải văn bản Word: không mở được bằng trình đọc văn bản.") from None
    try:
        Document(io.BytesIO(rendered))
    except Exception:
        raise LetterTemplateError("Sau khi điền thử, văn bản bị hỏng cấu trúc: có lệnh {% … %} cắt ngang một đoạn hoặc một bảng. "
                                  "Hãy dùng {%p … %} cho lệnh đứng riêng một đoạn và {%tr … %} cho lệnh đứng riêng một dòng bảng.") from None


# ---------------------------------------------------------------- stored templates


def default_template() -> bytes:
    return DEFAULT_TEMPLATE_PATH.read_bytes()


def own_template(session: Session, unit: Unit) -> LetterTemplate | None:
    return session.scalar(select(LetterTemplate).where(LetterTemplate.unit_id == unit.id))


def template_for(session: Session, unit: Unit) -> LetterTemplate | None:
    """The template a unit's letters use: its own, else the nearest of the units above it (None: the default)."""
    return session.scalar(
        select(LetterTemplate)
        .join(Unit, Unit.id == LetterTemplate.unit_id)
        .where(func.substr(literal(unit.path), 1, func.length(Unit.path)) == Unit.path)
        .order_by(Unit.depth.desc())
        .limit(1)
    )


def template_content(session: Session, unit: Unit) -> bytes:
    stored = template_for(session, unit)
    return stored.content if stored else default_template()


def save_template(session: Session, unit: Unit, content: bytes, filename: str, user: User) -> LetterTemplate:
    """Check, then keep `content` as `unit`'s own template (replacing any earlier one); nothing saved on error."""
    check_template(content)
    stored = own_template(session, unit) or LetterTemplate(unit=unit)
    stored.content, stored.filename, stored.uploaded_by, stored.uploaded_at = content, filename[:255], user, utcnow()
    session.add(stored)
    session.flush()
    return stored


def reset_template(session: Session, unit: Unit) -> None:
    """Drop `unit`'s own template: its letters go back to the one above it, or the default."""
    stored = own_template(session, unit)
    if stored is None:
        raise ValidationError(f"{unit.name} đang dùng mẫu mặc định (chưa tải lên mẫu riêng).")
    session.delete(stored)
    session.flush()
