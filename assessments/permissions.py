"""Who may do what with competitions, applications and reviews: plain predicates."""

from __future__ import annotations

import sqlalchemy as sa

from assessments.models import (
    Application,
    Competition,
    Conflict,
    Decision,
    Evidence,
    ImpartialityDeclaration,
    Review,
)
from assessments.states import ApplicationState, CompetitionState, EvidenceKind, ReviewState
from certify.certificates.cpd import audits as cpd_audits
from certify.core.extensions import db
from certify.users.models import Role


def is_staff_for_branch(user, branch_id: int | None) -> bool:
    """Administrators everywhere; coordinators for their own branch."""
    if not user.is_authenticated:
        return False
    return user.is_admin or (branch_id is not None and branch_id in user.coordinated_branch_ids)


def is_staff(user) -> bool:
    return user.is_authenticated and user.has_role(Role.admin, Role.coordinator)


def is_candidate(user) -> bool:
    return user.is_authenticated and user.has_role(Role.candidate)


def is_reviewer(user) -> bool:
    return user.is_authenticated and user.has_role(Role.reviewer)


def is_candidate_of(user, application: Application) -> bool:
    return user.is_authenticated and application.candidate_id == user.id


def is_reviewer_of(user, review: Review) -> bool:
    """The review's own page and actions are its reviewer's alone: staff read submitted reviews
    on the application's page, fellow reviewers beside their own once it is submitted."""
    return user.is_authenticated and review.reviewer_id == user.id


def can_see_competition(user, competition: Competition) -> bool:
    """A draft competition is hidden from everyone but staff."""
    return competition.state != CompetitionState.draft or is_staff(user)


def can_manage_competitions(user) -> bool:
    """Competitions are international: the centre's administrators run them."""
    return user.is_authenticated and user.is_admin


def can_apply(user, competition: Competition) -> bool:
    return (
        is_candidate(user)
        and competition.accepts_applications()
        and competition.is_open_to(user.branch)
    )


def is_assigned_reviewer(user, application: Application) -> bool:
    return user.is_authenticated and application.review_by(user) is not None


def can_view_application(user, application: Application) -> bool:
    """The candidate always; staff in scope and assigned reviewers once it is submitted."""
    if not user.is_authenticated:
        return False
    if is_candidate_of(user, application):
        return True
    if application.state in (ApplicationState.draft, ApplicationState.withdrawn):
        return False
    return can_manage_application(user, application) or is_assigned_reviewer(user, application)


def can_open_application_page(user, application: Application) -> bool:
    """The application's own page names the candidate and their files: a reviewer in a blind
    competition works from the review page alone."""
    return can_view_application(user, application) and not (
        application.competition.blind_review and not is_candidate_of(user, application)
        and not can_manage_application(user, application))


def can_edit_application(user, application: Application) -> bool:
    return is_candidate_of(user, application) and application.state == ApplicationState.draft


def can_remove_evidence(user, evidence: Evidence) -> bool:
    return can_edit_application(user, evidence.application)


def can_download_evidence(user, evidence: Evidence) -> bool:
    """Files only (a link is followed, not downloaded), to whoever may see the application."""
    return evidence.kind == EvidenceKind.file and can_view_application(user, evidence.application)


def evidence_is_blind_to(user, application: Application) -> bool:
    """Blind review hides the names of files from reviewers; the candidate and staff see them."""
    return (application.competition.blind_review and not is_candidate_of(user, application)
            and not can_manage_application(user, application))


def has_declared_conflict(user, application: Application) -> bool:
    return user.is_authenticated and db.session.scalar(
        sa.select(sa.func.count(Conflict.id)).where(Conflict.reviewer_id == user.id,
                                                    Conflict.application_id == application.id)
    ) > 0


def can_manage_application(user, application: Application) -> bool:
    """Staff in scope, but never on their own file nor on one they declared a conflict with
    (ISO/IEC 17024 §4.3: nobody acts where they are not impartial)."""
    return (is_staff_for_branch(user, application.branch_id)
            and not is_candidate_of(user, application)
            and not has_declared_conflict(user, application))


def has_reviewed(user, application: Application) -> bool:
    return is_assigned_reviewer(user, application)


def can_decide(user, application: Application) -> bool:
    """The decision is recorded by someone who did not review the application."""
    return can_manage_application(user, application) and not has_reviewed(user, application)


def can_moderate(user, application: Application) -> bool:
    """The second check is by someone who neither decided nor reviewed."""
    decision = application.decision
    return (can_decide(user, application)
            and (decision is None or decision.decided_by_id != user.id))


def can_resolve_appeal(user, application: Application) -> bool:
    """An appeal is decided by someone who neither reviewed nor decided the application."""
    return can_moderate(user, application)


def own_review_pending(user, application: Application) -> bool:
    """Staff who also review an application see no other review of it until theirs is in."""
    own = application.review_by(user) if user.is_authenticated else None
    return own is not None and own.state != ReviewState.submitted


def can_write_review(user, review: Review) -> bool:
    return (
        is_reviewer_of(user, review)
        and user.has_role(Role.reviewer)
        and review.state == ReviewState.draft
        and review.application.state == ApplicationState.under_review
    )


def can_reopen_review(user, review: Review) -> bool:
    """Whether the button is the reviewer's to press; the operation says whether it is time."""
    return is_reviewer_of(user, review) and user.has_role(Role.reviewer)


def can_view_result(user, application: Application) -> bool:
    """The candidate once decided; staff in scope as soon as reviews are in."""
    if not user.is_authenticated:
        return False
    if is_candidate_of(user, application):
        return (application.state == ApplicationState.decided
                and application.decision is not None and application.decision.is_final)
    return (can_manage_application(user, application)
            and not own_review_pending(user, application)
            and application.state in (ApplicationState.under_review, ApplicationState.decided))


def analytics_branches(user, competition: Competition) -> set[int] | None | bool:
    """Whose applications a user may analyse in a competition: None for all (admins), the
    coordinated branches open to the competition, or False for no access."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return None
    open_to = {b.id for b in competition.branches}
    branches = {b for b in user.coordinated_branch_ids if not open_to or b in open_to}
    return branches or False


def hidden_application_ids(user, competition: Competition) -> set[int]:
    """A competition's applications left out of a staff member's figures and exports: their
    own, those they declared a conflict with, and those whose review of theirs is not in."""
    own = db.session.scalars(sa.select(Application.id).where(
        Application.competition_id == competition.id, Application.candidate_id == user.id))
    conflicted = db.session.scalars(
        sa.select(Conflict.application_id).where(Conflict.reviewer_id == user.id))
    pending = db.session.scalars(sa.select(Review.application_id).where(
        Review.reviewer_id == user.id, Review.state != ReviewState.submitted))
    return set(own) | set(conflicted) | set(pending)


def has_signed_declaration(user, competition: Competition) -> bool:
    return user.is_authenticated and db.session.scalar(
        sa.select(sa.func.count(ImpartialityDeclaration.id)).where(
            ImpartialityDeclaration.user_id == user.id,
            ImpartialityDeclaration.competition_id == competition.id)
    ) > 0


def needs_declaration(user, competition: Competition,
                      application: Application | None = None) -> bool:
    """Whoever opens a competition's files for the body — staff and reviewers — signs its
    confidentiality and impartiality declaration first (ISO/IEC 17024 §4.3, §6.1–6.2); a
    candidate's own file is theirs without one."""
    if not user.is_authenticated:
        return False
    if application is not None and is_candidate_of(user, application):
        return False
    return not has_signed_declaration(user, competition)


def can_sign_declaration(user, competition: Competition) -> bool:
    return (is_staff(user) or is_reviewer(user)) and can_see_competition(user, competition)


def can_view_declarations(user) -> bool:
    """Who signed what and when, per competition: the centre's administrators."""
    return can_manage_competitions(user)


def can_view_reports(user) -> bool:
    return is_staff(user)


def can_discuss(user, application: Application) -> bool:
    """Staff in scope, and reviewers of the application once their own review is in (so the
    thread cannot sway a first judgement)."""
    if not user.is_authenticated:
        return False
    if can_manage_application(user, application):
        return True
    own = application.review_by(user)
    return own is not None and (own.state == ReviewState.submitted or bool(own.revisions))


def took_part_in_assessing(user_id: int, holder_id: int) -> bool:
    """Reviewed or decided one of the person's applications: such staff may not audit their
    CPD log (ISO/IEC 17024 §4.3)."""
    reviewed = (sa.select(Review.id).join(Application, Review.application_id == Application.id)
                .where(Review.reviewer_id == user_id, Application.candidate_id == holder_id))
    decided = (sa.select(Decision.id)
               .join(Application, Decision.application_id == Application.id)
               .where(Decision.decided_by_id == user_id, Application.candidate_id == holder_id))
    return bool(db.session.scalar(sa.select(sa.or_(sa.exists(reviewed), sa.exists(decided)))))


cpd_audits.INVOLVEMENT_CHECKS.append(took_part_in_assessing)
