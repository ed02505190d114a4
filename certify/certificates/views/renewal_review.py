"""A renewal request's review: the CPD figures it was made on, the log's entries in the rule's
window, and the reviewer's brief re-assessment of the track's must-pass criteria."""

from __future__ import annotations

from datetime import date

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from certify.certificates.blueprint import bp
from certify.certificates.cpd.categories import category_title
from certify.certificates.cpd.operations import entries_between
from certify.certificates.lookups import get_renewal_or_404
from certify.certificates.operations import must_pass_criteria, record_reassessment
from certify.certificates.permissions import can_reassess_renewal
from certify.core.i18n import localized
from certify.core.views import run_operation


def reassessment_form(criteria, findings):
    """A level and a comment per must-pass criterion, filled with what was recorded."""

    class ReassessmentForm(FlaskForm):
        pass

    for criterion in criteria:
        setattr(ReassessmentForm, f"level_{criterion.id}", SelectField(
            _l("Level"), choices=[SelectChoice("", "—")] + [
                SelectChoice(str(level.value),
                             f"{level.value} — {localized(level.descriptor)}"[:120])
                for level in criterion.levels],
            validators=[InputRequired()]))
        setattr(ReassessmentForm, f"comment_{criterion.id}", TextAreaField(
            _l("Comment"), validators=[DataRequired(), Length(max=3000)]))
    recorded = {f"level_{f.criterion_id}": str(f.level) for f in findings}
    recorded |= {f"comment_{f.criterion_id}": f.comment for f in findings}
    return ReassessmentForm(data=recorded)


@bp.route("/certificates/renewals/<int:request_id>/review", methods=["GET", "POST"])
@login_required
def review_renewal(request_id: int):
    renewal = get_renewal_or_404(request_id, check=can_reassess_renewal)
    criteria = must_pass_criteria(renewal)
    form = reassessment_form(criteria, renewal.findings)
    summary = renewal.cpd_summary or {}

    def page(status=200):
        starts, ends = (date.fromisoformat(summary["starts"]), date.fromisoformat(
            summary["ends"])) if summary else (None, None)
        entries = (entries_between(renewal.certificate.holder_id, starts, ends)
                   if summary else [])
        return render_template(
            "certificates/renewal_review.html", renewal=renewal, summary=summary,
            starts=starts, ends=ends, entries=entries, criteria=criteria, form=form,
            category_title=category_title), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    findings = {c.id: (int(form[f"level_{c.id}"].data), form[f"comment_{c.id}"].data)
                for c in criteria}
    return run_operation(
        lambda: record_reassessment(renewal, findings, by=current_user),
        success=_("Re-assessment recorded."), redirect_to=url_for(".renewals"),
        on_failure=lambda: page(422))
