"""The mail of status alerts: the confirmation of an email subscription, and the alert
itself. Each says only what the public verification page says: the number, the status and
where to check it; never a reason or anything else about the holder."""

from __future__ import annotations

from flask_babel import gettext as _

from certify.alerts.models import AlertSubscription
from certify.certificates import events
from certify.certificates.models import Certificate
from certify.core.urls import absolute_url


def confirmation(subscription: AlertSubscription, token: str) -> tuple[str, str]:
    number = subscription.certificate.number
    subject = _("Confirm status alerts for certificate %(number)s", number=number)
    body = _(
        "Someone asked, for %(organisation)s, to be told by email when the status of "
        "certificate %(number)s changes (suspended, revoked, reinstated, renewed or expired).\n\n"
        "To confirm, open this link:\n%(url)s\n\n"
        "If you did not ask for this, ignore this message: nothing will be sent.\n",
        organisation=subscription.organisation, number=number,
        url=absolute_url("alerts.confirm", token=token))
    return subject, body


def _what_happened(event: str, renewed_by: Certificate | None) -> str:
    if event == events.SUSPENDED:
        return _("It has been suspended: it is not valid while suspended.")
    if event == events.REVOKED:
        return _("It has been revoked: it is no longer valid.")
    if event == events.REINSTATED:
        return _("Its suspension has ended: it is valid again.")
    if event == events.RENEWED and renewed_by is not None:
        return _("It has been renewed: certificate %(number)s continues it.",
                 number=renewed_by.number)
    return _("It has expired.")


def alert(subscription: AlertSubscription, certificate: Certificate, event: str,
          renewed_by: Certificate | None, token: str | None) -> tuple[str, str]:
    subject = _("Status of certificate %(number)s: %(status)s", number=certificate.number,
                status=certificate.status.title)
    body = _(
        "Certificate %(number)s, which %(organisation)s follows:\n%(what)s\n\n"
        "Check it at any time:\n%(url)s\n",
        number=certificate.number, organisation=subscription.organisation,
        what=_what_happened(event, renewed_by),
        url=absolute_url("certificates.verify", number=certificate.number))
    if token:
        body += "\n" + _("To stop these alerts:\n%(url)s\n",
                         url=absolute_url("alerts.unsubscribe", token=token))
    return subject, body
