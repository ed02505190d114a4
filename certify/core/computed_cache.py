"""Figures that take seconds to compute, kept in Redis (PUBLIC_CACHE_URL) under a fingerprint
of the data they come from.

The caller computes the fingerprint (a cheap query: counts and weighted sums of the rows the
figures read) and names the figures with it, so a change to the data changes the name and the
old entry is simply never asked for again: nothing is ever served stale, and nothing has to be
told about a change. Entries end after COMPUTED_CACHE_SECONDS (or the lifetime the caller
gives) so the unused ones go. A value named by everything it depends on needs no fingerprint:
the signature check of a credential's exact text (certify/certificates/proof_memory.py).
Values are JSON (no pickle: what Redis holds is never code). Without Redis, or when it fails,
the figures are computed each time, as if there were no cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import redis
from flask import current_app

log = logging.getLogger(__name__)
EXTENSION = "certify_computed_cache"


def _plain(value: Any) -> Any:
    """numpy's scalars as Python's, for json."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _client() -> redis.Redis | None:
    url = current_app.config.get("PUBLIC_CACHE_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault(EXTENSION, {})
    if url not in clients:
        # Short timeouts: a slow cache must not be slower than computing the figures.
        clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return clients[url]


def entry_name(*parts: object) -> str:
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    return f"{current_app.config['PUBLIC_CACHE_KEY_PREFIX']}:computed:{digest}"


_UNKNOWN = object()


def recalled(parts: tuple) -> Any | None:
    """The value kept under ``parts``, or None (none kept, no cache, or the cache failing)."""
    value = _recall(parts)
    return None if value is _UNKNOWN else value


def _recall(parts: tuple) -> Any:
    client = _client()
    if client is None:
        return _UNKNOWN
    try:
        stored = client.get(entry_name(*parts))
    except redis.RedisError as error:
        log.warning("Computed-figures cache unavailable (%s); computing them", error)
        return _UNKNOWN
    return _UNKNOWN if stored is None else json.loads(stored)


def keep(parts: tuple, value: Any, seconds: int | None = None, *,
         json_native: bool = False) -> Any:
    """Keep ``value`` under ``parts`` (when there is a cache); the value as it reads back.
    A ``json_native`` value (lists, str keys, str, int, float, bool, None: nothing JSON would
    change) is returned as it is: reading back the analytics summary's 2 MB cost 50–200 ms
    at 100×, garbage collection included."""
    text = json.dumps(value, default=_plain)
    keep_all([(parts, text)], seconds)
    return value if json_native else json.loads(text)


def keep_all(entries: Iterable[tuple[tuple, str]], seconds: int | None = None) -> None:
    """Keep each (parts, value as JSON text) at once, for ``seconds`` (default:
    COMPUTED_CACHE_SECONDS), when there is a cache."""
    client = _client()
    if client is None:
        return
    lifetime = seconds or int(current_app.config["COMPUTED_CACHE_SECONDS"])
    try:
        with client.pipeline(transaction=False) as pipeline:
            for parts, text in entries:
                pipeline.set(entry_name(*parts), text, ex=lifetime)
            pipeline.execute()
    except redis.RedisError as error:
        log.warning("Computed-figures cache unavailable (%s); not kept", error)


def remembered(parts: tuple, build: Callable[[], Any], *, json_native: bool = False) -> Any:
    """``build()``'s JSON-able value, kept under ``parts`` (which must include the data's
    fingerprint and everything else the value depends on: scope, language, ...); see
    ``keep`` for ``json_native``."""
    value = _recall(parts)
    if value is not _UNKNOWN:
        return value
    return (keep(parts, build(), json_native=json_native) if _client() is not None
            else build())
