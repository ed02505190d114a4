"""Demo data: branches, people in every role, both rubrics, competitions, applications in
every state and certificates that are valid, expired and revoked. Loaded by ``flask demo``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from assessments import evidence
from assessments.calibration.operations import (
    ExemplarRow,
    calibrate,
    create_exemplar,
    save_exemplar,
)
from assessments.complaints.models import ComplaintSubject
from assessments.complaints.operations import ComplaintInput, file_complaint
from assessments.declarations import declaration_text
from assessments.models import Competition
from assessments.operations import (
    AnswerInput,
    FindingInput,
    ScoreInput,
    assign_reviewer,
    check_eligibility,
    decide,
    record_interview,
    save_answers,
    save_review,
    sign_declaration,
    start_application,
    submit_application,
    withdraw_application,
)
from assessments.referees.models import RefereeState, Verdict
from assessments.referees.operations import RefereeDetails, answer, name_referee, referees_of
from assessments.referees.requirements import requirement_for
from assessments.states import (
    ApplicationState,
    CompetitionState,
    FindingOutcome,
    InterviewOutcome,
    Outcome,
)
from certify.certificates.cpd.models import CpdEntry
from certify.certificates.issuer import issuer_id
from certify.certificates.models import Certificate
from certify.certificates.operations import revoke_certificate
from certify.certificates.signing import sign_certificate
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import Role, User
from certify.users.operations import create_user, seed_branches, set_reviewer_profile
from certify.users.privacy import record_consent
from rubrics.interview_protocol import probed_codes
from rubrics.io import import_library
from rubrics.models import Track

DEMO_PASSWORD = "Certify-Demo-2026"  # documented demo password  # noqa: S105  # nosec B105

# The demo's signatories, written to the instance settings by `flask demo` (TOML): fictional
# people under the titles a real instance would configure (docs/certificate-pdf.md).
DEMO_SIGNATORIES = """
[[CERTIFICATE_SIGNATORIES]]
name = { en = "Serik Tulegenov", ru = "Серик Тулегенов", kk = "Серік Төлегенов" }
title = { en = "Director of the Centre", ru = "Директор Центра", kk = "Орталық директоры" }

[[CERTIFICATE_SIGNATORIES]]
name = { en = "Aigerim Sadykova", ru = "Айгерим Садыкова", kk = "Айгерім Садықова" }
branches = ["KZ"]
[CERTIFICATE_SIGNATORIES.title]
en = "Head of the Kazakhstan branch"
ru = "Руководитель Казахстанского филиала"
kk = "Қазақстан филиалының басшысы"
"""

PEOPLE = (
    ("admin@certify.example", "Centre Administrator", None, [Role.admin], "KZ",
     "ICCMEE", "en"),
    ("coordinator.kz@certify.example", "Aigerim Sadykova", "Айгерім Садықова",
     [Role.coordinator], "KZ", "Karaganda Technical University", "kk"),
    ("reviewer1@certify.example", "Nurlan Abenov", "Нұрлан Әбенов", [Role.reviewer], "KZ",
     "Satbayev University", "ru"),
    ("reviewer2@certify.example", "Elena Morozova", "Елена Морозова", [Role.reviewer], "RU",
     "Saint Petersburg Mining University", "ru"),
    ("reviewer3@certify.example", "James Whitfield", None, [Role.reviewer], "GB",
     "Camborne School of Mines", "en"),
    ("candidate1@certify.example", "Daniyar Zhaksylykov", "Данияр Жақсылықов",
     [Role.candidate], "KZ", "Karaganda Technical University", "kk"),
    ("candidate2@certify.example", "Saule Omarova", "Сауле Омарова", [Role.candidate], "KZ",
     "Karaganda Technical University", "ru"),
    ("candidate3@certify.example", "Igor Petrov", "Игорь Петров", [Role.candidate], "RU",
     "Kuzbass Coal Company", "ru"),
    ("candidate4@certify.example", "Marat Bekov", "Марат Беков", [Role.candidate], "KZ",
     "Qarmet Mining", "en"),
)


def _texts(en: str, ru: str, kk: str) -> dict[str, str]:
    return {"en": en, "ru": ru, "kk": kk}


def _competition(version, title, opens_at, closes_at, state=CompetitionState.open):
    competition = Competition(
        title=title, rubric_version=version, state=state, opens_at=opens_at,
        closes_at=closes_at, review_deadline=closes_at + timedelta(days=60), min_reviewers=2,
    )
    db.session.add(competition)
    return competition


def _fill(application, levels, narrative="I describe my practice and attach evidence."):
    criteria = application.competition.rubric_version.criteria
    save_answers(
        application,
        {c.id: AnswerInput(level=levels[i % len(levels)], narrative=f"{c.code}: {narrative}")
         for i, c in enumerate(criteria)},
        eligibility_confirmed=True,
        expected_version=None,
    )
    for criterion in evidence.missing_required(application):
        evidence.add_link(application, criterion,
                          f"https://repository.example.edu/portfolio/{criterion.code}",
                          f"{criterion.code} portfolio", by=application.candidate)
    _name_referees(application)


def _name_referees(application):
    """As many referees as the track asks (docs/referees.md), vouching for two criteria."""
    requirement = requirement_for(application.competition.track)
    criteria = [c.id for c in application.competition.rubric_version.criteria][:2]
    for number in range(1, requirement.count + 1):
        name_referee(application, RefereeDetails(
            name=f"Referee {number}", organisation="Karaganda Technical University",
            email=f"referee{number}.application{application.id}@example.org",
            relationship="Head of department", capacities=set(requirement.capacities),
            criterion_ids=criteria), by=application.candidate, language="en")


def _vouched(application):
    """The referees confirm every claim, as through their links, so review may start."""
    for referee in referees_of(application):
        if referee.state == RefereeState.asked:
            answer(referee, {c.criterion_id: Verdict.confirmed for c in referee.claims},
                   "I have worked with the candidate for years: these claims match what I saw.")


def _review(application, reviewer, levels, admin, submit=True):
    _vouched(application)
    if application.eligibility_checked_at is None:
        check_eligibility(application, by=admin)
    review = assign_reviewer(application, reviewer, by=admin)
    criteria = application.competition.rubric_version.criteria
    save_review(
        review,
        {c.id: ScoreInput(level=levels[i % len(levels)],
                          comment=f"{c.code}: the evidence supports this level.")
         for i, c in enumerate(criteria)},
        submit=submit, expected_version=None, by=reviewer,
    )
    return review


def load_demo() -> bool:
    """Create the demo data; return False (and change nothing) when it is already there."""
    if db.session.scalar(sa.select(User.id).where(User.email == PEOPLE[0][0])) is not None:
        return False
    kz, ru = seed_branches()
    branches = {"KZ": kz, "RU": ru}
    people = {}
    for email, name, native, roles, country, affiliation, language in PEOPLE:
        branch = ru if country == "RU" else kz
        people[email.split("@")[0]] = create_user(
            email=email, password=DEMO_PASSWORD, full_name=name, full_name_native=native,
            roles=roles, country=country, affiliation=affiliation, preferred_language=language,
            branch=branches.get(country, branch), coordinated_branch=kz,
        )
        # The demo's people have read the notice, as anyone who registers has.
        record_consent(people[email.split("@")[0]], language)
    admin = people["admin"]
    reviewers = [people["reviewer1"], people["reviewer2"], people["reviewer3"]]
    # What each reviewer declared, for the reviewer pool and automatic assignment.
    for reviewer, specialisms, languages, most in (
            (reviewers[0], ["mining", "geotechnics"], ["kk", "ru", "en"], 6),
            (reviewers[1], ["mineral_processing", "economics"], ["ru", "en"], None),
            (reviewers[2], ["ventilation_safety", "education"], ["en"], 4)):
        set_reviewer_profile(reviewer, specialisms=specialisms, languages=languages,
                             max_open_reviews=most, by=reviewer)
    c1, c2, c3, c4 = (people[f"candidate{i}"] for i in range(1, 5))
    staff = [admin, people["coordinator.kz"], *reviewers]

    # Every shipped version, oldest first: the past calls were judged against version 1 (their
    # applications stay pinned to it, domain_anchors §3.4 rule 11), the current calls use the
    # newest version (v2: countable descriptors, level exemplars, the four ISME areas gated).
    imported = import_library()
    first = {v.rubric.track: v for v in reversed(imported)}
    latest = {v.rubric.track: v for v in imported}
    professor, engineer = first["professor"], first["engineer"]
    now = utcnow()

    # History first, so certificate numbers follow the years they were issued in.
    upme_2020 = _competition(professor, _texts(
        "UNESCO Professor of Mining Engineering — 2020 call",
        "Профессор ЮНЕСКО горного дела — конкурс 2020 года",
        "ЮНЕСКО тау-кен ісі профессоры — 2020 жылғы конкурс"),
        now - timedelta(days=1), now + timedelta(days=1))
    db.session.flush()
    _sign_all(upme_2020, staff)
    old = start_application(upme_2020, c2)
    old.specialism = "geotechnics"  # declared by the candidate: on the certificate too
    _fill(old, [3, 3, 2, 3])
    submit_application(old, by=c2)
    _review(old, reviewers[0], [3, 2, 3], admin)
    _review(old, reviewers[1], [3, 3, 2], admin)
    _decide_at(old, admin, datetime(2020, 6, 15, 10, tzinfo=UTC))

    cme_2021 = _competition(engineer, _texts(
        "Certified Mining Engineer — 2021 call",
        "Сертифицированный горный инженер — конкурс 2021 года",
        "Сертификатталған тау-кен инженері — 2021 жылғы конкурс"),
        now - timedelta(days=1), now + timedelta(days=1))
    db.session.flush()
    _sign_all(cme_2021, staff)
    revoked = start_application(cme_2021, c3)
    revoked.specialism = "mining"
    _fill(revoked, [3, 2, 3])
    submit_application(revoked, by=c3)
    _review(revoked, reviewers[0], [3, 2, 2], admin)
    _review(revoked, reviewers[2], [2, 3, 3], admin)
    certificate = _decide_at(revoked, admin, datetime(2021, 11, 2, 9, tzinfo=UTC))
    revoke_certificate(certificate, by=admin,
                       reason="Evidence of professional experience found to be misrepresented.")
    for competition, year in ((upme_2020, 2020), (cme_2021, 2021)):
        competition.opens_at = datetime(year, 2, 1, tzinfo=UTC)
        competition.closes_at = datetime(year, 5, 1, tzinfo=UTC)
        competition.review_deadline = datetime(year, 6, 1, tzinfo=UTC)
        competition.state = CompetitionState.closed

    professor, engineer = latest["professor"], latest["engineer"]
    upme = _competition(professor, _texts(
        "UNESCO Professor of Mining Engineering — 2026/27 call",
        "Профессор ЮНЕСКО горного дела — конкурс 2026/27",
        "ЮНЕСКО тау-кен ісі профессоры — 2026/27 конкурсы"),
        now - timedelta(days=60), now + timedelta(days=120))
    cme = _competition(engineer, _texts(
        "Certified Mining Engineer — 2026/27 call",
        "Сертифицированный горный инженер — конкурс 2026/27",
        "Сертификатталған тау-кен инженері — 2026/27 конкурсы"),
        now - timedelta(days=60), now + timedelta(days=120))
    db.session.flush()
    # Staff sign each competition's impartiality declaration before opening its files; reviewer3
    # has not yet for the open UPME call, so signing in as them shows the flow.
    _sign_all(upme, [person for person in staff if person is not reviewers[2]])
    _sign_all(cme, staff)
    # The open UPME call asks for calibration: reviewer1 and reviewer2 have scored its
    # exemplar (reviewer2 far from the reference: flagged), reviewer3 has yet to.
    _calibration(upme, admin, reviewers[:2])

    draft = start_application(upme, c1)  # draft, half written
    criteria = upme.rubric_version.criteria
    save_answers(draft, {c.id: AnswerInput(level=2, narrative=f"{c.code}: work in progress.")
                         for c in criteria[:5]},
                 eligibility_confirmed=False, expected_version=None)

    reviewing = start_application(upme, c2)  # under review: one review in, one pending
    _fill(reviewing, [2, 3, 3, 2])
    submit_application(reviewing, by=c2)
    _review(reviewing, reviewers[0], [2, 3, 2], admin)
    assign_reviewer(reviewing, reviewers[2], by=admin)  # to calibrate, then review

    refused = start_application(upme, c4)  # decided: not awarded
    _fill(refused, [2, 2, 1])
    submit_application(refused, by=c4)
    _review(refused, reviewers[0], [1, 2, 1], admin)
    _review(refused, reviewers[1], [1, 1, 2], admin)
    decide(refused, Outcome.refuse, "Below threshold on safety and teaching delivery; "
           "please strengthen the evidence and apply again.", by=admin)

    submitted = start_application(cme, c3)  # submitted, waiting for reviewers
    _fill(submitted, [3, 2, 2])
    submit_application(submitted, by=c3)

    awarded = start_application(cme, c4)  # decided: awarded, certificate valid
    _fill(awarded, [3, 3, 2, 4])
    submit_application(awarded, by=c4)
    _review(awarded, reviewers[1], [3, 3, 2, 3], admin)
    _review(awarded, reviewers[2], [3, 2, 3, 3], admin)
    _interview(awarded, admin)
    decide(awarded, Outcome.award, "All criteria met, including the safety, environment and "
           "ethics gates.", by=admin, second_check=False)
    _cpd_log(c4)

    withdrawn = start_application(cme, c1)
    withdraw_application(withdrawn, by=c1)
    # A complaint about the process, from someone without an account, waiting for an
    # investigator (Complaints, in the administrator's menu).
    file_complaint(ComplaintInput(
        name="Ruslan Tulegenov", email="r.tulegenov@mail.example", language="ru",
        subject=ComplaintSubject.process, competition_id=cme.id, branch_id=kz.id,
        description="The call's page gave the closing date in one time zone and the form "
                    "closed in another; my colleague could not submit on the last day."))
    db.session.flush()
    states = {a.state for a in (draft, reviewing, refused, submitted, awarded, withdrawn)}
    if states != {ApplicationState.draft, ApplicationState.under_review, ApplicationState.decided,
                  ApplicationState.submitted, ApplicationState.withdrawn}:
        raise RuntimeError(f"the demo should show every state, it shows {sorted(states)}")
    return True


# An anonymised professor's file: what it claims per UPME v2 criterion, in the rubric's order
# (P1-P8, P13, P14, P9-P12).
EXEMPLAR = (
    ("Teaches mine planning and rock mechanics; two papers in the last five years.",
     "Publication list; course syllabi."),
    ("Redesigned the open-pit design module around a project on real survey data.",
     "Old and new module descriptions; student project brief."),
    ("Lectures and labs for 120 students a year; uses flipped sessions in one course.",
     "Timetable; peer observation note."),
    ("Marks to a published rubric and returns feedback within two weeks.",
     "Marking rubric; sample of anonymised feedback."),
    ("Supervised six master's theses; advises a student mining society.",
     "Thesis list; society report."),
    ("One funded project on pit-slope monitoring; its data used in teaching.",
     "Grant letter; lab handout using the data."),
    ("Organises yearly site visits to two open pits; an engineer gives a guest lecture.",
     "Visit programmes; lecture invitation."),
    ("Safety briefing and a risk assessment before each site visit and lab session.",
     "Briefing checklist; two signed risk assessments."),
    ("No teaching on mine closure, environment or community relations.",
     "Course syllabi (no such topic)."),
    ("Explains the plagiarism rules in the thesis seminar; no research-ethics review used.",
     "Seminar slides."),
    ("Uses the university's learning platform for materials and quizzes.",
     "Screenshots of the course page."),
    ("Reads student surveys each year; changed one assessment after them.",
     "Survey summary; change note."),
    ("Mentors one new lecturer informally.", "A colleague's short letter."),
    ("Co-teaches a summer school with a Russian university; teaches in Russian and Kazakh.",
     "Summer school programme."),
)
EXEMPLAR_REFERENCE = (2, 2, 2, 2, 2, 2, 3, 2, 0, 1, 2, 2, 1, 2)


def _cpd_log(holder) -> None:
    """Two CPD entries on the holder's log (My CPD log): progress shown, not enough to renew."""
    today = utcnow().date()
    for days_ago, title, category, hours in (
            (200, "Tailings dam safety course (GISTM)", "risk_and_safety", 24),
            (60, "Open-pit slope monitoring project", "area_of_practice", 40)):
        db.session.add(CpdEntry(
            holder_id=holder.id, title=title, category=category, hours=hours,
            started_on=today - timedelta(days=days_ago + 4),
            ended_on=today - timedelta(days=days_ago),
            plan="Bring current practice into my work.", record="Course and site work.",
            reflect="Our monitoring plan lacked trigger levels.",
            evaluate="We now review trigger levels every quarter."))


def _calibration(competition, admin, reviewers) -> None:
    competition.requires_calibration = True
    exemplar = create_exemplar(competition, by=admin)
    criteria = competition.rubric_version.criteria
    save_exemplar(exemplar, "UPME exemplar A (anonymised)", {
        c.id: ExemplarRow(level=3, narrative=narrative, evidence=described, reference=level)
        for c, (narrative, described), level in zip(criteria, EXEMPLAR, EXEMPLAR_REFERENCE,
                                                    strict=True)}, by=admin)
    for reviewer, shift in zip(reviewers, (1, 3), strict=True):
        calibrate(competition, {
            c.id: ScoreInput(level=min(level + shift * (i % 2), c.max_level),
                             comment=f"{c.code}: as the file shows.")
            for i, (c, level) in enumerate(zip(criteria, EXEMPLAR_REFERENCE, strict=True))},
            by=reviewer)


def _interview(application, admin, held_on=None):
    """The engineer track's interview, recorded before its decision: under a protocol (v2)
    every probed criterion confirmed, under v1 the panel's outcome."""
    if application.competition.track == Track.engineer:
        protocol = application.competition.rubric_version.interview
        record_interview(application, held_on=held_on or utcnow().date(),
                         panel="Elena Morozova, James Whitfield",
                         outcome=None if protocol else InterviewOutcome.satisfactory,
                         findings={code: FindingInput(FindingOutcome.confirmed)
                                   for code in probed_codes(protocol)},
                         notes="Experience confirmed as described; sound answers on the "
                               "weakest criteria.", by=admin)


def _decide_at(application, admin, when: datetime):
    """A decision in the past, for history: every step is dated before it, and the
    certificate carries the decision's date."""
    _interview(application, admin, held_on=(when - timedelta(days=10)).date())
    application.created_at = when - timedelta(days=120)
    application.submitted_at = when - timedelta(days=60)
    for review in application.reviews:
        review.assigned_at = when - timedelta(days=45)
        review.submitted_at = when - timedelta(days=20)
    decide(application, Outcome.award, "Awarded by the panel.", by=admin, at=when)
    return application.certificate


def sign_again_for_this_address() -> int:
    """Sign again the credentials that name another public address (the demo was loaded by an
    earlier `make run` with another HOST or PORT), so they verify here; returns how many."""
    here = issuer_id()
    count = 0
    for certificate in db.session.scalars(sa.select(Certificate).where(
            Certificate.credential.is_not(None)).order_by(Certificate.id)):
        issuer = certificate.credential.get("issuer")
        if (issuer.get("id") if isinstance(issuer, dict) else issuer) == here:
            continue
        sign_certificate(certificate)
        audit.record("certificate.signed_for_address", certificate, issuer=here)
        count += 1
    return count


def _sign_all(competition, staff):
    """Each one's declaration signed as the signing page records it, in their language."""
    for person in staff:
        with force_locale(person.preferred_language or "en"):
            text = declaration_text(competition)
            sign_declaration(competition, text, shown_sha256=text.sha256, agreed=True,
                             signed_name=person.full_name, interests="", conflicts=[], by=person)
