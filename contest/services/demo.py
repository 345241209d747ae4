"""Demo data: a fictional province with a realistic unit tree and one account of every role."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contest.models import Contest, ContestStatus, Question, QuestionBank, Role, Unit, UnitKind, User
from contest.services import contests as contest_service
from contest.services import practice as practice_service
from contest.services import questions as question_service
from contest.services import unit_prizes as unit_prize_service
from contest.services import units as unit_service
from contest.services import users as user_service
from question_bank.planning import plan_import
from question_bank.sample import SAMPLE_BANK_NAME, SAMPLE_FILE, load_sample

DEMO_PASSWORD = "Demo@2026"
PROVINCE = ("AH", "UBND tỉnh An Hòa")

DEPARTMENTS = [
    ("SNV", "Sở Nội vụ", ["Văn phòng Sở", "Phòng Cải cách hành chính", "Phòng Tổ chức, biên chế", "Phòng Công chức, viên chức"]),
    ("STC", "Sở Tài chính", ["Văn phòng Sở", "Phòng Quản lý ngân sách", "Phòng Tài chính doanh nghiệp"]),
    ("STP", "Sở Tư pháp", ["Văn phòng Sở", "Phòng Xây dựng và kiểm tra văn bản", "Phòng Hành chính tư pháp"]),
    ("SXD", "Sở Xây dựng", ["Văn phòng Sở", "Phòng Quản lý hoạt động xây dựng", "Phòng Quản lý giao thông"]),
    ("SCT", "Sở Công Thương", ["Văn phòng Sở", "Phòng Quản lý thương mại", "Phòng Quản lý năng lượng"]),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", ["Văn phòng Sở", "Chi cục Thủy lợi", "Phòng Quản lý đất đai"]),
    ("SKHCN", "Sở Khoa học và Công nghệ", ["Văn phòng Sở", "Phòng Chuyển đổi số", "Phòng Bưu chính, viễn thông"]),
    ("SGDDT", "Sở Giáo dục và Đào tạo", ["Văn phòng Sở", "Phòng Giáo dục trung học", "Phòng Khảo thí và kiểm định"]),
    ("SYT", "Sở Y tế", ["Văn phòng Sở", "Phòng Nghiệp vụ y", "Chi cục Dân số"]),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", ["Văn phòng Sở", "Phòng Quản lý văn hóa", "Phòng Quản lý du lịch"]),
    ("VPUB", "Văn phòng UBND tỉnh", ["Phòng Hành chính - Tổ chức", "Trung tâm Phục vụ hành chính công", "Phòng Kiểm soát thủ tục hành chính"]),
    ("TTR", "Thanh tra tỉnh", ["Văn phòng", "Phòng Thanh tra 1", "Phòng Tiếp công dân, xử lý đơn"]),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", ["Văn phòng Sở", "Phòng Chính sách dân tộc"]),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp", ["Văn phòng Ban", "Phòng Quản lý doanh nghiệp"]),
]

DISTRICTS = [
    ("TPAH", "Thành phố An Hòa", ["Phường Bắc Sơn", "Phường Nam Sơn", "Phường Tân An", "Phường Hòa Bình", "Xã Hòa Phú", "Xã An Lợi", "Xã Bình Minh", "Xã Vĩnh Hưng"]),
    ("TXPL", "Thị xã Phú Lâm", ["Phường Phú Lâm", "Phường Phú Thịnh", "Phường Tân Phong", "Xã Phú Hòa", "Xã Lâm Sơn", "Xã Thạnh Mỹ", "Xã Tân Lập", "Xã Đồng Tâm"]),
    ("HDG", "Huyện Đông Giang", ["Thị trấn Đông Giang", "Xã Đông Hải", "Xã Đông Phong", "Xã Đông Sơn", "Xã Giang Thủy", "Xã Quảng Lợi", "Xã Tân Hiệp", "Xã Xuân Đài"]),
    ("HTG", "Huyện Tây Giang", ["Thị trấn Tây Giang", "Xã Tây An", "Xã Tây Bình", "Xã Tây Lộc", "Xã Mỹ Hòa", "Xã Trung Sơn", "Xã Phước Thành", "Xã Hưng Long"]),
    ("HBT", "Huyện Bình Thạnh", ["Thị trấn Bình Thạnh", "Xã Bình Đông", "Xã Bình Tây", "Xã Bình Nam", "Xã Bình Bắc", "Xã Thạnh Lộc", "Xã Thạnh Phú", "Xã An Thạnh"]),
    ("HLS", "Huyện Lộc Sơn", ["Thị trấn Lộc Sơn", "Xã Lộc An", "Xã Lộc Điền", "Xã Lộc Hòa", "Xã Sơn Thủy", "Xã Sơn Trà", "Xã Kim Sơn", "Xã Ngọc Lâm"]),
    ("HPT", "Huyện Phước Thủy", ["Thị trấn Phước Thủy", "Xã Phước Hải", "Xã Phước Long", "Xã Phước Hưng", "Xã Thủy An", "Xã Thủy Phú", "Xã Hải Đông", "Xã Hải Tây"]),
    ("HNH", "Huyện Ngọc Hà", ["Thị trấn Ngọc Hà", "Xã Ngọc Lâm", "Xã Ngọc Sơn", "Xã Hà Thanh", "Xã Hà Lộc", "Xã Tân Thành", "Xã Cẩm Phú", "Xã Cẩm Lý"]),
]


@dataclass(frozen=True)
class DemoAccount:
    phone: str
    full_name: str
    role: Role
    unit_code: str
    position: str
    cccd: str | None = None
    email: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("0900000001", "Quản trị hệ thống", Role.admin, "AH", "Quản trị viên", email="admin@demo.cchc.vn"),
    DemoAccount(
        "0900000002", "Trần Thị Bình", Role.organizer, "AH", "Chuyên viên Phòng Cải cách hành chính, Sở Nội vụ",
        cccd="001190000002", email="bantochuc@demo.cchc.vn",
    ),
    DemoAccount("0900000003", "Lê Văn Cường", Role.unit_manager, "AH-HDG", "Chánh Văn phòng HĐND và UBND huyện", cccd="001090000003"),
    DemoAccount("0900000004", "Phạm Thị Dung", Role.participant, "AH-HDG-03", "Công chức Văn phòng - Thống kê", cccd="001190000004"),
    DemoAccount("0900000005", "Hoàng Văn Em", Role.participant, "AH-SNV-02", "Chuyên viên", cccd="001090000005"),
]


def _ensure_unit(session: Session, code: str, name: str, kind: UnitKind, headcount: int, parent: Unit | None) -> tuple[Unit, bool]:
    unit = unit_service.get_unit_by_code(session, code)
    if unit is not None:
        return unit, False
    return unit_service.create_unit(session, code=code, name=name, kind=kind, headcount=headcount, parent=parent), True


def load_demo_data(session: Session, now: datetime) -> str:
    """Create what is missing of the demo province and accounts; running it twice changes nothing."""
    rng = random.Random(2026)
    created_units = 0
    root, new = _ensure_unit(session, PROVINCE[0], PROVINCE[1], UnitKind.province, 0, None)
    created_units += new
    # (units, their kind, their children's kind, headcount ranges of each): departments first, then districts
    levels = [(DEPARTMENTS, UnitKind.department, UnitKind.office, (8, 25), (5, 30)),
              (DISTRICTS, UnitKind.district, UnitKind.commune, (60, 140), (18, 40))]
    for units, kind, child_kind, headcounts, child_headcounts in levels:
        for code, name, children in units:
            unit, new = _ensure_unit(session, f"AH-{code}", name, kind, rng.randint(*headcounts), root)
            created_units += new
            for index, child in enumerate(children, start=1):
                _, new = _ensure_unit(session, f"AH-{code}-{index:02d}", child, child_kind, rng.randint(*child_headcounts), unit)
                created_units += new

    created_users = 0
    for account in DEMO_ACCOUNTS:
        if session.scalar(select(User.id).where(User.phone == account.phone)):
            continue
        user_service.create_user(
            session,
            full_name=account.full_name,
            phone=account.phone,
            password=DEMO_PASSWORD,
            role=account.role,
            unit=unit_service.get_unit_by_code(session, account.unit_code),
            cccd=account.cccd,
            email=account.email,
            position=account.position,
        )
        created_users += 1
    session.flush()
    bank = load_sample_bank(session, root)
    contest = load_demo_contest(session, root, bank, now)
    open_demo_practice(session, bank, now)
    total_units = session.scalar(select(func.count()).select_from(Unit))
    total_questions = session.scalar(select(func.count()).select_from(Question).where(Question.bank_id == bank.id))
    return (
        f"Dữ liệu mẫu: {created_units} đơn vị mới (tổng {total_units}), {created_users} tài khoản mới, "
        f"ngân hàng “{bank.name}” có {total_questions} câu hỏi, cuộc thi “{contest.title}” đang mở. "
        f"Mật khẩu các tài khoản mẫu: {DEMO_PASSWORD}"
    )


DEMO_CONTEST_TITLE = "Cuộc thi trực tuyến tìm hiểu về cải cách hành chính năm 2026"
DEMO_RULES = """**Đối tượng:** cán bộ, công chức, viên chức đang công tác tại các cơ quan, đơn vị trên địa bàn tỉnh.

**Hình thức:** thi trắc nghiệm trực tuyến.
- Mỗi vòng có 15 câu hỏi rút ngẫu nhiên từ ngân hàng câu hỏi, thời gian làm bài 15 phút.
- Mỗi người được thi 2 lượt mỗi vòng, tính lượt có điểm cao nhất.

**Xếp hạng:** theo điểm; nếu bằng điểm, người dự đoán số người tham gia gần đúng hơn xếp trên;
tiếp theo là người làm bài nhanh hơn, rồi người nộp bài sớm hơn."""


def load_demo_contest(session: Session, owner: Unit, bank: QuestionBank, now: datetime) -> Contest:
    """An open contest whose first round runs now, so a newcomer can take an attempt at once."""
    contest = session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
    if contest is not None:
        return contest
    contest = contest_service.create_contest(session, owner, contest_service.ContestSettings(
        title=DEMO_CONTEST_TITLE,
        rules_markdown=DEMO_RULES,
        eligible_unit_ids=[owner.id],
        attempts_allowed=2,
        grading="best",
        review_policy="immediate",
        leaderboard_visibility="public",
        prediction_question="Dự đoán số người tham gia vòng thi này?",
        prediction_resolver="participants",
    ))
    counts = {"Cải cách hành chính chung": 2, "Cải cách thể chế": 2, "Cải cách thủ tục hành chính": 3, "Cải cách tổ chức bộ máy": 2,
              "Cải cách chế độ công vụ": 2, "Cải cách tài chính công": 1, "Chính quyền điện tử, chính quyền số": 3}
    lines = [contest_service.BlueprintLine(bank.id, t.id, None, counts[t.name]) for t in bank.topics if t.name in counts]
    opens = now - timedelta(days=1)
    for number in range(2):
        start = opens + timedelta(days=14 * number)
        contest_service.save_round(session, contest, None, contest_service.RoundSettings(
            f"Vòng {number + 1}", start, start + timedelta(days=14), 15, lines))
    unit_prize_service.save_settings(session, contest, DEMO_UNIT_PRIZE_TIERS, DEMO_UNIT_PRIZE_BLOCS)
    contest_service.set_status(session, contest, ContestStatus.published)
    return contest


# Sóc Trăng's tiers by unit size and Huế's blocs (README, "Unit prizes").
DEMO_UNIT_PRIZE_TIERS = [unit_prize_service.TierInput(0, 49, 30), unit_prize_service.TierInput(50, 99, 25),
                         unit_prize_service.TierInput(100, None, 20)]
DEMO_UNIT_PRIZE_BLOCS = [
    unit_prize_service.BlocInput("Khối sở, ban, ngành", kinds=[UnitKind.department.value], first_prizes=1, second_prizes=2, third_prizes=3),
    unit_prize_service.BlocInput("Khối huyện, thị xã, thành phố", kinds=[UnitKind.district.value], first_prizes=1, second_prizes=1, third_prizes=1),
    unit_prize_service.BlocInput("Khối xã, phường, thị trấn", kinds=[UnitKind.commune.value], first_prizes=1, second_prizes=2, third_prizes=3),
]


def load_sample_bank(session: Session, owner: Unit) -> QuestionBank:
    """Create or refresh the sample bank (questions are matched by code, so a re-run changes nothing)."""
    bank = question_service.get_or_create_bank(session, SAMPLE_BANK_NAME, owner)
    plan = plan_import(SAMPLE_FILE.name, load_sample(), [], question_service.existing_questions(session, bank))
    question_service.apply_plan(session, bank, plan)
    return bank


DEMO_PRACTICE_TOPICS = ("Cải cách thủ tục hành chính", "Chính quyền điện tử, chính quyền số")


def open_demo_practice(session: Session, bank: QuestionBank, now: datetime) -> None:
    """Open two topics of the sample bank for practice ("Ôn tập"), unless some practice is set already. The demo
    contest draws from them, so this is the organiser's explicit "open anyway" (confirm_in_use)."""
    if bank.practice_open or any(t.practice_open for t in bank.topics):
        return
    topic_ids = frozenset(t.id for t in bank.topics if t.name in DEMO_PRACTICE_TOPICS)
    practice_service.set_practice(session, bank, practice_service.PracticeScope(False, topic_ids), confirm_in_use=True, now=now)
