"""Who issues the credentials: the issuer's name, its id and profile (with every public key,
retired ones too), and the addresses of its status lists."""

from __future__ import annotations

from typing import Any

from flask import current_app

from certify.certificates import credentials as vc
from certify.certificates.keys import all_keys
from certify.core.i18n import localized
from certify.core.urls import absolute_url, base_url


def issuer_name(language: str | None = None) -> str:
    """The issuer's name in *language* (default: the reader's)."""
    name = current_app.config["ISSUER_NAME"]
    return name if isinstance(name, str) else localized(name, language)


def issuer_id() -> str:
    return absolute_url("certificates.issuer")


def status_list_url(purpose: str) -> str:
    return absolute_url("certificates.status_list", list_name=f"{purpose}-1")


def issuer_profile() -> dict[str, Any]:
    keys = all_keys()
    methods = [
        {"id": f"{issuer_id()}#{key.public_key_multibase}", "type": "Multikey",
         "controller": issuer_id(), "publicKeyMultibase": key.public_key_multibase,
         **({"revoked": vc.timestamp(key.retired_at)} if key.retired_at else {})}
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
