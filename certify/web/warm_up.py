"""A served worker warmed before it takes requests (issue 17, docs/deployment.md "Warm
workers").

A fresh gunicorn worker answered its first ``/verify/<number>`` in 180 ms against 12 ms for
the next ones: it compiled the page's templates (85 ms), read the JSON-LD contexts of the
credential's proof, compiled the SQL of the lookup and loaded the date formats. Under staff
load those first answers were the public pool's slowest (p99 105–190 ms at 100×, every
other one under 30 ms). ``gunicorn 'certify:create_served_app()'`` builds the app and does
that work before the worker accepts its first connection: every template compiled, every
language's catalogue loaded, and one certificate's verification page and API answer built in
each language, from the database and past the public cache (so nothing is stored and the
whole path runs); then everything it holds is frozen out of the garbage collector's full
collections (``gc.freeze``). The CLI and the tests keep ``create_app()``, which does none of
it.

Nothing here may stop a worker from serving: a database not migrated yet, or one without
certificates, only leaves less warmed (logged).
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, get_translations

from certify.certificates.models import Certificate
from certify.core import public_cache
from certify.core.extensions import db
from certify.web.app import create_app

log = logging.getLogger(__name__)
TEMPLATE_SUFFIXES = (".html", ".txt", ".xml", ".svg")
# A number no certificate has (numbers are BRANCH-YEAR-SEQUENCE): the "not found" page.
UNKNOWN_NUMBER = "WARM-UP-0"


def create_served_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The app as a gunicorn worker serves it: built (``create_app(config)``), then warmed."""
    return ready_to_serve(create_app(config))


def ready_to_serve(app: Flask) -> Flask:
    """Warm a fully set-up app (no hook may be added after its first request), then set what
    it holds aside from the garbage collector."""
    warm_up(app)
    # A warmed worker holds some 330,000 objects (the app, its compiled templates, pandas),
    # which every full collection walked: 100-200 ms, paid by whichever request triggered it
    # (the analytics page at 100x: 286-463 ms a request, 266-288 ms with them set aside).
    # What is frozen is never collected; all of it lives as long as the worker anyway.
    gc.collect()
    gc.freeze()
    # With ``--preload`` the warm-up's database connection would be shared by every forked
    # worker; each child starts with a pool of its own (SQLAlchemy's advice for forking).
    with app.app_context():
        engine = db.engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return app


def warm_up(app: Flask) -> dict[str, float]:
    """Compile the templates, load the catalogues and verify one certificate in each
    language; the seconds each step took (logged)."""
    took = {}
    start = time.perf_counter()
    for name in app.jinja_env.list_templates():
        if name.endswith(TEMPLATE_SUFFIXES):
            app.jinja_env.get_template(name)
    took["templates"] = time.perf_counter() - start
    start = time.perf_counter()
    with app.test_request_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                get_translations()
    took["catalogues"] = time.perf_counter() - start
    start = time.perf_counter()
    answered = _verify_once(app)
    took["verification"] = time.perf_counter() - start
    log.info("Worker warmed: %s; verification answers %s",
             ", ".join(f"{step} {seconds * 1000:.0f} ms" for step, seconds in took.items()),
             answered)
    return took


def _verify_once(app: Flask) -> list[int]:
    """One certificate's page and API answer (and an unknown number's page) in each language,
    with the public cache set aside: the status codes."""
    try:
        with app.app_context():
            number = db.session.scalar(sa.select(Certificate.number)
                                       .order_by(Certificate.id.desc()).limit(1))
            db.session.remove()
    except sa.exc.SQLAlchemyError as error:  # not migrated yet: the pages warm another time
        log.warning("Worker warm-up without a verification (%s)", error.__class__.__name__)
        number = None
    paths = [f"/verify/{UNKNOWN_NUMBER}"]
    if number:
        paths += [f"/verify/{number}", f"/api/v1/certificates/{number}"]
    cache = app.extensions.pop(public_cache.EXTENSION, None)
    try:
        client = app.test_client()
        return [client.get(path, headers={"Accept-Language": language}).status_code
                for language in app.config["LANGUAGES"] for path in paths]
    finally:
        if cache is not None:
            app.extensions[public_cache.EXTENSION] = cache
