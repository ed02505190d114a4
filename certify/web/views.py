"""The home page, the language switcher and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from assessments.attention import attention_for
from assessments.models import Application, Review
from assessments.queries import declarations_of, open_competitions
from certify.certificates.issuer import issuer_id, issuer_name
from certify.certificates.models import Certificate
from certify.certificates.views.public import public_limit
from certify.core.checkpoints import PAYLOAD_TYPE, checkpoints
from certify.core.extensions import csrf, db
from certify.core.forms import LanguageForm
from certify.core.safety import safe_next_url
from certify.core.views import attempt
from certify.users.operations import set_preferred_language
from certify.web.blueprint import bp

CHECKPOINTS_PUBLISHED = 1000


@bp.get("/")
def index():
    return render_template("main/index.html", competitions=open_competitions())


@bp.post("/language/<lang>")
@csrf.exempt  # the form checks a logged-in person's token itself (LanguageForm)
def set_language(lang: str):
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    form = LanguageForm.for_current_user()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated and current_user.preferred_language != lang:
        attempt(lambda: set_preferred_language(current_user, lang))
    return redirect(safe_next_url(form.next.data) or url_for("main.index"))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")


@bp.get("/audit/checkpoints.json")
@public_limit
def audit_checkpoints():
    """The signed heads of the audit chain, newest first: anyone may keep copies, so a rewrite
    of the log behind the application can be shown later."""
    return jsonify(
        issuer=issuer_id(), type=PAYLOAD_TYPE,
        signed=("Ed25519 over the JCS (RFC 8785) form of {type, created_at, event_id, "
                "head_hash}; signature in base64, key as a Multikey in the issuer's DID "
                "document (/.well-known/did.json)"),
        checkpoints=[{"id": item.id, "created_at": item.created_at.isoformat(),
                      "event_id": item.event_id, "head_hash": item.head_hash,
                      "key": item.key, "signature": item.signature}
                     for item in checkpoints(limit=CHECKPOINTS_PUBLISHED)])


@bp.app_context_processor
def inject_language_form():
    # The Centre's name comes from the configuration (ISSUER_NAME), never retyped in templates.
    return {"language_form": LanguageForm.for_current_user(read_request=False),
            "request_path": request.full_path.rstrip("?"), "centre_name": issuer_name}


@bp.get("/dashboard")
@login_required
def dashboard():
    user = current_user
    applications = db.session.scalars(
        sa.select(Application).where(Application.candidate_id == user.id)
        .order_by(Application.created_at.desc())
    ).all()
    # The reviews themselves are on the review queue; here only their number.
    reviews = db.session.scalar(
        sa.select(sa.func.count(Review.id)).where(Review.reviewer_id == user.id)) or 0
    certificates = db.session.scalars(
        sa.select(Certificate).where(Certificate.holder_id == user.id)
        .order_by(Certificate.issued_at.desc())
    ).all()
    return render_template("main/dashboard.html", attention=attention_for(user),
                           applications=applications, reviews=reviews,
                           certificates=certificates, declarations=declarations_of(user))
