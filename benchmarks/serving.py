"""gunicorn as production runs it, started for a test or a benchmark and stopped after.

Shared by tests/web/test_scale_out.py and benchmarks/verify_load.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], *, options: Sequence[str] = (),
             probe: str = "/healthz") -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve *app_spec* on a free loopback port; yields (base URL, the master process) once
    *probe* answers, and raises with gunicorn's own messages if it never does."""
    port = free_port()
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would block it
        process = subprocess.Popen(  # noqa: S603 - our virtualenv's gunicorn, fixed arguments
            [str(GUNICORN), *options, "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             "--chdir", str(ROOT), app_spec],
            env=env, stdout=subprocess.DEVNULL, stderr=log,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                if process.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen(url + probe, timeout=2):  # noqa: S310 - loopback
                        break
                except OSError:
                    time.sleep(0.1)
            else:
                process.kill()
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"gunicorn did not answer {probe}:\n"
                                   + log.read().decode(errors="replace"))
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a worker still sending a long download
                process.kill()
                process.wait()
