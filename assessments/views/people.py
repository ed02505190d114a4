"""A person's page for staff in scope (issue 20): roles granted and removed, applications,
reviews (open assignments released for reassignment), certificates, and the audit of changes
to the account. Administrators see everyone; coordinators the people of their branch."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments.blueprint import bp
from assessments.calibration.operations import calibration_summaries
from assessments.operations.people import person_record, release_assignment
from assessments.permissions import can_manage_application, is_staff
from assessments.reviewers.severity import pool_severity
from assessments.views.loaders import get_review_or_404
from certify.core.extensions import db
from certify.core.forms import ActionForm
from certify.core.views import run_action, run_posted_form
from certify.users.forms import GrantRoleForm
from certify.users.models import Role, User
from certify.users.operations import active_branches
from certify.users.permissions import can_change_role, can_switch_account, can_view_person
from certify.users.roles import grant_role, remove_role
from certify.users.specialisms import specialism_title


def person_or_404(user_id: int) -> User:
    """Staff only (403); a person outside the viewer's branch answers as if unknown (404)."""
    if not is_staff(current_user):
        abort(403)
    person = db.get_or_404(User, user_id)
    if not can_view_person(current_user, person):
        abort(404)
    return person


def _grant_form(person: User) -> GrantRoleForm:
    grantable = [role for role in Role
                 if role not in person.roles and can_change_role(current_user, person, role)]
    return GrantRoleForm(roles=grantable, branches=active_branches())


def _reviewer_facts(person: User) -> SimpleNamespace | None:
    """What a reviewer declared and their severity (None for someone who never reviewed)."""
    profile = person.reviewer_profile
    if profile is None and not person.has_role(Role.reviewer):
        return None
    return SimpleNamespace(
        specialisms=[specialism_title(code) for code in (profile.specialisms if profile else [])],
        languages=profile.review_languages if profile else [],
        most=profile.max_open_reviews if profile else None,
        severity=pool_severity([person.id])[person.id],
        calibration=calibration_summaries([person.id]).get(person.id))


def _page(person: User):
    return url_for(".person", user_id=person.id)


@bp.get("/people/<int:user_id>")
@login_required
def person(user_id: int):
    person = person_or_404(user_id)
    return render_template(
        "people/person.html", person=person, record=person_record(person),
        grant_form=_grant_form(person), action_form=ActionForm(),
        reviewer=_reviewer_facts(person),
        can_change_role=can_change_role, can_manage_application=can_manage_application,
        can_switch_account=can_switch_account(current_user, person),
    )


@bp.post("/people/<int:user_id>/roles")
@login_required
def grant_role_view(user_id: int):
    person = person_or_404(user_id)
    form = _grant_form(person)
    return run_posted_form(
        form,
        lambda: grant_role(person, Role(form.role.data), branch=form.chosen_branch(),
                           by=current_user),
        success=_("Role granted to %(name)s.", name=person.full_name),
        back=_page(person),
    )


@bp.post("/people/<int:user_id>/roles/<any(admin, coordinator, reviewer, candidate):role>/remove")
@login_required
def remove_role_view(user_id: int, role: str):
    person = person_or_404(user_id)
    return run_action(
        lambda: remove_role(person, Role(role), by=current_user),
        success=_("Role removed from %(name)s.", name=person.full_name),
        redirect_to=_page(person),
    )


@bp.post("/people/<int:user_id>/assignments/<int:review_id>/release")
@login_required
def release_assignment_view(user_id: int, review_id: int):
    person = person_or_404(user_id)
    review = get_review_or_404(
        review_id, check=lambda user, review: (review.reviewer_id == person.id
                                               and can_manage_application(user,
                                                                          review.application)))
    return run_action(
        lambda: release_assignment(review, by=current_user),
        success=_("Assignment released: assign another reviewer on the application's page."),
        redirect_to=_page(person),
    )
