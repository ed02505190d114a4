"""The administrators' side of the CPD audit: the sampled holders of a year, and one audit's
page with the holder's log and the outcome form (refused to staff involved with the holder)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.certificates.blueprint import bp
from certify.certificates.cpd import operations
from certify.certificates.cpd.audits import involved, record_outcome
from certify.certificates.cpd.categories import category_title
from certify.certificates.cpd.forms import AuditOutcomeForm
from certify.certificates.cpd.models import AuditOutcome, CpdAudit, CpdAuditDraw
from certify.certificates.permissions import can_revoke
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.listing import integer
from certify.core.views import run_operation


def _administrator_only() -> None:
    if not can_revoke(current_user, None):
        abort(403)


@bp.get("/certificates/cpd-audits")
@login_required
def cpd_audits():
    _administrator_only()
    years = list(db.session.scalars(sa.select(CpdAuditDraw.year)
                                    .order_by(CpdAuditDraw.year.desc())))
    year = integer(request.args.get("year", "")) or (years[0] if years else utcnow().year)
    draw = db.session.scalar(sa.select(CpdAuditDraw).where(CpdAuditDraw.year == year))
    return render_template("certificates/cpd_audits.html", draw=draw, years=years, year=year)


@bp.route("/certificates/cpd-audits/<int:audit_id>", methods=["GET", "POST"])
@login_required
def cpd_audit(audit_id: int):
    _administrator_only()
    item = db.get_or_404(CpdAudit, audit_id)
    form = AuditOutcomeForm(data={"outcome": item.outcome and item.outcome.value,
                                  "deadline": item.deadline, "comment": item.comment})

    def page(status=200):
        progress = [(c, operations.evaluation_for(c))
                    for c in operations.holder_certificates(item.holder)]
        today = utcnow().date()
        starts = min((evaluation.starts for _c, evaluation in progress), default=today)
        return render_template(
            "certificates/cpd_audit.html", item=item, form=form,
            involved=involved(current_user.id, item.holder_id), progress=progress,
            entries=operations.entries_between(item.holder_id, starts, today),
            category_title=category_title), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    return run_operation(
        lambda: record_outcome(item, outcome=AuditOutcome(form.outcome.data),
                               deadline=form.deadline.data, comment=form.comment.data,
                               by=current_user),
        success=_("Audit outcome recorded."),
        redirect_to=url_for(".cpd_audits", year=item.draw.year), on_failure=lambda: page(422))
