"""The printable certificate: plain data in, PDF bytes out.

No Flask and no database here. The caller looks up the certificate, translates the labels and
builds the verification URL; this module only lays the page out (fpdf2) and draws the QR code
(segno). DejaVu Sans ships beside it in ``fonts/`` so Cyrillic and Kazakh letters are embedded
and extractable. The output is deterministic: the creation date is the issue date, and fpdf2
derives the file identifier from the content.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVu"
LANGUAGES = ("en", "ru", "kk")
REQUIRED_LABELS = (
    "certificate", "awarded_to", "number", "issued", "valid_until", "verify", "status_note",
)

# A4 landscape, millimetres.
PAGE_W, PAGE_H = 297.0, 210.0
OUTER, INNER = 8.0, 10.5            # insets of the double border
TEXT_W = 220.0                      # width of the centred text column
QR_SIZE = 34.0                      # the symbol including its quiet zone
QR_BORDER = 4                       # quiet zone, in modules (the QR standard's minimum)
URL_W = 140.0                       # room for the verify URL under the QR
DETAILS_W = 110.0                   # room for the branch name in the bottom-left block

INK = (33, 37, 41)
ACCENT = (24, 54, 94)
MUTED = (100, 108, 118)
GOLD = (160, 128, 64)


@dataclass(frozen=True)
class CertificateDocument:
    language: str                   # "en" | "ru" | "kk"
    number: str                     # e.g. "UPME-KZ-2026-000123"
    holder_name: str                # Latin
    holder_name_native: str | None
    title: str                      # award title already in `language`
    band: str | None                # optional band title
    issuer_name: str
    branch_name: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date
    verify_url: str                 # the QR target
    labels: Mapping[str, str]       # REQUIRED_LABELS, translated by the caller
    specialism: str | None = None   # the holder's specialism, already in `language`
    # Dates as the language writes them (certify/core/dates.py); ISO 8601 if none is given.
    write_date: Callable[[dt.date], str] = dt.date.isoformat

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unsupported language {self.language!r}")
        missing = [key for key in REQUIRED_LABELS if key not in self.labels]
        if missing:
            raise ValueError(f"missing labels: {', '.join(missing)}")


def render_pdf(doc: CertificateDocument) -> bytes:
    """The certificate as a one-page A4 landscape PDF."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font(FONT_FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT_FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    _metadata(pdf, doc)
    pdf.add_page()

    _border(pdf)
    _heading(pdf, doc)
    _details(pdf, doc)
    _qr(pdf, doc)
    _status_note(pdf, doc)
    return bytes(pdf.output())


def _metadata(pdf: FPDF, doc: CertificateDocument) -> None:
    pdf.set_title(f"{doc.title} — {doc.number}")
    pdf.set_author(doc.issuer_name)
    pdf.set_subject(f"{doc.labels['certificate']}: {doc.holder_name}")
    pdf.set_lang(doc.language)
    pdf.set_creator(doc.issuer_name)
    pdf.set_creation_date(dt.datetime.combine(doc.issued_on, dt.time(), tzinfo=dt.UTC))


def _border(pdf: FPDF) -> None:
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.8)
    pdf.rect(OUTER, OUTER, PAGE_W - 2 * OUTER, PAGE_H - 2 * OUTER)
    pdf.set_line_width(0.25)
    pdf.rect(INNER, INNER, PAGE_W - 2 * INNER, PAGE_H - 2 * INNER)


def _centred(pdf: FPDF, y: float, text: str, *, size: float, bold: bool = False,
             color: tuple[int, int, int] = INK, min_size: float | None = None,
             width: float = TEXT_W) -> float:
    """One centred line at ``y``, shrunk (down to ``min_size``) to fit ``width``; wraps onto
    further lines only if it still does not fit. Returns the y below it."""
    style = "B" if bold else ""
    pdf.set_font(FONT_FAMILY, style, size)
    if min_size is not None:
        while size > min_size and pdf.get_string_width(text) > width:
            size = max(min_size, size - 0.5)
            pdf.set_font(FONT_FAMILY, style, size)
    pdf.set_text_color(*color)
    pdf.set_xy((PAGE_W - width) / 2, y)
    line_h = size * 0.45
    pdf.multi_cell(width, line_h, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf.get_y()


def _fitted_line(pdf: FPDF, x: float, y: float, text: str, *, width: float, size: float,
                 min_size: float, align: str = "L", line_h: float | None = None) -> None:
    """One line at (x, y) in the current colour, shrunk to fit ``width``; wrapped only as the
    last resort."""
    pdf.set_font(FONT_FAMILY, "", size)
    while size > min_size and pdf.get_string_width(text) > width:
        size = max(min_size, size - 0.25)
        pdf.set_font(FONT_FAMILY, "", size)
    pdf.set_xy(x, y)
    pdf.multi_cell(width, line_h or size * 0.45, text, align=align)


def _rule(pdf: FPDF, y: float, half_width: float) -> None:
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.3)
    pdf.line(PAGE_W / 2 - half_width, y, PAGE_W / 2 + half_width, y)


def _heading(pdf: FPDF, doc: CertificateDocument) -> None:
    y = _centred(pdf, 25, doc.issuer_name, size=13, color=ACCENT, min_size=9)
    y = _centred(pdf, y + 6, doc.labels["certificate"].upper(), size=34, bold=True,
                 color=ACCENT, min_size=22)
    _rule(pdf, y + 4, 40)
    y = _centred(pdf, y + 11, doc.labels["awarded_to"], size=12, color=MUTED)
    y = _centred(pdf, y + 3, doc.holder_name, size=28, bold=True, min_size=16)
    if doc.holder_name_native:
        y = _centred(pdf, y + 1.5, doc.holder_name_native, size=16, color=MUTED, min_size=11)
    y = _centred(pdf, y + 10, doc.title, size=18, bold=True, color=ACCENT, min_size=13)
    if doc.band:
        _centred(pdf, y + 3, doc.band, size=13, min_size=10)


def _details(pdf: FPDF, doc: CertificateDocument) -> None:
    """Number, dates and branch, as a label/value block at the bottom left."""
    rows = [
        (doc.labels["number"], doc.number),
    ]
    if doc.specialism:
        rows.append((doc.labels.get("specialism", "Specialism"), doc.specialism))
    rows.append((doc.labels["issued"], doc.write_date(doc.issued_on)))
    if "valid_from" in doc.labels:          # optional: shown only when the caller names it
        rows.append((doc.labels["valid_from"], doc.write_date(doc.valid_from)))
    rows.append((doc.labels["valid_until"], doc.write_date(doc.valid_until)))

    x, line_h = 24.0, 6.0
    y = PAGE_H - 24.0 - line_h * (len(rows) + 1)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    label_w = max(pdf.get_string_width(label) for label, _ in rows) + 4
    for label, value in rows:
        pdf.set_xy(x, y)
        pdf.set_font(FONT_FAMILY, "", 9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(label_w, line_h, label)
        pdf.set_font(FONT_FAMILY, "B", 10)
        pdf.set_text_color(*INK)
        pdf.cell(0, line_h, value)
        y += line_h
    pdf.set_text_color(*INK)
    _fitted_line(pdf, x, y, doc.branch_name, width=DETAILS_W, size=9.5, min_size=7,
                 line_h=line_h)


def _qr(pdf: FPDF, doc: CertificateDocument) -> None:
    """The verification QR (error correction M) as one filled vector path, bottom right, with
    the URL printed under it and the invitation to verify above it."""
    qr = segno.make_qr(doc.verify_url, error="m", boost_error=False)
    modules = qr.symbol_size(scale=1, border=QR_BORDER)[0]
    module = QR_SIZE / modules
    right = PAGE_W - 18.0
    x0, y0 = right - QR_SIZE, PAGE_H - 24.0 - QR_SIZE
    # One filled rectangle per horizontal run of dark modules, written straight to the page
    # (the drawing-path API copies itself per shape and is several times slower).
    pdf.set_fill_color(0, 0, 0)
    for row, bits in enumerate(qr.matrix):
        col = 0
        while col < len(bits):
            if not bits[col]:
                col += 1
                continue
            start = col
            while col < len(bits) and bits[col]:
                col += 1
            pdf.rect(x0 + (QR_BORDER + start) * module, y0 + (QR_BORDER + row) * module,
                     (col - start) * module, module, style="F")

    # The captions line up with the visible symbol and stay out of its quiet zone.
    edge = right - QR_BORDER * module
    pdf.set_text_color(*MUTED)
    _fitted_line(pdf, edge - URL_W, y0 - 4, doc.labels["verify"], width=URL_W, size=7.5,
                 min_size=6, align="R")
    _fitted_line(pdf, edge - URL_W, y0 + QR_SIZE, doc.verify_url, width=URL_W, size=6.5,
                 min_size=5, align="R")


def _status_note(pdf: FPDF, doc: CertificateDocument) -> None:
    pdf.set_font(FONT_FAMILY, "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy((PAGE_W - 120) / 2, PAGE_H - INNER - 7)
    pdf.cell(120, 4, doc.labels["status_note"], align="C")
