"""Referees (docs/referees.md): the candidate names them and follows their answers; the
referee answers through the mailed link, without an account; reviewers and staff read the
answers beside each criterion (the template global ``answered_referees``)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments.blueprint import bp
from assessments.permissions import is_candidate_of
from assessments.referees.forms import RefereeForm, answer_form
from assessments.referees.models import Referee, RefereeState
from assessments.referees.operations import (
    RefereeLinkError,
    answer,
    change_referee,
    name_referee,
    naming_problems,
    referee_for_token,
    referee_user_ids,
    referees_of,
    remove_referee,
    resend_link,
    review_gate_problems,
)
from assessments.views.loaders import get_application_or_404
from certify.core.extensions import db
from certify.core.forms import ActionForm
from certify.core.i18n import current_language
from certify.core.views import run_action, run_operation


@bp.app_template_global()
def answered_referees(application) -> list[Referee]:
    """The referees who answered, for the pages reviewers and staff read."""
    return [r for r in referees_of(application) if r.state == RefereeState.answered]


@bp.app_template_global()
def referee_gate(application) -> list[str]:
    """Why the file cannot go to review yet (empty when it can), for staff."""
    return review_gate_problems(application)


@bp.app_template_global()
def conflicted_reviewers(application) -> list[str]:
    """Reviewers of the file who are also its referees (an address changed after the
    assignment, which refuses them): flagged to staff."""
    referees = referee_user_ids(application)
    return [r.reviewer.full_name for r in application.reviews if r.reviewer_id in referees]


@bp.errorhandler(RefereeLinkError)
def referee_link_problem(error: RefereeLinkError):
    return render_template("assessments/referee_problem.html", message=str(error)), error.status


def _own_referee_or_404(application_id: int, referee_id: int) -> Referee:
    application = get_application_or_404(application_id, check=is_candidate_of)
    referee = db.get_or_404(Referee, referee_id)
    if referee.application_id != application.id:
        abort(404)
    return referee


def _back(application_id: int) -> str:
    return url_for(".referees", application_id=application_id)


@bp.route("/applications/<int:application_id>/referees", methods=["GET", "POST"])
@login_required
def referees(application_id: int):
    application = get_application_or_404(application_id, check=is_candidate_of)
    form = RefereeForm(application=application)

    def page(status: int = 200):
        return render_template(
            "assessments/referees.html", application=application, form=form,
            referees=referees_of(application), problems=naming_problems(application),
            action_form=ActionForm(), now_state=RefereeState), status

    if not form.validate_on_submit():
        return page(422 if request.method == "POST" else 200)
    return run_operation(
        lambda: name_referee(application, form.details(), by=current_user,
                             language=current_language()),
        success=_("Referee named: they are asked when you submit the application."),
        redirect_to=_back(application.id), on_failure=lambda: page(422))


@bp.route("/applications/<int:application_id>/referees/<int:referee_id>",
          methods=["GET", "POST"])
@login_required
def edit_referee(application_id: int, referee_id: int):
    referee = _own_referee_or_404(application_id, referee_id)
    form = RefereeForm(application=referee.application)
    if request.method == "GET":
        form.fill_from(referee)

    def page(status: int = 200):
        return render_template("assessments/referee_edit.html", referee=referee, form=form,
                               application=referee.application), status

    if not form.validate_on_submit():
        return page(422 if request.method == "POST" else 200)
    success = (_("Referee changed.") if referee.state == RefereeState.named else
               _("Referee replaced: the new one has been sent a link."))
    return run_operation(lambda: change_referee(referee, form.details(), by=current_user),
                         success=success, redirect_to=_back(application_id),
                         on_failure=lambda: page(422))


@bp.post("/applications/<int:application_id>/referees/<int:referee_id>/remove")
@login_required
def remove_referee_view(application_id: int, referee_id: int):
    referee = _own_referee_or_404(application_id, referee_id)
    return run_action(lambda: remove_referee(referee, by=current_user),
                      success=_("Referee removed."), redirect_to=_back(application_id))


@bp.post("/applications/<int:application_id>/referees/<int:referee_id>/resend")
@login_required
def resend_referee_link(application_id: int, referee_id: int):
    referee = _own_referee_or_404(application_id, referee_id)
    return run_action(lambda: resend_link(referee, by=current_user),
                      success=_("A new link has been sent; the previous one no longer works."),
                      redirect_to=_back(application_id))


@bp.route("/referee/<token>", methods=["GET", "POST"])
def referee_answer(token: str):
    referee = referee_for_token(token)
    form = answer_form(referee)

    def page(status: int = 200):
        return render_template("assessments/referee_answer.html", referee=referee, form=form,
                               application=referee.application), status

    if not form.validate_on_submit():
        return page(422 if request.method == "POST" else 200)
    return run_operation(lambda: answer(referee, form.verdicts(), form.statement.data),
                         success=_("Thank you: your answer has been recorded."),
                         redirect_to=url_for("main.index"), on_failure=lambda: page(422))
