"""Reminder letters (công văn đôn đốc) for a small tree, opened again with python-docx; the shipped template; an
uploaded template checked before it is kept.

    P (province, 0) ├── P-A (department, 4 on its list) ── P-A1 (office, 2 on its list)
                    ├── P-B (district, headcount 5, no list)
                    └── P-C (department, 2 on its list)

One contest, two weekly rounds from T0 (23/11/2026 08:00). Threshold 50 %.
- P-A: An (matched by CCCD) takes part on 24/11, Bình on 01/12; Cường and Dũng never. P-A1: Giang (matched by phone)
  on 24/11, Hà never. P-C: both of its list on 24/11. P-B: nobody.
Week X = 23/11–29/11: P-A 2/6 = 33,3 % (Bình, Cường, Dũng, Hà not yet), P-B 0/5, P-C 2/2 (no letter).
The whole contest: P-A 3/6 = 50 % (not under 50 %: no letter), P-B 0/5, P-C 2/2.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import date, timedelta

import pytest
from docx import Document

from contest.errors import ValidationError
from contest.models import LetterTemplate, Role, StaffMember, UnitKind
from contest.services import letters
from contest.services.letter_default import DEFAULT_TEMPLATE_PATH, build_default_template
from contest.services.period_report import ReportSettings, period_report
from contest.services.periods import custom_period
from contest.services.statistics import Scope
from contest.timeutil import utcnow
from tests.conftest import T0
from tests.helpers import play

X = custom_period(date(2026, 11, 23), date(2026, 11, 29))
MADE_ON = date(2026, 12, 2)


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture
def tree(db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("P", kind=UnitKind.province, headcount=0, name="UBND tỉnh Thử")
    a = make_unit("P-A", parent=province, kind=UnitKind.department, headcount=9, name="Sở Nội vụ")
    a1 = make_unit("P-A1", parent=a, headcount=9, name="Phòng Cải cách hành chính")
    b = make_unit("P-B", parent=province, kind=UnitKind.district, headcount=5, name="Huyện Đông Giang")
    c = make_unit("P-C", parent=province, kind=UnitKind.department, headcount=9, name="Sở Tài chính")
    listed = {
        a: [("Nguyễn Văn An", "001090000001", None), ("Trần Thị Bình", "001090000002", None),
            (_nfd("Lê Văn Cường"), "001090000003", None), ("Phạm Dũng", None, "0913000004")],
        a1: [("Hoàng Giang", None, "0913000005"), ("Võ Thị Hà", "001090000006", None)],
        c: [("Đỗ Khoa", "001090000007", None), ("Bùi Lan", "001090000008", None)],
    }
    for unit, people in listed.items():
        unit.staff_list_at = utcnow()
        for name, cccd, phone in people:
            db_session.add(StaffMember(unit=unit, full_name=name, cccd=cccd, phone=phone, position="Chuyên viên"))
    db_session.commit()
    bank = make_bank(owner=province, per_topic=4)
    contest = make_contest(unit=province, bank=bank, rounds=2, per_topic=2, title="Tìm hiểu cải cách hành chính năm 2026",
                           eligible_unit_ids=[province.id])
    day = T0 + timedelta(days=1)
    play(db_session, make_user(Role.participant, unit=a, cccd="001090000001"), contest.rounds[0], day, correct=3)
    play(db_session, make_user(Role.participant, unit=a, cccd="001090000002"), contest.rounds[1], T0 + timedelta(days=8), correct=3)
    play(db_session, make_user(Role.participant, unit=a1, phone="0913000005"), contest.rounds[0], day, correct=2)
    for cccd in ("001090000007", "001090000008"):
        play(db_session, make_user(Role.participant, unit=c, cccd=cccd), contest.rounds[0], day, correct=4)
    return province, contest


def _pages(content: bytes) -> list[str]:
    """The text of each letter (each starts a new section), paragraphs and table cells in document order."""
    document = Document(io.BytesIO(content))
    letters_text, current = [], []
    body = document.element.body
    for element in body.iterchildren():
        current.append("".join(t.text or "" for t in element.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t")))
        if element.find(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sectPr") is not None or element.tag.endswith("sectPr"):
            letters_text.append("\n".join(current))
            current = []
    return letters_text


def test_period_letters_go_to_the_units_under_the_threshold_with_who_has_not_taken_part(db_session, tree):
    province, _ = tree
    report = period_report(db_session, province, X, ReportSettings(threshold=50))
    made = letters.period_letters(db_session, report, MADE_ON, "Thành phố Thử")
    assert [(u.code, u.base, u.participants, round(u.rate, 1)) for u in made.units] == [("P-A", 6, 2, 33.3), ("P-B", 5, 0, 0.0)]
    # By unit code, then name: the "Chưa tham gia" list's order.
    assert [p.full_name for p in made.units[0].people] == [_nfd("Lê Văn Cường"), "Phạm Dũng", "Trần Thị Bình", "Võ Thị Hà"]
    assert made.units[1].people == []

    pages = _pages(letters.letters_docx(letters.default_template(), made))
    assert len(pages) == 2
    first, second = pages
    assert "Kính gửi: Sở Nội vụ." in first
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "Độc lập - Tự do - Hạnh phúc" in first
    assert "UBND TỈNH THỬ" in first and "Số:        /CV-P" in first
    assert "Thành phố Thử, ngày 02 tháng 12 năm 2026" in first  # Nghị định 30: day and months 1–2 with a zero
    assert "V/v đôn đốc tham gia các cuộc thi tìm hiểu cải cách hành chính" in first
    assert "(từ ngày 23/11/2026 đến ngày 29/11/2026), tính đến ngày 29/11/2026, Sở Nội vụ có 2/6 cán bộ" in first
    assert "đạt tỷ lệ 33,3%, thấp hơn mức 50% theo yêu cầu" in first
    assert "chưa tham gia (4 người)" in first
    for name in ("Trần Thị Bình", "Lê Văn Cường", "Phạm Dũng", "Võ Thị Hà"):
        assert name in first
    assert "Nguyễn Văn An" not in first and "Hoàng Giang" not in first  # took part in the week
    assert "Phòng Cải cách hành chính" in first  # Hà's unit, below the letter's
    assert unicodedata.is_normalized("NFC", first) and unicodedata.is_normalized("NFC", second)
    # a district is written to through its people's committee, not by the place's name
    assert "Kính gửi: Ủy ban nhân dân huyện Đông Giang." in second and "0/5" in second and "đạt tỷ lệ 0,0%" in second
    assert "chưa có danh sách cán bộ" in second  # no staff list: said, not an empty table
    assert "(danh sách kèm theo)" in first and "kèm theo" not in second  # nothing attached without a staff list
    assert "Sở Tài chính" not in first + second  # 100 %: no letter
    assert "Nơi nhận:" in first and "THỦ TRƯỞNG CƠ QUAN" in second
    assert "{{" not in first + second and "{%" not in first + second


def test_contest_letters_count_the_whole_contest(db_session, tree):
    province, contest = tree
    made = letters.contest_letters(db_session, Scope(contest), province, 50.0, MADE_ON, "")
    assert [u.code for u in made.units] == ["P-B"]  # P-A reaches 3/6 = 50 %: not under the threshold
    archive = zipfile.ZipFile(io.BytesIO(letters.letters_zip(letters.default_template(), made)))
    assert archive.namelist() == ["cong-van-don-doc-P-P-B-20261202.docx"]
    (page,) = _pages(archive.read("cong-van-don-doc-P-P-B-20261202.docx"))
    assert "V/v đôn đốc tham gia cuộc thi “Tìm hiểu cải cách hành chính năm 2026”" in page
    assert "…………, ngày 02 tháng 12 năm 2026" in page  # no REPORT_PLACE: a blank to fill in
    made = letters.contest_letters(db_session, Scope(contest), province, 60.0, MADE_ON, "")
    assert [(u.code, [p.full_name for p in u.people]) for u in made.units] == [
        ("P-A", [_nfd("Lê Văn Cường"), "Phạm Dũng", "Võ Thị Hà"]), ("P-B", [])]


def test_no_unit_under_the_threshold_makes_no_letter(db_session, tree):
    province, contest = tree
    made = letters.contest_letters(db_session, Scope(contest), province, 0.0, MADE_ON, "")
    assert made.units == []
    with pytest.raises(ValidationError, match="Không có đơn vị nào dưới ngưỡng"):
        letters.letters_docx(letters.default_template(), made)


def test_the_shipped_template_is_what_its_builder_makes():
    assert DEFAULT_TEMPLATE_PATH.read_bytes() == build_default_template()
    letters.check_template(build_default_template())


def _docx(text: str) -> bytes:
    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _with_entry(content: bytes, name: str, data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    return _zip({**{n: source.read(n) for n in source.namelist()}, name: data})


HOSTILE = {
    "not a zip": (b"%PDF-1.4 not a word file", "không đọc được cấu trúc nén"),
    "too big": (b"PK" + b"0" * (letters.MAX_TEMPLATE_BYTES + 1), "vượt giới hạn"),
    "a zip without word/document.xml": (_zip({"[Content_Types].xml": b"<Types/>", "hello.txt": b"hi"}), "thiếu phần nội dung"),
    "a zip bomb": (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"0" * (20 * 1024 * 1024)}), "giải nén ra quá lớn"),
    "a path leaving the archive": (_zip({"../../etc/cron.d/x": b"x", "word/document.xml": b"<w/>"}), "đường dẫn không hợp lệ"),
    "macros": (_with_entry(_docx("Xin chào"), "word/vbaProject.bin", b"macro"), "macro"),
    "an unknown placeholder": (_docx("Kính gửi: {{ ten_don_vi }}"), "“ten_don_vi”"),
    "an unknown field of a person": (_docx("{% for nguoi in chua_tham_gia %}{{ nguoi.cccd }}{% endfor %}"), "“cccd”"),
    "a broken tag": (_docx("Kính gửi: {{ don_vi "), "lỗi cú pháp"),
    "an unclosed block": (_docx("{% if co_danh_sach %} có danh sách"), "lỗi cú pháp"),
    "the sandbox": (_docx("{{ don_vi.__class__.__mro__ }}"), "không được phép"),
    "a huge string": (_docx("{{ don_vi * 100000000 }}"), "không được phép"),
    "a corrupt part": (_with_entry(_docx("x"), "word/document.xml", b"<not xml"), "bị hỏng"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_broken_or_hostile_template_is_refused_and_nothing_saved(db_session, make_unit, make_user, case):
    content, message = HOSTILE[case]
    unit = make_unit("T")
    user = make_user(Role.organizer, unit=unit)
    with pytest.raises(letters.LetterTemplateError, match=message):
        letters.save_template(db_session, unit, content, "mau.docx", user)
    db_session.rollback()
    assert db_session.query(LetterTemplate).count() == 0


def test_a_unit_uses_its_own_template_else_the_nearest_above_else_the_default(db_session, make_unit, make_user):
    top = make_unit("T", kind=UnitKind.province)
    middle = make_unit("T-M", parent=top)
    leaf = make_unit("T-M-L", parent=middle)
    other = make_unit("T-MX", parent=top)  # a code that starts like T-M: not below it
    user = make_user(Role.organizer, unit=top)
    assert letters.template_for(db_session, leaf) is None
    assert letters.template_content(db_session, leaf) == letters.default_template()
    mine = _docx("Kính gửi: {{ don_vi }} của {{ ten_co_quan }}")
    letters.save_template(db_session, middle, mine, "rieng.docx", user)
    assert letters.template_content(db_session, leaf) == mine
    assert letters.template_for(db_session, other) is None and letters.template_for(db_session, top) is None
    letters.save_template(db_session, top, build_default_template(), "tinh.docx", user)
    assert letters.template_for(db_session, other).unit_id == top.id
    assert letters.template_for(db_session, leaf).unit_id == middle.id
    letters.reset_template(db_session, middle)
    assert letters.template_for(db_session, leaf).unit_id == top.id
    with pytest.raises(ValidationError, match="mẫu mặc định"):
        letters.reset_template(db_session, middle)


@pytest.mark.parametrize("name, expected", [
    ("Huyện Đông Giang", "Ủy ban nhân dân huyện Đông Giang"),
    ("Thị xã Hương Trà", "Ủy ban nhân dân thị xã Hương Trà"),
    ("Phường Phú Hội", "Ủy ban nhân dân phường Phú Hội"),
    ("Thị trấn Khe Tre", "Ủy ban nhân dân thị trấn Khe Tre"),
    ("Sở Nội vụ", "Sở Nội vụ"),
    ("UBND huyện A Lưới", "UBND huyện A Lưới"),
    ("Xuân Phú", "Xuân Phú"),  # a name that only starts with "X"
])
def test_a_letter_is_addressed_to_a_local_governments_peoples_committee(name, expected):
    assert letters.addressee(name) == expected
