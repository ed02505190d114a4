"""Certificates as signed credentials, through the app: issue, publish, check, revoke."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates.models import Certificate, SigningKey
from certify.core.extensions import db
from tests.support import login


@pytest.fixture
def issued(award, in_app):
    award()
    return in_app(lambda: db.session.scalar(sa.select(Certificate.number)))


def get_credential(client, number):
    response = client.get(f"/certificates/{number}/credential.json")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    return response.get_json()


def check(client, document):
    response = client.post("/verify", data={"credential": json.dumps(document)})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_credential_is_an_open_badge_signed_with_our_key(client, issued):
    document = get_credential(client, issued)
    assert document["@context"] == [vc.VC_CONTEXT, vc.OB_CONTEXT, vc.OB_EXTENSIONS_CONTEXT]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    subject = document["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["achievementType"] == "Certification"
    assert subject["achievement"]["name"] == "UNESCO Professor of Mining Engineering"
    assert subject["achievement"]["inLanguage"] == "en"  # the holder's language
    email = [i for i in subject["identifier"] if i["identityType"] == "emailAddress"][0]
    assert email["hashed"] and email["identityHash"].startswith("sha256$") and email["salt"]
    assert "@example.org" not in json.dumps(document)  # no plain email anywhere
    assert document["credentialStatus"]["statusPurpose"] == "revocation"
    jcs, rdfc = document["proof"]  # a proof set: the same key, two canonicalisations
    assert (jcs["cryptosuite"], rdfc["cryptosuite"]) == ("eddsa-jcs-2022", "eddsa-rdfc-2022")
    proof = jcs
    assert proof["verificationMethod"].startswith(document["issuer"]["id"] + "#z6Mk")
    assert rdfc["verificationMethod"] == proof["verificationMethod"]
    assert rdfc["created"] == proof["created"]
    checked = vc.verify_proof(document)  # offline: the method names its key
    assert checked.ok and [r.ok for r in checked.results] == [True, True]

    did_document = client.get("/.well-known/did.json").get_json()
    keys = [m["publicKeyMultibase"] for m in did_document["verificationMethod"]]
    assert vc.multibase_of_method(proof["verificationMethod"]) in keys
    assert did_document["id"] == document["issuer"]["id"]
    assert client.get("/issuer").get_json()["id"] == document["issuer"]["id"]


def test_public_page_lists_the_checks(client, issued):
    body = client.get(f"/verify/{issued}").get_data(as_text=True)
    for text in ("Signature matches the content", "Signed with a key of this issuer",
                 "Not revoked", "Within its validity dates"):
        assert text in body
    assert "failed" not in body and "could not be checked" not in body


def test_pasted_and_uploaded_credentials_are_checked(client, issued):
    document = get_credential(client, issued)
    assert "This credential is genuine, issued by us, and valid." in check(client, document)
    upload = client.post("/verify", data={"file": (io.BytesIO(json.dumps(document).encode()),
                                                   "c.json")})
    assert "genuine, issued by us" in upload.get_data(as_text=True)


@pytest.mark.parametrize("change", [
    lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Someone Else"),
    lambda d: d.update(validUntil="2099-01-01T00:00:00Z"),
    lambda d: d["credentialSubject"].update(licenseNumber="UPME-KZ-2026-999999"),
    lambda d: d["issuer"].update(name="Another Centre"),
])
def test_any_altered_field_fails(client, issued, change):
    document = get_credential(client, issued)
    change(document)
    body = check(client, document)
    assert "does not pass every check" in body
    assert "Signature matches the content: <strong>failed" in " ".join(body.split())


def test_a_copy_resigned_with_another_key_is_refused(client, issued):
    document = get_credential(client, issued)
    other = vc.generate_private_key()
    forged = vc.sign({**document, "validUntil": "2099-01-01T00:00:00Z"}, other,
                     vc.did_key_method(vc.public_key_multibase(other.public_key())))
    body = " ".join(check(client, forged).split())
    assert "Signature matches the content: <strong>passed" in body
    assert "Signed with a key of this issuer: <strong>failed" in body
    assert "does not pass every check" in body


def test_a_foreign_status_list_is_not_fetched(client, issued):
    key = vc.generate_private_key()
    document = get_credential(client, issued)
    document["credentialStatus"]["statusListCredential"] = "https://evil.example/list"
    resigned = vc.sign(document, key, vc.did_key_method(vc.public_key_multibase(
        key.public_key())))
    assert "could not be checked" in check(client, resigned)


@pytest.mark.parametrize("payload", ["", "not json", "[1, 2]"])
def test_bad_input_answers_400_with_a_message(client, payload):
    response = client.post("/verify", data={"credential": payload})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Paste a credential" in body or "not a JSON object" in body


def status_bit(client, document, purpose):
    """The bit of the credential's index on the list of *purpose*: the revocation list it
    names, or the suspension list served for credentials issued with two entries."""
    entry = document["credentialStatus"]
    listing = client.get(f"/status/{purpose}-1")
    assert listing.status_code == 200
    list_credential = listing.get_json()
    assert list_credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert vc.verify_proof(list_credential).ok  # the list itself is signed
    assert list_credential["credentialSubject"]["statusPurpose"] == purpose
    bits = vc.decode_status_list(list_credential["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131_072
    return vc.status_bit(bits, int(entry["statusListIndex"]))


def test_status_bits_follow_suspend_reinstate_and_revoke(app, client, issued, award, in_app):
    document = get_credential(client, issued)
    certificate_id = in_app(lambda: db.session.scalar(sa.select(Certificate.id)))
    admin = app.test_client()
    login(admin, award.admin)
    assert not status_bit(client, document, "revocation")
    assert not status_bit(client, document, "suspension")

    admin.post(f"/certificates/{certificate_id}/suspend", data={"confirm": "y",
                                                                "reason": "Under inquiry."})
    assert status_bit(client, document, "suspension")
    assert "Not suspended: <strong>failed" in " ".join(check(client, document).split())
    admin.post(f"/certificates/{certificate_id}/reinstate", data={"confirm": "y",
                                                                  "reason": "Cleared."})
    assert not status_bit(client, document, "suspension")
    admin.post(f"/certificates/{certificate_id}/revoke", data={"confirm": "y",
                                                               "reason": "Forged evidence."})
    assert status_bit(client, document, "revocation")
    body = " ".join(check(client, document).split())
    assert "Not revoked: <strong>failed" in body
    assert client.get("/status/other-1").status_code == 404


def test_name_correction_reissues_and_keeps_the_award_date(app, client, issued, award, in_app):
    before = get_credential(client, issued)
    certificate_id = in_app(lambda: db.session.scalar(sa.select(Certificate.id)))
    admin = app.test_client()
    login(admin, award.admin)
    response = admin.post(f"/certificates/{certificate_id}/correct-name", data={
        "full_name": "Corrected Name", "full_name_native": "Түзетілген Есім",
        "reason": "Passport spelling."})
    assert response.status_code == 302
    after = get_credential(client, issued)
    assert after["awardedDate"] == before["awardedDate"]
    assert after["id"] != before["id"]  # a new credential: the old one is superseded
    assert not {p["proofValue"] for p in after["proof"]} & {p["proofValue"]
                                                            for p in before["proof"]}
    names = [i["identityHash"] for i in after["credentialSubject"]["identifier"]
             if i["identityType"] == "name"]
    assert names == ["Corrected Name", "Түзетілген Есім"]
    assert "genuine, issued by us" in check(client, after)
    bad = admin.post(f"/certificates/{certificate_id}/correct-name",
                     data={"full_name": "", "reason": "x"})
    # Shown again with what was typed and each field's problem.
    assert bad.status_code == 422 and 'class="error"' in bad.get_data(as_text=True)


def test_rotation_keeps_older_credentials_verifiable(app, client, runner, issued, award,
                                                     in_app):
    old = get_credential(client, issued)
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    award()  # signed with the new key
    numbers = in_app(lambda: list(db.session.scalars(
        sa.select(Certificate.number).order_by(Certificate.id))))
    new = get_credential(client, numbers[1])
    assert new["proof"][0]["verificationMethod"] != old["proof"][0]["verificationMethod"]
    assert "genuine, issued by us" in check(client, old)
    assert "genuine, issued by us" in check(client, new)
    did_document = client.get("/.well-known/did.json").get_json()
    assert sum("revoked" in m for m in did_document["verificationMethod"]) == 1
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(SigningKey.id)))) == 2


def test_keys_cli_and_private_key_file(app, runner, in_app):
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 0 and "Generated z6Mk" in result.output
    assert "already present" in runner.invoke(args=["keys", "generate"]).output
    name = in_app(lambda: db.session.scalar(sa.select(SigningKey.private_key_file)))
    path = Path(app.instance_path) / "keys" / name
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    assert "BEGIN PRIVATE KEY" in path.read_text()
    assert "active" in runner.invoke(args=["keys", "list"]).output


def test_unknown_credential_number_answers_json_404(client):
    response = client.get("/certificates/UPME-KZ-2026-999999/credential.json")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_tampered_copy_is_rejected_even_in_memory(client, issued):
    document = get_credential(client, issued)
    for key in ("validFrom", "name", "id"):
        changed = copy.deepcopy(document)
        changed[key] = str(changed[key]) + "x"
        assert not vc.verify_proof(changed).ok
