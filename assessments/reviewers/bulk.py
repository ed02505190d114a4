"""Invitations in bulk: addresses pasted one per line, or a CSV file (its first column, or its
``email`` column). The preview names every line that cannot be invited -- not an address,
listed twice, invited already and waiting for an answer, already a reviewer here, a disabled
account -- and writes nothing. As in the people import, lines with problems are left out. The
confirmation re-checks the same addresses and sends, all in one transaction, only if the plan
is still the one previewed (its digest): nothing half-written, nothing not shown.

The checks are three queries for the whole list, whatever its length."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from assessments.models import Application, Competition, Review
from assessments.reviewers.invitations import invite
from assessments.reviewers.models import InvitationState, ReviewerInvitation
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import Branch, Role, RoleAssignment, User

MAX_LINES = 500


@dataclass
class BulkLine:
    number: int
    text: str
    email: str = ""
    problem: str = ""


@dataclass
class BulkPlan:
    lines: list[BulkLine] = field(default_factory=list)

    @property
    def good(self) -> list[BulkLine]:
        return [line for line in self.lines if not line.problem]

    @property
    def bad(self) -> list[BulkLine]:
        return [line for line in self.lines if line.problem]

    @property
    def digest(self) -> str:
        """What the plan would do: the addresses and each line's problem, in order."""
        content = [(line.email or line.text, line.problem) for line in self.lines]
        return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()

    @property
    def addresses(self) -> str:
        """The list as text, one address per line (what the confirmation posts back)."""
        return "\n".join(line.email or line.text for line in self.lines)


def lines_from_csv(data: bytes) -> str:
    """The addresses of an uploaded CSV as text, one per line: its ``email`` column if its
    header names one, else its first column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The file is not a UTF-8 CSV file.")) from None
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        return ""
    header = [cell.strip().casefold() for cell in rows[0]]
    if "email" in header:
        column = header.index("email")
        rows = rows[1:]
    else:
        column = 0
    return "\n".join(row[column].strip() if len(row) > column else "" for row in rows)


def _already_reviewing(emails: list[str], competition: Competition | None) -> set[str]:
    """The addresses whose accounts review here already: in the pool (a pool invitation), or
    with a review or an accepted invitation in the competition."""
    if competition is None:
        return set(db.session.scalars(
            sa.select(User.email).join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(User.email.in_(emails), RoleAssignment.role == Role.reviewer)))
    reviewing = sa.select(User.email).join(Review, Review.reviewer_id == User.id).join(
        Application, Application.id == Review.application_id).where(
        User.email.in_(emails), Application.competition_id == competition.id)
    accepted = sa.select(ReviewerInvitation.email).where(
        ReviewerInvitation.email.in_(emails),
        ReviewerInvitation.competition_id == competition.id,
        ReviewerInvitation.state == InvitationState.accepted)
    return set(db.session.scalars(sa.union(reviewing, accepted)))


def plan_bulk(text: str, competition: Competition | None) -> BulkPlan:
    """Every non-blank line with its problem (empty: it will be invited). Writes nothing."""
    plan = BulkPlan()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if raw.strip():
            plan.lines.append(BulkLine(number, raw.strip()[:300]))
    if not plan.lines:
        raise DomainError(_("List at least one address, one per line, or upload a CSV file."))
    if len(plan.lines) > MAX_LINES:
        raise DomainError(_("At most %(count)d addresses at once.", count=MAX_LINES))
    first_line: dict[str, int] = {}
    for line in plan.lines:
        try:
            line.email = validate_email(line.text, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            line.problem = _("Not an e-mail address.")
            continue
        if line.email in first_line:
            line.problem = _("Listed already on line %(line)d.", line=first_line[line.email])
        else:
            first_line[line.email] = line.number
    emails = list(first_line)
    same_call = (ReviewerInvitation.competition_id == competition.id if competition
                 else ReviewerInvitation.competition_id.is_(None))
    waiting = set(db.session.scalars(sa.select(ReviewerInvitation.email).where(
        ReviewerInvitation.email.in_(emails), same_call,
        ReviewerInvitation.state == InvitationState.sent,
        ReviewerInvitation.expires_at > utcnow())))
    disabled = set(db.session.scalars(sa.select(User.email).where(
        User.email.in_(emails), User.is_enabled.is_(False))))
    reviewing = _already_reviewing(emails, competition)
    for line in plan.lines:
        if line.problem:
            continue
        if line.email in disabled:
            line.problem = _("The account with this address is disabled.")
        elif line.email in waiting:
            line.problem = _("Invited already: the invitation is waiting for an answer.")
        elif line.email in reviewing:
            line.problem = (_("Already in the reviewer pool.") if competition is None else
                            _("Already a reviewer in this competition."))
    return plan


def invite_many(text: str, digest: str, *, competition: Competition | None, language: str,
                by: User, branch: Branch | None = None) -> list[ReviewerInvitation]:
    """Send the previewed plan's invitations (its good lines), all or none."""
    plan = plan_bulk(text, competition)
    if plan.digest != digest:
        raise DomainError(_("The list or the invitations changed since the preview: check the "
                            "new preview before sending."))
    if not plan.good:
        raise DomainError(_("No line of the list can be invited."))
    sent = [invite(line.email, competition=competition, language=language, by=by,
                   branch=branch) for line in plan.good]
    audit.record("invitation.bulk", None, actor=by, count=len(sent),
                 competition=competition.id if competition else None)
    return sent
