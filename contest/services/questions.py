"""Question banks: import (preview, then confirm), browse, edit, retire, delete, export."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, and_, delete, exists, func, insert, select
from sqlalchemy.orm import Session, selectinload

from contest.errors import PermissionDeniedError, ValidationError
from contest.models import AttemptQuestion, Choice, PendingImport, Question, QuestionBank, Role, Topic, Unit, User
from contest.services.units import organizes, subtree_filter
from contest.timeutil import utcnow
from question_bank.aiken import parse_aiken
from question_bank.excel import export_workbook, parse_excel
from question_bank.gift import parse_gift
from question_bank.model import Difficulty, QuestionData, QuestionKind
from question_bank.planning import ExistingQuestion, ImportPlan, plan_import
from question_bank.issues import ImportIssue
from question_bank.labels import LabelledEnum
from question_bank.text import fold, normalize_text
from question_bank.xlsx import Progress

EXPORT_BATCH = 1000  # questions read from the database at a time by the bank export

PENDING_IMPORT_LIFETIME = timedelta(hours=24)


class FileFormat(LabelledEnum):
    excel = "excel", "Excel (.xlsx)"
    gift = "gift", "GIFT (Moodle, .txt)"
    aiken = "aiken", "Aiken (Moodle, .txt)"


def guess_format(filename: str, chosen: str | None) -> FileFormat:
    """The chosen format, or one guessed from the file name."""
    if chosen:
        return FileFormat(chosen)
    name = filename.lower()
    if name.endswith(".gift") or ".gift." in name:
        return FileFormat.gift
    if name.endswith(".aiken") or ".aiken." in name:
        return FileFormat.aiken
    return FileFormat.excel


# ---------------------------------------------------------------- access


def can_manage_bank(user: User, bank: QuestionBank) -> bool:
    return organizes(user, bank.owner_unit)


def banks_for(session: Session, user: User) -> list[QuestionBank]:
    """The banks a user may manage, with their active question counts."""
    query = select(QuestionBank).order_by(QuestionBank.name)
    if not user.has_role(Role.admin):
        query = query.join(Unit, QuestionBank.owner_unit_id == Unit.id).where(subtree_filter(user.unit))
    return list(session.scalars(query))


def question_counts(session: Session, bank_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(Question.bank_id, Question.status, func.count())
        .where(Question.bank_id.in_(bank_ids))
        .group_by(Question.bank_id, Question.status)
    ).all()
    counts: dict[int, dict[str, int]] = {bank_id: {"active": 0, "retired": 0} for bank_id in bank_ids}
    for bank_id, status, count in rows:
        counts[bank_id][status] = count
    return counts


def create_bank(session: Session, *, name: str, description: str, owner_unit: Unit) -> QuestionBank:
    name = normalize_text(name)
    if not name:
        raise ValidationError("Vui lòng nhập tên ngân hàng câu hỏi.")
    if session.scalar(select(QuestionBank.id).where(QuestionBank.name == name)):
        raise ValidationError(f"Đã có ngân hàng câu hỏi tên “{name}”.")
    bank = QuestionBank(name=name, description=normalize_text(description) or None, owner_unit=owner_unit)
    session.add(bank)
    session.flush()
    return bank


def set_shared_with_lower_units(session: Session, bank: QuestionBank, shared: bool) -> bool:
    """Let contests of units below the bank's owner draw from it, or stop new ones doing so; True if it changed."""
    changed = bank.shared_with_lower_units != shared
    bank.shared_with_lower_units = shared
    session.flush()
    return changed


def get_or_create_bank(session: Session, name: str, owner_unit: Unit | None) -> QuestionBank:
    bank = session.scalar(select(QuestionBank).where(QuestionBank.name == normalize_text(name)))
    if bank is None:
        bank = QuestionBank(name=normalize_text(name), owner_unit=owner_unit)
        session.add(bank)
        session.flush()
    return bank


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class Upload:
    """A question file and how to read it: the questions of a GIFT or Aiken file that name no topic or
    difficulty take the defaults (a spreadsheet names both in its columns)."""

    content: bytes
    filename: str
    file_format: FileFormat
    default_topic: str = ""
    default_difficulty: Difficulty = Difficulty.medium


def parse_file(upload: Upload) -> tuple[list[QuestionData], list[ImportIssue]]:
    if upload.file_format == FileFormat.excel:
        return parse_excel(upload.content, upload.filename)
    try:
        text = upload.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [ImportIssue(upload.filename, "Tệp văn bản phải được lưu với bảng mã UTF-8.")]
    parser = parse_gift if upload.file_format == FileFormat.gift else parse_aiken
    return parser(text, upload.filename, normalize_text(upload.default_topic), upload.default_difficulty)


def existing_questions(session: Session, bank: QuestionBank, codes: Iterable[str] | None = None) -> list[ExistingQuestion]:
    """Every question of the bank by code and fingerprint; those of `codes` (all when None) with their content,
    so that the plan tells a changed question from an unchanged one. Three queries whatever the size."""
    rows = session.execute(select(Question.id, Question.code, Question.fingerprint).where(Question.bank_id == bank.id)).all()
    wanted = {row.id for row in rows} if codes is None else {row.id for row in rows if row.code in set(codes)}
    content: dict[int, QuestionData] = {}
    if wanted:
        chosen = Question.bank_id == bank.id if codes is None else Question.id.in_(wanted)
        choices: dict[int, list[Choice]] = {}
        for choice in session.scalars(select(Choice).join(Question).where(chosen).order_by(Choice.question_id, Choice.position)):
            choices.setdefault(choice.question_id, []).append(choice)
        detail = select(Question.id, Question.code, Question.kind, Question.difficulty, Question.text, Question.explanation,
                        Question.legal_basis, Topic.name.label("topic")).join(Topic, Topic.id == Question.topic_id).where(chosen)
        for q in session.execute(detail):
            own = choices.get(q.id, [])
            content[q.id] = QuestionData(
                topic=q.topic, difficulty=Difficulty(q.difficulty), kind=QuestionKind(q.kind), text=q.text,
                choices=[c.text for c in own], correct=[c.label for c in own if c.is_correct],
                explanation=q.explanation or "", legal_basis=q.legal_basis or "", code=q.code,
            )
    return [ExistingQuestion(row.code, row.fingerprint, content.get(row.id)) for row in rows]


def plan_file_import(session: Session, bank: QuestionBank, upload: Upload) -> ImportPlan:
    questions, issues = parse_file(upload)
    return plan_import(upload.filename, questions, issues, existing_questions(session, bank, {q.code for q in questions}))


def stage_import(session: Session, bank: QuestionBank, user: User, upload: Upload) -> tuple[ImportPlan, PendingImport | None]:
    """Parse an upload for the preview; keep the file (for the preview's pages and the confirmation) unless it has errors."""
    session.execute(delete(PendingImport).where(PendingImport.created_at < utcnow() - PENDING_IMPORT_LIFETIME))
    plan = plan_file_import(session, bank, upload)
    if plan.errors or not plan.items:
        return plan, None
    pending = PendingImport(
        bank_id=bank.id,
        user_id=user.id,
        filename=upload.filename,
        file_format=upload.file_format.value,
        default_topic=normalize_text(upload.default_topic),
        default_difficulty=int(upload.default_difficulty),
        content=upload.content,
    )
    session.add(pending)
    session.flush()
    return plan, pending


def pending_import(session: Session, bank: QuestionBank, pending_id: int) -> PendingImport | None:
    """The previewed file `pending_id` of this bank, or None once it has been written or has expired."""
    pending = session.get(PendingImport, pending_id)
    return pending if pending is not None and pending.bank_id == bank.id else None


def confirm_import(session: Session, pending: PendingImport, user: User) -> ImportPlan:
    """Write a previewed file. The bank may have changed since the preview, so the plan is made again: a file
    the bank already holds exactly writes no question (and the preview is dropped)."""
    plan = preview_import(session, pending, user)
    if plan.ok:
        apply_plan(session, session.get(QuestionBank, pending.bank_id), plan)
    if not plan.errors:
        session.delete(pending)
        session.flush()
    return plan


def preview_import(session: Session, pending: PendingImport, user: User) -> ImportPlan:
    """The plan of a previewed file against the bank as it is now; only its uploader sees it."""
    if pending.user_id != user.id:
        raise PermissionDeniedError("Bản xem trước này không phải của bạn.")
    upload = Upload(pending.content, pending.filename, FileFormat(pending.file_format), pending.default_topic,
                    Difficulty(pending.default_difficulty))
    return plan_file_import(session, session.get(QuestionBank, pending.bank_id), upload)


def apply_plan(session: Session, bank: QuestionBank, plan: ImportPlan) -> None:
    """Create and update the planned questions (the caller commits once: one transaction)."""
    if plan.errors:
        raise ValidationError("Tệp có lỗi; không ghi câu hỏi nào.")
    topics = {t.name: t for t in session.scalars(select(Topic).where(Topic.bank_id == bank.id))}
    for name in {q.topic for q in plan.to_write} - set(topics):
        topics[name] = Topic(bank=bank, name=name)
        session.add(topics[name])
    session.flush()
    existing = {
        q.code: q
        for q in session.scalars(
            select(Question)
            .where(Question.bank_id == bank.id, Question.code.in_([q.code for q in plan.updates]))
            .options(selectinload(Question.choices))
        )
    } if plan.updates else {}
    for data in plan.updates:
        _fill(existing[data.code], data, topics[data.topic])
    if plan.creates:
        # New questions go in with two bulk INSERTs: thousands of ORM objects would cost several times more.
        rows = [{"bank_id": bank.id, "code": data.code, **_question_fields(data, topics[data.topic].id)} for data in plan.creates]
        ids = session.scalars(insert(Question).returning(Question.id, sort_by_parameter_order=True), rows).all()
        session.execute(insert(Choice), [
            {"question_id": question_id, "label": label, "text": text, "is_correct": is_correct, "position": index}
            for question_id, data in zip(ids, plan.creates)
            for index, (label, text, is_correct) in enumerate(data.choice_items())
        ])
    session.flush()


def _question_fields(data: QuestionData, topic_id: int) -> dict:
    return {
        "topic_id": topic_id,
        "kind": data.kind.value,
        "difficulty": int(data.difficulty),
        "text": data.text,
        "explanation": data.explanation or None,
        "legal_basis": data.legal_basis or None,
        "fingerprint": data.fingerprint,
        "search_text": fold(" ".join([data.code, data.text, *data.choices])),
    }


def _fill(question: Question, data: QuestionData, topic: Topic) -> None:
    for name, value in _question_fields(data, topic.id).items():
        setattr(question, name, value)
    question.topic = topic
    wanted = data.choice_items()
    current = list(question.choices)
    choices_changed = len(current) != len(wanted)
    for index, (label, text, is_correct) in enumerate(wanted):
        if index < len(current):
            choice = current[index]
            choices_changed |= (choice.label, choice.text, choice.is_correct, choice.position) != (label, text, is_correct, index)
            choice.label, choice.text, choice.is_correct, choice.position = label, text, is_correct, index
        else:
            question.choices.append(Choice(label=label, text=text, is_correct=is_correct, position=index))
    for extra in current[len(wanted):]:
        question.choices.remove(extra)
    if choices_changed and question.id is not None:
        # The choices are rows of their own: a corrected key alone leaves the question's row (and its onupdate)
        # untouched, yet the regrade list tells edited questions by updated_at.
        question.updated_at = utcnow()


# ---------------------------------------------------------------- browse and edit


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class QuestionFilter:
    search: str = ""
    topic_id: int | None = None
    difficulty: int | None = None
    kind: str | None = None
    status: str | None = None


def question_query(bank: QuestionBank, flt: QuestionFilter) -> Select:
    query = (
        select(Question)
        .where(Question.bank_id == bank.id)
        .options(selectinload(Question.choices), selectinload(Question.topic))
        .order_by(Question.code)
    )
    if flt.search.strip():
        query = query.where(Question.search_text.like(like_pattern(fold(flt.search)), escape="\\"))
    if flt.topic_id:
        query = query.where(Question.topic_id == flt.topic_id)
    if flt.difficulty:
        query = query.where(Question.difficulty == flt.difficulty)
    if flt.kind:
        query = query.where(Question.kind == flt.kind)
    if flt.status:
        query = query.where(Question.status == flt.status)
    return query


def question_as_data(question: Question) -> QuestionData:
    choices = sorted(question.choices, key=lambda c: c.position)
    return QuestionData(
        topic=question.topic.name,
        difficulty=Difficulty(question.difficulty),
        kind=QuestionKind(question.kind),
        text=question.text,
        choices=[c.text for c in choices],
        correct=[c.label for c in choices if c.is_correct],
        explanation=question.explanation or "",
        legal_basis=question.legal_basis or "",
        code=question.code,
    )


def _check_unique(session: Session, bank_id: int, data: QuestionData, question_id: int | None) -> Topic:
    """Refuse a question repeating another of the bank (content and choices, or code); its topic, made if new."""
    others = (Question.bank_id == bank_id) if question_id is None else and_(Question.bank_id == bank_id, Question.id != question_id)
    duplicate = session.scalar(select(Question.code).where(others, Question.fingerprint == data.fingerprint))
    if duplicate:
        raise ValidationError(f"Câu hỏi trùng nội dung và phương án với câu “{duplicate}” trong ngân hàng.")
    if session.scalar(select(Question.id).where(others, Question.code == data.code)):
        raise ValidationError(f"Mã câu hỏi “{data.code}” đã được dùng trong ngân hàng.")
    topic = session.scalar(select(Topic).where(Topic.bank_id == bank_id, Topic.name == data.topic))
    if topic is None:
        topic = Topic(bank_id=bank_id, name=data.topic)
        session.add(topic)
    return topic


def update_question(session: Session, question: Question, data: QuestionData) -> None:
    """Save an edited question. Attempts keep their own snapshot, so no score changes (a regrade applies a key)."""
    topic = _check_unique(session, question.bank_id, data, question.id)
    question.code = data.code
    _fill(question, data, topic)
    session.flush()


def create_question(session: Session, bank: QuestionBank, data: QuestionData) -> Question:
    """Add one question typed by hand (validated as an imported one: question_bank.validation)."""
    topic = _check_unique(session, bank.id, data, None)
    question = Question(bank_id=bank.id, code=data.code, status="active")
    session.add(question)
    _fill(question, data, topic)
    session.flush()
    return question


def set_status(session: Session, question: Question, status: str) -> None:
    if status not in ("active", "retired"):
        raise ValidationError("Trạng thái không hợp lệ.")
    question.status = status
    session.flush()


def is_used(session: Session, question: Question) -> bool:
    return bool(session.scalar(select(exists().where(AttemptQuestion.question_id == question.id))))


def delete_question(session: Session, question: Question) -> None:
    if is_used(session, question):
        raise ValidationError("Câu hỏi đã được dùng trong bài thi nên không thể xóa; hãy ngừng sử dụng câu hỏi thay vì xóa.")
    session.delete(question)
    session.flush()


def bank_questions(session: Session, bank: QuestionBank) -> list[QuestionData]:
    return list(stream_bank_questions(session, bank))


def stream_bank_questions(session: Session, bank: QuestionBank) -> Iterator[QuestionData]:
    """The bank's questions by code, streamed EXPORT_BATCH at a time (a server-side cursor on PostgreSQL), each
    batch's choices in one query. Plain rows, not ORM objects: building 60,000 objects (12,000 questions and their
    choices) was two thirds of a 12,000-question export's time (BENCHMARKS.md, "Exports")."""
    rows = session.execute(
        select(Question.id, Question.code, Question.kind, Question.difficulty, Question.text, Question.explanation,
               Question.legal_basis, Topic.name.label("topic"))
        .join(Topic, Topic.id == Question.topic_id)
        .where(Question.bank_id == bank.id)
        .order_by(Question.code, Question.id),
        execution_options={"yield_per": EXPORT_BATCH},
    )
    for batch in rows.partitions():
        choices: dict[int, list] = defaultdict(list)
        for choice in session.execute(
            select(Choice.question_id, Choice.label, Choice.text, Choice.is_correct)
            .where(Choice.question_id.in_([row.id for row in batch]))
            .order_by(Choice.question_id, Choice.position)
        ):
            choices[choice.question_id].append(choice)
        for row in batch:
            yield QuestionData(
                topic=row.topic, difficulty=Difficulty(row.difficulty), kind=QuestionKind(row.kind), text=row.text,
                choices=[c.text for c in choices[row.id]], correct=[c.label for c in choices[row.id] if c.is_correct],
                explanation=row.explanation or "", legal_basis=row.legal_basis or "", code=row.code,
            )


def export_bank(session: Session, bank: QuestionBank, *, progress: Progress | None = None) -> bytes:
    return export_workbook(stream_bank_questions(session, bank), progress=progress)


def bank_topics(session: Session, bank: QuestionBank) -> list[Topic]:
    return list(session.scalars(select(Topic).where(Topic.bank_id == bank.id).order_by(Topic.name)))

