"""The application as production runs it, plus one response header for benchmarks/scale.py:
``X-SQL-Statements``, the number of SQL statements a request ran before its response left the
view (a streamed body's later statements are not in it). Only this module adds the listener,
so production pays nothing for it.

    gunicorn 'benchmarks.counted_app:create_counted_app()'
"""

from __future__ import annotations

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from certify.web.app import create_app


def _count(*_args) -> None:
    if has_request_context():
        g.sql_statements = g.get("sql_statements", 0) + 1


def create_counted_app() -> Flask:
    app = create_app()
    event.listen(Engine, "before_cursor_execute", _count)

    @app.after_request
    def count_header(response):
        response.headers["X-SQL-Statements"] = str(g.get("sql_statements", 0))
        return response

    return app
