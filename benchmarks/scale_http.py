"""The HTTP side of benchmarks/scale.py: the app served by gunicorn in the layout
docs/deployment.md prescribes (a public pool and a staff pool, routed by path; or one shared pool
to compare), logins as real people of the generated data, and the timing of pages, downloads
and of ``/verify`` while staff work runs.

The client routes each request by path as the nginx snippet in docs/deployment.md does, so the
measurements include no proxy.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from benchmarks.scale_records import PASSWORD
from benchmarks.serving import ROOT, gunicorn

# What the public pool answers: the two patterns of the nginx snippet in docs/deployment.md
# ("Two pools"; tests/web/test_pools.py holds them equal), and static files, which nginx
# serves itself. Everything else is staff work.
NGINX_PUBLIC_LOCATIONS = (
    r"^/(verify|api/v1/|status/|\.well-known/|did\.json|issuer|achievements/|badges/|healthz)",
    r"^/certificates/[^/]+(\.pdf|/credential\.json)$",
)
PUBLIC_PATHS = tuple(re.compile(location) for location in NGINX_PUBLIC_LOCATIONS)
APP_SPEC = "benchmarks.counted_app:create_counted_app()"
SERVER_TIMING = re.compile(r"app;dur=([0-9.]+), db;dur=([0-9.]+)")  # benchmarks/counted_app.py
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FLASK = Path(sys.executable).parent / "flask"
JOBS_REDIS_URL = "redis://127.0.0.1:6379/2"


def is_public(path: str) -> bool:
    path = path.split("?")[0]
    return path.startswith("/static/") or any(pattern.match(path) for pattern in PUBLIC_PATHS)


@dataclass
class Layout:
    """The running pools: base URL per audience and the gunicorn masters."""

    public_url: str
    staff_url: str
    masters: dict[str, int] = field(default_factory=dict)
    job_workers: list[int] = field(default_factory=list)

    def url(self, path: str) -> str:
        return (self.public_url if is_public(path) else self.staff_url) + path

    def workers(self, pool: str | None = None) -> list[int]:
        """The process ids of a pool's workers (every web pool's without one; "jobs": the
        background job workers, each one process)."""
        if pool == "jobs":
            return list(self.job_workers)
        found = []
        for name, pid in self.masters.items():
            if pool is None or name == pool:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                found.extend(int(child) for child in children)
        return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far (from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def status_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MB (0 once it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return int(re.search(rf"{field}:\s+(\d+)", status).group(1)) / 1024


def app_env(database_url: str, work: Path) -> dict[str, str]:
    """The environment of the served app: as docs/deployment.md says (PostgreSQL, Redis for the
    rate limits and the public cache), with what a benchmark from one address needs."""
    prefix = f"certify-scale-{secrets.token_hex(4)}"
    return {
        **os.environ,
        "CERTIFY_SECRET_KEY": secrets.token_urlsafe(48),
        "CERTIFY_DATABASE_URL": database_url,
        # data_scale.py signed the credentials as TestConfig's issuer.
        "CERTIFY_PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "CERTIFY_SIGNING_KEY_DIR": str(work / "keys"),
        "CERTIFY_UPLOAD_DIR": str(work / "uploads"),
        "CERTIFY_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "CERTIFY_RATELIMIT_KEY_PREFIX": prefix,
        # Long work on the job queue, as docs/deployment.md runs it (a queue of its own).
        "CERTIFY_JOBS_REDIS_URL": JOBS_REDIS_URL,
        "CERTIFY_JOBS_QUEUE": prefix,
        "CERTIFY_JOB_RESULTS_DIR": str(work / "jobs"),
        "CERTIFY_PUBLIC_CACHE_URL": "redis://127.0.0.1:6379/1",
        "CERTIFY_PUBLIC_CACHE_KEY_PREFIX": prefix,
        # One client address sends every request: counted in Redis, but never refused.
        "CERTIFY_API_RATE_LIMIT": "100000000 per minute",
        "CERTIFY_PUBLIC_RATE_LIMIT": "100000000 per minute",
        # Plain HTTP on the loopback, and logins by password alone (the generated people
        # have no authenticator); neither changes what a page costs.
        "CERTIFY_SESSION_COOKIE_SECURE": "false",
        "CERTIFY_REQUIRE_SECOND_FACTOR": "false",
    }


@contextmanager
def serve(env: dict[str, str], split: bool, workers: int = 2,
          staff_nice: int = 0, public_nice: int = 0) -> Iterator[Layout]:
    """Split: a public pool and a staff pool of ``workers`` each (the staff pool and the job
    worker at ``staff_nice``, the public pool at ``public_nice``, as systemd's ``Nice=`` would
    start them; below 0 needs root, as systemd has); shared: one pool of twice as many,
    answering everything (the same number of web processes). Either way one background job
    worker (``flask --app certify jobs worker``) takes the long exports."""
    with ExitStack() as stack:
        job_worker = stack.enter_context(_job_worker(env, staff_nice if split else 0))
        if split:
            public_url, public = stack.enter_context(
                gunicorn(APP_SPEC, env, options=["--workers", str(workers)]))
            staff_url, staff = stack.enter_context(
                gunicorn(APP_SPEC, env, options=["--workers", str(workers),
                                                 "--timeout", "300"]))
            layout = Layout(public_url, staff_url, {"public": public.pid, "staff": staff.pid},
                            [job_worker])
            for pool, nice in (("staff", staff_nice), ("public", public_nice)):
                for pid in [layout.masters[pool], *layout.workers(pool)]:  # later forks inherit
                    os.setpriority(os.PRIO_PROCESS, pid, nice)
            yield layout
        else:
            url, shared = stack.enter_context(
                gunicorn(APP_SPEC, env, options=["--workers", str(2 * workers),
                                                 "--timeout", "300"]))
            yield Layout(url, url, {"shared": shared.pid}, [job_worker])


@contextmanager
def _job_worker(env: dict[str, str], nice: int) -> Iterator[int]:
    """One job worker on the benchmark's queue; yields its process id, stops it after."""
    Path(env["CERTIFY_JOB_RESULTS_DIR"]).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 - our virtualenv's flask, fixed arguments
            [str(FLASK), "--app", "certify", "jobs", "worker"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=log)
        os.setpriority(os.PRIO_PROCESS, process.pid, nice)
        try:
            time.sleep(2)
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError("the job worker stopped:\n"
                                   + log.read().decode(errors="replace"))
            yield process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def login(layout: Layout, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(layout.url("/login"), timeout=120)
    token = CSRF.search(page.text)
    answer = session.post(layout.url("/login"), timeout=120, data={
        "email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""})
    if "/login" in answer.url or answer.status_code != 200:
        raise RuntimeError(f"could not log in as {email}: {answer.status_code} {answer.url}")
    return session


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: with 5 samples, p95 is the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def jobs_idle(queue_name: str) -> bool:
    """Whether the background job queue has nothing waiting and nothing under way."""
    from redis import Redis
    from rq import Queue
    from rq.registry import StartedJobRegistry

    with Redis.from_url(JOBS_REDIS_URL) as connection:
        queue = Queue(queue_name, connection=connection)
        return queue.count == 0 and StartedJobRegistry(queue=queue).count == 0


def measure_page(layout: Layout, session: requests.Session, path: str, *, times: int = 5,
                 method: str = "GET", settle: str | None = None, **request) -> dict:
    """p50/p95 of ``times`` requests (3 when the first takes over 10 s), bytes, SQL count,
    and the CPU time the workers spent per request (the machine's load does not inflate it as
    it does the wall-clock time; the database's own CPU is not in it).

    ``settle``: a job queue. For a page whose figures are kept ready by background jobs: its
    first request (on an empty cache: it computes them, and queues their refresh) is timed
    apart as ``first``, then the queue is left to finish, as on a running site, where the jobs
    keep the figures after every change, before the timed requests."""
    first = None
    if settle is not None:
        start = time.perf_counter()
        session.request(method, layout.url(path), timeout=600, **request).raise_for_status()
        first = time.perf_counter() - start
        deadline = time.perf_counter() + 300
        while not jobs_idle(settle) and time.perf_counter() < deadline:
            time.sleep(0.2)
    samples, size, statements = [], 0, None
    runs = times
    workers = layout.workers()
    cpu_before = cpu_seconds(workers)
    while len(samples) < runs:
        start = time.perf_counter()
        response = session.request(method, layout.url(path), timeout=600, **request)
        samples.append(time.perf_counter() - start)
        if response.status_code != 200 or "/login" in response.url:
            raise RuntimeError(f"{path}: {response.status_code} at {response.url}")
        size, statements = len(response.content), response.headers.get("X-SQL-Statements")
        if samples[0] > 10:
            runs = min(runs, 3)
    return {"p50": statistics.median(samples), "p95": percentile(samples, 0.95),
            "bytes": size, "sql": int(statements) if statements else None,
            "cpu": (cpu_seconds(workers) - cpu_before) / len(samples),
            **({"first": first} if first is not None else {})}


class RssWatch:
    """The largest RSS growth of any worker of a pool while the block runs (sampled every
    20 ms), and each worker's RSS before it."""

    def __init__(self, layout: Layout, pool: str):
        self.workers = layout.workers(pool)
        self.before = {pid: status_mb(pid, "VmRSS") for pid in self.workers}
        self.peak = dict(self.before)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            for pid in self.workers:
                self.peak[pid] = max(self.peak[pid], status_mb(pid, "VmRSS"))

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return max(self.peak[pid] - self.before[pid] for pid in self.before)


def measure_download(layout: Layout, session: requests.Session, path: str,
                     times: int = 3) -> dict:
    """Time to the first byte and to the last (medians), size, and the worker's RSS growth."""
    first, total, growth, size = [], [], [], 0
    pool = "staff" if "staff" in layout.masters else "shared"
    for _ in range(times):
        with RssWatch(layout, pool) as watch:
            start = time.perf_counter()
            with session.get(layout.url(path), timeout=600, stream=True) as response:
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
                chunks = response.iter_content(64 * 1024)
                size = len(next(chunks, b""))
                first.append(time.perf_counter() - start)
                size += sum(len(chunk) for chunk in chunks)
            total.append(time.perf_counter() - start)
        growth.append(watch.growth_mb)
    return {"ttfb": statistics.median(first), "p50": statistics.median(total),
            "p95": max(total), "bytes": size, "rss_growth_mb": max(growth)}


def run_export_job(layout: Layout, session: requests.Session, path: str) -> dict:
    """An export large enough to be a job, as a person gets it: the export link's page (the
    offer), the job's page once started, then its state polled (as the page's script does)
    until the file is ready, and the download. Times from the first click."""
    start = time.perf_counter()
    offer = session.get(layout.url(path), timeout=120)
    offered = time.perf_counter() - start
    token = CSRF.search(offer.text)
    if offer.status_code != 200 or f"{path}/prepare" not in offer.text or not token:
        raise RuntimeError(f"{path}: no background job offered ({offer.status_code})")
    page = session.post(layout.url(f"{path}/prepare"), data={"csrf_token": token.group(1)},
                        timeout=120)
    started = time.perf_counter() - start
    if page.status_code != 200 or "/jobs/" not in page.url:
        raise RuntimeError(f"{path}: the job did not start ({page.status_code} {page.url})")
    job_path = page.url.split("://", 1)[1].split("/", 1)[1]
    while True:
        state = session.get(layout.url(f"/{job_path}"), timeout=120,
                            headers={"Accept": "application/json"}).json()
        if state["finished"]:
            break
        time.sleep(0.2)
    ready = time.perf_counter() - start
    if state["state"] != "done":
        raise RuntimeError(f"{path}: the job {state['state']}: {state['message']}")
    with session.get(layout.url(f"/{job_path}/download"), timeout=600, stream=True) as file:
        size = sum(len(chunk) for chunk in file.iter_content(64 * 1024))
    return {"offer": offered, "page": started, "ready": ready, "bytes": size}


def measure_export_job(layout: Layout, session: requests.Session, path: str,
                       times: int = 1) -> dict:
    """run_export_job ``times`` (medians), with the job worker's and the staff pool's RSS
    growth while it runs."""
    runs, job_growth, web_growth = [], [], []
    pool = "staff" if "staff" in layout.masters else "shared"
    for _ in range(times):
        with RssWatch(layout, "jobs") as jobs, RssWatch(layout, pool) as web:
            runs.append(run_export_job(layout, session, path))
        job_growth.append(jobs.growth_mb)
        web_growth.append(web.growth_mb)
    return {**{key: statistics.median(run[key] for run in runs)
               for key in ("offer", "page", "ready")},
            "bytes": runs[-1]["bytes"], "rss_growth_mb": max(job_growth),
            "web_rss_growth_mb": max(web_growth)}


def workers_peak_mb(layout: Layout) -> dict[str, float]:
    """Per pool, the largest peak RSS (VmHWM) of its workers so far."""
    pools = [*layout.masters, *(["jobs"] if layout.job_workers else [])]
    return {pool: max(status_mb(pid, "VmHWM") for pid in layout.workers(pool))
            for pool in pools}


def offered_as_job(layout: Layout, session: requests.Session, path: str) -> bool:
    """Whether the export link answers with the page offering a background job (a large
    export) rather than the file."""
    with session.get(layout.url(path), timeout=600, stream=True) as response:
        return response.headers.get("Content-Type", "").startswith("text/html")


def verify_under_staff_load(layout: Layout, staff: list[requests.Session],
                            staff_paths: list[str], phases: list[list[str]],
                            seconds: float) -> list[dict]:
    """``/verify/<n>`` asked one after another (10 a second) for ``seconds`` per phase, each
    phase cycling through its numbers, while each staff session downloads its path again and
    again: per phase p50, p99 and the slowest as the client saw them and as the app took them
    (``Server-Timing``), and the staff rounds. The public client is a process of its own, as a
    company's is: in this one its requests would wait for the staff threads' turn at the
    interpreter lock, a wait no outside client has."""
    stop, rounds = threading.Event(), []

    def staff_work(session: requests.Session, path: str) -> None:
        while not stop.is_set():
            if path.endswith("/job"):  # an export large enough to go to the job queue
                run_export_job(layout, session, path.removesuffix("/job"))
            else:
                with session.get(layout.url(path), timeout=600, stream=True) as response:
                    for _chunk in response.iter_content(64 * 1024):
                        pass
            rounds.append(path)

    threads = [threading.Thread(target=staff_work, args=pair, daemon=True)
               for pair in zip(staff, staff_paths, strict=True)]
    for thread in threads:
        thread.start()
    time.sleep(1)  # the staff requests are in the workers before the public ones come
    verify_url = layout.url("/verify/")
    results = []
    with multiprocessing.get_context("spawn").Pool(1) as client:
        for numbers in phases:
            done_before = len(rounds)
            samples, app_times, db_times, errors = client.apply(
                public_client, (verify_url, numbers, seconds))
            results.append({
                "p50": statistics.median(samples), "p99": percentile(samples, 0.99),
                "max": max(samples), "app_p50": statistics.median(app_times),
                "app_p99": percentile(app_times, 0.99), "app_max": max(app_times),
                "db_p50": statistics.median(db_times), "db_p99": percentile(db_times, 0.99),
                "db_of_slowest": db_times[app_times.index(max(app_times))],
                "requests": len(samples), "errors": errors,
                "staff_rounds": len(rounds) - done_before})
    stop.set()
    for thread in threads:
        thread.join()
    return results


def public_client(verify_url: str, numbers: list[str],
                  seconds: float) -> tuple[list[float], list[float], list[float], int]:
    """A company's checks, ten a second for ``seconds``: each request's time as the client
    saw it, as the app took it and of that in SQL (seconds), and how many did not answer
    200."""
    public = requests.Session()
    samples, app_times, db_times, errors = [], [], [], 0
    deadline = time.perf_counter() + seconds
    number = 0
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        response = public.get(verify_url + numbers[number % len(numbers)], timeout=120)
        samples.append(time.perf_counter() - start)
        timing = SERVER_TIMING.search(response.headers.get("Server-Timing", ""))
        app_times.append(float(timing.group(1)) / 1000 if timing else samples[-1])
        db_times.append(float(timing.group(2)) / 1000 if timing else 0.0)
        errors += response.status_code != 200
        number += 1
        time.sleep(max(0.0, 0.1 - samples[-1]))
    return samples, app_times, db_times, errors
