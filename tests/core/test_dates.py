"""One date style per language and one source for official names (issue 16): "01.05.20, 10:00"
stood beside "28.03.2027", and the Centre's name differed between footer, verify page and PDF."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from certify.certificates.models import Certificate
from certify.certificates.printable import certificate_document
from certify.core.dates import day, moment
from certify.core.extensions import db
from certify.core.outbox import Notification
from rubrics.io import LIBRARY
from tests.support import login

WHEN = datetime(2026, 11, 28, 12, 46, tzinfo=UTC)


@pytest.mark.parametrize(("language", "date", "time"), [
    ("en", "Nov 28, 2026", "Nov 28, 2026, 12:46 PM UTC"),
    ("ru", "28 нояб. 2026 г.", "28 нояб. 2026 г., 12:46 UTC"),
    ("kk", "2026 ж. 28 қар.", "2026 ж. 28 қар., 12:46 UTC"),
])
def test_one_style_per_language_and_times_with_their_zone(app, language, date, time):
    with app.test_request_context():
        def plain(text):  # CLDR puts narrow no-break spaces before "PM", "г." and "ж."
            return text.replace("\u202f", " ")

        assert plain(day(WHEN, language)) == date == plain(day(WHEN.date(), language))
        assert plain(moment(WHEN, language)) == time


def test_pages_write_dates_and_times_in_the_one_style(client, create_user, create_competition):
    create_competition()
    login(client, create_user("admin", language="ru"))
    for path in ("/dashboard", "/manage/competitions/", "/competitions/1"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"\b\d\d\.\d\d\.\d\d\b|\d{4}-\d\d-\d\d \d\d:\d\d", page), path
    assert re.search(r"\d{1,2} [а-я]+\. \d{4}\s?г\., \d\d:\d\d UTC", page)


def test_the_centre_is_named_from_the_configuration_everywhere(app, client, award, in_app):
    award()
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    name = app.config["ISSUER_NAME"]["ru"]
    client.post("/language/ru", data={"next": "/"})
    assert name in client.get("/").get_data(as_text=True)               # the footer
    assert name in client.get(f"/verify/{number}").get_data(as_text=True)

    def printed():  # what the PDF prints: the same name, and dates in the same style
        certificate = db.session.scalar(sa.select(Certificate))
        document = certificate_document(certificate, "ru")
        return (document.issuer_name, document.write_date(certificate.valid_until),
                day(certificate.valid_until, "ru"))

    with app.test_request_context():
        issuer, written, expected = in_app(printed)
    assert issuer == name and written == expected and "г." in written


def test_the_library_names_each_award_as_the_configuration_does(app):
    for path in LIBRARY.glob("*.json"):
        rubric = json.loads(path.read_text(encoding="utf-8"))
        titles = app.config["AWARD_TITLES"][rubric["track"]]
        assert rubric["title"] == titles, path.name
        for band in rubric["version"].get("bands", []):
            for language, title in titles.items():
                assert band["title"][language].startswith(title), (path.name, band["code"])


def test_the_receipt_mail_writes_its_time_in_the_recipients_style(create_user, create_competition,
                                                                  workflow, in_app):
    """The receipt wrote "2026-11-28 12:46" whatever the language (found by the journeys)."""
    candidate = create_user("candidate", language="ru")
    workflow.submitted(create_competition(), candidate)
    body = in_app(lambda: db.session.scalar(sa.select(Notification.body).where(
        Notification.kind == "submission-receipt")))
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", body)
    assert re.search(r"подана \d{1,2} [а-я]+\. \d{4}\s?г\., \d\d:\d\d UTC ", body)
