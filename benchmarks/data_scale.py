"""Data at scale: time and peak memory of the commands and downloads that read a whole data set
(issue 17): competition analytics, each export, ``scores verify``, ``audit verify``, ``backup``
and ``restore``.

    .venv/bin/python benchmarks/data_scale.py --url postgresql+psycopg://postgres@HOST/DB \\
        --scale 10 [--generate] [--work DIR] [--only analytics,backup,...]

``--generate`` fills the (empty) database with SCALE × one real call: per 1×, 200
applications over three competitions (12 criteria, 3 submitted reviews each, so 600 reviews
and 7,200 ratings, plus the self-assessments), 150 decisions recorded as the engine computes
them, 100 certificates issued and signed, and 3,000 audit entries chained after the rest. The
rows go in through the models in bulk (``insert(Model)``: their types, defaults and the
database's constraints), the certificates through ``issue_certificate``.

Each measurement then runs in a fresh process, after the imports and the app are made: the
time, the CPU time (this process's and its workers': on a shared machine the steadier
figure), the peak RSS during the work (VmHWM, reset just before it) and its growth over the RSS
before the work. Backup and restore use one worker per core unless
``CERTIFY_BACKUP_VERIFY_PROCESSES`` says otherwise. The
restore goes into a new database on the same server (``<DB>_restore``), dropped afterwards.
Run it with the checkout to measure first on ``PYTHONPATH`` (``PYTHONPATH=. .venv/bin/python
benchmarks/data_scale.py ...``); another checkout's path measures that code on the same data.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.*, as a script

PER_SCALE = {"applications": 200, "decisions": 150, "certificates": 100, "audit": 3000}
REVIEWS_PER_APPLICATION = 3
CHUNK = 5000
EXPORTS = [f"export {kind}.{fmt}" for kind in ("ratings", "panel", "results")
           for fmt in ("csv", "xlsx")]
OPERATIONS = ["analytics", *EXPORTS, "scores verify", "audit verify", "backup", "restore"]


def _status_mb(field: str) -> float | None:
    """VmRSS (now) or VmHWM (peak) of this process from /proc, in MB (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> None:
    """Start the peak RSS (VmHWM) afresh, so it is the work's and not the imports' (Linux)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _rss_mb() -> float:
    """The peak RSS since _reset_peak (getrusage's lifetime peak where /proc is missing)."""
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (backup's and restore's worker
    processes): on a shared machine, the figure that does not depend on the others' load. (The
    children's peak RSS is not shown: Linux counts a spawned worker's peak from before its exec,
    i.e. this process's; measured apart, a worker holds about 75 MB.)"""
    return sum(usage.ru_utime + usage.ru_stime for usage in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


def make_app(url: str, work: Path):
    from certify.web.app import create_app

    # Backup and restore check signatures on every core, as in production, unless told.
    processes = int(os.environ.get("CERTIFY_BACKUP_VERIFY_PROCESSES") or 0) or None
    return create_app({"TESTING": True, "DATABASE_URL": url,
                       "SIGNING_KEY_DIR": str(work / "keys"),
                       "UPLOAD_DIR": str(work / "uploads"),
                       "BACKUP_VERIFY_PROCESSES": processes})


# Generation ------------------------------------------------------------------------------------


def generate(url: str, work: Path, scale: int) -> dict[str, int]:
    import numpy as np
    import pandas as pd
    from flask_babel import force_locale
    from flask_migrate import upgrade

    from assessments import scoring
    from assessments.analytics import criteria_frame
    from assessments.declarations import declaration_text
    from assessments.models import (
        Application,
        ApplicationAnswer,
        Competition,
        Decision,
        ImpartialityDeclaration,
        Review,
        ReviewScore,
    )
    from assessments.reviewers.severity import review_weighted_score
    from benchmarks.scale_records import add_records
    from certify.certificates.operations import issue_certificate
    from certify.core.audit import GENESIS, AuditEvent, entry_hash
    from certify.core.db_types import utcnow
    from certify.core.extensions import db
    from certify.users.models import Branch, Role, RoleAssignment, User
    from certify.users.operations import create_user
    from rubrics.io import import_library, version_hash

    app = make_app(url, work)
    rng = np.random.default_rng(17)
    counts = {name: per * scale for name, per in PER_SCALE.items()}
    with app.app_context():
        upgrade()
        kz = db.session.scalar(sa.select(Branch).where(Branch.code == "KZ"))
        versions = import_library()
        now = utcnow()
        admin = create_user(email="admin@scale.example", password="x" * 16,
                            full_name="Scale Admin", country="KZ", roles=["admin"], branch=kz)
        competitions = []
        for number, share in enumerate((0.4, 0.3, 0.3)):
            version = versions[number % len(versions)]
            competition = Competition(
                title={"en": f"Scale call {number}"}, rubric_version=version, state="closed",
                opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30))
            db.session.add(competition)
            competitions.append((competition, share))
        db.session.flush()
        with force_locale("en"):
            for competition, _share in competitions:
                text = declaration_text(competition)
                db.session.add(ImpartialityDeclaration(
                    user_id=admin.id, competition_id=competition.id,
                    text_version=text.version, text_sha256=text.sha256,
                    language=text.language, signed_name=admin.full_name))
        db.session.commit()

        def next_id(model) -> int:
            return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1

        def bulk(model, rows: list[dict]) -> None:
            for start in range(0, len(rows), CHUNK):
                db.session.execute(sa.insert(model), rows[start:start + CHUNK])

        reviewers = max(9, 3 * scale)
        user_id, role_id = next_id(User), next_id(RoleAssignment)
        people = [{"id": user_id + i, "email": f"person{i}@scale.example", "password_hash": "-",
                   "full_name": f"Scale Person {i}", "country": "KZ", "branch_id": kz.id,
                   "preferred_language": "en", "affiliation": f"University {i % 40}",
                   "email_verified_at": now - timedelta(days=90)}
                  for i in range(counts["applications"] + reviewers)]
        bulk(User, people)
        bulk(RoleAssignment, [
            {"id": role_id + i, "user_id": person["id"],
             "role": Role.reviewer if i < reviewers else Role.candidate}
            for i, person in enumerate(people)])
        reviewer_ids = [person["id"] for person in people[:reviewers]]
        candidates = iter(person["id"] for person in people[reviewers:])

        application_id, answer_id = next_id(Application), next_id(ApplicationAnswer)
        review_id, score_id = next_id(Review), next_id(ReviewScore)
        decided_total = 0
        for competition, share in competitions:
            version = competition.rubric_version
            criteria = criteria_frame(version)
            size = int(counts["applications"] * share)
            applications, answers, reviews, scores = [], [], [], []
            for _ in range(size):
                applications.append({
                    "id": application_id, "competition_id": competition.id,
                    "candidate_id": next(candidates), "branch_id": kz.id,
                    "state": "under_review", "eligibility_confirmed": True,
                    "submitted_at": now - timedelta(days=40)})
                ability = rng.integers(1, 5)
                for criterion in criteria.itertuples():
                    answers.append({"id": answer_id, "application_id": application_id,
                                    "criterion_id": criterion.criterion_id,
                                    "level": int(min(criterion.max_level, ability + 1)),
                                    "narrative": "My practice."})
                    answer_id += 1
                for reviewer in rng.choice(reviewer_ids, REVIEWS_PER_APPLICATION,
                                           replace=False):
                    rated = []
                    for criterion in criteria.itertuples():
                        level = int(np.clip(ability + rng.integers(-1, 2), 0,
                                            criterion.max_level))
                        scores.append({"id": score_id, "review_id": review_id,
                                       "criterion_id": criterion.criterion_id, "level": level,
                                       "comment": "Seen in the evidence."})
                        rated.append((criterion.weight, level, criterion.max_level))
                        score_id += 1
                    reviews.append({"id": review_id, "application_id": application_id,
                                    "reviewer_id": int(reviewer), "state": "submitted",
                                    "submitted_at": now - timedelta(days=35),
                                    "weighted_score": review_weighted_score(rated)})
                    review_id += 1
                application_id += 1
            bulk(Application, applications)
            bulk(ApplicationAnswer, answers)
            bulk(Review, reviews)
            bulk(ReviewScore, scores)

            # Decisions as the engine records them, for the first share of the applications.
            by_review = {r["id"]: r for r in reviews}
            ratings = pd.DataFrame(
                [(by_review[s["review_id"]]["application_id"],
                  by_review[s["review_id"]]["reviewer_id"], s["criterion_id"], s["level"])
                 for s in scores], columns=list(scoring.RATING_COLUMNS))
            results = scoring.score_panel(ratings, criteria,
                                          pass_threshold=version.pass_threshold,
                                          floor=version.floor_level)
            means = ratings.groupby(["assessment_id", "criterion_id"])["level"].mean()
            codes = dict(zip(criteria["criterion_id"], criteria["code"], strict=True))
            digests = {int(a): scoring.ratings_digest(part)
                       for a, part in ratings.groupby("assessment_id")}
            content_hash = version_hash(version)
            decided = int(counts["decisions"] * share)
            decisions = []
            for assessment, row in results.head(decided).iterrows():
                recommended = bool(row["recommended"])
                band = scoring.award_band(
                    float(row["score"]),
                    {codes[c]: float(m) for c, m in means.loc[assessment].items()},
                    version.bands) if recommended else None
                decisions.append({
                    "application_id": int(assessment), "reason": "Decided by the panel.",
                    "outcome": "award" if recommended else "refuse",
                    "score": float(row["score"]), "recommended": recommended,
                    "rubric_content_hash": content_hash,
                    "engine_version": scoring.ENGINE_VERSION,
                    "ratings_hash": digests[int(assessment)], "band": band,
                    "decided_by_id": admin.id, "decided_at": now - timedelta(days=20)})
            bulk(Decision, decisions)
            db.session.execute(sa.update(Application).where(Application.id.in_(
                [d["application_id"] for d in decisions])).values(state="decided"))
            decided_total += len(decisions)
            db.session.commit()

        awarded = db.session.scalars(
            sa.select(Application).join(Decision).where(Decision.outcome == "award")
            .order_by(Application.id).limit(counts["certificates"])).all()
        for number, application in enumerate(awarded, start=1):
            issue_certificate(application, by=admin, band=application.decision.band)
            if number % 200 == 0:
                db.session.commit()
        db.session.commit()

        previous = db.session.scalar(
            sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
        event_id = next_id(AuditEvent)
        events = []
        for number in range(counts["audit"]):
            created = now - timedelta(seconds=counts["audit"] - number)
            data = {"note": f"scale entry {number}"}
            digest = entry_hash(previous, created, admin.id, "scale.entry", "User", admin.id,
                                data)
            events.append({"id": event_id + number, "created_at": created,
                           "actor_id": admin.id, "action": "scale.entry",
                           "object_type": "User", "object_id": admin.id, "data": data,
                           "prev_hash": previous, "hash": digest})
            previous = digest
        bulk(AuditEvent, events)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            for table in ("users", "user_roles", "applications", "application_answers",
                          "reviews", "review_scores", "audit_events"):
                db.session.execute(sa.text(  # our own table names, not input
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"))
            db.session.commit()
        add_records(scale)  # after the sequences: it makes an account the usual way
        totals = {table: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                  for table, model in (("applications", Application), ("reviews", Review),
                                       ("ratings", ReviewScore), ("decisions", Decision),
                                       ("audit entries", AuditEvent))}
        from certify.certificates.models import Certificate

        totals["certificates"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(Certificate))
        db.session.remove()
        from certify.web.backup import refresh_statistics

        refresh_statistics()  # as after a restore: a bulk load leaves the planner blind
    return totals


# One measurement, in its own process ---------------------------------------------------------


def _download(app, path: str) -> int:
    """The page or file as a browser gets it: the whole body, counted chunk by chunk."""
    from flask_login import login_user

    from certify.core.extensions import db
    from certify.users.models import User

    with app.test_request_context(path):
        user = db.session.scalar(sa.select(User).where(User.email == "admin@scale.example"))
        login_user(user)
        response = app.full_dispatch_request()
        assert response.status_code == 200, (path, response.status_code)
        size = sum(len(chunk) for chunk in response.iter_encoded())
        response.close()
    return size


def measure(url: str, work: Path, operation: str) -> dict:
    from certify.core.extensions import db

    app = make_app(url, work)
    with app.app_context():
        from assessments.models import Competition

        competition = db.session.scalar(sa.select(Competition.id).order_by(Competition.id))
        db.session.remove()
    _reset_peak()
    before = _status_mb("VmRSS") or _rss_mb()
    cpu_before = _cpu_seconds()
    start = time.perf_counter()
    detail = ""
    if operation == "analytics":
        detail = f"{_download(app, f'/manage/competitions/{competition}/analytics'):,} bytes"
    elif operation.startswith("export "):
        name = operation.removeprefix("export ")
        detail = f"{_download(app, f'/manage/competitions/{competition}/export/{name}'):,} bytes"
    elif operation in ("scores verify", "audit verify"):
        result = app.test_cli_runner().invoke(args=operation.split())
        detail = result.output.strip().splitlines()[-1]
        assert result.exit_code == 0, result.output
    elif operation == "backup":
        archive = work / "scale.tar.gz"
        archive.unlink(missing_ok=True)
        result = app.test_cli_runner().invoke(args=["backup", "--output", str(archive)])
        assert result.exit_code == 0, result.output
        detail = f"archive {archive.stat().st_size / 1e6:.1f} MB"
    elif operation == "restore":
        target = sa.make_url(url).set(database=f"{sa.make_url(url).database}_restore")
        restored = make_app(target.render_as_string(hide_password=False), work)
        result = restored.test_cli_runner().invoke(
            args=["restore", "--yes", str(work / "scale.tar.gz")])
        assert result.exit_code == 0, result.output
        detail = result.output.strip().splitlines()[-1][:60]
    seconds = time.perf_counter() - start
    return {"operation": operation, "seconds": seconds, "peak_mb": _rss_mb(),
            "growth_mb": _rss_mb() - before, "detail": detail,
            "cpu_seconds": _cpu_seconds() - cpu_before}


def _restore_database(url: str, create: bool) -> None:
    if not url.startswith("postgresql"):
        return
    name = f"{sa.make_url(url).database}_restore"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def run_measured(url: str, work: Path, operation: str) -> dict:
    """``measure`` in a fresh process (a restore into ``<DB>_restore``, dropped after); its
    row, or {"failed": the child's last line of errors}."""
    if operation == "restore":
        _restore_database(url, create=True)
    child = subprocess.run(  # noqa: S603 (this script, with the operator's arguments)
        [sys.executable, __file__, "--url", url, "--work", str(work), "--measure", operation],
        capture_output=True, text=True, env=os.environ.copy(), check=False)
    if operation == "restore":
        _restore_database(url, create=False)
    if child.returncode:
        return {"failed": " ".join(child.stderr.strip().splitlines()[-1:])}
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the database")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--generate", action="store_true", help="fill the empty database first")
    parser.add_argument("--work", help="folder for keys and archives (kept between runs)")
    parser.add_argument("--only", help="comma-separated operations (default: all)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # one operation, in a child
    arguments = parser.parse_args()
    work = Path(arguments.work or tempfile.mkdtemp(prefix="certify-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    if arguments.measure:
        print(json.dumps(measure(arguments.url, work, arguments.measure)))
        return
    if arguments.generate:
        start = time.perf_counter()
        totals = generate(arguments.url, work, arguments.scale)
        print(f"generated {arguments.scale}× in {time.perf_counter() - start:.0f} s: "
              + ", ".join(f"{count:,} {name}" for name, count in totals.items()))
    operations = arguments.only.split(",") if arguments.only else OPERATIONS
    print(f"{'operation':24s} {'time':>9s} {'CPU':>9s} {'peak RSS':>10s} {'growth':>9s}  detail")
    for operation in operations:
        row = run_measured(arguments.url, work, operation)
        if "failed" in row:
            print(f"{operation:24s} failed: {row['failed']}")
            continue
        print(f"{operation:24s} {row['seconds']:8.2f}s {row.get('cpu_seconds', 0):8.2f}s "
              f"{row['peak_mb']:8.0f}MB {row['growth_mb']:+8.0f}MB  {row['detail']}")


if __name__ == "__main__":
    main()
