"""Kinds of job for the worker tests (certify/core/jobs.py), registered when imported: one that
waits for the test to let it finish, one that fails on its first attempt only. The worker process
of the restart test imports this module too (tests/support/worker_process.py)."""

from __future__ import annotations

import time
from pathlib import Path

from certify.core import jobs

WAITING, FLAKY = "test-waiting", "test-flaky"
PATIENCE = 60  # seconds a waiting job waits for its release before it gives up


def waiting(job: jobs.BackgroundJob, progress, output: Path) -> tuple[str, str]:
    """Half done at once, then done once the file ``params["release"]`` exists."""
    progress(1, 2)
    release = Path(job.params["release"])
    deadline = time.monotonic() + PATIENCE
    while not release.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    output.write_text(f"attempt {job.attempts}")
    progress(2, 2)
    return "waited.txt", "text/plain"


def flaky(job: jobs.BackgroundJob, progress, output: Path) -> tuple[str, str]:
    if job.attempts == 1:
        raise ConnectionError("the first attempt loses its connection")
    output.write_text(f"attempt {job.attempts}")
    return "flaky.txt", "text/plain"


jobs.register(WAITING, waiting)
jobs.register(FLAKY, flaky)
