"""The shell around ``certify.certificates.credentials``: issuer keys on disk, the credential of a
certificate, the signed status lists, and verification against our own records."""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from certify.certificates import credentials as vc
from certify.certificates.models import Certificate, SigningKey
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.i18n import localized

STATUS_PURPOSES = ("revocation", "suspension")


# Keys -----------------------------------------------------------------------------------------


def key_directory() -> Path:
    configured = current_app.config.get("SIGNING_KEY_DIR")
    directory = Path(configured) if configured else Path(current_app.instance_path) / "keys"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def generate_key(*, by=None) -> SigningKey:
    """A new Ed25519 key: the private half written 0600 in the key directory, the public
    half recorded (and published on the issuer profile)."""
    private = vc.generate_private_key()
    multibase = vc.public_key_multibase(private.public_key())
    path = key_directory() / f"{multibase}.pem"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(vc.private_key_pem(private))
    key = SigningKey(public_key_multibase=multibase, private_key_file=path.name)
    db.session.add(key)
    db.session.flush()
    audit.record("keys.generate", key, actor=by, multibase=multibase)
    return key


def active_key() -> SigningKey | None:
    return db.session.scalar(
        sa.select(SigningKey).where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
    )


def signing_key() -> SigningKey:
    """The key to sign with; the first one is made on first need."""
    return active_key() or generate_key()


def rotate_key(*, by=None) -> SigningKey:
    """Retire the active key (it stays published) and start a new one."""
    current = active_key()
    if current is not None:
        current.retired_at = utcnow()
        audit.record("keys.retire", current, actor=by)
    return generate_key(by=by)


def all_keys() -> list[SigningKey]:
    return list(db.session.scalars(sa.select(SigningKey).order_by(SigningKey.id)))


def _private(key: SigningKey):
    return vc.load_private_key((key_directory() / key.private_key_file).read_bytes())


# URLs ------------------------------------------------------------------------------------------


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def issuer_name(language: str | None = None) -> str:
    """The issuer's name in *language* (default: the reader's)."""
    name = current_app.config["ISSUER_NAME"]
    return name if isinstance(name, str) else localized(name, language)


def issuer_id() -> str:
    return f"{base_url()}/issuer"


def status_list_url(purpose: str) -> str:
    return f"{base_url()}/status/{purpose}-1"


# Credentials -----------------------------------------------------------------------------------


STATUS_INDEX_ATTEMPTS = 5


def _free_status_index() -> int:
    """A random unused position: positions say nothing about order of issue (BSL privacy)."""
    size = vc.STATUS_LIST_MIN_ENTRIES
    taken = set(db.session.scalars(sa.select(Certificate.status_index)
                                   .where(Certificate.status_index.is_not(None))))
    if len(taken) >= size:
        raise RuntimeError("the status list is full")
    while True:
        index = secrets.randbelow(size)
        if index not in taken:
            return index


def _claim_status_index(certificate: Certificate) -> None:
    """Take a free position at once (in a savepoint). Two issuances running in parallel, each
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


def _moment(day) -> str:
    return datetime.combine(day, time(0, 0), tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _texts_array(texts: dict[str, str]) -> list[dict[str, str]]:
    """VC 2.0 language value objects: every language of a text, tagged."""
    return [{"@value": text, "@language": language} for language, text in texts.items() if text]


def build_credential(certificate: Certificate) -> dict[str, Any]:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (unsigned)."""
    config = current_app.config
    titles = config["AWARD_TITLES"][certificate.track]
    version = certificate.rubric_version
    rubric = version.rubric
    holder = certificate.holder
    identifiers = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False,
         "identityHash": certificate.holder_name},
        {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
         "identityHash": vc.identity_hash(holder.email, certificate.subject_salt),
         "salt": certificate.subject_salt},
    ]
    if certificate.holder_name_native:
        identifiers.insert(1, {"type": "IdentityObject", "identityType": "name",
                               "hashed": False, "identityHash": certificate.holder_name_native})
    verify_url = f"{base_url()}/verify/{certificate.number}"
    return {
        "@context": [vc.VC_CONTEXT, vc.OB_CONTEXT],
        "id": certificate.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": localized(titles, "en"),
        "issuer": {
            "id": issuer_id(), "type": ["Profile"], "name": issuer_name("en"),
            "url": base_url(),
        },
        "validFrom": _moment(certificate.valid_from),
        "validUntil": _moment(certificate.valid_until),
        "awardedDate": (certificate.awarded_at or certificate.issued_at)
        .astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "licenseNumber": certificate.number,
            "achievement": {
                "id": f"{base_url()}/achievements/{rubric.code}/{version.number}",
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": _texts_array(titles),
                "description": _texts_array(rubric.description),
                "criteria": {
                    "id": f"{base_url()}/achievements/{rubric.code}/{version.number}",
                    "narrative": _texts_array(rubric.title),
                },
                "version": str(version.number),
                "tag": [rubric.code, version.content_hash or ""],
            },
        },
        "evidence": [{"type": ["Evidence"], "id": verify_url,
                      "name": f"{certificate.number}"}],
        "credentialStatus": [
            {
                "id": f"{status_list_url(purpose)}#{certificate.status_index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(certificate.status_index),
                "statusListCredential": status_list_url(purpose),
            }
            for purpose in STATUS_PURPOSES
        ],
    }


def sign_certificate(certificate: Certificate) -> None:
    """Give the certificate its status place and salt (once) and a freshly signed credential."""
    if certificate.status_index is None:
        _claim_status_index(certificate)
    if not certificate.subject_salt:
        certificate.subject_salt = secrets.token_hex(16)
    if certificate.awarded_at is None:
        certificate.awarded_at = certificate.issued_at
    key = signing_key()
    certificate.credential = vc.sign(build_credential(certificate), _private(key),
                                     vc.did_key_method(key.public_key_multibase))
    db.session.flush()


# Status lists ----------------------------------------------------------------------------------


def status_bits(purpose: str) -> bytearray:
    column = Certificate.revoked_at if purpose == "revocation" else Certificate.suspended_at
    bits = bytearray(vc.STATUS_LIST_MIN_ENTRIES // 8)
    for index in db.session.scalars(sa.select(Certificate.status_index).where(
            column.is_not(None), Certificate.status_index.is_not(None))):
        vc.set_status_bit(bits, index, True)
    return bits


def status_list_credential(purpose: str) -> dict[str, Any]:
    """The signed BitstringStatusListCredential of one purpose, as of now."""
    key = signing_key()
    document = {
        "@context": [vc.VC_CONTEXT],
        "id": status_list_url(purpose),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": vc._timestamp(utcnow()),
        "credentialSubject": {
            "id": f"{status_list_url(purpose)}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": vc.encode_status_list(status_bits(purpose)),
        },
    }
    return vc.sign(document, _private(key), vc.did_key_method(key.public_key_multibase))


def issuer_profile() -> dict[str, Any]:
    keys = all_keys()
    methods = [
        {"id": f"{issuer_id()}#{key.public_key_multibase}", "type": "Multikey",
         "controller": issuer_id(), "publicKeyMultibase": key.public_key_multibase,
         **({"revoked": vc._timestamp(key.retired_at)} if key.retired_at else {})}
        for key in keys
    ]
    return {
        "@context": [vc.VC_CONTEXT, vc.OB_CONTEXT, "https://w3id.org/security/multikey/v1"],
        "id": issuer_id(),
        "type": ["Profile"],
        "name": issuer_name("en"),
        "url": base_url(),
        "verificationMethod": methods,
        # did:key forms of the same keys, as the proofs name them: resolvable offline.
        "assertionMethod": [vc.did_key_method(key.public_key_multibase) for key in keys],
    }


# Verification against our records --------------------------------------------------------------


def trusted_key_multibases() -> set[str]:
    """Every key of ours, retired ones too (older credentials stay verifiable), read anew for
    each verification: whether a key is ours is never remembered between requests (a kept
    public answer is dropped when any key changes: certify/core/public_cache.py)."""
    return set(db.session.scalars(sa.select(SigningKey.public_key_multibase)))


def _our_status(stored: Certificate | None = None):
    """``status(entry)`` for ``vc.verify_credential``: the bit of one of *our* status lists at
    the entry's index, as the list we would serve now says it.

    The bit is read from our records in this request, never remembered between requests: the
    certificate at that index (``status_index`` is unique) is revoked or suspended. ``stored``
    is a certificate row this request has just read: at its own index its columns answer with
    no further query. A list that is not ours is not fetched (no requests to addresses taken
    from input) and counts as "could not be checked"."""
    flags: dict[int, dict[str, bool]] = {}  # index -> purpose -> bit

    def flags_of(revoked_at, suspended_at) -> dict[str, bool]:
        return {"revocation": revoked_at is not None, "suspension": suspended_at is not None}

    if stored is not None and stored.status_index is not None:
        flags[stored.status_index] = flags_of(stored.revoked_at, stored.suspended_at)

    def status(entry: dict) -> bool | None:
        url = entry.get("statusListCredential")
        purpose = entry.get("statusPurpose")
        if purpose not in STATUS_PURPOSES or url != status_list_url(purpose):
            return None
        try:
            index = int(entry.get("statusListIndex"))
        except (TypeError, ValueError):
            return None
        if not 0 <= index < vc.STATUS_LIST_MIN_ENTRIES:
            return None
        if index not in flags:
            row = db.session.execute(
                sa.select(Certificate.revoked_at, Certificate.suspended_at)
                .where(Certificate.status_index == index)).one_or_none()
            flags[index] = flags_of(*row) if row else flags_of(None, None)
        return flags[index][purpose]

    return status


def verify_document(document: dict[str, Any], *, now: datetime | None = None,
                    stored: Certificate | None = None) -> vc.Verification:
    """Verify a credential against our keys and our status lists as they are now.

    ``stored``: the certificate, just read in this request, whose stored credential
    ``document`` is. Its status columns then answer for its own index, and the signature check
    may be remembered by the credential's exact text (``vc.remembered_proof``): a stored
    credential changed in any byte is checked afresh."""
    return vc.verify_credential(
        document,
        trusted_keys=trusted_key_multibases(),
        issuer_id=issuer_id(),
        status=_our_status(stored),
        now=now,
        remember_proof=stored is not None,
    )


def certificate_for(document: dict[str, Any]) -> Certificate | None:
    """Our record of a credential, by its id."""
    credential_id = document.get("id")
    if not isinstance(credential_id, str):
        return None
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.credential_id == credential_id))


def new_credential_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"
