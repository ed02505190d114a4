"""Who may invite reviewers and see the pool: administrators everywhere, coordinators for their
branch (its people, its invitations, the competitions open to it)."""

from __future__ import annotations

from assessments.models import Competition
from assessments.permissions import is_staff
from assessments.reviewers.models import ReviewerInvitation
from assessments.states import CompetitionState


def can_invite(user) -> bool:
    return is_staff(user)


def can_view_pool(user) -> bool:
    return is_staff(user)


def can_invite_for(user, competition: Competition) -> bool:
    """A competition still to be reviewed, open to a branch the user coordinates (any, for an
    administrator)."""
    if not can_invite(user) or competition.state == CompetitionState.closed:
        return False
    if user.is_admin:
        return True
    open_to = {branch.id for branch in competition.branches}
    return not open_to or bool(open_to & user.coordinated_branch_ids)


def can_see_invitation(user, invitation: ReviewerInvitation) -> bool:
    return can_invite(user) and (
        user.is_admin or invitation.branch_id in user.coordinated_branch_ids)
