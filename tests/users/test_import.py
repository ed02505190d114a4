"""Bulk import of people (issue 20): the template, a preview that names every problem per row
and writes nothing, a confirmation that writes exactly the previewed rows, once."""

import csv
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users.models import User
from tests.support import PASSWORD, Person, login, mailed_link

HEADER = ("email,full_name,full_name_native,affiliation,country,branch,preferred_language,"
          "roles,specialisms,review_languages,max_open_reviews")
GOOD = "dana@example.kz,Dana Bekova,Дана Бекова,KTU,KZ,KZ,kk,reviewer,mining; geology,ru,2"
OTHER = "ivan@example.ru,Ivan Petrov,,SPMU,RU,RU,ru,candidate,,,"


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join((header, *rows)).encode(encoding)


def xlsx_file(*rows: list) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "people.csv"):
    return client.post("/users/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def ticket_of(response) -> str:
    return re.search(r'name="ticket" type="hidden" value="([^"]+)"',
                     response.get_data(as_text=True)).group(1)


def state(in_app):
    """What an import could have written: accounts and audit entries."""
    return in_app(lambda: (db.session.scalar(sa.select(sa.func.count(User.id))),
                           db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))))


@pytest.fixture
def admin_client(app, create_user):
    client = app.test_client()
    login(client, create_user("admin"))
    return client


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_template_has_the_header_and_an_example_that_imports(admin_client, kind):
    response = admin_client.get(f"/users/import/template?format={kind}")
    assert response.status_code == 200
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        rows = [[str(c) if c is not None else "" for c in row]
                for row in sheet.iter_rows(values_only=True)]
    assert ",".join(rows[0]) == HEADER and len(rows) == 2
    preview = upload(admin_client, response.data, f"template.{kind}")
    assert "Will be created" in preview.get_data(as_text=True)


@pytest.mark.parametrize(("rows", "message"), [
    (["not-an-address,Dana Bekova,,,KZ,KZ,en,candidate,,,"], "email: Not a valid e-mail address."),
    ([GOOD, GOOD.replace("Dana Bekova", "Dana B")], "email: The same address as row 2."),
    (["x@example.kz,X Y,,,KZ,ZZ,en,candidate,,,"], 'branch: No active branch has the code'),
    (["x@example.kz,X Y,,,KZ,KZ,en,reviewer,astrology,,"], "specialisms: Unknown specialism: "
                                                          "astrology."),
    (["x@example.kz,X \u202eY,,,KZ,KZ,en,candidate,,,"], "full_name: A name may not contain"),
    (["x@example.kz,X Y,,,KZ,KZ,en,pope,,,"], "roles: Roles are candidate, reviewer or"),
    (["x@example.kz,X Y,,,KZ,KZ,de,candidate,,,"], "preferred_language: Choose en, ru or kk."),
    (["x@example.kz,X Y,,,KZ,KZ,en,reviewer,mining,en,0"], "max_open_reviews: A whole number"),
], ids=["bad-email", "duplicate", "unknown-branch", "unknown-specialism", "bidi-name",
        "unknown-role", "language", "load"])
def test_each_bad_row_is_named_in_the_preview_and_nothing_is_written(admin_client, in_app, rows,
                                                                     message):
    before = state(in_app)
    response = upload(admin_client, csv_file(*rows))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body.replace("&#34;", '"').replace("&#39;", "'")
    assert state(in_app) == before


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"%PDF-1.4", "people.pdf", "Upload a CSV or XLSX file."),
    (csv_file("x@example.kz,Åsa Ö,,,KZ,KZ,en,candidate,,,", encoding="latin-1"), "people.csv",
     "not in UTF-8"),
    (b"PK\x03\x04 not really a workbook", "people.xlsx", "not a readable XLSX"),
    (csv_file(*[f"p{i}@example.kz,P {i},,,KZ,KZ,en,candidate,,," for i in range(1001)]),
     "people.csv", "at most 1000 are imported at once"),
    (b"email,full_name\nx@example.kz,X\n", "people.csv", "missing: branch, roles"),
    (csv_file("x@example.kz,X Y,,," + "a" * 2000 + ",KZ,KZ,en,candidate,,,"), "people.csv",
     "larger than 1 kB"),
    (csv_file("x@example.kz,X Y,,," + "a" * 200_000 + ",KZ,KZ,en,candidate,,,"), "people.csv",
     "cannot be read as CSV"),
], ids=["type", "encoding", "broken-xlsx", "too-many-rows", "header", "size", "huge-cell"])
def test_a_file_that_cannot_be_read_is_refused_and_nothing_is_written(app, admin_client, in_app,
                                                                      monkeypatch, data, name,
                                                                      message):
    if "larger" in message:  # a small limit, so that the test's upload stays small
        monkeypatch.setitem(app.config, "PEOPLE_IMPORT_MAX_BYTES", 1024)
    before = state(in_app)
    response = upload(admin_client, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert state(in_app) == before


def test_existing_accounts_are_shown_as_role_added_or_unchanged(admin_client, create_user):
    candidate = create_user("candidate", branch="KZ")
    reviewer = create_user("reviewer", branch="KZ")
    body = upload(admin_client, csv_file(
        f"{candidate.email},{candidate.full_name},,,KZ,KZ,en,reviewer,mining,en,",
        f"{reviewer.email.upper()},{reviewer.full_name},,,KZ,KZ,en,reviewer,,,",
    )).get_data(as_text=True)
    assert "Will add role: Reviewer" in body
    assert "Unchanged: the account has these roles" in body


def test_a_byte_order_mark_is_accepted(admin_client):
    response = upload(admin_client, b"\xef\xbb\xbf" + csv_file(GOOD))
    assert "Will be created" in response.get_data(as_text=True)


def test_confirm_writes_exactly_the_previewed_rows_and_mails_a_link(admin_client, app, in_app,
                                                                    create_user):
    candidate = create_user("candidate", branch="KZ")
    preview = upload(admin_client, b"\xef\xbb\xbf" + csv_file(
        GOOD, OTHER, "broken,No Body,,,KZ,KZ,en,candidate,,,",
        f"{candidate.email},{candidate.full_name},,,KZ,KZ,en,reviewer,mining,en,"))
    before_users, before_audit = state(in_app)
    response = admin_client.post("/users/import/confirm", data={"ticket": ticket_of(preview)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/users/")

    def written():
        people = {u.email: u for u in db.session.scalars(sa.select(User))}
        dana = people["dana@example.kz"]
        actions = list(db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.id > before_audit)
            .order_by(AuditEvent.id)))
        return (len(people), sorted(dana.roles), dana.reviewer_profile.specialisms,
                dana.reviewer_profile.review_languages, dana.reviewer_profile.max_open_reviews,
                dana.full_name_native, sorted(people[candidate.email].roles),
                "broken" in people, actions)

    assert in_app(written) == (
        before_users + 2, ["reviewer"], ["geology", "mining"], ["ru"], 2, "Дана Бекова",
        ["candidate", "reviewer"], False,
        ["user.create", "user.create", "user.import_roles", "people.import"])
    # No password: nobody logs in until the owner chooses one through the mailed link.
    client = app.test_client()
    assert login(client, Person(0, "dana@example.kz", PASSWORD, "")).status_code == 200
    link = mailed_link(in_app, "dana@example.kz", "account-created")
    assert client.post(link, data={"new_password": PASSWORD, "new_password_again": PASSWORD}
                       ).status_code == 302
    assert login(client, Person(0, "dana@example.kz", PASSWORD, "")).status_code == 302


def test_xlsx_is_imported_and_its_formulas_are_never_run(admin_client, in_app):
    preview = upload(admin_client, xlsx_file(
        ["zhan@example.kz", "Zhan Ali", None, "=1+1", "KZ", "KZ", "ru", "candidate", None, None,
         None]), "people.xlsx")
    assert "Will be created" in preview.get_data(as_text=True)
    admin_client.post("/users/import/confirm", data={"ticket": ticket_of(preview)})
    affiliation = in_app(lambda: db.session.scalar(
        sa.select(User.affiliation).where(User.email == "zhan@example.kz")))
    assert affiliation == ""  # a formula's cached value at most, and this one has none


def test_a_coordinator_cannot_import_people_of_another_branch(app, create_user, in_app):
    client = app.test_client()
    login(client, create_user("coordinator", branch="RU"))
    before = state(in_app)
    body = upload(client, csv_file(GOOD, OTHER.replace("candidate", "coordinator"))
                  ).get_data(as_text=True)
    assert "branch: You import people of your own branch only." in body
    assert "roles: Only administrators appoint coordinators." in body
    assert 'name="ticket"' not in body
    assert state(in_app) == before


def test_a_coordinator_imports_reviewers_of_their_branch(app, create_user, in_app):
    client = app.test_client()
    login(client, create_user("coordinator", branch="RU"))
    preview = upload(client, csv_file(OTHER.replace("candidate", "reviewer")))
    client.post("/users/import/confirm", data={"ticket": ticket_of(preview)})
    assert in_app(lambda: db.session.scalar(
        sa.select(User.branch_id).where(User.email == "ivan@example.ru"))) is not None


def test_a_tampered_or_replayed_confirmation_is_refused(admin_client, in_app):
    preview = upload(admin_client, csv_file(GOOD))
    ticket = ticket_of(preview)
    before = state(in_app)
    # The payload's first character changed (a signature's last one may carry ignored bits).
    tampered = ("A" if ticket[0] != "A" else "B") + ticket[1:]
    refused = admin_client.post("/users/import/confirm", data={"ticket": tampered},
                                follow_redirects=True)
    assert "confirmed already or has expired" in refused.get_data(as_text=True)
    assert state(in_app) == before
    assert admin_client.post("/users/import/confirm", data={"ticket": ticket}).status_code == 302
    after = state(in_app)
    replay = admin_client.post("/users/import/confirm", data={"ticket": ticket},
                               follow_redirects=True)
    assert "confirmed already or has expired" in replay.get_data(as_text=True)
    assert state(in_app) == after


def test_another_person_cannot_confirm_my_preview(admin_client, app, create_user, in_app):
    ticket = ticket_of(upload(admin_client, csv_file(GOOD)))
    other = app.test_client()
    login(other, create_user("admin"))
    before = state(in_app)
    other.post("/users/import/confirm", data={"ticket": ticket})
    assert state(in_app) == before


def test_accounts_changed_since_the_preview_refuse_the_confirmation(admin_client, in_app,
                                                                    create_user):
    ticket = ticket_of(upload(admin_client, csv_file(GOOD, OTHER)))
    create_user("candidate", email="ivan@example.ru", branch="RU")
    before = state(in_app)
    response = admin_client.post("/users/import/confirm", data={"ticket": ticket},
                                 follow_redirects=True)
    assert "Accounts changed since the preview" in response.get_data(as_text=True)
    assert state(in_app) == before
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.kind == "account-created"))) == 0
