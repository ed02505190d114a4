"""Routes by audience; importing this package attaches them all to the blueprints."""

from certify.certificates.cpd import audit_views, views  # noqa: F401
from certify.certificates.views import (  # noqa: F401
    admin,
    api,
    holder,
    public,
    register,
    renewal_review,
    reviewer,
)
