"""The holder's page, privacy, renewal, and expiry reminders through the outbox."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from certify.certificates.models import Certificate, RenewalRequest
from certify.certificates.operations import must_pass_criteria
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.outbox import Notification
from tests.support import log_cpd, login


@pytest.fixture
def holder(app, award, create_user, in_app):
    person = create_user("candidate", full_name="Marat Bekov", language="ru")
    award(person)
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    client = app.test_client()
    login(client, person)
    client.person, client.number = person, number
    return client


def test_holder_page_offers_documents_share_and_linkedin(holder):
    page = holder.get(f"/my/certificates/{holder.number}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"/certificates/{holder.number}.pdf" in body
    assert f"/certificates/{holder.number}/credential.json" in body
    link = next(part for part in body.split('"') if part.startswith("https://www.linkedin"))
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"] and query["certId"] == [holder.number]
    assert query["certUrl"][0].endswith(f"/verify/{holder.number}")
    assert query["issueYear"] == [str(utcnow().year)]


def test_another_person_cannot_open_the_holder_page(app, holder, create_user):
    other = app.test_client()
    login(other, create_user("candidate"))
    assert other.get(f"/my/certificates/{holder.number}").status_code == 404
    assert other.post(f"/my/certificates/{holder.number}/privacy",
                      data={"is_private": "y"}).status_code == 404


def test_private_certificates_keep_their_documents(app, holder, award):
    assert holder.post(f"/my/certificates/{holder.number}/privacy",
                       data={"is_private": "y"}).status_code == 302
    public = app.test_client()
    assert public.get(f"/verify/{holder.number}").status_code == 200  # still verifiable
    assert public.get(f"/certificates/{holder.number}.pdf").status_code == 404
    assert public.get(f"/certificates/{holder.number}/credential.json").status_code == 404
    assert holder.get(f"/certificates/{holder.number}.pdf").status_code == 200
    admin = app.test_client()
    login(admin, award.admin)
    assert admin.get(f"/certificates/{holder.number}/credential.json").status_code == 200
    holder.post(f"/my/certificates/{holder.number}/privacy", data={})
    assert public.get(f"/certificates/{holder.number}.pdf").status_code == 200


def expire_in(in_app, days):
    def work():
        certificate = db.session.scalar(sa.select(Certificate))
        certificate.valid_until = utcnow().date() + timedelta(days=days)
    in_app(work)


def test_renewal_is_not_offered_years_before_expiry(holder, in_app):
    """A certificate valid for five more years: no renewal form, and a request is refused."""
    page = holder.get(f"/my/certificates/{holder.number}").get_data(as_text=True)
    assert f"/my/certificates/{holder.number}/renew" not in page
    early = holder.post(f"/my/certificates/{holder.number}/renew", data={
        "narrative": "Two courses on tailings dam safety and a paper."},
        follow_redirects=True)
    assert "Этот сертификат сейчас нельзя продлить." in early.get_data(as_text=True)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(RenewalRequest.id)))) == 0
    expire_in(in_app, 120)
    page = holder.get(f"/my/certificates/{holder.number}").get_data(as_text=True)
    assert f"/my/certificates/{holder.number}/renew" in page


def test_renewal_request_and_approval(app, holder, award, in_app, create_user):
    """The hours come from the CPD log: short of the rules, the request is refused saying what
    is missing; met, it is sent with its figures; approval waits for a reviewer's brief
    re-assessment of the must-pass criteria."""
    expire_in(in_app, 120)
    renew = f"/my/certificates/{holder.number}/renew"
    story = {"narrative": "Two courses on tailings dam safety and a paper."}
    bad = holder.post(renew, data={"narrative": "short"})
    assert bad.status_code == 422
    short = holder.post(renew, data=story)
    assert short.status_code == 422
    assert "0 из 150" in short.get_data(as_text=True)  # the holder reads Russian
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(RenewalRequest.id)))) == 0
    in_app(lambda: log_cpd(holder.person.id))
    good = holder.post(renew, data=story)
    assert good.status_code == 302
    again = holder.post(renew, data=story, follow_redirects=True)
    assert "Этот сертификат сейчас нельзя продлить." in again.get_data(as_text=True)

    admin = app.test_client()
    login(admin, award.admin)
    listing = admin.get("/certificates/renewals").get_data(as_text=True)
    assert "Two courses on tailings" in listing and "150 / 150" in listing
    request_id = in_app(lambda: db.session.scalar(sa.select(RenewalRequest.id)))
    refused = admin.post(f"/certificates/renewals/{request_id}",
                         data={"decision": "approve", "reason": ""}, follow_redirects=True)
    assert 'class="flash error"' in refused.get_data(as_text=True)
    waiting = admin.post(f"/certificates/renewals/{request_id}",
                         data={"decision": "approve", "reason": "CPD record in order."},
                         follow_redirects=True)
    assert "must first re-assess the must-pass criteria" in waiting.get_data(as_text=True)

    reviewer = app.test_client()
    login(reviewer, create_user("reviewer"))
    review = reviewer.get(f"/certificates/renewals/{request_id}/review")
    assert review.status_code == 200 and "Course in teaching_practice" in review.get_data(
        as_text=True)
    must_pass = in_app(lambda: [c.id for c in must_pass_criteria(
        db.session.get(RenewalRequest, request_id))])
    assert must_pass
    incomplete = reviewer.post(f"/certificates/renewals/{request_id}/review",
                               data={f"level_{must_pass[0]}": "2"})
    assert incomplete.status_code == 422
    findings = {f"level_{i}": "2" for i in must_pass} | {
        f"comment_{i}": "Still practising at this level." for i in must_pass}
    assert reviewer.post(f"/certificates/renewals/{request_id}/review",
                         data=findings).status_code == 302
    admin.post(f"/certificates/renewals/{request_id}",
               data={"decision": "approve", "reason": "CPD record in order."})

    def load():
        old = db.session.scalar(sa.select(Certificate).where(Certificate.number ==
                                                             holder.number))
        new = old.renewed_by
        return (new.number != old.number, new.renewed_from_id == old.id,
                new.valid_from == old.valid_until + timedelta(days=1),
                new.credential is not None, new.holder_id == old.holder_id)

    assert in_app(load) == (True, True, True, True, True)
    twice = admin.post(f"/certificates/renewals/{request_id}",
                       data={"decision": "refuse", "reason": "Changed my mind."},
                       follow_redirects=True)
    assert "does not apply" in twice.get_data(as_text=True)
    page = holder.get(f"/my/certificates/{holder.number}").get_data(as_text=True)
    assert "Продлён сертификатом" in page


@pytest.mark.parametrize(("days_expired", "allowed"), [(30, True), (3 * 365 + 5, False)])
def test_an_expired_certificate_renews_until_the_lapse_is_too_long(holder, in_app,
                                                                    days_expired, allowed):
    """Domain §3.4 rule 9: more than RENEWAL_LAPSE_YEARS (3) after expiry, a full application
    is needed."""
    def expired():
        certificate = db.session.scalar(sa.select(Certificate))
        certificate.valid_until = utcnow().date() - timedelta(days=days_expired)
        certificate.valid_from = certificate.valid_until - timedelta(days=5 * 365)
        log_cpd(holder.person.id)

    in_app(expired)
    answer = holder.post(f"/my/certificates/{holder.number}/renew",
                         data={"narrative": "Two courses on tailings dam safety and a paper."})
    assert (answer.status_code == 302) is allowed
    if not allowed:
        assert "нужна полная заявка" in answer.get_data(as_text=True)
        assert "нужна полная заявка" in holder.get(
            f"/my/certificates/{holder.number}").get_data(as_text=True)


@pytest.mark.parametrize(("years", "words"), [(1, "более 1 года назад"),
                                               (3, "более 3 лет назад"),
                                               (21, "более 21 года назад")])
def test_the_lapse_is_said_with_the_right_plural(app, holder, in_app, monkeypatch, years, words):
    """Russian counts 1 and 21 "года", 3 "лет": the refusal and the page say it rightly."""
    monkeypatch.setitem(app.config, "RENEWAL_LAPSE_YEARS", years)

    def long_expired():
        certificate = db.session.scalar(sa.select(Certificate))
        certificate.valid_until = utcnow().date() - timedelta(days=365 * years + 30)
        certificate.valid_from = certificate.valid_until - timedelta(days=5 * 365)

    in_app(long_expired)
    answer = holder.post(f"/my/certificates/{holder.number}/renew",
                         data={"narrative": "Two courses on tailings dam safety and a paper."})
    assert words in answer.get_data(as_text=True)
    assert words in holder.get(f"/my/certificates/{holder.number}").get_data(as_text=True)


def test_expiry_reminders_are_queued_once(app, holder, runner, in_app):
    def expire_soon(days):
        certificate = db.session.scalar(sa.select(Certificate))
        certificate.valid_until = utcnow().date() + timedelta(days=days)

    in_app(lambda: expire_soon(80))
    assert "Queued 1 reminders." in runner.invoke(args=["notify-expiring"]).output
    assert "Queued 0 reminders." in runner.invoke(args=["notify-expiring"]).output
    in_app(lambda: expire_soon(20))
    assert "Queued 1 reminders." in runner.invoke(args=["notify-expiring"]).output
    notifications = in_app(lambda: [(n.kind, n.language, n.subject, n.body)
                                    for n in db.session.scalars(sa.select(Notification)
                                                                .where(Notification.kind
                                                                       .like("expiry-%"))
                                                                .order_by(Notification.id))])
    assert [n[0] for n in notifications] == ["expiry-90", "expiry-30"]
    kind, language, subject, body = notifications[0]
    assert language == "ru" and holder.number in subject
    assert f"/my/certificates/{holder.number}" in body
    waiting = in_app(lambda: db.session.scalar(sa.select(sa.func.count(Notification.id))))
    sent = runner.invoke(args=["send-outbox"])
    assert f"Sent {waiting} messages (log)." in sent.output
    assert "Sent 0 messages" in runner.invoke(args=["send-outbox"]).output


def test_no_reminder_for_revoked_or_distant_certificates(holder, runner, in_app):
    def revoke():
        certificate = db.session.scalar(sa.select(Certificate))
        certificate.valid_until = utcnow().date() + timedelta(days=10)
        certificate.revoked_at = utcnow()
        certificate.revocation_reason = "Revoked."

    assert "Queued 0 reminders." in runner.invoke(args=["notify-expiring"]).output  # 5 years
    in_app(revoke)
    assert "Queued 0 reminders." in runner.invoke(args=["notify-expiring"]).output
