"""Backup and restore: one archive holds the whole instance.

``flask --app certify backup`` writes a gzipped tar (``backup_archive.py``) with

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

Memory stays flat whatever the size: rows are read ``BATCH`` at a time (a server-side cursor on
PostgreSQL) and written as read to files of a staging folder beside the archive, hashed on the
way; restore copies the members in one pass to a private staging folder, checks them, and
inserts the rows in batches (``LOAD_BATCH`` rows or ``LOAD_BATCH_BYTES``) as it reads them;
equal verification results are held once. At 100× (1.5 million rows, 7,543 certificates) peak
RSS stays near 260–270 MB, 30–40 MB over the command's start. Both need free disk space for
about the archive's uncompressed size.
"""

from __future__ import annotations

import base64
import filecmp
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
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
from certify.certificates.cpd.models import CpdEvidence
from certify.certificates.issuer import issuer_id, legacy_issuer_ids
from certify.certificates.keys import active_key, all_keys, key_directory, signing_key
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.public_cache import forget_public_answers
from certify.web.backup_archive import (
    CHUNK,
    FORMAT,
    BackupError,
    Staged,
    describe,
    open_archive,
    sha256_of,
    write_archive,
)
from certify.web.backup_verification import verification_results

_sha256 = sha256_of  # the name the tests (and earlier callers) import from here

# Rows the migrations themselves create: an empty instance already has them.
SEEDED_TABLES = frozenset({"branches"})
# Kept by the database's triggers (certify.core.change_marks): the restore's inserts set them.
DERIVED_TABLES = frozenset({"change_marks"})
# Rows at a time: read for the archive (a server-side cursor's fetch) and inserted on restore.
# At 100×, 1,000 certificates with their signed credentials held 30 MB parsed, and peak RSS
# passed 300 MB; these keep it near 260 MB (and backup_verification.VERIFY_BATCH).
BATCH = 250
LOAD_BATCH, LOAD_BATCH_BYTES = 1000, 1_000_000


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


def _row_decoder(table: sa.Table):
    """``decode(row)`` for the table's rows: each column's decoder looked up once per table,
    not once per value (a restore decodes about ten values for each of a million rows)."""
    columns = frozenset(table.columns.keys())
    decoders = {name: decode for name, column in table.columns.items()
                if (decode := _decoder(column)) is not None}

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        if not columns.issuperset(row):
            unknown = ", ".join(sorted(set(row) - columns))
            raise BackupError(f"{table.name}: columns not in this schema: {unknown}")
        for name, decode_value in decoders.items():
            value = row.get(name)
            if value is not None:
                row[name] = decode_value(value)
        return row

    return decode


# Schema ----------------------------------------------------------------------------------------


def _tables() -> list[sa.Table]:
    """Every table of the models, parents before children, but derived ones."""
    return [table for table in db.metadata.sorted_tables if table.name not in DERIVED_TABLES]


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


# Backup ----------------------------------------------------------------------------------------


def default_path() -> Path:
    folder = Path(current_app.instance_path) / "backups"
    return folder / f"certify-{utcnow():%Y%m%dT%H%M%SZ}.tar.gz"


def _dump_table(connection: sa.Connection, table: sa.Table, staged: Staged) -> int:
    """The table's rows, in primary-key order, as JSON lines into ``staged``: read ``BATCH`` at
    a time (a server-side cursor on PostgreSQL) and written as read."""
    count = 0
    rows = connection.execute(sa.select(table).order_by(*table.primary_key.columns)
                              .execution_options(yield_per=BATCH))
    for row in rows:
        # default=: only the values JSON has no type for (dates, decimals, bytes) are encoded
        # in Python, the rest by the C encoder; the lines are the same as encoding each value.
        staged.write((json.dumps(dict(row._mapping), default=_encode, ensure_ascii=False,
                                 separators=(",", ":")) + "\n").encode())
        count += 1
    return count


def create_backup(destination: Path | None = None, *, include_private_keys: bool = False
                  ) -> Summary:
    """Write the archive. Memory stays flat whatever the size: each table is streamed into a
    file of a staging folder beside the destination (hashed as written), and the archive is
    then assembled from those files."""
    destination = Path(destination) if destination else default_path()
    if destination.exists():
        raise BackupError(f"{destination} exists already; choose another name")
    destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    signer = signing_key()  # the first key is made now, before the snapshot, if there is none
    if not (key_directory() / signer.private_key_file).is_file():
        raise BackupError(f"the active signing key's private half ({signer.private_key_file}) "
                          f"is not in {key_directory()}: the backup cannot be signed")
    db.session.commit()
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".backup-") as folder:
        return _create_backup(destination, Path(folder), include_private_keys)


def _create_backup(destination: Path, folder: Path, include_private_keys: bool) -> Summary:
    moment = utcnow()
    members: dict[str, Path] = {}  # archive name -> staged or original file
    files: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    warnings: list[str] = []

    def stage(name: str, data: bytes) -> None:
        staged = Staged(folder / str(len(members)))
        staged.write(data)
        files[name], members[name] = staged.close(), staged.path

    with _snapshot() as connection:
        revision = _schema_revision(connection)
        for table in _tables():
            staged = Staged(folder / str(len(members)))
            try:
                counts[table.name] = _dump_table(connection, table, staged)
            finally:
                files[f"database/{table.name}.jsonl"] = staged.close()
            members[f"database/{table.name}.jsonl"] = staged.path
        # The session reads through the same snapshot.
        # An application's evidence and a CPD log's: both kept in the upload directory.
        evidence = db.session.execute(sa.union_all(
            sa.select(Evidence.stored_name, Evidence.sha256)
            .where(Evidence.stored_name.is_not(None)),
            sa.select(CpdEvidence.stored_name, CpdEvidence.sha256)
            .where(CpdEvidence.stored_name.is_not(None)))).all()
        keys = [(key.public_key_multibase, key.private_key_file, key.created_at, key.retired_at)
                for key in all_keys()]
        results = verification_results(moment)

    uploads = upload_directory()
    for stored_name, expected in evidence:
        path = uploads / stored_name
        if not path.is_file():
            warnings.append(f"evidence file {stored_name} is missing from {uploads}")
            continue
        described = describe(path)
        if expected and described["sha256"] != expected:
            warnings.append(f"evidence file {stored_name} does not match its recorded SHA-256")
        files[f"evidence/{stored_name}"], members[f"evidence/{stored_name}"] = described, path

    stage("keys/public.json", json.dumps(
        [{"publicKeyMultibase": multibase, "id": f"did:key:{multibase}",
          "created": _encode(created), "retired": _encode(retired)}
         for multibase, _file, created, retired in keys], indent=2).encode())
    if include_private_keys:
        keys_folder = key_directory()
        for _multibase, private_file, _created, _retired in keys:
            path = keys_folder / private_file
            if path.is_file():
                stage(f"keys/private/{private_file}", path.read_bytes())
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
        "files": dict(sorted(files.items())),
        "certificates": results,
    }
    write_archive(destination, members, manifest)
    return Summary(destination, counts, sum(name.startswith("evidence/") for name in members),
                   len(results), warnings)


# Restore ---------------------------------------------------------------------------------------


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


def refresh_statistics() -> None:
    """PostgreSQL plans queries from statistics that freshly loaded tables lack until
    autovacuum gets to them; until then the staff dashboard took 8.6 s at 100× a real call
    instead of 0.3 s (a correlated count planned for 61 rows, run for 5,000;
    benchmarks/scale.py). So they are gathered at once after a bulk load."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")


def _write_new_file(path: Path, source: Path, mode: int) -> None:
    if path.exists():
        if filecmp.cmp(path, source, shallow=False):
            return
        raise BackupError(f"{path} exists with other content; restore into an empty instance")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as handle, open(source, "rb") as data:
        shutil.copyfileobj(data, handle, CHUNK)


def _load_table(connection: sa.Connection, table: sa.Table, source: Path | None) -> int:
    """The table's JSON lines inserted a batch at a time (``_batches``), read as inserted."""
    count = 0
    if source is None:
        return count
    decode = _row_decoder(table)
    with open(source, encoding="utf-8") as lines:
        for batch in _batches(lines):
            connection.execute(table.insert(), [decode(json.loads(line)) for line in batch])
            count += len(batch)
    return count


def _batches(lines: Iterator[str]) -> Iterator[list[str]]:
    """The lines in batches of up to LOAD_BATCH rows or LOAD_BATCH_BYTES of text, whichever
    comes first: a thousand narrow rows go in one statement, and wide ones (a certificate's
    signed credential, 10 KB) a few hundred at a time, so memory stays flat."""
    batch: list[str] = []
    size = 0
    for line in lines:
        batch.append(line)
        size += len(line)
        if len(batch) >= LOAD_BATCH or size >= LOAD_BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def restore_backup(path: Path, *, trusted: tuple[str, ...] = (),
                   confirm: Callable[[dict[str, Any]], bool] | None = None) -> Summary | None:
    """Restore *path*, signed by a key of this instance's key directory, of
    ``TRUSTED_SIGNING_KEYS`` or of *trusted*, into an empty instance. ``confirm`` is shown the
    checked manifest before anything is written; when it answers False nothing is, and the
    answer is None."""
    with open_archive(Path(path), trusted) as (manifest, members):
        if confirm is not None and not confirm(manifest):
            return None
        return _restore(Path(path), manifest, members)


def target_database() -> str:
    """The database a restore writes into, its password hidden."""
    return db.engine.url.render_as_string(hide_password=True)


def _restore(path: Path, manifest: dict[str, Any], members: dict[str, Path]) -> Summary:
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
                counts[table.name] = _load_table(
                    connection, table, members.get(f"database/{table.name}.jsonl"))
            if counts != manifest["tables"]:
                raise BackupError("row counts differ from the manifest")
            _reset_sequences(connection)

            uploads, keys = upload_directory(), key_directory()
            for name, source in members.items():
                folder, _, file_name = name.rpartition("/")
                target = {"evidence": uploads, "keys/private": keys}.get(folder)
                if target is None:
                    continue
                destination = target / file_name  # names checked in read_archive
                existed = destination.exists()
                _write_new_file(destination, source, 0o600)
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
    refresh_statistics()
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
    return Summary(path, counts, sum(name.startswith("evidence/") for name in members),
                   len(reproduced), warnings)
