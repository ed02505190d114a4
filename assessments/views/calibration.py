"""Calibration (docs/calibration.md): the reviewer scores the competition's exemplar and sees
the comparison; staff see every reviewer's calibration, choose and write the exemplar."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments.blueprint import bp
from assessments.calibration.compare import is_flagged
from assessments.calibration.forms import NEW, CalibrationForm, ChooseExemplarForm, ExemplarForm
from assessments.calibration.models import Calibration, Exemplar
from assessments.calibration.operations import (
    ExemplarRow,
    calibrate,
    calibration_of,
    calibrations_for,
    choose_exemplar,
    create_exemplar,
    exemplars_for,
    ready_exemplar,
    save_exemplar,
)
from assessments.calibration.permissions import (
    can_calibrate,
    can_manage_calibration,
    can_view_calibrations,
)
from assessments.models import Competition
from assessments.operations import ScoreInput
from assessments.views.loaders import get_competition_or_404
from certify.core.extensions import db
from certify.core.safety import safe_next_url
from certify.core.views import flash_form_errors, run_operation


def _threshold() -> float:
    return current_app.config["CALIBRATION_FLAG_THRESHOLD"]


# The reviewer ------------------------------------------------------------------------------


@bp.route("/competitions/<int:competition_id>/calibration", methods=["GET", "POST"])
@login_required
def calibration(competition_id: int):
    competition = get_competition_or_404(competition_id, check=can_calibrate)
    back = safe_next_url(request.values.get("next")) or url_for(".review_queue")
    done = calibration_of(current_user, competition)
    exemplar = done.exemplar if done else ready_exemplar(competition)
    criteria = exemplar.rubric_version.criteria if exemplar else []
    form = CalibrationForm()
    form.bind_criteria(criteria)

    def page(status: int):
        return render_template("assessments/calibration.html", competition=competition,
                               exemplar=exemplar, calibration=done, criteria=criteria,
                               form=form, back=back), status

    if request.method == "POST" and (done is not None or exemplar is None):
        flash(_("You have already calibrated for this competition; your result is kept.")
              if done else _("The calibration exemplar of this competition is not ready yet."),
              "error")
        return page(409)
    if done is None and exemplar is not None and form.validate_on_submit():
        scores = {c.id: ScoreInput(level=e.form.level.data, comment=e.form.comment.data or "")
                  for e, c in zip(form.scores, criteria, strict=False)}
        return run_operation(
            lambda: calibrate(competition, scores, by=current_user),
            success=_("Calibration recorded. Here is how far you are from the reference "
                      "panel."),
            redirect_to=url_for(".calibration", competition_id=competition.id, next=back),
            on_failure=lambda: page(422))
    return page(422 if request.method == "POST" else 200)


# Staff -------------------------------------------------------------------------------------


@bp.get("/manage/competitions/<int:competition_id>/calibration")
@login_required
def calibration_overview(competition_id: int):
    competition = get_competition_or_404(competition_id, check=can_view_calibrations)
    branch_ids = None if current_user.is_admin else current_user.coordinated_branch_ids
    manages = can_manage_calibration(current_user)
    return render_template(
        "assessments/calibration_overview.html", competition=competition,
        rows=calibrations_for(competition, branch_ids), threshold=_threshold(),
        is_flagged=is_flagged, exemplar=competition.calibration_exemplar,
        ready=ready_exemplar(competition) is not None,
        choose_form=ChooseExemplarForm(exemplars=exemplars_for(competition)) if manages
        else None)


@bp.post("/manage/competitions/<int:competition_id>/calibration/exemplar")
@login_required
def choose_exemplar_view(competition_id: int):
    competition = get_competition_or_404(competition_id)
    if not can_manage_calibration(current_user):
        abort(403)
    form = ChooseExemplarForm(exemplars=exemplars_for(competition))
    back = url_for(".calibration_overview", competition_id=competition.id)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back)
    if form.exemplar.data == NEW:
        return run_operation(
            lambda: create_exemplar(competition, by=current_user),
            success=_("A new exemplar is chosen: write it and give your reference levels."),
            redirect_to=lambda exemplar: url_for(".exemplar", exemplar_id=exemplar.id),
            on_failure=back)
    chosen = db.session.get(Exemplar, int(form.exemplar.data))
    return run_operation(lambda: choose_exemplar(competition, chosen, by=current_user),
                         success=_("Exemplar chosen."), redirect_to=back)


def _exemplar_form(exemplar: Exemplar, criteria) -> ExemplarForm:
    data = None
    if request.method == "GET":
        rows = []
        for criterion in criteria:
            answer = exemplar.answer_for(criterion)
            own = next((r.level for r in exemplar.references_for(criterion)
                        if r.scorer_id == current_user.id), None)
            rows.append({"level": answer.level if answer else None,
                         "narrative": answer.narrative if answer else "",
                         "evidence": answer.evidence if answer else "", "reference": own})
        data = {"title": exemplar.title, "rows": rows}
    form = ExemplarForm(data=data)
    form.bind_criteria(criteria)
    return form


@bp.route("/manage/exemplars/<int:exemplar_id>", methods=["GET", "POST"])
@login_required
def exemplar(exemplar_id: int):
    if not can_manage_calibration(current_user):
        abort(403)
    exemplar = db.get_or_404(Exemplar, exemplar_id)
    criteria = exemplar.rubric_version.criteria
    form = _exemplar_form(exemplar, criteria)
    used_by = db.session.scalars(sa.select(Competition).where(
        Competition.calibration_exemplar_id == exemplar.id).order_by(Competition.id)).all()
    calibrated = db.session.scalar(sa.select(sa.func.count(Calibration.id)).where(
        Calibration.exemplar_id == exemplar.id))

    def page(status: int):
        return render_template("assessments/exemplar.html", exemplar=exemplar, form=form,
                               criteria=criteria, used_by=used_by, calibrated=calibrated), status

    if form.validate_on_submit():
        rows = {c.id: ExemplarRow(level=e.form.level.data, narrative=e.form.narrative.data or "",
                                  evidence=e.form.evidence.data or "",
                                  reference=e.form.reference.data)
                for e, c in zip(form.rows, criteria, strict=False)}
        return run_operation(
            lambda: save_exemplar(exemplar, form.title.data, rows, by=current_user),
            success=_("Exemplar saved."),
            redirect_to=url_for(".exemplar", exemplar_id=exemplar.id),
            on_failure=lambda: page(422))
    return page(422 if request.method == "POST" else 200)
