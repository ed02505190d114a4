"""A person's own data (issue 20, the right of access): the ZIP holds their account, consents,
applications with answers and files, the reviews they wrote, certificates, mail and audit
entries; a candidate's copy names no reviewer; downloads are audited and rate-limited; an
invited reviewer's new account consents to the notice its form links."""

from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa

from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.users import privacy
from certify.users.models import PrivacyConsent, User
from tests.support import PASSWORD, login, mailed_link

PDF = b"%PDF-1.4\n% my own plan\n%%EOF\n"


def download(client) -> zipfile.ZipFile:
    response = client.post("/account/data", data={})
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    body = response.get_data()
    response.close()  # the temporary file goes with the response
    return zipfile.ZipFile(io.BytesIO(body))


def everything(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode("utf-8", "replace")
                     for name in archive.namelist())


def test_a_candidates_zip_has_their_data_and_files_and_no_reviewer_of_a_blind_call(
        app, in_app, create_user, create_competition, workflow):
    admin = create_user("admin", full_name="Staff Admin Person")
    candidate = create_user("candidate", full_name="Aruzhan Candidate")
    reviewers = [create_user("reviewer", full_name=name, email=email) for name, email in (
        ("Zhanar Hiddenreviewer", "zhanar.hidden@example.org"),
        ("Marat Secretreviewer", "marat.secret@example.org"))]
    competition_id = create_competition(blind=True)
    application_id = workflow.start(competition_id, candidate)
    workflow.fill(application_id)
    evidence_id = workflow.attach(application_id, PDF, "plan.pdf", "My plan")
    workflow.submit(application_id, candidate)
    for reviewer in reviewers:
        workflow.review(workflow.assign(application_id, reviewer, admin))
    workflow.decide(application_id, admin)

    client = app.test_client()
    login(client, candidate)
    assert "/account/data" in client.get("/account/data").get_data(as_text=True)
    archive = download(client)
    names = archive.namelist()
    assert {"person.json", "applications.json", "reviews.json", "certificates.json",
            "notifications.json", "audit.json"} <= set(names)
    person = json.loads(archive.read("person.json"))
    assert person["email"] == candidate.email and person["full_name"] == "Aruzhan Candidate"
    assert [r["role"] for r in person["roles"]] == ["candidate"]
    assert set(person) >= {"privacy_consents", "reviewer_profile", "branch", "country"}
    [application] = json.loads(archive.read("applications.json"))
    assert application["id"] == application_id and application["decision"]["outcome"] == "award"
    assert [a["narrative"] for a in application["answers"]][0].startswith("About ")
    [stored] = [e for e in application["evidence"] if e["id"] == evidence_id]
    assert archive.read(stored["file"]) == PDF
    assert json.loads(archive.read("reviews.json")) == []
    [certificate] = json.loads(archive.read("certificates.json"))
    assert certificate["holder_name"] == "Aruzhan Candidate"
    audit_entries = json.loads(archive.read("audit.json"))
    assert "privacy.export" in {e["action"] for e in audit_entries}

    text = everything(archive)
    for reviewer in reviewers:
        assert reviewer.full_name not in text and reviewer.email not in text
    assert "Staff Admin Person" not in text

    # A reviewer's copy holds their own ratings and comments.
    reviewer_client = app.test_client()
    login(reviewer_client, reviewers[0])
    [review] = json.loads(download(reviewer_client).read("reviews.json"))
    assert review["application"] == application_id and review["state"] == "submitted"
    assert [s["comment"] for s in review["scores"]][0].startswith("On ")


def test_downloads_are_audited_and_limited(app, in_app, create_user):
    person = create_user("candidate")
    client = app.test_client()
    login(client, person)
    for _ in range(3):
        download(client)
    assert client.post("/account/data", data={}).status_code == 429
    exports = in_app(lambda: db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "privacy.export", AuditEvent.object_id == person.id)))
    assert exports == 3
    other = app.test_client()
    login(other, create_user("candidate"))
    download(other)  # the limit is per account


def test_an_invited_reviewers_new_account_consents_to_the_linked_notice(
        app, admin_client, in_app):
    admin_client.post("/reviewers/invite", data={"email": "invited@example.org",
                                                  "competition": 0, "language": "kk"})
    link = mailed_link(in_app, "invited@example.org", "invitation")
    visitor = app.test_client()
    visitor.post("/language/kk", data={})  # the notice is agreed to in the language shown
    page = visitor.get(link).get_data(as_text=True)
    assert 'href="/privacy"' in page
    form = {"full_name": "Aigerim Nurlanovna", "affiliation": "Satbayev University",
            "country": "KZ", "preferred_language": "kk", "branch": "1",
            "password": PASSWORD, "password_again": PASSWORD, "accept_terms": "y",
            "specialisms": ["mining"], "review_languages": ["kk"], "max_open_reviews": "2"}
    assert visitor.post(link, data=form).status_code == 302
    rows = in_app(lambda: [(c.version, c.language) for c in db.session.scalars(
        sa.select(PrivacyConsent).join(User, User.id == PrivacyConsent.user_id)
        .where(User.email == "invited@example.org"))])
    assert rows == [(privacy.current_version(), "kk")]
