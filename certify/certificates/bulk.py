"""A certificate's public record, and checking many numbers at once: what the bulk page and the
bulk API share (reading the numbers from a CSV, one result per number, the CSV of results)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from flask import current_app
from flask_babel import lazy_gettext as _l

from certify.certificates.lookups import find_certificates
from certify.certificates.models import Certificate
from certify.certificates.numbering import is_certificate_number, normalise
from certify.certificates.status import CertificateStatus, certificate_status
from certify.core.dates import day
from certify.core.readable import cell
from certify.core.tabular import rows_to_csv
from certify.core.urls import absolute_url
from certify.users.specialisms import specialism_title_in
from rubrics.models import Track

BULK_LIMIT = 1000  # checked at once by default; more go to a background job (bulk_jobs.py)
CSV_COLUMNS = ("number", "found", "status", "holder_name", "track", "valid_until",
               "verify_url")  # the machine-readable file (the API's checks)
READABLE_COLUMNS = (_l("Certificate number"), _l("Found"), _l("Status"), _l("Holder"),
                    _l("Award title"), _l("Valid until"), _l("Verification page"),
                    _l("Status code"), _l("Track code"))  # the page's file, for people


def certificate_summary(certificate: Certificate) -> dict:
    """What a bulk check shows of a certificate (its page and both CSVs: CSV_COLUMNS and the
    readable columns): a fraction of the API's record, which for 1,000 numbers costs more
    than the query (the titles in every language, a second address)."""
    return {
        "number": certificate.number,
        "status": str(certificate_status(certificate)),
        "holder_name": certificate.holder_name,
        "track": certificate.track,
        "valid_until": certificate.valid_until.isoformat(),
        "verify_url": absolute_url("certificates.verify", number=certificate.number),
    }


def certificate_json(certificate: Certificate) -> dict:
    """What anyone may read of a certificate, as the API answers it."""
    return {
        **certificate_summary(certificate),
        "holder_name_native": certificate.holder_name_native,
        "title": current_app.config["AWARD_TITLES"][certificate.track],
        "issued_at": certificate.issued_at.isoformat(),
        "valid_from": certificate.valid_from.isoformat(),
        "revocation_reason": certificate.revocation_reason,
        "credential_url": absolute_url("certificates.credential", number=certificate.number),
        "band": band_json(certificate),
        "specialism": specialism_json(certificate),
    }


def specialism_json(certificate: Certificate) -> dict | None:
    """The holder's specialism: its code and title in every language, or None."""
    if not certificate.specialism:
        return None
    return {"code": certificate.specialism,
            "title": {language: specialism_title_in(certificate.specialism, language)
                      for language in current_app.config["LANGUAGES"]}}


def band_json(certificate: Certificate) -> dict | None:
    """The award band decided with the certificate: its code and title per language."""
    if not certificate.band:
        return None
    return {"code": certificate.band, "title": certificate.band_titles()}


def csv_text(data: bytes) -> str | None:
    """The uploaded bytes as text, or None when they are not a text file (a PDF, an image, a
    spreadsheet): UTF-8 without NUL or other control characters than line ends and tabs."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text) or text.startswith("%PDF"):
        return None
    return text


def numbers_from_csv(text: str) -> list[str] | None:
    """The first column of every non-empty row, normalised, without a header row; None when
    the text is not CSV the csv module can read."""
    try:
        # newline="": the csv module itself splits rows, at \n, \r\n or a lone \r.
        rows = [row for row in csv.reader(io.StringIO(text, newline=""))
                if row and row[0].strip()]
    except csv.Error:
        return None
    numbers = [normalise(row[0]) for row in rows]
    if len(numbers) > 1 and not is_certificate_number(numbers[0]):
        numbers = numbers[1:]  # a header row
    return numbers


def bulk_results(numbers: list[str], describe: Callable[[Certificate], dict] = certificate_json
                 ) -> list[dict]:
    """One result per number, in the order given: the certificate as ``describe`` gives it
    (the API's public record unless told), or not found."""
    found = find_certificates(numbers)
    results = []
    for number in numbers:
        certificate = found.get(number)
        if certificate is None:
            results.append({"number": number, "found": False, "status": None})
        else:
            results.append({"found": True, **describe(certificate)})
    return results


def result_rows(results: list[dict]) -> Iterator[list]:
    """The results as the rows of the CSV (CSV_COLUMNS)."""
    return ([item["number"], item["found"], item["status"] or "", item.get("holder_name", ""),
             item.get("track", ""), item.get("valid_until", ""), item.get("verify_url", "")]
            for item in results)


def readable_header() -> list[str]:
    return [str(title) for title in READABLE_COLUMNS]


def readable_rows(results: list[dict]) -> Iterator[list]:
    """The results for people (READABLE_COLUMNS), in the reader's language: yes/no, the status
    and the title in words, the date in the language's style; the status and track codes last,
    for a spreadsheet to filter on."""
    for item in results:
        status, track = item["status"] or "", item.get("track", "")
        yield [item["number"], cell(item["found"]),
               CertificateStatus(status).title if status else "", item.get("holder_name", ""),
               Track(track).title if track else "", day(item.get("valid_until")),
               item.get("verify_url", ""), status, track]


def results_csv(results: list[dict], *, for_people: bool = False) -> bytes:
    """The results as a CSV to download, safe to open in a spreadsheet: for people (in the
    reader's language) or for machines (CSV_COLUMNS: codes, True/False, ISO dates)."""
    if for_people:
        return rows_to_csv(readable_header(), readable_rows(results))
    return rows_to_csv(CSV_COLUMNS, result_rows(results))


def verify_limits() -> tuple[int, int]:
    """How many numbers are checked at once (VERIFY_JOB_ROWS), and how many at most in the
    background (VERIFY_JOB_MAX_ROWS)."""
    config = current_app.config
    return (int(config.get("VERIFY_JOB_ROWS", BULK_LIMIT)),
            int(config.get("VERIFY_JOB_MAX_ROWS", 50_000)))
