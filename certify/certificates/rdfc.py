"""The eddsa-rdfc-2022 cryptosuite of the W3C Data Integrity EdDSA Cryptosuites v1.0 (§3.3):
the document and the proof configuration each canonicalised as RDF (RDFC-1.0, which pyld
implements as URDNA2015), hashed with SHA-256 and signed together with Ed25519. Pure: no Flask,
no database; contexts come from the shipped set only (``offline_contexts``).

Expansion runs in *safe mode*: a term no context defines, which JSON-LD would silently drop
(leaving it outside the signature), makes canonicalisation fail instead.

Two shortcuts make it about three times faster than pyld's ``to_rdf`` as called plainly, with
the same output (tests/certificates/test_rdfc_fast_path.py compares the two on every W3C vector
and on generated credentials): the document is expanded once (``to_rdf`` would expand the
expanded form again), and the contexts of the Open Badges types, which do not propagate, are
processed once per process instead of once per object (see ``_Processor``).
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

from certify.certificates.offline_contexts import (
    OfflineContexts,
    UnknownContext,
    offline_contexts,
)

CRYPTOSUITE = "eddsa-rdfc-2022"
# Hash N-Degree Quads runs allowed per canonicalisation (see BoundedCanonicalization).
MAX_DEEP_HASHES = 100
ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*|_):\S*$")
# Finished active contexts, which pyld freezes (a context still being built is a plain dict).
FROZEN = type(jsonld.freeze({}))
# Active contexts kept with their non-propagating child (see _Processor): a credential needs
# about fifteen.
NON_PROPAGATING_KEPT = 128


class CanonicalizationError(ValueError):
    """A document that cannot be canonicalised as RDF without losing part of it."""


def _refuse_dropped(term: str | None) -> None:
    raise CanonicalizationError(f"the term {term!r} is defined by no context (safe mode)")


def _cause(error: BaseException | None, kind: type[Exception]) -> Exception | None:
    """The first ``kind`` in the chain of causes pyld wraps our loader's errors in."""
    while error is not None:
        if isinstance(error, kind):
            return error
        error = error.__cause__ or error.__context__
    return None


class BoundedCanonicalization(URDNA2015):
    """RDFC-1.0 with a ceiling on the work of telling look-alike blank nodes apart: a crafted
    document ("poison graph") would otherwise take exponential time. Our credentials need
    none of that work (every blank node differs in its own statements)."""

    def __init__(self):
        super().__init__()
        self.deep_hashes = 0

    def hash_n_degree_quads(self, id_, issuer):
        self.deep_hashes += 1
        if self.deep_hashes > MAX_DEEP_HASHES:
            raise CanonicalizationError("too many look-alike blank nodes to canonicalise")
        return super().hash_n_degree_quads(id_, issuer)


class _Processor(jsonld.JsonLdProcessor):
    """pyld's processor, with the one cache it misses. A type-scoped context (every Open Badges
    type has one) does not propagate, so pyld first makes a child of the active context that
    remembers its parent, and gives that child a new identity each time; its cache of processed
    contexts, keyed by that identity, then never answers, and each of the credential's objects
    has its context processed anew (most of the time a credential took). Here the child of a
    finished (frozen, so unchanging) active context is made once and kept, so pyld's own cache
    answers from the second object on. The child is the one pyld would make, so the result is
    the same; a context that sets ``@propagate`` itself, or comes as a URL or wrapped in
    ``@context``, goes the ordinary way."""

    _children: LRUCache = LRUCache(maxsize=NON_PROPAGATING_KEPT)
    _lock = threading.Lock()

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False,
                         propagate=True, validate_scoped=True, cycles=None):
        first = local_ctx[0] if isinstance(local_ctx, list) and local_ctx else local_ctx
        if (not propagate and isinstance(active_ctx, FROZEN) and "_uuid" in active_ctx
                and not active_ctx.get("previousContext") and isinstance(first, dict)
                and "@propagate" not in first and "@context" not in first):
            active_ctx = self._non_propagating_child(active_ctx)
        return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                        propagate, validate_scoped, cycles)

    def _non_propagating_child(self, active_ctx):
        with self._lock:
            child = self._children.get(active_ctx["_uuid"])
            if child is None or child["previousContext"] is not active_ctx:
                child = self._clone_active_context(active_ctx)
                child["previousContext"] = active_ctx
                child["_uuid"] = str(uuid.uuid1())
                child = self._children[active_ctx["_uuid"]] = jsonld.freeze(child)
            return child

    def dataset(self, expanded: list, options: dict[str, Any]) -> dict[str, Any]:
        """The RDF dataset of an expanded document: ``to_rdf`` without expanding it again."""
        options = {**options, "produceGeneralizedRdf": False}
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        self._create_node_map(expanded, node_map, "@default", issuer)
        return {name: self._graph_to_rdf(graph, issuer, options)
                for name, graph in sorted(node_map.items())
                if name == "@default" or jsonld._is_absolute_iri(name)}


def _refuse_relative(expanded: Any) -> None:
    """Safe mode for identifiers: an ``@id`` or ``@type`` that is no absolute IRI (an
    undefined type such as "FooCredential", a relative link) would leave the RDF dataset."""
    pending = [expanded]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key in ("@id", "@type"):
                    for name in value if isinstance(value, list) else [value]:
                        if (isinstance(name, str) and name != "@json"
                                and not ABSOLUTE_IRI.match(name)):
                            raise CanonicalizationError(
                                f"{key} {name!r} is no absolute IRI (safe mode)")
                else:
                    pending.append(value)


def canonical_nquads(document: Mapping[str, Any],
                     loader: OfflineContexts | None = None) -> str:
    """The document's RDF dataset, canonicalised (RDFC-1.0) as N-Quads."""
    loader = loader or offline_contexts()
    processor = _Processor(on_property_dropped=_refuse_dropped)
    # No base IRI: pyld would otherwise resolve relative IRIs against an example base.
    options = {**loader.options(), "base": None, "processingMode": "json-ld-1.1"}
    try:
        expanded = processor.expand(dict(document), options)
        _refuse_relative(expanded)
        dataset = processor.dataset(expanded, options)
        return BoundedCanonicalization().main(dataset, {"format": "application/n-quads"})
    except (jsonld.JsonLdError, CanonicalizationError) as error:
        unknown = _cause(error, UnknownContext)
        if unknown is not None:
            raise CanonicalizationError(str(unknown)) from error
        raise (_cause(error, CanonicalizationError)
               or CanonicalizationError(f"not valid JSON-LD: {error}")) from error
    except (TypeError, KeyError, IndexError, AttributeError, RecursionError) as error:
        # pyld on input it never expected (a visitor's upload): the proof cannot hold.
        raise CanonicalizationError(f"not valid JSON-LD: {error!r}") from error


def proof_configuration(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The proof options (no proofValue) under the document's ``@context`` (§3.3.5)."""
    options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    return {"@context": document.get("@context"), **options}


def hash_data(document: Mapping[str, Any], proof: Mapping[str, Any],
              loader: OfflineContexts | None = None) -> bytes:
    """SHA-256 of the canonical proof configuration ‖ SHA-256 of the canonical document
    (§3.3.4), the document without any proof."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    configuration = proof_configuration(unsecured, proof)
    return (hashlib.sha256(canonical_nquads(configuration, loader).encode()).digest()
            + hashlib.sha256(canonical_nquads(unsecured, loader).encode()).digest())
