"""Contest pages for organisers: create, edit settings, rounds and blueprints, publish."""

from __future__ import annotations

from datetime import timedelta

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from contest import clock, db
from contest.access import Need, load_contest, load_round, organizer_required, own_subtree
from contest.forms import EmptyForm, as_choices
from contest.models import Contest, Round
from contest.organizer import bp
from contest.organizer.forms import BLUEPRINT_ROWS, BannerForm, ContestCopyForm, ContestForm, RoundForm, RulesPreviewForm
from contest.rules_markdown import normalize_rules, render_rules
from contest.services import banners as banner_service
from contest.services import contests as contest_service
from contest.services import units as unit_service
from contest.services.contests import OVERDUE_LABELS, BlueprintLine, ContestSettings, RoundSettings
from contest.timeutil import local_to_utc, to_local
from contest.viewhelpers import commit_or_flash, render_form, save_or_problems


def _settings_from(form: ContestForm) -> ContestSettings:
    return ContestSettings(
        title=form.title.data,
        rules_markdown=form.rules_markdown.data or "",
        audience=form.audience.data,
        eligible_unit_ids=form.eligible_unit_ids.data or [],
        shuffle_questions=form.shuffle_questions.data,
        shuffle_choices=form.shuffle_choices.data,
        attempts_allowed=form.attempts_allowed.data,
        grading=form.grading.data,
        points_per_question=form.points_per_question.data,
        review_policy=form.review_policy.data,
        leaderboard_visibility=form.leaderboard_visibility.data,
        leaderboard_freeze_at=local_to_utc(form.leaderboard_freeze_at.data),
        prediction_question=form.prediction_question.data or "",
        prediction_resolver=form.prediction_resolver.data or None,
        grace_seconds=form.grace_seconds.data,
        overdue_handling=form.overdue_handling.data or None,
        admitted_groups=form.admitted_groups.data or "",
        citizen_cccd_optional=form.citizen_cccd_optional.data,
    )


def _platform_default_label() -> str:
    policy = clock.attempt_policy()
    return f"Theo mặc định hệ thống ({policy.overdue.label.lower()}, gia hạn {int(policy.grace.total_seconds())} giây)"


def _contest_form(contest: Contest | None, root) -> ContestForm:
    form = ContestForm()
    options = as_choices(unit_service.unit_options(db.session, root))
    form.eligible_unit_ids.choices = options
    form.owner_unit_id.choices = options
    form.overdue_handling.choices = as_choices([("", _platform_default_label()), *OVERDUE_LABELS.items()])
    if contest is not None and request.method == "GET":
        settings = contest_service.contest_settings(contest)
        for name, value in vars(settings).items():
            if name == "leaderboard_freeze_at":
                value = to_local(value).replace(tzinfo=None) if value else None
            getattr(form, name).data = value if value is not None else ("" if name in ("prediction_resolver", "overdue_handling") else None)
    elif contest is None and request.method == "GET" and current_user.unit_id:
        form.eligible_unit_ids.data = [current_user.unit_id]
        form.owner_unit_id.data = current_user.unit_id
    return form


@bp.route("/cuoc-thi")
@organizer_required
def contests():
    items = contest_service.contests_for_organizer(db.session, current_user)
    counts = contest_service.participant_counts(db.session, items)
    return render_template("organizer/contests.html", contests=items, counts=counts, now=clock.now())


@bp.route("/the-le/xem-truoc", methods=["POST"])
@organizer_required
def preview_rules():
    """The rules being typed, rendered as the contest pages will show them (the editor's live preview)."""
    form = RulesPreviewForm()
    if not form.validate_on_submit():
        return " ".join(e for errors in form.errors.values() for e in errors), 400, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("organizer/rules_preview.html", rules_html=render_rules(normalize_rules(form.rules_markdown.data or "")))


@bp.route("/cuoc-thi/moi", methods=["GET", "POST"])
@organizer_required
def new_contest():
    root = own_subtree()
    form = _contest_form(None, root)
    problems: list[str] = []
    if form.validate_on_submit():
        owner = unit_service.get_unit(db.session, form.owner_unit_id.data)
        contest, problems = save_or_problems(
            lambda: contest_service.create_contest(db.session, owner, _settings_from(form), created_by=current_user),
            lambda c: f"Đã tạo cuộc thi “{c.title}”. Hãy thêm vòng thi và cấu trúc đề.",
            "contest.create",
        )
        if contest is not None:
            return redirect(url_for("organizer.edit_contest", contest_id=contest.id))
    return render_form("organizer/contest_form.html", form=form, contest=None, problems=problems)


@bp.route("/cuoc-thi/<int:contest_id>", methods=["GET", "POST"])
@organizer_required
def edit_contest(contest_id: int):
    contest = load_contest(contest_id, Need.manage)
    form = _contest_form(contest, contest.owner_unit)
    problems: list[str] = []
    if form.validate_on_submit():
        saved, problems = save_or_problems(
            lambda: contest_service.update_contest(db.session, contest, _settings_from(form)) or contest,
            lambda c: f"Đã lưu cài đặt cuộc thi “{c.title}”.",
            "contest.settings",
        )
        if saved is not None:
            return redirect(url_for("organizer.edit_contest", contest_id=contest.id))
    attempts = contest_service.attempt_counts(db.session, contest)
    return render_form(
        "organizer/contest_form.html",
        form=form,
        contest=contest,
        problems=problems,
        attempts=attempts,
        blueprint_problems=[p for r in contest.rounds for p in contest_service.blueprint_problems(db.session, r)],
        action_form=EmptyForm(),
        now=clock.now(),
        banner=banner_service.banner_of(db.session, contest),
        banner_form=BannerForm(formdata=None),
    )


@bp.route("/cuoc-thi/<int:contest_id>/trang-thai", methods=["POST"])
@organizer_required
def contest_status(contest_id: int):
    contest = load_contest(contest_id, Need.manage)
    target = request.form.get("status", "")
    commit_or_flash(
        lambda: contest_service.set_status(db.session, contest, target),
        lambda: {"published": "Đã công bố cuộc thi", "draft": "Đã chuyển về bản nháp cuộc thi", "archived": "Đã lưu trữ cuộc thi"}[target]
        + f" “{contest.title}”.",
        "contest.status",
    )
    return redirect(url_for("organizer.edit_contest", contest_id=contest.id))


def _round_form(contest: Contest, round_: Round | None, source: RoundSettings | None = None) -> RoundForm:
    form = RoundForm()
    banks = contest_service.usable_banks(db.session, contest.owner_unit)
    # A bank unshared since the round was built stays listed, so the form shows (and sends back) what the round holds.
    kept = contest_service.unusable_round_banks(db.session, round_) if round_ is not None else []
    bank_choices = as_choices([(0, "— Chọn ngân hàng —"), *((b.id, b.name) for b in banks),
                               *((b.id, f"{b.name} (không còn được chia sẻ)") for b in kept)])
    banks += kept
    topic_choices = as_choices([(0, "Mọi chủ đề"), *((t.id, f"{b.name} › {t.name}") for b in banks for t in b.topics)])
    for row in form.blueprint:
        row.bank_id.choices = bank_choices
        row.topic_id.choices = topic_choices
    if request.method == "GET":
        shown = source or (contest_service.round_settings(round_) if round_ is not None else None)
        if shown is not None:
            form.title.data = shown.title
            form.opens_at.data = to_local(shown.opens_at).replace(tzinfo=None)
            form.closes_at.data = to_local(shown.closes_at).replace(tzinfo=None)
            form.time_limit_minutes.data = shown.time_limit_minutes
            for row, line in zip(form.blueprint, shown.blueprint):
                row.bank_id.data, row.topic_id.data = line.bank_id, line.topic_id or 0
                row.difficulty.data, row.count.data = line.difficulty or 0, line.count
        else:
            form.title.data = f"Vòng {len(contest.rounds) + 1}"
    return form


def _save_round(contest: Contest, round_: Round | None, copied_from: Round | None = None):
    source = contest_service.round_copy(contest, copied_from) if copied_from is not None else None
    form = _round_form(contest, round_, source)
    problems: list[str] = []
    if form.validate_on_submit():
        lines = [
            BlueprintLine(row.bank_id.data, row.topic_id.data or None, row.difficulty.data or None, row.count.data)
            for row in form.blueprint
            if row.count.data and row.bank_id.data
        ]
        settings = RoundSettings(
            title=form.title.data,
            opens_at=local_to_utc(form.opens_at.data),
            closes_at=local_to_utc(form.closes_at.data),
            time_limit_minutes=form.time_limit_minutes.data,
            blueprint=lines,
        )
        saved, problems = save_or_problems(
            lambda: contest_service.save_round(db.session, contest, round_, settings),
            lambda r: f"Đã lưu vòng thi {r.title} của cuộc thi “{contest.title}”.",
            "contest.round",
        )
        if saved is not None:
            return redirect(url_for("organizer.edit_contest", contest_id=contest.id))
    locked = round_ is not None and contest_service.has_attempts(db.session, round_)
    return render_form(
        "organizer/round_form.html", form=form, contest=contest, round=round_, problems=problems, locked=locked,
        rows=BLUEPRINT_ROWS, action_form=EmptyForm(), copied_from=copied_from,
    )


@bp.route("/cuoc-thi/<int:contest_id>/vong/moi", methods=["GET", "POST"])
@organizer_required
def new_round(contest_id: int):
    return _save_round(load_contest(contest_id, Need.manage), None)


@bp.route("/cuoc-thi/<int:contest_id>/vong/<int:round_id>", methods=["GET", "POST"])
@organizer_required
def edit_round(contest_id: int, round_id: int):
    contest = load_contest(contest_id, Need.manage)
    return _save_round(contest, load_round(contest, round_id))


@bp.route("/cuoc-thi/<int:contest_id>/vong/<int:round_id>/sao-chep", methods=["GET", "POST"])
@organizer_required
def copy_round(contest_id: int, round_id: int):
    """A new round with the blueprint of this one and the next week's dates proposed; saved only when confirmed."""
    contest = load_contest(contest_id, Need.manage)
    return _save_round(contest, None, copied_from=load_round(contest, round_id))


@bp.route("/cuoc-thi/<int:contest_id>/sao-chep", methods=["GET", "POST"])
@organizer_required
def copy_contest(contest_id: int):
    """A new draft contest with this one's settings and rounds, moved by the days the organiser chooses."""
    contest = load_contest(contest_id, Need.manage)
    form = ContestCopyForm()
    if request.method == "GET":
        form.title.data = f"{contest.title} (bản sao)"
        form.shift_days.data = contest_service.default_copy_shift(contest)
    problems: list[str] = []
    if form.validate_on_submit() and request.form.get("action") != "preview":
        copy, problems = save_or_problems(
            lambda: contest_service.copy_contest(db.session, contest, form.title.data, form.shift_days.data, created_by=current_user),
            lambda c: f"Đã sao chép cuộc thi “{contest.title}” thành bản nháp “{c.title}” ({len(c.rounds)} vòng thi). "
                      "Hãy kiểm tra lịch các vòng rồi công bố.",
            "contest.copy",
        )
        if copy is not None:
            return redirect(url_for("organizer.edit_contest", contest_id=copy.id))
    shift = form.shift_days.data if not form.shift_days.errors and form.shift_days.data is not None else 0
    status = 422 if request.method == "POST" and (problems or form.errors) else 200
    return render_template("organizer/copy_contest.html", contest=contest, form=form, problems=problems,
                           shift=timedelta(days=shift)), status


@bp.route("/cuoc-thi/<int:contest_id>/vong/<int:round_id>/xoa", methods=["POST"])
@organizer_required
def delete_round(contest_id: int, round_id: int):
    contest = load_contest(contest_id, Need.manage)
    round_ = load_round(contest, round_id)
    title = round_.title
    commit_or_flash(
        lambda: contest_service.delete_round(db.session, round_), lambda: f"Đã xóa {title} của cuộc thi “{contest.title}”.", "contest.round"
    )
    return redirect(url_for("organizer.edit_contest", contest_id=contest.id))
