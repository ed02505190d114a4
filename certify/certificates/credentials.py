"""Signed credentials: Open Badges 3.0 / VC 2.0 with a set of Data Integrity proofs
(eddsa-jcs-2022 and eddsa-rdfc-2022, see ``proofs``), Multikey / did:key keys and Bitstring
Status Lists. Pure: bytes and dicts in and out, no Flask, no database (the
``certify.certificates`` package supplies keys and status bits).

Cryptography is `cryptography` (Ed25519), `rfc8785` (JSON Canonicalization Scheme) and `pyld`
(RDF Dataset Canonicalization, contexts shipped: ``offline_contexts``); base58btc is the
`base58` package. The steps follow the W3C Data Integrity EdDSA Cryptosuites v1.0, the
Bitstring Status List v1.0 and Open Badges 3.0 §Verification
(``../shared/reference/credential_anchors.md`` §2–3).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import base58
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certify.certificates import proofs
from certify.certificates.offline_contexts import OfflineContexts

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Defines OB_SCHEMA_TYPE, which context-3.0.3 does not: safe-mode JSON-LD refuses it without.
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
# The 1EdTech JSON Schema every OB 3.0 credential names (credentialSchema).
OB_SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
             "ob_v3p0_achievementcredential_schema.json")
OB_SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"
CRYPTOSUITE = proofs.JCS
# The proofs every credential and status list gets (a proof set): eddsa-jcs-2022, and
# eddsa-rdfc-2022, the one Open Badges 3.0 certified displayers and wallets check.
ISSUED_CRYPTOSUITES = (proofs.JCS, proofs.RDFC)
ED25519_MULTICODEC = b"\xed\x01"  # multicodec ed25519-pub, varint-encoded
STATUS_LIST_MIN_ENTRIES = 131_072  # Bitstring Status List: at least 16 KiB, for privacy
# Our credentials nest about 7 levels; far more is an attack on the recursion of every step.
MAX_NESTING = 32


class CredentialError(ValueError):
    """A credential that cannot even be examined (not JSON, not an object, no proof)."""


class CredentialTooDeep(CredentialError):
    """JSON nested more deeply than any credential is (MAX_NESTING)."""


# Keys ----------------------------------------------------------------------------------------


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_key_multibase(key: Ed25519PublicKey) -> str:
    """The Multikey form: 'z' + base58btc(0xed01 ‖ 32-byte key), e.g. 'z6Mk…'."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_MULTICODEC + raw).decode("ascii")


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("expected a base58btc multibase value ('z…')")
    decoded = base58.b58decode(value[1:])
    if len(decoded) != 34 or not decoded.startswith(ED25519_MULTICODEC):
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def did_key_method(multibase: str) -> str:
    """The verification method id of a did:key: resolvable with no network at all."""
    return f"did:key:{multibase}#{multibase}"


def did_web(base_url: str) -> str:
    """The did:web of a site: its host, a port percent-encoded (':' -> '%3A'), each path
    segment after a ':' (DID Web Method, §3.1 create): ``https://a.example:8443/c`` ->
    ``did:web:a.example%3A8443:c``."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if parts.port is not None:
        host += f"%3A{parts.port}"
    segments = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", host, *segments])


def did_document_path(base_url: str) -> str:
    """Where did:web resolution reads the DID document of ``did_web(base_url)``: the site's
    ``/.well-known/did.json``, or ``<path>/did.json`` when the site lives under a path."""
    path = urlsplit(base_url).path.rstrip("/")
    return f"{path}/did.json" if path else "/.well-known/did.json"


def controller_of(method: str) -> str:
    """The DID (or URL) a verification method belongs to: the part before its fragment."""
    return method.split("#", 1)[0]


def multibase_of_method(method: str) -> str | None:
    """The Multikey named by a verification method (did:key or an URL with the key as its
    fragment), or None."""
    if method.startswith("did:key:"):
        return method.split("#", 1)[0][len("did:key:"):]
    if "#" in method:
        fragment = method.rsplit("#", 1)[1]
        return fragment if fragment.startswith("z6Mk") else None
    return None


# Data Integrity proofs (the cryptosuites themselves are in ``proofs`` and ``rdfc``) -----------


def timestamp(moment: datetime) -> str:
    """A moment as VC 2.0 writes it: UTC, whole seconds, 'Z'."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sign(document: Mapping[str, Any], key: Ed25519PrivateKey, verification_method: str, *,
         created: datetime | None = None) -> dict[str, Any]:
    """The document with one eddsa-jcs-2022 DataIntegrityProof (a single proof object, as
    credentials issued before the proof set carry)."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return {**unsigned, "proof": proofs.create_proof(
        unsigned, key, verification_method, timestamp(created or datetime.now(UTC)))}


def sign_proof_set(document: Mapping[str, Any], key: Ed25519PrivateKey,
                   verification_method: str, *, created: datetime | None = None,
                   cryptosuites: tuple[str, ...] = ISSUED_CRYPTOSUITES,
                   contexts: OfflineContexts | None = None) -> dict[str, Any]:
    """The document with ``proof`` an array: one proof per cryptosuite, same key, same moment.
    An rdfc proof fails (``rdfc.CanonicalizationError``) on a term or context we do not ship."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    created_at = timestamp(created or datetime.now(UTC))
    return {**unsigned, "proof": [
        proofs.create_proof(unsigned, key, verification_method, created_at, suite, contexts)
        for suite in cryptosuites]}


ProofResult = proofs.ProofResult


def verify_proof(document: Mapping[str, Any],
                 resolve: Callable[[str], Ed25519PublicKey | None] | None = None, *,
                 contexts: OfflineContexts | None = None) -> proofs.ProofSet:
    """Check every proof of the document (``proofs.verify_proofs``). A key comes from
    ``resolve(verificationMethod)`` or, for a did:key, from the method itself
    (self-certifying); whether that key belongs to the issuer is a separate question (see
    ``verify_credential``)."""

    def key_for(method: str) -> Ed25519PublicKey | None:
        key = resolve(method) if resolve else None
        multibase = multibase_of_method(method)
        # A did:key is its key; our did:web methods name their key as the fragment. Either
        # way the signature is checked against the key named, and whether that key is the
        # issuer's is the separate issuer_key check (verify_credential).
        if key is None and method.startswith(("did:key:", "did:web:")) and multibase:
            key = public_key_from_multibase(multibase)
        return key

    return proofs.verify_proofs(document, key_for, multibase_of_method, contexts)


def exact_text(document: Mapping[str, Any]) -> str | None:
    """The document as one exact, canonical JSON text: keys sorted, no spaces, every non-ASCII
    character escaped. Two documents have the same text only if they are the same JSON value
    (key order aside, which eddsa-jcs-2022 ignores too), proof, signature and key included.
    None for anything that is not plain JSON."""
    try:
        return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None


def content_digest(document: Mapping[str, Any]) -> str | None:
    """SHA-256 (hex) of the JCS form (RFC 8785) of what the credential states, its proof left
    out: two credentials state the same only if the digests are equal, however each was signed
    (a re-signature after a key rotation keeps the digest). None for anything that is not plain
    JSON."""
    try:
        return hashlib.sha256(rfc8785.dumps(
            {key: value for key, value in document.items() if key != "proof"})).hexdigest()
    except (TypeError, ValueError, RecursionError):
        return None


# Bitstring Status List -------------------------------------------------------------------------


def encode_status_list(bits: bytes | bytearray) -> str:
    """'u' + base64url (no padding) of the GZIP-compressed bitstring; index 0 is the left-most
    bit of the first byte."""
    if len(bits) * 8 < STATUS_LIST_MIN_ENTRIES:
        raise ValueError("a status list holds at least 131,072 entries")
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_status_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("expected a base64url multibase value ('u…')")
    payload = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if len(raw) * 8 < STATUS_LIST_MIN_ENTRIES:
        raise ValueError("the status list is shorter than 131,072 entries")
    return raw


def status_bit(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_status_bit(bits: bytearray, index: int, value: bool) -> None:
    if value:
        bits[index // 8] |= 0x80 >> (index % 8)
    else:
        bits[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityObject hash of an email: 'sha256$' + hex(SHA-256(email ‖ salt))."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


# Verification of a whole credential -------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    check: str  # format, signature, issuer_key, revocation, suspension, validity
    ok: bool | None  # None: could not be checked — never shown as passed
    detail: str = ""


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)
    proofs: tuple[ProofResult, ...] = ()  # each proof's own result, under the signature check

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.ok is True for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"verified": self.verified,
                "checks": [{"check": c.check, "ok": c.ok, "detail": c.detail}
                           for c in self.checks],
                "proofs": [{"cryptosuite": p.cryptosuite, "ok": p.ok, "detail": p.problem,
                            "verificationMethod": p.verification_method}
                           for p in self.proofs]}


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (without recursion)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        children = (item.values() if isinstance(item, dict)
                    else item if isinstance(item, list) else None)
        if children is None:
            continue
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in children)
    return deepest


def parse(data: bytes | str) -> dict[str, Any]:
    """A credential's JSON object; ``CredentialTooDeep`` beyond MAX_NESTING levels (which
    canonicalisation and every later step would have to recurse through)."""
    try:
        document = json.loads(data)
    except RecursionError as error:
        raise CredentialTooDeep(f"nested deeper than {MAX_NESTING} levels") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise CredentialError(f"not JSON: {error}") from error
    if not isinstance(document, dict):
        raise CredentialError("a credential is a JSON object")
    if _depth(document) > MAX_NESTING:
        raise CredentialTooDeep(f"nested deeper than {MAX_NESTING} levels")
    return document


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_format(document: Mapping[str, Any]) -> Check:
    contexts = document.get("@context")
    types = document.get("type") or []
    subject = document.get("credentialSubject")
    problems = []
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC_CONTEXT:
        problems.append("the first @context is not VC 2.0")
    if "VerifiableCredential" not in types:
        problems.append("not a VerifiableCredential")
    if not isinstance(subject, dict) or not (subject.get("id") or subject.get("identifier")):
        problems.append("the subject has neither id nor identifier")
    if _parse_time(document.get("validFrom")) is None:
        problems.append("validFrom is missing or not a date-time")
    return Check("format", not problems, "; ".join(problems))


def validity_period(document: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The credential's validFrom and validUntil, each None when missing or not a date-time."""
    return _parse_time(document.get("validFrom")), _parse_time(document.get("validUntil"))


def check_validity(document: Mapping[str, Any], now: datetime) -> Check:
    valid_from, valid_until = validity_period(document)
    if valid_from is None:
        return Check("validity", None, "no validFrom")
    if now < valid_from:
        return Check("validity", False, "not yet valid")
    if valid_until is not None and now > valid_until:
        return Check("validity", False, "expired")
    return Check("validity", True)


StatusLookup = Callable[[Mapping[str, Any]], bool | None]
# Whether a credential is still the one its issuer stands by (not replaced by a newer one).
CurrentLookup = Callable[[Mapping[str, Any]], bool | None]
SUPERSEDED = "superseded by a newer credential"


NOT_CHECKED = "not checked: the signature failed"


def _issuer_binds(issuer: Any, method: str | None, issuer_id: str,
                  legacy_issuer_ids: Collection[str]) -> bool:
    """Whether the proof's verification method belongs to the credential's issuer: a method
    of the issuer's DID (``did:web:…#key``), or -- credentials issued before the DID -- a
    did:key under one of our earlier issuer ids."""
    given = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(method, str):
        return False
    if given == issuer_id:
        return controller_of(method) == issuer_id
    return given in legacy_issuer_ids and method.startswith("did:key:")


def verify_credential(
    document: Mapping[str, Any],
    *,
    trusted_keys: set[str],
    issuer_id: str,
    status: StatusLookup,
    now: datetime | None = None,
    current: CurrentLookup | None = None,
    legacy_issuer_ids: Collection[str] = (),
    proof: proofs.ProofSet | None = None,
) -> Verification:
    """Every check of OB 3.0 §Verification that applies, in order: format, signature, issuer
    key, status (per purpose), validity dates. ``status(entry)`` answers whether the entry's
    bit is set, or None when the list could not be fetched or verified — reported as "could not
    be checked", never as passed. Every check that depends on the signed content (issuer key,
    status, dates, current) is "could not be checked" when the signature fails: the content
    may be anyone's. ``current(document)``: whether the issuer still stands by this credential
    (True), has replaced it by a newer one (False: the "current" check fails, SUPERSEDED) or
    cannot say (None); asked only of a credential whose signature and issuer key passed.
    ``legacy_issuer_ids``: issuer ids of ours from before the DID, whose credentials name a
    did:key (still accepted, with a key in ``trusted_keys``).
    ``proof``: the signature check of this very document, already made (``proof_pool``,
    ``proof_memory``: only the signature; key trust, status and dates are checked anew)."""
    now = now or datetime.now(UTC)
    result = Verification()
    result.checks.append(check_format(document))
    if proof is None:
        proof = verify_proof(document)
    result.checks.append(Check("signature", proof.ok, proof.problem))
    result.proofs = proof.results
    # Every key a checked proof names must be ours, and bound to the credential's issuer (a
    # proof in a cryptosuite we do not check names no key we vouch for).
    checked = [r for r in proof.results if r.ok is not None]
    known = bool(checked) and all(
        r.key_multibase in trusted_keys
        and _issuer_binds(document.get("issuer"), r.verification_method, issuer_id,
                          legacy_issuer_ids)
        for r in checked)
    if not proof.ok:
        result.checks.append(Check("issuer_key", None, NOT_CHECKED))
    else:
        result.checks.append(Check(
            "issuer_key", known, "" if known else "the key or issuer is not one of ours"))
    entries = document.get("credentialStatus") or []
    entries = [entries] if isinstance(entries, dict) else entries
    purposes_seen = set()
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            result.checks.append(Check("status", None, "unknown status entry"))
            continue
        purpose = entry.get("statusPurpose", "")
        purposes_seen.add(purpose)
        if not proof.ok:
            result.checks.append(Check(purpose, None, NOT_CHECKED))
            continue
        flagged = status(entry)
        if flagged is None:
            result.checks.append(Check(purpose, None, "the status list could not be checked"))
        else:
            result.checks.append(Check(purpose, not flagged, purpose if flagged else ""))
    if "revocation" not in purposes_seen:
        result.checks.append(Check("revocation", None, "the credential names no status list"))
    result.checks.append(check_validity(document, now) if proof.ok
                         else Check("validity", None, NOT_CHECKED))
    if current is not None:
        result.checks.append(_check_current(document, current, proof.ok and known))
    return result


def _check_current(document: Mapping[str, Any], current: CurrentLookup, ours: bool) -> Check:
    if not ours:
        return Check("current", None, "not checked: not a credential of this issuer")
    answer = current(document)
    if answer is None:
        return Check("current", None, "the issuer has no record of this credential")
    return Check("current", answer, "" if answer else SUPERSEDED)
