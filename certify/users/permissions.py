"""Who may see and change whose account, and the branches."""

from __future__ import annotations

from certify.users.models import Role, User


def can_list_users(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.admin, Role.coordinator)


def can_import_people(user: User) -> bool:
    """Administrators import anyone; coordinators candidates and reviewers of their branch
    (``certify.users.imports`` checks each row)."""
    return can_list_users(user)


def can_manage_users(user: User) -> bool:
    return user.is_authenticated and user.is_admin


def can_switch_account(user: User, person: User) -> bool:
    """Administrators enable and disable accounts, never their own: that would lock them out."""
    return can_manage_users(user) and person.id != user.id


def can_view_person(user: User, person: User) -> bool:
    """Administrators see everyone's page; coordinators the people of their branch."""
    return user.is_authenticated and (
        user.is_admin
        or (person.branch_id is not None and person.branch_id in user.coordinated_branch_ids)
    )


def can_change_role(user: User, person: User, role: Role) -> bool:
    """Administrators grant and remove every role; a coordinator only the reviewer role of the
    people of their branch. Nobody changes their own roles (ISO/IEC 17024 §4.3)."""
    if person.id == user.id or not can_view_person(user, person):
        return False
    return user.is_admin or role == Role.reviewer


def can_manage_branches(user: User) -> bool:
    return user.is_authenticated and user.is_admin


def can_see_outbox(user: User) -> bool:
    """The outbox holds everyone's mail (reset links among them): administrators only."""
    return user.is_authenticated and user.is_admin


def can_handle_erasure(user: User, person: User) -> bool:
    """An erasure request is decided by an administrator, or by the coordinator of the
    person's branch; never by the person themselves (ISO/IEC 17024 §4.3)."""
    return person.id != user.id and can_view_person(user, person)


def can_list_erasure_requests(user: User) -> bool:
    return can_list_users(user)
