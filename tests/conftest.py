"""Fixtures: one app per session on a real database, cleaned between tests.

The database is SQLite (a temporary file) unless CERTIFY_TEST_DATABASE_URL names another,
e.g. postgresql+psycopg://postgres@127.0.0.1/test. Tests do not share an application
context with the requests they make: each request gets its own session, as in production.
"""

from __future__ import annotations

import copy
import os
import secrets
import socket
import ssl
import threading
import uuid
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from werkzeug.serving import make_server

from assessments import evidence, operations
from assessments.complaints.models import ComplaintSubject
from assessments.complaints.operations import ComplaintInput, file_complaint
from assessments.erasure import request_erasure
from assessments.models import Application, Competition, Review
from assessments.operations import lodge_appeal
from assessments.referees.models import Referee, RefereeClaim, RefereeState
from assessments.report_jobs import ANNUAL_REPORT
from assessments.reviewers.models import ReviewerInvitation
from assessments.states import Outcome
from certify.certificates.cpd.audits import draw_audit
from certify.certificates.cpd.models import CpdEntry
from certify.certificates.models import Certificate, ReviewerCredential
from certify.certificates.operations import request_renewal
from certify.certificates.reviewer_credentials import sign_reviewer_credential
from certify.core import jobs, public_cache
from certify.core.db_types import utcnow
from certify.core.extensions import db, limiter
from certify.core.outbox import Notification
from certify.users import privacy
from certify.users.models import Branch, User
from certify.users.operations import create_user as create
from certify.users.operations import seed_branches
from certify.web.app import create_app
from rubrics.io import import_rubric
from rubrics.models import RubricVersion
from tests.support import (
    CHROMIUM,
    ON_POSTGRES,
    OWN_APPLICATION_ROLES,
    PASSWORD,
    REDIS,
    SMALL_RUBRIC,
    TEST_DATABASE_URL,
    Person,
    add_list_rows,
    log_cpd,
    login,
    make_exemplar,
    redis_is_up,
    sign_declarations,
)


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        # The browser journeys test pages, not the database: they run once, in the SQLite pass,
        # which keeps CI under its 30 minutes (the PostgreSQL pass runs every other test).
        # CERTIFY_BROWSER_ON_POSTGRES=1 runs them here too.
        if os.environ.get("CERTIFY_BROWSER_ON_POSTGRES") == "1":
            return
        once = pytest.mark.skip(reason="browser journeys run in the SQLite pass")
        for item in items:
            if "browser" in item.keywords or "browser" in getattr(item, "fixturenames", ()):
                item.add_marker(once)
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: set CERTIFY_TEST_DATABASE_URL=postgresql+psycopg://..."
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
    })
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        if database_url.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        else:
            db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _clean(app) -> None:
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(_cleaning_script(connection))
        else:  # sqlite3 runs one statement per call
            for statement in _cleaning_script(connection).split(";\n"):
                connection.exec_driver_sql(statement)


_CLEANING: dict[str, str] = {}


def _cleaning_script(connection) -> str:
    """One batch that empties every table, children first, and restarts PostgreSQL's sequences.

    DELETE rather than TRUNCATE: on tables of a few rows it costs ~8 ms a test on PostgreSQL
    against ~100 ms for TRUNCATE (measured on 38 tables), minutes over the suite.
    """
    dialect = connection.dialect.name
    if dialect not in _CLEANING:
        # Names come from our own metadata and catalogue, never from input.
        statements = [f'DELETE FROM "{table.name}"'  # noqa: S608
                      for table in reversed(db.metadata.sorted_tables)]
        if dialect == "postgresql":
            sequences = connection.execute(sa.text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"))
            statements += [f'ALTER SEQUENCE "{name}" RESTART' for (name,) in sequences]
        _CLEANING[dialect] = ";\n".join(statements)
    return _CLEANING[dialect]


@pytest.fixture(autouse=True)
def clean_database(app):
    with app.app_context():
        seed_branches()
        db.session.commit()
        limiter.reset()
    yield
    _clean(app)


@pytest.fixture
def cache(app):
    """The test app with a public cache (certify/core/public_cache.py) in the local Redis, under a
    key prefix of its own."""

    if not redis_is_up():
        # CI has Redis: there a missing one fails the run rather than skipping the cache tests.
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379 (CI=true)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"certify-test-{secrets.token_hex(6)}"
    app.config.update(PUBLIC_CACHE_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0",
                      PUBLIC_CACHE_KEY_PREFIX=prefix)
    public_cache.init_app(app)
    cache = app.extensions[public_cache.EXTENSION]
    yield cache
    app.extensions.pop(public_cache.EXTENSION)
    app.config["PUBLIC_CACHE_URL"] = None
    for key in cache.client.scan_iter(f"{prefix}:*"):
        cache.client.delete(key)
    cache.client.close()


@pytest.fixture
def job_queue(app, monkeypatch):
    """Background jobs on a real RQ queue in the local Redis, a queue of the test's own; yields
    the Redis client."""
    if not redis_is_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379 (CI=true)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    from redis import Redis
    from rq import Queue

    name = f"certify-test-{secrets.token_hex(6)}"
    monkeypatch.setitem(app.config, "JOBS_REDIS_URL", f"redis://{REDIS[0]}:{REDIS[1]}/0")
    monkeypatch.setitem(app.config, "JOBS_QUEUE", name)
    connection = Redis(*REDIS)
    yield connection
    queue = Queue(name, connection=connection)
    for registry in (queue.failed_job_registry, queue.finished_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)
    connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def in_app(app):
    """Run a function inside an app context and return its result (tests' own queries)."""

    def run(function, *args, **kwargs):
        with app.app_context():
            result = function(*args, **kwargs)
            db.session.commit()
            return result

    return run





@pytest.fixture
def create_user(in_app):
    """create_user(role="reviewer", branch="KZ", coordinates="RU") -> Person."""
    counter = iter(range(1, 10_000))

    unsigned: set[int] = set()

    def make(*roles, branch="KZ", coordinates=None, email=None, full_name=None,
             affiliation=None, language="en", password=PASSWORD, signs=True,
             consents=True) -> Person:
        roles = roles or ("candidate",)
        number = next(counter)
        email = email or f"{'-'.join(roles)}{number}@example.org"
        full_name = full_name or f"Person {number} {'/'.join(roles).title()}"

        def work():
            def by_code(code):
                return db.session.scalar(sa.select(Branch).where(Branch.code == code))

            user = create(
                email=email, password=password, full_name=full_name, country=branch,
                roles=roles, branch=by_code(branch),
                coordinated_branch=by_code(coordinates or branch),
                affiliation=affiliation or f"Institution {number}", preferred_language=language,
            )
            # Everyone has accepted the current privacy notice unless a test says otherwise
            # (``consents=False``: an account made by staff, the CLI or an import, never asked).
            if consents:
                privacy.record_consent(user, language)
            # Staff have signed every competition's declaration unless a test says otherwise.
            if signs:
                for competition in db.session.scalars(sa.select(Competition)):
                    sign_declarations(user, competition)
            else:
                unsigned.add(user.id)
            return Person(user.id, user.email, password, user.full_name)

        return in_app(work)

    make.unsigned = unsigned
    return make


@pytest.fixture
def admin_client(app, create_user):
    """A test client logged in as a new administrator (``client.person``)."""
    client = app.test_client()
    client.person = create_user("admin")
    login(client, client.person)
    return client


@pytest.fixture
def rubric_version(in_app):
    """The id of a small published professor rubric with three criteria (C1 must reach 2)."""

    return in_app(lambda: import_rubric(SMALL_RUBRIC).id)


@pytest.fixture
def create_competition(in_app, rubric_version, create_user):
    def make(*, opens_in_days=-10, closes_in_days=30, state="open", branches=(),
             min_reviewers=2, blind=False) -> int:
        def work():
            now = utcnow()
            competition = Competition(
                title={"en": "Test call", "ru": "Тестовый конкурс", "kk": "Сынақ конкурсы"},
                rubric_version_id=rubric_version, state=state,
                opens_at=now + timedelta(days=opens_in_days),
                closes_at=now + timedelta(days=closes_in_days),
                min_reviewers=min_reviewers, blind_review=blind,
                branches=[db.session.scalar(sa.select(Branch).where(Branch.code == code))
                          for code in branches],
            )
            db.session.add(competition)
            db.session.flush()
            for user in db.session.scalars(sa.select(User)):
                if user.id not in create_user.unsigned:
                    sign_declarations(user, competition)
            return competition.id

        return in_app(work)

    return make


@pytest.fixture
def workflow(in_app):
    """Drive the workflow through the operations, for setting up later steps."""

    class Workflow:
        def start(self, competition_id: int, candidate: Person) -> int:
            return in_app(lambda: operations.start_application(
                db.session.get(Competition, competition_id),
                db.session.get(User, candidate.id)).id)

        def fill(self, application_id: int, levels=(3, 3, 3), confirm=True) -> None:
            def work():
                application = db.session.get(Application, application_id)
                criteria = application.competition.rubric_version.criteria
                operations.save_answers(
                    application,
                    {c.id: operations.AnswerInput(level=level, narrative=f"About {c.code}")
                     for c, level in zip(criteria, levels, strict=True)},
                    eligibility_confirmed=confirm, expected_version=None,
                )

                for criterion in evidence.missing_required(application):
                    evidence.add_link(application, criterion,
                                      f"https://evidence.example.org/{criterion.code}",
                                      "Evidence", by=application.candidate)
            in_app(work)

        def attach(self, application_id: int, data: bytes, filename: str,
                   title: str | None = None) -> int:
            """The candidate attaches a file to the second criterion; its evidence id."""
            def work():
                application = db.session.get(Application, application_id)
                criterion = application.competition.rubric_version.criteria[1]
                return evidence.add_file(application, criterion, data, filename, title,
                                         by=application.candidate).id
            return in_app(work)

        def submit(self, application_id: int, candidate: Person) -> None:
            in_app(lambda: operations.submit_application(
                db.session.get(Application, application_id),
                by=db.session.get(User, candidate.id)))

        def submitted(self, competition_id: int, candidate: Person, levels=(3, 3, 3)) -> int:
            application_id = self.start(competition_id, candidate)
            self.fill(application_id, levels)
            self.submit(application_id, candidate)
            return application_id

        def check(self, application_id: int, admin: Person) -> None:
            in_app(lambda: operations.check_eligibility(
                db.session.get(Application, application_id), by=db.session.get(User, admin.id)))

        def assign(self, application_id: int, reviewer: Person, admin: Person) -> int:
            """Assign (checking the file's eligibility first, as an administrator would)."""

            def work():
                application = db.session.get(Application, application_id)
                by = db.session.get(User, admin.id)
                if application.eligibility_checked_at is None:
                    operations.check_eligibility(application, by=by)
                return operations.assign_reviewer(application, db.session.get(User, reviewer.id),
                                                  by=by).id

            return in_app(work)

        def review(self, review_id: int, levels=(3, 3, 3), submit=True) -> None:
            def work():
                review = db.session.get(Review, review_id)
                criteria = review.application.competition.rubric_version.criteria
                operations.save_review(
                    review,
                    {c.id: operations.ScoreInput(level=level, comment=f"On {c.code}")
                     for c, level in zip(criteria, levels, strict=True)},
                    submit=submit, expected_version=None, by=review.reviewer,
                )
            in_app(work)

        def decide(self, application_id: int, admin: Person, outcome="award") -> None:
            in_app(lambda: operations.decide(
                db.session.get(Application, application_id), Outcome(outcome),
                "Decided by the panel after review.", by=db.session.get(User, admin.id)))

    return Workflow()


@pytest.fixture
def under_review(create_user, create_competition, workflow):
    """An application under review by two assigned reviewers (not yet reviewed), with the
    administrator who assigned them."""
    admin = create_user("admin")
    candidate = create_user("candidate")
    reviewers = [create_user("reviewer") for _ in range(2)]
    application_id = workflow.submitted(create_competition(), candidate)
    review_ids = [workflow.assign(application_id, r, admin) for r in reviewers]
    return {"admin": admin, "candidate": candidate, "reviewers": reviewers,
            "application": application_id, "reviews": review_ids}


@pytest.fixture
def award(create_user, create_competition, workflow):
    """award(candidate=None) -> application id of a freshly awarded application."""
    admin = create_user("admin")
    competition_id = create_competition()

    def make(candidate=None, branch="KZ"):
        candidate = candidate or create_user("candidate", branch=branch)
        application_id = workflow.submitted(competition_id, candidate)
        for _ in range(2):
            workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
        workflow.decide(application_id, admin)
        return application_id

    make.admin = admin
    return make


# The scenario as built through the app by the first test of this process that asks for it: its
# return value, every table's rows and the files it wrote. Building it runs the workflow and
# signs credentials, seconds a test; the access matrix, the form fuzzing and the CSRF checks
# ask for it some 600 times a pass, so later tests get the same rows and files back instead.
_SCENARIO: dict = {}


@pytest.fixture
def scenario(app, create_user, create_competition, workflow, in_app):
    """A KZ application under review, one reviewer assigned, and a certificate elsewhere.

    Built through the app once per test process; each later test gets the same rows (and ids)
    and files back, into a database that holds nothing else yet (otherwise it is built again
    beside what is there)."""
    if _SCENARIO and _only_seeded(app):
        _restore_scenario(app)
        return copy.deepcopy(_SCENARIO["built"])
    files = _instance_files(app)
    built = _build_scenario(create_user, create_competition, workflow, in_app)
    if not _SCENARIO:
        _SCENARIO.update(built=copy.deepcopy(built), rows=_table_rows(app),
                         files={path: path.read_bytes()
                                for path in _instance_files(app) - files})
    return built


def _instance_files(app) -> set[Path]:
    """Every file under the instance folder (uploads, job results, keys)."""
    return {path for path in Path(app.instance_path).rglob("*") if path.is_file()}


def _only_seeded(app) -> bool:
    with app.app_context(), db.engine.connect() as connection:
        return not connection.scalar(sa.select(sa.func.count()).select_from(User))


def _table_rows(app) -> list[tuple[sa.Table, list[dict]]]:
    with app.app_context(), db.engine.connect() as connection:
        return [(table, [dict(row) for row in connection.execute(
            sa.select(table).order_by(*table.primary_key.columns)).mappings()])
            for table in db.metadata.sorted_tables]


def _restore_scenario(app) -> None:
    """The scenario's rows back, parents first, PostgreSQL's sequences after them, and any of
    its files an earlier test removed."""
    _clean(app)  # the branches clean_database seeded: the scenario's rows hold them
    with app.app_context(), db.engine.begin() as connection:
        for table, rows in _SCENARIO["rows"]:
            if rows:
                connection.execute(table.insert(), rows)
        if connection.dialect.name == "postgresql":
            for table, rows in _SCENARIO["rows"]:
                if rows and "id" in table.c:
                    connection.execute(
                        sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                        {"table": f'"{table.name}"', "last": max(row["id"] for row in rows)})
    for path, data in _SCENARIO["files"].items():
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def _build_scenario(create_user, create_competition, workflow, in_app):

    people = {
        "owner": create_user("candidate"),
        "other_candidate": create_user("candidate"),
        "reviewer": create_user("reviewer"),
        "unassigned_reviewer": create_user("reviewer"),
        "coordinator_other_branch": create_user("coordinator", branch="RU"),
        "coordinator": create_user("coordinator", branch="KZ"),
        "admin": create_user("admin"),
        "candidate_coordinator": create_user("coordinator", "candidate", branch="KZ"),
        "candidate_admin": create_user("admin", "candidate"),
        "candidate_reviewer": create_user("reviewer", "candidate"),
    }
    competition_id = create_competition()
    application_id = workflow.start(competition_id, people["owner"])
    workflow.fill(application_id)

    def attach_file(target):
        application = db.session.get(Application, target)
        return evidence.add_file(application, application.competition.rubric_version.criteria[1],
                                 b"%PDF-1.4\n%%EOF\n", "plan.pdf", None,
                                 by=application.candidate).id

    evidence_id = in_app(lambda: attach_file(application_id))
    workflow.submit(application_id, people["owner"])
    review_id = workflow.assign(application_id, people["reviewer"], people["admin"])

    def asked_referee(target):
        """A referee of the file, asked (through a link whose token nobody knows) and not
        yet answered."""
        application = db.session.get(Application, target)
        now = utcnow()
        referee = Referee(
            application=application, name="A Referee", email=f"referee{target}@example.org",
            organisation="A University", relationship_text="Head of department",
            language="en", state=RefereeState.asked, token_hash=secrets.token_hex(32),
            link_sent_at=now, expires_at=now + timedelta(days=21),
            claims=[RefereeClaim(criterion=application.competition.rubric_version.criteria[0])])
        db.session.add(referee)
        db.session.flush()
        return referee.id

    referee_id = in_app(lambda: asked_referee(application_id))

    def own_application(role):
        """The insider's own file, in the same state as the owner's: {application_id,
        evidence_id} for the routes they try on it (tests.support.OWN_APPLICATION_ROLES)."""
        own_id = workflow.start(competition_id, people[role])
        workflow.fill(own_id)
        own = {"application_id": own_id, "evidence_id": in_app(lambda: attach_file(own_id))}
        workflow.submit(own_id, people[role])
        workflow.assign(own_id, create_user("reviewer"), people["admin"])
        own["referee_id"] = in_app(lambda: asked_referee(own_id))
        return own

    own = {role: own_application(role) for role in OWN_APPLICATION_ROLES}

    awarded_holder = create_user("candidate")
    awarded = workflow.submitted(competition_id, awarded_holder)
    for _ in range(2):
        workflow.review(workflow.assign(awarded, create_user("reviewer"), people["admin"]))
    workflow.decide(awarded, people["admin"])
    certificate_id, number = in_app(
        lambda: tuple(db.session.execute(sa.select(Certificate.id, Certificate.number)).one())
    )

    def renewal_request():
        certificate = db.session.get(Certificate, certificate_id)
        certificate.valid_until = utcnow().date() + timedelta(days=100)  # renewal window
        entry_ids = log_cpd(awarded_holder.id, certificate.track.value, evidence=True)
        request = request_renewal(certificate, narrative="Courses and projects.",
                                  by=db.session.get(User, awarded_holder.id))
        return request.id, entry_ids[0], db.session.get(CpdEntry, entry_ids[0]).evidence[0].id

    request_id, cpd_entry_id, cpd_evidence_id = in_app(renewal_request)
    audit_id = in_app(lambda: draw_audit(2026, rate=1, seed=1).audits[0].id)

    refused_holder = create_user("candidate")
    refused = workflow.submitted(competition_id, refused_holder)
    for _ in range(2):
        workflow.review(workflow.assign(refused, create_user("reviewer"), people["admin"]))
    workflow.decide(refused, people["admin"], "refuse")

    def lodge():
        application = db.session.get(Application, refused)
        return lodge_appeal(application, "The evidence for C2 was overlooked entirely.",
                            by=application.candidate).id

    appeal_id = in_app(lodge)
    complaint_id = in_app(lambda: file_complaint(ComplaintInput(
        name="A Client", email="client@example.com", language="en",
        subject=ComplaintSubject.certificate, certificate_number=number,
        description="The holder signed off a ventilation plan they had not read."))[0].id)
    erasure_id = in_app(lambda: request_erasure(
        db.session.get(User, people["other_candidate"].id), password=PASSWORD, reason="",
        language="en").id)
    version_id = in_app(lambda: db.session.scalar(sa.select(RubricVersion.id)))

    def a_failed_message():
        message = db.session.scalars(sa.select(Notification).order_by(Notification.id)).first()
        message.attempts, message.failed_at = 1, utcnow()
        message.last_error = "SMTPRecipientsRefused: 550 no such user"
        return message.id

    # A calibration exemplar for the competition, which does not ask for calibration.
    exemplar_id = in_app(lambda: make_exemplar(db.session.get(Competition, competition_id),
                                               db.session.get(User, people["admin"].id)).id)
    def invitation():
        """The KZ coordinator's invitation to the pool, waiting for an answer."""
        row = ReviewerInvitation(
            email="invited@example.org", language="en", token_hash="0" * 64,
            branch_id=db.session.scalar(sa.select(Branch.id).where(Branch.code == "KZ")),
            invited_by_id=people["coordinator"].id, link_sent_at=utcnow(),
            expires_at=utcnow() + timedelta(days=14))
        db.session.add(row)
        db.session.flush()
        return row.id

    invitation_id = in_app(invitation)

    def reviewer_credential():
        """A signed credential of the reviewer's work in the competition, made directly (the
        competition is not closed: issuing it would be refused)."""
        reviewer = db.session.get(User, people["reviewer"].id)
        record = ReviewerCredential(
            public_id=str(uuid.uuid4()), competition_id=competition_id, reviewer=reviewer,
            competition_title={"en": "Test call"}, reviewer_name=reviewer.full_name,
            files_reviewed=1, reviews_on_time=1, calibration_completed=False,
            issued_by_id=people["admin"].id, subject_salt="")
        db.session.add(record)
        db.session.flush()
        sign_reviewer_credential(record)
        return record.id, record.public_id

    credential_id, public_id = in_app(reviewer_credential)
    values = {
        "erasure_id": erasure_id,
        "lang": "ru",
        "competition_id": competition_id,
        "application_id": application_id,
        "review_id": review_id,
        "certificate_id": certificate_id,
        "number": number,
        "version_id": version_id,
        "old_id": version_id,
        "new_id": version_id,
        "rubric_id": in_app(lambda: db.session.get(RubricVersion, version_id).rubric_id),
        "criterion_id": in_app(lambda: db.session.get(RubricVersion, version_id).criteria[0].id),
        "direction": "down",
        "kind": "ratings",
        "action": "suspend",
        "list_name": "revocation-1",
        "request_id": request_id,
        "entry_id": cpd_entry_id,
        "cpd_evidence_id": cpd_evidence_id,
        "audit_id": audit_id,
        "evidence_id": evidence_id,
        "appeal_id": appeal_id,
        "complaint_id": complaint_id,
        "user_id": people["other_candidate"].id,
        "change": "enable",
        "fmt": "xlsx",
        "token": "not-a-valid-token",
        "invitation_id": invitation_id,
        "referee_id": referee_id,
        "rubric_code": in_app(lambda: db.session.get(RubricVersion, version_id).rubric.code),
        "version_number": in_app(lambda: db.session.get(RubricVersion, version_id).number),
        "track": "professor",
        "band": "none",
        "own": own,
        "branch_id": in_app(lambda: db.session.scalar(sa.select(Branch.id)
                                                      .where(Branch.code == "KZ"))),
        "activation": "activate",
        "role": "reviewer",
        "version": "2026-11",
        "notification_id": in_app(a_failed_message),
        "job_id": in_app(lambda: jobs.start(ANNUAL_REPORT, owner_id=people["admin"].id,
                                            title="Annual report", params={"year": 2026}).id),
        "exemplar_id": exemplar_id,
        "subscription_id": 1,
        "credential_id": credential_id,
        "public_id": public_id,
    }
    return people, values


# The browser tests: a live server, Debian's Chromium driven by Playwright (tests/web/).


@pytest.fixture
def live_app(app):
    """The app the live server serves: CSRF on, as in production, on the test database.

    A test may change its config (e.g. PUBLIC_BASE_URL) with monkeypatch before the requests.
    """
    live = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True,
                       "DATABASE_URL": app.config["DATABASE_URL"],
                       "SIGNING_KEY_DIR": str(Path(app.instance_path) / "keys"),
                       "UPLOAD_DIR": str(Path(app.instance_path) / "uploads")})
    yield live
    with live.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    """``live_app`` served on a free port of the loopback address; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        instance = driver.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield instance
        instance.close()


@pytest.fixture
def smtp_server(start_smtp_server):
    """A real SMTP server (aiosmtpd) on a free loopback port, set as the app's mail server;
    yields the list of messages it receives (``email.message.EmailMessage``)."""
    return start_smtp_server()


@pytest.fixture
def start_smtp_server(app, monkeypatch):
    """Start a real SMTP server (aiosmtpd) on a free loopback port and make it the app's:
    ``start(refuse={address: "550 …"}, tls=(cert_file, key_file))`` returns the list its
    messages arrive in. With ``tls`` it requires STARTTLS before any mail."""
    controllers = []

    def start(*, refuse: dict[str, str] | None = None, tls: tuple[Path, Path] | None = None):
        received: list[EmailMessage] = []
        refused = refuse or {}

        class Keep:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in refused:
                    return refused[address]
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                received.append(message_from_bytes(envelope.content,
                                                   policy=email_policy.default))
                return "250 Message accepted"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        options = {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            options = {"tls_context": context, "require_starttls": True}
        controller = Controller(Keep(), hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        return received

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def fill_lists(in_app, create_competition, rubric_version):
    """fill_lists(count, branch="KZ") adds ``count`` rows to every staff list
    (``tests.support.add_list_rows``)."""
    numbers = iter(range(1_000_000))
    competition_id = create_competition()

    def fill(count: int, branch: str = "KZ") -> None:
        in_app(lambda: add_list_rows([next(numbers) for _ in range(count)], branch,
                                     competition_id, rubric_version))

    return fill
