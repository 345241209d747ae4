"""Question bank pages: list, create, browse, import (upload → preview → confirm), edit, export."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from contest import db
from contest.access import load_bank, load_question, organizer_required
from contest.forms import EmptyForm, as_choices
from contest.models import Question, Role
from contest.organizer import bp
from contest.organizer.forms import BankForm, BankSharingForm, ImportForm, QuestionFilterForm, QuestionForm
from contest.pagination import paginate
from contest.services import questions as question_service
from contest.services import units as unit_service
from contest.downloads import send_xlsx
from contest.viewhelpers import audit, commit_or_flash, db_int, redirect_back, save_or_problems
from question_bank import excel
from question_bank.model import LABELS, Difficulty, RawQuestion
from question_bank.validation import validate

@bp.route("/ngan-hang", methods=["GET", "POST"])
@organizer_required
def banks():
    form = BankForm()
    root = None if current_user.has_role(Role.admin) else current_user.unit
    form.owner_unit_id.choices = as_choices(unit_service.unit_options(db.session, root))
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
    status = 422 if request.method == "POST" else 200
    return render_template("organizer/banks.html", banks=banks, counts=counts, form=form, problems=problems), status


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
    return render_template("organizer/bank.html", bank=bank, form=form, page=page, action_form=EmptyForm(), sharing_form=BankSharingForm())


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
        plan, pending = question_service.stage_import(
            db.session,
            bank,
            current_user,
            upload.read(),
            filename,
            question_service.guess_format(filename, form.file_format.data or None),
            form.default_topic.data or "",
            Difficulty(form.default_difficulty.data),
        )
        db.session.commit()
    status = 422 if request.method == "POST" and (plan is None or not plan.ok) else 200
    return render_template(
        "organizer/import_questions.html", bank=bank, form=form, plan=plan, pending=pending, confirm_form=EmptyForm()
    ), status


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
    if not plan.ok:
        db.session.rollback()
        return render_template(
            "organizer/import_questions.html", bank=bank, form=ImportForm(), plan=plan, pending=None, confirm_form=EmptyForm()
        ), 422
    audit("import.questions", f"Nhập {len(plan.to_write)} câu hỏi vào “{bank.name}” từ tệp {filename} "
          f"({len(plan.creates)} mới, {len(plan.updates)} cập nhật).", bank_id=bank.id)
    db.session.commit()
    flash(
        f"Đã nhập {len(plan.to_write)} câu hỏi: {len(plan.creates)} câu mới, {len(plan.updates)} câu cập nhật"
        + (f", bỏ qua {len(plan.skipped)} câu trùng." if plan.skipped else "."),
        "success",
    )
    return redirect(url_for("organizer.bank", bank_id=bank.id))


@bp.route("/cau-hoi/<int:question_id>", methods=["GET", "POST"])
@organizer_required
def edit_question(question_id: int):
    question = load_question(question_id)
    form = QuestionForm()
    problems: list[str] = []
    if request.method == "GET":
        data = question_service.question_as_data(question)
        form.code.data, form.topic.data, form.text.data = data.code, data.topic, data.text
        form.difficulty.data, form.kind.data = int(data.difficulty), data.kind.value
        form.answer.data = ", ".join(data.correct)
        form.explanation.data, form.legal_basis.data = data.explanation, data.legal_basis
        for label, text in zip(LABELS, data.choices):
            getattr(form, f"choice_{label}").data = text
    elif form.validate_on_submit():
        raw = RawQuestion(
            text=form.text.data,
            choices=[getattr(form, f"choice_{label}").data or "" for label in LABELS],
            answer=form.answer.data,
            kind=form.kind.data,
            topic=form.topic.data,
            difficulty=str(form.difficulty.data),
            explanation=form.explanation.data or "",
            legal_basis=form.legal_basis.data or "",
            code=form.code.data or "",
        )
        data, found = validate(raw)
        problems = [p.message for p in found]
        if data is not None:
            saved, problems = save_or_problems(
                lambda: question_service.update_question(db.session, question, data) or question,
                lambda q: f"Đã lưu câu hỏi {q.code} của “{q.bank.name}”.",
                "question.edit",
            )
            if saved is not None:
                return redirect(url_for("organizer.bank", bank_id=question.bank_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "organizer/edit_question.html",
        question=question,
        form=form,
        problems=problems,
        labels=LABELS,
        used=question_service.is_used(db.session, question),
        action_form=EmptyForm(),
    ), status


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
