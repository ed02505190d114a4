"""Where a public verification request's time goes (run: .venv/bin/python
benchmarks/profile_verify.py [REQUESTS] [--profile]).

Prepares the same database as benchmarks/verify_load.py (PostgreSQL `certify_bench`, one issued
certificate), builds the app in production configuration (no TESTING, rate limits in Redis) and
sends REQUESTS (default 500) requests to each public endpoint through Flask's test client, in
this one process: no network, no gunicorn. The public cache is in Redis, so after the first,
each request is a cache hit (CERTIFY_PUBLIC_CACHE_URL="" profiles the uncached path). Prints the
time per request (wall and CPU, best of five rounds), the SQL statements and Redis commands each
request sends, and, with --profile, pyinstrument's call tree of one endpoint after another
(pyinstrument must be installed).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.verify_load import DATABASE_URL, ensure_database, prepare  # noqa: E402


def main(requests: int, profile: bool) -> None:
    ensure_database(DATABASE_URL)
    folder = Path(tempfile.mkdtemp(prefix="certify-profile-"))
    number = prepare(folder)
    os.environ.update({
        "CERTIFY_SECRET_KEY": secrets.token_urlsafe(48),
        "CERTIFY_DATABASE_URL": DATABASE_URL,
        "CERTIFY_PUBLIC_BASE_URL": "http://127.0.0.1:5000",  # prepare() signed as TestConfig's
        "CERTIFY_SIGNING_KEY_DIR": str(folder / "keys"),
        "CERTIFY_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "CERTIFY_RATELIMIT_KEY_PREFIX": f"certify-profile-{secrets.token_hex(4)}",
        "CERTIFY_PUBLIC_CACHE_URL": os.environ.get("CERTIFY_PUBLIC_CACHE_URL",
                                                   "redis://127.0.0.1:6379/0"),
        "CERTIFY_PUBLIC_CACHE_KEY_PREFIX": f"certify-profile-{secrets.token_hex(4)}",
        "CERTIFY_API_RATE_LIMIT": "100000000 per minute",
        "CERTIFY_PUBLIC_RATE_LIMIT": "100000000 per minute",
    })
    import redis
    from sqlalchemy import event

    from certify.core.extensions import db
    from certify.web.app import create_app

    app = create_app()
    client = app.test_client()
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda _c, _cur, sql, *_a: statements.append(sql))
    commands: list[str] = []
    original = redis.client.Redis.execute_command

    def counted(self, *args, **options):
        commands.append(str(args[0]))
        return original(self, *args, **options)

    redis.client.Redis.execute_command = counted
    for path in (f"/api/v1/certificates/{number}", f"/verify/{number}"):
        for _ in range(20):  # warm up: connections, templates, caches
            assert client.get(path).status_code == 200
        statements.clear()
        commands.clear()
        client.get(path)
        print(f"{path}: {len(statements)} SQL statements, {len(commands)} Redis commands "
              f"({', '.join(commands)})")
        for sql in statements:
            print("   ", " ".join(sql.split())[:150])
        # The best of five rounds: the machine may be busy with other work.
        rounds = []
        for _ in range(5):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(requests // 5):
                client.get(path)
            rounds.append((time.perf_counter() - wall, time.process_time() - cpu))
        wall, cpu = (min(r[i] for r in rounds) / (requests // 5) * 1000 for i in (0, 1))
        print(f"    {wall:.2f} ms per request in-process, {cpu:.2f} ms of it on the CPU")
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            with profiler:
                for _ in range(requests):
                    client.get(path)
            print(profiler.output_text(unicode=False, color=False, short_mode=True))
    redis.client.Redis.execute_command = original


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else 500, "--profile" in sys.argv)
