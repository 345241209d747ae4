"""Staff lists per unit, imported from Excel: who should take part."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contest.models import StaffMember, Unit
from contest.services.units import flatten_tree, is_in_subtree, normalize_code, unit_tree
from contest.services.users import normalize_cccd, normalize_phone
from contest.timeutil import utcnow
from question_bank.issues import ImportIssue
from question_bank.xlsx import Column, SheetRow, Table, read_table, template_workbook
from question_bank.text import normalize_text

MAX_STAFF_ROWS = 50_000

STAFF_COLUMNS = [
    Column("full_name", "Họ và tên"),
    Column("cccd", "CCCD", aliases=("Số CCCD", "Căn cước công dân", "Số định danh")),
    Column("phone", "Số điện thoại", aliases=("Điện thoại", "SĐT")),
    Column("unit_code", "Mã đơn vị"),
    Column("position", "Chức vụ", required=False),
]


@dataclass
class StaffImportResult:
    issues: list[ImportIssue]
    people: int = 0
    units: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues


def _identifier(table: Table, row: SheetRow, key: str, normalize, seen: dict[str, int], label: str, invalid: str,
                issues: list[ImportIssue]) -> str | None:
    """A CCCD or phone cell: normalised, checked, and unique within the file (first row kept in `seen`)."""
    raw = row.values[key]
    value = normalize(raw) if raw else None
    if raw and value is None:
        issues.append(table.issue(row, key, f"{label} “{raw}” {invalid}."))
    elif value and value in seen:
        issues.append(table.issue(row, key, f"{label} {value} bị trùng với dòng {seen[value]}."))
    elif value:
        seen[value] = row.number
    return value


def _listed_outside_scope(session: Session, table: Table, members: list[tuple[SheetRow, StaffMember]],
                          scope: Unit) -> list[ImportIssue]:
    """A person already on the list of a unit outside the importer's scope cannot be moved by this import.

    CCCDs are unique across all lists, so importing one would silently take the person off another
    unit's list, which the importer may not manage.
    """
    rows = {m.cccd: row for row, m in members if m.cccd}
    if not rows:
        return []
    listed = session.execute(
        select(StaffMember.cccd, Unit).join(Unit, StaffMember.unit_id == Unit.id).where(StaffMember.cccd.in_(rows))
    ).all()
    return [
        table.issue(rows[cccd], "cccd",
                    f"Số CCCD {cccd} đã có trong danh sách của “{unit.display_name}”, đơn vị ngoài phạm vi bạn quản lý.")
        for cccd, unit in listed
        if not is_in_subtree(unit, scope)
    ]


def staff_template(session: Session, scope: Unit | None) -> bytes:
    """The staff list template. The codes of the units in `scope` (every unit for an admin) fill the
    "Mã đơn vị" drop-down and a "Mã đơn vị" sheet with each unit's name and parent, so a unit manager
    finds their codes in the file itself (the Đơn vị page is the admin's)."""
    units = [node.unit for node in flatten_tree(unit_tree(session, scope))]
    example_code = units[0].code if units else "T01"
    return template_workbook(
        STAFF_COLUMNS,
        examples=[["Nguyễn Văn An", "001090012345", "0912345678", example_code, "Chuyên viên"]],
        instructions=[
            "Mỗi dòng là một cán bộ, công chức, viên chức. Cần ít nhất số CCCD hoặc số điện thoại để đối chiếu với tài khoản dự thi.",
            "Mã đơn vị: chọn trong danh sách thả xuống; trang tính “Mã đơn vị” ghi tên và đơn vị cấp trên của từng mã"
            " (các đơn vị bạn được nhập danh sách).",
            "Tệp thay thế toàn bộ danh sách của các đơn vị có trong tệp; đơn vị không có trong tệp giữ nguyên danh sách cũ.",
            "Nếu tệp có bất kỳ lỗi nào, hệ thống không ghi dòng nào và liệt kê từng lỗi theo dòng, cột.",
        ],
        choices={"unit_code": [u.code for u in units]},
        sheet_title="Danh sách",
        reference=("Mã đơn vị", ["Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên"],
                   [[u.code, u.display_name, u.parent.name if u.parent else ""] for u in units]),
    )


def import_staff(session: Session, stream: BinaryIO | bytes, filename: str, scope: Unit | None) -> StaffImportResult:
    """Replace the staff lists of every unit named in the file; all or nothing.

    `scope` limits which units the importer may touch (a unit manager's or
    organiser's subtree); None means any unit (admin).
    """
    table, issues = read_table(stream, filename, STAFF_COLUMNS, max_rows=MAX_STAFF_ROWS)
    if table is None:
        return StaffImportResult(issues=issues)
    if not table.rows and not issues:
        return StaffImportResult(issues=[ImportIssue(filename, "Tệp có dòng tiêu đề nhưng không có người nào.", sheet=table.sheet)])
    units = {u.code: u for u in session.scalars(select(Unit))}
    seen_cccd: dict[str, int] = {}
    seen_phone: dict[str, int] = {}
    members: list[StaffMember] = []
    member_rows: list[SheetRow] = []
    for row in table.rows:
        v = row.values
        name = normalize_text(v["full_name"])
        if not name:
            issues.append(table.issue(row, "full_name", "Thiếu họ và tên."))
        cccd = _identifier(table, row, "cccd", normalize_cccd, seen_cccd, "Số CCCD", "phải gồm đúng 12 chữ số", issues)
        phone = _identifier(table, row, "phone", normalize_phone, seen_phone, "Số điện thoại",
                            "không phải số di động Việt Nam hợp lệ", issues)
        if not v["cccd"] and not v["phone"]:
            issues.append(table.issue(row, "cccd", "Cần ít nhất số CCCD hoặc số điện thoại để đối chiếu với tài khoản dự thi."))
        code = normalize_code(v["unit_code"])
        unit = units.get(code)
        if not code:
            issues.append(table.issue(row, "unit_code", "Thiếu mã đơn vị."))
        elif unit is None:
            issues.append(table.issue(row, "unit_code", f"Không tìm thấy đơn vị có mã “{code}”."))
        elif scope is not None and not is_in_subtree(unit, scope):
            issues.append(table.issue(row, "unit_code", f"Đơn vị “{unit.name}” không thuộc phạm vi bạn quản lý."))
        if unit is not None:
            members.append(StaffMember(unit=unit, full_name=name, cccd=cccd, phone=phone, position=normalize_text(v.get("position", "")) or None))
            member_rows.append(row)
    if scope is not None:
        issues.extend(_listed_outside_scope(session, table, list(zip(member_rows, members)), scope))
    if issues:
        # Sheet problems (merged cells, formulas) and every row's problems at once, in row order.
        return StaffImportResult(issues=sorted(issues, key=lambda i: i.row or 0))
    touched = {m.unit.id: m.unit for m in members}
    # A person moving between units appears in the new unit's list: drop them from any other list first.
    session.execute(delete(StaffMember).where(StaffMember.unit_id.in_(touched)))
    cccds = [m.cccd for m in members if m.cccd]
    if cccds:
        session.execute(delete(StaffMember).where(StaffMember.cccd.in_(cccds)))
    now = utcnow()
    for unit in touched.values():
        unit.staff_list_at = now
    session.add_all(members)
    session.flush()
    return StaffImportResult(issues=[], people=len(members), units=len(touched))
