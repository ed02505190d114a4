"""The eddsa-rdfc-2022 cryptosuite of the W3C Data Integrity EdDSA Cryptosuites v1.0 (§3.3):
the document and the proof configuration each canonicalised as RDF (RDFC-1.0, which pyld
implements as URDNA2015), hashed with SHA-256 and signed together with Ed25519. Pure: no Flask,
no database; contexts come from the shipped set only (``offline_contexts``).

Expansion runs in *safe mode*: a term no context defines, which JSON-LD would silently drop
(leaving it outside the signature), makes canonicalisation fail instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

from certify.certificates.offline_contexts import (
    OfflineContexts,
    UnknownContext,
    offline_contexts,
)

CRYPTOSUITE = "eddsa-rdfc-2022"
# Hash N-Degree Quads runs allowed per canonicalisation (see BoundedCanonicalization).
MAX_DEEP_HASHES = 100
ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*|_):\S*$")


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
    processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
    # No base IRI: pyld would otherwise resolve relative IRIs against an example base.
    options = {**loader.options(), "base": None}
    try:
        expanded = processor.expand(dict(document), options)
        _refuse_relative(expanded)
        dataset = processor.to_rdf(expanded, options)
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
