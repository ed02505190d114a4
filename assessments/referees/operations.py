"""Referees named by the candidate, asked by mail when the application is submitted, and
their answer through a single-use, expiring link (issue 19; docs/referees.md).

As with reviewers' invitations (assessments/reviewers/invitations.py), the link holds a random
token of which only the SHA-256 is stored; the answer moves the referee out of ``asked`` in one
conditional UPDATE, so a link used twice, or two answers racing, change nothing the second
time. Operations flush and never commit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from assessments.models import Application, Decision, Review
from assessments.referees import notifications
from assessments.referees.models import Capacity, Referee, RefereeClaim, RefereeState, Verdict
from assessments.referees.requirements import requirement_for, shortfall
from assessments.states import ApplicationState
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError, Problem
from certify.core.extensions import db
from certify.users.models import User


class RefereeLinkError(DomainError):
    """The link matches nothing (404) or was used or has expired (410): its own page says so."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass
class RefereeDetails:
    """Who the referee is and what the candidate asks them to vouch for."""

    name: str
    email: str
    organisation: str
    relationship: str
    capacities: set[Capacity] = field(default_factory=set)
    criterion_ids: list[int] = field(default_factory=list)
    evidence_ids: list[int] = field(default_factory=list)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def referees_of(application: Application) -> list[Referee]:
    return list(db.session.scalars(sa.select(Referee).where(
        Referee.application_id == application.id).order_by(Referee.id)))


def referee_user_ids(application: Application) -> set[int]:
    """The accounts whose address is a referee's of this application."""
    return set(db.session.scalars(sa.select(User.id).join(
        Referee, Referee.email == sa.func.lower(User.email)).where(
        Referee.application_id == application.id)))


def _conflict(application: Application, email: str) -> str | None:
    """Why this address cannot vouch for the application, or None."""
    if email == application.candidate.email.lower():
        return _("You cannot be your own referee.")
    people = db.session.scalars(sa.select(User.email).join(
        Review, Review.reviewer_id == User.id).where(Review.application_id == application.id)
        .union(sa.select(User.email).join(Decision, Decision.decided_by_id == User.id)
               .where(Decision.application_id == application.id)))
    if email in {address.lower() for address in people}:
        return _("This person reviews or decides your application: they cannot be your "
                 "referee as well (a conflict of interest).")
    return None


def _check(application: Application, details: RefereeDetails, referee: Referee | None) -> None:
    problems: list[Problem | str] = []
    if not details.name.strip():
        problems.append(Problem(_("Give the referee's name."), "name"))
    if (conflict := _conflict(application, details.email)) is not None:
        problems.append(Problem(conflict, "email"))
    taken = db.session.scalar(sa.select(Referee.id).where(
        Referee.application_id == application.id, Referee.email == details.email,
        Referee.id != (referee.id if referee else -1)))
    if taken is not None:
        problems.append(Problem(_("You have named this referee already."), "email"))
    criteria = {c.id for c in application.competition.rubric_version.criteria}
    if not details.criterion_ids or set(details.criterion_ids) - criteria:
        problems.append(Problem(_("Choose the criteria this referee vouches for."), "criteria"))
    chosen = {e.id: e for e in application.evidence}
    if set(details.evidence_ids) - chosen.keys() or any(
            chosen[i].criterion_id not in details.criterion_ids for i in details.evidence_ids):
        problems.append(Problem(_("Choose evidence of the criteria this referee vouches for."),
                                "evidence"))
    if problems:
        raise DomainError(*problems)


def _describe(referee: Referee, application: Application, details: RefereeDetails) -> None:
    referee.name, referee.email = details.name.strip(), details.email
    referee.organisation = details.organisation.strip()
    referee.relationship_text = details.relationship.strip()
    for capacity in Capacity:
        setattr(referee, capacity.value, capacity in details.capacities)
    wanted = set(details.criterion_ids)
    referee.claims[:] = [c for c in referee.claims if c.criterion_id in wanted]
    known = {c.criterion_id for c in referee.claims}
    referee.claims.extend(RefereeClaim(criterion_id=i) for i in sorted(wanted - known))
    referee.evidence[:] = [e for e in application.evidence if e.id in details.evidence_ids]


def _require_candidate(application: Application, by: User) -> None:
    if application.candidate_id != by.id:
        raise DomainError(_("Only the candidate names their referees."))


def name_referee(application: Application, details: RefereeDetails, *, by: User,
                 language: str) -> Referee:
    """The candidate names a referee while the application is a draft: asked on submission."""
    _require_candidate(application, by)
    if application.state != ApplicationState.draft:
        raise DomainError(_("Referees are named before the application is submitted."))
    _check(application, details, None)
    referee = Referee(application=application, language=language)
    _describe(referee, application, details)
    db.session.add(referee)
    db.session.flush()
    audit.record("referee.name", referee, actor=by, application=application.id)
    return referee


def change_referee(referee: Referee, details: RefereeDetails, *, by: User) -> None:
    """Before submission: any change. After it, while the referee has not answered, the
    candidate may replace them (another person, the same claims): the new one is asked at once
    and the old link stops working."""
    application = referee.application
    _require_candidate(application, by)
    if referee.state == RefereeState.answered:
        raise DomainError(_("This referee has answered: their answer cannot be changed."))
    if referee.state != RefereeState.named:
        details.criterion_ids = [c.criterion_id for c in referee.claims]
        details.evidence_ids = [e.id for e in referee.evidence]
    _check(application, details, referee)
    _describe(referee, application, details)
    db.session.flush()
    audit.record("referee.change", referee, actor=by, application=application.id)
    if referee.state != RefereeState.named:
        _send_link(referee, kind="referee")


def remove_referee(referee: Referee, *, by: User) -> None:
    _require_candidate(referee.application, by)
    if referee.state != RefereeState.named:
        raise DomainError(_("A referee already asked cannot be removed: replace them instead."))
    audit.record("referee.remove", referee, actor=by, application=referee.application_id)
    db.session.delete(referee)
    db.session.flush()


def _send_link(referee: Referee, *, kind: str) -> None:
    """A new link with a fresh expiry; the previous one stops working."""
    token, now = secrets.token_urlsafe(32), utcnow()
    referee.token_hash = _hash(token)
    referee.link_sent_at = now
    referee.expires_at = now + timedelta(days=current_app.config["REFEREE_LINK_DAYS"])
    referee.state = RefereeState.asked
    db.session.flush()
    notifications.referee_mail(referee, token, kind=kind)


def ask_referees(application: Application) -> None:
    """On submission: every referee not yet asked gets their link."""
    for referee in referees_of(application):
        if referee.state == RefereeState.named:
            _send_link(referee, kind="referee")
            audit.record("referee.ask", referee, application=application.id)


def resend_link(referee: Referee, *, by: User) -> None:
    """The candidate sends an unanswered referee a new link (the old one stops working)."""
    _require_candidate(referee.application, by)
    if referee.state != RefereeState.asked:
        raise DomainError(_("Only a referee asked and not yet answered can be sent a new "
                            "link."))
    _send_link(referee, kind="referee")
    audit.record("referee.resend", referee, actor=by)


def referee_for_token(token: str) -> Referee:
    """The referee a link names, while it can be answered; RefereeLinkError otherwise."""
    referee = db.session.scalar(sa.select(Referee).where(Referee.token_hash == _hash(token)))
    if referee is None:
        raise RefereeLinkError(_("This link is not valid. Check that you copied all of it, or "
                                 "use the newest message you received."), 404)
    if referee.state == RefereeState.answered:
        raise RefereeLinkError(_("This link has been used: your answer was recorded. Thank "
                                 "you; nothing more is needed."), 410)
    if referee.application.state == ApplicationState.withdrawn:
        raise RefereeLinkError(_("The candidate has withdrawn this application: nothing more "
                                 "is needed from you."), 410)
    if referee.status() == RefereeState.expired:
        raise RefereeLinkError(_("This link has expired. Ask the candidate to send you a new "
                                 "one."), 410)
    return referee


def answer(referee: Referee, verdicts: Mapping[int, Verdict | None], statement: str) -> None:
    """The referee confirms or disputes each linked criterion and writes a statement; the link
    is used up."""
    missing = [c.criterion.code for c in referee.claims if verdicts.get(c.criterion_id) is None]
    problems = [_("%(code)s: confirm or dispute.", code=code) for code in missing]
    if not statement.strip():
        problems.append(_("Write your statement."))
    if problems:
        raise DomainError(*problems)
    now = utcnow()
    moved = db.session.execute(
        sa.update(Referee)
        .where(Referee.id == referee.id, Referee.state == RefereeState.asked,
               Referee.expires_at > now)
        .values(state=RefereeState.answered, answered_at=now, statement=statement.strip())
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise RefereeLinkError(_("This link has been used: your answer was recorded. Thank "
                                 "you; nothing more is needed."), 410)
    db.session.expire(referee)
    for claim in referee.claims:
        claim.verdict = verdicts[claim.criterion_id]
    db.session.flush()
    audit.record("referee.answer", referee, application=referee.application_id,
                 disputed=sum(v == Verdict.disputed for v in verdicts.values()))


def naming_problems(application: Application) -> list[str]:
    """What the candidate must still do about referees before submitting."""
    requirement = requirement_for(application.competition.track)
    if not requirement.needed:
        return []
    return shortfall(requirement, referees_of(application), answered=False)


def review_gate_problems(application: Application) -> list[str]:
    """Why the file cannot go to review yet: its referees have not all answered, or those who
    did do not meet the track's requirement."""
    requirement = requirement_for(application.competition.track)
    referees = referees_of(application)
    if not requirement.needed and not referees:
        return []
    waiting = [r for r in referees if r.state != RefereeState.answered]
    problems = shortfall(requirement, referees, answered=True)
    if waiting:
        problems.append(_("Waiting for: %(names)s.", names=", ".join(r.name for r in waiting)))
    return problems


def send_referee_reminders() -> int:
    """Remind each referee still unanswered REFEREE_REMINDER_DAYS after their newest link, at
    most REFEREE_MAX_REMINDERS times, each with a new link (only hashes are stored). Run twice,
    the second run finds nobody due."""
    now, config = utcnow(), current_app.config
    due = now - timedelta(days=config["REFEREE_REMINDER_DAYS"])
    waiting = db.session.scalars(sa.select(Referee).join(Application).where(
        Application.state != ApplicationState.withdrawn,
        Referee.state == RefereeState.asked,
        Referee.reminders_sent < config["REFEREE_MAX_REMINDERS"],
        Referee.link_sent_at <= due).order_by(Referee.id)).all()
    for referee in waiting:
        referee.reminders_sent += 1
        _send_link(referee, kind="referee-reminder")
        audit.record("referee.remind", referee, number=referee.reminders_sent)
    return len(waiting)
