"""The people list on the server (``certify.core.listing``): everyone for an administrator,
the people of their branches for a coordinator; searched by name or e-mail, filtered by
branch, role and whether the account is enabled."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from certify.core.listing import Filter, ListPage, ListSpec, contains, integer, one_of, paginate
from certify.users.models import Role, RoleAssignment, User

PEOPLE = ListSpec(
    sorts={"name": User.full_name, "email": User.email, "created": User.created_at},
    default_sort="name",
    filters={
        "branch": Filter(integer, lambda v: User.branch_id == v),
        "role": Filter(one_of(*Role), lambda v: sa.exists().where(
            RoleAssignment.user_id == User.id, RoleAssignment.role == v)),
        "enabled": Filter(one_of("yes", "no"), lambda v: User.is_enabled.is_(v == "yes")),
    },
    search=lambda text: sa.or_(contains(User.full_name, text),
                               contains(User.full_name_native, text),
                               contains(User.email, text)),
    tiebreak=User.id,
)


def people_page(viewer: User) -> ListPage:
    query = sa.select(User)
    if not viewer.is_admin:
        query = query.where(User.branch_id.in_(viewer.coordinated_branch_ids))
    return paginate(query, PEOPLE, options=(joinedload(User.branch),
                                            selectinload(User.role_assignments)))
