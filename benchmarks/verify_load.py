"""Load benchmark of public verification (run: make bench-load, or
.venv/bin/python benchmarks/verify_load.py [SECONDS]).

Starts gunicorn with 2 workers on PostgreSQL (database `certify_bench`, created if missing;
CERTIFY_BENCH_DATABASE_URL to choose another) with Redis-backed rate limiting, and loads
`GET /api/v1/certificates/<number>` and `GET /verify/<number>` with 32 concurrent locust users
for SECONDS (default 30) each, beside a bare Flask endpoint served the same way. The app runs
as docs/deployment.md prescribes, with the public cache in Redis (certify/core/public_cache.py),
then again without it, so both figures are printed. Prints requests/s, p50/p99 latency, errors
and the CPU time the gunicorn workers spent per request.
Targets (issue 8): >= 60 % of the bare endpoint's throughput, p99 < 50 ms, no errors.

CERTIFY_BENCH_LAYOUT replaces the gunicorn worker options (default "--workers 2": sync workers,
as docs/deployment.md prescribes), e.g. "--workers 4" or "--workers 2 --threads 4" to compare.
On 2 cores, 4 workers answered the app's endpoints no faster than 2 but the bare endpoint 30 %
slower (more processes beside the client), which flatters the "of bare" column. With 32 users
that never pause, latency is about 32 / throughput (Little's law): p99 < 50 ms needs at least
640 req/s.
"""

from __future__ import annotations

import csv
import os
import secrets
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.serving import gunicorn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
USERS = 32
LAYOUT = os.environ.get("CERTIFY_BENCH_LAYOUT", "--workers 2").split()
DATABASE_URL = os.environ.get("CERTIFY_BENCH_DATABASE_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/certify_bench")


def ensure_database(url: str) -> None:
    target = sa.make_url(url)
    server = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": target.database})
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()


def prepare(folder: Path) -> str:
    """A fresh schema with one issued certificate; returns its number."""
    from assessments.models import Application, Competition
    from certify.certificates.operations import issue_certificate
    from certify.core.db_types import utcnow
    from certify.core.extensions import db
    from certify.users.operations import create_user, seed_branches
    from certify.web.app import create_app
    from rubrics.io import import_library

    app = create_app({"TESTING": True, "DATABASE_URL": DATABASE_URL,
                      "SIGNING_KEY_DIR": str(folder / "keys")})
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        db.create_all()
        kz, _ = seed_branches()
        competition = Competition(title={"en": "Benchmark"}, rubric_version=import_library()[0],
                                  state="open", opens_at=utcnow() - timedelta(days=1),
                                  closes_at=utcnow() + timedelta(days=1))
        admin = create_user(email="admin@bench.example", password="x" * 12, full_name="Admin",
                            country="KZ", roles=["admin"], branch=kz)
        holder = create_user(email="holder@bench.example", password="x" * 12,
                             full_name="Aigerim Holder", country="KZ", roles=["candidate"],
                             branch=kz)
        application = Application(competition=competition, candidate=holder, branch=kz,
                                  state="decided", submitted_at=utcnow())
        db.session.add_all([competition, application])
        number = issue_certificate(application, by=admin).number
        db.session.commit()
        db.engine.dispose()
    return number


def workers_cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by the gunicorn master's workers."""
    import psutil  # installed with locust

    total = 0.0
    for worker in psutil.Process(master).children():
        try:
            times = worker.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def load(server: tuple[str, subprocess.Popen], path: str, seconds: int, folder: Path
         ) -> dict[str, float]:
    url, master = server[0], server[1].pid
    prefix = folder / path.strip("/").replace("/", "_")
    cpu_before = workers_cpu_seconds(master)
    subprocess.run(  # noqa: S603 - our virtualenv's locust, fixed arguments
        [str(BIN / "locust"), "--headless", "--only-summary", "--loglevel", "WARNING",
         "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--host", url,
         "-u", str(USERS), "-r", str(USERS), "-t", f"{seconds}s", "--csv", str(prefix)],
        env={**os.environ, "LOAD_PATH": path}, check=False,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    cpu = workers_cpu_seconds(master) - cpu_before
    with open(f"{prefix}_stats.csv", newline="") as stats:
        row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    requests = int(row["Request Count"])
    return {"requests": requests, "errors": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]), "p50": float(row["50%"]),
            "p99": float(row["99%"]), "cpu_ms": cpu * 1000 / max(requests, 1)}


def main(seconds: int) -> None:
    ensure_database(DATABASE_URL)
    folder = Path(tempfile.mkdtemp(prefix="certify-load-"))
    number = prepare(folder)
    env = {
        **os.environ,
        "CERTIFY_SECRET_KEY": secrets.token_urlsafe(48),
        "CERTIFY_DATABASE_URL": DATABASE_URL,
        "CERTIFY_PUBLIC_BASE_URL": "http://127.0.0.1:5000",  # prepare() signed as TestConfig's
        "CERTIFY_SIGNING_KEY_DIR": str(folder / "keys"),
        "CERTIFY_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "CERTIFY_RATELIMIT_KEY_PREFIX": f"certify-bench-{secrets.token_hex(4)}",
        "CERTIFY_PUBLIC_CACHE_KEY_PREFIX": f"certify-bench-{secrets.token_hex(4)}",
        # Counted in Redis as in production, but high enough not to refuse the load itself.
        "CERTIFY_API_RATE_LIMIT": "100000000 per minute",
        "CERTIFY_PUBLIC_RATE_LIMIT": "100000000 per minute",
    }
    results = {}
    with gunicorn("benchmarks.bare_app:app", env, options=LAYOUT, probe="/ping") as bare:
        results["bare Flask /ping"] = load(bare, "/ping", seconds, folder)
    paths = (f"/api/v1/certificates/{number}", f"/verify/{number}")
    cached = {**env, "CERTIFY_PUBLIC_CACHE_URL": "redis://127.0.0.1:6379/0"}
    with gunicorn("certify:create_served_app()", cached, options=LAYOUT) as site:
        for path in paths:
            results[path] = load(site, path, seconds, folder)
    with gunicorn("certify:create_served_app()", env, options=LAYOUT) as site:
        for path in paths:
            results[f"{path} (no cache)"] = load(site, path, seconds, folder)

    import redis

    with redis.Redis.from_url(cached["CERTIFY_PUBLIC_CACHE_URL"]) as client:
        for key in client.scan_iter(f"{env['CERTIFY_PUBLIC_CACHE_KEY_PREFIX']}:*"):
            client.delete(key)

    baseline = results["bare Flask /ping"]["rps"]
    print(f"{USERS} users, {seconds} s each, gunicorn {' '.join(LAYOUT)}, PostgreSQL, "
          f"{os.cpu_count()} CPUs (client on the same machine)")
    print(f"{'endpoint':<51} {'req/s':>8} {'of bare':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'errors':>7} {'worker CPU ms/req':>18}")
    for name, figures in results.items():
        print(f"{name:<51} {figures['rps']:>8.0f} {figures['rps'] / baseline:>8.0%} "
              f"{figures['p50']:>7.0f} {figures['p99']:>7.0f} {figures['errors']:>7} "
              f"{figures['cpu_ms']:>18.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
