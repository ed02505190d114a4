"""The backup archive as a file: members staged on disk and hashed as they are written, the
gzipped tar assembled from those files, and read back in one pass into a private staging folder
with every checksum and the manifest's signature checked (``backup.py`` says what goes in).

Only the manifest and its signature are ever held in memory; every other member is copied in
chunks of ``CHUNK`` bytes, so an archive of any size is made and read in the same memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from certify.core.db_types import utcnow
from certify.web.backup_signature import SIGNATURE, SignatureError, check_signature, sign_manifest

FORMAT = "certify-backup/1"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024  # bytes copied at a time


class BackupError(Exception):
    """The archive cannot be made or restored; nothing was changed."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Staged:
    """A member being written to the staging folder, hashed and counted on the way."""

    def __init__(self, path: Path):
        self.path, self.digest, self.size = path, hashlib.sha256(), 0
        self.handle = open(path, "wb")  # noqa: SIM115 (closed by close())

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def close(self) -> dict[str, Any]:
        self.handle.close()
        return {"sha256": self.digest.hexdigest(), "bytes": self.size}


def describe(path: Path) -> dict[str, Any]:
    """A file's SHA-256 and size, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "bytes": size}


def write_archive(destination: Path, members: dict[str, Path], manifest: dict) -> None:
    """Written beside the destination and renamed into place: never a half archive. The
    members are copied from their files in chunks."""
    descriptor, temporary = tempfile.mkstemp(dir=destination.parent, suffix=".partial")
    now = int(utcnow().timestamp())

    def info(name: str, size: int) -> tarfile.TarInfo:
        entry = tarfile.TarInfo(name)
        entry.size, entry.mtime, entry.mode = size, now, 0o600
        return entry

    try:
        with os.fdopen(descriptor, "wb") as handle, \
                tarfile.open(fileobj=handle, mode="w:gz") as archive:
            # One line (the C encoder): indented, the Python encoder held a string per token,
            # 60 MB for the 7,543 certificates' results at 100×. `jq .` shows it indented.
            for name, data in [(MANIFEST, json.dumps(manifest, ensure_ascii=False).encode()),
                               (SIGNATURE, sign_manifest(manifest))]:
                archive.addfile(info(name, len(data)), io.BytesIO(data))
            for name, path in sorted(members.items()):
                with open(path, "rb") as member:
                    archive.addfile(info(name, manifest["files"][name]["bytes"]), member)
        os.chmod(temporary, 0o600)  # personal data: readable by the operator only
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def open_archive(path: Path, trusted: tuple[str, ...] = ()
                 ) -> Iterator[tuple[dict[str, Any], dict[str, Path]]]:
    """The manifest, signed by a trusted key, and every member, each checked against the
    manifest's checksum: the members are copied in one pass, in chunks, into a private staging
    folder (hashed on the way), which is removed on leaving. Nothing but the manifest and its
    signature is held in memory."""
    with tempfile.TemporaryDirectory(prefix="certify-restore-") as folder:
        small: dict[str, bytes] = {}
        staged: dict[str, Path] = {}
        described: dict[str, dict[str, Any]] = {}
        try:
            with tarfile.open(path, mode="r:gz") as archive:
                for info in archive:
                    if not info.isfile():
                        raise BackupError(f"unexpected member {info.name!r} (not a plain file)")
                    if info.name in small or info.name in staged:
                        raise BackupError(f"member {info.name!r} appears twice")
                    source = archive.extractfile(info)
                    if info.name in (MANIFEST, SIGNATURE):
                        small[info.name] = source.read()
                        continue
                    target = Path(folder) / str(len(staged))
                    copy = Staged(target)
                    try:
                        while chunk := source.read(CHUNK):
                            copy.write(chunk)
                    finally:
                        described[info.name] = copy.close()
                    staged[info.name] = target
        except (OSError, tarfile.TarError, EOFError) as error:
            raise BackupError(f"{path} is not a readable backup archive: {error}") from error
        manifest = _checked_manifest(path, small, trusted)
        listed = manifest.get("files", {})
        if set(listed) != set(staged):
            extra, missing = set(staged) - set(listed), set(listed) - set(staged)
            raise BackupError("the archive does not match its manifest: "
                              + "; ".join([*(f"unlisted {name}" for name in sorted(extra)),
                                           *(f"missing {name}" for name in sorted(missing))]))
        for name in staged:
            _check_member_name(name)
        for name, found in described.items():
            if found["sha256"] != listed[name]["sha256"] or found["bytes"] != listed[name]["bytes"]:
                raise BackupError(f"{name}: checksum mismatch (the archive is damaged or altered)")
        yield manifest, staged


def _one_of_each() -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A JSON object hook that gives equal objects as one (read-only) object: the manifest
    holds each certificate's verification result, nearly all equal, and 7,543 separate copies
    of it took 25 MB."""
    seen: dict[str, dict[str, Any]] = {}

    def shared(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        return seen.setdefault(json.dumps(pairs), dict(pairs))

    return shared


def _checked_manifest(path: Path, small: dict[str, bytes], trusted: tuple[str, ...]
                      ) -> dict[str, Any]:
    try:
        manifest = json.loads(small[MANIFEST], object_pairs_hook=_one_of_each())
    except (KeyError, ValueError) as error:
        raise BackupError(f"{path} has no readable {MANIFEST}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"unknown archive format {manifest.get('format')!r}; expected {FORMAT}")
    try:
        check_signature(manifest, small.get(SIGNATURE), trusted)
    except SignatureError as error:
        raise BackupError(f"refused: {error}") from error
    return manifest


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
