"""A reviewer's credential in public (issue 19): its verification page and its signed JSON,
at the credential's uuid, checked against our keys and status lists like a certificate."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, jsonify, render_template

from certify.certificates.blueprint import bp
from certify.certificates.issuer import issuer_name
from certify.certificates.models import ReviewerCredential
from certify.certificates.verification import verify_document
from certify.certificates.views.public import JSON_LD, public_limit
from certify.core.extensions import db

UUID_LENGTH = 36


def _record_or_404(public_id: str) -> ReviewerCredential:
    record = None
    if len(public_id) == UUID_LENGTH:
        record = db.session.scalar(sa.select(ReviewerCredential).where(
            ReviewerCredential.public_id == public_id.lower()))
    if record is None or record.credential is None:
        abort(404)
    return record


@bp.get("/verify/reviewers/<public_id>")
@public_limit
def reviewer_credential_page(public_id: str):
    record = _record_or_404(public_id)
    return render_template("certificates/reviewer_credential.html", record=record,
                           status=record.status, issuer_name=issuer_name(),
                           result=verify_document(record.credential))


@bp.get("/verify/reviewers/<public_id>/credential.json")
@public_limit
def reviewer_credential_json(public_id: str):
    record = _record_or_404(public_id)
    response = jsonify(record.credential)
    response.mimetype = JSON_LD
    response.headers["Content-Disposition"] = (
        f'attachment; filename="reviewer-credential-{record.public_id}.json"')
    return response
