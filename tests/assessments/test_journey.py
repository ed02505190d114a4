"""The whole journey through the test client: self-assessment → review → decision →
certificate → public verification, in English and in Russian."""

import io
import re

import pytest
import sqlalchemy as sa

from assessments.models import Application, Review
from certify.certificates.models import Certificate
from certify.core.extensions import db
from tests.support import application_form, login, review_form

TEXTS = {
    "en": {"saved": "Draft saved.", "submitted": "Your application has been submitted.",
           "review_submitted": "Review submitted.", "decided": "Decision recorded.",
           "valid": "This certificate is genuine and valid.",
           "track": "UNESCO Professor of Mining Engineering"},
    "ru": {"saved": "Черновик сохранён.", "submitted": "Ваша заявка подана.",
           "review_submitted": "Экспертиза отправлена.", "decided": "Решение зарегистрировано.",
           "valid": "Этот сертификат подлинный и действителен.",
           "track": "Профессор ЮНЕСКО горного дела"},
}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_whole_journey(app, create_user, create_competition, in_app, language):
    t = TEXTS[language]
    candidate = create_user("candidate", full_name="Daniyar Zhaksylykov", language=language)
    reviewers = [create_user("reviewer", language=language) for _ in range(2)]
    admin = create_user("admin", language=language)
    competition_id = create_competition()

    # The candidate starts an application, saves a draft, then submits it.
    c = app.test_client()
    login(c, candidate)
    page = c.get(f"/competitions/{competition_id}")
    assert page.status_code == 200
    started = c.post(f"/competitions/{competition_id}/apply")
    assert started.status_code == 302
    application_url = started.headers["Location"]
    application_id = int(application_url.rsplit("/", 1)[1])

    saved = c.post(application_url, data=application_form(
        [3, None, None], ["Teaching mine ventilation since 2012.", "", ""], version=1,
        confirm=False), follow_redirects=True)
    assert t["saved"] in text(saved)
    assert "1 " in text(saved)  # progress: 1 of 3 criteria

    # C1 asks for evidence: a PDF, checked by its content, stored under a random name.
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    added = c.post(f"{application_url}/evidence", data={
        "criterion": "0", "file": (io.BytesIO(pdf), "ventilation-course.pdf"),
        "title": "Ventilation course syllabus"}, follow_redirects=True)
    assert "Ventilation course syllabus" in text(added)

    submitted = c.post(application_url, data=application_form(
        [3, 3, 2], ["Teaching mine ventilation since 2012.", "Curriculum work.",
                    "Assessment design."], version=2, action="submit"),
        follow_redirects=True)
    assert t["submitted"] in text(submitted)
    assert in_app(lambda: db.session.get(Application, application_id).state) == "submitted"
    # Read-only now: a further post is refused and changes nothing.
    assert c.post(application_url, data=application_form(
        [0, 0, 0], ["x", "x", "x"], version=3)).status_code == 403

    # The admin checks the file's eligibility, then assigns two reviewers.
    a = app.test_client()
    login(a, admin)
    assert a.post(f"/manage/applications/{application_id}/check").status_code == 302
    for reviewer in reviewers:
        response = a.post(f"/manage/applications/{application_id}/assign",
                          data={"reviewer": reviewer.id})
        assert response.status_code == 302

    # Each reviewer scores every criterion with a comment and submits.
    for reviewer, levels in zip(reviewers, ([3, 3, 2], [3, 2, 2]), strict=True):
        r = app.test_client()
        login(r, reviewer)
        queue = r.get("/reviews/")
        assert "Daniyar Zhaksylykov" in text(queue)
        review_id = in_app(lambda reviewer=reviewer: db.session.scalar(
            sa.select(Review.id).where(Review.reviewer_id == reviewer.id)))
        page = r.get(f"/reviews/{review_id}")
        assert "Teaching mine ventilation since 2012." in text(page)
        assert "Ventilation course syllabus" in text(page)
        done = r.post(f"/reviews/{review_id}", data=review_form(
            levels, ["Strong evidence.", "Good.", "Adequate."], version=1, action="submit"),
            follow_redirects=True)
        assert t["review_submitted"] in text(done)

    # The admin sees both reviewers' scores side by side and awards.
    panel = a.get(f"/manage/applications/{application_id}")
    assert "Strong evidence." in text(panel)
    assert text(panel).count("<strong>3</strong>") >= 3
    decided = a.post(f"/manage/applications/{application_id}/decide",
                     data={"confirm": "y",
                           "outcome": "award", "reason": "All criteria met at threshold."},
                     follow_redirects=True)
    assert t["decided"] in text(decided)
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    assert re.fullmatch(r"UPME-KZ-\d{4}-000001", number)

    # Anyone, without logging in, verifies the certificate in their language.
    public = app.test_client()
    verified = public.get(f"/verify/{number}", headers={"Accept-Language": language})
    assert verified.status_code == 200
    body = text(verified)
    assert t["valid"] in body and t["track"] in body and "Daniyar Zhaksylykov" in body
    assert candidate.email not in body

    # The candidate sees the outcome and the certificate.
    mine = c.get(application_url)
    assert number in text(mine)
