"""Erasure of a person's data on request (issue 20; docs/privacy.md): ISO/IEC 17024 §7.1 and
§7.3 for what is kept, Kazakhstan's Law on Personal Data, GDPR art. 17 as the model).

A signed-in person asks (``request_erasure``, password confirmed); staff in scope see the
``plan`` — per kind of data, what is erased or deleted and what is kept and why, and what
blocks the erasure (open duties, undecided applications, open appeals or complaints) — and
approve it (``approve_erasure``: the plan carried out in the caller's one transaction; evidence
files go once it commits) or refuse it with a reason (``refuse_erasure``). The person is told
by mail in their language; every step is audited with counts only, never the erased data.

The account keeps its row, under the pseudonym "Erased person #<id>": certificates, decisions,
reviews and the audit log point at it (kept, §7.1), and the row says that the person asked and
was erased. Functions flush and never commit; refusals raise DomainError and write nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from assessments import evidence as evidence_files
from assessments.complaints.models import Complaint, ComplaintState
from assessments.models import (
    Application,
    DiscussionPost,
    ImpartialityDeclaration,
    Review,
)
from assessments.notifications import notify_erasure_requested
from assessments.reviewers.models import InvitationState, ReviewerInvitation
from assessments.states import AppealState, ApplicationState, Outcome, ReviewState
from certify.certificates.models import Certificate, ReviewerCredential
from certify.certificates.reviewer_credentials import erase_reviewer_credential
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError, Problem
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.core.passwords import verify_password
from certify.users import notifications
from certify.users.models import (
    ErasureRequest,
    ErasureState,
    PrivacyConsent,
    RegisterConsent,
    Role,
    User,
)
from certify.users.operations import unusable_password
from certify.users.permissions import can_handle_erasure

ERASE, DELETE, KEEP = "erase", "delete", "keep"
UNDECIDED = (ApplicationState.submitted, ApplicationState.under_review)


def pseudonym(user: User) -> str:
    return f"Erased person #{user.id}"


def erased_address(user: User) -> str:
    return f"erased-{user.id}@erased.invalid"


def kind_titles() -> dict[str, str]:
    """What each kind of data is, in the reader's language (the plan and the counts)."""
    return {
        "account": _("Name, name in native script, e-mail, affiliation"),
        "reviewer_profile": _("Reviewer role and profile (specialisms, languages, load)"),
        "draft_applications": _("Applications never submitted"),
        "unsuccessful_evidence": _("Evidence (files and links) of applications refused or "
                                   "withdrawn"),
        "unsuccessful_applications": _("Applications refused or withdrawn: answers and "
                                       "decision"),
        "awarded_applications": _("Awarded applications with their evidence"),
        "undecided_applications": _("Applications not decided yet"),
        "certificates": _("Certificates"),
        "appeals_complaints": _("Appeals and complaints"),
        "reviews": _("Reviews written"),
        "declarations": _("Impartiality declarations and discussion posts"),
        "invitations": _("Reviewer invitations"),
        "reviewer_credentials": _("Reviewer credentials"),
        "notifications": _("Mail sent or waiting to be sent to the person"),
        "consents": _("Consents to the privacy notice"),
        "audit": _("Audit log"),
    }


@dataclass(frozen=True)
class PlanItem:
    kind: str      # a key for the counts and tests: "account", "draft_applications", ...
    title: str     # what, translated
    count: int
    action: str    # ERASE, DELETE or KEEP
    why: str       # the rule, translated


@dataclass
class ErasurePlan:
    items: list[PlanItem] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return next((item.count for item in self.items if item.kind == kind), 0)

    def add(self, kind: str, count: int, action: str, why: str) -> None:
        if count or kind == "account":
            self.items.append(PlanItem(kind, kind_titles()[kind], count, action, why))


def _rows(model, *where) -> list:
    return list(db.session.scalars(sa.select(model).where(*where).order_by(model.id)))


def _applications(person: User) -> list[Application]:
    return _rows(Application, Application.candidate_id == person.id)


def _unsuccessful(application: Application) -> bool:
    return application.state == ApplicationState.withdrawn or (
        application.state == ApplicationState.decided and application.decision is not None
        and application.decision.outcome == Outcome.refuse)


def _complaints(person: User) -> list[Complaint]:
    return _rows(Complaint, Complaint.complainant_email == person.email)


def erasure_plan(person: User) -> ErasurePlan:
    """What approving would do, per kind of data, and what stands in its way."""
    plan = ErasurePlan()
    applications = _applications(person)
    drafts = [a for a in applications if a.state == ApplicationState.draft]
    unsuccessful = [a for a in applications if _unsuccessful(a)]
    awarded = [a for a in applications if a.state == ApplicationState.decided
               and a not in unsuccessful]
    open_reviews = _rows(Review, Review.reviewer_id == person.id,
                         Review.state == ReviewState.draft)
    written = _rows(Review, Review.reviewer_id == person.id,
                    Review.state == ReviewState.submitted)
    complaints = _complaints(person)
    appeals = [appeal for a in applications for appeal in a.appeals]

    # Blockers: duties still open, records still being made (ISO/IEC 17024 §9.4, §9.8, §9.9).
    for role in (Role.admin, Role.coordinator):
        if person.has_role(role):
            plan.blockers.append(_(
                "Holds the role %(role)s: an administrator removes it first.", role=role.title))
    for review in open_reviews:
        plan.blockers.append(_(
            "Review of application #%(id)d is assigned and not submitted: release or reassign "
            "it first.", id=review.application_id))
    for application in applications:
        if application.state in UNDECIDED:
            plan.blockers.append(_(
                "Application #%(id)d is not decided yet: it cannot be erased until it is "
                "decided or withdrawn.", id=application.id))
    for appeal in appeals:
        if appeal.state == AppealState.open:
            plan.blockers.append(_("The appeal on application #%(id)d is still open.",
                                   id=appeal.application_id))
    for complaint in complaints:
        if complaint.state != ComplaintState.resolved:
            plan.blockers.append(_(
                "Complaint %(number)s is still being handled: its outcome is mailed to the "
                "person.", number=complaint.number))

    plan.add("account", 1, ERASE, _(
        "Replaced by the pseudonym \"%(pseudonym)s\"; no phone number is kept. Login is "
        "disabled, the password and second factor are wiped. Country and branch stay (they "
        "are not enough to identify anyone and keep the branch's figures right).",
        pseudonym=pseudonym(person)))
    if person.reviewer_profile is not None or person.has_role(Role.reviewer):
        plan.add("reviewer_profile", 1, DELETE, _("Used only to invite and assign reviews."))
    plan.add("draft_applications", len(drafts), DELETE,
             _("Nobody decided anything on them: nothing needs keeping."))
    plan.add("unsuccessful_evidence", sum(len(a.evidence) for a in unsuccessful), DELETE,
             _("No certificate rests on it (as the retention rule, sooner)."))
    plan.add("unsuccessful_applications", len(unsuccessful), KEEP,
             _("ISO/IEC 17024 §7.1: the records that show a decision was justified are kept "
               "for the defined period; they now name the pseudonym."))
    plan.add("awarded_applications", len(awarded), KEEP,
             _("ISO/IEC 17024 §7.1, §9.4: the basis of a certificate issued is kept as long as "
               "the certificate's records."))
    plan.add("undecided_applications", sum(a.state in UNDECIDED for a in applications), KEEP,
             _("An application under way cannot be erased until it is decided (see the "
               "blockers)."))
    certificates = _rows(Certificate, Certificate.holder_id == person.id)
    plan.add("certificates", len(certificates), KEEP,
             _("ISO/IEC 17024 §7.2, §9.4: an issued certificate carries the holder's name and "
               "stays verifiable on request, so the name printed on it stays in its record "
               "and signed credential. Its PDF and credential are no longer offered to the "
               "public; verification by number still answers."))
    plan.add("appeals_complaints", len(appeals) + len(complaints), KEEP,
             _("ISO/IEC 17024 §9.8, §9.9: appeals and complaints are recorded and tracked."))
    plan.add("reviews", len(written), KEEP,
             _("ISO/IEC 17024 §7.1, §9.4: they justify decisions on other people's files."))
    credited = _rows(ReviewerCredential, ReviewerCredential.reviewer_id == person.id)
    plan.add("reviewer_credentials", len(credited), ERASE,
             _("Revoked, so every copy is refused; the name and the signed credential leave "
               "the record, which keeps only its place on the status list."))
    declarations = _rows(ImpartialityDeclaration, ImpartialityDeclaration.user_id == person.id)
    posts = _rows(DiscussionPost, DiscussionPost.author_id == person.id)
    plan.add("declarations", len(declarations) + len(posts), KEEP,
             _("ISO/IEC 17024 §4.3, §7.1: proof of impartiality and of how decisions were "
               "reached."))
    invitations = _rows(ReviewerInvitation, sa.or_(ReviewerInvitation.user_id == person.id,
                                                   ReviewerInvitation.email == person.email))
    plan.add("invitations", len(invitations), ERASE,
             _("The address in them is replaced by the pseudonym's; an unanswered one is "
               "closed."))
    plan.add("notifications", len(_notifications(person)), DELETE,
             _("Copies of messages; nothing is decided on them."))
    plan.add("consents", len(_rows(PrivacyConsent, PrivacyConsent.user_id == person.id)), KEEP,
             _("Proof that the data was processed with consent."))
    plan.add("audit", 1, KEEP,
             _("ISO/IEC 17024 §7.1, §7.3: hash-chained and never rewritten; its entries name "
               "the account by number, and the erasure adds counts only."))
    return plan


def _notifications(person: User) -> list[Notification]:
    return _rows(Notification, sa.or_(Notification.user_id == person.id,
                                      Notification.address == person.email))


def pending_request(person: User) -> ErasureRequest | None:
    return db.session.scalar(sa.select(ErasureRequest).where(
        ErasureRequest.user_id == person.id, ErasureRequest.state == ErasureState.pending))


def request_erasure(person: User, *, password: str, reason: str, language: str) -> ErasureRequest:
    """The person asks; their password confirms it is them. One pending request at a time."""
    if not verify_password(person.password_hash, password):
        raise DomainError(Problem(_("The password is not right."), "password"))
    if person.erased_at is not None:
        raise DomainError(_("This account has been erased already."))
    # Two requests sent at once wait for each other here (PostgreSQL): one pending at a time.
    db.session.execute(sa.select(User.id).where(User.id == person.id).with_for_update())
    if pending_request(person) is not None:
        raise DomainError(_("You have already asked for erasure: your request is waiting for "
                            "a decision."))
    erasure = ErasureRequest(user_id=person.id, reason=reason.strip(),
                             language=language if language in ("en", "ru", "kk") else "en")
    db.session.add(erasure)
    db.session.flush()
    # Not the reason's text: it is the person's, and the audit log is never erased.
    audit.record("privacy.erasure_requested", erasure, actor=person,
                 with_reason=bool(erasure.reason))
    notify_erasure_requested(erasure.id, person.branch_id, person.id)
    return erasure


def _require_pending(erasure: ErasureRequest, by: User) -> None:
    # Two decisions at once wait for each other here (PostgreSQL); the second sees the first's.
    db.session.refresh(erasure, with_for_update=True)
    if erasure.state != ErasureState.pending:
        raise DomainError(_("This request has been decided already."))
    if not can_handle_erasure(by, erasure.user):
        raise DomainError(_("You may not decide this request."))


def refuse_erasure(erasure: ErasureRequest, reason: str, *, by: User) -> None:
    _require_pending(erasure, by)
    erasure.state = ErasureState.refused
    erasure.refusal_reason = reason.strip()
    erasure.decided_at = utcnow()
    erasure.decided_by_id = by.id
    db.session.flush()
    audit.record("privacy.erasure_refused", erasure, actor=by)
    notifications.erasure_refused(erasure.user, erasure.language, erasure.refusal_reason,
                                  erasure.id)


def approve_erasure(erasure: ErasureRequest, *, by: User) -> dict[str, int]:
    """Carry out the plan; the caller commits once (then the files go) or rolls back."""
    _require_pending(erasure, by)
    person = erasure.user
    plan = erasure_plan(person)
    if plan.blockers:
        raise DomainError(*plan.blockers)
    address, language = person.email, erasure.language
    audit.record("privacy.erasure_approved", erasure, actor=by)
    counts = {item.kind: item.count for item in plan.items if item.action != KEEP}

    for application in _applications(person):
        if application.state == ApplicationState.draft:
            _forget_files(application.evidence)
            db.session.delete(application)
        elif _unsuccessful(application):
            _forget_files(application.evidence)
            for piece in list(application.evidence):
                db.session.delete(piece)
    for certificate in _rows(Certificate, Certificate.holder_id == person.id):
        certificate.is_private = True
    for record in _rows(ReviewerCredential, ReviewerCredential.reviewer_id == person.id):
        erase_reviewer_credential(record, pseudonym=pseudonym(person))
    for invitation in _rows(ReviewerInvitation, sa.or_(ReviewerInvitation.user_id == person.id,
                                                       ReviewerInvitation.email == address)):
        invitation.email = erased_address(person)
        if invitation.state == InvitationState.sent:  # its link opens nothing any more
            invitation.state, invitation.responded_at = InvitationState.declined, utcnow()
    for message in _notifications(person):
        db.session.delete(message)
    if person.reviewer_profile is not None:
        db.session.delete(person.reviewer_profile)
    consent = db.session.get(RegisterConsent, person.id)  # out of the public register
    if consent is not None:
        db.session.delete(consent)
    person.role_assignments = [a for a in person.role_assignments if a.role == Role.candidate]

    person.full_name = pseudonym(person)
    person.full_name_native = None
    person.affiliation = ""
    person.email = erased_address(person)
    person.password_hash = unusable_password()
    person.totp_secret = person.totp_enabled_at = person.totp_last_step = None
    person.recovery_codes = []
    person.last_login_at = None
    person.is_enabled = False
    person.erased_at = utcnow()
    person.rotate_session_token()

    erasure.state = ErasureState.approved
    erasure.reason = ""
    erasure.decided_at = utcnow()
    erasure.decided_by_id = by.id
    erasure.counts = counts
    db.session.flush()
    audit.record("privacy.erasure_executed", erasure, actor=by, **counts)
    # To the address it had: the account's is the pseudonym's now.
    notifications.erasure_done(address, language, erasure.id)
    return counts


def _forget_files(pieces) -> None:
    for piece in pieces:
        if piece.stored_name:
            db.session.info.setdefault(evidence_files.TO_DELETE, []).append(
                evidence_files.stored_path(piece))


def requests_for(viewer: User, state: ErasureState = ErasureState.pending) -> list:
    """The requests staff may decide: every one for administrators, their branch's for
    coordinators; oldest first."""
    query = (sa.select(ErasureRequest).join(User, User.id == ErasureRequest.user_id)
             .where(ErasureRequest.state == state)
             .options(sa.orm.contains_eager(ErasureRequest.user))
             .order_by(ErasureRequest.requested_at))
    if not viewer.is_admin:
        query = query.where(User.branch_id.in_(viewer.coordinated_branch_ids),
                            User.id != viewer.id)
    return list(db.session.scalars(query))
