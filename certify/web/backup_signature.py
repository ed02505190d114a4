"""The backup manifest's signature: what makes an archive tamper-evident.

The checksums in the manifest catch damage, not an attacker, who can recompute them. So the
manifest is signed, in its JCS canonical form (RFC 8785), with the issuer's active Ed25519 key,
whose private half stays in the key directory, outside the archive. ``manifest.sig`` holds the
public key and the signature. ``restore`` believes only the keys this instance trusts (see
:func:`certify.certificates.keys.trusted_public_keys`), never a key the archive brings along.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from certify.certificates.keys import sign_bytes, trusted_public_keys, verify_bytes

SIGNATURE = "manifest.sig"
ALGORITHM = "Ed25519/JCS"


class SignatureError(Exception):
    """The archive's signature is missing, wrong, or by a key this instance does not trust."""


def sign_manifest(manifest: dict[str, Any]) -> bytes:
    """The ``manifest.sig`` member for *manifest*."""
    key, signature = sign_bytes(rfc8785.dumps(manifest))
    return json.dumps({"algorithm": ALGORITHM, "key": key, "signature": signature},
                      indent=2).encode()


def check_signature(manifest: dict[str, Any], member: bytes | None,
                    trusted: tuple[str, ...] = ()) -> str:
    """The signing key of a manifest signed by a trusted key; otherwise SignatureError."""
    if member is None:
        raise SignatureError(f"the archive is not signed (no {SIGNATURE}): it may have been "
                             "altered, or made by a release that did not sign backups")
    try:
        signed = json.loads(member)
        key, signature = signed["key"], signed["signature"]
        canonical = rfc8785.dumps(manifest)
    except (ValueError, KeyError, TypeError, rfc8785.CanonicalizationError) as error:
        raise SignatureError(f"{SIGNATURE} is not readable: {error}") from error
    if signed.get("algorithm") != ALGORITHM or not verify_bytes(canonical, key, signature):
        raise SignatureError("the manifest's signature does not verify: the archive was altered "
                             "after it was made")
    if key not in trusted_public_keys(trusted):
        raise SignatureError(
            f"the archive is signed by {key}, a key this instance does not trust: put the "
            "issuer's key files in the key directory, or name the key with --trust-key or "
            "CERTIFY_TRUSTED_SIGNING_KEYS (from a copy you know is genuine, never from the "
            "archive)")
    return key
