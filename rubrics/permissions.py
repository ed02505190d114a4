from certify.users.models import Role


def can_view_rubrics(user) -> bool:
    return user.is_authenticated and user.has_role(Role.admin, Role.coordinator, Role.reviewer)
