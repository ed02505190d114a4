"""`flask backup` / `flask restore`: a consistent archive that restores into an empty instance
with every certificate verifying exactly as before; damaged archives and occupied instances are
refused without writing anything."""

from __future__ import annotations

import base64
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest
import rfc8785
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assessments.reviewers.severity import REVIEW_SCORES
from certify.certificates.credentials import public_key_multibase
from certify.certificates.keys import active_key
from certify.certificates.models import Certificate
from certify.certificates.operations import revoke_certificate, suspend_certificate
from certify.core.change_marks import current_mark
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import User
from certify.users.operations import create_user
from certify.web.app import create_app
from certify.web.backup import DERIVED_TABLES, _batches, _encode, _sha256
from certify.web.backup_archive import open_archive
from certify.web.backup_signature import sign_manifest
from certify.web.backup_verification import verification_results
from tests.support import TEST_DATABASE_URL


def instance(folder: Path, url: str | None = None, **config):
    """A second instance of the application with its own database, uploads and keys."""
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app({"TESTING": True,
                      "DATABASE_URL": url or f"sqlite:///{folder / 'certify.db'}",
                      "UPLOAD_DIR": str(folder / "uploads"),
                      "SIGNING_KEY_DIR": str(folder / "keys"), **config})
    app.instance_path = str(folder)
    return app


def every_row(app) -> dict[str, list[dict]]:
    with app.app_context():
        rows = {table.name: [{key: _encode(value) for key, value in row._mapping.items()}
                             for row in db.session.execute(
                                 sa.select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables if table.name not in DERIVED_TABLES}
        db.session.remove()
        return rows


def review_scores_mark(app) -> str | None:
    with app.app_context():
        mark = current_mark(REVIEW_SCORES)
        db.session.remove()
        return mark


def public_answers(app, numbers) -> dict[str, tuple]:
    """What the public sees for each certificate: the API's JSON and the /verify page's checks."""
    client = app.test_client()
    answers = {}
    for number in numbers:
        api = client.get(f"/api/v1/certificates/{number}")
        page = client.get(f"/verify/{number}")
        assert page.status_code == 200
        answers[number] = (api.status_code, api.get_json(),
                           page.get_data(as_text=True).count('class="check ok"'))
    return answers


def uploaded(app) -> dict[str, bytes]:
    """The evidence files of the instance's database, an application's and a CPD log's
    (earlier tests leave others behind)."""
    folder = Path(app.config["UPLOAD_DIR"] or Path(app.instance_path) / "uploads")
    with app.app_context():
        names = set(db.session.scalars(sa.text(
            "SELECT stored_name FROM evidence WHERE stored_name IS NOT NULL UNION "
            "SELECT stored_name FROM cpd_evidence WHERE stored_name IS NOT NULL"))) if sa.inspect(
            db.engine).has_table("cpd_evidence") else set()
        db.session.remove()
    files = {path.name: path.read_bytes() for path in folder.glob("*")} if folder.exists() else {}
    return {name: data for name, data in files.items() if name in names}


def stray_files(app) -> list[str]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(path.name for path in folder.glob("*")) if folder.exists() else []


@pytest.fixture
def populated(app, runner, scenario, in_app):
    """The demo's every state, a scenario with an evidence file, one suspended certificate."""

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output

    def suspend_one():
        certificate = db.session.scalar(sa.select(Certificate).where(
            Certificate.revoked_at.is_(None)).order_by(Certificate.id.desc()))
        suspend_certificate(certificate, reason="Under investigation.", by=None)

    in_app(suspend_one)
    numbers = in_app(lambda: list(db.session.scalars(sa.select(Certificate.number))))
    statuses = in_app(lambda: {str(c.status) for c in db.session.scalars(sa.select(Certificate))})
    assert {"valid", "expired", "revoked", "suspended"} <= statuses
    assert uploaded(app), "the scenario stores an evidence file"
    return numbers


def backup(runner, path: Path, *flags: str) -> str:
    result = runner.invoke(args=["backup", "--output", str(path), *flags])
    assert result.exit_code == 0, result.output
    return result.output


def restore(app, path: Path, *flags: str):
    return app.test_cli_runner().invoke(args=["restore", "--yes", str(path), *flags])


def issuer_key(app) -> str:
    """The source instance's active key, as its operator knows it (not read from the archive)."""
    with app.app_context():
        multibase = active_key().public_key_multibase
        db.session.remove()
    return multibase


def test_round_trip_reproduces_every_row_file_and_verification(app, runner, populated,
                                                               tmp_path):
    archive = tmp_path / "certify.tar.gz"
    output = backup(runner, archive)
    assert f"{len(populated)} certificates" in output
    assert archive.stat().st_mode & 0o777 == 0o600

    with tarfile.open(archive) as opened:
        names = opened.getnames()
        manifest = json.loads(opened.extractfile("manifest.json").read())
    assert "database/certificates.jsonl" in names and "keys/public.json" in names
    assert not any(name.startswith("keys/private/") for name in names)
    assert set(manifest["certificates"]) == set(populated)
    assert manifest["files"]["database/users.jsonl"]["sha256"]

    target = instance(tmp_path / "restored")
    result = restore(target, archive, "--trust-key", issuer_key(app))
    assert result.exit_code == 0, result.output
    assert f"all {len(populated)} certificates verify as they did" in result.output
    assert "private half" in result.output  # the operator is told to bring or rotate the key

    assert every_row(target) == every_row(app)
    # Not copied: the restore's reviews set a mark of their own, so figures kept for the
    # source's are not taken for the copy's (certify.core.change_marks).
    assert None is not review_scores_mark(target) != review_scores_mark(app)
    assert uploaded(target) == uploaded(app)
    assert public_answers(target, populated) == public_answers(app, populated)
    audit = target.test_cli_runner().invoke(args=["audit", "verify"])
    assert audit.exit_code == 0 and ", 0 problems" in audit.output


def test_restored_instance_goes_on_issuing_ids_and_revoking_with_its_keys(app, runner, populated,
                                                                          tmp_path):
    archive = tmp_path / "with-keys.tar.gz"
    backup(runner, archive, "--include-private-keys")
    target = instance(tmp_path / "restored", TRUSTED_SIGNING_KEYS=[issuer_key(app)])
    result = restore(target, archive)
    assert result.exit_code == 0 and "private half" not in result.output, result.output

    number = next(n for n, a in public_answers(app, populated).items() if a[1]["status"] == "valid")
    with target.app_context():
        certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
        revoke_certificate(certificate, reason="Restored instance works.", by=None)
        newcomer = create_user(email="after-restore@example.org", password="a long passphrase ok",
                               full_name="After Restore", country="KZ", roles=("candidate",),
                               branch=None, coordinated_branch=None, affiliation="X",
                               preferred_language="en")
        db.session.commit()
        assert newcomer.id > max(row["id"] for row in every_row(app)["users"])
        db.session.remove()
    answer = target.test_client().get(f"/api/v1/certificates/{number}").get_json()
    assert answer["status"] == "revoked"


def _rewrite(archive: Path, change) -> Path:
    """A copy of the archive with members changed by *change(members, manifest)*."""
    with tarfile.open(archive) as opened:
        members = {info.name: opened.extractfile(info).read() for info in opened}
    manifest = json.loads(members.pop("manifest.json"))
    change(members, manifest)
    altered = archive.with_name(f"altered-{uuid.uuid4().hex[:6]}.tar.gz")
    with tarfile.open(altered, "w:gz") as opened:
        for name, data in [("manifest.json", json.dumps(manifest).encode()), *members.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            opened.addfile(info, io.BytesIO(data))
    return altered


def _flip_evidence_byte(members, manifest):
    name = next(n for n in members if n.startswith("evidence/"))
    members[name] = members[name][:-1] + b"!"


def _forge_row_with_checksums(members, manifest):
    """Consistent checksums, but a certificate held by a user who does not exist."""
    name = "database/certificates.jsonl"
    rows = [json.loads(line) for line in members[name].decode().splitlines()]
    rows[-1]["holder_id"] = 999_999
    members[name] = "".join(json.dumps(row) + "\n" for row in rows).encode()
    manifest["files"][name] = {"sha256": _sha256(members[name]), "bytes": len(members[name])}


def _traverse(members, manifest):
    data = b"x"
    members["evidence/../../escaped"] = data
    manifest["files"]["evidence/../../escaped"] = {"sha256": _sha256(data), "bytes": 1}


def _unlisted(members, manifest):
    members["evidence/extra"] = b"not in the manifest"


@pytest.mark.parametrize(("change", "message"), [
    (_flip_evidence_byte, "checksum mismatch"),
    (_forge_row_with_checksums, "the manifest's signature does not verify"),
    (_traverse, "the manifest's signature does not verify"),
    (_unlisted, "unlisted evidence/extra"),
])
def test_damaged_or_forged_archive_is_refused_and_nothing_is_written(app, runner, populated,
                                                                     tmp_path, change, message):
    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    target = instance(tmp_path / "restored")
    result = restore(target, _rewrite(archive, change), "--trust-key", issuer_key(app))
    assert result.exit_code == 1 and message in result.output, result.output
    rows = every_row(target) if (tmp_path / "restored" / "certify.db").exists() else {}
    assert all(not table_rows for name, table_rows in rows.items() if name != "branches")
    assert stray_files(target) == []
    assert not (tmp_path / "escaped").exists()


def test_restore_says_what_it_will_do_and_writes_nothing_unless_told_yes(app, runner, in_app,
                                                                         tmp_path):
    in_app(lambda: create_user(email="kept@example.org", password="a long passphrase ok",
                               full_name="Kept Person", country="KZ", roles=("candidate",),
                               branch=None, coordinated_branch=None, affiliation="X",
                               preferred_language="en"))
    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    ask = ["restore", str(archive), "--trust-key", issuer_key(app)]

    declined = instance(tmp_path / "declined")
    result = declined.test_cli_runner().invoke(args=ask, input="n\n")
    assert result.exit_code == 1, result.output
    for told in (f"Archive:   {archive}", "Made at:", "Issuer:", "  users: 1",
                 f"Target:    sqlite:///{tmp_path / 'declined' / 'certify.db'}",
                 "Restore this archive? [y/N]", "Restore cancelled: nothing was written."):
        assert told in result.output
    with declined.app_context():
        assert sa.inspect(db.engine).get_table_names() == []  # not even migrated
        db.session.remove()

    accepted = instance(tmp_path / "accepted")
    result = accepted.test_cli_runner().invoke(args=ask, input="y\n")
    assert result.exit_code == 0 and "Restored " in result.output, result.output
    assert every_row(accepted)["users"] == every_row(app)["users"]

    unasked = instance(tmp_path / "unasked")
    result = unasked.test_cli_runner().invoke(args=[*ask, "--yes"])
    assert result.exit_code == 0 and "Restore this archive?" not in result.output, result.output
    assert every_row(unasked)["users"] == every_row(app)["users"]


def test_restore_refuses_an_instance_that_holds_data(app, runner, populated, tmp_path):
    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    before = every_row(app)
    result = restore(app, archive)
    assert result.exit_code == 1 and "restore needs an empty instance" in result.output
    assert every_row(app) == before


def test_restore_refuses_an_instance_of_another_issuer(app, runner, populated, tmp_path):
    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    target = instance(tmp_path / "restored", PUBLIC_BASE_URL="https://other.example.org")
    result = restore(target, archive, "--trust-key", issuer_key(app))
    assert result.exit_code == 1 and "CERTIFY_PUBLIC_BASE_URL" in result.output
    assert stray_files(target) == []


def test_backup_never_overwrites_and_garbage_is_not_an_archive(runner, tmp_path, app):
    archive = tmp_path / "certify.tar.gz"
    archive.write_bytes(b"not a tar")
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 1 and "exists already" in result.output
    assert archive.read_bytes() == b"not a tar"
    result = restore(instance(tmp_path / "restored"), archive)
    assert result.exit_code == 1 and "not a readable backup archive" in result.output


@pytest.mark.postgres
def test_round_trip_between_postgresql_databases_and_into_sqlite(app, runner, populated,
                                                                 tmp_path):
    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    name = f"certify_restore_{uuid.uuid4().hex[:8]}"
    admin_engine = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(TEST_DATABASE_URL).set(database=name).render_as_string(
            hide_password=False)
        on_postgres = instance(tmp_path / "postgres", url)
        on_sqlite = instance(tmp_path / "sqlite")
        for target in (on_postgres, on_sqlite):
            result = restore(target, archive, "--trust-key", issuer_key(app))
            assert result.exit_code == 0, result.output
            assert every_row(target) == every_row(app)
            assert public_answers(target, populated) == public_answers(app, populated)
        with on_postgres.app_context():
            # The planner has the restored tables' statistics at once, not after autovacuum.
            analysed = db.session.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN "
                "('applications', 'reviews', 'review_scores') AND last_analyze IS NOT NULL"))
            assert analysed == 3
            # The sequences were moved past the restored ids.

            newcomer = create_user(email="after-restore@example.org", full_name="After Restore",
                                   password="a long passphrase ok", country="KZ",
                                   roles=("candidate",), branch=None, coordinated_branch=None,
                                   affiliation="X", preferred_language="en")
            assert newcomer.id > max(row["id"] for row in every_row(app)["users"])
            db.session.rollback()
            db.engine.dispose()
    finally:
        with admin_engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def _add_admin_role(members, manifest):
    """The attack of issue 14: one more administrator, the checksums recomputed to match."""
    name = "database/user_roles.jsonl"
    rows = [json.loads(line) for line in members[name].decode().splitlines()]
    candidate = next(row for row in rows if row["role"] == "candidate")
    rows.append({**candidate, "id": max(row["id"] for row in rows) + 1, "role": "admin"})
    members[name] = "".join(json.dumps(row) + "\n" for row in rows).encode()
    manifest["files"][name] = {"sha256": _sha256(members[name]), "bytes": len(members[name])}
    manifest["tables"]["user_roles"] += 1


def _resign_with_own_key(members, manifest):
    """The attacker signs the altered manifest with a key of their own (and ships it along)."""
    _add_admin_role(members, manifest)
    private = Ed25519PrivateKey.generate()
    multibase = public_key_multibase(private.public_key())
    signature = base64.b64encode(private.sign(rfc8785.dumps(manifest))).decode()
    members["manifest.sig"] = json.dumps({"algorithm": "Ed25519/JCS", "key": multibase,
                                          "signature": signature}).encode()


def _unsigned(members, manifest):
    del members["manifest.sig"]


@pytest.mark.parametrize(("change", "message"), [
    (_add_admin_role, "the manifest's signature does not verify"),
    (_resign_with_own_key, "a key this instance does not trust"),
    (_unsigned, "the archive is not signed"),
])
def test_altered_or_unsigned_archive_is_refused_and_the_database_stays_empty(
        app, runner, populated, tmp_path, change, message):
    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    target = instance(tmp_path / "restored")
    result = restore(target, _rewrite(archive, change), "--trust-key", issuer_key(app))
    assert result.exit_code == 1 and message in result.output, result.output
    assert not (tmp_path / "restored" / "certify.db").exists() or all(
        not rows for name, rows in every_row(target).items() if name != "branches")
    assert stray_files(target) == []


def test_archive_by_a_key_the_new_instance_was_not_told_to_trust_is_refused(
        app, runner, populated, tmp_path):
    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    result = restore(instance(tmp_path / "restored"), archive)
    assert result.exit_code == 1 and "a key this instance does not trust" in result.output
    assert not (tmp_path / "restored" / "certify.db").exists()


def test_tables_larger_than_a_batch_round_trip(app, runner, populated, tmp_path, in_app):
    """Rows are dumped BATCH (250) and restored LOAD_BATCH (1,000) at a time: a table of 2,500
    more users spans many batches each way and comes back whole, in order."""
    def many_users():
        db.session.execute(sa.insert(User), [
            {"email": f"batch{number}@example.org", "password_hash": "-", "country": "KZ",
             "full_name": f"Batch Person {number}", "preferred_language": "en"}
            for number in range(2500)])

    in_app(many_users)
    archive = tmp_path / "certify.tar.gz"
    output = backup(runner, archive)
    assert "certificates" in output
    with tarfile.open(archive) as opened:
        users = opened.extractfile("database/users.jsonl").read().decode().splitlines()
    assert len(users) > 2500

    target = instance(tmp_path / "restored")
    result = restore(target, archive, "--trust-key", issuer_key(app))
    assert result.exit_code == 0, result.output
    assert every_row(target) == every_row(app)


def _resigned(app, archive: Path, change) -> Path:
    """A copy of the archive with *change(members, manifest)* applied, its checksums made
    consistent and its manifest signed again with the issuer's key: what only the issuer could
    make, or a fault between the archive and the restored database."""
    def consistent(members, manifest):
        change(members, manifest)
        for name, data in members.items():
            if name in manifest["files"]:
                manifest["files"][name] = {"sha256": _sha256(data), "bytes": len(data)}
        with app.app_context():
            members["manifest.sig"] = sign_manifest(manifest)
            db.session.remove()

    return _rewrite(archive, consistent)


def _changed_credential(edit):
    """*edit(credential text)* applied to the newest certificate's stored credential."""
    def change(members, manifest):
        name = "database/certificates.jsonl"
        rows = [json.loads(line) for line in members[name].decode().splitlines()]
        row = max((row for row in rows if row["credential"]), key=lambda row: row["id"])
        row["credential"] = json.loads(edit(json.dumps(row["credential"], ensure_ascii=False)))
        members[name] = "".join(json.dumps(row, ensure_ascii=False) + "\n"
                                for row in rows).encode()
    return change


def _one_character(field: str):
    """The first character of the credential's *field* value changed (one byte)."""
    def edit(text: str) -> str:
        start = text.index(f'"{field}": "') + len(field) + 5
        return text[:start] + ("A" if text[start] != "A" else "B") + text[start + 1:]
    return edit


@pytest.mark.parametrize(("edit", "processes"), [
    (_one_character("licenseNumber"), 1),  # what the credential states
    (_one_character("validFrom"), 1),
    (_one_character("identityHash"), 1),  # the holder
    (lambda text: text.replace('"proofValue": "z', '"proofValue": "z1', 1), 1),  # signature
    (lambda text: text.replace("#z6Mk", "#z6Mj", 1), 1),  # the key the proof names
    (_one_character("licenseNumber"), 2),
    (lambda text: text.replace('"proofValue": "z', '"proofValue": "z1', 1), 2),
], ids=["number", "valid-from", "holder", "signature", "key", "number-pool", "signature-pool"])
def test_restore_detects_a_stored_credential_changed_in_one_byte(app, runner, populated,
                                                                   tmp_path, processes, edit):
    """Every certificate is verified again after the rows are in, on one process or a pool:
    a credential that differs from the one verified at backup time is named, and the restore
    fails, even when the archive's checksums and signature are in order."""
    app.config["BACKUP_VERIFY_PROCESSES"] = processes
    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    newest = max((row for row in every_row(app)["certificates"] if row["credential"]),
                 key=lambda row: row["id"])["number"]
    target = instance(tmp_path / "restored", BACKUP_VERIFY_PROCESSES=processes)
    result = restore(target, _resigned(app, archive, _changed_credential(edit)),
                     "--trust-key", issuer_key(app))
    assert result.exit_code == 1, result.output
    assert "no longer verify as they did" in result.output and newest in result.output


def test_a_pool_of_processes_gives_the_same_results_as_one(app, runner, populated, tmp_path):
    """The signature checks spread over two processes give every certificate the same recorded
    verification as checking them in the command's own process, and the archive restores."""
    manifests = {}
    for processes in (1, 2):
        app.config["BACKUP_VERIFY_PROCESSES"] = processes
        archive = tmp_path / f"certify-{processes}.tar.gz"
        backup(runner, archive)
        with tarfile.open(archive) as opened:
            manifests[processes] = json.loads(opened.extractfile("manifest.json").read())
    assert manifests[1]["certificates"] == manifests[2]["certificates"]
    assert any(result["verification"] for result in manifests[2]["certificates"].values())
    target = instance(tmp_path / "restored", BACKUP_VERIFY_PROCESSES=2)
    result = restore(target, tmp_path / "certify-2.tar.gz", "--trust-key", issuer_key(app))
    assert result.exit_code == 0, result.output
    assert public_answers(target, populated) == public_answers(app, populated)


def test_a_row_with_a_column_this_schema_lacks_is_refused(app, runner, populated, tmp_path):
    def add_column(members, manifest):
        name = "database/users.jsonl"
        rows = [json.loads(line) for line in members[name].decode().splitlines()]
        rows[0]["surprise"] = 1
        members[name] = "".join(json.dumps(row) + "\n" for row in rows).encode()

    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    target = instance(tmp_path / "restored")
    result = restore(target, _resigned(app, archive, add_column), "--trust-key", issuer_key(app))
    assert result.exit_code == 1, result.output
    assert "users: columns not in this schema: surprise" in result.output
    assert all(not rows for name, rows in every_row(target).items() if name != "branches")


def _held_once(results: dict) -> tuple[int, int, int]:
    """(results, distinct results, distinct objects holding them)."""
    return (len(results), len({json.dumps(r, sort_keys=True) for r in results.values()}),
            len({id(r) for r in results.values()}))


def test_equal_verification_results_are_held_once(app, runner, award, tmp_path, in_app):
    """At 100× the 7,543 equal results (every check passed, one key) held 25 MB as copies, in
    the backup and again in the restore's manifest: each distinct result is one object."""
    for _ in range(3):
        award()
    count, distinct, objects = in_app(lambda: _held_once(verification_results(utcnow())))
    assert (count, distinct, objects) == (3, 1, 1)

    archive = tmp_path / "certify.tar.gz"
    backup(runner, archive)
    trusted = (issuer_key(app),)
    with app.app_context(), open_archive(archive, trusted) as (manifest, _members):
        assert _held_once(manifest["certificates"]) == (3, 1, 1)


def test_a_restore_batch_ends_at_its_rows_or_its_bytes():
    narrow = [f"{{\"id\": {n}}}\n" for n in range(2500)]
    assert [len(batch) for batch in _batches(iter(narrow))] == [1000, 1000, 500]
    wide = ["x" * 400_000 + "\n"] * 5  # signed credentials are about 10 KB a row
    assert [len(batch) for batch in _batches(iter(wide))] == [3, 2]
    assert [line for batch in _batches(iter(wide)) for line in batch] == wide
