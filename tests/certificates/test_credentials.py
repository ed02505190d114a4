"""certify.certificates.credentials: eddsa-jcs-2022 against the W3C test vector, keys, lists."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from certify.certificates import credentials as vc

VECTOR_PATH = Path(__file__).resolve().parents[3] / "shared" / "reference" / (
    "eddsa-jcs-2022-test-vector.json")
VECTOR_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


@pytest.fixture(scope="module")
def vector():
    if not VECTOR_PATH.exists():
        pytest.skip(f"the shared W3C test vector is not beside the project ({VECTOR_PATH})")
    return json.loads(VECTOR_PATH.read_text())


def resolve_vector(method: str):
    return vc.public_key_from_multibase(VECTOR_KEY) if method.endswith("#" + VECTOR_KEY) else None


def test_the_w3c_vector_verifies(vector):
    result = vc.verify_proof(vector, resolve_vector)
    assert result.ok, result.problem
    assert result.key_multibase == VECTOR_KEY


def _tamper(document, path, value):
    changed = copy.deepcopy(document)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(("path", "value"), [
    (("name",), "Alumni Credential!"),
    (("issuer",), "https://vc.example/issuers/9999"),
    (("validFrom",), "2023-01-02T00:00:00Z"),
    (("credentialSubject", "alumniOf"), "Another School"),
    (("credentialSubject", "id"), "did:example:other"),
    (("type",), ["VerifiableCredential"]),
    (("proof", "created"), "2023-02-24T23:36:39Z"),
    (("proof", "proofPurpose"), "authentication"),
    (("proof", "@context"), ["https://www.w3.org/ns/credentials/v2"]),
    (("proof", "proofValue"), "z" + "1" * 86),
    (("proof", "cryptosuite"), "eddsa-rdfc-2022"),
])
def test_any_changed_field_fails(vector, path, value):
    assert not vc.verify_proof(_tamper(vector, path, value), resolve_vector).ok


def test_an_added_field_fails(vector):
    changed = copy.deepcopy(vector)
    changed["description"] += " "
    assert not vc.verify_proof(changed, resolve_vector).ok
    changed = copy.deepcopy(vector)
    changed["extra"] = True
    assert not vc.verify_proof(changed, resolve_vector).ok


def test_an_unresolvable_method_fails(vector):
    result = vc.verify_proof(vector, lambda method: None)
    assert not result.ok and "cannot be resolved" in result.problem


def test_multikey_round_trip_of_the_vector_key():
    key = vc.public_key_from_multibase(VECTOR_KEY)
    assert vc.public_key_multibase(key) == VECTOR_KEY
    with pytest.raises(ValueError):
        vc.public_key_from_multibase("u" + VECTOR_KEY[1:])
    with pytest.raises(ValueError):
        vc.public_key_from_multibase("z" + "1" * 10)


def test_sign_and_verify_with_did_key():
    key = vc.generate_private_key()
    multibase = vc.public_key_multibase(key.public_key())
    assert multibase.startswith("z6Mk")
    document = {"@context": [vc.VC_CONTEXT], "type": ["VerifiableCredential"], "name": "Әлия"}
    signed = vc.sign(document, key, vc.did_key_method(multibase),
                     created=datetime(2026, 11, 24, tzinfo=UTC))
    assert signed["proof"]["@context"] == document["@context"]
    assert signed["proof"]["created"] == "2026-11-24T00:00:00Z"
    result = vc.verify_proof(signed)  # did:key resolves itself, offline
    assert result.ok and result.key_multibase == multibase
    # Re-signed by another key: the signature is fine, but the key is another one.
    other = vc.generate_private_key()
    forged = vc.sign({**signed, "name": "Someone else"}, other,
                     vc.did_key_method(vc.public_key_multibase(other.public_key())))
    assert vc.verify_proof(forged).key_multibase != multibase
    # Pretending to be signed by the first key fails.
    forged["proof"]["verificationMethod"] = vc.did_key_method(multibase)
    assert not vc.verify_proof(forged).ok


def test_private_key_pem_round_trip():
    key = vc.generate_private_key()
    loaded = vc.load_private_key(vc.private_key_pem(key))
    assert vc.public_key_multibase(loaded.public_key()) == vc.public_key_multibase(
        key.public_key())


def test_status_list_bits():
    bits = bytearray(vc.STATUS_LIST_MIN_ENTRIES // 8)
    for index in (0, 7, 8, 94567, vc.STATUS_LIST_MIN_ENTRIES - 1):
        vc.set_status_bit(bits, index, True)
    encoded = vc.encode_status_list(bits)
    assert encoded.startswith("u") and "=" not in encoded and len(encoded) < 400
    decoded = vc.decode_status_list(encoded)
    assert decoded[0] == 0b10000001 and decoded[1] == 0b10000000  # index 0 is left-most
    assert [i for i in (0, 1, 7, 8, 94566, 94567) if vc.status_bit(decoded, i)] == [0, 7, 8,
                                                                                    94567]
    vc.set_status_bit(bits, 94567, False)
    assert not vc.status_bit(vc.decode_status_list(vc.encode_status_list(bits)), 94567)
    with pytest.raises(ValueError):
        vc.encode_status_list(bytearray(100))


def test_identity_hash():
    assert vc.identity_hash("Holder@Example.org ", "salt") == (
        "sha256$" + __import__("hashlib").sha256(b"holder@example.orgsalt").hexdigest())


def test_verify_credential_reports_each_check():
    key = vc.generate_private_key()
    multibase = vc.public_key_multibase(key.public_key())
    did = "did:web:certify.example"
    document = {
        "@context": [vc.VC_CONTEXT, vc.OB_CONTEXT], "type": ["VerifiableCredential"],
        "issuer": {"id": did, "type": ["Profile"]},
        "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2031-01-01T00:00:00Z",
        "credentialSubject": {"identifier": [{"identityHash": "sha256$x"}]},
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                             "statusListIndex": "5", "statusListCredential": "x"},
    }
    signed = vc.sign(document, key, f"{did}#{multibase}")
    now = datetime(2026, 6, 1, tzinfo=UTC)

    def run(doc, status=lambda entry: False, keys=frozenset({multibase}), when=now):
        return {c.check: c.ok for c in vc.verify_credential(
            doc, trusted_keys=set(keys), issuer_id=did,
            legacy_issuer_ids={"https://certify.example/issuer"},
            status=status, now=when).checks}

    assert run(signed) == {"format": True, "signature": True, "issuer_key": True,
                           "revocation": True, "validity": True}
    assert run(signed, status=lambda entry: True)["revocation"] is False
    assert run(signed, status=lambda entry: None)["revocation"] is None  # could not check
    assert run(signed, keys=frozenset())["issuer_key"] is False
    assert run(signed, when=datetime(2032, 1, 1, tzinfo=UTC))["validity"] is False
    assert run(signed, when=datetime(2025, 1, 1, tzinfo=UTC))["validity"] is False
    tampered = {**signed, "validUntil": "2099-01-01T00:00:00Z"}
    assert run(tampered) == {"format": True, "signature": False, "issuer_key": None,
                             "revocation": None, "validity": None}  # nothing vouched for
    # Our key under another controller, and a did:key under the DID issuer: not bound.
    assert run(vc.sign(document, key, f"did:web:other.example#{multibase}"))[
        "issuer_key"] is False
    assert run(vc.sign(document, key, vc.did_key_method(multibase)))["issuer_key"] is False
    # Before the DID: the profile's address as issuer, a did:key method.
    legacy = vc.sign({**document, "issuer": {"id": "https://certify.example/issuer",
                                             "type": ["Profile"]}},
                     key, vc.did_key_method(multibase))
    assert run(legacy)["issuer_key"] is True
    result = vc.verify_credential(signed, trusted_keys={multibase}, issuer_id=did,
                                  status=lambda e: None, now=now)
    assert not result.verified  # "could not be checked" is never a pass


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_parse_refuses_non_objects(data):
    with pytest.raises(vc.CredentialError):
        vc.parse(data)
