"""The W3C Data Integrity test vectors (tests/certificates/vectors) and their example context,
shared by the vector tests and the canonicalisation fast-path tests."""

from __future__ import annotations

import json
from pathlib import Path

from certify.certificates.offline_contexts import OfflineContexts

VECTORS = Path(__file__).parents[1] / "certificates" / "vectors"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
# The vectors' example context, served beside ours for these tests only.
VECTOR_CONTEXTS = OfflineContexts({EXAMPLES_CONTEXT: json.loads(
    (VECTORS / "credentials-examples-v2.jsonld").read_text())})


def read(name: str) -> str:
    return (VECTORS / name).read_text()


def load(name: str) -> dict:
    return json.loads(read(name))


def unsigned(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "proof"}
