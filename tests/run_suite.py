"""`make test`: the suite in two processes at once on SQLite — the browser tests (each drives
Chromium against a live server) and all the others — because either alone leaves one of a
2-core machine's cores idle much of the time. Each process writes its own log, printed in full
when it ends; the exit status is non-zero when either failed.

On PostgreSQL the suite runs in one process: both would share the one test database (and the
browser tests are skipped there, tests/conftest.py). Arguments go to pytest; with ``-m`` of
their own, or ``CERTIFY_TEST_PROCESSES=1``, one process runs them as given.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NO_TESTS_COLLECTED = 5  # pytest's exit status when a selection is empty: not a failure
HALVES = (("browser tests", "browser"), ("other tests", "not browser"))


def _single_process(arguments: list[str]) -> bool:
    return (os.environ.get("CERTIFY_TEST_DATABASE_URL", "").startswith("postgresql")
            or os.environ.get("CERTIFY_TEST_PROCESSES") == "1"
            or any(argument == "-m" or argument.startswith("-m") for argument in arguments))


def main(arguments: list[str]) -> int:
    command = [sys.executable, "-m", "pytest"]
    if _single_process(arguments):
        return subprocess.call([*command, *arguments])
    started = time.monotonic()
    running = []
    for name, marker in HALVES:
        log = Path(tempfile.mkstemp(prefix="certify-tests-", suffix=".log")[1])
        with log.open("wb") as output:
            process = subprocess.Popen([*command, "-m", marker, *arguments],
                                       stdout=output, stderr=subprocess.STDOUT)
        running.append((name, process, log))
        print(f"{name}: pytest -m '{marker}' (log: {log})", flush=True)
    failed = False
    while running:
        for entry in list(running):
            name, process, log = entry
            status = process.poll()
            if status is None:
                continue
            running.remove(entry)
            print(f"\n===== {name}: exit {status} after {time.monotonic() - started:.0f} s "
                  f"=====", flush=True)
            sys.stdout.write(log.read_text(errors="replace"))
            sys.stdout.flush()
            log.unlink()
            failed |= status not in (0, NO_TESTS_COLLECTED)
        time.sleep(1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
