"""The organiser's unit prize settings of a contest: size tiers and blocs (contest/services/unit_prizes.py)."""

from __future__ import annotations

from flask import redirect, request, url_for

from contest import db
from contest.access import Need, load_contest, organizer_required
from contest.forms import as_choices
from contest.models import Contest
from contest.organizer import bp
from contest.organizer.forms import UnitPrizeForm
from contest.services import unit_prizes as unit_prize_service
from contest.services.unit_prizes import BlocInput, TierInput
from contest.services.units import flatten_tree, unit_option_label, unit_tree
from contest.viewhelpers import render_form, save_or_problems

# What a contest without unit prizes is offered to start from: Sóc Trăng's published tiers.
SUGGESTED_TIERS = [(0, 49, 30), (50, 99, 25), (100, None, 20)]


def _unit_prize_form(contest: Contest) -> UnitPrizeForm:
    form = UnitPrizeForm()
    choices = as_choices((node.unit.id, unit_option_label(node.unit)) for node in flatten_tree(unit_tree(db.session, contest.owner_unit)))
    for row in form.blocs:
        row.unit_ids.choices = choices
    if request.method == "GET":
        tiers = [(t.min_size, t.max_size, t.min_rate_tenths / 10) for t in unit_prize_service.tiers(db.session, contest)]
        for row, (low, high, rate) in zip(form.tiers, tiers or SUGGESTED_TIERS):
            row.min_size.data, row.max_size.data, row.min_rate.data = low, high, rate
        for row, bloc in zip(form.blocs, unit_prize_service.blocs(db.session, contest)):
            row.title.data, row.kinds.data, row.unit_ids.data = bloc.name, bloc.kind_list, [u.id for u in bloc.units]
            row.first_prizes.data, row.second_prizes.data, row.third_prizes.data = bloc.first_prizes, bloc.second_prizes, bloc.third_prizes
    return form


@bp.route("/cuoc-thi/<int:contest_id>/giai-tap-the", methods=["GET", "POST"])
@organizer_required
def unit_prizes(contest_id: int):
    contest = load_contest(contest_id, Need.manage)
    form = _unit_prize_form(contest)
    problems: list[str] = []
    if form.validate_on_submit():
        tiers = [TierInput(r.min_size.data, r.max_size.data, r.min_rate.data) for r in form.tiers]
        blocs = [BlocInput(r.title.data or "", r.kinds.data or [], r.unit_ids.data or [], r.first_prizes.data, r.second_prizes.data,
                           r.third_prizes.data) for r in form.blocs]
        saved, problems = save_or_problems(
            lambda: unit_prize_service.save_settings(db.session, contest, tiers, blocs) or contest,
            lambda c: f"Đã lưu cách xét giải tập thể của cuộc thi “{c.title}”.",
            "contest.unit_prizes", details={"contest_id": contest.id}, form=form,
        )
        if saved is not None:
            return redirect(url_for("awards.unit_prizes", contest_id=contest.id))
    return render_form("organizer/unit_prizes.html", form=form, contest=contest, problems=problems)
