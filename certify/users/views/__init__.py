"""Routes by audience; importing this package attaches them all to the blueprints: visitors
(auth), account holders (account), administrators (people)."""

from certify.users.views import account, auth, people  # noqa: F401
