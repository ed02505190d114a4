"""The application as production runs it (warmed before it serves: certify/web/warm_up.py),
plus two response headers for benchmarks/scale.py: ``X-SQL-Statements``, the number of SQL
statements a request ran before its response left the view (a streamed body's later statements
are not in it), and ``Server-Timing: app;dur=<ms>, db;dur=<ms>``, the time from the request
reaching Flask to its response leaving the view, and the part of it spent in SQL statements
(what the client waits beyond it is the queue, the network and the client's own turn on the
CPU). Only this module adds them, so production pays nothing for it.

    gunicorn 'benchmarks.counted_app:create_counted_app()'
"""

from __future__ import annotations

import time

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from certify.web.app import create_app
from certify.web.warm_up import ready_to_serve


def _count(_conn, _cursor, _statement, _parameters, context, _many) -> None:
    if has_request_context():
        g.sql_statements = g.get("sql_statements", 0) + 1
        context.benchmark_started = time.perf_counter()


def _time(_conn, _cursor, _statement, _parameters, context, _many) -> None:
    started = getattr(context, "benchmark_started", None)
    if started is not None and has_request_context():
        g.sql_seconds = g.get("sql_seconds", 0.0) + time.perf_counter() - started


def create_counted_app() -> Flask:
    app = create_app()
    event.listen(Engine, "before_cursor_execute", _count)
    event.listen(Engine, "after_cursor_execute", _time)

    def start_clock():
        g.request_started = time.perf_counter()

    app.before_request_funcs.setdefault(None, []).insert(0, start_clock)  # before the others

    @app.after_request
    def count_header(response):
        response.headers["X-SQL-Statements"] = str(g.get("sql_statements", 0))
        if "request_started" in g:
            elapsed_ms = (time.perf_counter() - g.request_started) * 1000
            response.headers["Server-Timing"] = (
                f"app;dur={elapsed_ms:.1f}, db;dur={g.get('sql_seconds', 0.0) * 1000:.1f}")
        return response

    return ready_to_serve(app)
