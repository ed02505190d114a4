"""Routes by audience; importing this package attaches them all to the blueprints."""

from certify.certificates.cpd import views as cpd_views  # noqa: F401, E402
from certify.certificates.views import (  # noqa: F401
    admin,
    api,
    holder,
    public,
    register,
    renewal_review,
)
