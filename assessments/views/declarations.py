"""Staff and reviewers sign a competition's confidentiality and impartiality declaration before
their first access to its files (ISO/IEC 17024 §4.3, §6.1–6.2); administrators see who signed
what and when."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from assessments.blueprint import bp
from assessments.declarations import declarable_applications, declaration_text
from assessments.forms import DeclarationForm
from assessments.models import Application, Competition
from assessments.operations import sign_declaration
from assessments.permissions import (
    can_sign_declaration,
    can_view_declarations,
    has_signed_declaration,
)
from assessments.queries import declarations_for
from assessments.readable_exports import readable_declarations
from assessments.views.loaders import get_competition_or_404, visible_competition_or_404
from certify.core.safety import safe_next_url
from certify.core.tabular import csv_response, rows_to_csv
from certify.core.views import run_operation


def _conflict_label(application: Application) -> str:
    """In a blind competition the number alone: the name is not shown before signing."""
    if application.competition.blind_review:
        return _("Application #%(id)d", id=application.id)
    return _("Application #%(id)d: %(name)s (%(affiliation)s)", id=application.id,
             name=application.candidate.full_name,
             affiliation=application.candidate.affiliation or "—")


def _after_signing(competition: Competition, form: DeclarationForm) -> str:
    return safe_next_url(form.next.data) or url_for(".competition",
                                                    competition_id=competition.id)


@bp.route("/competitions/<int:competition_id>/declaration", methods=["GET", "POST"])
@login_required
def declaration(competition_id: int):
    competition = visible_competition_or_404(competition_id)
    if not can_sign_declaration(current_user, competition):
        abort(403)
    text = declaration_text(competition)
    if has_signed_declaration(current_user, competition):
        if request.method == "POST":  # signed in another tab: nothing more to sign
            return redirect(url_for(".declaration", competition_id=competition.id))
        return render_template("assessments/declaration.html", competition=competition,
                               text=text, form=None, signed=True)
    candidates = declarable_applications(current_user, competition)
    form = DeclarationForm(signer_name=current_user.full_name)
    form.conflicts.choices = [SelectChoice(a.id, _conflict_label(a)) for a in candidates]
    if not form.is_submitted():
        form.next.data = safe_next_url(request.args.get("next")) or ""

    def again():
        return render_template("assessments/declaration.html", competition=competition,
                               text=text, form=form, signed=False), 422

    if form.validate_on_submit():
        chosen = [a for a in candidates if a.id in set(form.conflicts.data or ())]
        return run_operation(
            lambda: sign_declaration(
                competition, text, shown_sha256=form.text_sha256.data or "",
                agreed=form.agree.data, signed_name=form.full_name.data or "",
                interests=form.interests.data or "", conflicts=chosen, by=current_user),
            success=_("Declaration signed. Thank you."),
            redirect_to=_after_signing(competition, form), on_failure=again)
    if form.is_submitted():
        return again()
    form.text_sha256.data = text.sha256
    return render_template("assessments/declaration.html", competition=competition, text=text,
                           form=form, signed=False)


@bp.get("/manage/competitions/<int:competition_id>/declarations.csv")
@login_required
def declarations_csv(competition_id: int):
    competition = get_competition_or_404(competition_id)
    if not can_view_declarations(current_user):
        abort(403)
    header, rows = readable_declarations(declarations_for(competition))
    return csv_response(rows_to_csv(header, rows),
                        f"competition-{competition.id}-declarations.csv")
