"""A real RQ worker in a process of its own, on the test app's database and queue (JSON config
as the first argument), with the test kinds of job: the restart test kills it."""

from __future__ import annotations

import json
import sys

import tests.support.job_kinds  # noqa: F401 (registers the test kinds)
from certify.core import jobs
from certify.web.app import create_app

if __name__ == "__main__":
    config = json.loads(sys.argv[1])
    app = create_app({"TESTING": True, "SQLALCHEMY_ENGINE_OPTIONS": {}, **config})
    with app.app_context():
        jobs.work()
