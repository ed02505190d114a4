"""The privacy notice and each person's consent to it (issue 20; ISO/IEC 17024 §7.1, §7.3;
Kazakhstan's Law on Personal Data and their Protection: consent to a stated purpose).

The notice's texts live in ``templates/privacy/<version>/<language>.html``; ``VERSIONS`` lists
the published versions, oldest first, and the last one is current. Publishing a new version is
a new folder and a line here: whoever agreed to an older one is asked to accept the new one at
their next request (the gate in ``certify.users.views.privacy``). Published texts never change,
so a consent row names exactly what was shown. Operations flush and never commit."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import g, has_app_context

from certify.core import audit
from certify.core.extensions import db
from certify.users.models import PrivacyConsent, User

# version id -> date of publication
VERSIONS: dict[str, date] = {
    "2026-11": date(2026, 11, 28),
}
LANGUAGES = ("en", "ru", "kk")


def current_version() -> str:
    return next(reversed(VERSIONS))


def notice_template(version: str, language: str) -> str:
    return f"privacy/{version}/{language if language in LANGUAGES else 'en'}.html"


def _accepted(version: str) -> sa.Exists:
    return sa.exists().where(PrivacyConsent.user_id == User.id, PrivacyConsent.version == version)


def has_accepted(user: User, version: str) -> bool:
    return db.session.scalar(sa.select(PrivacyConsent.id).where(
        PrivacyConsent.user_id == user.id, PrivacyConsent.version == version)) is not None


def load_signed_in_user(token: str) -> User | None:
    """The session's user, while the account is enabled (disabling ends every session), read
    with whether they accepted the current notice: the consent gate asked on every request
    then costs no statement of its own."""
    row = db.session.execute(
        sa.select(User, _accepted(current_version()))
        .where(User.session_token == token, User.is_enabled)).first()
    if row is None:
        return None
    user, accepted = row
    g.accepted_current_notice = (user.id, accepted)
    return user


def needs_new_consent(user: User) -> bool:
    """True for every account that has not agreed to the current version: one that agreed to
    an earlier version, and one with no consent at all (made by staff, the CLI or an import,
    or before consents were kept; staff included): each is asked at its next request."""
    known = g.get("accepted_current_notice") if has_app_context() else None
    if known is not None and known[0] == user.id:
        return not known[1]
    return not has_accepted(user, current_version())


def record_consent(user: User, language: str, version: str | None = None) -> PrivacyConsent:
    """The person agrees to the notice (the current version unless named); once per version."""
    version = version or current_version()
    consent = db.session.scalar(sa.select(PrivacyConsent).where(
        PrivacyConsent.user_id == user.id, PrivacyConsent.version == version))
    if consent is None:
        consent = PrivacyConsent(user_id=user.id, version=version,
                                 language=language if language in LANGUAGES else "en")
        db.session.add(consent)
        db.session.flush()
        audit.record("privacy.consent", user, actor=user, version=version,
                     language=consent.language)
        if has_app_context() and version == current_version():
            g.accepted_current_notice = (user.id, True)
    return consent


def consents_of(user: User) -> list[PrivacyConsent]:
    return list(db.session.scalars(sa.select(PrivacyConsent).where(
        PrivacyConsent.user_id == user.id).order_by(PrivacyConsent.accepted_at)))
