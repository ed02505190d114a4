"""A reviewer's signed credential of their work in one competition (issue 19): an Open Badges
3.0 credential with an achievement of its own ("Reviewer, <competition>") and three results
(files reviewed, calibration completed, timeliness), signed with the issuer's keys and proof
set like a certificate, with its place on the same revocation list.

The figures are counted by ``assessments.reviewers.credentials``, which writes the record;
this layer only builds, signs, revokes and finds it (it knows nothing of competitions)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from certify.certificates import credentials as vc
from certify.certificates.keys import sign_with_active_key
from certify.certificates.models import ReviewerCredential
from certify.certificates.signing import claim_status_index, issuer_object, revocation_entry
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.i18n import localized
from certify.core.urls import absolute_url, base_url


def new_public_id() -> str:
    return str(uuid.uuid4())


def credential_language(record: ReviewerCredential) -> str:
    """The reviewer's language if we offer it, else English (as for certificates)."""
    language = record.reviewer.preferred_language
    return language if language in current_app.config["LANGUAGES"] else "en"


def _result_descriptions(achievement_id: str) -> list[dict[str, Any]]:
    """The three figures as OB 3.0 ResultDescriptions (§B.1), in the credential's language."""
    return [
        {"id": f"{achievement_id}#files-reviewed", "type": ["ResultDescription"],
         "name": _("Files reviewed"), "resultType": "RawScore", "valueMin": "0"},
        {"id": f"{achievement_id}#calibration", "type": ["ResultDescription"],
         "name": _("Calibration completed"), "resultType": "Result"},
        {"id": f"{achievement_id}#timeliness", "type": ["ResultDescription"],
         "name": _("Share of reviews submitted by the deadline (percent)"),
         "resultType": "Percent", "valueMin": "0", "valueMax": "100"},
    ]


def _results(record: ReviewerCredential, achievement_id: str) -> list[dict[str, Any]]:
    # OB 3.0's Result.status vocabulary has no "not done": a plain value says either.
    calibration = {"type": ["Result"], "resultDescription": f"{achievement_id}#calibration",
                   "value": "completed" if record.calibration_completed else "not completed"}
    return [
        {"type": ["Result"], "resultDescription": f"{achievement_id}#files-reviewed",
         "value": str(record.files_reviewed)},
        calibration,
        {"type": ["Result"], "resultDescription": f"{achievement_id}#timeliness",
         "value": str(record.timeliness_percent)},
    ]


def reviewer_achievement(record: ReviewerCredential, language: str) -> dict[str, Any]:
    """The achievement of reviewing for one competition, in the credential's language."""
    identifier = f"{base_url()}/achievements/reviewer/{record.competition_id}"
    title = localized(record.competition_title, language)
    with force_locale(language):
        return {
            "id": identifier,
            "type": ["Achievement"],
            "achievementType": "Award",
            "name": _("Reviewer, %(competition)s", competition=title),
            "description": _("Reviewed candidates' files against the published rubric in "
                             "the competition \"%(competition)s\".", competition=title),
            "criteria": {"narrative": _(
                "Appointed as a reviewer in the competition, submitted at least one review; "
                "the results state how many files were reviewed, whether the calibration "
                "exemplar was scored and the share of reviews submitted by the deadline.")},
            "inLanguage": language,
            "resultDescription": _result_descriptions(identifier),
        }


def build_reviewer_credential(record: ReviewerCredential) -> dict[str, Any]:
    """The record as an OpenBadgeCredential (unsigned), in the shape of a certificate's
    (``signing.build_credential``): same issuer, identifiers, status entry and schema."""
    language = credential_language(record)
    achievement = reviewer_achievement(record, language)
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "identityType": "name", "hashed": False,
             "identityHash": record.reviewer_name},
            {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
             "identityHash": vc.identity_hash(record.reviewer.email, record.subject_salt),
             "salt": record.subject_salt},
        ],
        "achievement": achievement,
        "result": _results(record, achievement["id"]),
    }
    return {
        "@context": [vc.VC_CONTEXT, vc.OB_CONTEXT, vc.OB_EXTENSIONS_CONTEXT],
        "id": record.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": issuer_object(),
        "validFrom": vc.timestamp(record.issued_at),
        "awardedDate": vc.timestamp(record.issued_at),
        "credentialSubject": subject,
        "evidence": [{"type": ["Evidence"], "id": verification_url(record),
                      "name": achievement["name"]}],
        "credentialStatus": revocation_entry(record.status_index),
        "credentialSchema": [{"id": vc.OB_SCHEMA, "type": vc.OB_SCHEMA_TYPE}],
    }


def verification_url(record: ReviewerCredential) -> str:
    return absolute_url("certificates.reviewer_credential_page", public_id=record.public_id)


def sign_reviewer_credential(record: ReviewerCredential) -> None:
    """Give the record its status place and salt (once) and a freshly signed credential."""
    if record.status_index is None:
        claim_status_index(record)
    if not record.subject_salt:
        record.subject_salt = secrets.token_hex(16)
    record.credential = sign_with_active_key(build_reviewer_credential(record))
    db.session.flush()


def revoke_reviewer_credential(record: ReviewerCredential, *, reason: str, by) -> None:
    """Permanent: the revocation list sets its bit, the verification page shows the reason."""
    if record.revoked_at is not None:
        raise DomainError(_("This credential has already been revoked."))
    record.revoked_at = utcnow()
    record.revocation_reason = reason.strip()
    audit.record("reviewer_credential.revoke", record, actor=by, reason=record.revocation_reason,
                 reviewer=record.reviewer_id, competition=record.competition_id)
    db.session.flush()


def erase_reviewer_credential(record: ReviewerCredential, *, pseudonym: str) -> None:
    """At the reviewer's erasure (docs/privacy.md): the record keeps its place in the status
    list, revoked, so every copy of the credential is refused everywhere (and the place is
    never handed out again); the name and the signed credential leave it, and its pages
    answer 404. Audited by the erasure, which records counts only."""
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        record.revocation_reason = "Erased at the reviewer's request."
    record.reviewer_name = pseudonym
    record.credential = None
    db.session.flush()


def reviewer_credential_by_id(credential_id: Any) -> ReviewerCredential | None:
    """Our record of a credential by its id (``urn:uuid:…``), or None."""
    if not isinstance(credential_id, str) or not credential_id.startswith("urn:uuid:"):
        return None
    return db.session.scalar(sa.select(ReviewerCredential).where(
        ReviewerCredential.public_id == credential_id.removeprefix("urn:uuid:")))


def reviewer_credentials_of(user) -> list[ReviewerCredential]:
    return list(db.session.scalars(sa.select(ReviewerCredential).where(
        ReviewerCredential.reviewer_id == user.id).order_by(ReviewerCredential.issued_at.desc())))
