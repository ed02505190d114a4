"""The holder's own certificate: its page with the links to share it, its privacy, and the
request to renew it."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.certificates.blueprint import bp
from certify.certificates.cpd.categories import category_title
from certify.certificates.cpd.operations import evaluation_for
from certify.certificates.forms import PrivacyForm, RenewalForm
from certify.certificates.issuer import issuer_name
from certify.certificates.lookups import certificates_of, own_certificate_or_404
from certify.certificates.models import Certificate
from certify.certificates.operations import (
    can_request_renewal,
    lapsed,
    request_renewal,
    set_privacy,
)
from certify.certificates.permissions import is_printable
from certify.certificates.reviewer_credentials import reviewer_credentials_of
from certify.core.urls import absolute_url
from certify.core.views import run_operation
from certify.users.views.profile import register_consent_context


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's "add certification" link, filled in (the pattern LinkedIn documents)."""
    awarded = certificate.awarded_at or certificate.issued_at
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.track_title,
        "organizationName": issuer_name("en"),
        "issueYear": awarded.year, "issueMonth": awarded.month,
        "expirationYear": certificate.valid_until.year,
        "expirationMonth": certificate.valid_until.month,
        "certUrl": absolute_url("certificates.verify", number=certificate.number),
        "certId": certificate.number,
    })


def _page(certificate: Certificate, renewal_form: RenewalForm) -> str:
    return render_template(
        "certificates/mine.html", certificate=certificate,
        share_url=absolute_url("certificates.verify", number=certificate.number),
        linkedin=linkedin_url(certificate),
        privacy_form=PrivacyForm(data={"is_private": certificate.is_private}),
        renewal_form=renewal_form, can_renew=can_request_renewal(certificate),
        printable=is_printable(certificate), lapsed=lapsed(certificate),
        evaluation=evaluation_for(certificate), category_title=category_title,
    )


@bp.get("/my/certificates/")
@login_required
def my_certificates():
    return render_template("certificates/my_list.html",
                           certificates=certificates_of(current_user),
                           reviewer_credentials=reviewer_credentials_of(current_user),
                           **register_consent_context(current_user))


@bp.get("/my/certificates/<number>")
@login_required
def mine(number: str):
    return _page(own_certificate_or_404(number), RenewalForm())


@bp.post("/my/certificates/<number>/privacy")
@login_required
def privacy(number: str):
    certificate = own_certificate_or_404(number)
    form = PrivacyForm()
    if not form.validate_on_submit():
        abort(400)
    return run_operation(lambda: set_privacy(certificate, form.is_private.data, by=current_user),
                         success=_("Saved."),
                         redirect_to=url_for(".mine", number=certificate.number))


@bp.post("/my/certificates/<number>/renew")
@login_required
def renew(number: str):
    certificate = own_certificate_or_404(number)
    form = RenewalForm()
    if not form.validate_on_submit():
        return _page(certificate, form), 422
    return run_operation(
        lambda: request_renewal(certificate, narrative=form.narrative.data, by=current_user),
        success=_("Your renewal request has been sent."),
        redirect_to=url_for(".mine", number=certificate.number),
        on_failure=lambda: (_page(certificate, form), 422))
