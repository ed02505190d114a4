from certify.users.models import Role


def can_list_certificates(user) -> bool:
    return user.is_authenticated and user.has_role(Role.admin, Role.coordinator)


def can_see_certificate_admin(user, certificate) -> bool:
    if not can_list_certificates(user):
        return False
    return user.is_admin or certificate.branch_id in user.coordinated_branch_ids


def can_revoke(user, certificate) -> bool:
    return user.is_authenticated and user.is_admin
