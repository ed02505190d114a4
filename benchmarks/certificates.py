"""Benchmark of certificates (run: .venv/bin/python benchmarks/certificates.py [COUNT]).

Issues COUNT (default 1,000) certificates with their signed Open Badges 3.0 credential, renders
each PDF, then verifies every credential through the public API, on a throw-away SQLite
database, and prints the throughput of each step, then what each proof of the set
(eddsa-jcs-2022, eddsa-rdfc-2022) costs to make and to check for one credential. Target (the
certificates issue): the whole run under 30 s on a 2-core machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

WORKERS = 2


def _render_size(document) -> int:
    from certify.certificates.pdf import render_pdf

    return len(render_pdf(document))


def _proof_costs(credential: dict, rounds: int = 100) -> dict[str, float]:
    """Seconds per proof, made and checked, in each cryptosuite, for one of our credentials."""
    from certify.certificates import credentials as vc
    from certify.certificates import proofs

    key = vc.generate_private_key()
    method = vc.did_key_method(vc.public_key_multibase(key.public_key()))
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    created = credential["validFrom"]
    costs = {}
    for suite in proofs.SUPPORTED:
        start = time.perf_counter()
        for _ in range(rounds):
            proof = proofs.create_proof(unsigned, key, method, created, suite)
        costs[f"sign {suite}"] = (time.perf_counter() - start) / rounds
        signed = {**unsigned, "proof": proof}
        start = time.perf_counter()
        for _ in range(rounds):
            assert vc.verify_proof(signed).ok
        costs[f"verify {suite}"] = (time.perf_counter() - start) / rounds
    return costs


def main(count: int) -> None:
    from certify.certificates.models import Certificate
    from certify.certificates.operations import issue_certificate
    from certify.core.db_types import utcnow
    from certify.core.extensions import db
    from certify.web.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="certify-bench-"))
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
                      "SIGNING_KEY_DIR": str(folder / "keys"),
                      "API_RATE_LIMIT": "1000000 per minute",
                      "PUBLIC_RATE_LIMIT": "1000000 per minute"})
    steps: dict[str, float] = {}
    with app.app_context():
        db.create_all()
        from assessments.models import Application, Competition
        from certify.users.operations import create_user, seed_branches
        from rubrics.io import import_library

        kz, _ = seed_branches()
        version = import_library()[0]
        competition = Competition(title={"en": "Benchmark"}, rubric_version=version,
                                  state="open", opens_at=utcnow() - timedelta(days=1),
                                  closes_at=utcnow() + timedelta(days=1))
        db.session.add(competition)
        admin = create_user(email="admin@bench.example", password="x" * 12, full_name="Admin",
                            country="KZ", roles=["admin"], branch=kz)
        applications = []
        for i in range(count):
            holder = create_user(email=f"holder{i}@bench.example", password="x" * 12,
                                 full_name=f"Holder {i}", full_name_native=f"Иесі {i}",
                                 country="KZ", roles=["candidate"], branch=kz)
            application = Application(competition=competition, candidate=holder, branch=kz,
                                      state="decided", submitted_at=utcnow())
            db.session.add(application)
            applications.append(application)
        db.session.commit()

        start = time.perf_counter()
        for application in applications:
            issue_certificate(application, by=admin)
        db.session.commit()
        steps["issue + sign"] = time.perf_counter() - start
        numbers = list(db.session.scalars(sa.select(Certificate.number)))

    client = app.test_client()
    # Through the app, one process: a sample, for the per-request figure.
    sample = numbers[:50]
    start = time.perf_counter()
    for number in sample:
        assert client.get(f"/certificates/{number}.pdf?lang=kk").status_code == 200
    http_pdf = (time.perf_counter() - start) / len(sample)
    # All of them as a print batch would run them: on both cores.
    from certify.certificates.printable import certificate_document

    with app.app_context(), app.test_request_context():
        documents = [certificate_document(c, "kk") for c in db.session.scalars(
            sa.select(Certificate).order_by(Certificate.id))]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        sizes = list(pool.map(_render_size, documents, chunksize=25))
    steps[f"render PDF ({WORKERS} processes)"] = time.perf_counter() - start
    assert all(size > 10_000 for size in sizes)

    start = time.perf_counter()
    credentials = [client.get(f"/certificates/{n}/credential.json").get_json() for n in numbers]
    steps["fetch credential"] = time.perf_counter() - start

    start = time.perf_counter()
    for credential in credentials:
        assert client.post("/api/v1/verify", json=credential).get_json()["verified"]
    steps["verify (API)"] = time.perf_counter() - start

    total = sum(steps.values())
    print(f"{count:,} certificates (one PDF through the app: {http_pdf * 1000:.0f} ms)")
    for step, seconds in steps.items():
        print(f"{step:28s} {seconds:7.2f} s  {count / seconds:8.1f} per second")
    print(f"{'total':28s} {total:7.2f} s  (target < 30 s)")
    print("one credential's proofs (each credential gets both):")
    for step, seconds in _proof_costs(credentials[0]).items():
        print(f"  {step:26s} {seconds * 1000:7.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000)
