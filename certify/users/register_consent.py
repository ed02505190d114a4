"""A holder's consent to appear in the public register (issue 19; domain anchors §3.4 rule 10:
the register shows only the fields listed there and keeps CV and contact data private).

Off by default: nobody is listed until they agree. The consent names the version of the text
they agreed to (``TEXTS``: a version id and its words); a changed text is a new version, so a
stored consent always says exactly what was shown. Withdrawing deletes the consent at once, and
the public answers kept in Redis are dropped with the commit (``RegisterConsent`` is watched by
the register's views). Each change is in the audit log. Operations flush and never commit."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import RegisterConsent, User

LANGUAGES = ("en", "ru", "kk")

# version id -> (published on, the text the holder agrees to); the last one is current.
TEXTS = {
    "2026-11": (date(2026, 11, 28), _l(
        "List me in the public register of certificate holders. The register shows, for each "
        "of my certificates that is valid or suspended: my name in Latin and native script, "
        "the certificate number, the title and band, the track, the specialism, the issuing "
        "branch, my country, the dates of issue and expiry, the status, and links to its "
        "verification page and signed credential. It never shows my e-mail address, "
        "affiliation, CV or any contact details. I can withdraw this consent at any time; my "
        "entries then disappear from the register at once.")),
}


def current_version() -> str:
    return next(reversed(TEXTS))


def consent_text(version: str | None = None) -> str:
    return str(TEXTS[version or current_version()][1])


def consent_of(user: User) -> RegisterConsent | None:
    return db.session.get(RegisterConsent, user.id)


def give_consent(user: User, language: str) -> RegisterConsent:
    """The holder agrees to the current text; agreeing again to a newer one replaces the old."""
    consent = consent_of(user)
    version = current_version()
    if consent is not None and consent.version == version:
        return consent
    if consent is None:
        consent = RegisterConsent(user_id=user.id)
        db.session.add(consent)
    consent.version = version
    consent.language = language if language in LANGUAGES else "en"
    consent.given_at = utcnow()
    db.session.flush()
    audit.record("register.consent", user, actor=user, version=version,
                 language=consent.language)
    return consent


def withdraw_consent(user: User) -> bool:
    """The holder leaves the register; False when they were not in it."""
    consent = consent_of(user)
    if consent is None:
        return False
    version = consent.version
    db.session.delete(consent)
    db.session.flush()
    audit.record("register.withdraw", user, actor=user, version=version)
    return True
