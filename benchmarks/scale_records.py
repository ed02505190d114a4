"""What the staff lists show besides a call's applications, added to a database that
``data_scale.py --generate`` filled: the mail outbox, renewal requests, appeals, and four
people the scale benchmark logs in as (issue 17).

Per 1×: 750 outbox messages (most sent, some waiting, some failed with the server's answer),
20 renewal requests (15 pending, 5 refused) and 10 open appeals against refusals. The rows go
in through the models in bulk, as the generator's do; the logins get a password, a proven
address, their consent to the privacy notice (through ``record_consent``, so its audit entry
is chained) and, for the coordinator, an account made by ``create_user``. Adding twice adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

PER_SCALE = {"outbox": 750, "renewals": 20, "appeals": 10}
PASSWORD = "scale-benchmark-17-password"  # noqa: S105 - generated data only, never production
ADMIN_EMAIL = "admin@scale.example"
COORDINATOR_EMAIL = "coordinator@scale.example"
OUTBOX_KINDS = ("decision", "review-assigned", "review-reminder", "submission-receipt")


def logins() -> dict[str, str]:
    """role -> email of the people the benchmark logs in as: the administrator, the
    coordinator, the busiest reviewer and the holder of the first certificate."""
    from assessments.models import Review
    from certify.certificates.models import Certificate
    from certify.core.extensions import db
    from certify.users.models import User

    busiest = db.session.scalar(
        sa.select(Review.reviewer_id).group_by(Review.reviewer_id)
        .order_by(sa.func.count().desc(), Review.reviewer_id).limit(1))
    holder = db.session.scalar(
        sa.select(Certificate.holder_id).order_by(Certificate.id).limit(1))
    email = {user_id: address for user_id, address in db.session.execute(
        sa.select(User.id, User.email).where(User.id.in_([busiest, holder])))}
    return {"admin": ADMIN_EMAIL, "coordinator": COORDINATOR_EMAIL,
            "reviewer": email[busiest], "candidate": email[holder]}


def add_records(scale: int) -> dict[str, int]:
    """Add the rows above for SCALE (inside an app context); the counts added (none when the
    database has them already)."""
    from assessments.models import Appeal, Application, Decision
    from certify.certificates.models import Certificate, RenewalRequest
    from certify.core.db_types import utcnow
    from certify.core.extensions import db
    from certify.core.outbox import Notification
    from certify.core.passwords import hash_password, verify_password
    from certify.users import privacy
    from certify.users.models import Branch, User
    from certify.users.operations import create_user

    now = utcnow()
    admin = db.session.scalar(sa.select(User).where(User.email == ADMIN_EMAIL))
    if not db.session.scalar(sa.select(User.id).where(User.email == COORDINATOR_EMAIL)):
        kz = db.session.scalar(sa.select(Branch).where(Branch.code == "KZ"))
        create_user(email=COORDINATOR_EMAIL, password=PASSWORD, full_name="Scale Coordinator",
                    country="KZ", roles=["coordinator"], branch=kz)
        db.session.flush()
    for email in logins().values():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if not verify_password(user.password_hash, PASSWORD):
            user.password_hash = hash_password(PASSWORD)
        user.email_verified_at = user.email_verified_at or now
        privacy.record_consent(user, "en")
    db.session.commit()
    if db.session.scalar(sa.select(Notification.id).where(Notification.dedup_key == "scale:0")):
        return {}

    people = db.session.scalars(sa.select(User.id).where(User.email.like("person%"))
                                .order_by(User.id)).all()
    outbox = []
    for number in range(PER_SCALE["outbox"] * scale):
        created = now - timedelta(minutes=PER_SCALE["outbox"] * scale - number)
        row = {"user_id": people[number % len(people)], "kind": OUTBOX_KINDS[number % 4],
               "dedup_key": f"scale:{number}", "language": "en",
               "subject": f"Scale message {number}", "body": "A message of the scale data.",
               "created_at": created, "attempts": 0, "sent_at": None, "failed_at": None,
               "last_error": None, "next_attempt_at": None}
        if number % 100 < 90:
            row["sent_at"] = created + timedelta(seconds=30)
        elif number % 100 < 97:
            row.update(attempts=1, last_error="421 Service not available, try later",
                       next_attempt_at=now + timedelta(minutes=2))
        else:
            row.update(attempts=6, failed_at=created + timedelta(hours=1),
                       last_error="550 5.1.1 Mailbox unavailable")
        outbox.append(row)
    _bulk(Notification, outbox)

    certificates = db.session.scalars(sa.select(Certificate.id).order_by(Certificate.id)
                                      .limit(PER_SCALE["renewals"] * scale)).all()
    renewals = []
    for number, certificate in enumerate(certificates):
        refused = number % 4 == 3
        renewals.append({
            "certificate_id": certificate, "cpd_hours": 40 + number % 60,
            "narrative": "Courses and site work since the award.", "evidence_url": None,
            "state": "refused" if refused else "pending",
            "created_at": now - timedelta(days=10, minutes=number),
            "decided_at": now - timedelta(days=2) if refused else None,
            "decided_by_id": admin.id if refused else None,
            "reason": "Too few hours of development." if refused else None,
            "new_certificate_id": None})
    _bulk(RenewalRequest, renewals)

    refused = db.session.scalars(
        sa.select(Application.id).join(Decision).where(Decision.outcome == "refuse")
        .order_by(Application.id).limit(PER_SCALE["appeals"] * scale)).all()
    _bulk(Appeal, [{"application_id": application, "state": "open",
                    "grounds": "The panel overlooked my evidence for criterion 3.",
                    "created_at": now - timedelta(days=5)} for application in refused])
    db.session.commit()
    return {"outbox messages": len(outbox), "renewal requests": len(renewals),
            "appeals": len(refused)}


def _bulk(model, rows: list[dict], chunk: int = 5000) -> None:
    from certify.core.extensions import db

    for start in range(0, len(rows), chunk):
        db.session.execute(sa.insert(model), rows[start:start + chunk])
