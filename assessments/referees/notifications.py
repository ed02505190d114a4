"""The mail that asks a referee to vouch, and its reminder: to the referee's address (they
have no account), in the language the candidate named them in."""

from __future__ import annotations

from flask_babel import gettext as _

from assessments.referees.models import Referee
from certify.core import outbox
from certify.core.dates import day
from certify.core.urls import absolute_url


def referee_mail(referee: Referee, token: str, *, kind: str) -> None:
    """``kind``: "referee" (the first link, or a new one the candidate sent) or
    "referee-reminder"; each message carries its own link."""
    link = absolute_url("assessments.referee_answer", token=token)

    def compose():
        candidate = referee.application.candidate.full_name
        values = {"name": referee.name, "candidate": candidate, "link": link,
                  "date": day(referee.expires_at),
                  "competition": referee.application.competition.display_title}
        if kind == "referee-reminder":
            return (_("Reminder: %(candidate)s asks you to vouch for their application",
                      candidate=candidate),
                    _("Dear %(name)s,\n\n%(candidate)s named you as a referee in "
                      "%(competition)s and is waiting for your answer. Open this link to "
                      "confirm or dispute their claims, until %(date)s:\n\n%(link)s\n\nThis "
                      "link replaces the one in any earlier message, which no longer works.",
                      **values))
        return (_("%(candidate)s asks you to vouch for their application",
                  candidate=candidate),
                _("Dear %(name)s,\n\n%(candidate)s named you as a referee in %(competition)s. "
                  "Open this link to read the claims they ask you to vouch for, confirm or "
                  "dispute each, and write a short statement. No account is needed; the link "
                  "works once, until %(date)s:\n\n%(link)s\n\nIf you do not know the "
                  "candidate, ignore this message.", **values))

    outbox.queue_to_address(referee.email, referee.language, kind,
                            f"referee:{referee.id}:{kind}:{referee.token_hash[:16]}", compose)
