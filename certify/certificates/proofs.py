"""Data Integrity proofs, made and checked: ``eddsa-jcs-2022`` (JSON canonicalisation, RFC 8785)
and ``eddsa-rdfc-2022`` (RDF canonicalisation, ``rdfc``), both Ed25519, alone or together as a
proof set (W3C VC Data Integrity 1.0 §2.1.2: each proof signs the document without any proof).
Pure: keys come in as objects, or through the ``key_for`` function the caller passes.

A proof set verifies when at least one proof in a cryptosuite we check verifies and none
fails; a proof in another cryptosuite is reported as not checked, never counted as passed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certify.certificates import rdfc
from certify.certificates.offline_contexts import OfflineContexts

JCS = "eddsa-jcs-2022"
RDFC = rdfc.CRYPTOSUITE
SUPPORTED = (JCS, RDFC)

# verification method -> its public key (None: unknown); ValueError for an unusable key.
KeyFor = Callable[[str], Ed25519PublicKey | None]
# verification method -> the Multikey it names, if it names one
MultibaseOf = Callable[[str], str | None]


def _hash_data(cryptosuite: str, unsecured: Mapping[str, Any], options: Mapping[str, Any],
               contexts: OfflineContexts | None) -> bytes:
    if cryptosuite == RDFC:
        return rdfc.hash_data(unsecured, options, contexts)
    return (hashlib.sha256(rfc8785.dumps(options)).digest()
            + hashlib.sha256(rfc8785.dumps(unsecured)).digest())


def create_proof(unsecured: Mapping[str, Any], key: Ed25519PrivateKey, verification_method: str,
                 created: str, cryptosuite: str = JCS,
                 contexts: OfflineContexts | None = None) -> dict[str, Any]:
    """One DataIntegrityProof over ``unsecured`` (a document without proof). The jcs proof
    carries the document's ``@context``, as its W3C test vectors do, so every verifier rebuilds
    the same proof configuration; the rdfc proof does not, as its vectors do not."""
    options: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": cryptosuite,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if cryptosuite == JCS:
        options["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(cryptosuite, unsecured, options, contexts))
    return {**options, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}


@dataclass(frozen=True)
class ProofResult:
    ok: bool | None  # None: a proof in a cryptosuite we do not check
    key_multibase: str | None
    problem: str = ""
    cryptosuite: str = ""
    verification_method: str = ""


@dataclass(frozen=True)
class ProofSet:
    """The result of every proof of a document."""

    results: tuple[ProofResult, ...]
    missing: str = ""  # why there is no proof to check at all

    @property
    def ok(self) -> bool | None:
        """True: a proof we check verified and none failed; False: one failed (or there is
        none); None: every proof is in a cryptosuite we do not check."""
        if not self.results or any(r.ok is False for r in self.results):
            return False
        return True if any(r.ok for r in self.results) else None

    @property
    def keys(self) -> frozenset[str]:
        """The Multikeys of the proofs that verified."""
        return frozenset(r.key_multibase for r in self.results if r.ok and r.key_multibase)

    @property
    def key_multibase(self) -> str | None:
        """The one key every verified proof was made with, None if there are several."""
        return next(iter(self.keys)) if len(self.keys) == 1 else None

    @property
    def problem(self) -> str:
        return self.missing or "; ".join(
            f"{r.cryptosuite or 'proof'}: {r.problem}" for r in self.results if r.problem)

    def to_json(self) -> str:
        return json.dumps({"missing": self.missing, "results": [
            [r.ok, r.key_multibase, r.problem, r.cryptosuite, r.verification_method]
            for r in self.results]})

    @classmethod
    def from_json(cls, text: str | bytes) -> ProofSet:
        """The ProofSet ``to_json`` wrote; ValueError for anything else."""
        try:
            data = json.loads(text)
            results = tuple(ProofResult(ok, key, str(problem), str(suite), str(method))
                            for ok, key, problem, suite, method in data["results"])
            missing = str(data["missing"])
        except (TypeError, KeyError, ValueError) as error:
            raise ValueError(f"not a kept proof check: {error}") from error
        if not all(r.ok in (True, False, None) and (r.key_multibase is None or isinstance(
                r.key_multibase, str)) for r in results):
            raise ValueError("not a kept proof check")
        return cls(results, missing)


def check_proof(unsecured: Mapping[str, Any], proof: Any, key_for: KeyFor,
                multibase_of: MultibaseOf, contexts: OfflineContexts | None = None
                ) -> ProofResult:
    """Check one proof of the document ``unsecured`` (its proofs removed)."""
    if not isinstance(proof, dict):
        return ProofResult(False, None, "a proof is not an object")
    suite = proof.get("cryptosuite")
    suite = suite if isinstance(suite, str) else ""
    method = proof.get("verificationMethod")
    method = method if isinstance(method, str) else ""

    def result(ok: bool | None, problem: str = "", multibase: str | None = None) -> ProofResult:
        return ProofResult(ok, multibase, problem, suite, method)

    if proof.get("type") != "DataIntegrityProof" or suite not in SUPPORTED:
        return result(None, "not a cryptosuite we check")
    if proof.get("proofPurpose") != "assertionMethod":
        return result(False, "proof purpose is not assertionMethod")
    if not method:
        return result(False, "no verification method")
    multibase = multibase_of(method)
    try:
        key = key_for(method)
    except ValueError as error:
        return result(False, f"unusable key: {error}", multibase)
    if key is None:
        return result(False, "the verification method cannot be resolved", multibase)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options and options["@context"] != unsecured.get("@context"):
        return result(False, "the proof's @context differs from the document's", multibase)
    value = proof.get("proofValue")
    try:
        if not isinstance(value, str) or not value.startswith("z"):
            raise ValueError("proofValue is not base58btc")
        key.verify(base58.b58decode(value[1:]),
                   _hash_data(suite, unsecured, options, contexts))
    except rdfc.CanonicalizationError as error:
        return result(False, f"cannot be canonicalised: {error}", multibase)
    except (ValueError, InvalidSignature):
        return result(False, "the signature does not match the content", multibase)
    return result(True, "", multibase)


def verify_proofs(document: Mapping[str, Any], key_for: KeyFor, multibase_of: MultibaseOf,
                  contexts: OfflineContexts | None = None) -> ProofSet:
    """Check every proof of ``document``: one proof object (as credentials issued before the
    proof set carry) or an array of them."""
    proof = document.get("proof")
    proofs = [proof] if isinstance(proof, dict) else proof if isinstance(proof, list) else []
    if not proofs:
        return ProofSet((), "no proof")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return ProofSet(tuple(check_proof(unsecured, item, key_for, multibase_of, contexts)
                          for item in proofs))
