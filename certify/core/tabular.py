"""DataFrames to CSV and XLSX bytes, safe to open in a spreadsheet.

Text cells that a spreadsheet would read as a formula (starting with =, +, -, @, tab or carriage
return) get a leading apostrophe (OWASP "CSV injection"); numbers are left as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A text a spreadsheet would run as a formula, made plain text; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
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
    writer.writerow(header)
    writer.writerows([neutralise_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")


def to_csv(frame: pd.DataFrame) -> bytes:
    return neutralise(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


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
