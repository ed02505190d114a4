"""Who may read and change rubrics."""

from __future__ import annotations

from certify.users.models import Role


def can_view_rubrics(user) -> bool:
    return user.is_authenticated and user.has_role(Role.admin, Role.coordinator, Role.reviewer)


def can_view_rubric(user, rubric) -> bool:
    """Staff read every rubric, the centre's and each branch's."""
    return can_view_rubrics(user)


def can_create_rubric(user) -> bool:
    return user.is_authenticated and user.is_admin


def can_manage_rubric(user, rubric) -> bool:
    """A rubric's names, owner and whether coordinators may edit it: the centre's, like
    creating it."""
    return can_create_rubric(user)


def can_edit_rubric(user, rubric) -> bool:
    """Administrators; and a branch's coordinators for that branch's own rubrics, when an
    administrator has allowed it. Only drafts change either way."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return (
        rubric.branch_id is not None
        and rubric.coordinators_may_edit
        and rubric.branch_id in user.coordinated_branch_ids
    )


def can_publish_rubric(user, rubric) -> bool:
    """Publishing and retiring are the centre's decisions."""
    return user.is_authenticated and user.is_admin
