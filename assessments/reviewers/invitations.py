"""Inviting reviewers by e-mail and their answer (issue 20), after OpenReview's and pretalx's
reviewer invitations: one link per person, which accepts or declines.

The link holds a random token; only its SHA-256 is stored. It works once (the answer moves the
invitation out of ``sent`` in one conditional UPDATE, so two answers racing cannot both win)
and until ``expires_at``. Whoever opens it answers for the invited address: a new reviewer
creates their account there (a confirmed address, since the link came through its mailbox);
an address with an account answers only from that account, logged in. A refused answer writes
nothing. Operations flush and never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from assessments.models import Application, Competition, Conflict
from assessments.reviewers import notifications
from assessments.reviewers.models import InvitationState, ReviewerInvitation
from assessments.reviewers.permissions import can_invite, can_invite_for, can_see_invitation
from assessments.states import ApplicationState
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.i18n import current_language
from certify.core.urls import absolute_url
from certify.users import privacy
from certify.users.models import Branch, Role, User
from certify.users.operations import create_user, set_reviewer_profile, user_by_email
from certify.users.roles import grant_invited_role


class InvitationError(DomainError):
    """The link is unknown, answered already or expired: its own page says so (status 400)."""


@dataclass
class ReviewerDeclaration:
    """What an invited reviewer declares when accepting."""

    specialisms: list[str]
    languages: list[str]
    max_open_reviews: int | None
    conflict_ids: list[int] = field(default_factory=list)
    conflict_reason: str = ""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(invitation: ReviewerInvitation) -> str:
    """A fresh single-use link: its token's hash replaces the old one, which stops working."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.link_sent_at = utcnow()
    return absolute_url("assessments.invitation", token=token)


def invite(email: str, *, competition: Competition | None, language: str, by: User,
           branch: Branch | None = None) -> ReviewerInvitation:
    """Send an invitation (a coordinator's belongs to their branch)."""
    email = email.strip().lower()
    if not can_invite(by):
        raise DomainError(_("You cannot invite reviewers."))
    if not by.is_admin and (branch is None or branch.id not in by.coordinated_branch_ids):
        raise DomainError(_("You can invite reviewers for your own branch only."))
    if competition is not None and not can_invite_for(by, competition):
        raise DomainError(_("You cannot invite reviewers to this competition."))
    existing = user_by_email(email)
    if existing is not None and not existing.is_enabled:
        raise DomainError(_("The account with this address is disabled."))
    if existing is not None and competition is None and existing.has_role(Role.reviewer):
        raise DomainError(_("This person is in the reviewer pool already."))
    now = utcnow()
    same_call = (ReviewerInvitation.competition_id == competition.id if competition
                 else ReviewerInvitation.competition_id.is_(None))
    waiting = db.session.scalar(sa.select(ReviewerInvitation.id).where(
        ReviewerInvitation.email == email, same_call,
        ReviewerInvitation.state == InvitationState.sent,
        ReviewerInvitation.expires_at > now))
    if waiting is not None:
        raise DomainError(_("An invitation to this address is waiting for an answer already."))
    invitation = ReviewerInvitation(
        email=email, competition=competition, branch=None if by.is_admin else branch,
        language=language, invited_by=by, created_at=now, link_sent_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"]))
    link = _new_link(invitation)
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.send", invitation, actor=by,
                 competition=competition.id if competition else None)
    notifications.invitation_mail(invitation, link, reminder=False)
    return invitation


def invitation_for_token(token: str) -> ReviewerInvitation:
    """The invitation a link names, while it can be answered; InvitationError otherwise."""
    invitation = db.session.scalar(sa.select(ReviewerInvitation).where(
        ReviewerInvitation.token_hash == _hash(token)))
    if invitation is None:
        raise InvitationError(_("This invitation link is not valid. Check that you copied all "
                                "of it, or use the newest message you received."))
    if invitation.state == InvitationState.withdrawn:
        raise InvitationError(_("This invitation has been withdrawn by the person who sent "
                                "it, so it can no longer be answered. Nothing more is needed "
                                "from you."))
    if invitation.state != InvitationState.sent:
        raise InvitationError(_("This invitation has been answered already."))
    if invitation.status() == InvitationState.expired:
        raise InvitationError(_("This invitation has expired. Ask the person who invited you "
                                "for a new one."))
    return invitation


def require_invited_account(invitation: ReviewerInvitation, user) -> None:
    """A logged-in visitor answers only for their own address."""
    if user is not None and user.is_authenticated and user.email != invitation.email:
        raise DomainError(_("This invitation was sent to another address. Log out and open "
                            "the link again, or log in with the invited address."))


def conflict_choices(invitation: ReviewerInvitation) -> list[tuple[int, str]]:
    """The competition's applications a reviewer may know, to declare conflicts with. In a
    blind competition they are listed by number alone."""
    competition = invitation.competition
    if competition is None:
        return []
    applications = db.session.scalars(
        sa.select(Application).where(
            Application.competition_id == competition.id,
            Application.state.in_([ApplicationState.submitted, ApplicationState.under_review]))
        .order_by(Application.id)).all()
    if competition.blind_review:
        return [(a.id, _("Application No. %(number)d", number=a.id)) for a in applications]
    return [(a.id, _("Application No. %(number)d: %(name)s, %(affiliation)s", number=a.id,
                     name=a.candidate.full_name, affiliation=a.candidate.affiliation or "—"))
            for a in applications]


def _answer(invitation: ReviewerInvitation, state: InvitationState, *, user: User | None = None,
            reason: str | None = None) -> None:
    """Move the invitation out of ``sent``: exactly once, even when two answers race."""
    now = utcnow()
    moved = db.session.execute(
        sa.update(ReviewerInvitation)
        .where(ReviewerInvitation.id == invitation.id,
               ReviewerInvitation.state == InvitationState.sent,
               ReviewerInvitation.expires_at > now)
        .values(state=state, responded_at=now, user_id=user.id if user else None,
                decline_reason=reason)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise InvitationError(_("This invitation has been answered already."))
    db.session.expire(invitation)


def _accept(invitation: ReviewerInvitation, user: User, declaration: ReviewerDeclaration) -> None:
    _answer(invitation, InvitationState.accepted, user=user)
    set_reviewer_profile(user, specialisms=declaration.specialisms,
                         languages=declaration.languages,
                         max_open_reviews=declaration.max_open_reviews, by=user)
    allowed = {application_id for application_id, _label in conflict_choices(invitation)}
    if set(declaration.conflict_ids) - allowed:
        raise DomainError(_("Choose conflicts from the list."))
    known = set(db.session.scalars(sa.select(Conflict.application_id).where(
        Conflict.reviewer_id == user.id)))
    reason = declaration.conflict_reason.strip() or "declared on accepting the invitation"
    for application_id in sorted(set(declaration.conflict_ids) - known):
        db.session.add(Conflict(reviewer_id=user.id, application_id=application_id,
                                reason=reason))
    db.session.flush()
    audit.record("invitation.accept", invitation, actor=user, user_id=user.id,
                 competition=invitation.competition_id, conflicts=len(declaration.conflict_ids))


def accept_with_new_account(invitation: ReviewerInvitation, declaration: ReviewerDeclaration,
                            *, password: str, **profile) -> User:
    """A new reviewer's account at the invited address (proven by the link)."""
    if user_by_email(invitation.email) is not None:
        raise DomainError(_("An account with this address exists: log in to answer."))
    user = create_user(email=invitation.email, password=password, roles=[Role.reviewer],
                       email_verified=True, by=invitation.invited_by, **profile)
    # The form's box agreed to the privacy notice it links.
    privacy.record_consent(user, current_language())
    _accept(invitation, user, declaration)
    return user


def accept_as(invitation: ReviewerInvitation, user: User,
              declaration: ReviewerDeclaration) -> None:
    """An account holder accepts, logged in with the invited address."""
    require_invited_account(invitation, user)
    grant_invited_role(user, Role.reviewer, by=user)
    _accept(invitation, user, declaration)


def decline(invitation: ReviewerInvitation, reason: str, *, by=None) -> None:
    require_invited_account(invitation, by)
    if not reason.strip():
        raise DomainError(_("Say briefly why you decline."))
    _answer(invitation, InvitationState.declined, reason=reason.strip())
    audit.record("invitation.decline", invitation,
                 actor=by if by is not None and by.is_authenticated else None)


def send_invitation_reminders() -> int:
    """Remind each invitation still unanswered INVITATION_REMINDER_DAYS after its newest link
    went out, at most INVITATION_MAX_REMINDERS times, each with a new link (only hashes are
    stored, so an earlier link cannot be sent again; it stops working)."""
    now = utcnow()
    config = current_app.config
    due = now - timedelta(days=config["INVITATION_REMINDER_DAYS"])
    waiting = db.session.scalars(sa.select(ReviewerInvitation).where(
        ReviewerInvitation.state == InvitationState.sent,
        ReviewerInvitation.reminders_sent < config["INVITATION_MAX_REMINDERS"],
        ReviewerInvitation.link_sent_at <= due,
        ReviewerInvitation.expires_at > now).order_by(ReviewerInvitation.id)).all()
    for invitation in waiting:
        link = _new_link(invitation)
        invitation.reminded_at = now
        invitation.reminders_sent += 1
        db.session.flush()
        notifications.invitation_mail(invitation, link, reminder=True)
        audit.record("invitation.remind", invitation, number=invitation.reminders_sent)
    return len(waiting)


def _require_manageable(invitation: ReviewerInvitation, by: User) -> None:
    if not can_see_invitation(by, invitation):
        raise DomainError(_("You cannot manage this invitation."))
    if invitation.state != InvitationState.sent:
        raise DomainError(_("This invitation is no longer waiting for an answer: it is %(state)s.",
                            state=invitation.status().title.lower()))


def withdraw(invitation: ReviewerInvitation, *, by: User) -> None:
    """Staff take back an invitation still waiting for an answer: its link stops working and
    says so to whoever opens it. One conditional UPDATE, so an answer racing it cannot win
    as well."""
    _require_manageable(invitation, by)
    moved = db.session.execute(
        sa.update(ReviewerInvitation)
        .where(ReviewerInvitation.id == invitation.id,
               ReviewerInvitation.state == InvitationState.sent)
        .values(state=InvitationState.withdrawn, withdrawn_at=utcnow(), withdrawn_by_id=by.id)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise DomainError(_("This invitation has been answered in the meantime."))
    db.session.expire(invitation)
    audit.record("invitation.withdraw", invitation, actor=by)


def resend(invitation: ReviewerInvitation, *, by: User) -> None:
    """A new single-use link with a new expiry, for an invitation not yet answered (waiting or
    expired); the previous link stops working. One conditional UPDATE, like an answer's: an
    invitation answered or withdrawn meanwhile is not revived."""
    _require_manageable(invitation, by)
    if invitation.competition is not None and not can_invite_for(by, invitation.competition):
        raise DomainError(_("You cannot invite reviewers to this competition."))
    token, now = secrets.token_urlsafe(32), utcnow()
    expires = now + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"])
    moved = db.session.execute(
        sa.update(ReviewerInvitation)
        .where(ReviewerInvitation.id == invitation.id,
               ReviewerInvitation.state == InvitationState.sent)
        .values(token_hash=_hash(token), link_sent_at=now, expires_at=expires)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise DomainError(_("This invitation has been answered in the meantime."))
    db.session.expire(invitation)
    notifications.invitation_mail(
        invitation, absolute_url("assessments.invitation", token=token), reminder=False,
        again=True)
    audit.record("invitation.resend", invitation, actor=by, expires_at=expires.isoformat())
