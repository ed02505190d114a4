"""The administrators' and coordinators' side: the register of certificates, one certificate's
record and actions (revoke, suspend, reinstate, correct the name), and the renewal requests."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.certificates.blueprint import bp
from certify.certificates.cpd.categories import category_title
from certify.certificates.forms import CorrectNameForm, RenewalDecisionForm, StatusChangeForm
from certify.certificates.lists import register_page, renewals_page
from certify.certificates.lookups import (
    HISTORY_TITLES,
    get_certificate_or_404,
    get_renewal_or_404,
    history_of,
)
from certify.certificates.models import RenewalState
from certify.certificates.operations import (
    approve_renewal,
    correct_holder_name,
    refuse_renewal,
    reinstate_certificate,
    revoke_certificate,
    suspend_certificate,
)
from certify.certificates.permissions import (
    can_decide_renewal,
    can_list_certificates,
    can_revoke,
    can_see_certificate_admin,
)
from certify.certificates.status import CertificateStatus
from certify.core.listing import FilterControl
from certify.core.views import attempt, flash_form_errors, run_operation
from certify.users.operations import active_branches
from rubrics.models import Track


@bp.get("/certificates/")
@login_required
def register():
    if not can_list_certificates(current_user):
        abort(403)
    return render_template("certificates/register.html", certificates=register_page(current_user),
                           controls=register_filters(current_user))


def register_filters(user) -> list[FilterControl]:
    """The register's selects (the branch first), offering a coordinator only their own
    branches."""
    branches = [b for b in active_branches() if user.is_admin
                or b.id in user.coordinated_branch_ids]
    return [FilterControl("branch", _("Branch"), [(b.id, b.code) for b in branches]),
            FilterControl("track", _("Track"), [(t.value, t.title) for t in Track]),
            FilterControl("status", _("Status"), [(s.value, s.title) for s in CertificateStatus])]


@bp.get("/certificates/<int:certificate_id>")
@login_required
def manage(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id, check=can_see_certificate_admin)
    return _manage_page(certificate)


def _manage_page(certificate, *, reason_form=None, name_form=None, status: int = 200):
    """The certificate's record; a refused form is shown again with what was typed and its
    problems (422), since a reason takes time to write."""
    name_form = name_form or CorrectNameForm(data={
        "full_name": certificate.holder_name, "full_name_native": certificate.holder_name_native})
    return render_template("certificates/manage.html", certificate=certificate,
                           reason_form=reason_form or StatusChangeForm(), name_form=name_form,
                           history=history_of(certificate), history_titles=HISTORY_TITLES,
                           can_act=can_revoke(current_user, certificate)), status


def _run_form(certificate, form, operation, *, success: str, **forms):
    if not form.validate_on_submit():
        return _manage_page(certificate, status=422, **forms)
    return run_operation(operation, success=success,
                         redirect_to=url_for(".manage", certificate_id=certificate.id),
                         on_failure=lambda: _manage_page(certificate, status=422, **forms))


ACTIONS = {
    "revoke": revoke_certificate,
    "suspend": suspend_certificate,
    "reinstate": reinstate_certificate,
}


def _done(action: str, number: str) -> str:
    return {
        "revoke": _("Certificate %(number)s revoked.", number=number),
        "suspend": _("Certificate %(number)s suspended.", number=number),
        "reinstate": _("Certificate %(number)s reinstated.", number=number),
    }[action]


@bp.post("/certificates/<int:certificate_id>/<any(revoke, suspend, reinstate):action>")
@login_required
def act(certificate_id: int, action: str):
    certificate = get_certificate_or_404(certificate_id, check=can_revoke)
    form = StatusChangeForm()
    return _run_form(
        certificate, form,
        lambda: ACTIONS[action](certificate, reason=form.reason.data, by=current_user),
        success=_done(action, certificate.number), reason_form=form)


@bp.post("/certificates/<int:certificate_id>/correct-name")
@login_required
def correct_name(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id, check=can_revoke)
    form = CorrectNameForm()
    return _run_form(
        certificate, form,
        lambda: correct_holder_name(certificate, full_name=form.full_name.data,
                                    full_name_native=form.full_name_native.data,
                                    reason=form.reason.data, by=current_user),
        success=_("The holder's name was corrected and the credential re-issued."),
        name_form=form)


@bp.get("/certificates/renewals")
@login_required
def renewals():
    if not can_list_certificates(current_user):
        abort(403)
    return render_template("certificates/renewals.html", requests=renewals_page(current_user),
                           form=RenewalDecisionForm(), category_title=category_title,
                           controls=[
                               FilterControl("state", _("State"),
                                             [(s.value, s.title) for s in RenewalState]),
                               register_filters(current_user)[0]])


@bp.post("/certificates/renewals/<int:request_id>")
@login_required
def decide_renewal(request_id: int):
    renewal = get_renewal_or_404(request_id, check=can_decide_renewal)
    form = RenewalDecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".renewals"))
    if form.decision.data == "approve":
        done, renewed = attempt(lambda: approve_renewal(renewal, reason=form.reason.data,
                                                        by=current_user))
        if done:
            flash(_("Renewed: certificate %(number)s issued.", number=renewed.number),
                  "success")
        return redirect(url_for(".renewals"))
    return run_operation(lambda: refuse_renewal(renewal, reason=form.reason.data,
                                                by=current_user),
                         success=_("Renewal refused."), redirect_to=url_for(".renewals"))
