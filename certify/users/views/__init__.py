"""Routes by audience; importing this package attaches them all to the blueprints: visitors
(auth), account holders (account), administrators (people, imports, branches; the public list of
branches is in branches too)."""

from certify.users.views import (  # noqa: F401
    account,
    auth,
    branches,
    imports,
    people,
    privacy,
    profile,
)
