"""Forgot-password timing: known against unknown addresses (run:
.venv/bin/python benchmarks/reset_timing.py [COUNT]).

Issue 14 found the answer to `POST /password/forgot` quicker for an address with no account
(4.9 ms) than for one with an account (8.7 ms), which tells an attacker who has an account.
This posts the form COUNT times (default 300) for each of three kinds of address, interleaved
so that load on the machine falls on all three alike, on a throw-away SQLite database:

- known: an account's address asked for the first time (a mail is queued),
- known again: the same address within ten minutes (nothing more is queued),
- unknown: an address with no account.

It prints, for each, the median and the 90th percentile of the wall-clock time in
milliseconds, and the median of the CPU time this process spent (which other processes on a
shared machine disturb far less), and the differences of the medians. A figure on a shared
machine varies from run to run; the test of the same work is structural
(tests/users/test_reset_timing.py): the same SQL statements in every case.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ADDRESS = "person{}@bench.example"


def main(count: int) -> None:
    from certify.core.extensions import db
    from certify.users.operations import create_user, seed_branches
    from certify.web.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="certify-bench-"))
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
                      "SIGNING_KEY_DIR": str(folder / "keys"),
                      "ACCOUNT_MAIL_LIMIT": "1000000 per minute"})
    with app.app_context():
        db.create_all()
        kz, _ = seed_branches()
        for i in range(count):
            create_user(email=ADDRESS.format(i), password="x" * 12, full_name=f"Person {i}",
                        country="KZ", roles=["candidate"], branch=kz)
        db.session.commit()
    client = app.test_client()

    def timed(email: str) -> tuple[float, float]:
        """(wall-clock ms, CPU ms) of one request."""
        start, cpu = time.perf_counter(), time.process_time()
        response = client.post("/password/forgot", data={"email": email})
        elapsed = ((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000)
        assert response.status_code == 302, response.status_code
        return elapsed

    for i in range(20):  # warm up: imports, templates, the first connections
        timed(f"warm{i}@bench.example")
    figures: dict[str, list[tuple[float, float]]] = {"known": [], "known again": [],
                                                      "unknown": []}
    for i in range(count):
        figures["known"].append(timed(ADDRESS.format(i)))
        figures["unknown"].append(timed(f"nobody{i}@bench.example"))
        figures["known again"].append(timed(ADDRESS.format(i)))
    wall, cpu = {}, {}
    for kind, values in figures.items():
        wall[kind] = statistics.median(value[0] for value in values)
        cpu[kind] = statistics.median(value[1] for value in values)
        p90 = statistics.quantiles([value[0] for value in values], n=10)[-1]
        print(f"{kind:12} median {wall[kind]:6.2f} ms   p90 {p90:6.2f} ms   "
              f"CPU median {cpu[kind]:6.2f} ms   (n={len(values)})")
    for other in ("known", "known again"):
        print(f"{other} - unknown: wall {wall[other] - wall['unknown']:+.2f} ms, "
              f"CPU {cpu[other] - cpu['unknown']:+.2f} ms")

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
