"""What anyone may see: verification by number, by credential and in bulk, the documents of a
certificate (PDF, signed credential), the issuer profile and the status lists."""

from __future__ import annotations

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
from flask_login import current_user

from certify.certificates import credentials as vc
from certify.certificates.badges import badge_svg
from certify.certificates.blueprint import bp
from certify.certificates.bulk import (
    bulk_results,
    certificate_summary,
    csv_text,
    numbers_from_csv,
    results_csv,
    verify_limits,
)
from certify.certificates.bulk_jobs import check_by_token, start_check
from certify.certificates.facts import stated_facts
from certify.certificates.forms import BulkVerifyForm, CredentialCheckForm, VerifyForm
from certify.certificates.issuer import did_document, issuer_name, issuer_profile
from certify.certificates.lookups import AS_VERIFIED, find_certificate
from certify.certificates.models import (
    Certificate,
    ReviewerCredential,
    SigningKey,
    SupersededCredential,
)
from certify.certificates.numbering import normalise
from certify.certificates.pdf import render_pdf
from certify.certificates.permissions import is_printable, may_download
from certify.certificates.printable import certificate_document
from certify.certificates.signing import achievement_document
from certify.certificates.status import certificate_status
from certify.certificates.status_lists import STATUS_PURPOSES, status_list_credential
from certify.certificates.verification import certificate_for, verify_document
from certify.core import public_cache
from certify.core.extensions import autocommit_reads, csrf, db, limiter
from certify.core.i18n import current_language
from certify.core.job_pages import job_page, job_result
from certify.core.public_cache import cached, cached_for_visitors
from certify.core.tabular import csv_response
from certify.users.models import Branch
from rubrics.models import Rubric, RubricVersion

JSON_LD = "application/ld+json"

# What the public answers show: a change to any of these drops every kept answer (a superseded
# credential's place is set on the revocation list, and so is a revoked reviewer's credential's).
public_cache.watch(Certificate, SigningKey, Branch, Rubric, RubricVersion, SupersededCredential,
                   ReviewerCredential)


def _public_rate() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


# The public verification pages, documents and status lists share one budget per client
# address, as the API has its own: a scraper or a PDF flood gets 429, not the whole server.
public_limit = limiter.shared_limit(_public_rate, scope="public-verification")


def _json(document, status=200, mimetype=JSON_LD):
    response = jsonify(document)
    response.status_code = status
    response.mimetype = mimetype
    return response


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
            except vc.CredentialTooDeep:
                problem = _("This is not a credential: its JSON is nested far too deeply.")
            except vc.CredentialError:
                problem = _("This is not a credential: it is not a JSON object.")
    if document is None:
        if problem:
            flash(problem, "error")
        return render_template("certificates/verify_form.html", form=VerifyForm(),
                               check_form=check_form), 400
    return render_template("certificates/credential_result.html",
                           result=verify_document(document), document=document,
                           facts=stated_facts(document),
                           certificate=certificate_for(document))


@bp.get("/verify/<number>")
@public_limit
def verify(number: str):
    # The page names its own address (the language switcher returns to it): only the
    # canonical one, without a query, is the same for every visitor.
    if number != normalise(number) or request.query_string:
        return _verification_page(number)
    return cached_for_visitors(f"verify:{number}:{current_language()}",
                               lambda: _verification_page(number))


def _verification_page(number: str):
    autocommit_reads()
    certificate = find_certificate(number, *AS_VERIFIED)
    if certificate is None:
        return make_response(render_template("certificates/not_found.html",
                                             number=normalise(number), form=VerifyForm()),
                             404)
    result = (verify_document(certificate.credential, stored=certificate)
              if certificate.credential else None)
    return make_response(render_template(
        "certificates/verify.html",
        certificate=certificate,
        status=certificate_status(certificate),
        issuer_name=issuer_name(),
        result=result,
        printable=is_printable(certificate),
    ))


@bp.get("/certificates/<number>/credential.json")
@public_limit
def credential(number: str):
    number = normalise(number)
    return cached_for_visitors(f"credential:{number}", lambda: _credential(number))


def _credential(number: str):
    certificate = find_certificate(number)
    if (certificate is None or certificate.credential is None
            or not may_download(current_user, certificate)):
        return _json({"error": "not_found", "message": "No such certificate."}, 404,
                     "application/json")
    response = _json(certificate.credential)
    response.headers["Content-Disposition"] = f'inline; filename="{certificate.number}.json"'
    return response


@bp.get("/issuer")
@public_limit
def issuer():
    return _json(issuer_profile())


@bp.get("/.well-known/did.json")
@bp.get("/did.json")  # where did:web looks when the site lives under a path
@public_limit
def did():
    """The issuer's DID document: did:web resolution of the issuer id reads it here."""
    return _json(did_document(), mimetype="application/did+ld+json")


@bp.get("/achievements/<rubric_code>/<int:version_number>", defaults={"lang": "en"})
@bp.get("/achievements/<rubric_code>/<int:version_number>/<lang>")
@public_limit
def achievement(rubric_code: str, version_number: int, lang: str):
    """An achievement at its id (in English) and at its related ids (one per language). Only
    versions that were published: a draft is no one's achievement."""
    version = db.session.scalar(
        sa.select(RubricVersion).join(Rubric).where(
            Rubric.code == rubric_code, RubricVersion.number == version_number,
            RubricVersion.published_at.is_not(None)))
    if version is None or lang not in current_app.config["LANGUAGES"]:
        return _json({"error": "not_found", "message": "No such achievement."}, 404,
                     "application/json")
    return _json(achievement_document(version, lang))


@bp.get("/badges/<track>/<band>.svg")
@public_limit
def badge(track: str, band: str):
    """The achievement's badge image of a track and award band (``none``: no band)."""
    svg = badge_svg(track, band)
    if svg is None:
        abort(404)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/status/<list_name>")
@public_limit
def status_list(list_name: str):
    purpose, _, number = list_name.rpartition("-")
    if purpose not in STATUS_PURPOSES or number != "1":
        return _json({"error": "not_found", "message": "No such status list."}, 404,
                     "application/json")
    # Signed once and kept until a certificate's status, a superseded credential or the
    # signing key changes (the public cache's generation), not re-signed per request.
    response = cached(f"status-list:{purpose}", lambda: _json(status_list_credential(purpose)))
    # Verifiers may cache briefly; a revocation shows within a minute.
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.route("/verify/bulk", methods=["GET", "POST"])
@public_limit
@csrf.exempt  # public and read-only: changes nothing, needs no session (like the API)
def verify_bulk():
    """A company uploads a CSV of numbers and gets one result per number (page or CSV); a
    list longer than VERIFY_JOB_ROWS is checked in the background, and the answer is a page
    with the progress and, once done, the CSV of results (its address is the only key)."""
    form = BulkVerifyForm()
    direct, most = verify_limits()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return _bulk_page(form, status)
    text = csv_text(form.file.data.read())
    if text is None:
        flash(_("This file is not a CSV file: save the list of numbers as CSV (plain text) "
                "and upload it again."), "error")
        return _bulk_page(form, 400)
    numbers = numbers_from_csv(text)
    if not numbers or len(numbers) > most:
        flash(_("Upload between 1 and %(count)d certificate numbers, one per row.",
                count=most), "error")
        return _bulk_page(form, 400)
    if len(numbers) > direct:
        owner = current_user.id if current_user.is_authenticated else None
        _job, token = start_check(numbers, owner_id=owner, language=current_language())
        return redirect(url_for(".verify_bulk_job", token=token), 303)
    results = bulk_results(numbers, certificate_summary)
    if form.download.data:
        return csv_response(results_csv(results, for_people=True), "certificate-check.csv")
    return _bulk_page(form, 200, results=results)


def _bulk_page(form: BulkVerifyForm, status: int, results: list[dict] | None = None):
    direct, most = verify_limits()
    return render_template("certificates/verify_bulk.html", form=form, results=results,
                           direct=direct, most=most), status


def _check_or_404(token: str):
    job = check_by_token(token)
    if job is None:
        abort(404)
    return job


@bp.get("/verify/bulk/jobs/<token>")
@public_limit
def verify_bulk_job(token: str):
    """A long check's progress, then its CSV of results: for whoever holds the link."""
    return job_page(_check_or_404(token), "certificates/verify_bulk_job.html",
                    download_url=url_for(".verify_bulk_results", token=token))


@bp.get("/verify/bulk/jobs/<token>/results.csv")
@public_limit
def verify_bulk_results(token: str):
    return job_result(_check_or_404(token))


@bp.get("/certificates/<number>.pdf")
@public_limit
def pdf(number: str):
    """The printable certificate, in the holder's language (or ?lang=), with a QR code to its
    verification page."""
    number = normalise(number)
    language = request.args.get("lang")
    if language not in current_app.config["LANGUAGES"]:  # the holder's: see _pdf
        return _pdf(number, language)
    return cached_for_visitors(f"pdf:{number}:{language}", lambda: _pdf(number, language))


def _pdf(number: str, language: str | None):
    certificate = find_certificate(number)
    if certificate is None or not may_download(current_user, certificate):
        abort(404)
    if not is_printable(certificate):
        abort(410)  # revoked or suspended: its verification page says so
    language = language or certificate.holder.preferred_language
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    return Response(render_pdf(certificate_document(certificate, language)),
                    mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{certificate.number}.pdf"'})
