"""Roles granted and removed on an existing account (issue 20), with the separation-of-duties
rules of docs/governance.md: nobody changes their own roles, the last administrator stays,
coordinators grant only the reviewer role and only to people of their branch, and a role is
not removed while work done under it is open (the assessments package says which: see
``register_removal_check``). Functions flush and never commit; refusals write nothing."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.core import audit
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import Branch, Role, RoleAssignment, User
from certify.users.permissions import can_change_role

# Higher layers name work that a role's removal would orphan: check(person, role) -> problems.
RemovalCheck = Callable[[User, Role], list[str]]
_removal_checks: list[RemovalCheck] = []


def register_removal_check(check: RemovalCheck) -> RemovalCheck:
    if check not in _removal_checks:
        _removal_checks.append(check)
    return check


def _require_may_change(person: User, role: Role, by: User) -> None:
    if person.id == by.id:
        raise DomainError(_("Nobody grants or removes roles on their own account: ask another "
                            "administrator."))
    if not can_change_role(by, person, role):
        raise DomainError(_("Only administrators grant or remove this role; coordinators "
                            "manage the reviewer role of people of their branch."))


def grant_role(person: User, role: Role, *, by: User, branch: Branch | None = None) -> None:
    """Give ``person`` a role; a coordinator's role names the branch they coordinate."""
    role = Role(role)
    _require_may_change(person, role, by)
    if role in person.roles:
        held = next(a for a in person.role_assignments if a.role == role)
        if held.branch is not None:
            raise DomainError(_("%(name)s already coordinates the %(code)s branch: remove "
                                "that role first.", name=person.full_name,
                                code=held.branch.code))
        raise DomainError(_("%(name)s already holds this role.", name=person.full_name))
    if role == Role.coordinator:
        if branch is None:
            raise DomainError(_("Choose the branch this person coordinates."))
        if not branch.is_active:
            raise DomainError(_("The %(code)s branch is deactivated.", code=branch.code))
    coordinated = branch if role == Role.coordinator else None
    if coordinated is not None and person.branch is None:
        person.branch = coordinated
    _add(person, RoleAssignment(role=role, branch=coordinated), by=by,
         branch=coordinated.code if coordinated is not None else None)


def grant_invited_role(person: User, role: Role, *, by: User) -> None:
    """The role an invitation offers, taken by the invited account holder who accepts it: the
    invitation, sent by staff who may grant the role, is the authority, so the rules on who
    grants do not apply. A role already held is left as it is."""
    role = Role(role)
    if role not in person.roles:
        _add(person, RoleAssignment(role=role), by=by)


def _add(person: User, assignment: RoleAssignment, *, by: User, **noted) -> None:
    """The one place a role is added: the assignment and its ``user.role_grant`` entry."""
    person.role_assignments.append(assignment)
    db.session.flush()
    audit.record("user.role_grant", person, actor=by, role=str(assignment.role), **noted)


def remove_role(person: User, role: Role, *, by: User) -> None:
    role = Role(role)
    # Checked before who asks, so that no path (page, command line) leaves nobody in charge.
    if role == Role.admin and _other_enabled_admins(person) == 0:
        raise DomainError(_("This is the last administrator: make someone else an "
                            "administrator first."))
    _require_may_change(person, role, by)
    held = next((a for a in person.role_assignments if a.role == role), None)
    if held is None:
        raise DomainError(_("%(name)s does not hold this role.", name=person.full_name))
    if len(person.role_assignments) == 1:
        raise DomainError(_("A person keeps at least one role: disable the account instead."))
    problems = [problem for check in _removal_checks for problem in check(person, role)]
    if problems:
        raise DomainError(*problems)
    branch = held.branch.code if held.branch is not None else None
    person.role_assignments.remove(held)
    db.session.flush()
    audit.record("user.role_remove", person, actor=by, role=str(role), branch=branch)


def _other_enabled_admins(person: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(User.id)).join(RoleAssignment)
        .where(RoleAssignment.role == Role.admin, User.is_enabled, User.id != person.id)
    )
