"""Certificate numbers, status derived at read time, public verification, revocation."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from certify.certificates.models import Certificate
from certify.certificates.numbering import (
    PREFIXES,
    format_number,
    is_certificate_number,
    normalise,
)
from certify.certificates.status import CertificateStatus, certificate_status
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from tests.support import login


def numbers(in_app) -> list[str]:
    return in_app(lambda: list(db.session.scalars(
        sa.select(Certificate.number).order_by(Certificate.id))))


def test_numbers_run_per_track_branch_and_year_without_gaps(award, in_app):
    year = datetime.now(UTC).year
    for branch in ("KZ", "KZ", "RU", "KZ"):
        award(branch=branch)
    assert numbers(in_app) == [
        f"UPME-KZ-{year}-000001", f"UPME-KZ-{year}-000002", f"UPME-RU-{year}-000001",
        f"UPME-KZ-{year}-000003",
    ]


def test_the_number_pattern_follows_the_track_prefixes():
    for prefix in PREFIXES.values():
        assert is_certificate_number(format_number(prefix, "KZ", 2026, 7))
    assert format_number("CME", "KZ", 2026, 7) == "CME-KZ-2026-000007"
    assert is_certificate_number(normalise(" upme-kz-2026-000007 "))
    assert not is_certificate_number("ABC-KZ-2026-000007")
    assert not is_certificate_number("UPME-KZ-2026-7")


def test_certificate_records_holder_dates_and_rubric(award, in_app, create_user):
    holder = create_user("candidate", full_name="Saule Omarova")
    application_id = award(holder)

    def load():
        c = db.session.scalar(sa.select(Certificate))
        return (c.holder_name, c.track, c.application_id, c.valid_until.year - c.valid_from.year,
                c.rubric_version.rubric.code, c.status)

    assert in_app(load) == ("Saule Omarova", "professor", application_id, 5, "TEST-P",
                            CertificateStatus.valid)


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "revoked", "suspended", "expected"),
    [
        (date(2026, 1, 1), date(2031, 1, 1), False, False, "valid"),
        (date(2026, 6, 1), date(2031, 1, 1), False, False, "not_yet_valid"),
        (date(2020, 1, 1), date(2025, 1, 1), False, False, "expired"),
        (date(2026, 1, 1), date(2031, 1, 1), False, True, "suspended"),
        (date(2026, 1, 1), date(2031, 1, 1), True, True, "revoked"),
        (date(2020, 1, 1), date(2025, 1, 1), True, False, "revoked"),
        (date(2026, 1, 1), date(2026, 3, 1), False, False, "valid"),  # last day still valid
    ],
)
def test_status_is_derived_on_a_given_day(valid_from, valid_until, revoked, suspended, expected):
    certificate = Certificate(
        valid_from=valid_from, valid_until=valid_until,
        revoked_at=datetime(2026, 2, 1, tzinfo=UTC) if revoked else None,
        suspended_at=datetime(2026, 2, 1, tzinfo=UTC) if suspended else None,
    )
    assert certificate_status(certificate, on=date(2026, 3, 1)) == expected


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["This certificate is genuine and valid.", "Valid until", "Holder",
                "International Competence Centre for Mining-Engineering Education"]),
        ("ru", ["Этот сертификат подлинный и действителен.", "Действителен до", "Владелец",
                "Международный центр компетенций в горнотехническом образовании"]),
        ("kk", ["Бұл сертификат түпнұсқа және жарамды.", "Жарамдылық мерзімі", "Иегері",
                "Тау-кен техникалық білім берудегі халықаралық құзыреттілік орталығы"]),
    ],
)
def test_public_verification_in_the_viewers_language(client, award, in_app, language, texts):
    award()
    number = numbers(in_app)[0]
    response = client.get(f"/verify/{number}", headers={"Accept-Language": language})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for text in texts:
        assert text in body
    # The signed credential names the issuer in English, whatever the page's language.
    credential = in_app(lambda: db.session.scalar(sa.select(Certificate.credential)))
    assert credential["issuer"]["name"] == (
        "International Competence Centre for Mining-Engineering Education")


def test_verification_accepts_lowercase_and_the_lookup_form(client, award, in_app):
    award()
    number = numbers(in_app)[0]
    assert client.get(f"/verify/{number.lower()}").status_code == 200
    response = client.get("/verify", query_string={"number": f"  {number.lower()} "})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{number}"


@pytest.mark.parametrize("number", ["UPME-KZ-2026-999999", "nonsense", "CME-XX-1-1",
                                    "UPME-KZ-2026-000001' OR 1=1 --"])
def test_unknown_number_answers_404_with_a_clear_page(client, number):
    response = client.get(f"/verify/{number}")
    assert response.status_code == 404
    assert "Certificate not found" in response.get_data(as_text=True)


def test_revocation_shows_on_the_public_page_and_is_audited(app, award, in_app):
    award()
    number = numbers(in_app)[0]
    certificate_id = in_app(lambda: db.session.scalar(sa.select(Certificate.id)))
    admin = app.test_client()
    login(admin, award.admin)
    for reason in (" ", "       ", "abc"):
        empty = admin.post(f"/certificates/{certificate_id}/revoke", data={"confirm": "y",
                                                                           "reason": reason})
        assert empty.status_code == 422 and 'class="error"' in empty.get_data(as_text=True)
    # Not confirmed: the page comes back with the reason as typed, and the box to tick.
    unticked = admin.post(f"/certificates/{certificate_id}/revoke",
                          data={"reason": "Evidence found to be forged."})
    page = unticked.get_data(as_text=True)
    assert unticked.status_code == 422 and "Tick the box to confirm." in page
    assert "Evidence found to be forged.</textarea>" in page
    assert in_app(lambda: db.session.get(Certificate, certificate_id).revoked_at) is None
    done = admin.post(f"/certificates/{certificate_id}/revoke",
                      data={"confirm": "y", "reason": "Evidence found to be forged."})
    assert done.status_code == 302
    page = app.test_client().get(f"/verify/{number}").get_data(as_text=True)
    assert "has been revoked" in page and "Evidence found to be forged." in page
    actions = in_app(lambda: list(db.session.scalars(sa.select(AuditEvent.action))))
    assert "certificate.revoke" in actions
    again = admin.post(f"/certificates/{certificate_id}/revoke",
                       data={"confirm": "y", "reason": "A second time."}, follow_redirects=True)
    assert "does not apply" in again.get_data(as_text=True)
    assert in_app(lambda: db.session.get(Certificate, certificate_id).revocation_reason) == (
        "Evidence found to be forged."
    )


def test_coordinator_register_lists_only_their_branch(app, award, in_app, create_user):
    award(branch="KZ")
    award(branch="RU")
    coordinator = create_user("coordinator", branch="RU")
    client = app.test_client()
    login(client, coordinator)
    body = client.get("/certificates/").get_data(as_text=True)
    kz, ru = numbers(in_app)
    assert ru in body and kz not in body


def test_empty_lookup_rerenders_with_a_message(client):
    response = client.get("/verify", query_string={"number": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)
