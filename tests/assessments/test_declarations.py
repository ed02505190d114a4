"""Signed impartiality declarations per competition (ISO/IEC 17024 §4.3, §6.1–6.2): staff and
reviewers sign before their first access to a competition's files; conflicts declared with the
signature hide those files from them."""

from __future__ import annotations

import csv
import re
import unicodedata
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from assessments.models import Application, Conflict, ImpartialityDeclaration, Review
from certify.core.audit import AuditEvent
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import User
from tests.support import MATRIX, OWN_APPLICATION_ROLES, ROLES, login, route_url

# Every route that opens a file of a competition (or acts on one) for staff or reviewers.
GATED = sorted(key for key in MATRIX if key[1] in {
    "assessments.application", "assessments.download_evidence", "assessments.review",
    "assessments.manage_application", "assessments.result", "assessments.feedback_csv",
    "assessments.analytics", "assessments.export", "assessments.assign",
    "assessments.decide_application", "assessments.auto_assign_view",
    "assessments.check_eligibility_view", "assessments.discuss", "assessments.interview",
    "assessments.moderate_view", "assessments.staff_conflict", "assessments.resolve_appeal_view",
    "assessments.reopen_review_view", "assessments.return_application_view",
    "assessments.declare_conflict_view",
} and key != ("POST", "assessments.application"))  # the candidate's alone: 403 to all staff
OWN_FILE_ARGUMENTS = {"application_id", "evidence_id"}


def _written(in_app) -> tuple[int, ...]:
    """What an action would have written: audit entries (logging in aside), conflicts,
    reviews, declarations."""
    def count():
        actions = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action.not_like("auth.%")))
        return (actions, *(db.session.scalar(sa.select(sa.func.count(model.id)))
                           for model in (Conflict, Review, ImpartialityDeclaration)))

    return in_app(count)


def _declaration_path(competition_id: int) -> str:
    return f"/competitions/{competition_id}/declaration"


@pytest.mark.parametrize(("method", "endpoint"), GATED)
def test_unsigned_staff_are_sent_to_sign_and_their_posts_refused(app, scenario, in_app, method,
                                                                 endpoint):
    """The access matrix again with nobody signed: where staff or a reviewer were let in, a
    page now leads to the signing page (and back after), a POST is refused and writes nothing;
    a candidate on their own file is not asked to sign."""
    people, values = scenario
    in_app(lambda: db.session.execute(sa.delete(ImpartialityDeclaration)))
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    before = _written(in_app)
    checked = 0
    for role, allowed in zip(ROLES, MATRIX[method, endpoint], strict=True):
        own_file = role in OWN_APPLICATION_ROLES and OWN_FILE_ARGUMENTS & set(rule.arguments)
        if role == "anonymous" or allowed in (403, 404) or own_file or role == "owner":
            continue
        url = route_url(app, endpoint, values | values["own"].get(role, {}))
        client = app.test_client()
        assert login(client, people[role]).status_code == 302
        response = client.open(url, method=method, data={})
        response.close()
        checked += 1
        if method == "GET":
            assert response.status_code == 302, f"{role} {url}"
            target = urlsplit(response.headers["Location"])
            assert target.path == _declaration_path(values["competition_id"])
            assert parse_qs(target.query)["next"] == [url]
        else:
            assert response.status_code == 403, f"{role} {method} {url}"
    assert checked > 0
    assert _written(in_app) == before


@pytest.mark.parametrize("endpoint", ["assessments.application", "assessments.withdraw",
                                      "assessments.download_evidence", "assessments.appeal"])
def test_candidates_on_their_own_file_are_not_asked_to_sign(app, scenario, in_app, endpoint):
    people, values = scenario
    in_app(lambda: db.session.execute(sa.delete(ImpartialityDeclaration)))
    for role in ("owner", *OWN_APPLICATION_ROLES):
        method = "GET" if ("GET", endpoint) in MATRIX else "POST"
        expected = MATRIX[method, endpoint][ROLES.index(role)]
        client = app.test_client()
        login(client, people[role])
        response = client.open(route_url(app, endpoint, values | values["own"].get(role, {})),
                               method=method, data={})
        response.close()
        assert response.status_code == expected, role
        assert "/declaration" not in response.headers.get("Location", "")


@pytest.fixture
def call(create_user, create_competition, workflow, in_app):
    """A competition with a submitted application assigned to an unsigned reviewer, an
    unsigned coordinator, and an administrator who signed."""

    def make(*, blind=False, reviewer_name=None):
        admin = create_user("admin")
        candidate = create_user("candidate", full_name="Dana Candidate",
                                affiliation="Satbayev University")
        other = create_user("candidate", full_name="Erlan Other")
        reviewer = create_user("reviewer", signs=False, full_name=reviewer_name)
        coordinator = create_user("coordinator", signs=False, full_name="Aigerim Sadykova")
        competition_id = create_competition(blind=blind)
        application_id = workflow.submitted(competition_id, candidate)
        review_id = workflow.assign(application_id, reviewer, admin)
        second_id = workflow.submitted(competition_id, other)
        workflow.check(second_id, admin)
        return {"admin": admin, "reviewer": reviewer, "coordinator": coordinator,
                "competition": competition_id, "application": application_id,
                "second": second_id, "review": review_id}

    return make


def _sign_page(client, competition_id, **query):
    response = client.get(_declaration_path(competition_id), query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text_hash = html.split('name="text_sha256" type="hidden" value="')[1].split('"')[0]
    return html, text_hash


def test_the_signing_page_shows_the_text_and_keeps_input_when_refused(client, call, in_app):
    setup = call()
    login(client, setup["coordinator"])
    html, text_hash = _sign_page(client, setup["competition"])
    assert "Confidentiality and impartiality declaration: Test call" in html
    assert "I will keep confidential everything I learn" in html
    assert len(text_hash) == 64
    before = _written(in_app)

    response = client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": text_hash, "full_name": "Someone Else", "interests": "Co-author in 2024",
        "conflicts": [str(setup["application"])]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tick the box to confirm" in html
    assert "Type your full name exactly as it is on your account: Aigerim Sadykova." in html
    assert 'value="Someone Else"' in html and "Co-author in 2024" in html
    assert re.search(rf'<input checked [^>]*value="{setup["application"]}"', html)
    assert _written(in_app) == before


def test_the_signature_is_compared_in_nfc_and_case_folded(client, create_user,
                                                          create_competition, in_app):
    composed = unicodedata.normalize("NFC", "Zoë Müller")
    reviewer = create_user("reviewer", signs=False, full_name=composed)
    competition_id = create_competition()
    login(client, reviewer)
    _html, text_hash = _sign_page(client, competition_id)
    typed = unicodedata.normalize("NFD", "  ZOË   MÜLLER ")
    response = client.post(_declaration_path(competition_id), data={
        "text_sha256": text_hash, "agree": "y", "full_name": typed})
    assert response.status_code == 302
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(ImpartialityDeclaration.id)))
                  ) == 1


def test_signing_records_the_text_and_its_hash_in_the_audit_log_and_goes_back(client, call,
                                                                              in_app):
    setup = call()
    login(client, setup["reviewer"])
    review_url = f"/reviews/{setup['review']}"
    first = client.get(review_url)
    assert first.status_code == 302 and _declaration_path(setup["competition"]) in (
        first.headers["Location"])
    _html, text_hash = _sign_page(client, setup["competition"], next=review_url)
    response = client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": text_hash, "agree": "y", "full_name": "person 4 reviewer",
        "next": review_url})
    assert response.status_code == 302 and response.headers["Location"] == review_url
    assert client.get(review_url).status_code == 200

    def stored():
        declaration = db.session.scalar(sa.select(ImpartialityDeclaration).where(
            ImpartialityDeclaration.user_id == setup["reviewer"].id))
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "competition.declaration"))
        return (declaration.user_id, declaration.text_version, declaration.language,
                declaration.text_sha256, event.actor_id, event.data)

    user_id, version, language, stored_hash, actor, data = in_app(stored)
    assert (user_id, actor, language, version) == (setup["reviewer"].id, setup["reviewer"].id,
                                                   "en", "2026-1")
    assert stored_hash == text_hash == data["text_sha256"]
    assert data["conflicts"] == [] and data["text_version"] == "2026-1"

    signed = _written(in_app)
    again = client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": text_hash, "agree": "y", "full_name": "person 4 reviewer"})
    assert again.status_code == 302
    assert _written(in_app) == signed


def test_a_changed_text_or_a_foreign_next_is_not_accepted(client, call, in_app):
    setup = call()
    login(client, setup["coordinator"])
    before = _written(in_app)
    stale = client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": "0" * 64, "agree": "y", "full_name": "Aigerim Sadykova"})
    assert stale.status_code == 422
    assert "The text of the declaration has changed" in stale.get_data(as_text=True)
    assert _written(in_app) == before

    _html, text_hash = _sign_page(client, setup["competition"], next="//evil.example/x")
    signed = client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": text_hash, "agree": "y", "full_name": "Aigerim Sadykova",
        "next": "https://evil.example/"})
    assert signed.headers["Location"] == f"/competitions/{setup['competition']}"


def test_conflicts_declared_when_signing_hide_the_files(client, call, in_app):
    setup = call()
    login(client, setup["coordinator"])
    html, text_hash = _sign_page(client, setup["competition"])
    assert "Dana Candidate (Satbayev University)" in html  # not blind: named
    response = client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": text_hash, "agree": "y", "full_name": "Aigerim Sadykova",
        "interests": "Dana Candidate was my doctoral student.",
        "conflicts": [str(setup["application"])]})
    assert response.status_code == 302

    assert client.get(f"/manage/applications/{setup['application']}").status_code == 403
    assert client.get(f"/manage/applications/{setup['second']}").status_code == 200
    listing = client.get("/manage/applications/").get_data(as_text=True)
    assert "Erlan Other" in listing and "Dana Candidate" not in listing

    def stored():
        conflict = db.session.scalar(sa.select(Conflict))
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "competition.declaration"))
        return conflict.reviewer_id, conflict.application_id, conflict.reason, event.data

    who, application_id, reason, data = in_app(stored)
    assert (who, application_id) == (setup["coordinator"].id, setup["application"])
    assert reason == "Dana Candidate was my doctoral student."
    assert data["conflicts"] == [setup["application"]]


def test_a_reviewer_declaring_a_conflict_when_signing_is_freed_from_the_review(client, call,
                                                                               in_app):
    setup = call(blind=True)
    login(client, setup["reviewer"])
    html, text_hash = _sign_page(client, setup["competition"])
    # Blind: the number alone, and only the application assigned to them.
    assert f"Application #{setup['application']}" in html
    assert "Dana Candidate" not in html and f"#{setup['second']}" not in html
    queue = client.get("/reviews/").get_data(as_text=True)
    assert "Sign the declaration for this competition first" in queue

    missing_reason = client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": text_hash, "agree": "y", "full_name": "Person 4 Reviewer",
        "conflicts": [str(setup["application"])]})
    assert missing_reason.status_code == 422
    assert "Describe the interests or ties" in missing_reason.get_data(as_text=True)

    client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": text_hash, "agree": "y", "full_name": "Person 4 Reviewer",
        "interests": "We co-authored a paper.", "conflicts": [str(setup["application"])]})
    assert client.get(f"/reviews/{setup['review']}").status_code == 404
    assert in_app(lambda: db.session.get(Application, setup["application"]).state) == "submitted"
    assert "Nothing assigned to you." in client.get("/reviews/").get_data(as_text=True)


def test_conflicts_outside_the_list_are_refused(client, call, in_app):
    setup = call()
    login(client, setup["reviewer"])
    _html, text_hash = _sign_page(client, setup["competition"])
    before = _written(in_app)
    response = client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": text_hash, "agree": "y", "full_name": "Person 4 Reviewer",
        "interests": "Not mine to see.", "conflicts": [str(setup["second"])]})
    assert response.status_code == 422
    assert _written(in_app) == before


def test_administrators_see_who_signed_and_staff_their_own(client, call, in_app):
    setup = call()
    login(client, setup["admin"])
    page = client.get(f"/competitions/{setup['competition']}").get_data(as_text=True)
    assert "Who signed the declaration" in page and "Person 1 Admin" in page
    assert "Aigerim Sadykova" not in page  # has not signed
    csv = client.get(f"/manage/competitions/{setup['competition']}/declarations.csv")
    assert csv.status_code == 200 and csv.content_type == "text/csv; charset=utf-8"
    header, *rows = csv.get_data(as_text=True).splitlines()
    assert header == "Name,Email,Signed at,Text version,Language,Text SHA-256,Interests declared"
    assert [row.split(",")[0] for row in rows] == ["Person 1 Admin"]
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "My declarations" in dashboard and "text version 2026-1" in dashboard

    client.post("/logout")
    login(client, setup["coordinator"])
    page = client.get(f"/competitions/{setup['competition']}").get_data(as_text=True)
    assert "Sign the impartiality declaration before you open any file" in page
    assert "Who signed the declaration" not in page
    assert client.get(
        f"/manage/competitions/{setup['competition']}/declarations.csv").status_code == 403


def test_operations_refuse_staff_who_have_not_signed(create_user, create_competition, workflow,
                                                     in_app):
    """No path round the pages: the operations themselves refuse an unsigned staff member."""
    admin = create_user("admin", signs=False)
    competition_id = create_competition()
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    before = _written(in_app)
    with pytest.raises(DomainError, match="Sign the impartiality declaration"):
        workflow.check(application_id, admin)
    assert _written(in_app) == before
    assert in_app(lambda: db.session.get(Application, application_id).eligibility_checked_at
                  ) is None


def test_the_applications_list_names_no_candidate_before_signing(client, call):
    """The list of files is itself access to them: an unsigned coordinator sees the files of
    the competition only as a way to its declaration, with no candidate's name."""
    setup = call()
    login(client, setup["coordinator"])
    listing = client.get("/manage/applications/").get_data(as_text=True)
    assert "Dana Candidate" not in listing and "Erlan Other" not in listing
    assert listing.count(_declaration_path(setup["competition"])) == 2  # one per file

    html, text_hash = _sign_page(client, setup["competition"])
    client.post(_declaration_path(setup["competition"]), data={
        "text_sha256": text_hash, "agree": "y", "full_name": "Aigerim Sadykova"})
    listing = client.get("/manage/applications/").get_data(as_text=True)
    assert "Dana Candidate" in listing and "Erlan Other" in listing
    assert _declaration_path(setup["competition"]) not in listing


@pytest.mark.parametrize("language, header, english", [
    ("ru", "Имя,Электронная почта,Дата и время подписания,Версия текста,Язык,SHA-256 текста,"
           "Заявленные интересы", "английский"),
    ("kk", "Аты-жөні,Электрондық пошта,Қол қойылған уақыты,Мәтін нұсқасы,Тіл,"
           "Мәтіннің SHA-256 мәні,Мәлімделген мүдделер", "ағылшын тілі"),
])
def test_the_declarations_csv_reads_in_the_administrators_language(client, call, in_app,
                                                                   language, header, english):
    setup = call()
    in_app(lambda: setattr(db.session.get(User, setup["admin"].id), "preferred_language",
                           language))
    login(client, setup["admin"])
    text = client.get(f"/manage/competitions/{setup['competition']}/declarations.csv"
                      ).get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0] == header
    name, _email, signed, version, spoken, sha256, _interests = next(csv.reader(lines[1:]))
    assert (name, version, spoken, len(sha256)) == ("Person 1 Admin", "2026-1", english, 64)
    assert not re.fullmatch(r"\d{4}-\d\d-\d\dT.*", signed) and "UTC" in signed
