"""Complaints: the public form and status page (no account), and the staff's list, complaint
page, assignment of an investigator and outcome."""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments.blueprint import bp
from assessments.complaints.forms import (
    AssignInvestigatorForm,
    ComplaintForm,
    ComplaintOutcomeForm,
)
from assessments.complaints.models import (
    Complaint,
    ComplaintOutcome,
    ComplaintState,
    ComplaintSubject,
)
from assessments.complaints.operations import (
    ComplaintInput,
    assign_investigator,
    complaint_by_token,
    file_complaint,
    resolve_complaint,
)
from assessments.complaints.permissions import (
    can_list_complaints,
    can_manage_complaint,
    can_resolve_complaint,
    involvement,
)
from assessments.lists import complaints_page
from assessments.notifications import staff_of_branch
from assessments.queries import all_competitions
from assessments.views.list_filters import branch_control
from assessments.views.loaders import get_complaint_or_404
from certify.core.errors import DomainError
from certify.core.extensions import db, limiter
from certify.core.i18n import current_language
from certify.core.listing import FilterControl
from certify.core.views import run_operation, run_posted_form
from certify.users.models import User
from certify.users.operations import active_branches

# The public side ----------------------------------------------------------------------------


def _complaint_limit() -> str:
    return current_app.config["COMPLAINT_RATE_LIMIT"]


def _complaint_form() -> ComplaintForm:
    form = ComplaintForm(competitions=all_competitions(), branches=active_branches())
    if request.method == "GET" and request.args.get("number"):
        form.subject.data = "certificate"
        form.certificate_number.data = request.args["number"][:32]
    return form


@bp.route("/complaints/new", methods=["GET", "POST"])
# Each complaint mails an address the visitor gives: filings are limited per client address.
@limiter.limit(_complaint_limit, methods=["POST"], deduct_when=lambda r: r.status_code == 302)
def file_complaint_view():
    form = _complaint_form()

    def again():
        return render_template("assessments/complaints/new.html", form=form), 422

    if not form.validate_on_submit():
        return again() if request.method == "POST" else render_template(
            "assessments/complaints/new.html", form=form)
    given = ComplaintInput(
        name=form.name.data, email=form.email.data, language=current_language(),
        subject=ComplaintSubject(form.subject.data), description=form.description.data,
        certificate_number=form.certificate_number.data or None,
        competition_id=form.competition.data, branch_id=form.branch.data)

    def filed(result):
        complaint, token = result
        flash(_("Your complaint is registered under the number %(number)s. We have sent a "
                "receipt with the link to this page to %(email)s.",
                number=complaint.number, email=complaint.complainant_email), "success")
        return url_for(".complaint_status", token=token)

    return run_operation(lambda: file_complaint(given), redirect_to=filed, on_failure=again)


@bp.get("/complaints/status/<token>")
def complaint_status(token: str):
    complaint = complaint_by_token(token)
    if complaint is None:
        abort(404)
    return render_template("assessments/complaints/status.html", complaint=complaint)


# The staff's side ---------------------------------------------------------------------------


@bp.get("/manage/complaints/")
@login_required
def complaints():
    if not can_list_complaints(current_user):
        abort(403)
    # Only those in the user's branch and where they are not involved.
    return render_template("assessments/complaints/list.html",
                           complaints=complaints_page(current_user), controls=[
                               FilterControl("state", _("Status"),
                                             [(s.value, s.title) for s in ComplaintState]),
                               branch_control(current_user)])


def _investigators(complaint: Complaint) -> list[User]:
    return [person for person in staff_of_branch(complaint.branch_id)
            if involvement(person, complaint) is None]


def _complaint_page(complaint: Complaint, outcome_form=None, status=200):
    return render_template(
        "assessments/complaints/detail.html", complaint=complaint,
        assign_form=AssignInvestigatorForm(staff=_investigators(complaint),
                                           data={"investigator": complaint.investigator_id}),
        outcome_form=outcome_form or ComplaintOutcomeForm(),
        may_resolve=can_resolve_complaint(current_user, complaint),
    ), status


@bp.get("/manage/complaints/<int:complaint_id>")
@login_required
def complaint(complaint_id: int):
    return _complaint_page(get_complaint_or_404(complaint_id, check=can_manage_complaint))


@bp.post("/manage/complaints/<int:complaint_id>/assign")
@login_required
def assign_investigator_view(complaint_id: int):
    complaint = get_complaint_or_404(complaint_id, check=can_manage_complaint)
    form = AssignInvestigatorForm()
    back = url_for(".complaint", complaint_id=complaint.id)

    def assign():
        investigator = db.session.get(User, form.investigator.data)
        if investigator is None:
            raise DomainError(_("Choose an investigator."))
        assign_investigator(complaint, investigator, by=current_user)

    return run_posted_form(form, assign, back=back,
                           success=_("Investigator assigned."))


@bp.post("/manage/complaints/<int:complaint_id>/outcome")
@login_required
def resolve_complaint_view(complaint_id: int):
    complaint = get_complaint_or_404(complaint_id, check=can_resolve_complaint)
    form = ComplaintOutcomeForm()

    def again():
        return _complaint_page(complaint, outcome_form=form, status=422)

    if not form.validate_on_submit():
        return again()
    return run_operation(
        lambda: resolve_complaint(complaint, outcome=ComplaintOutcome(form.outcome.data),
                                  findings=form.findings.data, reason=form.reason.data,
                                  by=current_user),
        success=_("Outcome recorded; the complainant has been told."),
        redirect_to=url_for(".complaint", complaint_id=complaint.id), on_failure=again)
