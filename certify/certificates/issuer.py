"""Who issues the credentials: the issuer's name, its identity -- the did:web of the public
address, whose DID document lists every signing key, retired ones too -- its profile and the
addresses of its status lists."""

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
    """The issuer's DID: credentials, status lists and proofs name it, and its DID document
    (``did_document``) binds the keys to it."""
    return vc.did_web(base_url())


def legacy_issuer_ids() -> set[str]:
    """The issuer id of credentials signed before the DID (the profile's address), which
    name a did:key as their verification method: they keep verifying."""
    return {absolute_url("certificates.issuer")}


def status_list_url(purpose: str) -> str:
    return absolute_url("certificates.status_list", list_name=f"{purpose}-1")


def did_document() -> dict[str, Any]:
    """The issuer's DID document (served where did:web resolution reads it): every key as a
    Multikey, retired ones marked ``revoked`` but kept, so older credentials stay verifiable;
    each key may assert credentials (``assertionMethod``)."""
    did = issuer_id()
    keys = all_keys()
    methods = [
        {"id": f"{did}#{key.public_key_multibase}", "type": "Multikey", "controller": did,
         "publicKeyMultibase": key.public_key_multibase,
         **({"revoked": vc.timestamp(key.retired_at)} if key.retired_at else {})}
        for key in keys
    ]
    return {
        "@context": [vc.DID_CONTEXT, vc.MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
        # The same keys as the did:key methods of credentials signed before the DID.
        "alsoKnownAs": sorted(legacy_issuer_ids()),
    }


def issuer_profile() -> dict[str, Any]:
    """The OB 3.0 Profile of the issuer, as credentials embed it. It names the DID as its id
    and carries no key material: the keys are in the DID document, whose contexts define
    them (terms the VC and OB contexts lack would be dropped by JSON-LD expansion)."""
    return {
        "@context": [vc.VC_CONTEXT, vc.OB_CONTEXT],
        "id": issuer_id(),
        "type": ["Profile"],
        "name": issuer_name("en"),
        "url": base_url(),
    }
