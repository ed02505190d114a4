"""The public pages of competitions, and a candidate starting an application."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments.blueprint import bp
from assessments.operations import start_application
from assessments.permissions import (
    can_apply,
    can_sign_declaration,
    can_view_declarations,
    has_signed_declaration,
    is_candidate,
)
from assessments.queries import declarations_for, open_competitions
from assessments.states import ApplicationState
from assessments.views.loaders import (
    get_competition_or_404,
    visible_competition_or_404,
)
from certify.core.forms import ActionForm
from certify.core.views import run_action


@bp.get("/competitions/")
def competitions():
    return render_template("assessments/competitions.html", competitions=open_competitions())


@bp.get("/competitions/<int:competition_id>")
def competition(competition_id: int):
    competition = visible_competition_or_404(competition_id)
    own = competition.application_of(current_user) if current_user.is_authenticated else None
    return render_template(
        "assessments/competition.html",
        competition=competition,
        own_application=own,
        can_apply=((own is None or own.state == ApplicationState.withdrawn)
                   and can_apply(current_user, competition)),
        action_form=ActionForm(),
        # Staff see whether they signed the declaration; administrators, who did and when.
        may_sign=can_sign_declaration(current_user, competition),
        signed=has_signed_declaration(current_user, competition),
        declarations=(declarations_for(competition) if can_view_declarations(current_user)
                      else None),
    )


@bp.post("/competitions/<int:competition_id>/apply")
@login_required
def apply(competition_id: int):
    competition = get_competition_or_404(competition_id)
    if not is_candidate(current_user):
        abort(403)
    return run_action(
        lambda: start_application(competition, current_user),
        success=_("Your application has been started. It is saved as a draft until you "
                  "submit it."),
        redirect_to=lambda application: url_for(".application", application_id=application.id),
        on_failure=url_for(".competition", competition_id=competition.id),
    )
