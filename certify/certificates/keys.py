"""The issuer's Ed25519 keys: the private halves in files outside the database and the
repository, the public halves recorded (and published on the issuer profile)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from certify.certificates import credentials as vc
from certify.certificates import proof_memory
from certify.certificates.models import SigningKey
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.urls import base_url


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


def private_key(key: SigningKey) -> Ed25519PrivateKey:
    """The private half of ``key``, read from its file."""
    return vc.load_private_key((key_directory() / key.private_key_file).read_bytes())


def verification_method(key: SigningKey) -> str:
    """The key as a verification method of the issuer's DID (``did:web:…#z6Mk…``), as the
    DID document lists it (certify.certificates.issuer.did_document)."""
    return f"{vc.did_web(base_url())}#{key.public_key_multibase}"


def sign_with_active_key(document: dict) -> dict:
    """``document`` signed by the active key with a proof set (eddsa-jcs-2022 and
    eddsa-rdfc-2022), each proof naming the key as a method of the issuer's DID."""
    key = signing_key()
    signed = vc.sign_proof_set(document, private_key(key), verification_method(key))
    proof_memory.remember(signed)  # its first verification finds the check made
    return signed


def trusted_public_keys(extra: tuple[str, ...] | list[str] = ()) -> set[str]:
    """The keys whose signatures this instance believes (backups, audit checkpoints): each key
    whose private half is in the key directory, the ones named in ``TRUSTED_SIGNING_KEYS`` and
    *extra* (named by the operator on the command line). Never the keys listed in the database
    or in an archive: whoever can write those could add their own."""
    configured = current_app.config.get("TRUSTED_SIGNING_KEYS") or ()
    if isinstance(configured, str):
        configured = configured.replace(",", " ").split()
    keys = {*configured, *extra}
    for path in sorted(key_directory().glob("*.pem")):
        try:
            keys.add(vc.public_key_multibase(vc.load_private_key(path.read_bytes()).public_key()))
        except (OSError, ValueError):
            continue
    return keys


def sign_bytes(data: bytes) -> tuple[str, str]:
    """``data`` signed by the active key: (its public key multibase, the signature base64)."""
    key = signing_key()
    signature = private_key(key).sign(data)
    return key.public_key_multibase, base64.b64encode(signature).decode("ascii")


def verify_bytes(data: bytes, multibase: str, signature: str) -> bool:
    """Whether *signature* (base64) over *data* was made by the key *multibase*."""
    try:
        vc.public_key_from_multibase(multibase).verify(
            base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
