"""Scale-out: several gunicorn processes on one database and one Redis behave as one site.

Each process keeps nothing of its own that matters: login throttling counts in Redis (a limit
per process would multiply with the worker count), and certificates are read from the database
or from the public cache in Redis, which every change drops, so a revocation made anywhere shows
everywhere at once.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from benchmarks.serving import gunicorn
from certify.certificates.models import Certificate
from certify.certificates.operations import revoke_certificate
from certify.core.extensions import db
from certify.users.models import User
from tests.support import REDIS

pytestmark = pytest.mark.skipif(shutil.which("gunicorn", path=str(Path(sys.executable).parent))
                                is None, reason="gunicorn is not installed")


@pytest.fixture
def production_env(app, database_url, cache):
    """Production configuration (no TESTING), sharing the test database and one Redis, whose
    public cache the test app (which makes the tests' changes) shares too."""
    instance = Path(app.instance_path)
    return {
        **os.environ,
        "CERTIFY_SECRET_KEY": secrets.token_urlsafe(48),
        "CERTIFY_DATABASE_URL": database_url,
        "CERTIFY_PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],  # the issuer we signed as
        "CERTIFY_SIGNING_KEY_DIR": str(instance / "keys"),
        "CERTIFY_UPLOAD_DIR": str(instance / "uploads"),
        "CERTIFY_SESSION_COOKIE_SECURE": "false",  # plain HTTP on the loopback
        "CERTIFY_RATELIMIT_STORAGE_URI": f"redis://{REDIS[0]}:{REDIS[1]}/0",
        # A fresh prefix: counters of earlier runs in the same Redis do not leak in.
        "CERTIFY_RATELIMIT_KEY_PREFIX": f"certify-test-{secrets.token_hex(6)}",
        "CERTIFY_LOGIN_FAILURE_LIMIT": "4 per 15 minutes",
        "CERTIFY_PUBLIC_CACHE_URL": app.config["PUBLIC_CACHE_URL"],
        "CERTIFY_PUBLIC_CACHE_KEY_PREFIX": app.config["PUBLIC_CACHE_KEY_PREFIX"],
    }


@contextmanager
def app_server(env, workers: int):
    with gunicorn("certify:create_served_app()", env,
                  options=["--workers", str(workers)]) as served:
        yield served[0]


def attempt_login(url: str, email: str, password: str) -> int:
    """One login from a new browser (a new connection, so any worker may answer)."""
    with requests.Session() as browser:
        page = browser.get(f"{url}/login", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        answer = browser.post(f"{url}/login", timeout=10, allow_redirects=False,
                              data={"csrf_token": token, "email": email, "password": password})
        return answer.status_code


def test_login_throttling_holds_across_workers(production_env, create_user):
    person = create_user("candidate")
    with app_server(production_env, workers=2) as url:
        failures = [attempt_login(url, person.email, "wrong password, again") for _ in range(4)]
        assert failures == [200] * 4  # the form again, with "Invalid email or password."
        # Per worker, memory counters would allow 4 more here; the shared count says no,
        # even for the right password.
        assert [attempt_login(url, person.email, person.password) for _ in range(4)] == [429] * 4


def test_two_app_processes_see_one_certificate_state(production_env, award, in_app):
    award()
    number = in_app(lambda: db.session.scalar(db.select(Certificate.number)))
    with (app_server(production_env, workers=1) as first,
          app_server(production_env, workers=1) as second):
        answers = [requests.get(f"{url}/api/v1/certificates/{number}", timeout=10).json()
                   for url in (first, second)]
        assert answers[0] == answers[1]
        assert answers[0]["status"] == "valid"
        for url in (first, second):  # each answer now kept in the shared cache
            assert "genuine and valid" in requests.get(f"{url}/verify/{number}", timeout=10).text

        in_app(lambda: revoke_certificate(
            db.session.scalar(db.select(Certificate)), by=db.session.get(User, award.admin.id),
            reason="Revoked while two processes serve."))
        for url in (first, second):
            assert requests.get(f"{url}/api/v1/certificates/{number}",
                                timeout=10).json()["status"] == "revoked"
            page = requests.get(f"{url}/verify/{number}", timeout=10).text
            assert "This certificate has been revoked" in page
