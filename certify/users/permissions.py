"""Who may see and change whose account."""

from __future__ import annotations

from certify.users.models import Role, User


def can_list_users(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.admin, Role.coordinator)


def can_manage_users(user: User) -> bool:
    return user.is_authenticated and user.is_admin


def can_switch_account(user: User, person: User) -> bool:
    """Administrators enable and disable accounts, never their own: that would lock them out."""
    return can_manage_users(user) and person.id != user.id
