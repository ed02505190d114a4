"""Background jobs: long work (large exports, annual reports) runs on a real queue, RQ on the
Redis the app already needs, so no web worker waits on it and a company's /verify never queues
behind it (issue 17).

Why RQ: it needs nothing beyond the Redis already required for rate limits and the public
cache, its jobs live in Redis (a job queued while no worker runs is done when one starts), and
since 2.x it retries an *abandoned* job -- its worker killed mid-way -- like a failed one, so
``Retry(max=1)`` gives both "survives a worker restart" and "retried once on failure" (a
restarted worker hands its dead predecessor's job back at once: ``recover_abandoned``). Celery
would add a broker abstraction and a beat process we do not need; Dramatiq needs its own
middleware for results.

The database keeps what people see: a ``BackgroundJob`` row per job with its owner, state,
progress and the file it produced; RQ only carries the row's id. A job started by someone
without an account (a company's bulk verification) has no owner but a token: only a hash of it
is kept, and the link that carries it expires after PUBLIC_JOB_HOURS. Without
``JOBS_REDIS_URL`` (the demo, most tests) a job runs at once in the request that asked for it,
through the same code.

A package registers a kind of job with ``register(kind, work)`` (a lower layer offering a hook:
the core never imports the packages whose work it runs). ``work(job, progress, output)`` writes
the file at ``output`` and returns ``(download name, MIME type)``; it may call
``progress(done, total)`` as it goes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db

log = logging.getLogger(__name__)


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class BackgroundJob(db.Model):
    __tablename__ = "background_jobs"
    __table_args__ = (
        sa.CheckConstraint("progress >= 0", name="progress_not_negative"),
        # Someone may always reach a job: its owner, or whoever holds its token.
        sa.CheckConstraint("owner_id IS NOT NULL OR token_hash IS NOT NULL",
                           name="owner_or_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                 index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    title: Mapped[str] = mapped_column(String(200))  # shown to the owner, in their language
    state: Mapped[JobState] = mapped_column(EnumText(JobState), default=JobState.queued)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_mimetype: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.done, JobState.failed)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.progress / self.total))

    def result_path(self) -> Path:
        return results_dir() / str(self.id)

    @property
    def rq_id(self) -> str:
        """The RQ job's id: named after the queue, as ids restart with a new database."""
        return f"{queue_name()}-{self.id}"


def status_message(job: BackgroundJob) -> str:
    """Where the job stands, in words for its page."""
    if job.state == JobState.queued:
        return _("Waiting for a free worker…")
    if job.state == JobState.running:
        if job.total:
            return _("Working: %(done)s of %(total)s.", done=job.progress, total=job.total)
        return _("Working…")
    if job.state == JobState.done:
        return _("Ready.")
    return _("The job failed after %(attempts)s attempts. Start it again; if it fails again, "
             "tell an administrator.", attempts=job.attempts)


def status(job: BackgroundJob) -> dict[str, Any]:
    """A job's state as its page polls it (static/app.js) to move the progress bar."""
    return {"state": job.state.value, "progress": job.progress, "total": job.total,
            "percent": job.percent, "finished": job.is_finished,
            "message": status_message(job)}


Work = Callable[[BackgroundJob, Callable[[int, int | None], None], Path], tuple[str, str]]
_KINDS: dict[str, Work] = {}


def register(kind: str, work: Work) -> None:
    _KINDS[kind] = work


def results_dir() -> Path:
    configured = current_app.config.get("JOB_RESULTS_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "job-results"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(kind: str, *, owner_id: int | None, title: str, params: dict[str, Any],
          token: str | None = None, total: int | None = None) -> BackgroundJob:
    """Queue a job (committed first, so the worker finds its row); without a queue configured,
    run it here and now. Returns the row. A job without an owner needs a ``token``
    (``new_token``), the only key to it; ``total``, when known, is the size of the work."""
    if kind not in _KINDS:
        raise KeyError(kind)
    job = BackgroundJob(kind=kind, owner_id=owner_id, title=title[:200], params=params,
                        token_hash=token_hash(token) if token else None, total=total)
    db.session.add(job)
    db.session.commit()
    url = current_app.config.get("JOBS_REDIS_URL")
    if not url:
        run(job.id)
        db.session.refresh(job)
        return job
    from rq import Queue, Retry

    Queue(queue_name(), connection=redis_connection(url)).enqueue(
        "certify.core.jobs.run_in_worker", job.id, retry=Retry(max=1), job_id=job.rq_id,
        job_timeout=int(current_app.config.get("JOB_TIMEOUT_SECONDS", 1800)),
        result_ttl=0, failure_ttl=7 * 24 * 3600)
    return job


def enqueue_refresh(function: str, *args: Any, pending: str, seconds: int = 3600) -> bool:
    """Queue ``function(*args)`` (a dotted path) unless the same refresh is already waiting:
    work nobody watches, with no job row, such as keeping figures ready. ``pending`` names it;
    the function calls ``refresh_started(pending)`` when it begins, so a change during its run
    queues the next one. Without a queue: nothing (the figures are computed when asked)."""
    url = current_app.config.get("JOBS_REDIS_URL")
    if not url:
        return False
    from rq import Queue

    connection = redis_connection(url)
    if not connection.set(_pending_key(pending), 1, nx=True, ex=seconds):
        return False
    Queue(queue_name(), connection=connection).enqueue(
        function, *args, job_timeout=int(current_app.config.get("JOB_TIMEOUT_SECONDS", 1800)),
        result_ttl=0, failure_ttl=24 * 3600)
    return True


def refresh_started(pending: str) -> None:
    url = current_app.config.get("JOBS_REDIS_URL")
    if url:
        redis_connection(url).delete(_pending_key(pending))


def _pending_key(pending: str) -> str:
    return f"{queue_name()}:pending:{pending}"


def new_token() -> str:
    """An unguessable key to a job without an owner (256 bits), for its link."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def job_by_token(token: str) -> BackgroundJob | None:
    """The job this token opens, while its link is valid (PUBLIC_JOB_HOURS from its start)."""
    job = db.session.scalar(sa.select(BackgroundJob).where(
        BackgroundJob.token_hash == token_hash(token)))
    hours = float(current_app.config.get("PUBLIC_JOB_HOURS", 24))
    if job is None or job.created_at < utcnow() - timedelta(hours=hours):
        return None
    return job


def queue_name() -> str:
    return current_app.config.get("JOBS_QUEUE", "certify")


def redis_connection(url: str):
    from redis import Redis

    return Redis.from_url(url)


def run(job_id: int) -> None:
    """Do one job (in the worker, or inline). An error marks it failed with the message and is
    raised again, so RQ retries it once; the retry starts from scratch."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.state == JobState.done:
        return  # deleted, or a retry after it was finished after all
    job.state, job.started_at = JobState.running, utcnow()
    job.attempts += 1
    job.progress, job.error = 0, None
    db.session.commit()
    output = job.result_path()
    try:
        name, mimetype = _KINDS[job.kind](job, _progress_of(job.id), output)
    except Exception as error:
        db.session.rollback()
        output.unlink(missing_ok=True)
        _finish(job_id, JobState.failed, error=f"{type(error).__name__}: {error}"[:2000])
        log.exception("job %s (%s) failed", job_id, job.kind)
        if current_app.config.get("JOBS_REDIS_URL"):
            raise
        return
    db.session.rollback()  # whatever the work read; its file is written
    _finish(job_id, JobState.done, result_name=name, result_mimetype=mimetype)


def run_in_worker(job_id: int) -> None:
    """What RQ calls: ``run``, then a fresh session for the next job."""
    try:
        run(job_id)
    finally:
        db.session.remove()


def _progress_of(job_id: int) -> Callable[[int, int | None], None]:
    """Progress goes through its own connection: the work's transaction stays open, reading one
    consistent snapshot, while the page watching the job sees the count move."""

    def progress(done: int, total: int | None = None) -> None:
        values: dict[str, Any] = {"progress": max(0, done)}
        if total is not None:
            values["total"] = total
        with db.engine.begin() as connection:
            connection.execute(sa.update(BackgroundJob).where(BackgroundJob.id == job_id)
                               .values(**values))

    return progress


def _finish(job_id: int, state: JobState, **values: Any) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.update(BackgroundJob).where(BackgroundJob.id == job_id)
                           .values(state=state.value, finished_at=utcnow(), **values))
    db.session.expire_all()


def work(burst: bool = False, *, with_scheduler: bool = True) -> None:
    """Run a worker on the configured queue until stopped (``burst``: until the queue is
    empty). One job at a time, in this process and its application context: run several
    processes for more (docs/deployment.md)."""
    from rq import SimpleWorker

    url = current_app.config.get("JOBS_REDIS_URL")
    if not url:
        raise RuntimeError("CERTIFY_JOBS_REDIS_URL is not set: without it jobs run at once in "
                           "the request and no worker is needed.")
    connection = redis_connection(url)
    recover_abandoned(connection)
    worker = SimpleWorker([queue_name()], connection=connection)
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="WARNING")


def recover_abandoned(connection) -> int:
    """Hand the jobs of workers that died on this machine (killed, or the machine restarted)
    back to RQ as abandoned, now, and mark those out of retries failed; returns how many.

    RQ retries an abandoned job only once its entry in the started registry expires: for the
    SimpleWorker that is the job's whole timeout plus a minute after it started, as it sends no
    heartbeat while it works. A worker that starts after a crash knows better: a worker of
    this host whose process is gone will never finish its job. Workers of other hosts are left
    to that expiry."""
    from rq import Queue
    from rq.executions import Execution
    from rq.registry import FailedJobRegistry, StartedJobRegistry
    from rq.worker import Worker

    queue = Queue(queue_name(), connection=connection)
    registry = StartedJobRegistry(queue=queue)
    host = socket.gethostname()
    dead = []
    for entry in connection.zrange(registry.key, 0, -1):
        execution = Execution.from_composite_key(entry.decode(), connection)
        try:
            execution.refresh()
        except ValueError:  # its record expired: nobody works on it
            dead.append(entry)
            continue
        worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix
                                    + execution.worker_name, connection=connection)
        if worker is None or (worker.hostname == host and not _process_alive(worker.pid)):
            dead.append(entry)
    if not dead:
        return 0
    connection.zadd(registry.key, dict.fromkeys(dead, 0))  # expired: RQ's cleanup takes them
    registry.cleanup()
    failed = set(FailedJobRegistry(queue=queue).get_job_ids())
    prefix = f"{queue_name()}-"
    for entry in dead:
        rq_id = entry.decode().rpartition(":")[0]
        if rq_id in failed and rq_id.startswith(prefix):
            with db.engine.begin() as transaction:
                transaction.execute(
                    sa.update(BackgroundJob)
                    .where(BackgroundJob.id == int(rq_id.removeprefix(prefix)),
                           BackgroundJob.state.in_([JobState.queued.value,
                                                    JobState.running.value]))
                    .values(state=JobState.failed.value, finished_at=utcnow(),
                            error="AbandonedJobError: the worker stopped during the job."))
    log.warning("recovered %d jobs of workers that stopped", len(dead))
    return len(dead)


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def purge(older_than: timedelta) -> int:
    """Delete finished jobs older than ``older_than`` and their files; returns how many."""
    limit = utcnow() - older_than
    old = db.session.scalars(sa.select(BackgroundJob).where(
        BackgroundJob.state.in_([JobState.done, JobState.failed]),
        BackgroundJob.finished_at < limit)).all()
    for job in old:
        job.result_path().unlink(missing_ok=True)
        db.session.delete(job)
    db.session.commit()
    return len(old)
