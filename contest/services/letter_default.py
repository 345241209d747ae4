"""The shipped reminder-letter template (công văn đôn đốc), built with python-docx in the layout of Nghị định
30/2020/NĐ-CP: the issuing body and the number on the left and the national motto on the right of a borderless
table, the place and date, the subject ("V/v …") under the number, "Kính gửi", the body in Times New Roman 14 with
a first-line indent, the table of people who have not taken part, then "Nơi nhận" and the signature block.

The file is committed as contest/data/cong-van-don-doc.docx; rebuild it with
`python -m contest.services.letter_default` (the build is byte for byte reproducible: fixed zip times and
document dates, so a test checks the committed file is what this code makes)."""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

DEFAULT_TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "data" / "cong-van-don-doc.docx"
FONT = "Times New Roman"
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def _paragraph(container, text: str = "", *, size: float = 14, bold=False, italic=False, underline=False,
               align=WD_ALIGN_PARAGRAPH.LEFT, indent: bool = False, before: float = 0, after: float = 0):
    """A paragraph of one run (a Jinja placeholder split over runs would not render)."""
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = 1.1
    if indent:
        fmt.first_line_indent = Cm(1.27)
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold, run.italic, run.underline = bold, italic, underline
    return paragraph


def _cell_paragraph(cell, text: str, **kwargs):
    """The cell's first (empty) paragraph takes the first text; later ones add paragraphs."""
    if len(cell.paragraphs) == 1 and not cell.paragraphs[0].text and not getattr(cell, "_used", False):
        cell._used = True
        cell._element.remove(cell.paragraphs[0]._element)
    return _paragraph(cell, text, **kwargs)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _widths(table, widths_cm) -> None:
    """Column widths in the grid (what LibreOffice and Word lay a fixed table out by) and in every cell."""
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
        column.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)


def _two_columns(document, widths_cm):
    """A borderless, centred table of one row and two cells (the heading, the signature block): its cells."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _widths(table, widths_cm)
    return table.rows[0].cells


def _heading(document) -> None:
    left, right = _two_columns(document, (6.0, 10.5))
    center = WD_ALIGN_PARAGRAPH.CENTER
    _cell_paragraph(left, "{{ co_quan_cap_tren }}", size=13, align=center)
    _cell_paragraph(left, "{{ co_quan }}", size=13, bold=True, align=center)
    _cell_paragraph(left, "───────", size=13, align=center)
    _cell_paragraph(left, "Số:        /CV-{{ ma_co_quan }}", size=13, align=center, before=4)
    _cell_paragraph(left, "V/v đôn đốc tham gia {{ cuoc_thi }}", size=12, align=center, before=4)
    _cell_paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, align=center)
    _cell_paragraph(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, align=center)
    _cell_paragraph(right, "───────────────", size=13, align=center)
    _cell_paragraph(right, "{{ dia_danh }}, {{ ngay_thang }}", size=14, italic=True, align=center, before=4)


def _people_table(document) -> None:
    """The people on the unit's staff list who have not taken part: a docxtpl row loop."""
    _paragraph(document, "{%p if chua_tham_gia %}")
    _paragraph(document, "Danh sách cán bộ, công chức, viên chức chưa tham gia ({{ so_chua_tham_gia }} người):",
               bold=True, before=6, after=4)
    table = document.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, (1.5, 5.5, 4.0, 5.5))
    header = OxmlElement("w:tblHeader")  # repeated at the top of each page a long list runs onto
    table.rows[0]._tr.get_or_add_trPr().append(header)
    for cell, text in zip(table.rows[0].cells, ("STT", "Họ và tên", "Chức vụ", "Đơn vị")):
        _cell_paragraph(cell, text, size=13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell_paragraph(table.rows[1].cells[0], "{%tr for nguoi in chua_tham_gia %}", size=13)
    for cell, text in zip(table.rows[2].cells, ("{{ nguoi.stt }}", "{{ nguoi.ho_ten }}", "{{ nguoi.chuc_vu }}", "{{ nguoi.don_vi }}")):
        _cell_paragraph(cell, text, size=13, align=WD_ALIGN_PARAGRAPH.CENTER if text == "{{ nguoi.stt }}" else WD_ALIGN_PARAGRAPH.LEFT)
    _cell_paragraph(table.rows[3].cells[0], "{%tr endfor %}", size=13)
    _paragraph(document, "{%p else %}")
    _paragraph(document, "({{ don_vi }} chưa có danh sách cán bộ, công chức, viên chức trên hệ thống; đề nghị đơn vị "
                         "nhập danh sách để theo dõi từng người chưa tham gia.)", italic=True, indent=True, after=6)
    _paragraph(document, "{%p endif %}")


def _signature(document) -> None:
    left, right = _two_columns(document, (8.0, 8.0))
    _cell_paragraph(left, "Nơi nhận:", size=12, bold=True, italic=True, before=12)
    _cell_paragraph(left, "- Như trên;", size=11)
    _cell_paragraph(left, "- Lưu: VT.", size=11)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _cell_paragraph(right, "THỦ TRƯỞNG CƠ QUAN", size=14, bold=True, align=center, before=12)
    _cell_paragraph(right, "(Ký, ghi rõ họ tên, đóng dấu)", size=14, italic=True, align=center)


def build_document():
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    _heading(document)
    _paragraph(document, "Kính gửi: {{ don_vi_day_du }}.", align=WD_ALIGN_PARAGRAPH.CENTER, before=12, after=12)
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    _paragraph(document, "Thực hiện {{ cuoc_thi }} ({{ ky }}), tính đến {{ ngay_so_lieu }}, {{ don_vi }} có "
                         "{{ so_tham_gia }}/{{ so_can_bo }} cán bộ, công chức, viên chức tham gia, đạt tỷ lệ {{ ty_le }}, "
                         "thấp hơn mức {{ nguong }} theo yêu cầu.", align=justify, indent=True, after=6)
    _paragraph(document, "Để bảo đảm kết quả tuyên truyền cải cách hành chính, {{ ten_co_quan }} đề nghị {{ don_vi }} "
                         "quán triệt, đôn đốc cán bộ, công chức, viên chức chưa tham gia{% if co_danh_sach %} (danh sách kèm theo){% endif %} tham gia "
                         "đầy đủ cuộc thi trong thời gian còn lại.", align=justify, indent=True, after=6)
    _people_table(document)
    _paragraph(document, "Đề nghị {{ don_vi }} quan tâm, triển khai thực hiện./.", align=justify, indent=True, before=6)
    _signature(document)
    core = document.core_properties
    core.author = core.last_modified_by = "cchc-contest"
    core.title = "Công văn đôn đốc tham gia cuộc thi"
    core.created = core.modified = FIXED_TIME
    core.revision = 1
    return document


def build_default_template() -> bytes:
    """The default template's bytes; the same on every run (zip entries re-stamped with a fixed time)."""
    raw = io.BytesIO()
    build_document().save(raw)
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_TEMPLATE_PATH
    out.write_bytes(build_default_template())
    print(f"wrote {out}")
