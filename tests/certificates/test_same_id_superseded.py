"""A credential of ours whose id is still current but whose content is not (issue 14): copies
issued before corrections re-issued under a new id kept the current id, so an old copy with the
old name still verified "valid". It is "superseded" on the page and in the API alike."""

from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa

from certify.certificates.keys import sign_with_active_key
from certify.certificates.models import Certificate
from certify.core.extensions import db


@pytest.fixture
def stored(award, in_app):
    award()
    return in_app(lambda: db.session.execute(
        sa.select(Certificate.number, Certificate.credential)).one())


def _old_copy(document: dict) -> dict:
    """The credential as it was before a name correction: same id, another name, signed with
    our key."""
    unsigned = copy.deepcopy(document)
    del unsigned["proof"]
    for identifier in unsigned["credentialSubject"]["identifier"]:
        if identifier["identityType"] == "name":
            identifier["identityHash"] = "Misspelt Name"
    return sign_with_active_key(unsigned)


def test_an_old_copy_with_the_current_id_is_superseded(client, stored, in_app):
    number, current = stored
    old = in_app(lambda: _old_copy(current))
    assert old["id"] == current["id"] and old["proof"] != current["proof"]

    answer = client.post("/api/v1/verify", json=old).get_json()
    assert answer["verified"] is False and answer["status"] == "superseded"
    assert {"check": "signature", "ok": True, "detail": ""} in answer["checks"]
    assert {"check": "current", "ok": False,
            "detail": "superseded by a newer credential"} in answer["checks"]
    page = client.post("/verify", data={"credential": json.dumps(old)}).get_data(as_text=True)
    assert "genuine, issued by us" not in page
    assert "superseded by a newer credential" in page

    # The stored credential itself, and an exact copy of it, stay valid.
    answer = client.post("/api/v1/verify", json=current).get_json()
    assert answer["verified"] is True and answer["status"] == "valid"
    page = client.get(f"/verify/{number}").get_data(as_text=True)
    assert "superseded" not in page


def test_the_same_content_signed_again_is_still_current(client, stored, in_app):
    """Only the content counts, not the proof: a re-signature of unchanged content (e.g. after a
    key rotation) is the credential we stand by."""
    _, current = stored
    unsigned = {key: value for key, value in current.items() if key != "proof"}
    again = in_app(lambda: sign_with_active_key(copy.deepcopy(unsigned)))
    answer = client.post("/api/v1/verify", json=again).get_json()
    assert answer["verified"] is True and answer["status"] == "valid"
