"""DataFrames and rows to CSV and XLSX bytes, safe to open in a spreadsheet, and the one way a
CSV download is answered (``csv_response``).

Text cells that a spreadsheet would read as a formula (starting with =, +, -, @, tab, carriage
return or line feed, also after leading spaces or quotes) get a leading apostrophe (OWASP "CSV
injection"); numbers are left as numbers. Every CSV of the app is written by ``rows_to_csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
from flask import Response

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n",
                    "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and their full-width forms
# What a spreadsheet may skip before it looks for a formula.
SKIPPED_BEFORE_FORMULA = " \"'\u00a0"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


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


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    return safe


def rows_to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """Plain rows (no DataFrame needed) as UTF-8 CSV, each cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise_cell(cell) for cell in header])
    writer.writerows([neutralise_cell(_plain(cell)) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")


def to_csv(frame: pd.DataFrame) -> bytes:
    """A frame as CSV (no index), written by ``rows_to_csv`` like every other CSV."""
    return rows_to_csv([str(column) for column in frame.columns],
                       frame.itertuples(index=False, name=None))


def csv_response(body: bytes, filename: str) -> Response:
    """A CSV download: exactly ``text/csv; charset=utf-8`` (``mimetype=`` would add the
    charset a second time), saved under ``filename``."""
    return Response(body, content_type=CSV_CONTENT_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def to_xlsx(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One worksheet per frame (names cut to Excel's 31 characters)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            neutralise(frame).to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.book.worksheets[-1]
            for column_cells in sheet.columns:
                width = max(len(str(c.value)) if c.value is not None else 0
                            for c in column_cells)
                sheet.column_dimensions[column_cells[0].column_letter].width = min(
                    max(10, width + 2), 60)
    return buffer.getvalue()
