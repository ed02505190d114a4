"""Certificate numbers, the one place that knows their shape.

A number reads ``<prefix>-<branch code>-<year>-<sequence>``, e.g. ``UPME-KZ-2026-000123``: the
prefix names the track, and the sequence counts per prefix, branch and year with no gaps or
repeats (``certificate_sequences`` holds the last one taken).
"""

from __future__ import annotations

import re

from certify.certificates.models import CertificateSequence
from certify.core.sequences import take_next
from rubrics.models import Track

PREFIXES: dict[Track, str] = {Track.professor: "UPME", Track.engineer: "CME"}
NUMBER_PATTERN = re.compile(
    rf"^({'|'.join(PREFIXES.values())})-[A-Z]{{2,8}}-\d{{4}}-\d{{6}}$")


def normalise(number: str) -> str:
    """A number as typed (spaces around, lower case) in its stored form."""
    return number.strip().upper()


def is_certificate_number(text: str) -> bool:
    """Whether ``text`` (already normalised) has the shape of one of our numbers."""
    return NUMBER_PATTERN.match(text) is not None


def format_number(prefix: str, branch_code: str, year: int, sequence: int) -> str:
    return f"{prefix}-{branch_code}-{year}-{sequence:06d}"


def next_sequence(prefix: str, branch_code: str, year: int) -> int:
    return take_next(CertificateSequence, prefix=prefix, branch_code=branch_code, year=year)


def allocate_number(track: Track, branch_code: str, year: int) -> tuple[str, int]:
    """The next free number of a track's certificates at a branch in a year, with its
    sequence."""
    prefix = PREFIXES[Track(track)]
    sequence = next_sequence(prefix, branch_code, year)
    return format_number(prefix, branch_code, year, sequence), sequence
