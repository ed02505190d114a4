"""The competition analytics page at the size issue 17 names (a 7,000-application competition):
the first request after a change (figures computed; five times, each on an empty cache: the
median and the fastest) and the next ones (figures kept ready in Redis,
``assessments/analytics_page.py``), each as wall time, this process's CPU time and SQL
statements, in English and then Russian, in a process warmed as a served worker; then,
with a job queue, a rating changed, the refresh the commit queued (assessments/analytics_refresh.py)
run by a worker, and the first request after it.

    PYTHONPATH=. .venv/bin/python benchmarks/analytics_page.py \\
        --url postgresql+psycopg://postgres@127.0.0.1:5432/analytics88 --scale 88 [--generate]

``--generate`` fills the empty database with data_scale.py's generator, without audit entries
and with one certificate per call (they play no part here): at ``--scale 88`` the largest
competition has 7,040 applications, 21,120 reviews and 253,440 ratings.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.*, as a script

from benchmarks import data_scale, scale  # noqa: E402

REDIS = "redis://127.0.0.1:6379/0"


def _timed(app, path: str, statements: list[str]) -> tuple[float, float, int]:
    """One request as the generated administrator (data_scale's way in), rendered whole."""
    from flask_login import login_user

    from certify.core.extensions import db
    from certify.users.models import User

    with app.test_request_context(path):
        login_user(db.session.scalar(sa.select(User).where(User.email == data_scale_admin())))
        statements.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        response = app.full_dispatch_request()
        assert response.status_code == 200, (path, response.status_code)
        response.get_data()
        return time.perf_counter() - wall, time.process_time() - cpu, len(statements)


def data_scale_admin() -> str:
    return "admin@scale.example"


def measure(url: str, work: Path, repeats: int) -> None:
    from assessments.models import Application, Competition
    from certify.core.extensions import db
    from certify.users.models import User
    from certify.web.warm_up import ready_to_serve

    # Warmed and with its objects set aside from the garbage collector, as a gunicorn worker.
    app = ready_to_serve(data_scale.make_app(url, work))
    app.config.update(PUBLIC_CACHE_URL=REDIS,
                      PUBLIC_CACHE_KEY_PREFIX=f"bench-analytics-{time.time_ns()}")
    statements: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda *args: statements.append(args[2]))
        competition_id, size = db.session.execute(
            sa.select(Competition.id, sa.func.count(Application.id))
            .join(Application, Application.competition_id == Competition.id)
            .group_by(Competition.id).order_by(sa.func.count(Application.id).desc()).limit(1)
        ).one()
        admin_id = db.session.scalar(sa.select(User.id).where(User.email == data_scale_admin()))
    path = f"/manage/competitions/{competition_id}/analytics"
    print(f"competition {competition_id}: {size} applications; the machine's reference loop "
          f"{scale.machine_reference():.2f} s (benchmarks/scale.py)")
    print(f"{'request':<44} {'wall s':>8} {'CPU s':>8} {'SQL':>5}")
    for language in ("en", "ru"):
        with app.app_context():  # the page speaks the user's own language
            db.session.execute(sa.update(User).where(User.id == admin_id)
                               .values(preferred_language=language))
            db.session.commit()
        computed = []
        for _ in range(repeats):  # each on an empty cache: a key prefix of its own
            app.config["PUBLIC_CACHE_KEY_PREFIX"] = f"bench-analytics-{time.time_ns()}"
            computed.append(_timed(app, path, statements))
        print(f"{'first, ' + language + f' (computed; median of {repeats})':<44} "
              f"{statistics.median(c[0] for c in computed):8.2f} "
              f"{statistics.median(c[1] for c in computed):8.2f} {computed[-1][2]:5d}")
        print(f"{'  the fastest of them':<44} {min(c[0] for c in computed):8.2f} "
              f"{min(c[1] for c in computed):8.2f}")
        kept = [_timed(app, path, statements) for _ in range(repeats)]
        print(f"{'again, ' + language + f' (kept ready; median of {repeats})':<44} "
              f"{statistics.median(k[0] for k in kept):8.3f} "
              f"{statistics.median(k[1] for k in kept):8.3f} {kept[-1][2]:5d}")
    kept = [_timed(app, f"{path}?page=40&sort=application", statements)
            for _ in range(repeats)]
    print(f"{'page 40 of the results, sorted (kept ready)':<44} "
          f"{statistics.median(k[0] for k in kept):8.3f} "
          f"{statistics.median(k[1] for k in kept):8.3f} {kept[-1][2]:5d}")
    _refreshed_ahead(app, path, competition_id, statements)


def _refreshed_ahead(app, path: str, competition_id: int, statements: list[str]) -> None:
    """With a job queue: one rating changes, its commit queues the refresh, a job worker (here,
    in this process, until the queue is empty) computes every scope and language; then the
    first request after the change."""
    from redis import Redis
    from rq import Queue

    from assessments.models import Application, Review, ReviewScore
    from certify.core import jobs
    from certify.core.extensions import db

    queue = f"bench-analytics-{time.time_ns()}"
    app.config.update(JOBS_REDIS_URL=REDIS, JOBS_QUEUE=queue)
    with app.app_context():
        score = db.session.scalar(
            sa.select(ReviewScore).join(Review).join(Application)
            .where(Application.competition_id == competition_id, ReviewScore.level > 1)
            .order_by(ReviewScore.id).limit(1))
        score_id, level = score.id, score.level
        score.level -= 1
        db.session.commit()
    try:
        with app.app_context():
            waiting = Queue(queue, connection=Redis.from_url(REDIS)).count
            wall, cpu = time.perf_counter(), time.process_time()
            jobs.work(burst=True, with_scheduler=False)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{f'one rating changed: {waiting} refresh queued, worker':<44} "
              f"{wall:8.2f} {cpu:8.2f}")
        wall, cpu, count = _timed(app, path, statements)
        print(f"{'first request after it (refreshed ahead)':<44} "
              f"{wall:8.3f} {cpu:8.3f} {count:5d}")
    finally:  # the data stays as generated: its decisions still match (`scores verify`)
        app.config.pop("JOBS_REDIS_URL")
        with app.app_context():
            db.session.execute(sa.update(ReviewScore).where(ReviewScore.id == score_id)
                               .values(level=level))
            db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--scale", type=int, default=88)
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--work", default="instance/bench-analytics")
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    work = Path(arguments.work)
    work.mkdir(parents=True, exist_ok=True)
    if arguments.generate:
        # No audit entries, one certificate per call (the generator's last step needs a
        # holder): neither plays a part in analytics.
        data_scale.PER_SCALE.update(certificates=1, audit=0)
        started = time.perf_counter()
        totals = data_scale.generate(arguments.url, work, arguments.scale)
        print(f"generated in {time.perf_counter() - started:.0f} s: {totals}")
    measure(arguments.url, work, arguments.repeats)


if __name__ == "__main__":
    main()
