"""DataFrames and rows to CSV and XLSX bytes, safe to open in a spreadsheet, and the one way a
CSV download is answered (``csv_response``).

Text cells that a spreadsheet would read as a formula (starting with =, +, -, @, tab, carriage
return or line feed, also after leading spaces or quotes) get a leading apostrophe (OWASP "CSV
injection"); numbers are left as numbers. Every CSV of the app is written by ``rows_to_csv``.
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n",
                    "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and their full-width forms
# What a spreadsheet may skip before it looks for a formula.
SKIPPED_BEFORE_FORMULA = " \"'\u00a0"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STREAM_BATCH = 1000  # rows per CSV chunk
XLSX_CHUNK = 64 * 1024
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 12, 40


def neutralise_cell(value):
    """A text a spreadsheet would run as a formula, made plain text; anything else as it is."""
    if isinstance(value, str) and value.lstrip(SKIPPED_BEFORE_FORMULA).startswith(
            FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value):
    """A cell as the csv module should write it: missing values (None, NaN, NaT) empty."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):  # a list or an array: not a missing value
        pass
    return value


def _csv_row(row: Sequence) -> list:
    return [neutralise_cell(_plain(cell)) for cell in row]


def rows_to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """Plain rows (no DataFrame needed) as UTF-8 CSV, each cell neutralised."""
    return b"".join(iter_csv(header, rows))


def iter_csv(header: Sequence[str], rows: Iterable[Sequence],
             batch: int = STREAM_BATCH) -> Iterator[bytes]:
    """The CSV of ``rows`` in UTF-8 chunks of ``batch`` rows, each written as it is read: the
    rows may come straight from a database cursor, and nothing holds the whole file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise_cell(cell) for cell in header])
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, batch)):
        writer.writerows(_csv_row(row) for row in chunk)
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def to_csv(frame: pd.DataFrame) -> bytes:
    """A frame as CSV (no index), written by ``rows_to_csv`` like every other CSV."""
    return rows_to_csv([str(column) for column in frame.columns],
                       frame.itertuples(index=False, name=None))


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_response(body: bytes | Iterable[bytes], filename: str) -> Response:
    """A CSV download: exactly ``text/csv; charset=utf-8`` (``mimetype=`` would add the
    charset a second time), saved under ``filename``. ``body`` may be the chunks of
    ``iter_csv``: the response then streams them as they are made (with the request's
    context kept, so the rows can still be read from the database)."""
    if not isinstance(body, bytes):
        body = stream_with_context(body)
    return Response(body, content_type=CSV_CONTENT_TYPE, headers=_attachment(filename))


def _xlsx_cell(value):
    """A cell as openpyxl writes it: missing values empty, NumPy scalars as Python numbers,
    times without a zone (in UTC), text neutralised."""
    value = _plain(value)
    if value == "":
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return neutralise_cell(value)


def write_xlsx(sheets: Mapping[str, tuple[Sequence[str], Iterable[Sequence]]], file) -> None:
    """One worksheet per (header, rows), names cut to Excel's 31 characters, in openpyxl's
    write-only mode: each row goes to the file as it is read, and the columns get a fixed
    width from their header (no cell is measured)."""
    book = Workbook(write_only=True)
    for name, (header, rows) in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        for number, title in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(number)].width = min(
                max(XLSX_MIN_WIDTH, len(str(title)) + 2), XLSX_MAX_WIDTH)
        sheet.append([neutralise_cell(str(title)) for title in header])
        for row in rows:
            sheet.append([_xlsx_cell(cell) for cell in row])
    book.save(file)


def _frames(sheets: Mapping[str, pd.DataFrame]) -> dict[str, tuple[list[str], Iterable]]:
    return {name: ([str(column) for column in frame.columns],
                   frame.itertuples(index=False, name=None)) for name, frame in sheets.items()}


def to_xlsx(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One worksheet per frame (names cut to Excel's 31 characters)."""
    buffer = io.BytesIO()
    write_xlsx(_frames(sheets), buffer)
    return buffer.getvalue()


def _file_chunks(file) -> Iterator[bytes]:
    try:
        while chunk := file.read(XLSX_CHUNK):
            yield chunk
    finally:
        file.close()


def xlsx_response(sheets: Mapping[str, tuple[Sequence[str], Iterable[Sequence]]]
                  | Mapping[str, pd.DataFrame], filename: str) -> Response:
    """An XLSX download written (``write_xlsx``) to a temporary file, then streamed from it in
    chunks; the file is gone once sent."""
    if all(isinstance(value, pd.DataFrame) for value in sheets.values()):
        sheets = _frames(sheets)
    file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _file_chunks once sent)
    try:
        write_xlsx(sheets, file)
        size = file.tell()
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = Response(_file_chunks(file), mimetype=XLSX, headers=_attachment(filename))
    response.call_on_close(file.close)  # also when the download never starts
    response.content_length = size
    return response
