"""The JSON-LD contexts our credentials, status lists and issuer documents name, shipped in the
package (``contexts/``, sources and licences in its README), and a document loader that serves
them and nothing else: no context is ever fetched from the network, at signing or verifying,
and a document naming any other context cannot be canonicalised. Pure: no Flask, no database.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from cachetools import LRUCache
from pyld.context_resolver import ContextResolver

# Each context URL we use -> its file in certify/certificates/contexts/.
SHIPPED_CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-extensions.json",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
}
# Resolved contexts kept per loader (pyld's own cache is shared by every loader in the process,
# so a context one loader served would be answered for another that must refuse it).
RESOLVED_CONTEXTS_KEPT = 32
# Embedded contexts (the type- and property-scoped ones inside the shipped contexts) kept per
# loader by identity: a credential names about fifteen.
EMBEDDED_CONTEXTS_KEPT = 128

DocumentLoader = Callable[[str, dict], dict[str, Any]]


class UnknownContext(ValueError):
    """A document names a JSON-LD context we do not ship (and will not fetch)."""

    def __init__(self, url: str):
        super().__init__(f"the JSON-LD context {url!r} is not shipped with certify "
                         "and is never fetched")
        self.url = url


@functools.cache
def shipped_context(url: str) -> Mapping[str, Any]:
    """The parsed context document shipped for ``url``; ``UnknownContext`` for any other."""
    name = SHIPPED_CONTEXTS.get(url)
    if name is None:
        raise UnknownContext(url)
    text = resources.files(__package__).joinpath("contexts", name).read_text(encoding="utf-8")
    return json.loads(text)


class _Resolver(ContextResolver):
    """pyld's resolver, which finds an embedded context in its cache by the context's JCS text,
    made anew for each use (a fifth of a credential's canonicalisation); here the same context
    object, held in the cache so that it stays the same object, is found by its identity."""

    def __init__(self, shared_cache, document_loader):
        super().__init__(shared_cache, document_loader)
        # pyld keeps a dict per resolver "per operation"; ours lives as long as the process, so
        # a visitor posting credentials with ever new inline contexts would grow it unbounded.
        self.per_op_cache = LRUCache(maxsize=RESOLVED_CONTEXTS_KEPT)
        self.embedded: LRUCache = LRUCache(maxsize=EMBEDDED_CONTEXTS_KEPT)
        self.lock = threading.Lock()

    def resolve(self, active_ctx, context, base, cycles=None):
        if not isinstance(context, dict) or "@context" in context:
            return super().resolve(active_ctx, context, base, cycles)
        with self.lock:
            kept = self.embedded.get(id(context))
        if kept is not None and kept[0] is context:
            return kept[1]
        resolved = super().resolve(active_ctx, context, base, cycles)
        with self.lock:
            self.embedded[id(context)] = (context, resolved)
        return resolved


class OfflineContexts:
    """A pyld document loader over the shipped contexts (plus ``extra``, documents given as
    parsed JSON, e.g. a test vector's example context), with its own resolved-context cache."""

    def __init__(self, extra: Mapping[str, Mapping[str, Any]] | None = None):
        self.extra = dict(extra or {})
        self.resolver = _Resolver(LRUCache(maxsize=RESOLVED_CONTEXTS_KEPT), self)

    def __call__(self, url: str, options: dict | None = None) -> dict[str, Any]:
        document = self.extra[url] if url in self.extra else shipped_context(url)
        # A copy: pyld may rewrite what it loads, and the parsed files are shared.
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document),
                "contentType": "application/ld+json"}

    def options(self) -> dict[str, Any]:
        """The pyld options that make a call use this loader and nothing else."""
        return {"documentLoader": self, "contextResolver": self.resolver}


@functools.cache
def offline_contexts() -> OfflineContexts:
    """The loader every signing and verification of ours uses: the shipped contexts only."""
    return OfflineContexts()
