"""The reviewer pool (issue 20): what reviewers declare steers automatic assignment (specialism,
language of the file, declared load), with the old behaviour when nobody declared anything;
staff see the pool filtered and paginated."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import sqlalchemy as sa

from assessments.assignment import plan_assignment
from assessments.models import Application, Competition, Review
from certify.core.extensions import db
from certify.users.models import User
from certify.users.operations import set_reviewer_profile
from tests.support import login


@pytest.fixture
def declare(in_app):
    """declare(person, specialisms=(), languages=(), most=None): a reviewer's profile."""

    def make(person, specialisms=(), languages=(), most=None):
        def work():
            user = db.session.get(User, person.id)
            set_reviewer_profile(user, specialisms=specialisms, languages=languages,
                                 max_open_reviews=most, by=user)
        in_app(work)

    return make


def planned(in_app, competition_id) -> tuple[dict[int, set[int]], dict, list]:
    """The plan as {application id: reviewer ids}, short and no-specialist lists."""

    def run():
        plan = plan_assignment(db.session.get(Competition, competition_id))
        pairs: dict[int, set[int]] = {}
        for application, reviewer in plan.pairs:
            pairs.setdefault(application.id, set()).add(reviewer.id)
        return pairs, plan.short, plan.no_specialist

    return in_app(run)


def set_specialism(in_app, application_id, code):
    in_app(lambda: setattr(db.session.get(Application, application_id), "specialism", code))


def test_without_profiles_assignment_is_as_before(admin_client, create_user,
                                                  create_competition, workflow, in_app):
    competition_id = create_competition(min_reviewers=2)
    applications = [workflow.submitted(competition_id, create_user("candidate"))
                    for _ in range(3)]
    for application_id in applications:
        workflow.check(application_id, admin_client.person)
        set_specialism(in_app, application_id, "geotechnics")  # nobody declared one
    reviewers = [create_user("reviewer") for _ in range(3)]
    pairs, short, no_specialist = planned(in_app, competition_id)
    assert short == {} and sorted(Counter(r for ids in pairs.values() for r in ids).values()
                                  ) == [2, 2, 2]
    # The lightest-loaded reviewer, then the lowest id, exactly as before profiles existed.
    assert pairs[applications[0]] == {reviewers[0].id, reviewers[1].id}
    assert no_specialist == applications  # said, not hidden


def test_a_specialist_is_put_on_each_file_first(admin_client, create_user, create_competition,
                                                workflow, in_app, declare):
    competition_id = create_competition(min_reviewers=2)
    generalists = [create_user("reviewer") for _ in range(3)]
    surveyor = create_user("reviewer")
    declare(surveyor, specialisms=["surveying"])
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    workflow.check(application_id, admin_client.person)
    set_specialism(in_app, application_id, "surveying")
    pairs, _short, no_specialist = planned(in_app, competition_id)
    assert surveyor.id in pairs[application_id] and no_specialist == []
    # The second place goes by load as before: the lowest id among the others.
    assert pairs[application_id] == {surveyor.id, generalists[0].id}

    # Through the page: the specialist is assigned, and a file nobody can match is named.
    other = workflow.submitted(competition_id, create_user("candidate"))
    workflow.check(other, admin_client.person)
    assert admin_client.post(f"/manage/applications/{other}/specialism",
                             data={"specialism": "metallurgy"}).status_code == 302
    page = admin_client.post(f"/manage/competitions/{competition_id}/assign",
                             follow_redirects=True).get_data(as_text=True)
    assert "1 applications have no reviewer of their specialism" in page
    assert in_app(lambda: db.session.scalar(sa.select(Review.id).where(
        Review.application_id == application_id, Review.reviewer_id == surveyor.id)))


def test_reviewers_get_files_only_in_their_languages_and_within_their_load(
        admin_client, create_user, create_competition, workflow, in_app, declare):
    competition_id = create_competition(min_reviewers=1)
    russian = workflow.submitted(competition_id, create_user("candidate", language="ru"))
    kazakh = workflow.submitted(competition_id, create_user("candidate", language="kk"))
    english = [workflow.submitted(competition_id, create_user("candidate", language="en"))
               for _ in range(3)]
    for application_id in (russian, kazakh, *english):
        workflow.check(application_id, admin_client.person)
    ru_reader = create_user("reviewer")
    kk_reader = create_user("reviewer")
    anyone = create_user("reviewer")
    declare(ru_reader, languages=["ru"])
    declare(kk_reader, languages=["kk", "en"], most=1)
    pairs, short, _ = planned(in_app, competition_id)
    assert pairs[russian] <= {ru_reader.id, anyone.id}
    assert pairs[kazakh] <= {kk_reader.id, anyone.id}
    assert all(ru_reader.id not in pairs[a] for a in english)
    assert sum(kk_reader.id in ids for ids in pairs.values()) <= 1  # declared: one at a time
    assert short == {}

    # Open reviews elsewhere count against the declared load.
    declare(anyone, most=1)
    elsewhere = create_competition(min_reviewers=1)
    earlier = workflow.submitted(elsewhere, create_user("candidate"))
    workflow.assign(earlier, anyone, admin_client.person)
    pairs, short, _ = planned(in_app, competition_id)
    assert all(anyone.id not in ids for ids in pairs.values())
    assert short  # three English files, one reviewer with room for one


def test_the_pool_page_filters_and_pages_in_the_database(app, admin_client, create_user,
                                                         declare):
    for number in range(27):
        person = create_user("reviewer", full_name=f"Pool Reviewer {number:02d}",
                             branch="RU" if number % 9 == 0 else "KZ")
        if number % 3 == 0:
            declare(person, specialisms=["geotechnics"], languages=["ru"], most=4)
    first = admin_client.get("/reviewers/").get_data(as_text=True)
    assert "Reviewers found: 27" in first and "Page 1 of 2" in first
    assert "Pool Reviewer 00" in first and "Pool Reviewer 26" not in first
    second = admin_client.get("/reviewers/?page=2").get_data(as_text=True)
    assert "Pool Reviewer 26" in second and "Pool Reviewer 00" not in second
    geotechnics = admin_client.get("/reviewers/?specialism=geotechnics&language=ru"
                                   ).get_data(as_text=True)
    assert "Reviewers found: 9" in geotechnics and "Geotechnics and ground control" in geotechnics
    assert "Pool Reviewer 01" not in geotechnics
    ru_branch = admin_client.get("/reviewers/?branch=2").get_data(as_text=True)
    assert "Reviewers found: 3" in ru_branch
    # A filter value not on the list is ignored, not an error.
    assert admin_client.get("/reviewers/?specialism=astrology&page=x").status_code == 200

    coordinator = create_user("coordinator", branch="RU")
    client = app.test_client()
    login(client, coordinator)
    scoped = client.get("/reviewers/").get_data(as_text=True)
    assert "Reviewers found: 3" in scoped and "Pool Reviewer 01" not in scoped


def test_a_reviewer_keeps_their_profile_up_to_date(app, create_user, declare, in_app):
    reviewer = create_user("reviewer")
    declare(reviewer, specialisms=["mining"], languages=["en"], most=2)
    client = app.test_client()
    login(client, reviewer)
    page = client.get("/account/reviewer-profile").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="mining"', page)  # as declared
    refused = client.post("/account/reviewer-profile",
                          data={"specialisms": ["geology"], "review_languages": []})
    assert refused.status_code == 422 and "Choose at least one language." in refused.get_data(
        as_text=True)
    saved = client.post("/account/reviewer-profile", data={
        "specialisms": ["geology", "mining"], "review_languages": ["kk"], "max_open_reviews": ""})
    assert saved.status_code == 302

    def stored():
        profile = db.session.get(User, reviewer.id).reviewer_profile
        return profile.specialisms, profile.review_languages, profile.max_open_reviews

    assert in_app(stored) == (["geology", "mining"], ["kk"], None)
