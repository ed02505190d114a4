"""Signed checkpoints anchor the audit chain: someone with database access who deletes the newest
entries, or rewrites an entry and recomputes the whole chain after it, is found by
`audit verify`; the checkpoints are public and verify with the issuer's published key."""

from __future__ import annotations

import base64
import functools
import io
import json
import tarfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import rfc8785
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certify.certificates.credentials import public_key_from_multibase, public_key_multibase
from certify.core.audit import GENESIS, AuditEvent, entry_hash, record
from certify.core.extensions import db


def _entries(in_app, count=4):
    in_app(lambda: [record("test.step", None, step=step) for step in range(count)])


def _checkpoint(runner) -> str:
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result.output


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def _rows(in_app, table):
    return in_app(lambda: [tuple(row) for row in db.session.execute(
        sa.text(f"SELECT * FROM {table} ORDER BY id"))])  # noqa: S608 - our own table names


def test_unchanged_chain_passes_against_its_checkpoints(runner, in_app):
    _entries(in_app)
    assert "Checkpoint 1: entry" in _checkpoint(runner)
    _entries(in_app, 2)  # the log goes on after a checkpoint
    _checkpoint(runner)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "0 problems; 2 signed checkpoints checked" in result.output


def test_deleting_the_newest_entries_is_found(runner, in_app):
    _entries(in_app)
    _checkpoint(runner)
    newest = in_app(lambda: db.session.scalar(sa.select(sa.func.max(AuditEvent.id))))
    in_app(lambda: db.session.execute(sa.text("DELETE FROM audit_events WHERE id >= :id"),
                                      {"id": newest - 1}))
    result = _verify(runner)
    assert result.exit_code == 1, result.output
    assert "checkpoint 1 (" in result.output
    assert f"entry {newest}): the log ends at entry {newest - 2}" in result.output


def _rewrite_and_recompute():
    """As an attacker with database access: change the first entry, then rehash every one."""
    previous = GENESIS
    events = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    for index, event in enumerate(events):
        data = {"step": "rewritten"} if index == 0 else event.data
        digest = entry_hash(previous, event.created_at, event.actor_id, event.action,
                            event.object_type, event.object_id, data)
        db.session.execute(sa.text(
            "UPDATE audit_events SET data = :data, prev_hash = :prev, hash = :hash "
            "WHERE id = :id"), {"data": json.dumps(data), "prev": previous, "hash": digest,
                                "id": event.id})
        previous = digest
    db.session.expire_all()


def test_rewriting_and_recomputing_the_chain_is_found(runner, in_app):
    _entries(in_app)
    _checkpoint(runner)
    before = _rows(in_app, "audit_checkpoints")
    in_app(_rewrite_and_recompute)
    result = _verify(runner)
    assert result.exit_code == 1, result.output
    assert "the chain was rewritten" in result.output
    assert "its content was changed" not in result.output  # the chain alone looks whole
    assert _rows(in_app, "audit_checkpoints") == before


def test_a_checkpoint_forged_with_another_key_or_altered_is_found(runner, in_app):
    _entries(in_app)
    _checkpoint(runner)
    in_app(_rewrite_and_recompute)
    attacker = Ed25519PrivateKey.generate()
    head = in_app(lambda: db.session.execute(sa.select(AuditEvent.id, AuditEvent.hash)
                                             .order_by(AuditEvent.id.desc()).limit(1)).first())
    statement = {"type": "certify-audit-checkpoint/1", "created_at": "2030-01-01T00:00:00+00:00",
                 "event_id": head.id, "head_hash": head.hash}
    signature = base64.b64encode(attacker.sign(rfc8785.dumps(statement))).decode()
    in_app(lambda: db.session.execute(sa.text(
        "INSERT INTO audit_checkpoints (created_at, event_id, head_hash, key, signature) "
        "VALUES (:at, :event, :head, :key, :signature)"),
        {"at": "2030-01-01 00:00:00.000000", "event": head.id, "head": head.hash,
         "key": public_key_multibase(attacker.public_key()), "signature": signature}))
    # and the genuine checkpoint "corrected" to the new head
    in_app(lambda: db.session.execute(sa.text(
        "UPDATE audit_checkpoints SET head_hash = :head WHERE id = 1"), {"head": head.hash}))
    result = _verify(runner)
    assert result.exit_code == 1, result.output
    assert "checkpoint 1 (" in result.output and "its signature does not verify" in result.output
    assert "checkpoint 2 (" in result.output
    assert "a key this instance does not trust" in result.output


def test_checkpoints_are_public_and_verify_with_the_issuer_key(client, runner, in_app):
    _entries(in_app)
    _checkpoint(runner)
    _entries(in_app, 1)
    _checkpoint(runner)
    answer = client.get("/audit/checkpoints.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    listed = answer.get_json()["checkpoints"]
    assert [item["id"] for item in listed] == [2, 1]
    did_document = client.get("/.well-known/did.json").get_json()
    published = {method["publicKeyMultibase"] for method in did_document["verificationMethod"]}
    for item in listed:
        assert item["key"] in published
        statement = {"type": "certify-audit-checkpoint/1", **{
            name: item[name] for name in ("created_at", "event_id", "head_hash")}}
        public_key_from_multibase(item["key"]).verify(  # raises if it does not verify
            base64.b64decode(item["signature"]), rfc8785.dumps(statement))
    head = in_app(lambda: db.session.scalar(sa.select(AuditEvent.hash)
                                            .order_by(AuditEvent.id.desc()).limit(1)))
    assert listed[0]["head_hash"] == head


def test_backups_carry_the_checkpoints(runner, in_app, tmp_path):
    _entries(in_app)
    _checkpoint(runner)
    archive = tmp_path / "certify.tar.gz"
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as opened:
        lines = io.BytesIO(opened.extractfile("database/audit_checkpoints.jsonl").read())
        saved = [json.loads(line) for line in lines.read().splitlines()]
    assert [row["id"] for row in saved] == [1] and saved[0]["signature"]


def _save_published(client, folder) -> Path:
    """What an outside party keeps: a copy of the published checkpoints."""
    saved = folder / "checkpoints.json"
    saved.write_bytes(client.get("/audit/checkpoints.json").data)
    return saved


def _delete_tail_and_its_checkpoints(in_app, after_event: int) -> None:
    """As a database-level attacker (who can drop the append-only triggers): the newest entries
    go, and so do the checkpoint rows that signed them, so the database alone looks whole."""
    in_app(lambda: db.session.execute(sa.text("DELETE FROM audit_checkpoints WHERE event_id > :id"),
                                      {"id": after_event}))
    in_app(lambda: db.session.execute(sa.text("DELETE FROM audit_events WHERE id > :id"),
                                      {"id": after_event}))


def test_a_saved_copy_finds_the_tail_deleted_with_its_checkpoints(client, runner, in_app,
                                                                   tmp_path):
    _entries(in_app)
    _checkpoint(runner)
    first = in_app(lambda: db.session.scalar(sa.select(sa.func.max(AuditEvent.id))))
    _entries(in_app, 3)
    _checkpoint(runner)
    newest = in_app(lambda: db.session.scalar(sa.select(sa.func.max(AuditEvent.id))))
    saved = _save_published(client, tmp_path)
    clean = runner.invoke(args=["audit", "verify", "--against", str(saved)])
    assert clean.exit_code == 0, clean.output
    assert "0 problems; 2 signed checkpoints checked; 2 saved checkpoints checked" in clean.output

    _delete_tail_and_its_checkpoints(in_app, first)
    assert _verify(runner).exit_code == 0  # the database alone cannot tell
    result = runner.invoke(args=["audit", "verify", "--against", str(saved)])
    assert result.exit_code == 1, result.output
    assert ("saved checkpoint 2 (" in result.output
            and f"entry {newest}): the log ends at entry {first}, so the newest entries were "
                "removed" in result.output)
    assert f"entry {newest}): no longer in the database (checkpoint rows were deleted)" in (
        result.output)
    assert "saved checkpoint 1 (" not in result.output  # what still holds is not blamed


def test_a_saved_copy_is_believed_only_with_a_trusted_signature(client, runner, in_app,
                                                                 tmp_path):
    _entries(in_app)
    _checkpoint(runner)
    saved = _save_published(client, tmp_path)
    document = json.loads(saved.read_text())
    genuine = document["checkpoints"][0]
    attacker = Ed25519PrivateKey.generate()
    statement = {"type": "certify-audit-checkpoint/1", "created_at": genuine["created_at"],
                 "event_id": genuine["event_id"], "head_hash": "0" * 64}
    forged = {**genuine, "id": 7, "head_hash": "0" * 64,
              "key": public_key_multibase(attacker.public_key()),
              "signature": base64.b64encode(attacker.sign(rfc8785.dumps(statement))).decode()}
    altered = {**genuine, "created_at": "2030-01-01T00:00:00+00:00"}
    document["checkpoints"] = [forged, altered]
    saved.write_text(json.dumps(document))
    result = runner.invoke(args=["audit", "verify", "--against", str(saved)])
    assert result.exit_code == 1, result.output
    assert "saved checkpoint 7 (" in result.output
    assert "a key this instance does not trust" in result.output
    assert ("saved checkpoint 1 (2030-01-01 00:00 UTC" in result.output
            and "its signature does not verify" in result.output)


@pytest.mark.parametrize(("content", "reason"), [
    (None, "No such file"),
    (b"<html>not json</html>", "Expecting value"),
    (b'{"checkpoints": [{"id": 1}]}', "entry 1 is not a checkpoint"),
    (b'{"issuer": "x"}', 'a "checkpoints" list'),
])
def test_an_unreadable_saved_copy_exits_2_with_the_reason(runner, tmp_path, content, reason):
    saved = tmp_path / "checkpoints.json"
    if content is not None:
        saved.write_bytes(content)
    result = runner.invoke(args=["audit", "verify", "--against", str(saved)])
    assert result.exit_code == 2, result.output
    assert f"Cannot read the saved checkpoints {saved}: " in result.output
    assert reason in result.output


def test_a_saved_copy_is_read_from_an_address(client, runner, in_app, tmp_path):
    _entries(in_app)
    _checkpoint(runner)
    _save_published(client, tmp_path)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            address = f"http://127.0.0.1:{server.server_address[1]}/checkpoints.json"
            result = runner.invoke(args=["audit", "verify", "--against", address])
        finally:
            server.shutdown()
    assert result.exit_code == 0, result.output
    assert f"1 saved checkpoints checked against {address}" in result.output
