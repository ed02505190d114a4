"""The issuer's Ed25519 keys: the private halves in files outside the database and the
repository, the public halves recorded (and published on the issuer profile)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from certify.certificates import credentials as vc
from certify.certificates.models import SigningKey
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.extensions import db


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


def sign_with_active_key(document: dict) -> dict:
    """``document`` signed by the active key, its proof naming the key as a did:key."""
    key = signing_key()
    return vc.sign(document, private_key(key), vc.did_key_method(key.public_key_multibase))
