"""Credentials and status lists carry a proof set — eddsa-jcs-2022 and eddsa-rdfc-2022 by the
same key — and our verifier checks every proof: through the app (page and API) and in the pure
modules, with contexts served only from the package."""

from __future__ import annotations

import copy
import json
import socket
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates import rdfc
from certify.certificates.issuer import legacy_issuer_ids
from certify.certificates.keys import private_key, signing_key
from certify.certificates.models import Certificate
from certify.certificates.offline_contexts import SHIPPED_CONTEXTS, OfflineContexts, UnknownContext
from certify.core.extensions import db

SUITES = ["eddsa-jcs-2022", "eddsa-rdfc-2022"]
MOMENT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def issued(award, in_app):
    award()
    return in_app(lambda: db.session.scalar(sa.select(Certificate.number)))


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test: contexts come from the package."""

    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def credential(client, number: str) -> dict:
    return client.get(f"/certificates/{number}/credential.json").get_json()


def api_verify(client, document: dict) -> dict:
    response = client.post("/api/v1/verify", json=document)
    assert response.status_code == 200
    return response.get_json()


def page(client, document: dict) -> str:
    response = client.post("/verify", data={"credential": json.dumps(document)})
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def test_a_credential_carries_both_proofs_by_the_same_key(client, issued, no_network):
    document = credential(client, issued)
    proofs = document["proof"]
    assert isinstance(proofs, list) and [p["cryptosuite"] for p in proofs] == SUITES
    assert {p["type"] for p in proofs} == {"DataIntegrityProof"}
    assert {p["proofPurpose"] for p in proofs} == {"assertionMethod"}
    assert len({p["verificationMethod"] for p in proofs}) == 1
    assert len({p["created"] for p in proofs}) == 1
    assert proofs[0]["@context"] == document["@context"] and "@context" not in proofs[1]
    result = api_verify(client, document)
    assert result["verified"] and result["status"] == "valid"
    assert [(p["cryptosuite"], p["ok"]) for p in result["proofs"]] == [(s, True) for s in SUITES]
    body = page(client, document)
    for suite in SUITES:
        assert f"Proof ({suite}): <strong>passed" in body


def test_status_list_credentials_carry_both_proofs(client, issued, no_network):
    for purpose in ("revocation", "suspension"):
        listed = client.get(f"/status/{purpose}-1").get_json()
        assert [p["cryptosuite"] for p in listed["proof"]] == SUITES
        result = vc.verify_proof(listed)
        assert result.ok is True and [r.ok for r in result.results] == [True, True]


def test_a_changed_field_breaks_both_proofs(client, issued):
    document = credential(client, issued)
    document["validUntil"] = "2099-01-01T00:00:00Z"
    result = api_verify(client, document)
    assert not result["verified"]
    assert [p["ok"] for p in result["proofs"]] == [False, False]
    body = page(client, document)
    assert "Signature matches the content: <strong>failed" in body
    for suite in SUITES:
        assert f"Proof ({suite}): <strong>failed" in body


@pytest.mark.parametrize("broken", [0, 1])
def test_one_failing_proof_means_not_verified(client, issued, broken):
    document = credential(client, issued)
    value = document["proof"][broken]["proofValue"]
    document["proof"][broken]["proofValue"] = value[:-1] + ("2" if value[-1] != "2" else "3")
    result = api_verify(client, document)
    assert not result["verified"]
    assert [p["ok"] for p in result["proofs"]] == [index != broken for index in range(2)]
    signature = next(c for c in result["checks"] if c["check"] == "signature")
    assert signature["ok"] is False and SUITES[broken] in signature["detail"]


def test_a_proof_in_an_unknown_cryptosuite_is_reported_not_passed(client, issued):
    document = credential(client, issued)
    foreign = {**document["proof"][0], "cryptosuite": "ecdsa-rdfc-2019"}
    foreign.pop("@context")
    document["proof"].append(foreign)
    result = api_verify(client, document)
    assert result["verified"]  # ours verify and none fails
    assert [p["ok"] for p in result["proofs"]] == [True, True, None]
    assert "not a cryptosuite we check" in result["proofs"][2]["detail"]
    assert "Proof (ecdsa-rdfc-2019): <strong>could not be checked" in page(client, document)

    only_foreign = {**document, "proof": [foreign]}
    result = api_verify(client, only_foreign)
    assert not result["verified"]
    signature = next(c for c in result["checks"] if c["check"] == "signature")
    assert signature["ok"] is None  # could not be checked, never passed


def test_a_credential_with_the_old_single_proof_still_verifies(app, client, issued, in_app):
    """Credentials issued before the proof set carry one eddsa-jcs-2022 proof object (and,
    from before the DID, the profile's address as issuer with a did:key method)."""

    def resign_the_old_way():
        certificate = db.session.scalar(sa.select(Certificate))
        key = signing_key()
        (legacy_issuer,) = legacy_issuer_ids()
        unsigned = {**certificate.credential,
                    "issuer": {**certificate.credential["issuer"], "id": legacy_issuer}}
        certificate.credential = vc.sign(unsigned, private_key(key),
                                         vc.did_key_method(key.public_key_multibase))
        return certificate.credential

    old = in_app(resign_the_old_way)
    assert isinstance(old["proof"], dict) and old["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    result = api_verify(client, old)
    assert result["verified"] and [p["ok"] for p in result["proofs"]] == [True]
    assert "genuine and valid" in " ".join(
        client.get(f"/verify/{issued}").get_data(as_text=True).split())


def test_signing_with_an_unshipped_context_fails_clearly(app, no_network):
    key = vc.generate_private_key()
    method = vc.did_key_method(vc.public_key_multibase(key.public_key()))
    document = {"@context": [vc.VC_CONTEXT, "https://contexts.example/extra/v1"],
                "type": ["VerifiableCredential"], "issuer": "https://issuer.example/",
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:1"}}
    with pytest.raises(rdfc.CanonicalizationError, match="contexts.example/extra/v1"):
        vc.sign_proof_set(document, key, method)
    with pytest.raises(UnknownContext):
        OfflineContexts()("https://contexts.example/extra/v1")


@pytest.mark.parametrize("change", [
    lambda d: d["credentialSubject"].update(favouriteColour="blue"),  # undefined term
    lambda d: d.update(type=["VerifiableCredential", "MadeUpCredential"]),  # undefined type
    lambda d: d.update(issuer="issuers/1"),  # relative IRI
])
def test_safe_mode_refuses_what_the_rdf_signature_would_drop(change):
    key = vc.generate_private_key()
    method = vc.did_key_method(vc.public_key_multibase(key.public_key()))
    document = {"@context": [vc.VC_CONTEXT], "type": ["VerifiableCredential"],
                "issuer": "https://issuer.example/", "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:1"}}
    assert vc.verify_proof(vc.sign_proof_set(document, key, method)).ok is True
    change(document)
    with pytest.raises(rdfc.CanonicalizationError, match="safe mode"):
        vc.sign_proof_set(document, key, method)
    assert vc.sign(document, key, method)  # JSON canonicalisation signs every member as is


def test_every_shipped_context_is_served():
    loader = OfflineContexts()
    for url in SHIPPED_CONTEXTS:
        assert "@context" in loader(url)["document"]


def test_resigning_is_deterministic(client, issued):
    document = {k: v for k, v in credential(client, issued).items() if k != "proof"}
    key = vc.generate_private_key()
    method = vc.did_key_method(vc.public_key_multibase(key.public_key()))
    first = vc.sign_proof_set(document, key, method, created=MOMENT)
    assert vc.sign_proof_set(copy.deepcopy(document), key, method, created=MOMENT) == first
    later = vc.sign_proof_set(document, key, method, created=MOMENT.replace(hour=13))
    assert all(a["proofValue"] != b["proofValue"] for a, b in zip(first["proof"],
                                                                 later["proof"], strict=True))
    # Key order does not matter to either canonicalisation.
    reordered = dict(reversed(list(document.items())))
    assert vc.sign_proof_set(reordered, key, method, created=MOMENT)["proof"] == first["proof"]


def test_look_alike_blank_nodes_are_refused_in_bounded_time():
    """A crafted graph of indistinguishable blank nodes would make RDF canonicalisation take
    exponential time; it is refused instead."""
    nodes = [{"@id": f"_:n{i}", "https://vocab.example/knows": [
        {"@id": f"_:n{j}"} for j in range(12) if j != i]} for i in range(12)]
    with pytest.raises(rdfc.CanonicalizationError, match="look-alike"):
        rdfc.canonical_nquads({"@graph": nodes})
