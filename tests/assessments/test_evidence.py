"""Evidence uploads: what is accepted, what is refused (and writes nothing), who may read."""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessments import evidence
from assessments.models import Application, Evidence, Review
from certify.core.extensions import db
from certify.core.uploads import UploadRefused, check, extension_for, safe_name
from tests.support import application_form, login, review_form

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def office(kind: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name", "kind"), [
    (PDF, "plan.pdf", "pdf"), (PNG, "map.PNG", "png"), (JPEG, "site.jpeg", "jpeg"),
    (JPEG, "site.jpg", "jpeg"), (office("docx"), "report.docx", "docx"),
    (office("xlsx"), "model.xlsx", "xlsx"),
])
def test_accepted_files(data, name, kind):
    assert check(data, name, max_bytes=10_000).kind == kind


@pytest.mark.parametrize(("data", "name", "extension"), [
    (PDF, "plan.pdf", ".pdf"), (PNG, "map.png", ".png"), (JPEG, "site.jpeg", ".jpg"),
    (office("docx"), "report.docx", ".docx"), (office("xlsx"), "model.xlsx", ".xlsx"),
])
def test_downloads_are_named_with_the_usual_extension(data, name, extension):
    assert extension_for(check(data, name, max_bytes=10_000).content_type) == extension


@pytest.mark.parametrize(("data", "name", "reason"), [
    (b"MZ\x90\x00" + b"\x00" * 60, "innocent.pdf", "type"),  # a Windows executable renamed
    (b"<html><script>alert(1)</script></html>", "page.pdf", "type"),
    (b"#!/bin/sh\nrm -rf /\n", "script.pdf", "type"),
    (PDF, "plan.pdf.exe", "extension"),  # double extension
    (PDF, "plan.docx", "extension"),
    (PNG, "picture.pdf", "extension"),
    (b"", "empty.pdf", "empty"),
    (PDF + b"0" * 20_000, "big.pdf", "too_large"),
    (office("docx", {"word/bomb.xml": b"0" * 5_000_000}), "bomb.docx", "archive_too_large"),
    (office("docx").replace(b"word/document.xml", b"word/documenx.xml"), "odd.docx", "type"),
    (b"PK\x03\x04 not really a zip", "fake.xlsx", "type"),
])
def test_refused_files(data, name, reason):
    with pytest.raises(UploadRefused) as refused:
        check(data, name, max_bytes=10_000)
    assert refused.value.reason == reason


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"), ("C:\\Windows\\evil.pdf", "evil.pdf"),
    ("report\u202eFDP.exe", "reportFDP.exe"),  # right-to-left override removed
    ("a\x00b.pdf", "ab.pdf"), ("...", "file"), ("x" * 300 + ".pdf", "x" * 120),
    ("Отчёт қазақша.pdf", "Отчёт қазақша.pdf"),
])
def test_safe_names(name, expected):
    assert safe_name(name) == expected


@pytest.fixture
def draft(app, create_user, create_competition, workflow):
    candidate = create_user("candidate")
    application_id = workflow.start(create_competition(), candidate)
    client = app.test_client()
    login(client, candidate)
    client.person, client.application_id = candidate, application_id
    return client


def upload(client, data, name, criterion=1, **extra):
    return client.post(f"/applications/{client.application_id}/evidence", data={
        "criterion": str(criterion), "file": (io.BytesIO(data), name), **extra},
        follow_redirects=True)


def evidence_rows(in_app):
    return in_app(lambda: [(e.kind, e.title, e.size, e.stored_name, e.content_type)
                           for e in db.session.scalars(sa.select(Evidence))])


def test_upload_is_stored_under_a_random_name_outside_the_web_root(app, draft, in_app):
    body = upload(draft, PDF, "../../Mine plan.pdf", title="").get_data(as_text=True)
    assert "C2: evidence added." in body
    [(kind, title, size, stored, content_type)] = evidence_rows(in_app)
    assert (kind, title, size, content_type) == ("file", "Mine plan.pdf", len(PDF),
                                                 "application/pdf")
    path = Path(app.instance_path) / "uploads" / stored
    assert path.read_bytes() == PDF and "Mine" not in stored and len(stored) == 48
    assert (path.stat().st_mode & 0o777) == 0o600
    assert not (Path(app.root_path) / "static" / stored).exists()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ\x90\x00" + b"\x00" * 60, "cv.pdf", "Only PDF, PNG, JPEG, DOCX and XLSX"),
    (PDF, "cv.pdf.exe", "does not match its content"),
    (office("docx", {"word/bomb.xml": b"0" * 30_000_000}), "bomb.docx", "expands"),
])
def test_refused_uploads_write_nothing(app, draft, in_app, data, name, message):
    folder = Path(app.instance_path) / "uploads"
    before = set(folder.glob("*"))
    body = upload(draft, data, name).get_data(as_text=True)
    assert message in body
    assert evidence_rows(in_app) == []
    assert set(folder.glob("*")) == before


def test_size_limits(app, draft, in_app):
    megabyte = 1024 * 1024
    app.config.update(MAX_FILE_BYTES=megabyte, MAX_APPLICATION_BYTES=2 * megabyte)
    try:
        body = upload(draft, PDF + b"0" * megabyte, "big.pdf").get_data(as_text=True)
        assert "A file may be at most 1 MB." in body
        assert evidence_rows(in_app) == []
        upload(draft, PDF + b"0" * (megabyte - 100), "first.pdf")
        upload(draft, PDF + b"0" * (megabyte - 100), "second.pdf")
        body = upload(draft, PDF + b"0" * 1000, "third.pdf").get_data(as_text=True)
        assert "Files of one application may total at most 2 MB." in body
        assert len(evidence_rows(in_app)) == 2
    finally:
        app.config.update(MAX_FILE_BYTES=10 * 1024 * 1024, MAX_APPLICATION_BYTES=50 * 1024 * 1024)


def test_links_and_their_validation(draft, in_app):
    ok = draft.post(f"/applications/{draft.application_id}/evidence", data={
        "criterion": "0", "url": "https://doi.org/10.1000/182", "title": "Paper"},
        follow_redirects=True)
    assert "C1: evidence added." in ok.get_data(as_text=True)
    for url in ("javascript:alert(1)", "ftp://example.org/x", "no scheme"):
        bad = draft.post(f"/applications/{draft.application_id}/evidence",
                         data={"criterion": "0", "url": url}, follow_redirects=True)
        assert "full http:// or https:// address" in bad.get_data(as_text=True)
    nothing = draft.post(f"/applications/{draft.application_id}/evidence",
                         data={"criterion": "0"}, follow_redirects=True)
    assert "Choose a file or give a link." in nothing.get_data(as_text=True)
    wrong = draft.post(f"/applications/{draft.application_id}/evidence",
                       data={"criterion": "99", "url": "https://example.org"},
                       follow_redirects=True)
    assert "could not be added" in wrong.get_data(as_text=True)
    assert [r[0] for r in evidence_rows(in_app)] == ["link"]


def test_remove_evidence(app, draft, in_app):
    upload(draft, PDF, "plan.pdf")
    [(_, _, _, stored, _)] = evidence_rows(in_app)
    evidence_id = in_app(lambda: db.session.scalar(sa.select(Evidence.id)))
    assert draft.post(f"/evidence/{evidence_id}/delete").status_code == 302
    assert evidence_rows(in_app) == []
    assert not (Path(app.instance_path) / "uploads" / stored).exists()


@contextmanager
def failing(app, statement: str):
    """The database fails the first statement that starts with *statement* (a lost connection
    or a full disk, as the application would meet it)."""
    with app.app_context():
        engine = db.engine

    def fail(conn, cursor, sql, parameters, context, executemany):
        if sql.startswith(statement):
            raise RuntimeError("injected failure: the database went away")

    def fail_commit(conn):
        raise RuntimeError("injected failure: the commit did not go through")

    event, listener = (("commit", fail_commit) if statement == "COMMIT"
                       else ("before_cursor_execute", fail))
    sa.event.listen(engine, event, listener)
    try:
        yield
    finally:
        sa.event.remove(engine, event, listener)


def uploaded_files(app) -> list[str]:
    return sorted(p.name for p in (Path(app.instance_path) / "uploads").glob("*"))


def test_a_failed_upload_leaves_no_file_behind(app, draft, in_app):
    before = uploaded_files(app)
    with failing(app, "INSERT INTO audit_events"):  # after the file and the evidence row
        response = draft.post(f"/applications/{draft.application_id}/evidence", data={
            "criterion": "1", "file": (io.BytesIO(PDF), "plan.pdf")})
    assert response.status_code == 500
    assert evidence_rows(in_app) == []
    assert uploaded_files(app) == before


def test_a_failed_removal_keeps_the_file(app, draft, in_app):
    upload(draft, PDF, "plan.pdf")
    [(_, _, _, stored, _)] = evidence_rows(in_app)
    evidence_id = in_app(lambda: db.session.scalar(sa.select(Evidence.id)))
    for statement in ("DELETE FROM evidence", "COMMIT"):
        with failing(app, statement):
            assert draft.post(f"/evidence/{evidence_id}/delete").status_code == 500
    assert [row[3] for row in evidence_rows(in_app)] == [stored]
    assert (Path(app.instance_path) / "uploads" / stored).read_bytes() == PDF
    # Removed for real once the removal commits.
    assert draft.post(f"/evidence/{evidence_id}/delete").status_code == 302
    assert stored not in uploaded_files(app)


def test_required_evidence_blocks_submission(draft, in_app):
    response = draft.post(f"/applications/{draft.application_id}", data=application_form(
        [2, 2, 2], ["a", "b", "c"], version=1, action="submit"))
    assert response.status_code == 422
    assert "C1: attach evidence (a file or a link)." in response.get_data(as_text=True)
    assert in_app(lambda: db.session.get(Application, draft.application_id).state) == "draft"


def test_download_in_scope_and_blind_names(app, create_user, create_competition, workflow,
                                           in_app):
    candidate = create_user("candidate")
    admin = create_user("admin")
    competition_id = create_competition(blind=True)
    application_id = workflow.start(competition_id, candidate)
    workflow.fill(application_id)

    def attach():
        application = db.session.get(Application, application_id)
        return evidence.add_file(application, application.competition.rubric_version
                                 .criteria[1], PDF, "Zhaksylykov CV.pdf", None,
                                 by=application.candidate).id

    evidence_id = in_app(attach)
    workflow.submit(application_id, candidate)
    reviewer = create_user("reviewer")
    review_id = workflow.assign(application_id, reviewer, admin)

    own = app.test_client()
    login(own, candidate)
    response = own.get(f"/evidence/{evidence_id}")
    assert response.data == PDF and response.mimetype == "application/pdf"
    assert "Zhaksylykov CV.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response.close()

    blind = app.test_client()
    login(blind, reviewer)
    page = blind.get(f"/reviews/{review_id}").get_data(as_text=True)
    assert "Zhaksylykov" not in page and "Document 1" in page
    response = blind.get(f"/evidence/{evidence_id}")
    assert "Zhaksylykov" not in response.headers["Content-Disposition"]
    response.close()
    typed = review_form(["", "", ""], ["", "", ""], version=1, action="x")
    marked = blind.post(f"/reviews/{review_id}", data=typed | {"check_evidence":
                                                               f"{evidence_id}:no"},
                        follow_redirects=True)
    assert "✗" in marked.get_data(as_text=True)

    stranger = app.test_client()
    login(stranger, create_user("reviewer"))
    assert stranger.get(f"/evidence/{evidence_id}").status_code == 404
    assert stranger.post(f"/reviews/{review_id}", data=typed | {
        "check_evidence": f"{evidence_id}:yes"}).status_code == 403
    checks = in_app(lambda: [(c.evidence_id, c.verified) for c in
                             db.session.get(Review, review_id).evidence_checks])
    assert checks == [(evidence_id, False)]


def test_marking_evidence_from_the_review_form_keeps_what_was_typed(app, create_user, workflow,
                                                                   create_competition, in_app):
    admin, candidate = create_user("admin"), create_user("candidate")
    competition_id = create_competition()
    application_id = workflow.submitted(competition_id, candidate)
    other_application = workflow.submitted(competition_id, create_user("candidate"))
    reviewer = create_user("reviewer")
    review_id = workflow.assign(application_id, reviewer, admin)

    def evidence_of(application):
        return db.session.scalar(sa.select(Evidence.id).where(
            Evidence.application_id == application))

    own, foreign = in_app(evidence_of, application_id), in_app(evidence_of, other_application)
    client = app.test_client()
    login(client, reviewer)
    typed = review_form([4, "", ""], ["Strong projects.", "", ""], version=1, action="x")
    marked = client.post(f"/reviews/{review_id}", data=typed | {"check_evidence": f"{own}:yes"},
                         follow_redirects=True)
    assert "Draft saved and the evidence check recorded." in marked.get_data(as_text=True)

    def stored():
        review = db.session.get(Review, review_id)
        return ([(s.level, s.comment) for s in sorted(review.scores, key=lambda s: s.id)],
                [(c.evidence_id, c.verified) for c in review.evidence_checks], review.state)

    scores, checks, state = in_app(stored)
    assert scores[0] == (4, "Strong projects.") and checks == [(own, True)] and state == "draft"
    # Another application's evidence is not checked through this review; the draft still saves.
    typed = review_form([4, "", ""], ["Strong projects.", "", ""], version=2, action="x")
    saved = client.post(f"/reviews/{review_id}",
                        data=typed | {"check_evidence": f"{foreign}:no"}, follow_redirects=True)
    assert "Draft saved." in saved.get_data(as_text=True)
    assert in_app(stored)[1] == [(own, True)]
