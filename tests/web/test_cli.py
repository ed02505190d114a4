"""Command-line tools: demo, create-user, certificates list, rubrics import."""

import json

import sqlalchemy as sa

from assessments.models import (
    Application,
    Competition,
    Decision,
    ImpartialityDeclaration,
    Review,
    ReviewScore,
)
from certify.certificates.cpd.models import CpdEntry
from certify.core.extensions import db
from certify.users.models import User
from rubrics.models import Level, Rubric
from tests.support import SMALL_RUBRIC


def test_demo_loads_every_state_and_is_idempotent(runner, in_app):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Certify-Demo-2026" in first.output

    def counts():
        states = sorted(db.session.scalars(sa.select(Application.state)))
        people = db.session.scalar(sa.select(sa.func.count(User.id)))
        rubrics = sorted(db.session.scalars(sa.select(Rubric.code)))
        return states, people, rubrics

    before = in_app(counts)
    states, people, rubrics = before
    assert set(states) == {"draft", "submitted", "under_review", "decided", "withdrawn"}
    assert people == 9 and rubrics == ["CME", "UPME"]

    # The past calls keep version 1 (their decisions verify against it); the current ones use
    # version 2 of each rubric.
    def versions_by_call():
        return sorted((c.title["en"].split(" — ")[1], c.rubric_version.label)
                      for c in db.session.scalars(sa.select(Competition)))

    assert in_app(versions_by_call) == [
        ("2020 call", "UPME v1"), ("2021 call", "CME v1"),
        ("2026/27 call", "CME v2"), ("2026/27 call", "UPME v2")]
    verified = runner.invoke(args=["scores", "verify"])
    assert verified.exit_code == 0, verified.output

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "nothing changed" in second.output
    assert in_app(counts) == before

    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(CpdEntry.id)))) == 2
    listing = runner.invoke(args=["certificates", "list", "--json"])
    rows = json.loads(listing.output)
    assert {row["status"] for row in rows} == {"valid", "expired", "revoked"}
    assert set(rows[0]) == {"number", "status", "holder_name", "track", "valid_until"}


def test_demo_accounts_can_log_in(runner, client):
    runner.invoke(args=["demo"])
    for email in ("admin@certify.example", "coordinator.kz@certify.example",
                  "reviewer1@certify.example", "candidate1@certify.example"):
        response = client.post("/login", data={"email": email, "password": "Certify-Demo-2026"})
        assert response.status_code == 302, email
        client.post("/logout")


def test_create_user(runner, in_app):
    result = runner.invoke(args=[
        "create-user", "--email", "Coord@Example.org", "--name", "Olga Ivanova",
        "--role", "coordinator", "--role", "reviewer", "--branch", "ru",
        "--password", "a very long passphrase",
    ])
    assert result.exit_code == 0, result.output

    def load():
        user = db.session.scalar(sa.select(User))
        return user.email, sorted(user.roles), user.coordinated_branch_ids == {user.branch_id}

    assert in_app(load) == ("coord@example.org", ["coordinator", "reviewer"], True)


def test_create_user_refuses_bad_input_and_writes_nothing(runner, in_app, create_user):
    create_user("admin", email="taken@example.org")
    cases = [
        ["--email", "taken@example.org", "--name", "X", "--role", "admin",
         "--password", "a very long passphrase"],
        ["--email", "new@example.org", "--name", "X", "--role", "admin", "--password", "short"],
        ["--email", "new@example.org", "--name", "X", "--role", "coordinator", "--branch", "ZZ",
         "--password", "a very long passphrase"],
        ["--email", "new@example.org", "--name", "X", "--role", "pope",
         "--password", "a very long passphrase"],
    ]
    for args in cases:
        result = runner.invoke(args=["create-user", *args])
        assert result.exit_code != 0, args
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(User.id)))) == 1


def test_certificates_list_is_empty_json_without_certificates(runner):
    result = runner.invoke(args=["certificates", "list", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_rubrics_import_reports_problems_with_paths(runner, tmp_path, in_app):
    broken = json.loads(json.dumps(SMALL_RUBRIC))
    del broken["version"]["criteria"][1]["levels"][2]["descriptor"]["kk"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = runner.invoke(args=["rubrics", "import", str(path)])
    assert result.exit_code == 1
    assert "criteria[1].levels[2].descriptor.kk: missing" in result.output
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Rubric.id)))) == 0

    path.write_text(json.dumps(SMALL_RUBRIC))
    result = runner.invoke(args=["rubrics", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported TEST-P version 1" in result.output


def test_scores_verify_finds_every_kind_of_tampering(runner, in_app):
    runner.invoke(args=["demo"])
    clean = runner.invoke(args=["scores", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "4 decisions checked, 0 mismatches" in clean.output

    def tamper_score():
        decision = db.session.scalar(sa.select(Decision).where(Decision.outcome == "refuse"))
        decision.score += 5
        return decision.id

    tampered = in_app(tamper_score)
    result = runner.invoke(args=["scores", "verify"])
    assert result.exit_code == 1
    assert f"decision {tampered} " in result.output and "recomputes as" in result.output

    def tamper_rating():
        decision = db.session.get(Decision, tampered)
        decision.score -= 5
        review = decision.application.submitted_reviews[0]
        score = db.session.scalar(sa.select(ReviewScore).where(ReviewScore.review_id == review.id)
                                  .order_by(ReviewScore.id))
        score.level = 4 if score.level != 4 else 0

    in_app(tamper_rating)
    result = runner.invoke(args=["scores", "verify"])
    assert result.exit_code == 1
    assert "ratings differ" in result.output

    def tamper_rubric_behind_the_orm():
        level_id = db.session.scalar(sa.select(Level.id).order_by(Level.id))
        db.session.execute(sa.update(Level).where(Level.id == level_id)
                           .values(descriptor={"en": "rewritten in the database"}))

    in_app(tamper_rubric_behind_the_orm)
    result = runner.invoke(args=["scores", "verify"])
    assert "rubric version content does not match" in result.output


def test_demo_staff_signed_their_declarations_but_one(runner, in_app, client):
    """Demo staff signed every competition's declaration, except reviewer3 for the open UPME
    call, where their draft review waits behind the signing page."""
    runner.invoke(args=["demo"])

    def unsigned():
        staff = db.session.scalars(sa.select(User).where(User.email.not_like("candidate%")))
        signed = set(db.session.execute(sa.select(ImpartialityDeclaration.user_id,
                                                  ImpartialityDeclaration.competition_id)))
        return [(user.email, competition.title["en"])
                for user in staff for competition in db.session.scalars(sa.select(Competition))
                if (user.id, competition.id) not in signed]

    assert in_app(unsigned) == [("reviewer3@certify.example",
                                 "UNESCO Professor of Mining Engineering — 2026/27 call")]
    client.post("/login", data={"email": "reviewer3@certify.example",
                                "password": "Certify-Demo-2026"})
    draft = in_app(lambda: db.session.scalar(sa.select(Review.id).join(Review.reviewer).where(
        User.email == "reviewer3@certify.example", Review.state == "draft")))
    assert "/declaration?next=" in client.get(f"/reviews/{draft}").headers["Location"]


def test_readme_commands_run_on_the_demo_instance_without_its_environment(tmp_path, monkeypatch):
    """After `make run`, `flask --app certify send-outbox` and `certificates list` work as the
    README writes them: no CERTIFY_DEMO, no public address in the environment (issue 17)."""
    from certify.web.app import create_app

    monkeypatch.setenv("CERTIFY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CERTIFY_DEMO", "1")
    monkeypatch.setenv("CERTIFY_PUBLIC_BASE_URL", "http://127.0.0.1:5057")
    demo_app = create_app()
    with demo_app.app_context():
        db.create_all()
    loaded = demo_app.test_cli_runner().invoke(args=["demo"])
    assert loaded.exit_code == 0, loaded.output
    assert "DEMO = true" in (tmp_path / "settings.toml").read_text()
    with demo_app.app_context():
        db.engine.dispose()

    monkeypatch.delenv("CERTIFY_DEMO")
    monkeypatch.delenv("CERTIFY_PUBLIC_BASE_URL")
    later = create_app()
    assert later.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5057"
    listed = later.test_cli_runner().invoke(args=["certificates", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output), "the demo's certificates are listed"
    sent = later.test_cli_runner().invoke(args=["send-outbox"])
    assert sent.exit_code == 0, sent.output
    with later.app_context():
        db.engine.dispose()


def test_the_environment_overrides_the_instance_settings(tmp_path, monkeypatch):
    from certify.web.app import create_app

    (tmp_path / "settings.toml").write_text('DEMO = true\nPUBLIC_BASE_URL = "http://a.example"\n')
    monkeypatch.setenv("CERTIFY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CERTIFY_PUBLIC_BASE_URL", "https://certify.example.org")
    assert create_app().config["PUBLIC_BASE_URL"] == "https://certify.example.org"


def test_the_demo_settings_configure_two_placeholder_signatories(tmp_path, monkeypatch):
    """`flask demo` writes the demo's signatories (docs/certificate-pdf.md) into the instance
    settings: the Centre's director for every certificate, the branch head's for KZ only."""
    from certify.web.app import create_app
    from certify.web.cli import remember_demo_settings

    monkeypatch.setenv("CERTIFY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CERTIFY_DEMO", "1")
    with create_app().app_context():
        remember_demo_settings()
    monkeypatch.delenv("CERTIFY_DEMO")
    signatories = create_app().config["CERTIFICATE_SIGNATORIES"]
    assert [(s["title"]["en"], s.get("branches")) for s in signatories] == [
        ("Director of the Centre", None), ("Head of the Kazakhstan branch", ["KZ"])]
    assert all(set(s["name"]) == set(s["title"]) == {"en", "ru", "kk"} for s in signatories)
