"""Who may see whom."""

from __future__ import annotations

from certify.users.models import Role, User


def can_list_users(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.admin, Role.coordinator)


def can_manage_users(user: User) -> bool:
    return user.is_authenticated and user.is_admin


def can_see_user(viewer: User, person: User) -> bool:
    """Admins see everyone; coordinators only the people of their own branch."""
    if not viewer.is_authenticated:
        return False
    if viewer.is_admin or viewer.id == person.id:
        return True
    return person.branch_id is not None and person.branch_id in viewer.coordinated_branch_ids
