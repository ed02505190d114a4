"""Public verification by number, and the administrators' register of certificates."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.certificates import bp
from certify.certificates.forms import RevokeForm, VerifyForm
from certify.certificates.models import NUMBER_PATTERN, Certificate
from certify.certificates.operations import revoke_certificate
from certify.certificates.permissions import (
    can_list_certificates,
    can_revoke,
    can_see_certificate_admin,
)
from certify.extensions import db


def _find(number: str) -> Certificate | None:
    if not re.match(NUMBER_PATTERN, number):
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.number == number))


@bp.get("/verify")
def verify_form():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for(".verify", number=form.number.data))
    return render_template("certificates/verify_form.html", form=form)


@bp.get("/verify/<number>")
def verify(number: str):
    number = number.strip().upper()
    certificate = _find(number)
    if certificate is None:
        return render_template("certificates/not_found.html", number=number,
                               form=VerifyForm()), 404
    return render_template(
        "certificates/verify.html",
        certificate=certificate,
        status=certificate.status,
        issuer_name=current_app.config["ISSUER_NAME"],
    )


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


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if not can_see_certificate_admin(current_user, certificate) or not can_revoke(
        current_user, certificate
    ):
        abort(403)
    form = RevokeForm()
    if certificate.revoked_at is not None:
        flash(_("This certificate is already revoked."), "error")
        return redirect(url_for(".register"))
    if form.validate_on_submit():
        revoke_certificate(certificate, reason=form.reason.data.strip(), by=current_user)
        db.session.commit()
        flash(_("Certificate %(number)s revoked.", number=certificate.number), "success")
        return redirect(url_for(".register"))
    return render_template("certificates/revoke.html", certificate=certificate, form=form)
