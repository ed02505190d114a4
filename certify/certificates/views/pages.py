"""Public verification, the signed credential and its status lists, and the administrators'
register of certificates with its actions."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from certify.certificates import credentials as vc
from certify.certificates.blueprint import bp
from certify.certificates.forms import CorrectNameForm, CredentialCheckForm, ReasonForm, VerifyForm
from certify.certificates.models import NUMBER_PATTERN, Certificate, SigningKey
from certify.certificates.operations import (
    CertificateActionError,
    correct_holder_name,
    reinstate_certificate,
    revoke_certificate,
    suspend_certificate,
)
from certify.certificates.permissions import (
    can_list_certificates,
    can_revoke,
    can_see_certificate_admin,
)
from certify.certificates.signing import (
    STATUS_PURPOSES,
    certificate_for,
    issuer_name,
    issuer_profile,
    status_list_credential,
    verify_document,
)
from certify.core import public_cache
from certify.core.extensions import autocommit_reads, csrf, db, limiter
from certify.core.i18n import current_language
from certify.core.public_cache import cached_for_visitors
from certify.core.views import flash_form_errors
from certify.users.models import Branch
from rubrics.models import Rubric, RubricVersion

JSON_LD = "application/ld+json"

# What the public answers show: a change to any of these drops every kept answer.
public_cache.watch(Certificate, SigningKey, Branch, Rubric, RubricVersion)


def _public_rate() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


# The public verification pages, documents and status lists share one budget per client
# address, as the API has its own: a scraper or a PDF flood gets 429, not the whole server.
public_limit = limiter.shared_limit(_public_rate, scope="public-verification")


def find_certificate(number: str, *options) -> Certificate | None:
    """The certificate of that number, loaded with ``options`` (by default: with its branch,
    rubric and renewal, which the pages show)."""
    number = number.strip().upper()
    if not re.match(NUMBER_PATTERN, number):
        return None
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.number == number)
        .options(*(options or WITH_NEIGHBOURS))
    )


WITH_NEIGHBOURS = (
    joinedload(Certificate.branch), joinedload(Certificate.renewed_by),
    joinedload(Certificate.rubric_version).joinedload(RubricVersion.rubric),
)
# The public page, in one statement: of the neighbours only the columns it shows (the renewal
# links are certificate numbers, not whole certificates with their signed credentials).
AS_VERIFIED = (
    joinedload(Certificate.branch).load_only(Branch.name),
    joinedload(Certificate.renewed_from).load_only(Certificate.number),
    joinedload(Certificate.renewed_by).load_only(Certificate.number),
    joinedload(Certificate.rubric_version).load_only(RubricVersion.number)
    .joinedload(RubricVersion.rubric).load_only(Rubric.title),
)


def _may_download(certificate: Certificate) -> bool:
    """A private certificate's documents are its holder's (and the administrators')."""
    if not certificate.is_private:
        return True
    return current_user.is_authenticated and (
        current_user.id == certificate.holder_id
        or can_see_certificate_admin(current_user, certificate))


def _json(document, status=200, mimetype=JSON_LD):
    response = jsonify(document)
    response.status_code = status
    response.mimetype = mimetype
    return response


# Public ---------------------------------------------------------------------------------------


@bp.get("/verify")
def verify_form():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for(".verify", number=form.number.data))
    return render_template("certificates/verify_form.html", form=form,
                           check_form=CredentialCheckForm())


@bp.post("/verify")
@public_limit
@csrf.exempt  # public and read-only: changes nothing, needs no session (like the API)
def verify_credential():
    """Check a credential pasted or uploaded by the visitor (nothing is stored)."""
    check_form = CredentialCheckForm()
    document, problem = None, None
    if check_form.validate_on_submit():
        upload = check_form.file.data
        data = upload.read() if upload else (check_form.credential.data or "").encode()
        if not data.strip():
            problem = _("Paste a credential or choose a file.")
        else:
            try:
                document = vc.parse(data)
            except vc.CredentialError:
                problem = _("This is not a credential: it is not a JSON object.")
    if document is None:
        if problem:
            flash(problem, "error")
        return render_template("certificates/verify_form.html", form=VerifyForm(),
                               check_form=check_form), 400
    result = verify_document(document)
    return render_template("certificates/credential_result.html", result=result,
                           document=document, certificate=certificate_for(document))


@bp.get("/verify/<number>")
@public_limit
def verify(number: str):
    # The page names its own address (the language switcher returns to it): only the
    # canonical one, without a query, is the same for every visitor.
    if number != number.strip().upper() or request.query_string:
        return _verification_page(number)
    return cached_for_visitors(f"verify:{number}:{current_language()}",
                               lambda: _verification_page(number))


def _verification_page(number: str):
    autocommit_reads()
    certificate = find_certificate(number, *AS_VERIFIED)
    if certificate is None:
        return make_response(render_template("certificates/not_found.html",
                                             number=number.strip().upper(), form=VerifyForm()),
                             404)
    result = (verify_document(certificate.credential, stored=certificate)
              if certificate.credential else None)
    return make_response(render_template(
        "certificates/verify.html",
        certificate=certificate,
        status=certificate.status,
        issuer_name=issuer_name(),
        result=result,
    ))


@bp.get("/certificates/<number>/credential.json")
@public_limit
def credential(number: str):
    number = number.strip().upper()
    return cached_for_visitors(f"credential:{number}", lambda: _credential(number))


def _credential(number: str):
    certificate = find_certificate(number)
    if certificate is None or certificate.credential is None or not _may_download(certificate):
        return _json({"error": "not_found", "message": "No such certificate."}, 404,
                     "application/json")
    response = _json(certificate.credential)
    response.headers["Content-Disposition"] = f'inline; filename="{certificate.number}.json"'
    return response


@bp.get("/issuer")
def issuer():
    return _json(issuer_profile())


@bp.get("/status/<list_name>")
@public_limit
def status_list(list_name: str):
    purpose, _, number = list_name.rpartition("-")
    if purpose not in STATUS_PURPOSES or number != "1":
        return _json({"error": "not_found", "message": "No such status list."}, 404,
                     "application/json")
    response = _json(status_list_credential(purpose))
    # Verifiers may cache briefly; a revocation shows within a minute.
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


# Administration -------------------------------------------------------------------------------


@bp.get("/certificates/")
@login_required
def register():
    if not can_list_certificates(current_user):
        abort(403)
    query = sa.select(Certificate).order_by(Certificate.issued_at.desc())
    if not current_user.is_admin:
        query = query.where(Certificate.branch_id.in_(current_user.coordinated_branch_ids))
    return render_template("certificates/register.html",
                           certificates=db.session.scalars(query).all())


def _administered(certificate_id: int) -> Certificate:
    certificate = db.get_or_404(Certificate, certificate_id)
    if not can_see_certificate_admin(current_user, certificate):
        abort(403)
    return certificate


@bp.get("/certificates/<int:certificate_id>")
@login_required
def manage(certificate_id: int):
    certificate = _administered(certificate_id)
    from certify.core.audit import AuditEvent

    history = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "Certificate",
                                    AuditEvent.object_id == certificate.id)
        .order_by(AuditEvent.created_at)
    ).all()
    name_form = CorrectNameForm(data={"full_name": certificate.holder_name,
                                      "full_name_native": certificate.holder_name_native})
    return render_template("certificates/manage.html", certificate=certificate,
                           reason_form=ReasonForm(), name_form=name_form, history=history,
                           can_act=can_revoke(current_user, certificate))


ACTIONS = {
    "revoke": revoke_certificate,
    "suspend": suspend_certificate,
    "reinstate": reinstate_certificate,
}


def _action_messages() -> dict[str, str]:
    return {
        "revoke": _("Certificate %(number)s revoked."),
        "suspend": _("Certificate %(number)s suspended."),
        "reinstate": _("Certificate %(number)s reinstated."),
        "refused": _("This action does not apply to the certificate in its present state."),
    }


@bp.post("/certificates/<int:certificate_id>/<any(revoke, suspend, reinstate):action>")
@login_required
def act(certificate_id: int, action: str):
    certificate = _administered(certificate_id)
    if not can_revoke(current_user, certificate):
        abort(403)
    form = ReasonForm()
    messages = _action_messages()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".manage", certificate_id=certificate.id))
    operation = ACTIONS[action]
    try:
        operation(certificate, reason=form.reason.data, by=current_user)
    except CertificateActionError:
        db.session.rollback()
        flash(messages["refused"], "error")
        return redirect(url_for(".manage", certificate_id=certificate.id))
    db.session.commit()
    flash(messages[action] % {"number": certificate.number}, "success")
    return redirect(url_for(".manage", certificate_id=certificate.id))


@bp.post("/certificates/<int:certificate_id>/correct-name")
@login_required
def correct_name(certificate_id: int):
    certificate = _administered(certificate_id)
    if not can_revoke(current_user, certificate):
        abort(403)
    form = CorrectNameForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".manage", certificate_id=certificate.id))
    try:
        correct_holder_name(certificate, full_name=form.full_name.data,
                            full_name_native=form.full_name_native.data,
                            reason=form.reason.data, by=current_user)
    except CertificateActionError:
        db.session.rollback()
        flash(_action_messages()["refused"], "error")
        return redirect(url_for(".manage", certificate_id=certificate.id))
    db.session.commit()
    flash(_("The holder's name was corrected and the credential re-issued."), "success")
    return redirect(url_for(".manage", certificate_id=certificate.id))


@bp.route("/verify/bulk", methods=["GET", "POST"])
@public_limit
@csrf.exempt  # public and read-only: changes nothing, needs no session (like the API)
def verify_bulk():
    """A company uploads a CSV of numbers and gets one result per number (page or CSV)."""
    import csv
    import io

    from certify.certificates.forms import BulkVerifyForm
    from certify.certificates.views.api import BULK_LIMIT, bulk_results, numbers_from_csv

    form = BulkVerifyForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("certificates/verify_bulk.html", form=form, results=None), status
    text = form.file.data.read().decode("utf-8-sig", errors="replace")
    numbers = numbers_from_csv(text)
    if not numbers or len(numbers) > BULK_LIMIT:
        flash(_("Upload between 1 and %(count)d certificate numbers, one per row.",
                count=BULK_LIMIT), "error")
        return render_template("certificates/verify_bulk.html", form=form, results=None), 400
    results = bulk_results(numbers)
    if form.download.data:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["number", "found", "status", "holder_name", "track", "valid_until",
                         "verify_url"])
        for item in results:
            writer.writerow([item["number"], item["found"], item["status"] or "",
                             item.get("holder_name", ""), item.get("track", ""),
                             item.get("valid_until", ""), item.get("verify_url", "")])
        from certify.core.tabular import FORMULA_PREFIXES

        body = "\n".join(
            ",".join("'" + cell if cell.startswith(FORMULA_PREFIXES) else cell
                     for cell in line.split(","))
            for line in out.getvalue().splitlines()) + "\n"
        return Response(body.encode(), mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="certificate-check.csv"'})
    return render_template("certificates/verify_bulk.html", form=form, results=results)


def certificate_document(certificate: Certificate, language: str):
    """What the PDF shows, in one language (labels translated here, rendering is pure)."""
    from flask_babel import force_locale

    from certify.certificates.pdf import CertificateDocument
    from certify.certificates.signing import base_url
    from certify.core.i18n import localized

    with force_locale(language):
        labels = {
            "certificate": _("Certificate"),
            "awarded_to": _("is awarded to"),
            "number": _("Certificate number"),
            "issued": _("Issued on"),
            "valid_until": _("Valid until"),
            "valid_from": _("Valid from"),
            "verify": _("Scan or visit to verify"),
            "status_note": _("Valid only as shown on the verification page."),
        }
    return CertificateDocument(
        language=language,
        number=certificate.number,
        holder_name=certificate.holder_name,
        holder_name_native=certificate.holder_name_native,
        title=localized(current_app.config["AWARD_TITLES"][certificate.track], language),
        band=None,
        issuer_name=issuer_name(language),
        branch_name=localized(certificate.branch.name, language),
        issued_on=(certificate.awarded_at or certificate.issued_at).date(),
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        verify_url=f"{base_url()}/verify/{certificate.number}",
        labels=labels,
    )


@bp.get("/certificates/<number>.pdf")
@public_limit
def pdf(number: str):
    """The printable certificate, in the holder's language (or ?lang=), with a QR code to its
    verification page."""
    number = number.strip().upper()
    language = request.args.get("lang")
    if language not in current_app.config["LANGUAGES"]:  # the holder's: see _pdf
        return _pdf(number, language)
    return cached_for_visitors(f"pdf:{number}:{language}", lambda: _pdf(number, language))


def _pdf(number: str, language: str | None):
    from certify.certificates.pdf import render_pdf

    certificate = find_certificate(number)
    if certificate is None or not _may_download(certificate):
        abort(404)
    language = language or certificate.holder.preferred_language
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    return Response(render_pdf(certificate_document(certificate, language)),
                    mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{certificate.number}.pdf"'})


# The holder's own page and renewals ------------------------------------------------------------


def _own(number: str) -> Certificate:
    certificate = find_certificate(number)
    if certificate is None or certificate.holder_id != current_user.id:
        abort(404)  # someone else's certificate: not even its existence is confirmed here
    return certificate


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's "add certification" link, filled in (the pattern LinkedIn documents)."""
    from urllib.parse import urlencode

    from certify.certificates.signing import base_url

    awarded = certificate.awarded_at or certificate.issued_at
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.track_title,
        "organizationName": issuer_name("en"),
        "issueYear": awarded.year, "issueMonth": awarded.month,
        "expirationYear": certificate.valid_until.year,
        "expirationMonth": certificate.valid_until.month,
        "certUrl": f"{base_url()}/verify/{certificate.number}",
        "certId": certificate.number,
    })


@bp.get("/my/certificates/<number>")
@login_required
def mine(number: str):
    from certify.certificates.forms import PrivacyForm, RenewalForm
    from certify.certificates.operations import can_request_renewal
    from certify.certificates.signing import base_url

    certificate = _own(number)
    return render_template(
        "certificates/mine.html", certificate=certificate,
        share_url=f"{base_url()}/verify/{certificate.number}",
        linkedin=linkedin_url(certificate),
        privacy_form=PrivacyForm(data={"is_private": certificate.is_private}),
        renewal_form=RenewalForm(), can_renew=can_request_renewal(certificate),
    )


@bp.post("/my/certificates/<number>/privacy")
@login_required
def privacy(number: str):
    from certify.certificates.forms import PrivacyForm
    from certify.core import audit

    certificate = _own(number)
    form = PrivacyForm()
    if not form.validate_on_submit():
        abort(400)
    certificate.is_private = form.is_private.data
    audit.record("certificate.privacy", certificate, actor=current_user,
                 private=certificate.is_private)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".mine", number=certificate.number))


@bp.post("/my/certificates/<number>/renew")
@login_required
def renew(number: str):
    from certify.certificates.forms import PrivacyForm, RenewalForm
    from certify.certificates.operations import can_request_renewal, request_renewal
    from certify.certificates.signing import base_url

    certificate = _own(number)
    form = RenewalForm()
    if form.validate_on_submit():
        try:
            request_renewal(certificate, cpd_hours=form.cpd_hours.data,
                            narrative=form.narrative.data, evidence_url=form.evidence_url.data,
                            by=current_user)
        except CertificateActionError:
            db.session.rollback()
            flash(_("This certificate cannot be renewed now."), "error")
        else:
            db.session.commit()
            flash(_("Your renewal request has been sent."), "success")
            return redirect(url_for(".mine", number=certificate.number))
    return render_template(
        "certificates/mine.html", certificate=certificate,
        share_url=f"{base_url()}/verify/{certificate.number}",
        linkedin=linkedin_url(certificate),
        privacy_form=PrivacyForm(data={"is_private": certificate.is_private}),
        renewal_form=form, can_renew=can_request_renewal(certificate),
    ), 422


@bp.get("/certificates/renewals")
@login_required
def renewals():
    from certify.certificates.forms import RenewalDecisionForm
    from certify.certificates.models import RenewalRequest

    if not can_list_certificates(current_user):
        abort(403)
    query = (sa.select(RenewalRequest).join(Certificate, Certificate.id ==
                                            RenewalRequest.certificate_id)
             .order_by(RenewalRequest.state.desc(), RenewalRequest.created_at))
    if not current_user.is_admin:
        query = query.where(Certificate.branch_id.in_(current_user.coordinated_branch_ids))
    return render_template("certificates/renewals.html",
                           requests=db.session.scalars(query).all(),
                           form=RenewalDecisionForm())


@bp.post("/certificates/renewals/<int:request_id>")
@login_required
def decide_renewal(request_id: int):
    from certify.certificates.forms import RenewalDecisionForm
    from certify.certificates.models import RenewalRequest
    from certify.certificates.operations import approve_renewal, refuse_renewal

    renewal = db.get_or_404(RenewalRequest, request_id)
    if not can_revoke(current_user, renewal.certificate):
        abort(403)
    form = RenewalDecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".renewals"))
    try:
        if form.decision.data == "approve":
            renewed = approve_renewal(renewal, reason=form.reason.data, by=current_user)
            message = _("Renewed: certificate %(number)s issued.", number=renewed.number)
        else:
            refuse_renewal(renewal, reason=form.reason.data, by=current_user)
            message = _("Renewal refused.")
    except CertificateActionError:
        db.session.rollback()
        flash(_action_messages()["refused"], "error")
        return redirect(url_for(".renewals"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".renewals"))
