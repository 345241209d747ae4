from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user, login_required

from contest import clock, db
from contest.access import (
    Need, get_or_404, load_asked_round, load_contest, load_contest_award, load_own_award, load_round, manages, report_roles,
)
from contest.awards import bp
from contest.errors import NotFoundError
from contest.models import Contest, PrizeAward, Round, User
from contest.pdf import PdfUnavailableError, qr_svg, render_pdf
from contest.services import awards as award_service
from contest.services.home import contest_span, rules_summary
from contest.viewhelpers import absolute_url, commit_or_flash, db_int, redirect_back

POSTER_RULES_CHARACTERS = 420


def _pdf(template: str, filename: str, **context):
    """A PDF document rendered from a template (503, saying why, where WeasyPrint cannot load)."""
    try:
        content = render_pdf(render_template(template, **context))
    except PdfUnavailableError as error:
        return render_template("errors/error.html", code=503, title="Chưa tạo được tệp PDF", detail=str(error)), 503
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"})


def _certificate_pdf(certificate, award: PrizeAward | None) -> Response:
    verify_url = absolute_url(url_for("awards.verify", code=certificate.code))
    return _pdf("awards/certificate_pdf.html", f"giay-chung-nhan-{certificate.code}.pdf", certificate=certificate, award=award,
                unit=certificate.user.unit, code=award_service.format_code(certificate.code), verify_url=verify_url,
                qr=qr_svg(verify_url), participation=award_service.PARTICIPATION)


@bp.route("/cuoc-thi/<int:contest_id>/giay-chung-nhan.pdf")
@login_required
def participation_certificate(contest_id: int):
    """The current user's participation certificate (404 with the reason for someone who has none)."""
    contest = load_contest(contest_id, Need.view)
    try:
        certificate = award_service.participation_certificate(db.session, contest, current_user, clock.now())
    except award_service.NotEligibleError as error:
        raise NotFoundError(str(error)) from error
    db.session.commit()
    return _certificate_pdf(certificate, None)


@bp.route("/giai/<int:award_id>/giay-chung-nhan.pdf")
@login_required
def prize_certificate(award_id: int):
    """The prize certificate of one of the current user's confirmed prizes (another's: 404)."""
    award = load_own_award(award_id)
    certificate = award_service.prize_certificate(db.session, award, clock.now())
    db.session.commit()
    return _certificate_pdf(certificate, award)


@bp.route("/xac-minh/<code>")
def verify(code: str):
    """Public: whose certificate this code is, for which contest and prize (404 for a code that is none)."""
    found = award_service.verify(db.session, code)
    if found is None:
        raise NotFoundError("Không có giấy chứng nhận nào mang mã xác minh này. Vui lòng kiểm tra lại mã in trên giấy.")
    return render_template("awards/verify.html", found=found, code=award_service.format_code(found.code))


def _winners(contest: Contest, round_: Round | None):
    """A winners' list: public once published; before that only the contest's managers see it (a preview)."""
    published = award_service.is_published(db.session, contest, round_)
    if not published and not manages(contest):
        abort(404)
    groups = contest.groups if contest.ranks_by_group else [None]
    lists = [(group, award_service.awards(db.session, contest, round_, group)) for group in groups]
    return render_template("awards/winners.html", contest=contest, round=round_, published=published, lists=lists)


@bp.route("/cuoc-thi/<int:contest_id>/dat-giai")
def contest_winners(contest_id: int):
    return _winners(load_contest(contest_id, Need.view), None)


@bp.route("/cuoc-thi/<int:contest_id>/vong/<int:round_id>/dat-giai")
def round_winners(contest_id: int, round_id: int):
    contest = load_contest(contest_id, Need.view)
    return _winners(contest, load_round(contest, round_id))


@bp.route("/cuoc-thi/<int:contest_id>/ap-phich.pdf")
@report_roles
def poster(contest_id: int):
    """An A4 poster for notice boards: title, dates, the start of the rules and a QR code to the contest page."""
    contest = load_contest(contest_id, Need.manage)
    contest_url = absolute_url(url_for("participant.contest", contest_id=contest.id))
    return _pdf("awards/poster_pdf.html", f"ap-phich-cuoc-thi-{contest.id}.pdf", contest=contest, span=contest_span(contest),
                rules=rules_summary(contest.rules_html, POSTER_RULES_CHARACTERS), contest_url=contest_url, qr=qr_svg(contest_url, scale=8))


def _back(contest: Contest, round_: Round | None):
    return redirect_back(url_for("reports.prize_verification", contest_id=contest.id, vong=round_.id if round_ else None))


def _where(contest: Contest, round_: Round | None) -> str:
    return f"{round_.title} — cuộc thi “{contest.title}”" if round_ else f"cuộc thi “{contest.title}”"


@bp.route("/bao-cao/cuoc-thi/<int:contest_id>/xet-giai/xac-nhan", methods=["POST"])
@report_roles
def confirm_prize(contest_id: int):
    """The organiser confirms a prize for one person of the shortlist (logged)."""
    contest = load_contest(contest_id, Need.manage)
    round_ = load_asked_round(contest, request.form.get("vong", type=db_int))
    user = get_or_404(User, request.form.get("user_id", type=db_int) or 0)
    prize = request.form.get("prize", "")
    commit_or_flash(lambda: award_service.confirm_prize(db.session, contest, round_, user, prize, current_user),
                    lambda: f"Đã xác nhận {user.full_name} đạt {' '.join(prize.split())} ở {_where(contest, round_)}.",
                    "prize.confirm", details={"contest_id": contest.id, "round_id": round_.id if round_ else None, "user_id": user.id})
    return _back(contest, round_)


@bp.route("/bao-cao/cuoc-thi/<int:contest_id>/xet-giai/huy-xac-nhan/<int:award_id>", methods=["POST"])
@report_roles
def withdraw_prize(contest_id: int, award_id: int):
    contest = load_contest(contest_id, Need.manage)
    award = load_contest_award(contest, award_id)
    round_, name, prize = award.round, award.user.full_name, award.prize
    commit_or_flash(lambda: award_service.withdraw_prize(db.session, award),
                    lambda: f"Đã hủy xác nhận {prize} của {name} ở {_where(contest, round_)}; giấy chứng nhận của giải này không còn hiệu lực.",
                    "prize.withdraw", details={"contest_id": contest.id, "award_id": award_id})
    return _back(contest, round_)


@bp.route("/bao-cao/cuoc-thi/<int:contest_id>/xet-giai/cong-bo", methods=["POST"])
@report_roles
def publish_winners(contest_id: int):
    """The "Công bố kết quả" switch of a winners' list (the round's, or the contest's without `vong`), logged."""
    contest = load_contest(contest_id, Need.manage)
    round_ = load_asked_round(contest, request.form.get("vong", type=db_int))
    publish = request.form.get("publish") == "1"
    commit_or_flash(lambda: award_service.set_published(db.session, contest, round_, publish, current_user),
                    lambda: f"{'Đã công bố' if publish else 'Đã thôi công bố'} danh sách đạt giải {_where(contest, round_)}.",
                    "prize.publish" if publish else "prize.unpublish",
                    details={"contest_id": contest.id, "round_id": round_.id if round_ else None})
    return _back(contest, round_)


@dataclass
class ContestAwards:
    """What the contest page offers about certificates, winners and the poster to the current user."""

    participation: bool = False
    prizes: list[PrizeAward] = field(default_factory=list)
    lists: list[Round | None] = field(default_factory=list)
    manages: bool = False


@bp.app_template_global()
def contest_awards(contest: Contest) -> ContestAwards:
    """For the contest page's certificates-and-winners block (templates/awards/_contest_links.html)."""
    result = ContestAwards(lists=award_service.published_lists(db.session, contest), manages=manages(contest))
    if current_user.is_authenticated:
        result.participation = award_service.may_have_participation(db.session, contest, current_user)
        result.prizes = award_service.awards_of(db.session, contest, current_user)
    return result
