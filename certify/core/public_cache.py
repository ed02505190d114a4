"""Public answers kept ready in Redis (PUBLIC_CACHE_URL), shared by every worker and process.

Verifying a certificate is what the site does most, and the answer rarely changes. An
anonymous visitor's verification page in one language, or the API's lookup of one number, is
the same bytes for everyone until something changes: the certificate, a signing key, a branch
or a rubric, or the date, which moves a certificate past a validity boundary. So those answers
are kept in Redis and served without the database or the templates. Rate limiting, the
security headers and every other request hook still run.

How it stays correct:
- Every commit that changed a model the answers show bumps one generation counter (the
  session events below). An entry is served only while its generation is still the counter's
  value, so a change shows on every worker at once.
- An entry is tagged with the generation the request saw *before* it read the database. A
  request that read just before a change committed may store its answer after the change,
  but under the old generation, so it is never served.
- Entries end at the next UTC midnight, because statuses change by date. In any case they
  end after PUBLIC_CACHE_SECONDS, which bounds how long an answer could outlive a change
  nobody announced: an edit by hand in the database, a deploy, or Redis down at the moment
  of a commit.
- If Redis fails, the request is answered from the database as if there were no cache.

Every process that writes to the database (web workers, CLI, cron jobs) must have the same
PUBLIC_CACHE_URL, or its changes will not reach the cache (docs/deployment.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import redis
import sqlalchemy as sa
from flask import Flask, Response, current_app, has_app_context, session
from flask_login import current_user
from flask_sqlalchemy.session import Session

from certify.core.db_types import utcnow

log = logging.getLogger(__name__)
EXTENSION = "certify_public_cache"
STALE = "certify_public_answers_stale"
# What an answer is besides its body; the rest (security headers, ...) is added per request.
KEPT_HEADERS = ("Content-Type", "Content-Disposition")



class PublicCache:
    def __init__(self, app: Flask):
        # Short timeouts: a slow cache must not be slower than the database it stands in for.
        self.client = redis.Redis.from_url(app.config["PUBLIC_CACHE_URL"], socket_timeout=0.5,
                                           socket_connect_timeout=0.5)
        self.prefix = f"{app.config['PUBLIC_CACHE_KEY_PREFIX']}:public"
        self.generation_key = f"{self.prefix}:generation"
        self.seconds = int(app.config["PUBLIC_CACHE_SECONDS"])

    def answer(self, key: str, build: Callable[[], Response]) -> Response:
        """The stored answer for ``key``, or ``build()``'s, stored when it is a 200."""
        entry = f"{self.prefix}:{key}"
        try:
            generation, stored = self.client.mget(self.generation_key, entry)
        except redis.RedisError as error:
            log.warning("Public cache unavailable (%s); answering from the database", error)
            return build()
        generation = generation or b"0"
        if stored is not None:
            tag, _, rest = stored.partition(b"|")
            if tag == generation:
                headers, _, body = rest.partition(b"\n")
                return Response(body, headers=json.loads(headers))
        response = build()
        if response.status_code == 200 and not response.direct_passthrough:
            # "<generation>|<headers as JSON>\n<body>": JSON escapes any newline of its own.
            headers = {name: response.headers[name] for name in KEPT_HEADERS
                       if name in response.headers}
            try:
                self.client.set(entry, b"%s|%s\n%s" % (generation, json.dumps(headers).encode(),
                                                        response.get_data()),
                                ex=self.lifetime())
            except redis.RedisError as error:
                log.warning("Public cache unavailable (%s); answer not stored", error)
        return response

    def lifetime(self) -> int:
        """Seconds an entry stored now may be served: never past the next UTC midnight."""
        now = utcnow()
        midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
        return max(1, min(self.seconds, int((midnight - now).total_seconds())))

    def invalidate(self) -> None:
        """Make every stored answer stale, on every worker."""
        try:
            self.client.incr(self.generation_key)
        except redis.RedisError as error:
            # The entries still end within PUBLIC_CACHE_SECONDS.
            log.error("Public cache not invalidated (%s): answers may be up to %d s stale",
                      error, self.seconds)


def init_app(app: Flask) -> None:
    if app.config.get("PUBLIC_CACHE_URL"):
        app.extensions[EXTENSION] = PublicCache(app)


def public_cache() -> PublicCache | None:
    return current_app.extensions.get(EXTENSION)


def forget_public_answers() -> None:
    """After writes the session events cannot see (e.g. a restore through SQLAlchemy Core)."""
    cache = public_cache()
    if cache is not None:
        cache.invalidate()


def cached(key: str, build: Callable[[], Response]) -> Response:
    """``build()``'s answer, kept for everyone when a cache is configured."""
    cache = public_cache()
    return cache.answer(key, build) if cache else build()


def cached_for_visitors(key: str, build: Callable[[], Response]) -> Response:
    """Kept only in the form every anonymous visitor gets: no one logged in (a page names
    them, a holder may open their private documents), no message waiting to be shown."""
    if current_user.is_authenticated or session.get("_flashes"):
        return build()
    return cached(key, build)


_shown_models: tuple[type, ...] = ()


def watch(*models: type) -> None:
    """Declare models whose changes alter public answers. The package that serves the answers
    names them (certificates: the certificate, its signing key, its branch's and rubric's
    names), so this layer needs to know none of them."""
    global _shown_models
    _shown_models = tuple(dict.fromkeys((*_shown_models, *models)))


@sa.event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    shown = _shown_models
    if any(isinstance(obj, shown) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[STALE] = True


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    if ((state.is_update or state.is_delete) and state.bind_mapper is not None
            and issubclass(state.bind_mapper.class_, _shown_models)):
        state.session.info[STALE] = True


@sa.event.listens_for(Session, "after_commit")
def _drop_stale_answers(session: Session) -> None:
    # Not cleared on rollback: a flag left over from a failed transaction costs one needless
    # invalidation at the next commit, a flag cleared too eagerly would serve stale answers.
    if session.info.pop(STALE, False) and has_app_context():
        forget_public_answers()
