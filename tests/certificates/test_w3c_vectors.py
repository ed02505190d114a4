"""The W3C Data Integrity EdDSA Cryptosuites test vectors (w3c/vc-di-eddsa ``TestVectors/``,
vendored with their licence in ``vectors/``): every intermediate value the vectors give —
key pair, canonical forms, hashes, signature — and the signed credentials through our
verifier; changed copies fail."""

from __future__ import annotations

import copy
import hashlib

import base58
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certify.certificates import credentials as vc
from certify.certificates import proofs, rdfc
from tests.support.w3c_vectors import EXAMPLES_CONTEXT, VECTOR_CONTEXTS, load, read, unsigned

ED25519_PRIVATE_MULTICODEC = b"\x80\x26"  # multicodec ed25519-priv, varint-encoded


def private_key(multibase: str) -> Ed25519PrivateKey:
    decoded = base58.b58decode(multibase[1:])
    assert multibase.startswith("z") and decoded[:2] == ED25519_PRIVATE_MULTICODEC
    return Ed25519PrivateKey.from_private_bytes(decoded[2:])


def verify(document: dict) -> proofs.ProofSet:
    return vc.verify_proof(document, contexts=VECTOR_CONTEXTS)


@pytest.mark.parametrize("pair", [load("keyPair.json"),
                                  *load("proof-set/multiKeyPairs.json").values()])
def test_key_pairs_give_their_public_multikey(pair):
    public = private_key(pair["privateKeyMultibase"]).public_key()
    assert vc.public_key_multibase(public) == pair["publicKeyMultibase"]


def test_jcs_vector_intermediate_values_and_signature():
    signed = load("eddsa-jcs-2022/signedJCS.json")
    configuration = load("eddsa-jcs-2022/proofConfigJCS.json")
    assert rfc8785.dumps(unsigned(signed)).decode() == read("eddsa-jcs-2022/canonDocJCS.txt")
    assert rfc8785.dumps(configuration).decode() == read("eddsa-jcs-2022/proofCanonJCS.txt")
    document_hash = hashlib.sha256(rfc8785.dumps(unsigned(signed))).hexdigest()
    configuration_hash = hashlib.sha256(rfc8785.dumps(configuration)).hexdigest()
    assert document_hash == read("eddsa-jcs-2022/docHashJCS.txt").strip()
    assert configuration_hash == read("eddsa-jcs-2022/proofHashJCS.txt").strip()
    assert (configuration_hash + document_hash
            == read("eddsa-jcs-2022/combinedHashJCS.txt").strip())
    # Ed25519 is deterministic: signing again with the vector's key gives the vector's proof.
    key = private_key(load("keyPair.json")["privateKeyMultibase"])
    proof = proofs.create_proof(unsigned(signed), key, configuration["verificationMethod"],
                                configuration["created"], proofs.JCS)
    assert proof == signed["proof"]
    assert base58.b58decode(proof["proofValue"][1:]).hex() == read(
        "eddsa-jcs-2022/sigHexJCS.txt").strip()
    assert proof["proofValue"] == read("eddsa-jcs-2022/sigBTC58JCS.txt").strip()


def test_rdfc_vector_intermediate_values_and_signature():
    signed = load("eddsa-rdfc-2022/signedDataInt.json")
    configuration = load("eddsa-rdfc-2022/proofConfigDataInt.json")
    document = rdfc.canonical_nquads(unsigned(signed), VECTOR_CONTEXTS)
    proof_options = rdfc.proof_configuration(unsigned(signed), signed["proof"])
    assert proof_options == configuration
    canonical_configuration = rdfc.canonical_nquads(configuration, VECTOR_CONTEXTS)
    assert document == read("eddsa-rdfc-2022/canonDocDataInt.txt")
    assert canonical_configuration == read("eddsa-rdfc-2022/proofCanonDataInt.txt")
    document_hash = hashlib.sha256(document.encode()).hexdigest()
    assert document_hash == read("eddsa-rdfc-2022/docHashDataInt.txt").strip()
    assert (hashlib.sha256(canonical_configuration.encode()).hexdigest()
            == read("eddsa-rdfc-2022/proofHashDataInt.txt").strip())
    assert (rdfc.hash_data(signed, signed["proof"], VECTOR_CONTEXTS).hex()
            == read("eddsa-rdfc-2022/combinedHashDataInt.txt").strip())
    key = private_key(load("keyPair.json")["privateKeyMultibase"])
    proof = proofs.create_proof(unsigned(signed), key, configuration["verificationMethod"],
                                configuration["created"], proofs.RDFC, VECTOR_CONTEXTS)
    assert proof == signed["proof"]
    assert base58.b58decode(proof["proofValue"][1:]).hex() == read(
        "eddsa-rdfc-2022/sigHexDataInt.txt").strip()


@pytest.mark.parametrize("name", ["eddsa-jcs-2022/signedJCS.json",
                                  "eddsa-rdfc-2022/signedDataInt.json"])
def test_signed_vectors_verify(name):
    result = verify(load(name))
    assert result.ok is True, result.problem
    assert result.key_multibase == load("keyPair.json")["publicKeyMultibase"]
    assert [r.cryptosuite for r in result.results] == [load(name)["proof"]["cryptosuite"]]


def test_the_proof_set_vector_verifies_both_proofs():
    signed = load("proof-set/signedProofSet2.json")
    result = verify(signed)
    assert result.ok is True and [r.ok for r in result.results] == [True, True]
    pairs = load("proof-set/multiKeyPairs.json")
    assert result.keys == {pairs["keyPair1"]["publicKeyMultibase"],
                           pairs["keyPair2"]["publicKeyMultibase"]}
    changed = {**signed, "name": "Alumni Credential!"}
    assert [r.ok for r in verify(changed).results] == [False, False]


@pytest.mark.parametrize("name", ["eddsa-jcs-2022/signedJCS.json",
                                  "eddsa-rdfc-2022/signedDataInt.json"])
@pytest.mark.parametrize(("path", "value"), [
    (("name",), "Alumni Credential!"),
    (("validFrom",), "2023-01-02T00:00:00Z"),
    (("credentialSubject", "alumniOf"), "Another School"),
    (("credentialSubject", "id"), "did:example:other"),
    (("type",), ["VerifiableCredential"]),
    (("proof", "created"), "2023-02-24T23:36:39Z"),
    (("proof", "proofValue"), "z" + "1" * 86),
])
def test_a_tampered_vector_fails(name, path, value):
    changed = copy.deepcopy(load(name))
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert verify(changed).ok is False


def test_an_rdfc_proof_over_an_unshipped_context_fails_clearly():
    """Without the vectors' example context (our own loader), the rdfc vector cannot be
    canonicalised: it fails, naming the context, and nothing is fetched."""
    result = vc.verify_proof(load("eddsa-rdfc-2022/signedDataInt.json"))
    assert result.ok is False
    assert EXAMPLES_CONTEXT in result.problem and "not shipped" in result.problem
