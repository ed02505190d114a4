"""Which mail goes out about a complaint: the receipt with the status link, the staff's notice,
the outcome to the complainant, and the holder's notice when their certificate is affected."""

from __future__ import annotations

from flask_babel import gettext as _

from assessments.complaints.models import CERTIFICATE_OUTCOMES, Complaint
from assessments.complaints.permissions import involvement
from assessments.notifications import staff_of_branch
from certify.core import outbox
from certify.core.urls import absolute_url


def notify_receipt(complaint: Complaint, token: str) -> None:
    def compose():
        return (
            _("Complaint %(number)s received", number=complaint.number),
            _("Dear %(name)s,\n\nwe have received your complaint and registered it under the "
              "number %(number)s. Staff who are not involved in what it concerns will "
              "investigate it, and we will write to you with the outcome.\n\nYou can follow "
              "its status, without an account, at this address (keep it to yourself):\n"
              "%(url)s\n",
              name=complaint.complainant_name, number=complaint.number,
              url=absolute_url("assessments.complaint_status", token=token)),
        )

    outbox.queue_to_address(complaint.complainant_email, complaint.language, "complaint-receipt",
                            f"complaint:{complaint.id}:receipt", compose)


def notify_staff(complaint: Complaint) -> None:
    """The administrators and the branch's coordinators, except whoever is involved."""
    def compose():
        return (
            _("New complaint %(number)s", number=complaint.number),
            _("A complaint has been filed. Assign an investigator who is not involved:\n"
              "%(url)s\n",
              url=absolute_url("assessments.complaint", complaint_id=complaint.id)),
        )

    for person in staff_of_branch(complaint.branch_id):
        if involvement(person, complaint) is None:
            outbox.queue(person, "complaint", f"complaint:{complaint.id}:staff:{person.id}",
                         compose)


def notify_outcome(complaint: Complaint) -> None:
    def compose():
        return (
            _("Your complaint %(number)s: %(outcome)s", number=complaint.number,
              outcome=complaint.outcome.title),
            _("Dear %(name)s,\n\nthe investigation of your complaint %(number)s is complete. "
              "Outcome: %(outcome)s.\n\n%(reason)s\n",
              name=complaint.complainant_name, number=complaint.number,
              outcome=complaint.outcome.title, reason=complaint.outcome_reason),
        )

    outbox.queue_to_address(complaint.complainant_email, complaint.language, "complaint-outcome",
                            f"complaint:{complaint.id}:outcome", compose)


def notify_holder(complaint: Complaint) -> None:
    """The holder, when the outcome suspends or withdraws their certificate."""
    certificate = complaint.certificate
    if certificate is None or complaint.outcome not in CERTIFICATE_OUTCOMES:
        return

    def compose():
        return (
            _("Your certificate %(number)s: %(outcome)s", number=certificate.number,
              outcome=complaint.outcome.title),
            _("Dear %(name)s,\n\nafter investigating a complaint, the certification body has "
              "decided: %(outcome)s.\n\n%(reason)s\n\nYour certificate's page:\n%(url)s\n",
              name=certificate.holder_name, outcome=complaint.outcome.title,
              reason=complaint.outcome_reason,
              url=absolute_url("certificates.mine", number=certificate.number)),
        )

    outbox.queue(certificate.holder, "complaint-holder", f"complaint:{complaint.id}:holder",
                 compose)
