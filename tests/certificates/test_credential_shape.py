"""The credential as outside verifiers meet it: 1EdTech's OB 3.0 schema, the issuer's did:web
and its DID document, one status entry, a badge image, and checks that claim nothing the
signature does not back."""

from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates import keys
from certify.certificates.issuer import legacy_issuer_ids
from certify.certificates.models import Certificate
from certify.core.extensions import db
from tests.support import login, ob_schema_errors

BASE = "http://127.0.0.1:5000"  # the tests' PUBLIC_BASE_URL


@pytest.fixture
def issued(award, in_app):
    award()
    return in_app(lambda: db.session.scalar(sa.select(Certificate.number)))


def get_credential(client, number):
    return client.get(f"/certificates/{number}/credential.json").get_json()


def checks_of(client, document):
    """The /verify page's checks as one line of text each, and the page."""
    response = client.post("/verify", data={"credential": json.dumps(document)})
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def as_admin(app, award):
    admin = app.test_client()
    login(admin, award.admin)
    return admin


def certificate_id(in_app, number):
    return in_app(lambda: db.session.scalar(
        sa.select(Certificate.id).where(Certificate.number == number)))


def test_the_credential_conforms_to_the_1edtech_schema(client, issued):
    document = get_credential(client, issued)
    assert ob_schema_errors(document) == []
    assert document["credentialSchema"] == [{"id": vc.OB_SCHEMA,
                                             "type": "1EdTechJsonSchemaValidator2019"}]


def test_texts_are_strings_in_the_holders_language_with_the_others_related(
        client, award, create_user, in_app):
    award(candidate=create_user("candidate", language="kk"))
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    achievement = get_credential(client, number)["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "kk"
    assert achievement["name"] == "ЮНЕСКО тау-кен ісі профессоры"
    assert isinstance(achievement["description"], str) and achievement["description"]
    assert isinstance(achievement["criteria"]["narrative"], str)
    related = {item["inLanguage"]: item["id"] for item in achievement["related"]}
    assert related == {"en": achievement["id"] + "/en", "ru": achievement["id"] + "/ru"}
    assert all(item["type"] == ["Related"] for item in achievement["related"])
    # Each id answers: the same achievement, in its language.
    russian = client.get(related["ru"].removeprefix(BASE)).get_json()
    assert russian["name"] == "Профессор ЮНЕСКО горного дела" and russian["inLanguage"] == "ru"
    assert client.get(achievement["id"].removeprefix(BASE)).get_json()["inLanguage"] == "en"
    assert client.get(achievement["id"].removeprefix(BASE) + "/xx").status_code == 404


def test_did_web_names_the_port_and_the_path():
    assert vc.did_web("http://127.0.0.1:5000") == "did:web:127.0.0.1%3A5000"
    assert vc.did_web("https://Certify.Example.org/") == "did:web:certify.example.org"
    assert vc.did_web("https://a.example:8443/centre/kz") == "did:web:a.example%3A8443:centre:kz"
    assert vc.did_document_path("https://a.example") == "/.well-known/did.json"
    assert vc.did_document_path("https://a.example/centre/kz/") == "/centre/kz/did.json"


def test_the_issuer_is_a_did_web_whose_document_lists_the_signing_key(client, issued):
    document = get_credential(client, issued)
    did = "did:web:127.0.0.1%3A5000"
    assert document["issuer"]["id"] == did
    (method,) = {proof["verificationMethod"] for proof in document["proof"]}  # both proofs
    assert method.startswith(did + "#z6Mk")

    answer = client.get("/.well-known/did.json")
    assert answer.status_code == 200 and answer.mimetype == "application/did+ld+json"
    did_document = answer.get_json()
    assert did_document["id"] == did
    assert did_document["@context"] == [vc.DID_CONTEXT, vc.MULTIKEY_CONTEXT]
    listed = {item["id"]: item for item in did_document["verificationMethod"]}
    assert listed[method]["controller"] == did and listed[method]["type"] == "Multikey"
    assert listed[method]["publicKeyMultibase"] == vc.multibase_of_method(method)
    assert method in did_document["assertionMethod"]

    profile = client.get("/issuer").get_json()
    assert profile["id"] == did and profile["type"] == ["Profile"]
    assert set(profile["@context"]) == {vc.VC_CONTEXT, vc.OB_CONTEXT}
    assert not {"verificationMethod", "assertionMethod"} & set(profile)  # in the DID document
    status_list = client.get(document["credentialStatus"]["statusListCredential"]
                             .removeprefix(BASE)).get_json()
    assert status_list["issuer"] == did
    assert [proof["verificationMethod"] for proof in status_list["proof"]] == [method, method]


def test_a_retired_key_stays_in_the_did_document(client, runner, issued):
    old = get_credential(client, issued)["proof"][0]["verificationMethod"]
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    did_document = client.get("/.well-known/did.json").get_json()
    listed = {item["id"]: item for item in did_document["verificationMethod"]}
    assert "revoked" in listed[old] and old in did_document["assertionMethod"]
    assert len(listed) == 2


def test_a_method_of_another_did_does_not_bind_to_our_issuer(client, issued, in_app):
    """Our key, but the proof names it under another DID: the issuer does not control it."""
    document = get_credential(client, issued)
    private = in_app(lambda: keys.private_key(keys.active_key()))
    multibase = vc.public_key_multibase(private.public_key())
    forged = vc.sign(document, private, f"did:web:evil.example#{multibase}")
    page = checks_of(client, forged)
    assert "Signature matches the content: <strong>passed" in page
    assert "Signed with a key of this issuer: <strong>failed" in page


def test_a_credential_from_before_the_did_still_verifies(client, issued, in_app):
    """Issued with the profile's address as issuer and a did:key method (the old shape)."""
    document = get_credential(client, issued)
    private = in_app(lambda: keys.private_key(keys.active_key()))
    (legacy_issuer,) = in_app(legacy_issuer_ids)
    document["issuer"]["id"] = legacy_issuer
    legacy = vc.sign(document, private,
                     vc.did_key_method(vc.public_key_multibase(private.public_key())))

    def issued_before_the_did():  # the register holds the credential as it was issued
        db.session.scalar(sa.select(Certificate)).credential = legacy

    in_app(issued_before_the_did)
    assert "genuine, issued by us, and valid" in checks_of(client, legacy)
    page = " ".join(client.get(f"/verify/{issued}").get_data(as_text=True).split())
    assert "Signed with a key of this issuer: <strong>passed" in page
    moved = copy.deepcopy(legacy)  # a did:key under the new issuer id was never issued
    moved["issuer"]["id"] = "did:web:127.0.0.1%3A5000"
    moved = vc.sign(moved, private, legacy["proof"]["verificationMethod"])
    assert "Signed with a key of this issuer: <strong>failed" in checks_of(client, moved)


def test_one_status_entry_and_suspension_from_the_register(app, client, issued, award,
                                                           in_app):
    document = get_credential(client, issued)
    entry = document["credentialStatus"]
    assert isinstance(entry, dict) and entry["statusPurpose"] == "revocation"
    admin = as_admin(app, award)
    admin.post(f"/certificates/{certificate_id(in_app, issued)}/suspend",
               data={"confirm": "y", "reason": "Under inquiry."})

    # An outside verifier reads the revocation list: not revoked (docs/credentials.md).
    listing = client.get(entry["statusListCredential"].removeprefix(BASE)).get_json()
    bits = vc.decode_status_list(listing["credentialSubject"]["encodedList"])
    assert not vc.status_bit(bits, int(entry["statusListIndex"]))
    # Our page and API answer from the register.
    page = checks_of(client, document)
    assert "Not suspended: <strong>failed" in page and "Not revoked: <strong>passed" in page
    body = client.post("/api/v1/verify", json=document).get_json()
    assert body["status"] == "suspended" and body["verified"] is False

    admin.post(f"/certificates/{certificate_id(in_app, issued)}/reinstate",
               data={"confirm": "y", "reason": "Cleared."})
    assert "genuine, issued by us, and valid" in checks_of(client, document)


def test_the_achievement_has_a_stable_generated_badge_image(client, issued):
    image = get_credential(client, issued)["credentialSubject"]["achievement"]["image"]
    assert image["type"] == "Image" and image["caption"]
    first = client.get(image["id"].removeprefix(BASE))
    assert first.status_code == 200 and first.mimetype == "image/svg+xml"
    assert first.get_data() == client.get(image["id"].removeprefix(BASE)).get_data()
    assert b"<svg" in first.get_data()
    assert client.get("/badges/professor/no-such-band.svg").status_code == 404
    assert client.get("/badges/astronaut/none.svg").status_code == 404


def test_a_failed_signature_leaves_the_dependent_checks_unchecked(client, issued):
    document = get_credential(client, issued)
    document["validUntil"] = "2099-01-01T00:00:00Z"
    page = checks_of(client, document)
    assert "Signature matches the content: <strong>failed" in page
    for check in ("Signed with a key of this issuer", "Not revoked", "Not suspended",
                  "Within its validity dates", "The current credential of its certificate"):
        assert f"{check}: <strong>could not be checked" in page
    assert "<strong>passed" not in page.split("Signature matches the content")[1]
    body = client.post("/api/v1/verify", json=document).get_json()
    outcome = {check["check"]: check["ok"] for check in body["checks"]}
    assert outcome["signature"] is False
    assert outcome["issuer_key"] is None and outcome["validity"] is None


def test_the_result_names_what_was_checked(client, issued, in_app):
    document = get_credential(client, issued)
    holder = in_app(lambda: db.session.scalar(sa.select(Certificate.holder_name)))
    page = checks_of(client, document)
    for fact in (holder, document["credentialSubject"]["achievement"]["name"], issued,
                 document["issuer"]["name"]):
        assert fact in page
    assert "none of this is confirmed" not in page
    document["credentialSubject"]["licenseNumber"] = "UPME-KZ-2026-999999"
    assert "none of this is confirmed" in checks_of(client, document)
    stated = client.post("/api/v1/verify", json=document).get_json()["stated"]
    assert stated["number"] == "UPME-KZ-2026-999999" and stated["holder"].startswith(holder)


@pytest.mark.parametrize("action", ["revoke", "suspend"])
def test_no_printable_certificate_while_revoked_or_suspended(app, client, award, create_user,
                                                             in_app, action):
    holder = create_user("candidate")
    award(candidate=holder)
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    holder_client = app.test_client()
    login(holder_client, holder)

    def offered():
        return ("Printable certificate (PDF)" in client.get(f"/verify/{number}").get_data(
            as_text=True), "Certificate (PDF)" in holder_client.get(
            f"/my/certificates/{number}").get_data(as_text=True))

    assert offered() == (True, True)
    assert client.get(f"/certificates/{number}.pdf").status_code == 200
    as_admin(app, award).post(f"/certificates/{certificate_id(in_app, number)}/{action}",
                              data={"confirm": "y", "reason": "Forged evidence."})
    assert offered() == (False, False)
    assert client.get(f"/certificates/{number}.pdf").status_code == 410
    assert client.get(f"/certificates/{number}.pdf?lang=ru").status_code == 410
    assert holder_client.get(f"/certificates/{number}.pdf").status_code == 410


def test_a_superseded_credential_is_refused_by_the_status_list_too(app, client, issued, award,
                                                                   in_app):
    old = get_credential(client, issued)
    response = as_admin(app, award).post(
        f"/certificates/{certificate_id(in_app, issued)}/correct-name",
        data={"full_name": "Corrected Name", "reason": "Passport spelling."})
    assert response.status_code == 302
    new = get_credential(client, issued)
    assert new["credentialStatus"]["statusListIndex"] != old["credentialStatus"][
        "statusListIndex"]
    listing = client.get("/status/revocation-1").get_json()
    bits = vc.decode_status_list(listing["credentialSubject"]["encodedList"])
    assert vc.status_bit(bits, int(old["credentialStatus"]["statusListIndex"]))  # flipped
    assert not vc.status_bit(bits, int(new["credentialStatus"]["statusListIndex"]))
    page = checks_of(client, old)
    assert "Not revoked: <strong>failed</strong> <small>(superseded by a newer credential)" in page
    body = client.post("/api/v1/verify", json=old).get_json()
    assert body["status"] == "superseded" and body["verified"] is False
    assert client.post("/api/v1/verify", json=new).get_json()["status"] == "valid"
