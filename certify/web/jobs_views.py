"""Background jobs for the people who started them: a page with the progress that refreshes
itself until the file is ready, then the download (certify/core/jobs.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, url_for
from flask_login import current_user, login_required

from certify.core.extensions import db
from certify.core.job_pages import job_page, job_result
from certify.core.jobs import BackgroundJob
from certify.web.blueprint import bp

LISTED = 50


def own_job_or_404(job_id: int) -> BackgroundJob:
    """A job is its owner's (administrators may look too); anyone else learns nothing of it."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or (job.owner_id != current_user.id and not current_user.is_admin):
        abort(404)
    return job


@bp.get("/jobs/")
@login_required
def jobs():
    mine = db.session.scalars(
        sa.select(BackgroundJob).where(BackgroundJob.owner_id == current_user.id)
        .order_by(BackgroundJob.id.desc()).limit(LISTED)).all()
    return render_template("main/jobs.html", jobs=mine)


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    return job_page(own_job_or_404(job_id), "main/job.html",
                    download_url=url_for(".job_download", job_id=job_id))


@bp.get("/jobs/<int:job_id>/download")
@login_required
def job_download(job_id: int):
    return job_result(own_job_or_404(job_id))
