"""Signature checks kept for every worker (certify/certificates/proof_memory.py, issue 17): made
when a credential is signed, by backup and restore, or by ``certificates remember-proofs``, kept
in Redis under an HMAC of the credential's exact text, and never trusted for another text."""

from __future__ import annotations

import copy
import hashlib

import pytest
import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates import proof_memory
from certify.certificates.models import Certificate
from certify.certificates.proofs import ProofResult, ProofSet
from certify.core import computed_cache
from certify.core.extensions import db

SIGNATURE_PASSED = "Signature matches the content: <strong>passed"
SIGNATURE_FAILED = "Signature matches the content: <strong>failed"


@pytest.fixture(autouse=True)
def fresh_process():
    """Each test starts as a worker that has checked nothing itself."""
    proof_memory._proof_of_text.cache_clear()
    yield
    proof_memory._proof_of_text.cache_clear()


def page(client, number: str) -> str:
    response = client.get(f"/verify/{number}?fresh")  # past the public cache of answers
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def stored(in_app) -> list[tuple[str, str]]:
    """(number, exact text of its credential) of every certificate."""
    return in_app(lambda: [(number, vc.exact_text(credential)) for number, credential in
                           db.session.execute(sa.select(Certificate.number,
                                                        Certificate.credential))])


def kept(app, cache, text: str) -> ProofSet | None:
    with app.app_context():
        value = computed_cache.recalled(proof_memory.kept_under(text))
    return None if value is None else ProofSet.from_json(value)


def entry(app, text: str) -> str:
    """The Redis key of the check of *text*."""
    with app.app_context():
        return computed_cache.entry_name(*proof_memory.kept_under(text))


def forget_every_check(app, cache) -> None:
    for key in cache.client.scan_iter(f"{app.config['PUBLIC_CACHE_KEY_PREFIX']}:computed:*"):
        cache.client.delete(key)
    proof_memory._proof_of_text.cache_clear()


def test_issuing_keeps_the_check_under_a_key_only_the_secret_names(app, cache, award, in_app):
    award()
    [(_number, text)] = stored(in_app)
    check = kept(app, cache, text)
    assert check is not None and check.ok is True
    assert {r.cryptosuite for r in check.results} == {"eddsa-jcs-2022", "eddsa-rdfc-2022"}
    assert check == vc.verify_proof(vc.parse(text.encode()))
    prefix = app.config["PUBLIC_CACHE_KEY_PREFIX"]
    keys = [key.decode() for key in cache.client.scan_iter(f"{prefix}:*")]
    assert entry(app, text) in keys
    assert hashlib.sha256(text.encode()).hexdigest() not in " ".join(keys)
    with app.app_context():
        app.config["SECRET_KEY"] = "another secret"
        assert computed_cache.recalled(proof_memory.kept_under(text)) is None


def test_a_worker_uses_the_check_another_kept_and_ignores_what_is_not_one(app, cache, award,
                                                                          in_app, client):
    award()
    [(number, text)] = stored(in_app)
    genuine = kept(app, cache, text)
    # What another worker kept is what this one shows: a check recorded as failed (which only
    # someone who can write to Redis could do: it can deny, never vouch for another text).
    failed = ProofSet(tuple(ProofResult(False, r.key_multibase, "recorded as failed",
                                        r.cryptosuite, r.verification_method)
                            for r in genuine.results))
    with app.app_context():
        computed_cache.keep(proof_memory.kept_under(text), failed.to_json())
    proof_memory._proof_of_text.cache_clear()  # this process signed it: now another worker
    assert SIGNATURE_FAILED in page(client, number)

    # A value that is not a check is ignored: the signature is checked and the check kept.
    proof_memory._proof_of_text.cache_clear()
    cache.client.set(entry(app, text), b"{not a check")
    assert SIGNATURE_PASSED in page(client, number)
    assert kept(app, cache, text) == genuine


def test_a_changed_stored_credential_is_checked_afresh(app, cache, award, in_app, client):
    award()
    [(number, text)] = stored(in_app)
    tampered = vc.parse(text.encode())
    tampered = copy.deepcopy(tampered)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"

    def store():
        db.session.scalar(sa.select(Certificate)).credential = tampered

    in_app(store)
    proof_memory._proof_of_text.cache_clear()
    assert SIGNATURE_FAILED in page(client, number)
    changed = kept(app, cache, vc.exact_text(tampered))
    assert changed is not None and changed.ok is False  # kept as what it is: failed
    assert kept(app, cache, text).ok is True


def test_remember_proofs_keeps_every_stored_credential_s_check(app, cache, award, in_app,
                                                               runner):
    award(), award()
    forget_every_check(app, cache)
    certificates = stored(in_app)
    assert all(kept(app, cache, text) is None for _, text in certificates)
    app.config["BACKUP_VERIFY_PROCESSES"] = 2  # on two processes, as on a server's cores
    result = runner.invoke(args=["certificates", "remember-proofs"])
    assert result.exit_code == 0, result.output
    assert "Kept the signature checks of 2 credentials." in result.output
    assert all(kept(app, cache, text).ok is True for _, text in certificates)


def test_remember_proofs_without_a_cache_says_so(app, award, runner):
    award()
    result = runner.invoke(args=["certificates", "remember-proofs"])
    assert result.exit_code != 0
    assert "No public cache is configured" in result.output


def test_without_a_cache_nothing_is_kept_and_pages_still_check(app, award, in_app, client):
    award()
    [(number, _text)] = stored(in_app)
    assert SIGNATURE_PASSED in page(client, number)
    with app.app_context():
        assert proof_memory.keep_checks([("text", ProofSet(()))]) == 0


def test_a_kept_check_reads_back_exactly_and_refuses_anything_else():
    check = ProofSet((ProofResult(True, "z6Mk", "", "eddsa-jcs-2022", "did:web:x#z6Mk"),
                      ProofResult(None, None, "not a cryptosuite we check", "x", "")), "")
    assert ProofSet.from_json(check.to_json()) == check
    for value in ("", "[]", '{"results": [[true]], "missing": ""}',
                  '{"results": [["yes", null, "", "", ""]], "missing": ""}',
                  '{"results": [[true, 5, "", "", ""]], "missing": ""}'):
        with pytest.raises(ValueError):
            ProofSet.from_json(value)


def test_a_backup_keeps_the_checks_it_made(app, cache, award, in_app, runner, tmp_path):
    award()
    forget_every_check(app, cache)
    [(_number, text)] = stored(in_app)
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "backup.zip")])
    assert result.exit_code == 0, result.output
    assert kept(app, cache, text).ok is True
