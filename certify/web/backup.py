"""Backup and restore: one archive holds the whole instance.

``flask --app certify backup`` writes a gzipped tar with

- ``database/<table>.jsonl``: every row of every table, read inside one snapshot (PostgreSQL
  REPEATABLE READ READ ONLY, a SQLite read transaction), so the archive is consistent while the
  application keeps running. The dump is logical and typed, so an archive made on SQLite restores
  on PostgreSQL and back;
- ``evidence/<stored name>``: the evidence files the database refers to;
- ``keys/public.json``: the issuer's public keys (also in the database, kept readable on their
  own), and with ``--include-private-keys`` the private halves under ``keys/private/``;
- ``manifest.json``: format, schema revision, issuer, row counts, the SHA-256 and size of every
  other member, and each certificate's verification result at the time of the backup;
- ``manifest.sig``: the manifest's signature by the issuer's active key (backup_signature.py).

``flask --app certify restore ARCHIVE`` checks the signature (by a key this instance trusts)
and every checksum before it writes anything, loads
the rows in one transaction into an empty instance (migrated first if the database is blank),
writes the files, and then verifies every certificate again: the restore succeeds only when each
one gives the result recorded in the manifest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from assessments.evidence import upload_directory
from assessments.models import Evidence
from certify.certificates.issuer import issuer_id, legacy_issuer_ids
from certify.certificates.keys import active_key, all_keys, key_directory, signing_key
from certify.certificates.models import Certificate
from certify.certificates.status import certificate_status
from certify.certificates.verification import verify_document
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.public_cache import forget_public_answers
from certify.web.backup_signature import SIGNATURE, SignatureError, check_signature, sign_manifest

FORMAT = "certify-backup/1"
MANIFEST = "manifest.json"
# Rows the migrations themselves create: an empty instance already has them.
SEEDED_TABLES = frozenset({"branches"})
BATCH = 1000


class BackupError(Exception):
    """The archive cannot be made or restored; nothing was changed."""


@dataclass
class Summary:
    path: Path
    tables: dict[str, int]
    files: int
    certificates: int
    warnings: list[str] = field(default_factory=list)


# Values ----------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoder(column: sa.Column):
    kind = getattr(column.type, "impl", column.type)
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Numeric) and kind.asdecimal:
        return Decimal
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    return None


def _decode_row(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(table.columns.keys())
    if unknown:
        raise BackupError(f"{table.name}: columns not in this schema: {', '.join(sorted(unknown))}")
    decoded = {}
    for name, value in row.items():
        decode = _decoder(table.columns[name])
        decoded[name] = decode(value) if decode and value is not None else value
    return decoded


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Schema ----------------------------------------------------------------------------------------


def _tables() -> list[sa.Table]:
    """Every table of the models, parents before children."""
    return list(db.metadata.sorted_tables)


def code_revision() -> str:
    """The newest migration this code ships."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def _database_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


def _schema_revision(connection: sa.Connection) -> str:
    # A database built from the models (the tests' create_all) is at the code's head.
    return _database_revision(connection) or code_revision()


@contextmanager
def _snapshot() -> Iterator[sa.Connection]:
    """The session's connection, every read of which sees the same committed state (the
    verification results included), until the transaction is rolled back at the end."""
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        connection = db.session.connection(execution_options={
            "isolation_level": "REPEATABLE READ", "postgresql_readonly": True})
    else:
        connection = db.session.connection()
        # The driver starts no transaction for reads; an explicit one pins the WAL snapshot.
        connection.exec_driver_sql("BEGIN")
    try:
        yield connection
    finally:
        db.session.rollback()


# Verification results ------------------------------------------------------------------------


def verification_results(moment: datetime) -> dict[str, dict[str, Any]]:
    """Each certificate's status and the result of verifying its credential, as at *moment*."""
    results = {}
    for certificate in db.session.scalars(sa.select(Certificate).order_by(Certificate.id)):
        verification = (verify_document(certificate.credential, now=moment).as_dict()
                        if certificate.credential else None)
        status = certificate_status(certificate, on=moment.date())
        results[certificate.number] = {"status": str(status), "verification": verification}
    return results


# Backup ----------------------------------------------------------------------------------------


def default_path() -> Path:
    folder = Path(current_app.instance_path) / "backups"
    return folder / f"certify-{utcnow():%Y%m%dT%H%M%SZ}.tar.gz"


def create_backup(destination: Path | None = None, *, include_private_keys: bool = False
                  ) -> Summary:

    destination = Path(destination) if destination else default_path()
    if destination.exists():
        raise BackupError(f"{destination} exists already; choose another name")
    destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    moment = utcnow()
    members: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    warnings: list[str] = []
    signer = signing_key()  # the first key is made now, before the snapshot, if there is none
    if not (key_directory() / signer.private_key_file).is_file():
        raise BackupError(f"the active signing key's private half ({signer.private_key_file}) "
                          f"is not in {key_directory()}: the backup cannot be signed")
    db.session.commit()

    with _snapshot() as connection:
        revision = _schema_revision(connection)
        for table in _tables():
            rows = connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            lines = [json.dumps({key: _encode(value) for key, value in row._mapping.items()},
                                ensure_ascii=False, separators=(",", ":")) + "\n"
                     for row in rows]
            counts[table.name] = len(lines)
            members[f"database/{table.name}.jsonl"] = "".join(lines).encode()
        # The session reads through the same snapshot.
        evidence = db.session.execute(sa.select(Evidence.stored_name, Evidence.sha256)
                                      .where(Evidence.stored_name.is_not(None))).all()
        keys = [(key.public_key_multibase, key.private_key_file, key.created_at, key.retired_at)
                for key in all_keys()]
        results = verification_results(moment)

    uploads = upload_directory()
    for stored_name, expected in evidence:
        path = uploads / stored_name
        if not path.is_file():
            warnings.append(f"evidence file {stored_name} is missing from {uploads}")
            continue
        data = path.read_bytes()
        if expected and _sha256(data) != expected:
            warnings.append(f"evidence file {stored_name} does not match its recorded SHA-256")
        members[f"evidence/{stored_name}"] = data

    members["keys/public.json"] = json.dumps(
        [{"publicKeyMultibase": multibase, "id": f"did:key:{multibase}",
          "created": _encode(created), "retired": _encode(retired)}
         for multibase, _file, created, retired in keys], indent=2).encode()
    if include_private_keys:
        keys_folder = key_directory()
        for _multibase, private_file, _created, _retired in keys:
            path = keys_folder / private_file
            if path.is_file():
                members[f"keys/private/{private_file}"] = path.read_bytes()
            else:
                warnings.append(f"private key {private_file} is missing from {keys_folder}")

    manifest = {
        "format": FORMAT,
        "created_at": moment.isoformat(),
        "schema_revision": revision,
        "dialect": db.engine.dialect.name,
        "issuer": issuer_id(),
        "private_keys_included": include_private_keys,
        "tables": counts,
        "files": {name: {"sha256": _sha256(data), "bytes": len(data)}
                  for name, data in sorted(members.items())},
        "certificates": results,
    }
    _write_archive(destination, members, manifest)
    return Summary(destination, counts, sum(name.startswith("evidence/") for name in members),
                   len(results), warnings)


def _write_archive(destination: Path, members: dict[str, bytes], manifest: dict) -> None:
    """Written beside the destination and renamed into place: never a half archive."""
    descriptor, temporary = tempfile.mkstemp(dir=destination.parent, suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as handle, \
                tarfile.open(fileobj=handle, mode="w:gz") as archive:
            for name, data in [(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False)
                                .encode()), (SIGNATURE, sign_manifest(manifest)),
                               *sorted(members.items())]:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = int(utcnow().timestamp())
                info.mode = 0o600
                archive.addfile(info, io.BytesIO(data))
        os.chmod(temporary, 0o600)  # personal data: readable by the operator only
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Restore ---------------------------------------------------------------------------------------


def read_archive(path: Path, trusted: tuple[str, ...] = ()
                 ) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest, signed by a trusted key, and every member, each checked against the
    manifest's checksum."""
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            members: dict[str, bytes] = {}
            for info in archive:
                if not info.isfile():
                    raise BackupError(f"unexpected member {info.name!r} (not a plain file)")
                if info.name in members:
                    raise BackupError(f"member {info.name!r} appears twice")
                members[info.name] = archive.extractfile(info).read()
    except (OSError, tarfile.TarError, EOFError) as error:
        raise BackupError(f"{path} is not a readable backup archive: {error}") from error
    try:
        manifest = json.loads(members.pop(MANIFEST))
    except (KeyError, ValueError) as error:
        raise BackupError(f"{path} has no readable {MANIFEST}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"unknown archive format {manifest.get('format')!r}; expected {FORMAT}")
    try:
        check_signature(manifest, members.pop(SIGNATURE, None), trusted)
    except SignatureError as error:
        raise BackupError(f"refused: {error}") from error
    listed = manifest.get("files", {})
    if set(listed) != set(members):
        extra, missing = set(members) - set(listed), set(listed) - set(members)
        raise BackupError("the archive does not match its manifest: "
                          + "; ".join([*(f"unlisted {name}" for name in sorted(extra)),
                                       *(f"missing {name}" for name in sorted(missing))]))
    for name in members:
        _check_member_name(name)
    for name, data in members.items():
        if _sha256(data) != listed[name]["sha256"] or len(data) != listed[name]["bytes"]:
            raise BackupError(f"{name}: checksum mismatch (the archive is damaged or altered)")
    return manifest, members


def _safe_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or name in (".", "..") or "\0" in name:
        raise BackupError(f"unsafe file name in the archive: {name!r}")
    return name


def _check_member_name(name: str) -> None:
    """Only the members a backup writes, each a plain name in its folder (no traversal)."""
    folder, _, file_name = name.rpartition("/")
    if name == "keys/public.json" or (folder == "database" and file_name.endswith(".jsonl")):
        return
    if folder not in ("evidence", "keys/private"):
        raise BackupError(f"unsafe file name in the archive: {name!r}")
    _safe_name(file_name)


def _check_target(connection: sa.Connection, manifest: dict[str, Any]) -> None:

    revision = _schema_revision(connection)
    if manifest["schema_revision"] != revision:
        raise BackupError(
            f"the archive is at schema revision {manifest['schema_revision']}, this instance at "
            f"{revision}: restore it with the release that made it, then upgrade")
    if manifest["issuer"] != issuer_id() and manifest["issuer"] not in legacy_issuer_ids():
        raise BackupError(
            f"the archive belongs to the issuer {manifest['issuer']}, this instance is "
            f"{issuer_id()}: set CERTIFY_PUBLIC_BASE_URL to match, or every credential's "
            "issuer and status list checks would fail")
    occupied = [table.name for table in _tables() if table.name not in SEEDED_TABLES
                and connection.scalar(sa.select(sa.func.count()).select_from(table))]
    if occupied:
        raise BackupError("restore needs an empty instance; these tables hold rows: "
                          + ", ".join(occupied))


def _reset_sequences(connection: sa.Connection) -> None:
    """PostgreSQL hands out ids after the restored ones."""
    if connection.dialect.name != "postgresql":
        return
    for table in _tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto"
                                                and isinstance(column.type, sa.Integer)):
                sequence = connection.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                             {"t": table.name, "c": column.name})
                if sequence:
                    highest = sa.select(sa.func.coalesce(sa.func.max(column), 0))
                    connection.execute(sa.select(sa.func.setval(
                        sequence, highest.scalar_subquery() + 1, False)))


def _write_new_file(path: Path, data: bytes, mode: int) -> None:
    if path.exists():
        if path.read_bytes() == data:
            return
        raise BackupError(f"{path} exists with other content; restore into an empty instance")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def restore_backup(path: Path, *, trusted: tuple[str, ...] = ()) -> Summary:
    """Restore *path*, signed by a key of this instance's key directory, of
    ``TRUSTED_SIGNING_KEYS`` or of *trusted*, into an empty instance."""
    manifest, members = read_archive(Path(path), trusted)
    tables = {table.name: table for table in _tables()}
    unknown = set(manifest.get("tables", {})) - set(tables)
    if unknown:
        raise BackupError(f"the archive holds tables this release does not know: {sorted(unknown)}")

    with db.engine.connect() as connection:
        blank = not sa.inspect(connection).get_table_names()
    if blank:
        upgrade()  # a new, empty database: bring it to the schema first
    db.session.remove()

    written: list[Path] = []
    try:
        with db.engine.begin() as connection:
            _check_target(connection, manifest)
            counts = {}
            for table in _tables():
                if table.name in SEEDED_TABLES:
                    connection.execute(table.delete())
                text = members.get(f"database/{table.name}.jsonl", b"").decode()
                rows = [_decode_row(table, json.loads(line)) for line in text.splitlines()]
                for start in range(0, len(rows), BATCH):
                    connection.execute(table.insert(), rows[start:start + BATCH])
                counts[table.name] = len(rows)
            if counts != manifest["tables"]:
                raise BackupError("row counts differ from the manifest")
            _reset_sequences(connection)

            uploads, keys = upload_directory(), key_directory()
            for name, data in members.items():
                folder, _, file_name = name.rpartition("/")
                target = {"evidence": uploads, "keys/private": keys}.get(folder)
                if target is None:
                    continue
                destination = target / file_name  # names checked in read_archive
                existed = destination.exists()
                _write_new_file(destination, data, 0o600)
                if not existed:
                    written.append(destination)
    except BaseException as error:
        for file in written:  # the rows are rolled back: their files go too
            file.unlink(missing_ok=True)
        if isinstance(error, sa.exc.SQLAlchemyError):
            raise BackupError("the database refused the archive's rows: "
                              f"{getattr(error, 'orig', None) or error}") from error
        raise

    db.session.remove()
    forget_public_answers()  # rows written through Core: the session events did not see them
    warnings = []
    moment = datetime.fromisoformat(manifest["created_at"])
    reproduced = verification_results(moment)
    differing = sorted(number for number in set(reproduced) | set(manifest["certificates"])
                       if reproduced.get(number) != manifest["certificates"].get(number))
    if differing:
        raise BackupError("restored, but these certificates no longer verify as they did: "
                          + ", ".join(differing))
    active = active_key()
    if active is not None and not (key_directory() / active.private_key_file).is_file():
        warnings.append(
            f"the active signing key's private half ({active.private_key_file}) is not in "
            f"{key_directory()}: copy it there, or run `flask --app certify keys rotate`, "
            "before issuing or revoking")
    return Summary(Path(path), counts, sum(name.startswith("evidence/") for name in members),
                   len(reproduced), warnings)
