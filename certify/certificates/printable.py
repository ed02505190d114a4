"""What the printed certificate shows, in one language: labels translated and the verification
address filled in here; ``pdf.py`` only lays the page out."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from certify.certificates.issuer import issuer_name
from certify.certificates.models import Certificate
from certify.certificates.pdf import CertificateDocument
from certify.core.dates import day
from certify.core.i18n import localized
from certify.core.urls import absolute_url
from certify.users.specialisms import specialism_title_in


def certificate_document(certificate: Certificate, language: str) -> CertificateDocument:
    with force_locale(language):
        labels = {
            "certificate": _("Certificate"),
            "awarded_to": _("is awarded to"),
            "number": _("Certificate number"),
            "issued": _("Issued on"),
            "valid_until": _("Valid until"),
            "valid_from": _("Valid from"),
            "verify": _("Scan or visit to verify"),
            "status_note": _("Valid only as shown on the verification page."),
            "specialism": _("Specialism"),
        }
    return CertificateDocument(
        language=language,
        number=certificate.number,
        holder_name=certificate.holder_name,
        holder_name_native=certificate.holder_name_native,
        title=localized(current_app.config["AWARD_TITLES"][certificate.track], language),
        band=certificate.band_title(language) or None,
        issuer_name=issuer_name(language),
        branch_name=localized(certificate.branch.name, language),
        issued_on=(certificate.awarded_at or certificate.issued_at).date(),
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        verify_url=absolute_url("certificates.verify", number=certificate.number),
        labels=labels,
        specialism=specialism_title_in(certificate.specialism, language) or None,
        write_date=lambda value: day(value, language),
    )
