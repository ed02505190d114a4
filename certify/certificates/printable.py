"""What the printed certificate shows, in one language: labels translated, the English beside
them (RU and KK certificates), the emblems and signatories from the configuration, and the
verification address filled in here; ``pdf.py`` only lays the page out.

The official names come from where every page, mail and credential reads them: the Centre's
from ``issuer_name``, the award's from AWARD_TITLES, the branch's from the branch, the band's
from the rubric version. Emblems and signatories: docs/certificate-pdf.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from certify.certificates.issuer import issuer_name
from certify.certificates.models import Certificate
from certify.certificates.pdf import CertificateDocument, Signatory
from certify.core.dates import day
from certify.core.i18n import localized
from certify.core.urls import absolute_url
from certify.users.specialisms import specialism_title_in

# Neutral placeholders drawn for this project (not a UNESCO logo): see docs/certificate-pdf.md.
PLACEHOLDER_EMBLEMS = Path(__file__).resolve().parent / "emblems"
EMBLEM_SUFFIXES = (".svg", ".png")


def certificate_document(certificate: Certificate, language: str) -> CertificateDocument:
    titles = current_app.config["AWARD_TITLES"][certificate.track]
    branch = certificate.branch
    english = {
        **_labels("en"),
        "title": localized(titles, "en"),
        "band": certificate.band_title("en"),
        "issuer_name": issuer_name("en"),
        "branch_name": localized(branch.name, "en"),
    }
    return CertificateDocument(
        language=language,
        number=certificate.number,
        holder_name=certificate.holder_name,
        holder_name_native=certificate.holder_name_native,
        title=localized(titles, language),
        band=certificate.band_title(language) or None,
        issuer_name=issuer_name(language),
        branch_name=localized(branch.name, language),
        issued_on=(certificate.awarded_at or certificate.issued_at).date(),
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        verify_url=absolute_url("certificates.verify", number=certificate.number),
        labels=_labels(language),
        english=english,
        centre_emblem=centre_emblem(),
        branch_emblem=branch_emblem(branch.code),
        signatories=signatories(branch.code, language),
        specialism=specialism_title_in(certificate.specialism, language) or None,
        write_date=lambda value: day(value, language),
    )


def _labels(language: str) -> dict[str, str]:
    with force_locale(language):
        return {
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


def _configured_path(value: str | Path) -> Path:
    """A configured file or folder: relative paths are read from the instance folder."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(current_app.instance_path) / path


def _existing(setting: str, value: str | Path) -> Path:
    path = _configured_path(value)
    if not path.is_file():
        raise RuntimeError(f"{setting}: no file at {path}")
    if path.suffix.lower() not in EMBLEM_SUFFIXES:
        raise RuntimeError(f"{setting}: {path} is neither an SVG nor a PNG file")
    return path


def centre_emblem() -> Path:
    """CERTIFICATE_CENTRE_EMBLEM, or the neutral placeholder."""
    configured = current_app.config.get("CERTIFICATE_CENTRE_EMBLEM")
    if configured:
        return _existing("CERTIFICATE_CENTRE_EMBLEM", configured)
    return PLACEHOLDER_EMBLEMS / "centre.svg"


def branch_emblem(code: str) -> Path:
    """``<CODE>.svg`` or ``<CODE>.png`` in CERTIFICATE_BRANCH_EMBLEMS (default: the instance
    folder's ``emblems/``), so a new branch gets its emblem by dropping a file there; else the
    neutral placeholder."""
    folder = _configured_path(current_app.config.get("CERTIFICATE_BRANCH_EMBLEMS")
                              or "emblems")
    for suffix in EMBLEM_SUFFIXES:
        candidate = folder / f"{code}{suffix}"
        if candidate.is_file():
            return candidate
    return PLACEHOLDER_EMBLEMS / "branch.svg"


def _text(value: str | Mapping[str, str], language: str) -> str:
    return value if isinstance(value, str) else localized(value, language)


def signatories(branch_code: str, language: str) -> list[Signatory]:
    """CERTIFICATE_SIGNATORIES that sign this branch's certificates, in order: each a name and
    a title (a text, or one per language), optionally a signature image and the branches whose
    certificates they sign (default: all)."""
    found = []
    for index, entry in enumerate(current_app.config.get("CERTIFICATE_SIGNATORIES") or ()):
        setting = f"CERTIFICATE_SIGNATORIES[{index}]"
        if not isinstance(entry, Mapping) or not entry.get("name") or not entry.get("title"):
            raise RuntimeError(f"{setting}: a signatory needs a name and a title")
        branches: Any = entry.get("branches")
        if branches and branch_code not in branches:
            continue
        signature = entry.get("signature")
        found.append(Signatory(
            name=_text(entry["name"], language),
            title=_text(entry["title"], language),
            title_en=_text(entry["title"], "en"),
            signature=_existing(f"{setting}.signature", signature) if signature else None,
        ))
    return found
