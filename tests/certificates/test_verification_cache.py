"""Public verification under load: little work per request, nothing trusted that was not read.

The signature check of a stored credential is remembered by the credential's exact text, per
process and with a public cache in Redis (``proof_memory``); everything else — the certificate,
its status, our keys — is read again for every request. These tests go through the app, with
the cache warm.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates import proof_memory
from certify.certificates.models import Certificate
from certify.core.extensions import db
from rubrics.models import RubricVersion
from tests.support import counting_statements, login

SIGNATURE_PASSED = "Signature matches the content: <strong>passed"
SIGNATURE_FAILED = "Signature matches the content: <strong>failed"
KEY_PASSED = "Signed with a key of this issuer: <strong>passed"
KEY_FAILED = "Signed with a key of this issuer: <strong>failed"


@pytest.fixture
def issued(award, in_app):
    award()
    return in_app(lambda: db.session.scalar(sa.select(Certificate.number)))


def page(client, number: str) -> str:
    response = client.get(f"/verify/{number}")
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def stored_credential(in_app) -> dict:
    return in_app(lambda: db.session.scalar(sa.select(Certificate.credential)))


def store_credential(in_app, document: dict) -> None:
    def work():
        db.session.scalar(sa.select(Certificate)).credential = document

    in_app(work)


def test_a_tampered_stored_credential_never_reuses_a_remembered_signature(client, issued,
                                                                          in_app):
    genuine = stored_credential(in_app)
    first = page(client, issued)
    assert SIGNATURE_PASSED in first and "genuine and valid" in first
    hits = proof_memory._proof_of_text.cache_info().hits
    assert SIGNATURE_PASSED in page(client, issued)
    assert proof_memory._proof_of_text.cache_info().hits > hits  # the second check was remembered

    renamed = copy.deepcopy(genuine)
    renamed["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"
    outsider = vc.generate_private_key()
    outsider_method = vc.did_key_method(vc.public_key_multibase(outsider.public_key()))
    changed_proofs = []
    for index in range(len(genuine["proof"])):  # each proof of the set in turn
        other_value = copy.deepcopy(genuine)
        value = other_value["proof"][index]["proofValue"]
        other_value["proof"][index]["proofValue"] = value[:-1] + ("2" if value[-1] != "2"
                                                                  else "3")
        other_key = copy.deepcopy(genuine)
        other_key["proof"][index]["verificationMethod"] = outsider_method
        changed_proofs += [other_value, other_key]
    for tampered in (renamed, *changed_proofs):
        store_credential(in_app, tampered)
        for _ in range(2):  # and not remembered as valid either
            assert SIGNATURE_FAILED in page(client, issued)

    # Re-signed by someone else's key: a sound signature, but not by a key of ours.
    resigned = vc.sign({k: v for k, v in renamed.items() if k != "proof"}, outsider,
                       outsider_method)
    store_credential(in_app, resigned)
    for _ in range(2):
        body = page(client, issued)
        assert SIGNATURE_PASSED in body and KEY_FAILED in body

    store_credential(in_app, genuine)
    body = page(client, issued)
    assert SIGNATURE_PASSED in body and KEY_PASSED in body


def test_revoke_suspend_and_reinstate_show_at_once_with_the_signature_remembered(
        app, client, issued, award, in_app):
    certificate_id = in_app(lambda: db.session.scalar(sa.select(Certificate.id)))
    admin = app.test_client()
    login(admin, award.admin)

    def status() -> str:
        return client.get(f"/api/v1/certificates/{issued}").get_json()["status"]

    for _ in range(2):
        body = page(client, issued)
        assert "genuine and valid" in body and "Not revoked: <strong>passed" in body
    assert status() == "valid"

    admin.post(f"/certificates/{certificate_id}/suspend", data={"confirm": "y",
                                                                "reason": "Under inquiry."})
    body = page(client, issued)
    assert "is suspended and not valid" in body and "Not suspended: <strong>failed" in body
    assert SIGNATURE_PASSED in body
    assert status() == "suspended"

    admin.post(f"/certificates/{certificate_id}/reinstate", data={"confirm": "y",
                                                                  "reason": "Cleared."})
    body = page(client, issued)
    assert "genuine and valid" in body and "Not suspended: <strong>passed" in body
    assert status() == "valid"

    admin.post(f"/certificates/{certificate_id}/revoke", data={"confirm": "y",
                                                               "reason": "Forged evidence."})
    body = page(client, issued)
    assert "has been revoked" in body and "Not revoked: <strong>failed" in body
    assert status() == "revoked"


def test_remembered_proofs_follow_every_byte_of_the_document():
    key = vc.generate_private_key()
    method = vc.did_key_method(vc.public_key_multibase(key.public_key()))
    signed = vc.sign({"@context": [vc.VC_CONTEXT], "type": ["VerifiableCredential"],
                      "name": "Әлия", "validFrom": "2026-01-01T00:00:00Z"}, key, method,
                     created=datetime(2026, 11, 24, tzinfo=UTC))
    assert proof_memory.remembered_proof(signed).ok and proof_memory.remembered_proof(signed).ok
    # Key order is not content (eddsa-jcs-2022 canonicalises it away too).
    assert proof_memory.remembered_proof(dict(reversed(list(signed.items())))).ok
    for field, value in (("name", "Алия"), ("validFrom", "2026-01-02T00:00:00Z"),
                         ("type", ["VerifiableCredential", "X"])):
        assert not proof_memory.remembered_proof({**signed, field: value}).ok
    assert not proof_memory.remembered_proof({**signed, "extra": 1}).ok
    assert not proof_memory.remembered_proof({**signed, "proof": {**signed["proof"],
                                                       "created": "2026-11-25T00:00:00Z"}}).ok
    # 1, 1.0 and true are three texts, each remembered as checked: JCS writes 1.0 as 1 (so it
    # verifies), true as true (so it does not).
    numbered = vc.sign({**{k: v for k, v in signed.items() if k != "proof"}, "n": 1}, key,
                       method)
    for value, verifies in ((1, True), (1.0, True), (True, False), (1, True)):
        document = {**numbered, "n": value}
        assert proof_memory.remembered_proof(document) == vc.verify_proof(document)
        assert proof_memory.remembered_proof(document).ok is verifies
    # Not plain JSON: checked as it is, not remembered.
    assert vc.exact_text({**signed, "extra": {1, 2}}) is None
    assert not proof_memory.remembered_proof({**signed, "extra": {1, 2}}).ok


def test_public_lookups_read_once_and_leave_connections_transactional(app, client, issued,
                                                                     in_app):
    page(client, issued)
    client.get(f"/api/v1/certificates/{issued}")
    with counting_statements(app) as verify_page:
        page(client, issued)
    with counting_statements(app) as api:
        assert client.get(f"/api/v1/certificates/{issued}").status_code == 200
    # The certificate with what the page shows of it, and our keys; the API: the certificate.
    assert len(verify_page) == 2, verify_page
    assert len(api) == 1, api

    def give_a_band():
        certificate = db.session.scalar(sa.select(Certificate))
        # A published version is locked to the ORM: the band is added behind its back.
        db.session.execute(sa.update(RubricVersion).where(
            RubricVersion.id == certificate.rubric_version_id).values(
            bands=[{"code": "senior", "min_score": 0, "title": {"en": "Senior"}}]))
        certificate.band = "senior"

    in_app(give_a_band)
    page(client, issued)
    with counting_statements(app) as banded:
        assert "Senior" in page(client, issued)
    assert len(banded) == 2, banded  # the band's title comes with the certificate
    assert not any(s.lstrip().upper().startswith(("BEGIN", "ROLLBACK", "COMMIT"))
                   for s in verify_page + api)

    # Reads ran outside a transaction; the connection went back to the pool transactional:
    # a write rolled back afterwards is gone.
    def rolled_back_write():
        db.session.execute(sa.update(Certificate).values(holder_name="Not Committed"))
        db.session.rollback()
        return db.session.scalar(sa.select(Certificate.holder_name))

    with app.app_context():
        assert rolled_back_write() != "Not Committed"
