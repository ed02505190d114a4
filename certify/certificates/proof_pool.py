"""Checking the signatures of many credentials at once, on every core: what ``backup`` and
``restore`` do for every certificate. Pure: no Flask, no database.

A credential's signature check is a function of its exact text alone (the did:key or DID
fragment in each proof names the key; whether that key is ours is decided afterwards, from the
database), so it can be made in another process: each credential's exact JSON text goes to a
worker, which parses it back and checks every proof, and the result comes back. A credential
changed in any byte is a different text, checked as it is. The workers are started fresh
(``spawn``: nothing of the parent, its database connections included, is inherited), import
only this pure part of the package (about 45 MB each) and live as long as the ``with`` block.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from certify.certificates import credentials as vc
from certify.certificates.proofs import ProofSet

# Credentials sent to a worker at a time: large enough that sending costs little next to the
# checks (about 5 ms each), small enough that both workers finish a batch together.
CHUNK = 20


def check_text(text: str) -> ProofSet:
    """Every proof of the credential whose exact text is *text* (``vc.exact_text``)."""
    return vc.verify_proof(json.loads(text))


class ProofChecker:
    """``checker.start(texts)``: the ProofSet of each text, in order; in this process when
    there is one worker, else spread over the pool, where the checks are under way as soon as
    ``start`` returns (the caller may do other work meanwhile, e.g. read the next batch)."""

    def __init__(self, executor: Executor | None):
        self.executor = executor

    def start(self, texts: Sequence[str]) -> Iterator[ProofSet]:
        if self.executor is None:
            return iter([check_text(text) for text in texts])
        return self.executor.map(check_text, texts, chunksize=CHUNK)


@contextmanager
def proof_checker(processes: int) -> Iterator[ProofChecker]:
    """A ProofChecker over *processes* worker processes (1 or fewer: this process)."""
    if processes <= 1:
        yield ProofChecker(None)
        return
    with ProcessPoolExecutor(max_workers=processes,
                             mp_context=multiprocessing.get_context("spawn")) as executor:
        yield ProofChecker(executor)
