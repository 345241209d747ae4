"""Question bank pages: list, create, browse, import (upload → preview → confirm), edit, export."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from contest import clock, db
from contest.access import load_bank, load_question, organizer_required, own_subtree
from contest.forms import EmptyForm, as_choices
from contest.models import Question
from contest.organizer import bp
from contest.organizer.forms import BankForm, BankPracticeForm, BankSharingForm, ImportForm, QuestionFilterForm, QuestionForm
from contest.pagination import paginate, paginate_list
from contest.services import practice as practice_service
from contest.services import questions as question_service
from contest.services import units as unit_service
from contest.downloads import send_xlsx
from contest.errors import NotFoundError
from contest.viewhelpers import audit, commit_or_flash, db_int, redirect_back, render_form, save_or_problems
from question_bank import excel
from question_bank.model import LABELS, Difficulty, QuestionData, RawQuestion
from question_bank.planning import Verdict, summary
from question_bank.validation import validate

@bp.route("/ngan-hang", methods=["GET", "POST"])
@organizer_required
def banks():
    form = BankForm()
    form.owner_unit_id.choices = as_choices(unit_service.unit_options(db.session, own_subtree()))
    if request.method == "GET" and current_user.unit_id:
        form.owner_unit_id.data = current_user.unit_id
    problems: list[str] = []
    if form.validate_on_submit():
        owner = unit_service.get_unit(db.session, form.owner_unit_id.data)
        bank, problems = save_or_problems(
            lambda: question_service.create_bank(db.session, name=form.name.data, description=form.description.data or "", owner_unit=owner),
            lambda b: f"Đã tạo ngân hàng “{b.name}”.",
        )
        if bank is not None:
            return redirect(url_for("organizer.bank", bank_id=bank.id))
    banks = question_service.banks_for(db.session, current_user)
    counts = question_service.question_counts(db.session, [b.id for b in banks])
    return render_form("organizer/banks.html", banks=banks, counts=counts, form=form, problems=problems)


@bp.route("/ngan-hang/<int:bank_id>")
@organizer_required
def bank(bank_id: int):
    bank = load_bank(bank_id)
    form = QuestionFilterForm(request.args)
    topics = question_service.bank_topics(db.session, bank)
    form.topic.choices = as_choices([(0, "Mọi chủ đề"), *((t.id, t.name) for t in topics)])
    flt = question_service.QuestionFilter(
        search=form.q.data or "",
        topic_id=form.topic.data or None,
        difficulty=form.difficulty.data or None,
        kind=form.kind.data or None,
        status=form.status.data or None,
    )
    page = paginate(db.session, question_service.question_query(bank, flt), request.args.get("page", 1, type=db_int), 20)
    return render_template("organizer/bank.html", bank=bank, form=form, page=page, action_form=EmptyForm(), sharing_form=BankSharingForm(),
                           practice_form=_practice_form(bank, topics, fill=True),
                           practice_in_use=practice_service.rounds_drawing_from(db.session, bank, None, clock.now()))


def _practice_form(bank, topics, fill: bool = False) -> BankPracticeForm:
    form = BankPracticeForm(formdata=None) if fill else BankPracticeForm()
    form.topic_ids.choices = as_choices((t.id, t.name) for t in topics)
    if fill:
        form.scope.data = "bank" if bank.practice_open else ("topics" if any(t.practice_open for t in topics) else "closed")
        form.topic_ids.data = [t.id for t in topics if t.practice_open]
    return form


@bp.route("/ngan-hang/<int:bank_id>/on-tap", methods=["POST"])
@organizer_required
def bank_practice(bank_id: int):
    """Open the bank, or chosen topics of it, for practice, or close it; a running contest's bank needs the
    organiser's explicit confirmation (the service refuses otherwise). Audited."""
    bank = load_bank(bank_id)
    form = _practice_form(bank, question_service.bank_topics(db.session, bank))
    if not form.validate_on_submit():
        flash("Lựa chọn ôn tập không hợp lệ; vui lòng chọn lại từ trang ngân hàng.", "danger")
    elif form.scope.data == "topics" and not form.topic_ids.data:
        flash("Vui lòng chọn ít nhất một chủ đề để mở ôn tập (hoặc chọn “Không mở”).", "danger")
    else:
        scope = practice_service.PracticeScope(
            whole_bank=form.scope.data == "bank",
            topic_ids=frozenset(form.topic_ids.data or []) if form.scope.data == "topics" else frozenset(),
        )
        _, problems = save_or_problems(
            lambda: practice_service.set_practice(db.session, bank, scope, confirm_in_use=form.confirm_in_use.data, now=clock.now()),
            lambda message: message,
            "question.bank_practice",
            details={"bank_id": bank.id, "whole_bank": scope.whole_bank, "topic_ids": sorted(scope.topic_ids),
                     "confirmed_in_use": bool(form.confirm_in_use.data)},
        )
        for problem in problems:
            flash(problem, "danger")
    return redirect(url_for("organizer.bank", bank_id=bank.id) + "#practice-title")


@bp.route("/ngan-hang/<int:bank_id>/chia-se", methods=["POST"])
@organizer_required
def share_bank(bank_id: int):
    bank = load_bank(bank_id)
    form = BankSharingForm()
    if not form.validate_on_submit():
        flash("Yêu cầu chia sẻ ngân hàng không hợp lệ; vui lòng thử lại từ trang ngân hàng.", "danger")
    elif (shared := form.shared.data == "1") == bank.shared_with_lower_units:
        flash(f"Ngân hàng “{bank.name}” {'đã' if shared else 'chưa'} được chia sẻ cho đơn vị cấp dưới; không có gì thay đổi.", "success")
    else:
        commit_or_flash(
            lambda: question_service.set_shared_with_lower_units(db.session, bank, shared),
            lambda: f"Đã {'chia sẻ' if shared else 'ngừng chia sẻ'} ngân hàng “{bank.name}” cho các cuộc thi của đơn vị cấp dưới.",
            "question.bank_sharing",
            details={"bank_id": bank.id, "shared": shared},
        )
    return redirect(url_for("organizer.bank", bank_id=bank.id))


@bp.route("/ngan-hang/tep-mau.xlsx")
@organizer_required
def question_template():
    return send_xlsx(excel.template(), "mau-ngan-hang-cau-hoi.xlsx")


@bp.route("/ngan-hang/<int:bank_id>/xuat.xlsx")
@organizer_required
def export_bank(bank_id: int):
    bank = load_bank(bank_id)
    content = question_service.export_bank(db.session, bank)
    audit("export.bank", f"Xuất ngân hàng “{bank.name}”.", bank_id=bank.id)
    db.session.commit()
    return send_xlsx(content, f"ngan-hang-{bank.id}.xlsx")


@bp.route("/ngan-hang/<int:bank_id>/nhap", methods=["GET", "POST"])
@organizer_required
def import_questions(bank_id: int):
    bank = load_bank(bank_id)
    form = ImportForm()
    plan = pending = None
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or "tep-cau-hoi"
        plan, pending = question_service.stage_import(db.session, bank, current_user, question_service.Upload(
            upload.read(),
            filename,
            question_service.guess_format(filename, form.file_format.data or None),
            form.default_topic.data or "",
            Difficulty(form.default_difficulty.data),
        ))
        db.session.commit()
    status = 422 if request.method == "POST" and (plan is None or plan.errors) else 200
    return _import_page(bank, form, plan, pending, 1), status


PREVIEW_PAGE_SIZE = 25


WRITTEN_ONLY = "ghi"  # ?chi=ghi: the preview lists only the new and changed questions


def _import_page(bank, form, plan, pending, page: int, written_only: bool = False):
    listed = None
    if plan is not None:
        listed = [item for item in plan.items if item.verdict in (Verdict.new, Verdict.changed)] if written_only else plan.items
    items = paginate_list(listed, page, PREVIEW_PAGE_SIZE) if listed is not None else None
    return render_template("organizer/import_questions.html", bank=bank, form=form, plan=plan, pending=pending, items=items,
                           summary=summary, confirm_form=EmptyForm(), written_only=written_only, written_only_value=WRITTEN_ONLY)


@bp.route("/ngan-hang/<int:bank_id>/nhap/<int:pending_id>")
@organizer_required
def import_preview(bank_id: int, pending_id: int):
    """A page of a previewed file's questions, each marked new, changed (with what) or unchanged."""
    bank = load_bank(bank_id)
    pending = question_service.pending_import(db.session, bank, pending_id)
    if pending is None:
        raise NotFoundError("Bản xem trước đã hết hạn hoặc đã được nhập. Vui lòng tải tệp lên lại.")
    plan = question_service.preview_import(db.session, pending, current_user)  # another user's preview: 403
    return _import_page(bank, ImportForm(), plan, pending, request.args.get("page", 1, type=db_int),
                        written_only=request.args.get("chi") == WRITTEN_ONLY)


@bp.route("/ngan-hang/<int:bank_id>/nhap/<int:pending_id>", methods=["POST"])
@organizer_required
def confirm_import(bank_id: int, pending_id: int):
    bank = load_bank(bank_id)
    pending = question_service.pending_import(db.session, bank, pending_id)
    if pending is None:
        flash("Bản xem trước đã hết hạn hoặc đã được nhập. Vui lòng tải tệp lên lại.", "warning")
        return redirect(url_for("organizer.import_questions", bank_id=bank.id))
    filename = pending.filename
    plan = question_service.confirm_import(db.session, pending, current_user)
    if plan.errors:
        db.session.rollback()
        return _import_page(bank, ImportForm(), plan, None, 1), 422
    message = f"Đã nhập tệp {filename} vào “{bank.name}”: {summary(plan)}"
    if plan.to_write:
        audit("import.questions", message, bank_id=bank.id)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("organizer.bank", bank_id=bank.id))


def _validated_question(form: QuestionForm) -> tuple[QuestionData | None, list[str]]:
    """The posted question checked by the form and by question_bank's validation (the import's rules) together:
    every problem at once, each also beside its field."""
    form_ok = form.validate_on_submit()
    raw = RawQuestion(
        text=form.text.data or "",
        choices=[getattr(form, f"choice_{label}").data or "" for label in LABELS],
        answer=form.answer.data or "",
        kind=form.kind.data or "",
        topic=form.topic.data or "",
        difficulty=str(form.difficulty.data or ""),
        explanation=form.explanation.data or "",
        legal_basis=form.legal_basis.data or "",
        code=form.code.data or "",
    )
    data, found = validate(raw)
    problems = [f"{field.label.text}: {message}" for field in form for message in field.errors if field.name != "csrf_token"]
    for problem in found:
        name = problem.field.replace("choice:", "choice_")
        field = form[name] if name in form else None
        if field is None or not field.errors:
            problems.append(problem.message)
        if field is not None and not field.errors:
            field.errors = [problem.message]
    return (data if form_ok else None), problems


def _fill_question_form(form: QuestionForm, data: QuestionData) -> None:
    form.code.data, form.topic.data, form.text.data = data.code, data.topic, data.text
    form.difficulty.data, form.kind.data = int(data.difficulty), data.kind.value
    form.answer.data = ", ".join(data.correct)
    form.explanation.data, form.legal_basis.data = data.explanation, data.legal_basis
    for label, text in zip(LABELS, data.choices):
        getattr(form, f"choice_{label}").data = text


@bp.route("/ngan-hang/<int:bank_id>/cau-hoi-moi", methods=["GET", "POST"])
@organizer_required
def new_question(bank_id: int):
    """Add one question by hand, under the same rules as an imported one."""
    bank = load_bank(bank_id)
    form = QuestionForm()
    problems: list[str] = []
    if request.method == "POST":
        data, problems = _validated_question(form)
        if data is not None and not problems:
            saved, problems = save_or_problems(
                lambda: question_service.create_question(db.session, bank, data),
                lambda q: f"Đã thêm câu hỏi {q.code} vào “{bank.name}”.",
                "question.create", details={"bank_id": bank.id},
            )
            if saved is not None:
                return redirect(url_for("organizer.bank", bank_id=bank.id))
    return render_form("organizer/new_question.html", bank=bank, form=form, problems=problems, labels=LABELS)


@bp.route("/cau-hoi/<int:question_id>", methods=["GET", "POST"])
@organizer_required
def edit_question(question_id: int):
    question = load_question(question_id)
    form = QuestionForm()
    problems: list[str] = []
    used = question_service.is_used(db.session, question)
    if request.method == "GET":
        _fill_question_form(form, question_service.question_as_data(question))
    else:
        data, problems = _validated_question(form)
        if data is not None and not problems:
            old_key = question_service.question_as_data(question).correct
            saved, problems = save_or_problems(
                lambda: question_service.update_question(db.session, question, data) or question,
                lambda q: f"Đã lưu câu hỏi {q.code} của “{q.bank.name}”." + (
                    " Câu hỏi đã được dùng trong bài thi: để chấm lại các bài đã nộp theo đáp án mới, mở cuộc thi và chọn “Chấm lại”."
                    if used and data.correct != old_key else ""),
                "question.edit",
            )
            if saved is not None:
                return redirect(url_for("organizer.bank", bank_id=question.bank_id))
    return render_form(
        "organizer/edit_question.html",
        question=question,
        form=form,
        problems=problems,
        labels=LABELS,
        used=used,
        action_form=EmptyForm(),
    )


def _back_to_bank(question: Question):
    return redirect_back(url_for("organizer.bank", bank_id=question.bank_id))


@bp.route("/cau-hoi/<int:question_id>/trang-thai", methods=["POST"])
@organizer_required
def toggle_question(question_id: int):
    question = load_question(question_id)
    new_status = "retired" if question.status == "active" else "active"
    commit_or_flash(
        lambda: question_service.set_status(db.session, question, new_status),
        lambda: f"Đã {'ngừng dùng' if new_status == 'retired' else 'dùng lại'} câu hỏi {question.code}.",
        "question.status",
        details={"question_id": question.id},
    )
    return _back_to_bank(question)


@bp.route("/cau-hoi/<int:question_id>/xoa", methods=["POST"])
@organizer_required
def delete_question(question_id: int):
    question = load_question(question_id)
    bank_id, code = question.bank_id, question.code
    if not commit_or_flash(
        lambda: question_service.delete_question(db.session, question), lambda: f"Đã xóa câu hỏi {code}.", "question.delete",
        details={"bank_id": bank_id},
    ):
        return redirect(url_for("organizer.edit_question", question_id=question_id))
    return redirect(url_for("organizer.bank", bank_id=bank_id))
