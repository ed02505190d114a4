"""Who may handle a complaint: staff of its branch who are not involved in what it is about
(ISO/IEC 17024 §9.9). ``involvement`` names why someone is involved, so a refusal can say it."""

from __future__ import annotations

from flask_babel import gettext as _

from assessments.complaints.models import Complaint, ComplaintState
from assessments.models import Application
from assessments.permissions import has_declared_conflict, is_staff, is_staff_for_branch
from certify.core.extensions import db


def assessed_application(complaint: Complaint) -> Application | None:
    """The application the certificate complained about was awarded on (a renewal continues
    the certificate it renews, so its chain is followed back to the award)."""
    certificate = complaint.certificate
    while certificate is not None and certificate.application_id is None:
        certificate = certificate.renewed_from
    return db.session.get(Application, certificate.application_id) if certificate else None


def _application_roles(user, application: Application) -> str | None:
    if application.review_by(user) is not None:
        return _("They reviewed the holder's application.")
    decision = application.decision
    if decision is not None and decision.decided_by_id == user.id:
        return _("They decided the holder's application.")
    if decision is not None and decision.moderated_by_id == user.id:
        return _("They second-checked the decision on the holder's application.")
    if any(appeal.resolved_by_id == user.id for appeal in application.appeals):
        return _("They heard an appeal on the holder's application.")
    if has_declared_conflict(user, application):
        return _("They declared a conflict of interest with the holder's application.")
    return None


def involvement(user, complaint: Complaint) -> str | None:
    """Why ``user`` is involved in what the complaint is about, or None when they are not."""
    if user.email.strip().lower() == complaint.complainant_email.strip().lower():
        return _("They filed the complaint.")
    certificate = complaint.certificate
    if certificate is None:
        return None
    if certificate.holder_id == user.id:
        return _("They hold the certificate complained about.")
    application = assessed_application(complaint)
    return _application_roles(user, application) if application is not None else None


def can_list_complaints(user) -> bool:
    return is_staff(user)


def can_manage_complaint(user, complaint: Complaint) -> bool:
    """Administrators, and the coordinators of the complaint's branch, who are not involved."""
    return (is_staff_for_branch(user, complaint.branch_id)
            and involvement(user, complaint) is None)


def can_resolve_complaint(user, complaint: Complaint) -> bool:
    """The assigned investigator, or an administrator not involved."""
    return (complaint.state != ComplaintState.resolved
            and can_manage_complaint(user, complaint)
            and (complaint.investigator_id == user.id or user.is_admin))
