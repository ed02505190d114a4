"""The invitation mail and its reminder, to the invited address in the language the inviter
chose (the address may have no account yet)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from assessments.reviewers.models import ReviewerInvitation
from certify.core import outbox
from certify.core.dates import day
from certify.core.i18n import localized


def _what(invitation: ReviewerInvitation) -> str:
    if invitation.competition is None:
        return _("to join the reviewer pool of %(centre)s",
                 centre=localized(current_app.config["ISSUER_NAME"]))
    return _("to review applications in %(competition)s",
             competition=invitation.competition.display_title)


def invitation_mail(invitation: ReviewerInvitation, link: str, *, reminder: bool,
                    again: bool = False) -> None:
    """The invitation (``again``: sent anew by staff) or a reminder, each with its own link."""
    def compose():
        what = _what(invitation)
        expires = day(invitation.expires_at)
        if reminder:
            return (_("Reminder: your invitation to review"),
                    _("Dear colleague,\n\n%(inviter)s invited you %(what)s and has not had "
                      "your answer yet. Accept or decline here by %(date)s:\n\n%(link)s\n\n"
                      "This link replaces the one in the first message, which no longer "
                      "works.", inviter=invitation.invited_by.full_name, what=what,
                      date=expires, link=link))
        if again:
            return (_("Invitation to review"),
                    _("Dear colleague,\n\n%(inviter)s invites you %(what)s. Open this link to "
                      "accept (and create your account if you have none) or to decline; it "
                      "works once, until %(date)s:\n\n%(link)s\n\nThis link replaces the one "
                      "in any earlier message, which no longer works.",
                      inviter=invitation.invited_by.full_name, what=what, date=expires,
                      link=link))
        return (_("Invitation to review"),
                _("Dear colleague,\n\n%(inviter)s invites you %(what)s. Open this link to "
                  "accept (and create your account if you have none) or to decline; it works "
                  "once, until %(date)s:\n\n%(link)s\n\nIf you did not expect this message, "
                  "ignore it: nothing happens without your answer.",
                  inviter=invitation.invited_by.full_name, what=what, date=expires,
                  link=link))

    kind = "invitation-reminder" if reminder else "invitation"
    outbox.queue_to_address(invitation.email, invitation.language, kind,
                            f"invitation:{invitation.id}:{kind}:{invitation.token_hash[:16]}",
                            compose)
