"""The printable certificate: plain data in, PDF bytes out.

No Flask and no database here. The caller looks up the certificate, translates the labels,
finds the emblem and signature files and builds the verification URL; this module only lays
the page out (fpdf2), draws the QR code (segno) and the ornaments (``pdf_ornaments``). DejaVu
Sans ships beside it in ``fonts/`` so Cyrillic and Kazakh letters are embedded and extractable.
The output is deterministic: the creation date is the issue date, and fpdf2 derives the file
identifier from the content.

A Russian or Kazakh certificate carries the English beside its texts (title, "awarded to",
band, labels), smaller and on a second line; an English one shows English only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from certify.certificates import pdf_ornaments as ornaments

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVu"
LANGUAGES = ("en", "ru", "kk")
REQUIRED_LABELS = (
    "certificate", "awarded_to", "number", "issued", "valid_until", "verify", "status_note",
)

# A4 landscape, millimetres.
PAGE_W, PAGE_H = 297.0, 210.0
OUTER, INNER = 8.0, 14.5            # the border lines; the band of waves runs between them
HEAD_W = 178.0                      # the text column between the two emblems
TEXT_W = 200.0                      # the text column below them
EMBLEM = 26.0                       # the emblems' box (they keep their proportions)
EMBLEM_X, EMBLEM_Y = 23.0, 20.0
BODY_BOTTOM = 139.0                 # the centred text ends above the bottom row
QR_SIZE = 34.0                      # the symbol including its quiet zone
QR_BORDER = 4                       # quiet zone, in modules (the QR standard's minimum)
QR_RIGHT, QR_TOP = PAGE_W - 20.0, 150.0
URL_W = 110.0                       # room for the verify URL under the QR
DETAILS_X, DETAILS_W = 23.0, 62.0   # number and dates, bottom left
SIGN_LINE_Y = 171.0                 # the signatures' line
SIGN_W, SIGN_GAP = 56.0, 8.0
SIGNATURE_H = 13.0                  # room for a signature image above the line

INK = (33, 37, 41)
ACCENT = (24, 54, 94)
MUTED = (100, 108, 118)
LIGHT = (128, 134, 142)
GOLD = (160, 128, 64)
WHITE = (255, 255, 255)
PALE_GOLD = (236, 222, 186)


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str                      # in the certificate's language
    title_en: str | None = None     # shown beside it on RU and KK certificates
    signature: Path | None = None   # an SVG or PNG drawn above the line


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
    # Dates as the language writes them; ISO 8601 if none is given.
    write_date: Callable[[dt.date], str] = dt.date.isoformat
    # The English beside an RU or KK certificate's texts: keys as in `labels`, and "title",
    # "band", "issuer_name", "branch_name". Ignored on an EN certificate.
    english: Mapping[str, str] = field(default_factory=dict)
    centre_emblem: Path | None = None   # SVG or PNG, top left
    branch_emblem: Path | None = None   # SVG or PNG, top right
    signatories: Sequence[Signatory] = ()

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unsupported language {self.language!r}")
        missing = [key for key in REQUIRED_LABELS if key not in self.labels]
        if missing:
            raise ValueError(f"missing labels: {', '.join(missing)}")

    def beside(self, key: str, shown: str | None = None) -> str | None:
        """The English beside the text ``key`` (None on an EN certificate, or where the
        English reads the same as the text shown)."""
        if self.language == "en":
            return None
        text = self.english.get(key)
        shown = shown if shown is not None else self.labels.get(key)
        return text if text and text != shown else None


def band_caption(title: str, band: str | None) -> str | None:
    """What the band adds to the award title: bands are named after the title ("Certified
    Mining Engineer — Fellow"), which the page already shows above the ribbon. None when the
    band's name is the title itself."""
    if not band:
        return None
    if band.startswith(title):
        rest = band[len(title):].strip(" —–-:,")
        return rest or None
    return band


def render_pdf(doc: CertificateDocument) -> bytes:
    """The certificate as a one-page A4 landscape PDF."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font(FONT_FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT_FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    _metadata(pdf, doc)
    pdf.add_page()

    _background(pdf)
    _emblems(pdf, doc)
    _body(pdf, doc, top=_heading(pdf, doc) + 2.0)
    _details(pdf, doc)
    signed = _signatories(pdf, doc)
    _status_note(pdf, doc, below=_qr(pdf, doc, below=signed))
    return bytes(pdf.output())


def _metadata(pdf: FPDF, doc: CertificateDocument) -> None:
    pdf.set_title(f"{doc.title} — {doc.number}")
    pdf.set_author(doc.issuer_name)
    pdf.set_subject(f"{doc.labels['certificate']}: {doc.holder_name}")
    pdf.set_lang(doc.language)
    pdf.set_creator(doc.issuer_name)
    pdf.set_creation_date(dt.datetime.combine(doc.issued_on, dt.time(), tzinfo=dt.UTC))


def _background(pdf: FPDF) -> None:
    """The security pattern under everything, then the border lines over its edge."""
    ornaments.draw_paths(pdf, ornaments.rosette(PAGE_W / 2, 92.0, 78.0, pdf.k, PAGE_H),
                         ornaments.FIELD_TINT, 0.12)
    ornaments.draw_paths(pdf, ornaments.border_waves(PAGE_W, PAGE_H, OUTER, INNER, pdf.k),
                         ornaments.TINT, 0.15)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.8)
    pdf.rect(OUTER, OUTER, PAGE_W - 2 * OUTER, PAGE_H - 2 * OUTER)
    pdf.set_line_width(0.3)
    pdf.rect(INNER, INNER, PAGE_W - 2 * INNER, PAGE_H - 2 * INNER)


def _emblems(pdf: FPDF, doc: CertificateDocument) -> None:
    """The Centre's emblem top left, the branch's top right with the branch's name under it."""
    right_x = PAGE_W - EMBLEM_X - EMBLEM
    if doc.centre_emblem:
        pdf.image(doc.centre_emblem, EMBLEM_X, EMBLEM_Y, EMBLEM, EMBLEM, keep_aspect_ratio=True)
    if doc.branch_emblem:
        pdf.image(doc.branch_emblem, right_x, EMBLEM_Y, EMBLEM, EMBLEM, keep_aspect_ratio=True)
    caption_w = 40.0                # stays inside the inner border
    x = right_x + EMBLEM / 2 - caption_w / 2
    y = EMBLEM_Y + EMBLEM + 1.5 if doc.branch_emblem else EMBLEM_Y + 4
    pdf.set_text_color(*ACCENT)
    y = _fitted(pdf, x, y, doc.branch_name, width=caption_w, size=7.5, min_size=6.5,
                align="C", bold=True)
    english = doc.beside("branch_name", doc.branch_name)
    if english:
        pdf.set_text_color(*LIGHT)
        _fitted(pdf, x, y, english, width=caption_w, size=6.5, min_size=5.5, align="C")


def _fit_size(pdf: FPDF, text: str, *, size: float, min_size: float, width: float,
              bold: bool = False, step: float = 0.25) -> float:
    """The largest size from ``size`` down to ``min_size`` at which ``text`` fits on one line
    of a cell ``width`` wide (its inner margins left out)."""
    style = "B" if bold else ""
    room = width - 2 * pdf.c_margin
    pdf.set_font(FONT_FAMILY, style, size)
    while size > min_size and pdf.get_string_width(text) > room:
        size = max(min_size, size - step)
        pdf.set_font(FONT_FAMILY, style, size)
    return size


def _fitted(pdf: FPDF, x: float, y: float, text: str, *, width: float, size: float,
            min_size: float, align: str = "L", bold: bool = False,
            line_h: float | None = None) -> float:
    """Text at (x, y) in the current colour, shrunk to fit ``width``; wrapped only as the last
    resort. Returns the y below it."""
    size = _fit_size(pdf, text, size=size, min_size=min_size, width=width, bold=bold)
    pdf.set_xy(x, y)
    pdf.multi_cell(width, line_h or size * 0.45, text, align=align,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf.get_y()


@dataclass(frozen=True)
class _Line:
    """One centred line of the body (wrapped if it must), and the space above it."""
    text: str
    size: float
    min_size: float
    gap: float = 0.0
    bold: bool = False
    color: tuple[int, int, int] = INK
    width: float = TEXT_W


def _line_height(pdf: FPDF, line: _Line) -> tuple[float, float]:
    """The line's font size once shrunk to fit, and the height it takes."""
    size = _fit_size(pdf, line.text, size=line.size, min_size=line.min_size,
                     width=line.width, bold=line.bold, step=0.5)
    rows = pdf.multi_cell(line.width, size * 0.45, line.text, align="C", dry_run=True,
                          output="LINES")
    return size, len(rows) * size * 0.45


def _draw_line(pdf: FPDF, line: _Line, y: float, size: float) -> float:
    pdf.set_font(FONT_FAMILY, "B" if line.bold else "", size)
    pdf.set_text_color(*line.color)
    pdf.set_xy((PAGE_W - line.width) / 2, y)
    pdf.multi_cell(line.width, size * 0.45, line.text, align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    return pdf.get_y()


def _heading(pdf: FPDF, doc: CertificateDocument) -> float:
    """The Centre's name between the emblems. Returns the y below it."""
    y = _draw_line(pdf, _Line(doc.issuer_name, 0, 0, width=HEAD_W, color=ACCENT),
                   EMBLEM_Y + 3, _fit_size(pdf, doc.issuer_name, size=12.5, min_size=9,
                                           width=HEAD_W))
    english = doc.beside("issuer_name", doc.issuer_name)
    if english:
        y = _draw_line(pdf, _Line(english, 0, 0, width=HEAD_W, color=LIGHT), y + 0.8,
                       _fit_size(pdf, english, size=8, min_size=6.5, width=HEAD_W))
    return y


@dataclass(frozen=True)
class _Ribbon:
    caption: str
    english: str | None
    gap: float = 4.0


def _body(pdf: FPDF, doc: CertificateDocument, top: float) -> None:
    """Title, holder, award and band: a stack of centred lines, centred in the room between
    the heading and the bottom row; scaled down as a whole when long names would not fit."""
    room = BODY_BOTTOM - top
    for scale in (1.0, 0.92, 0.85, 0.78, 0.72, 0.66, 0.6):
        stack = _body_stack(doc, scale)
        measured = [(item, *_measure(pdf, item)) for item in stack]
        total = sum(height for _, _, height in measured)
        if total <= room:
            break
    y = top + max(0.0, (room - total) / 2)
    for item, size, height in measured:
        if item == "rule":
            pdf.set_draw_color(*GOLD)
            pdf.set_line_width(0.3)
            pdf.line(PAGE_W / 2 - 38, y + height / 2, PAGE_W / 2 + 38, y + height / 2)
            y += height
        elif isinstance(item, _Ribbon):
            _band(pdf, y + item.gap, item, size)
            y += height
        else:
            y = _draw_line(pdf, item, y + item.gap, size)


def _body_stack(doc: CertificateDocument, scale: float) -> list:
    def line(text: str, size: float, min_size: float, **style) -> _Line:
        gap = style.pop("gap", 0.0) * scale
        return _Line(text, size * scale, min_size * scale, gap=gap, **style)

    def pair(key: str, main: _Line, en_size: float) -> list:
        english = doc.beside(key, main.text)
        if not english:
            return [main]
        return [main, line(english, en_size, 6.5 / scale, gap=0.6, color=LIGHT,
                           width=main.width)]

    certificate = doc.labels["certificate"].upper()
    stack: list = [
        *pair("certificate", line(certificate, 30, 20, bold=True, color=ACCENT,
                                  width=HEAD_W), 10.5),
        "rule",
        *pair("awarded_to", line(doc.labels["awarded_to"], 11, 9, color=MUTED), 8),
        line(doc.holder_name, 26, 15, gap=2.5, bold=True),
    ]
    if doc.holder_name_native:
        stack.append(line(doc.holder_name_native, 15, 10, gap=1.2, color=MUTED))
    stack += pair("title", line(doc.title, 17, 12, gap=5.5, bold=True, color=ACCENT), 9.5)
    caption = band_caption(doc.title, doc.band)
    if caption:
        english = doc.beside("band") and band_caption(doc.english.get("title", ""),
                                                      doc.english["band"])
        stack.append(_Ribbon(caption, english if english != caption else None,
                             gap=4.0 * scale))
    return stack


def _measure(pdf: FPDF, item) -> tuple[float, float]:
    """(font size, height) of an item of the body."""
    if item == "rule":
        return 0.0, 5.0
    if isinstance(item, _Ribbon):
        size, height = _ribbon_size(pdf, item)
        return size, item.gap + height
    size, height = _line_height(pdf, item)
    return size, item.gap + height


RIBBON_TEXT_W = 150.0


def _ribbon_size(pdf: FPDF, ribbon: _Ribbon) -> tuple[float, float]:
    size = _fit_size(pdf, ribbon.caption, size=11, min_size=8, width=RIBBON_TEXT_W, bold=True)
    rows = pdf.multi_cell(RIBBON_TEXT_W, size * 0.45, ribbon.caption, align="C",
                          dry_run=True, output="LINES")
    height = len(rows) * size * 0.45 + 4.0
    if ribbon.english:
        en_size = _fit_size(pdf, ribbon.english, size=7.5, min_size=6, width=RIBBON_TEXT_W)
        en_rows = pdf.multi_cell(RIBBON_TEXT_W, en_size * 0.45, ribbon.english, align="C",
                                 dry_run=True, output="LINES")
        height += len(en_rows) * en_size * 0.45 + 0.4
    return size, height


def _band(pdf: FPDF, y: float, ribbon: _Ribbon, size: float) -> None:
    """The band on a ribbon, in white, with the English under it on RU and KK certificates."""
    _, height = _ribbon_size(pdf, ribbon)
    pdf.set_font(FONT_FAMILY, "B", size)
    text_w = pdf.get_string_width(ribbon.caption)
    en_size = 0.0
    if ribbon.english:
        en_size = _fit_size(pdf, ribbon.english, size=7.5, min_size=6, width=RIBBON_TEXT_W)
        text_w = max(text_w, pdf.get_string_width(ribbon.english))
    width = max(60.0, min(RIBBON_TEXT_W, text_w + 2 * pdf.c_margin) + 12)
    x = (PAGE_W - width) / 2
    ornaments.draw_ribbon(pdf, x, y, width, height)
    pdf.set_text_color(*WHITE)
    text_x, text_w = (PAGE_W - RIBBON_TEXT_W) / 2, RIBBON_TEXT_W
    below = _fitted(pdf, text_x, y + 2.0, ribbon.caption, width=text_w, size=size,
                    min_size=size, align="C", bold=True)
    if ribbon.english:
        pdf.set_text_color(*PALE_GOLD)
        _fitted(pdf, text_x, below + 0.4, ribbon.english, width=text_w, size=en_size,
                min_size=en_size, align="C")


def _details(pdf: FPDF, doc: CertificateDocument) -> None:
    """Number and dates at the bottom left: each label over its value, the English beside the
    label on RU and KK certificates."""
    rows = [("number", doc.number)]
    if doc.specialism and "specialism" in doc.labels:
        rows.append(("specialism", doc.specialism))
    rows.append(("issued", doc.write_date(doc.issued_on)))
    if "valid_from" in doc.labels:          # optional: shown only when the caller names it
        rows.append(("valid_from", doc.write_date(doc.valid_from)))
    rows.append(("valid_until", doc.write_date(doc.valid_until)))

    row_h = 8.6
    y = SIGN_LINE_Y + 13.0 - row_h * len(rows)
    for key, value in rows:
        label = doc.labels[key]
        english = doc.beside(key)
        pdf.set_text_color(*MUTED)
        _fitted(pdf, DETAILS_X, y, f"{label} / {english}" if english else label,
                width=DETAILS_W, size=7.5, min_size=6, line_h=3.4)
        pdf.set_text_color(*INK)
        _fitted(pdf, DETAILS_X, y + 3.5, value, width=DETAILS_W, size=10, min_size=7,
                bold=True, line_h=4.6)
        y += row_h


def _signatories(pdf: FPDF, doc: CertificateDocument) -> float:
    """Each signatory over a line: signature image (if any) above it, name and title under.
    Returns the y below the lowest."""
    count = len(doc.signatories)
    if not count:
        return SIGN_LINE_Y
    # Centred on the page, clear of the details on the left and the QR on the right.
    left = DETAILS_X + DETAILS_W + 6
    right = PAGE_W - left
    width = min(SIGN_W, (right - left - SIGN_GAP * (count - 1)) / count)
    total = count * width + (count - 1) * SIGN_GAP
    x = left + (right - left - total) / 2
    bottom = SIGN_LINE_Y
    for signatory in doc.signatories:
        if signatory.signature:
            pdf.image(signatory.signature, x + 4, SIGN_LINE_Y - SIGNATURE_H - 0.5,
                      width - 8, SIGNATURE_H, keep_aspect_ratio=True)
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.25)
        pdf.line(x, SIGN_LINE_Y, x + width, SIGN_LINE_Y)
        pdf.set_text_color(*INK)
        y = _fitted(pdf, x, SIGN_LINE_Y + 1.2, signatory.name, width=width, size=9.5,
                    min_size=6, align="C", bold=True)
        pdf.set_text_color(*MUTED)
        y = _fitted(pdf, x, y + 0.3, signatory.title, width=width, size=7.5, min_size=5.5,
                    align="C")
        if doc.language != "en" and signatory.title_en and signatory.title_en != signatory.title:
            pdf.set_text_color(*LIGHT)
            y = _fitted(pdf, x, y + 0.2, signatory.title_en, width=width, size=6.5,
                        min_size=5, align="C")
        bottom = max(bottom, y)
        x += width + SIGN_GAP
    return bottom


def _qr(pdf: FPDF, doc: CertificateDocument, below: float) -> float:
    """The verification QR (error correction M) as one filled vector path, bottom right, with
    the URL printed under it (and under the signatures, ``below``, which it may reach) and the
    invitation to verify above it. Returns the y below the URL."""
    qr = segno.make_qr(doc.verify_url, error="m", boost_error=False)
    modules = qr.symbol_size(scale=1, border=QR_BORDER)[0]
    module = QR_SIZE / modules
    x0, y0 = QR_RIGHT - QR_SIZE, QR_TOP
    # The quiet zone stays white over the background pattern.
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x0, y0, QR_SIZE, QR_SIZE, style="F")
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
    left, right = x0 + QR_BORDER * module, QR_RIGHT - QR_BORDER * module
    caption_w = right - left + 8
    pdf.set_text_color(*MUTED)
    english = doc.beside("verify")
    caption = f"{doc.labels['verify']} / {english}" if english else doc.labels["verify"]
    pdf.set_font(FONT_FAMILY, "", 6.5)
    rows = pdf.multi_cell(caption_w, 2.8, caption, align="C", dry_run=True, output="LINES")
    _fitted(pdf, left - 4, y0 - 0.3 - 2.8 * len(rows), caption, width=caption_w, size=6.5,
            min_size=6.5, align="C", line_h=2.8)
    return _fitted(pdf, right - URL_W, max(y0 + QR_SIZE, below) + 0.3, doc.verify_url,
                   width=URL_W, size=6, min_size=5, align="R", line_h=2.6)


def _status_note(pdf: FPDF, doc: CertificateDocument, below: float) -> None:
    english = doc.beside("status_note")
    note = doc.labels["status_note"] + (f" / {english}" if english else "")
    pdf.set_text_color(*MUTED)
    width = 150.0
    y = max(PAGE_H - INNER - 6.0, below + 0.6)
    _fitted(pdf, (PAGE_W - width) / 2, y, note, width=width, size=7,
            min_size=5.5, align="C", line_h=3.2)
