"""The public register (certify/certificates/public_register.py, docs/register.md): only holders
who consented, only their valid or suspended certificates, by every filter, on the page and in
the CSV export; consent given and withdrawn on /account, at once even with the public cache on;
rate limits; bad parameters never a 500; the indexes its filters use."""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessments.erasure import approve_erasure, request_erasure
from certify.certificates.models import Certificate
from certify.certificates.operations import correct_holder_name
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.names import search_key
from certify.users import register_consent
from certify.users.models import RegisterConsent, User
from tests.support import counting_statements, login


def entries(client, query: str = "", **params) -> str:
    """The register's table body: what is listed, not the search echoed in the form."""
    response = client.get(f"/public-register{query}", query_string=params or None)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page[page.index("<tbody>"):page.index("</tbody>")]


def export(client, query: str = "") -> list[list[str]]:
    response = client.get(f"/public-register.csv{query}")
    assert response.status_code == 200, response.status_code
    assert response.is_streamed and response.content_type == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


# Each filter, as a query both holders below match.
FILTERS = ["", "?country=KZ", "?country=kz", "?branch=KZ", "?track=engineer", "?band=fellow",
           "?specialism=ventilation_safety", "?status=suspended", "?sort=-valid_until",
           "?per_page=100&page=1"]


@pytest.mark.parametrize("query", FILTERS)
def test_a_holder_who_did_not_consent_is_found_by_no_filter(client, holder, query):
    shared = {"track": "engineer", "band": "fellow", "specialism": "ventilation_safety",
              "suspended": True}
    listed = holder("Aigerim Listed", "Айгерим Открытая", **shared)
    hidden = holder("Hidden Quietly", "Скрытный Тихий", consents=False, **shared)

    page = entries(client, query)
    assert listed in page and "Aigerim Listed" in page and "Айгерим Открытая" in page
    assert hidden not in page and "Hidden" not in page and "Скрытный" not in page
    rows = export(client, query)
    assert [row[0] for row in rows[1:]] == [listed]
    assert hidden not in str(rows)


@pytest.mark.parametrize("search", ["Hidden", "hidden quietly", "СКРЫТНЫЙ", "скрытный тихий",
                                    "UPME-KZ", "-2026-"])
def test_searching_a_non_consenting_holders_name_or_number_reveals_nothing(client, holder,
                                                                          search):
    hidden = holder("Hidden Quietly", "Скрытный Тихий", consents=False)
    listed = entries(client, q=search)
    assert hidden not in listed and "Hidden" not in listed and "Скрытный" not in listed
    assert "No holder matches." in listed
    assert "0 results" in client.get("/public-register", query_string={"q": search}).get_data(
        as_text=True)
    assert export(client, f"?q={search}")[1:] == []


def test_names_are_found_in_either_script_whatever_the_case_and_accents(client, holder):
    holder("José Ñúñez", "Ерлан Әбілқасымов")
    holder("Someone Else", "Пётр Иванов")
    for search in ("jose", "JOSÉ", "nunez", "ерлан", "ЕРЛАН", "әбілқасымов", "ӘБІЛҚАСЫМОВ",
                   "петр", "пётр", "  пётр   иванов "):
        page = client.get("/public-register", query_string={"q": search}).get_data(as_text=True)
        assert "1 result" in page, search
    assert "2 results" in client.get("/public-register?q=e").get_data(as_text=True)


def test_only_valid_and_suspended_certificates_of_consenting_living_accounts_are_listed(
        client, holder, in_app):
    shown = {holder("Valid Holder"), holder("Suspended Holder", suspended=True)}
    hidden = {holder("Expired Holder", starts=-2000, ends=-1),
              holder("Revoked Holder", revoked=True),
              holder("Future Holder", starts=5),
              holder("Private Holder", private=True),
              holder("Erased Holder")}
    in_app(lambda: db.session.execute(sa.update(User).where(User.full_name == "Erased Holder")
                                      .values(erased_at=utcnow())))
    numbers = {row[0] for row in export(client)[1:]}
    assert numbers == shown
    page = client.get("/public-register").get_data(as_text=True)
    assert all(number in page for number in shown)
    assert not any(number in page for number in hidden)
    assert "2 results" in page
    valid = client.get("/public-register?status=valid").get_data(as_text=True)
    assert "Valid Holder" in valid and "Suspended Holder" not in valid


def test_the_export_has_the_register_fields_and_no_contact_details(client, holder, in_app):
    number = holder("Export Holder", "Экспорт Держатель", specialism="mining", band="fellow")
    email = in_app(lambda: db.session.scalar(
        sa.select(User.email).where(User.full_name == "Export Holder")))
    header, row = export(client)
    assert header[:3] == ["Certificate number", "Name", "Name in native script"]
    record = dict(zip(header, row, strict=True))
    assert record["Certificate number"] == number
    assert record["Name in native script"] == "Экспорт Держатель"
    assert record["Specialism"] == "Mining engineering"
    assert record["Status"] == "Valid" and record["Country"] == "KZ"
    assert record["Verification page"].endswith(f"/verify/{number}")
    text = client.get("/public-register.csv").get_data(as_text=True)
    assert email not in text and "Institution" not in text  # no address, no affiliation


def test_the_export_speaks_the_visitors_language(client, holder):
    holder("Russian Header")
    client.post("/language/ru")
    assert export(client)[0][:2] == ["Номер сертификата", "Имя"]


def test_consent_is_off_by_default_given_and_withdrawn_on_the_account_page(
        client, create_user, holder, in_app):
    person = create_user("candidate", full_name="Consent Person")
    number = holder("Consent Person", person=person, consents=False)
    login(client, person)
    page = client.get("/account").get_data(as_text=True)
    assert "You are not listed in the public register." in page
    assert number not in client.get("/public-register").get_data(as_text=True)

    response = client.post("/account/public-register", data={"back": "certificates"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my/certificates/#public-register")
    assert in_app(lambda: db.session.scalar(sa.select(RegisterConsent.version).where(
        RegisterConsent.user_id == person.id))) == register_consent.current_version()
    assert number in client.get("/public-register").get_data(as_text=True)
    assert "You have been listed" in client.get("/my/certificates/").get_data(as_text=True)

    assert client.post("/account/public-register/withdraw").status_code == 302
    assert number not in client.get("/public-register").get_data(as_text=True)
    actions = in_app(lambda: list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_id == person.id,
                                           AuditEvent.action.like("register.%"))
        .order_by(AuditEvent.id))))
    assert actions == ["register.consent", "register.withdraw"]


def test_a_withdrawal_shows_at_once_with_the_public_cache_on(app, cache, holder, create_user,
                                                              in_app):
    person = create_user("candidate", full_name="Cached Holder")
    number = holder("Cached Holder", person=person)
    visitor = app.test_client()
    for _ in range(2):
        assert number in visitor.get("/public-register?country=KZ").get_data(as_text=True)
    assert any(b":public:register:" in key for key in cache.client.scan_iter(f"{cache.prefix}:*"))
    # A change the application does not see (plain SQL) shows the page is served from Redis.
    in_app(lambda: db.session.execute(sa.text(
        "UPDATE certificates SET holder_name = 'Renamed By Hand' WHERE number = :number"),
        {"number": number}))
    assert "Cached Holder" in visitor.get("/public-register?country=KZ").get_data(as_text=True)

    holder_client = app.test_client()
    login(holder_client, person)
    assert holder_client.post("/account/public-register/withdraw").status_code == 302
    assert number not in visitor.get("/public-register?country=KZ").get_data(as_text=True)
    assert number not in visitor.get("/public-register.csv").get_data(as_text=True)


def test_an_erasure_ends_the_consent(client, in_app, holder, create_user):
    admin = create_user("admin")
    person = create_user("candidate", full_name="Erasure Holder")
    number = holder("Erasure Holder", person=person)
    assert number in client.get("/public-register").get_data(as_text=True)

    def erase():
        erasure = request_erasure(db.session.get(User, person.id), password=person.password,
                                  reason="", language="en")
        approve_erasure(erasure, by=db.session.get(User, admin.id))

    in_app(erase)
    assert in_app(lambda: db.session.get(RegisterConsent, person.id)) is None
    assert number not in client.get("/public-register").get_data(as_text=True)


@pytest.mark.parametrize(("path", "setting"), [
    ("/public-register", "PUBLIC_REGISTER_RATE_LIMIT"),
    ("/public-register.csv", "PUBLIC_REGISTER_EXPORT_RATE_LIMIT")])
def test_the_register_is_rate_limited(app, client, monkeypatch, path, setting):
    monkeypatch.setitem(app.config, setting, "3 per minute")
    answers = [client.get(path).status_code for _ in range(3)]
    limited = client.get(path)
    assert answers == [200, 200, 200]
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


@pytest.mark.parametrize(("query", "ignored"), [
    ("country=Kazakhstan", "country"), ("country=K1", "country"), ("branch=%27%3B--", "branch"),
    ("track=wizard", "track"), ("band=%3Cscript%3E", "band"), ("specialism=alchemy", "specialism"),
    ("status=revoked", "status"), ("status=expired", "status"), ("page=-1", "page"),
    ("page=99999999999999999999", "page"), ("per_page=100000", "per_page"),
    ("sort=password", "sort"), ("q=%01%02", None), ("q=" + "x" * 5000, None),
    ("q=%25%25%5F", None), ("unknown=1", None), ("country=KZ&country=RU", None),
    ("page=%C2%B2", "page"), ("q=%E2%80%AE", None),
])
def test_bad_parameters_are_ignored_and_said_so_never_a_500(client, holder, query, ignored):
    holder("Still Listed")
    response = client.get(f"/public-register?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if ignored:
        assert f"Not understood, so not applied: {ignored}." in page
        assert "Still Listed" in page  # the filter is dropped, not applied as something else
    else:
        assert "Not understood" not in page
    assert client.get(f"/public-register.csv?{query}").status_code == 200


def test_a_nul_byte_is_refused_before_the_database(client):
    assert client.get("/public-register?q=%00").status_code == 400
    assert client.get("/public-register.csv?country=%00").status_code == 400


def test_a_page_beyond_the_last_shows_the_last(client, holder):
    holder("Only Holder")
    assert "Only Holder" in client.get("/public-register?page=7").get_data(as_text=True)


def test_the_filters_use_their_indexes(app):
    """The plan of each filter's condition names its index: SQLite's query planner, and
    PostgreSQL's with sequential scans priced out (a table of a few rows is otherwise read
    whole)."""
    checks = {"ix_certificates_specialism": "SELECT id FROM certificates WHERE specialism = 'x'",
              "ix_certificates_band": "SELECT id FROM certificates WHERE band = 'x'",
              "ix_users_country": "SELECT id FROM users WHERE country = 'KZ'",
              "ix_certificates_branch_id": "SELECT id FROM certificates WHERE branch_id = 1",
              "ix_certificates_track": "SELECT id FROM certificates WHERE track = 'engineer'",
              "ix_certificates_valid_until":
                  "SELECT id FROM certificates WHERE valid_until >= '2026-01-01'"}
    with app.app_context(), db.engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql("SET enable_seqscan = off")
        for index, statement in checks.items():
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plan = " ".join(str(row) for row in connection.exec_driver_sql(explain + statement))
            assert index in plan, (index, plan)


def test_a_page_costs_the_same_statements_at_3_entries_as_at_30(app, client, holder):
    def statements() -> int:
        with counting_statements(app) as seen:
            assert client.get("/public-register?per_page=50").status_code == 200
        return len(seen)

    for number in range(3):
        holder(f"Few Holder {number}", specialism="mining", band="fellow")
    few = statements()
    for number in range(27):
        holder(f"Many Holder {number}", country="RU" if number % 2 else "KZ", suspended=True)
    assert statements() == few


def test_the_export_link_carries_the_filters_not_the_page(client, holder):
    holder("Link Holder", specialism="mining")
    page = client.get("/public-register?specialism=mining&sort=-issued&page=1&per_page=10"
                      ).get_data(as_text=True)
    assert 'href="/public-register.csv?specialism=mining&amp;sort=-issued"' in page


def test_an_awarded_certificate_links_its_credential_and_is_found_by_its_corrected_name(
        client, award, in_app):
    """Through the real award: the signed credential is linked and served; a name correction
    (an ORM update) refolds the searched name."""
    award()

    def consent_and_number():
        certificate = db.session.scalar(sa.select(Certificate))
        register_consent.give_consent(certificate.holder, "ru")
        return certificate.number

    number = in_app(consent_and_number)
    listed = entries(client)
    assert f'href="/certificates/{number}/credential.json"' in listed
    credential = client.get(f"/certificates/{number}/credential.json")
    assert credential.status_code == 200 and credential.json["type"][0] == \
        "VerifiableCredential"
    in_app(lambda: correct_holder_name(
        db.session.scalar(sa.select(Certificate)), full_name="Ádil Bekuly",
        full_name_native="Әділ Бекұлы", reason="Passport spelling.",
        by=db.session.get(User, award.admin.id)))
    for search in ("adil bekuly", "ӘДІЛ", "бекұлы"):
        assert number in entries(client, q=search), search


def test_the_migration_folds_existing_names_as_the_application_does():
    """Migration 0033 fills holder_name_key for certificates issued before it with its own copy
    of ``search_key``: both fold alike."""
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0033_public_register.py"
    spec = importlib.util.spec_from_file_location("migration_0033", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for name in ("José Ñúñez", "Пётр Иванов", "Ерлан Әбілқасымов", "  ŁUKASZ  ﬁlip ", "Йорк"):
        assert migration._search_key(name) == search_key(name)
