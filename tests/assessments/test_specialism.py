"""Specialism (issue 18): the candidate declares it on the application (by default their
earlier one); automatic assignment puts at least one reviewer of it on each file (domain
anchors §3.4 rule 3) and names each file it cannot; staff assigning by hand filter reviewers
by specialism, review language and load, in the database."""

from __future__ import annotations

import sqlalchemy as sa

from assessments.assignment import plan_assignment
from assessments.models import Application, Competition
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.users.models import User
from certify.users.operations import set_reviewer_profile
from tests.support import application_form, counting_statements, login


def declare(in_app, person, specialisms=(), languages=(), most=None):
    def work():
        user = db.session.get(User, person.id)
        set_reviewer_profile(user, specialisms=specialisms, languages=languages,
                             max_open_reviews=most, by=user)
    in_app(work)


def specialism_of(in_app, application_id):
    return in_app(lambda: db.session.get(Application, application_id).specialism)


def test_a_specialist_is_kept_for_the_file_that_needs_one(admin_client, create_user,
                                                          create_competition, workflow, in_app):
    """Each reviewer takes one file: the specialist must go to the geotechnics file, not to
    the file processed first that needs no specialism."""
    competition_id = create_competition(min_reviewers=1)
    in_app(lambda: setattr(db.session.get(Competition, competition_id),
                           "max_reviews_per_reviewer", 1))
    specialist = create_user("reviewer")
    declare(in_app, specialist, specialisms=["geotechnics"])
    create_user("reviewer")
    plain = workflow.submitted(competition_id, create_user("candidate"))
    needing = workflow.submitted(competition_id, create_user("candidate"))
    for application_id in (plain, needing):
        workflow.check(application_id, admin_client.person)
    in_app(lambda: setattr(db.session.get(Application, needing), "specialism", "geotechnics"))

    def run():
        plan = plan_assignment(db.session.get(Competition, competition_id))
        return ({a.id: r.id for a, r in plan.pairs}, plan.no_specialist, plan.short)
    pairs, no_specialist, short = in_app(run)
    assert pairs[needing] == specialist.id and no_specialist == [] and short == {}


def test_the_page_names_each_file_without_a_specialist(admin_client, create_user,
                                                       create_competition, workflow, in_app):
    competition_id = create_competition(min_reviewers=1)
    create_user("reviewer")
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    workflow.check(application_id, admin_client.person)
    in_app(lambda: setattr(db.session.get(Application, application_id), "specialism",
                           "metallurgy"))
    page = admin_client.post(f"/manage/competitions/{competition_id}/assign",
                             follow_redirects=True).get_data(as_text=True)
    assert (f"Application No. {application_id}: no reviewer of its specialism (Metallurgy) "
            "could be assigned.") in page


def test_the_candidate_declares_their_specialism_and_the_next_application_starts_with_it(
        app, create_user, create_competition, workflow, in_app):
    candidate = create_user("candidate")
    competition_id = create_competition()
    application_id = workflow.start(competition_id, candidate)
    assert specialism_of(in_app, application_id) is None
    client = app.test_client()
    login(client, candidate)
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "Your specialism" in page and "Mine surveying" in page
    version = in_app(lambda: db.session.get(Application, application_id).version)
    saved = client.post(f"/applications/{application_id}", data=application_form(
        (2, 2, 2), ("a", "b", "c"), version=version) | {"specialism": "surveying"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    assert specialism_of(in_app, application_id) == "surveying"
    assert in_app(lambda: db.session.scalar(sa.select(AuditEvent.data).where(
        AuditEvent.action == "application.specialism")))["after"] == "surveying"

    version = in_app(lambda: db.session.get(Application, application_id).version)
    bad = client.post(f"/applications/{application_id}", data=application_form(
        (2, 2, 2), ("a", "b", "c"), version=version) | {"specialism": "astrology"})
    assert bad.status_code == 422 and "Not a valid choice" in bad.get_data(as_text=True)
    assert specialism_of(in_app, application_id) == "surveying"

    workflow.fill(application_id)
    workflow.submit(application_id, candidate)
    shown = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "Specialism: Mine surveying" in " ".join(shown.split())

    later = workflow.start(create_competition(), candidate)
    assert specialism_of(in_app, later) == "surveying"
    # A reviewer who applies starts with their profile's first specialism.
    reviewer = create_user("reviewer", "candidate")
    declare(in_app, reviewer, specialisms=["ventilation_safety"])
    assert specialism_of(in_app, workflow.start(competition_id, reviewer)) == (
        "ventilation_safety")


def test_a_submitted_application_keeps_its_specialism(create_user, create_competition,
                                                      workflow, in_app):
    from assessments.operations import declare_specialism
    from certify.core.errors import DomainError

    application_id = workflow.submitted(create_competition(), create_user("candidate"))

    def change():
        application = db.session.get(Application, application_id)
        try:
            declare_specialism(application, "geology", by=application.candidate)
        except DomainError as error:
            return str(error)
    assert "can no longer be changed" in in_app(change)


def test_hand_assignment_filters_by_specialism_language_and_load(
        app, admin_client, create_user, create_competition, workflow, in_app):
    competition_id = create_competition()
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    workflow.check(application_id, admin_client.person)
    in_app(lambda: setattr(db.session.get(Application, application_id), "specialism",
                           "geotechnics"))
    geo = create_user("reviewer", full_name="Geo Reviewer")
    declare(in_app, geo, specialisms=["geotechnics"], languages=["ru"], most=1)
    busy_geo = create_user("reviewer", full_name="Busy Geo")
    declare(in_app, busy_geo, specialisms=["geotechnics"], languages=["kk"], most=1)
    other = workflow.submitted(create_competition(), create_user("candidate"))
    workflow.assign(other, busy_geo, admin_client.person)  # one open review: full
    create_user("reviewer", full_name="Plain Reviewer")
    url = f"/manage/applications/{application_id}"

    def names(query):
        with counting_statements(app) as statements:
            page = admin_client.get(url + query).get_data(as_text=True)
        select = page.split('name="reviewer"', 1)[1].split("</select>", 1)[0] if (
            'name="reviewer"' in page) else ""
        return {n for n in ("Geo Reviewer", "Busy Geo", "Plain Reviewer") if n in select}, (
            page, len(statements))

    everyone, (page, _count) = names("")
    assert everyone == {"Geo Reviewer", "Busy Geo", "Plain Reviewer"}
    assert "Geo Reviewer (—) — 0 of 5 here; open reviews: 0 of 1 · specialist" in page or (
        "open reviews: 0 of 1 · specialist" in page)
    assert names("?filter-specialism=geotechnics")[0] == {"Geo Reviewer", "Busy Geo"}
    assert names("?filter-specialism=geotechnics&filter-language=kk")[0] == {"Busy Geo"}
    assert names("?filter-specialism=geotechnics&filter-load=room")[0] == {"Geo Reviewer"}
    nobody, (page, _count) = names("?filter-specialism=metallurgy")
    assert nobody == set() and "No eligible reviewer matches these filters." in page
    # A bad filter is ignored, not an error.
    assert names("?filter-specialism=astrology")[0] == everyone
    # Queries do not grow with the number of reviewers.
    _names, (_page, few) = names("?filter-load=room")
    for _ in range(5):
        declare(in_app, create_user("reviewer"), specialisms=["mining"], most=3)
    _names, (_page, many) = names("?filter-load=room")
    assert many == few
