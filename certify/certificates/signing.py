"""A certificate's signed Open Badges 3.0 credential: its random place in the status lists,
the credential built from our records, and signed with the issuer's active key."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from certify.certificates import credentials as vc
from certify.certificates.badges import badge_url
from certify.certificates.issuer import issuer_id, issuer_name, status_list_url
from certify.certificates.keys import sign_with_active_key
from certify.certificates.models import Certificate, ReviewerCredential, SupersededCredential
from certify.certificates.status_lists import REVOCATION
from certify.core.extensions import db
from certify.core.i18n import localized
from certify.core.urls import absolute_url, base_url
from certify.users.specialisms import specialism_title_in
from rubrics.models import RubricVersion

STATUS_INDEX_ATTEMPTS = 5


def new_credential_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _free_status_index() -> int:
    """A random unused position: positions say nothing about order of issue (BSL privacy)."""
    size = vc.STATUS_LIST_MIN_ENTRIES
    taken = set(db.session.scalars(sa.select(Certificate.status_index)
                                   .where(Certificate.status_index.is_not(None))))
    taken |= set(db.session.scalars(sa.select(SupersededCredential.status_index)))
    taken |= set(db.session.scalars(sa.select(ReviewerCredential.status_index)
                                    .where(ReviewerCredential.status_index.is_not(None))))
    if len(taken) >= size:
        raise RuntimeError("the status list is full")
    while True:
        index = secrets.randbelow(size)
        if index not in taken:
            return index


def claim_status_index(certificate: Certificate | ReviewerCredential) -> None:
    """Take a free position at once (in a savepoint), for a certificate or a reviewer's
    credential (one status list serves both). Two issuances running in parallel, each
    under its own number sequence, may draw the same position: the one that writes second
    meets the unique constraint, gives the position up and draws another, instead of failing
    the whole award."""
    db.session.flush()  # the row itself is written outside the savepoint, whatever happens
    for attempt in range(1, STATUS_INDEX_ATTEMPTS + 1):
        try:
            with db.session.begin_nested():
                certificate.status_index = _free_status_index()
                db.session.flush()
            return
        except IntegrityError as error:
            if "status_index" not in str(error.orig) or attempt == STATUS_INDEX_ATTEMPTS:
                raise


def credential_language(certificate: Certificate) -> str:
    """The language of a certificate's credential: its holder's, if we offer it, else
    English. OB 3.0's schema wants one string per text, tagged by ``inLanguage``."""
    language = certificate.holder.preferred_language
    return language if language in current_app.config["LANGUAGES"] else "en"


def _add_band(subject: dict[str, Any], bands: list[dict], band: str,
              achievement_id: str, language: str) -> None:
    """The award band the OB 3.0 way: the achievement describes its bands as a
    ResultDescription of type RubricCriterionLevel, and the subject's Result names the level
    achieved (Open Badges 3.0 §B.1 Result, ResultDescription, RubricCriterionLevel)."""
    description_id = f"{achievement_id}#band"
    subject["achievement"]["resultDescription"] = [{
        "id": description_id,
        "type": ["ResultDescription"],
        "name": "Award band",
        "resultType": "RubricCriterionLevel",
        "rubricCriterionLevel": [
            {"id": f"{achievement_id}#band-{item['code']}", "type": ["RubricCriterionLevel"],
             "name": localized(item.get("title") or {}, language) or item["code"],
             "level": item["code"]}
            for item in bands
        ],
    }]
    subject["result"] = [{"type": ["Result"], "resultDescription": description_id,
                          "achievedLevel": f"{achievement_id}#band-{band}"}]


def achievement_id(version: RubricVersion) -> str:
    """The achievement's id: the rubric version a certificate was assessed against."""
    return f"{base_url()}/achievements/{version.rubric.code}/{version.number}"


def achievement(version: RubricVersion, band: str | None, language: str) -> dict[str, Any]:
    """The achievement in one language; its other languages are ``related`` achievements
    (OB 3.0 §B.1 Related: "most likely ... translated into another language"), one per
    language, at ``<achievement id>/<language>`` (served: ``achievement_document``). Its image
    is the badge of the track and the band awarded."""
    rubric = version.rubric
    titles = current_app.config["AWARD_TITLES"][rubric.track]
    identifier = achievement_id(version)
    return {
        "id": identifier,
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": localized(titles, language),
        "description": localized(rubric.description, language) or localized(titles, language),
        "criteria": {"id": identifier, "narrative": localized(rubric.title, language)},
        "image": {"id": badge_url(rubric.track, band), "type": "Image",
                  "caption": localized(titles, language)},
        "inLanguage": language,
        "version": str(version.number),
        "tag": [rubric.code, version.content_hash or ""],
        "related": [
            {"id": f"{identifier}/{other}", "type": ["Related"], "inLanguage": other,
             "version": str(version.number)}
            for other in current_app.config["LANGUAGES"] if other != language
        ],
    }


def achievement_document(version: RubricVersion, language: str) -> dict[str, Any]:
    """The achievement on its own (JSON-LD), as served at its id and its related ids."""
    return {"@context": [vc.VC_CONTEXT, vc.OB_CONTEXT], **achievement(version, None, language)}


def issuer_object() -> dict[str, Any]:
    """The issuer as every credential of ours embeds it (an OB 3.0 Profile)."""
    return {"id": issuer_id(), "type": ["Profile"], "name": issuer_name("en"), "url": base_url()}


def revocation_entry(status_index: int) -> dict[str, Any]:
    """A credential's one status entry: its place on the revocation list."""
    return {
        "id": f"{status_list_url(REVOCATION)}#{status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": REVOCATION,
        "statusListIndex": str(status_index),
        "statusListCredential": status_list_url(REVOCATION),
    }


def build_credential(certificate: Certificate) -> dict[str, Any]:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (unsigned), conforming to
    1EdTech's ob_v3p0_achievementcredential_schema.json (docs/credentials.md)."""
    language = credential_language(certificate)
    version = certificate.rubric_version
    identifiers = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False,
         "identityHash": certificate.holder_name},
        {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
         "identityHash": vc.identity_hash(certificate.holder.email, certificate.subject_salt),
         "salt": certificate.subject_salt},
    ]
    if certificate.holder_name_native:
        identifiers.insert(1, {"type": "IdentityObject", "identityType": "name",
                               "hashed": False, "identityHash": certificate.holder_name_native})
    subject = {
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "licenseNumber": certificate.number,
        "achievement": achievement(version, certificate.band, language),
    }
    if certificate.band:
        _add_band(subject, version.bands, certificate.band, achievement_id(version), language)
    if certificate.specialism:
        # OB 3.0 Achievement.specialization: "the focus, concentration, or specific area of
        # study defined in the achievement" (the achievement here is this credential's own
        # copy, so it can carry the holder's specialism), in the credential's language.
        subject["achievement"]["specialization"] = specialism_title_in(certificate.specialism,
                                                                     language)
    return {
        "@context": [vc.VC_CONTEXT, vc.OB_CONTEXT, vc.OB_EXTENSIONS_CONTEXT],
        "id": certificate.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": subject["achievement"]["name"],
        "issuer": issuer_object(),
        "validFrom": vc.timestamp(datetime.combine(certificate.valid_from, time(), tzinfo=UTC)),
        "validUntil": vc.timestamp(datetime.combine(certificate.valid_until, time(),
                                                    tzinfo=UTC)),
        "awardedDate": vc.timestamp(certificate.awarded_at or certificate.issued_at),
        "credentialSubject": subject,
        "evidence": [{"type": ["Evidence"],
                      "id": absolute_url("certificates.verify", number=certificate.number),
                      "name": f"{certificate.number}"}],
        # One entry (the schema allows one): revocation, which every verifier understands.
        # A suspension shows on our page and API from the register (docs/credentials.md).
        "credentialStatus": revocation_entry(certificate.status_index),
        "credentialSchema": [{"id": vc.OB_SCHEMA, "type": vc.OB_SCHEMA_TYPE}],
    }


def sign_certificate(certificate: Certificate) -> None:
    """Give the certificate its status place and salt (once) and a freshly signed credential."""
    if certificate.status_index is None:
        claim_status_index(certificate)
    if not certificate.subject_salt:
        certificate.subject_salt = secrets.token_hex(16)
    if certificate.awarded_at is None:
        certificate.awarded_at = certificate.issued_at
    certificate.credential = sign_with_active_key(build_credential(certificate))
    db.session.flush()


def reissue_certificate(certificate: Certificate) -> None:
    """A new credential for the certificate (after a name correction): new id, new status
    place, signed now. The credential it replaces keeps its place, now set on the revocation
    list (``SupersededCredential``), so every verifier refuses it, ours as "superseded"."""
    if certificate.credential_id is not None and certificate.status_index is not None:
        db.session.add(SupersededCredential(
            certificate_id=certificate.id, credential_id=certificate.credential_id,
            status_index=certificate.status_index))
        certificate.status_index = None
        db.session.flush()
    certificate.credential_id = new_credential_id()
    sign_certificate(certificate)
