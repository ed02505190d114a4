"""What every page of a background job does (certify/core/jobs.py), whoever may see it: the
owner's /jobs/<id> and a company's bulk check opened by its token."""

from __future__ import annotations

from flask import Response, abort, jsonify, make_response, render_template, request, send_file

from certify.core.jobs import BackgroundJob, JobState, status
from certify.core.urls import base_url


def job_page(job: BackgroundJob, template: str, *, download_url: str) -> Response:
    """A job's page; its state as JSON when the page's script (static/app.js) or an API
    client polls it, with the address of the file once it is ready (``download_url``, a path
    of this site: the JSON names it on the public address)."""
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
            "application/json"):
        response = make_response(jsonify(
            {**status(job), "download_url": base_url() + download_url
             if job.state == JobState.done else None}))
    else:
        response = make_response(render_template(template, job=job,
                                                 download_url=download_url))
    response.vary.add("Accept")
    response.headers["Cache-Control"] = "no-store"
    return response


def job_result(job: BackgroundJob) -> Response:
    """The file a finished job prepared; 404 while there is none."""
    path = job.result_path()
    if job.state != JobState.done or not path.is_file():
        abort(404)
    return send_file(path, mimetype=job.result_mimetype, as_attachment=True,
                     download_name=job.result_name, max_age=0)
