"""The unit tree: queries over subtrees, edits, moves and the Excel import."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import BinaryIO

from sqlalchemy import String, and_, func, literal, select, update
from sqlalchemy.orm import Session, selectinload

from contest.errors import ValidationError
from contest.formats import format_number
from contest.models import Unit, UnitKind
from contest.models.units import path_upper_bound
from question_bank.issues import ImportIssue
from question_bank.xlsx import Column, SheetRow, Table, read_table, template_workbook
from question_bank.text import fold, normalize_text

MAX_CODE = 32  # a unit code (its column)
MAX_NAME = 255  # a unit name (its column)
CODE_PATTERN = re.compile(rf"^[A-Z0-9][A-Z0-9._-]{{0,{MAX_CODE - 1}}}$")
MAX_UNIT_ROWS = 20_000

UNIT_COLUMNS = [
    Column("code", "Mã đơn vị"),
    Column("name", "Tên đơn vị"),
    Column("parent_code", "Mã đơn vị cấp trên"),
    Column("kind", "Loại"),
    Column("headcount", "Số CBCCVC", aliases=("Số cán bộ", "Biên chế")),
]

# Folded spellings accepted in the "Loại" column.
_KIND_ALIASES: dict[str, UnitKind] = {
    **{fold(k.value): k for k in UnitKind},
    **{fold(k.label): k for k in UnitKind},
    "tinh": UnitKind.province,
    "thanh pho truc thuoc trung uong": UnitKind.province,
    "so": UnitKind.department,
    "ban": UnitKind.department,
    "nganh": UnitKind.department,
    "so/ban/nganh": UnitKind.department,
    "so, ban, nganh": UnitKind.department,
    "huyen": UnitKind.district,
    "quan": UnitKind.district,
    "thi xa": UnitKind.district,
    "thanh pho": UnitKind.district,
    "huyen/thi xa/thanh pho": UnitKind.district,
    "phong": UnitKind.office,
    "don vi": UnitKind.office,
    "chi cuc": UnitKind.office,
    "phong/don vi": UnitKind.office,
    "xa": UnitKind.commune,
    "phuong": UnitKind.commune,
    "thi tran": UnitKind.commune,
    "xa/phuong/thi tran": UnitKind.commune,
}


def parse_kind(value: str) -> UnitKind | None:
    return _KIND_ALIASES.get(fold(value))


def normalize_code(value: str) -> str:
    return normalize_text(value).upper()


# ---------------------------------------------------------------- queries


def path_filter(path: str):
    """Units whose path starts with `path`, written as an index-friendly range."""
    return and_(Unit.path >= path, Unit.path < path_upper_bound(path))


def subtree_filter(unit: Unit):
    """A WHERE clause selecting `unit` and every unit below it (one indexed range scan)."""
    return path_filter(unit.path)


def is_in_subtree(unit: Unit | None, root: Unit) -> bool:
    return unit is not None and unit.path.startswith(root.path)


def organizes(user, unit: Unit | None) -> bool:
    """Admins organise everything; an organiser, whatever lies in their unit's subtree."""
    if user.has_role("admin"):
        return True
    return user.has_role("organizer") and user.unit is not None and is_in_subtree(unit, user.unit)


@dataclass
class TreeNode:
    unit: Unit
    depth: int
    children: list[TreeNode] = field(default_factory=list)
    subtree_headcount: int = 0


def unit_tree(session: Session, root: Unit | None = None) -> list[TreeNode]:
    """The tree (or one subtree) as nested nodes, siblings ordered by code, from one query."""
    query = select(Unit).order_by(Unit.code)
    if root is not None:
        query = query.where(subtree_filter(root))
    units = list(session.scalars(query))
    nodes = {u.id: TreeNode(u, 0) for u in units}
    tops: list[TreeNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else tops).append(nodes[unit.id])

    def finish(node: TreeNode, depth: int) -> int:
        node.depth = depth
        node.subtree_headcount = node.unit.headcount + sum(finish(c, depth + 1) for c in node.children)
        return node.subtree_headcount

    for top in tops:
        finish(top, 0)
    return tops


def flatten_tree(nodes: list[TreeNode]) -> list[TreeNode]:
    """Depth-first order, as a tree reads from top to bottom."""
    out: list[TreeNode] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def tree_order(units: Iterable[tuple[int, int | None, str]]) -> list[int]:
    """The ids of (id, parent id, code) rows — a subtree's units, any order — depth-first with siblings by code, as
    flatten_tree(unit_tree(...)) orders them; for reports whose query already returns every unit's row, instead
    of loading the units again. A unit whose parent is not among the rows is a top."""
    rows = sorted(units, key=lambda row: row[2])
    ids = {row[0] for row in rows}
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id, _code in rows:
        children.setdefault(parent_id if parent_id in ids else None, []).append(unit_id)
    order: list[int] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        unit_id = stack.pop()
        order.append(unit_id)
        stack.extend(reversed(children.get(unit_id, [])))
    return order


def unit_options(session: Session, root: Unit | None = None, kinds: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """(id, label) pairs in tree order for select boxes: "Văn phòng Sở — Sở Tài chính (T01-S03-VP)"; with `kinds`,
    only units of those kinds (a citizen's commune/ward of residence).

    The label names the parent, so a picker's search (static/js/app.js, without diacritics) finds a
    unit by its own name or its parent's. The tree's one query holds every parent but the root's.
    """
    return [(node.unit.id, unit_option_label(node.unit)) for node in flatten_tree(unit_tree(session, root))
            if kinds is None or node.unit.kind in kinds]


def unit_option_label(unit: Unit) -> str:
    return f"{unit.display_name} ({unit.code})"


def with_parent(relationship):
    """Loader option for rows shown with their unit's display_name: `with_parent(User.unit)` loads the
    users' units and those units' parents in two queries, not one per row."""
    return selectinload(relationship).selectinload(Unit.parent)


def get_unit(session: Session, unit_id: int | None) -> Unit | None:
    return session.get(Unit, unit_id) if unit_id else None


def get_unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == normalize_code(code)))


# ---------------------------------------------------------------- edits


def _path_for(parent: Unit | None, unit_id: int) -> str:
    return f"{parent.path if parent else '/'}{unit_id}/"


def create_unit(
    session: Session, *, code: str, name: str, kind: UnitKind | str, headcount: int = 0, parent: Unit | None = None
) -> Unit:
    code = normalize_code(code)
    _check_unit_fields(code, name, headcount)
    if get_unit_by_code(session, code) is not None:
        raise ValidationError(f"Mã đơn vị “{code}” đã tồn tại.")
    unit = Unit(
        code=code,
        name=normalize_text(name),
        kind=UnitKind(kind).value,
        headcount=headcount,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
    )
    session.add(unit)
    session.flush()
    unit.path = _path_for(parent, unit.id)
    session.flush()
    return unit


def update_unit(
    session: Session, unit: Unit, *, code: str, name: str, kind: UnitKind | str, headcount: int, parent: Unit | None
) -> Unit:
    code = normalize_code(code)
    _check_unit_fields(code, name, headcount)
    other = get_unit_by_code(session, code)
    if other is not None and other.id != unit.id:
        raise ValidationError(f"Mã đơn vị “{code}” đã được dùng cho đơn vị “{other.name}”.")
    unit.code = code
    unit.name = normalize_text(name)
    unit.kind = UnitKind(kind).value
    unit.headcount = headcount
    if parent is not unit.parent:
        move_unit(session, unit, parent)
    session.flush()
    return unit


UNIT_FIELD_LABELS = {"code": "mã", "name": "tên", "kind": "loại", "parent": "đơn vị cấp trên", "headcount": "số CBCCVC"}


def unit_facts(unit: Unit) -> dict[str, str]:
    """A unit's fields as the audit log writes them, to compare before and after a correction."""
    return {"code": unit.code, "name": unit.name, "kind": unit.kind_label,
            "parent": unit.parent.display_name if unit.parent is not None else "—", "headcount": format_number(unit.headcount)}


def describe_unit_changes(before: dict[str, str], after: dict[str, str]) -> str:
    """"tên: A → B; đơn vị cấp trên: X → Y", or "" when nothing changed."""
    return "; ".join(f"{label}: {before[key]} → {after[key]}" for key, label in UNIT_FIELD_LABELS.items() if before[key] != after[key])


def move_unit(session: Session, unit: Unit, new_parent: Unit | None) -> None:
    """Attach `unit` (and its subtree) under `new_parent`, rewriting the stored paths in one UPDATE."""
    if new_parent is not None and is_in_subtree(new_parent, unit):
        raise ValidationError(
            f"Không thể chuyển “{unit.name}” vào chính nó hoặc một đơn vị cấp dưới của nó."
        )
    session.flush()
    old_path = unit.path
    new_path = _path_for(new_parent, unit.id)
    depth_change = (new_parent.depth + 1 if new_parent else 0) - unit.depth
    unit.parent = new_parent
    session.flush()
    session.execute(
        update(Unit)
        .where(path_filter(old_path))
        .values(
            path=literal(new_path, String).concat(func.substr(Unit.path, len(old_path) + 1, type_=String)),
            depth=Unit.depth + depth_change,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def _check_unit_fields(code: str, name: str, headcount: int) -> None:
    if not CODE_PATTERN.match(code):
        raise ValidationError(
            f"Mã đơn vị chỉ gồm chữ cái không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới (tối đa {MAX_CODE} ký tự)."
        )
    if not normalize_text(name):
        raise ValidationError("Tên đơn vị không được để trống.")
    if headcount < 0:
        raise ValidationError("Số CBCCVC không được âm.")
    if headcount > MAX_HEADCOUNT:
        raise ValidationError(HEADCOUNT_TOO_LARGE)


def rebuild_paths(session: Session) -> None:
    """Recompute every stored path and depth from parent links (after a bulk import)."""
    session.flush()
    rows = session.execute(select(Unit.id, Unit.parent_id, Unit.path, Unit.depth)).all()
    parent_of = {r.id: r.parent_id for r in rows}
    computed: dict[int, tuple[str, int]] = {}

    def path_of(unit_id: int) -> tuple[str, int]:
        chain = []
        current: int | None = unit_id
        while current is not None and current not in computed:
            chain.append(current)
            current = parent_of[current]
        prefix, depth = computed[current] if current is not None else ("/", -1)
        for uid in reversed(chain):
            depth += 1
            prefix = f"{prefix}{uid}/"
            computed[uid] = (prefix, depth)
        return computed[unit_id]

    changes = []
    for row in rows:
        path, depth = path_of(row.id)
        if (path, depth) != (row.path, row.depth):
            changes.append({"id": row.id, "path": path, "depth": depth})
    if changes:
        session.execute(update(Unit), changes)
    session.expire_all()


# ---------------------------------------------------------------- import


@dataclass
class UnitImportResult:
    issues: list[ImportIssue]
    created: int = 0
    updated: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass
class _UnitRow:
    row: SheetRow
    code: str
    name: str
    parent_code: str
    kind: UnitKind
    headcount: int


MAX_HEADCOUNT = 1_000_000  # far above any unit, far below what the integer column holds
MAX_HEADCOUNT_TEXT = format_number(MAX_HEADCOUNT)  # 1.000.000
HEADCOUNT_TOO_LARGE = f"Số CBCCVC không được vượt quá {MAX_HEADCOUNT_TEXT}."
_HEADCOUNT = re.compile(r"^\d{1,3}([.,]\d{3})+$|^\d+$")


def _parse_headcount(raw: str) -> int | None:
    if raw == "":
        return 0
    if not _HEADCOUNT.match(raw):
        return None
    value = int(re.sub(r"[.,]", "", raw))
    return value if value <= MAX_HEADCOUNT else None


def _validate_unit_rows(
    table: Table,
) -> tuple[list[_UnitRow], list[ImportIssue], list[tuple[SheetRow, str, str]]]:
    """Check each row on its own; also return the (row, code, parent code) every row claims.

    Claims come from every row with a well-formed code, even one with other
    errors, so that unknown parents and cycles are reported in the same pass.
    """
    issues: list[ImportIssue] = []
    parsed: list[_UnitRow] = []
    first_row_of: dict[str, int] = {}
    claims: list[tuple[SheetRow, str, str]] = []
    for row in table.rows:
        v = row.values
        row_issues: list[ImportIssue] = []
        code = normalize_code(v["code"])
        if not code:
            row_issues.append(table.issue(row, "code", "Thiếu mã đơn vị."))
        elif not CODE_PATTERN.match(code):
            row_issues.append(
                table.issue(
                    row,
                    "code",
                    f"Mã đơn vị “{v['code']}” không hợp lệ: chỉ gồm chữ cái không dấu, chữ số, "
                    f"dấu chấm, gạch ngang, gạch dưới, tối đa {MAX_CODE} ký tự.",
                )
            )
        elif code in first_row_of:
            row_issues.append(
                table.issue(row, "code", f"Mã đơn vị “{code}” bị trùng với dòng {first_row_of[code]}.")
            )
        else:
            first_row_of[code] = row.number
        name = normalize_text(v["name"])
        if not name:
            row_issues.append(table.issue(row, "name", "Thiếu tên đơn vị."))
        elif len(name) > MAX_NAME:
            row_issues.append(table.issue(row, "name", f"Tên đơn vị dài quá {MAX_NAME} ký tự."))
        kind = parse_kind(v["kind"])
        if not v["kind"]:
            row_issues.append(table.issue(row, "kind", "Thiếu loại đơn vị."))
        elif kind is None:
            row_issues.append(
                table.issue(
                    row,
                    "kind",
                    f"Loại đơn vị “{v['kind']}” không hợp lệ; dùng một trong: "
                    + ", ".join(k.label for k in UnitKind)
                    + ".",
                )
            )
        headcount = _parse_headcount(v["headcount"])
        if headcount is None:
            if v["headcount"].startswith("-"):
                message = "Số CBCCVC không được âm."
            elif _HEADCOUNT.match(v["headcount"]):
                message = f"Số CBCCVC “{v['headcount']}” vượt quá {MAX_HEADCOUNT_TEXT}."
            else:
                message = f"Số CBCCVC “{v['headcount']}” phải là số nguyên không âm."
            row_issues.append(table.issue(row, "headcount", message))
        parent_code = normalize_code(v["parent_code"])
        if parent_code and parent_code == code:
            row_issues.append(table.issue(row, "parent_code", "Đơn vị không thể là cấp trên của chính nó."))
        if code and CODE_PATTERN.match(code):
            claims.append((row, code, parent_code))
        issues.extend(row_issues)
        if not row_issues:
            parsed.append(_UnitRow(row, code, name, parent_code, kind, headcount))  # type: ignore[arg-type]
    return parsed, issues, claims


def _check_parents_and_cycles(
    table: Table, claims: list[tuple[SheetRow, str, str]], existing: dict[str, str]
) -> list[ImportIssue]:
    """Unknown parents and cycles, over every row claiming a code (`existing`: code -> parent code)."""
    issues: list[ImportIssue] = []
    parent_of = dict(existing)
    first_claims = {}
    for row, code, parent_code in claims:
        first_claims.setdefault(code, (row, parent_code))
    parent_of.update({code: parent_code for code, (_, parent_code) in first_claims.items()})
    for row, _code, parent_code in claims:
        if parent_code and parent_code not in parent_of:
            issues.append(
                table.issue(
                    row,
                    "parent_code",
                    f"Không tìm thấy đơn vị cấp trên có mã “{parent_code}” (không có trong tệp và trong hệ thống).",
                )
            )
    reported: set[str] = set()
    for code, (row, parent_code) in first_claims.items():
        if parent_code == code:
            continue  # reported on its row as a unit being its own parent
        seen: list[str] = []
        current = code
        while current and current not in seen:
            seen.append(current)
            current = parent_of.get(current, "")
        if current == code and code not in reported:
            reported.update(seen)
            issues.append(
                table.issue(
                    row,
                    "parent_code",
                    "Quan hệ cấp trên tạo thành vòng lặp: " + " → ".join([*seen, code]) + ".",
                )
            )
    return issues


def unit_template() -> bytes:
    """The workbook offered for download on the import page."""
    return template_workbook(
        UNIT_COLUMNS,
        examples=[
            ["T01", "UBND tỉnh", "", "Tỉnh", 0],
            ["T01-SNV", "Sở Nội vụ", "T01", "Sở/Ban/Ngành", 45],
            ["T01-SNV-01", "Phòng Cải cách hành chính", "T01-SNV", "Phòng/Đơn vị", 8],
        ],
        instructions=[
            "Mỗi dòng là một đơn vị. Không đổi tên các cột ở dòng tiêu đề.",
            f"Mã đơn vị: duy nhất, gồm chữ cái không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới (tối đa {MAX_CODE} ký tự).",
            "Mã đơn vị cấp trên: để trống cho đơn vị cấp cao nhất; phải là mã có trong tệp hoặc đã có trong hệ thống.",
            "Loại: " + "; ".join(k.label for k in UnitKind) + ".",
            "Số CBCCVC: số nguyên không âm, là số cán bộ, công chức, viên chức của riêng đơn vị đó "
            "(không tính các đơn vị cấp dưới).",
            "Nhập lại tệp có cùng mã đơn vị sẽ cập nhật tên, loại, cấp trên và số CBCCVC.",
            "Nếu tệp có bất kỳ lỗi nào, hệ thống không ghi dòng nào và liệt kê từng lỗi theo dòng, cột.",
        ],
        choices={"kind": [k.label for k in UnitKind]},
        sheet_title="Đơn vị",
    )


def import_units(session: Session, stream: BinaryIO | bytes, filename: str) -> UnitImportResult:
    """Create or update units by code from an .xlsx file; all or nothing.

    Nothing is written unless the whole file is valid: the caller commits on
    `result.ok` and rolls back otherwise.
    """
    table, file_issues = read_table(stream, filename, UNIT_COLUMNS, max_rows=MAX_UNIT_ROWS)
    if table is None:
        return UnitImportResult(issues=file_issues)
    if not table.rows and not file_issues:
        return UnitImportResult(issues=[ImportIssue(filename, "Tệp có dòng tiêu đề nhưng không có đơn vị nào.", sheet=table.sheet)])
    rows, row_issues, claims = _validate_unit_rows(table)
    existing = {u.code: u for u in session.scalars(select(Unit))}
    code_of = {u.id: u.code for u in existing.values()}
    existing_parents = {u.code: code_of.get(u.parent_id, "") for u in existing.values()}
    issues = file_issues + row_issues + _check_parents_and_cycles(table, claims, existing_parents)
    if issues:
        # Every problem of the file at once, in the order of its rows (file-level problems first).
        return UnitImportResult(issues=sorted(issues, key=lambda i: i.row or 0), rows=len(table.rows))

    result = UnitImportResult(issues=[], rows=len(rows))
    by_code = dict(existing)
    for r in rows:
        unit = by_code.get(r.code)
        if unit is None:
            unit = Unit(code=r.code, path="", depth=0)
            session.add(unit)
            by_code[r.code] = unit
            result.created += 1
        else:
            result.updated += 1
        unit.name, unit.kind, unit.headcount = r.name, r.kind.value, r.headcount
    for r in rows:
        by_code[r.code].parent = by_code[r.parent_code] if r.parent_code else None
    rebuild_paths(session)
    return result


def ancestors(session: Session, unit: Unit) -> list[Unit]:
    """The units above `unit`, from the top of the tree down."""
    return list(session.scalars(select(Unit).where(Unit.id.in_(unit.ancestor_ids[:-1])).order_by(Unit.depth)))

