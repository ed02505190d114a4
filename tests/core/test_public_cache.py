"""The public cache (certify/core/public_cache.py): answers kept in Redis, never a stale one.

Through the app, with the real Redis on 127.0.0.1:6379 under a fresh key prefix. A change
made behind the application's back (plain SQL, which the cache cannot see) shows that an
answer was served from the cache; a change made through the application shows at once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates.keys import rotate_key
from certify.certificates.models import Certificate, SigningKey
from certify.certificates.operations import correct_holder_name, revoke_certificate
from certify.certificates.views.public import _verification_page
from certify.core import public_cache
from certify.core.extensions import db
from certify.users.models import Branch, User
from tests.support import login, page_text

REVOKED = "This certificate has been revoked"


@pytest.fixture
def issued(award, in_app):
    award()
    return in_app(lambda: db.session.scalar(sa.select(Certificate.number)))


def behind_the_apps_back(in_app, statement: str, **values) -> None:
    """A change in the database the application does not make (as by hand in psql)."""
    def run():
        with db.engine.begin() as connection:
            connection.execute(sa.text(statement), values)

    in_app(run)


def rename_holder_by_hand(in_app, number: str, name: str) -> None:
    behind_the_apps_back(in_app, "UPDATE certificates SET holder_name = :name "
                                 "WHERE number = :number", name=name, number=number)


def stored_keys(cache) -> list[bytes]:
    return sorted(cache.client.scan_iter(f"{cache.prefix}:*"))


def test_the_second_answer_comes_from_the_cache(client, cache, issued, in_app):
    page = client.get(f"/verify/{issued}")
    api = client.get(f"/api/v1/certificates/{issued}")
    assert page.status_code == api.status_code == 200
    holder = api.json["holder_name"]

    rename_holder_by_hand(in_app, issued, "Changed By Hand")
    again = client.get(f"/verify/{issued}")
    assert again.get_data() == page.get_data()
    assert client.get(f"/api/v1/certificates/{issued}").json == api.json
    assert holder in again.text and "Changed By Hand" not in again.text
    # What a cached answer carries besides its body: the type and the usual headers.
    assert again.mimetype == "text/html" and again.headers["Content-Security-Policy"]
    assert client.get(f"/api/v1/certificates/{issued}").mimetype == "application/json"


def test_a_revocation_shows_at_once_in_every_cached_answer(client, cache, issued, in_app, award):
    for language in ("en", "ru", "kk"):
        assert client.get(f"/verify/{issued}",
                          headers={"Accept-Language": language}).status_code == 200
    assert client.get(f"/api/v1/certificates/{issued}").json["status"] == "valid"

    in_app(lambda: revoke_certificate(
        db.session.scalar(sa.select(Certificate)), by=db.session.get(User, award.admin.id),
        reason="Revoked while its answers were cached."))
    assert client.get(f"/api/v1/certificates/{issued}").json["status"] == "revoked"
    assert REVOKED in client.get(f"/verify/{issued}").text
    assert "отозван" in client.get(f"/verify/{issued}", headers={"Accept-Language": "ru"}).text
    kazakh = client.get(f"/verify/{issued}", headers={"Accept-Language": "kk"})
    assert kazakh.text != client.get(f"/verify/{issued}").text and '<html lang="kk">' in kazakh.text


def test_each_language_is_kept_apart(client, cache, issued):
    english = client.get(f"/verify/{issued}", headers={"Accept-Language": "en"})
    russian = client.get(f"/verify/{issued}", headers={"Accept-Language": "ru"})
    assert '<html lang="en">' in english.text and '<html lang="ru">' in russian.text
    assert '<html lang="ru">' in client.get(f"/verify/{issued}",
                                            headers={"Accept-Language": "ru"}).text
    assert '<html lang="en">' in client.get(f"/verify/{issued}",
                                            headers={"Accept-Language": "en"}).text


@pytest.mark.parametrize("change", ["branch name", "signing key rotated", "key removed"])
def test_a_change_to_what_every_answer_shows_drops_them_all(client, cache, issued, in_app,
                                                            change):
    before = client.get(f"/verify/{issued}").text
    rename_holder_by_hand(in_app, issued, "Changed By Hand")

    def work():
        if change == "branch name":
            branch = db.session.scalar(sa.select(Branch).where(Branch.code == "KZ"))
            branch.name = {**branch.name, "en": "Renamed branch"}
        elif change == "signing key rotated":
            rotate_key()
        else:
            # What removing a compromised key does: nothing it signed verifies any more.
            db.session.execute(sa.delete(SigningKey))

    in_app(work)
    after = client.get(f"/verify/{issued}").text
    assert after != before and "Changed By Hand" in after
    if change == "branch name":
        assert "Renamed branch" in after
    if change == "key removed":
        assert "Signed with a key of this issuer: <strong>failed" in " ".join(after.split())


def test_a_visitors_page_is_the_same_for_everyone_and_sets_no_cookie(client, cache, issued):
    response = client.get(f"/verify/{issued}")
    assert "Set-Cookie" not in response.headers
    assert 'name="csrf_token"' not in response.text  # nothing of one visitor's session
    assert response.get_data() == client.application.test_client().get(
        f"/verify/{issued}").get_data()


def test_a_logged_in_person_gets_their_own_page_never_a_shared_one(app, cache, issued, in_app,
                                                                   award):
    visitor_page = app.test_client().get(f"/verify/{issued}").text
    admin = app.test_client()
    assert login(admin, award.admin).status_code == 302
    rename_holder_by_hand(in_app, issued, "Changed By Hand")
    own = admin.get(f"/verify/{issued}").text
    assert "Changed By Hand" in own and award.admin.full_name in own  # read afresh, named
    # ... and their page, with their name and token, was not kept for anyone else.
    shared = app.test_client().get(f"/verify/{issued}").text
    assert shared == visitor_page and award.admin.full_name not in shared


def test_pages_with_a_query_or_a_message_waiting_are_not_shared(app, cache, issued, in_app):
    client = app.test_client()
    client.get(f"/verify/{issued}")
    rename_holder_by_hand(in_app, issued, "Changed By Hand")
    assert "Changed By Hand" in client.get(f"/verify/{issued}?from=qr").text
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this visitor only")]
    waiting = client.get(f"/verify/{issued}").text
    assert "A message for this visitor only" in waiting and "Changed By Hand" in waiting
    assert "A message for this visitor only" not in app.test_client().get(
        f"/verify/{issued}").text


def test_only_successful_answers_are_kept(client, cache):
    assert client.get("/verify/UPME-KZ-2026-999999").status_code == 404
    assert client.get("/api/v1/certificates/UPME-KZ-2026-999999").status_code == 404
    assert client.get("/verify/upme-kz-2026-999999").status_code == 404
    assert [key for key in stored_keys(cache) if not key.endswith(b":generation")] == []


def test_an_answer_read_before_a_change_is_not_stored_after_it(app, cache, issued, in_app,
                                                               award):
    """The race: a request reads the certificate, the revocation commits (and drops the
    cache), then the request stores what it read. What it stored is never served."""

    with app.test_request_context(f"/verify/{issued}"):
        def render_then_revoke():
            response = _verification_page(issued)  # read before the revocation
            in_app(lambda: revoke_certificate(
                db.session.scalar(sa.select(Certificate)),
                by=db.session.get(User, award.admin.id), reason="Revoked mid-request."))
            return response

        served = cache.answer(f"verify:{issued}:en", render_then_revoke)
        assert "genuine and valid" in served.get_data(as_text=True)  # what it read, once
    assert REVOKED in app.test_client().get(f"/verify/{issued}").text


def test_answers_never_outlive_the_day_or_the_configured_lifetime(client, cache, issued):
    client.get(f"/verify/{issued}")
    entry = f"{cache.prefix}:verify:{issued}:en"
    now = datetime.now(UTC)
    to_midnight = (datetime.combine(now.date() + timedelta(days=1), datetime.min.time(),
                                    tzinfo=UTC) - now).total_seconds()
    assert 0 < cache.client.ttl(entry) <= min(cache.seconds, to_midnight + 1)


def test_rate_limits_apply_to_cached_answers(app, client, cache, issued):
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get(f"/verify/{issued}").status_code for _ in range(4)]
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = "300 per minute"
    assert codes == [200, 200, 200, 429]


def test_without_redis_answers_come_from_the_database(app, issued, in_app, award, caplog):
    app.config.update(PUBLIC_CACHE_URL="redis://127.0.0.1:1/0",  # nothing listens there
                      PUBLIC_CACHE_KEY_PREFIX="certify-test-down")
    public_cache.init_app(app)
    try:
        client = app.test_client()
        with caplog.at_level(logging.WARNING, logger="certify.core.public_cache"):
            assert "genuine and valid" in client.get(f"/verify/{issued}").text
            assert client.get(f"/api/v1/certificates/{issued}").json["status"] == "valid"
            in_app(lambda: revoke_certificate(
                db.session.scalar(sa.select(Certificate)),
                by=db.session.get(User, award.admin.id), reason="Revoked, Redis down."))
            assert REVOKED in client.get(f"/verify/{issued}").text
        assert "Public cache unavailable" in caplog.text
        assert "Public cache not invalidated" in caplog.text
    finally:
        app.extensions.pop(public_cache.EXTENSION).client.close()
        app.config["PUBLIC_CACHE_URL"] = None


@pytest.fixture
def holder(app, award, create_user, in_app):
    """A logged-in holder of one certificate (client.number)."""
    person = create_user("candidate", full_name="Marat Bekov", language="ru")
    award(person)
    client = app.test_client()
    assert login(client, person).status_code == 302
    client.number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    return client


def test_documents_are_kept_and_a_new_name_shows_at_once(app, cache, holder, in_app, award):
    public, number = app.test_client(), holder.number
    first_pdf = public.get(f"/certificates/{number}.pdf?lang=kk")
    first_json = public.get(f"/certificates/{number}/credential.json")
    assert first_pdf.status_code == first_json.status_code == 200

    rename_holder_by_hand(in_app, number, "Changed By Hand")
    kept_pdf = public.get(f"/certificates/{number}.pdf?lang=kk")
    kept_json = public.get(f"/certificates/{number}/credential.json")
    assert kept_pdf.get_data() == first_pdf.get_data()
    assert kept_json.get_data() == first_json.get_data()
    for kept, fresh in ((kept_pdf, first_pdf), (kept_json, first_json)):
        assert kept.mimetype == fresh.mimetype
        assert kept.headers["Content-Disposition"] == fresh.headers["Content-Disposition"]

    in_app(lambda: correct_holder_name(
        db.session.scalar(sa.select(Certificate)), full_name="Marat Bekuly",
        full_name_native=None, reason="Passport spelling.",
        by=db.session.get(User, award.admin.id)))
    assert "Marat Bekuly" in page_text(public.get(f"/certificates/{number}.pdf?lang=kk").data)
    assert "Marat Bekuly" in public.get(f"/certificates/{number}/credential.json").text


def test_making_a_certificate_private_withdraws_its_kept_documents(app, cache, holder):
    public, number = app.test_client(), holder.number
    documents = (f"/certificates/{number}.pdf?lang=en", f"/certificates/{number}/credential.json")
    assert [public.get(url).status_code for url in documents] == [200, 200]
    assert holder.post(f"/my/certificates/{number}/privacy",
                       data={"is_private": "y"}).status_code == 302
    assert [public.get(url).status_code for url in documents] == [404, 404]
    # The holder still gets them, and what they got is not kept for the public.
    assert [holder.get(url).status_code for url in documents] == [200, 200]
    assert [public.get(url).status_code for url in documents] == [404, 404]


def test_a_status_list_is_signed_once_and_a_revocation_shows_at_once(client, cache, issued,
                                                                     in_app, award):
    """The signed status list is kept until a status changes through the application, so it
    is not signed again for every verifier that fetches it."""
    index = in_app(lambda: db.session.scalar(sa.select(Certificate.status_index)))

    def revoked_on_the_list(purpose: str) -> bool:
        listing = client.get(f"/status/{purpose}-1")
        assert listing.status_code == 200 and listing.headers["Cache-Control"]
        document = listing.get_json()
        assert vc.verify_proof(document).ok
        return vc.status_bit(vc.decode_status_list(
            document["credentialSubject"]["encodedList"]), index)

    assert not revoked_on_the_list("revocation") and not revoked_on_the_list("suspension")
    behind_the_apps_back(in_app, "UPDATE certificates SET revoked_at = :now, "
                                 "revocation_reason = 'By hand.'", now=datetime.now(UTC))
    assert not revoked_on_the_list("revocation")  # the kept list, not signed again

    behind_the_apps_back(in_app, "UPDATE certificates SET revoked_at = NULL, "
                                 "revocation_reason = NULL")
    in_app(lambda: revoke_certificate(
        db.session.scalar(sa.select(Certificate)), by=db.session.get(User, award.admin.id),
        reason="Revoked while the status list was kept."))
    assert revoked_on_the_list("revocation")
    assert not revoked_on_the_list("suspension")
