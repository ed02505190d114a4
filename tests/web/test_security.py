"""Attacks across the URL map: forged cross-site posts and mass assignment.

Every state-changing route of the URL map (the access matrix names them all) refuses a POST
without its CSRF token with 400 and writes nothing, both for a visitor and for a person who is
allowed to use the form. Only the public API is exempt: it uses no session (tests/
certificates/test_api.py). So are the public lookups, and a visitor's language switch, which changes
nothing but that visitor's own session (a logged-in person's switch, which stores their
preference, still needs the token). Extra fields a form does not have (`status`,
`owner_id`, `is_admin`, ...) are ignored.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from assessments.models import Review
from certify.core.extensions import db
from certify.users.models import Branch, User
from tests.support import MATRIX, ROLES, login, review_form, route_url

# Public lookups that change nothing and use no session, like the API: no token to demand.
PUBLIC_READ_ONLY = {"certificates.verify_credential", "certificates.verify_bulk"}
# Acts only with a secret the request itself carries, never a session (a webhook subscriber's
# system deletes its subscription with its secret): a forged form without it does nothing.
SECRET_KEYED = {"alerts.delete_webhook"}
FORM_POSTS = sorted(endpoint for method, endpoint in MATRIX
                    if method == "POST" and not endpoint.startswith("api.")
                    and endpoint not in PUBLIC_READ_ONLY | SECRET_KEYED)


def row_counts(in_app) -> dict[str, int]:
    def count():
        return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}

    return in_app(count)


def allowed_role(endpoint: str) -> str:
    """The person who gets furthest with this form: not refused, not sent to log in."""
    codes = dict(zip(ROLES, MATRIX["POST", endpoint], strict=True))
    permitted = [role for role in ROLES[1:] if codes[role] not in (302, 403, 404)] or [
        role for role in ROLES[1:] if codes[role] != 403]
    return permitted[-1] if permitted else "anonymous"


# Forms a visitor may send without a token: they change nothing but the visitor's session.
VISITOR_SESSION_ONLY = {"main.set_language"}


def _forged_post(app, in_app, client, url: str, data: dict):
    """A post without a CSRF token, with the protection on as in production: the answer, and
    whether any table's row count changed."""
    before = row_counts(in_app)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(url, data=data)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    return response, row_counts(in_app) != before


@pytest.mark.parametrize("endpoint", FORM_POSTS)
def test_every_form_refuses_a_post_without_its_csrf_token(app, scenario, in_app, endpoint):
    people, values = scenario
    url = route_url(app, endpoint, values)
    roles = ("anonymous", allowed_role(endpoint))
    if endpoint in VISITOR_SESSION_ONLY:
        roles = ("owner", "reviewer")
    for role in dict.fromkeys(roles):
        client = app.test_client()
        if role != "anonymous":
            assert login(client, people[role]).status_code == 302
        # What a forged cross-site form would send: plausible fields, no token.
        response, wrote = _forged_post(app, in_app, client, url, {
            "reason": "forged", "outcome": "award", "email": "x@example.org", "confirm": "y"})
        assert response.status_code == 400, f"{role} {url}"
        assert not wrote, f"{role} {url} wrote something"


@pytest.mark.parametrize("endpoint", sorted(SECRET_KEYED))
def test_a_secret_keyed_form_does_nothing_without_its_secret(app, scenario, in_app, endpoint):
    people, values = scenario
    url = route_url(app, endpoint, values)
    for role in ("anonymous", "owner", "admin"):
        client = app.test_client()
        if role != "anonymous":
            assert login(client, people[role]).status_code == 302
        response, wrote = _forged_post(app, in_app, client, url, {
            "webhook_url": "https://example.org/hook", "secret": "whsec_forged", "confirm": "y"})
        assert 400 <= response.status_code < 500, f"{role} {url}"
        assert not wrote, f"{role} {url} wrote something"


@pytest.mark.parametrize("endpoint", sorted(PUBLIC_READ_ONLY))
def test_public_lookups_work_without_a_token_and_write_nothing(app, scenario, in_app, endpoint):
    people, values = scenario
    url = route_url(app, endpoint, values)
    before = row_counts(in_app)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        data = ({"file": (io.BytesIO(values["number"].encode()), "numbers.csv")}
                if endpoint.endswith("bulk") else {"credential": "{}"})
        response = app.test_client().post(url, data=data)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    assert row_counts(in_app) == before


def test_a_visitor_switches_language_without_a_token_and_a_member_needs_one(app, scenario,
                                                                          in_app):
    people, _ = scenario
    visitor, member = app.test_client(), app.test_client()
    assert login(member, people["owner"]).status_code == 302
    before = row_counts(in_app)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        switched = visitor.post("/language/kk", data={"next": "/verify"})
        refused = member.post("/language/kk", data={"next": "/verify"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert switched.status_code == 302 and switched.location == "/verify"
    assert '<html lang="kk">' in visitor.get("/verify").text
    assert refused.status_code == 400
    assert row_counts(in_app) == before
    stored = in_app(lambda: db.session.get(User, people["owner"].id).preferred_language)
    assert stored != "kk"


class FormNesting(HTMLParser):
    """Counts forms opened inside another form (browsers drop the inner one and close the outer
    at its end tag, orphaning every control after it)."""

    def __init__(self):
        super().__init__()
        self.depth = self.nested = 0

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.nested += self.depth > 0
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "form":
            self.depth = max(0, self.depth - 1)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_nests_a_form_in_another(app, scenario, role):
    people, values = scenario
    client = app.test_client()
    if role != "anonymous":
        assert login(client, people[role]).status_code == 302
    checked = 0
    for (method, endpoint), codes in MATRIX.items():
        if method != "GET" or codes[ROLES.index(role)] != 200:
            continue
        response = client.get(route_url(app, endpoint, values))
        if not response.content_type.startswith("text/html"):
            response.close()
            continue
        parser = FormNesting()
        parser.feed(response.get_data(as_text=True))
        assert parser.nested == 0, f"{role}: {endpoint} nests a form"
        checked += 1
    assert checked >= 3


REGISTRATION = {
    "email": "smuggler@example.org", "full_name": "Smuggler", "affiliation": "X",
    "country": "KZ", "preferred_language": "en", "password": "a long enough passphrase",
    "password_again": "a long enough passphrase", "accept_terms": "y",
}


def test_registration_ignores_roles_status_and_ids(client, in_app):
    kz = in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == "KZ")))
    smuggled = {"is_admin": "1", "roles": "admin", "role": "admin", "is_enabled": "0",
                "email_verified_at": "2020-01-01", "id": "1", "owner_id": "1",
                "status": "approved", "session_token": "chosen", "totp_secret": "AAAA"}
    assert client.post("/register", data=REGISTRATION | {"branch": kz} | smuggled
                       ).status_code == 302

    def stored():
        user = db.session.scalar(sa.select(User).where(User.email == "smuggler@example.org"))
        return (sorted(user.roles), user.is_enabled, user.email_verified_at,
                user.session_token == "chosen", user.totp_secret)

    assert in_app(stored) == (["candidate"], True, None, False, None)


def test_review_save_ignores_reviewer_state_and_application(app, scenario, in_app):
    people, values = scenario
    client = app.test_client()
    login(client, people["reviewer"])
    data = review_form([3, 3, 3], ["a", "b", "c"], version=1) | {
        "reviewer_id": str(people["unassigned_reviewer"].id), "state": "submitted",
        "application_id": "1", "submitted_at": "2020-01-01", "total": "100"}
    assert client.post(f"/reviews/{values['review_id']}", data=data).status_code == 302

    def stored():
        review = db.session.get(Review, values["review_id"])
        return review.reviewer_id, review.state, review.application_id, review.submitted_at

    assert in_app(stored) == (people["reviewer"].id, "draft", values["application_id"], None)
