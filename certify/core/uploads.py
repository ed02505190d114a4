"""Checking uploaded evidence by its content, not its name (OWASP ASVS 5.2).

Accepted: PDF, PNG, JPEG, DOCX and XLSX. Office files are ZIP archives: their parts are listed
(never extracted) and refused when the archive would expand too far (a "zip bomb") or lacks
the parts its type needs. Pure: bytes in, a verdict out.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

KINDS = {
    "pdf": ("application/pdf", (".pdf",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
}
_USUAL_EXTENSIONS = {content_type: extensions[0] for content_type, extensions in KINDS.values()}
MAX_ARCHIVE_ENTRIES = 2000
MAX_ARCHIVE_EXPANDED = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100


class UploadRefused(ValueError):
    """Why a file is not accepted; ``reason`` is one of the codes below."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Accepted:
    kind: str
    content_type: str
    display_name: str


def safe_name(filename: str) -> str:
    """A name fit to show and to offer as a download name: no path, no control or
    direction-changing characters, NFC, at most 120 characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".")
    return name[:120] or "file"


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    return None


def _office_kind(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise UploadRefused("archive_too_large")
    expanded = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries) or 1
    if expanded > MAX_ARCHIVE_EXPANDED or expanded / compressed > MAX_COMPRESSION_RATIO:
        raise UploadRefused("archive_too_large")
    names = {entry.filename for entry in entries}
    if any(name.startswith("/") or ".." in name.split("/") for name in names):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def extension_for(content_type: str) -> str:
    """The usual extension of an accepted content type (``.jpg`` for JPEG), for download names."""
    return _USUAL_EXTENSIONS[content_type]


def check(data: bytes, filename: str, *, max_bytes: int) -> Accepted:
    """Accept a file whose content is one of KINDS and whose extension says the same."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > max_bytes:
        raise UploadRefused("too_large")
    kind = sniff(data)
    if kind is None:
        raise UploadRefused("type")
    name = safe_name(filename)
    if not name.lower().endswith(KINDS[kind][1]):
        raise UploadRefused("extension")
    return Accepted(kind, KINDS[kind][0], name)
