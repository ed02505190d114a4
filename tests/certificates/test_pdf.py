"""certify.certificates.pdf: the printable certificate, read back as text and as a scanned QR."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from importlib.resources import files

import pypdf
import pytest

from certify.certificates.pdf import CertificateDocument, render_pdf
from tests.support import page_text, scan_qr

KAZAKH_LETTERS = "әғқңөұүһі"
VERIFY_URL = "https://certify.example.org/verify/UPME-KZ-2026-000123?k=8f3a1c2e9b7d4f60"

LABELS = {
    "en": {
        "certificate": "Certificate",
        "awarded_to": "is awarded to",
        "number": "Number",
        "issued": "Issued",
        "valid_until": "Valid until",
        "verify": "Scan or visit to verify",
        "status_note": "Valid only as shown on the verification page",
    },
    "ru": {
        "certificate": "Сертификат",
        "awarded_to": "выдан",
        "number": "Номер",
        "issued": "Дата выдачи",
        "valid_until": "Действителен до",
        "verify": "Отсканируйте или перейдите по ссылке для проверки",
        "status_note": "Действителен только в том виде, как показано на странице проверки",
    },
    "kk": {
        "certificate": "Сертификат",
        "awarded_to": "берілді",
        "number": "Нөмірі",
        "issued": "Берілген күні",
        "valid_until": "Жарамдылық мерзімі",
        "verify": "Тексеру үшін сканерлеңіз немесе сілтемеге өтіңіз",
        "status_note": "Тек тексеру бетінде көрсетілгендей жарамды",
    },
}
TITLES = {
    "en": "UNESCO Professor of Mining Engineering",
    "ru": "Профессор ЮНЕСКО горного дела",
    "kk": "ЮНЕСКО тау-кен ісі профессоры",
}


def document(language: str = "kk", **overrides) -> CertificateDocument:
    fields = {
        "language": language,
        "number": "UPME-KZ-2026-000123",
        "holder_name": "Aliya Nurpeiisova",
        "holder_name_native": "Әлия Нұрпейісова",
        "title": TITLES[language],
        "band": None,
        "issuer_name": "UNESCO Chair in Mining Engineering",
        "branch_name": "Kazakhstan branch, Almaty",
        "issued_on": dt.date(2026, 3, 14),
        "valid_from": dt.date(2026, 3, 14),
        "valid_until": dt.date(2029, 3, 13),
        "verify_url": VERIFY_URL,
        "labels": LABELS[language],
    }
    return CertificateDocument(**(fields | overrides))


@pytest.fixture(autouse=True)
def clean_database():
    """A pure module: no app and no database, so the conftest's per-test cleaning is
    overridden here."""
    yield


@pytest.fixture
def make_document():
    return document


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_one_page_a4_landscape_pdf(make_document, language):
    pdf_bytes = render_pdf(make_document(language))

    assert pdf_bytes.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (
        297, 210)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_text_reads_back(make_document, language):
    doc = make_document(language, band="Senior band" if language == "en" else "Высший уровень")
    text = page_text(render_pdf(doc))

    for expected in (
        doc.issuer_name,
        doc.labels["certificate"].upper(),
        doc.labels["awarded_to"],
        "Aliya Nurpeiisova",
        "Әлия Нұрпейісова",
        doc.title,
        doc.band,
        "UPME-KZ-2026-000123",
        "2026-03-14",
        "2029-03-13",
        doc.branch_name,
        doc.labels["verify"],
        doc.labels["status_note"],
        VERIFY_URL,
    ):
        assert expected in text, expected


def test_russian_and_kazakh_titles_and_every_kazakh_letter(make_document):
    ru = page_text(render_pdf(make_document("ru")))
    assert "Профессор ЮНЕСКО горного дела" in ru

    kk_doc = make_document("kk", band="Жоғары деңгей — " + KAZAKH_LETTERS + " "
                           + KAZAKH_LETTERS.upper(), branch_name="Қазақстан филиалы, Алматы")
    kk = page_text(render_pdf(kk_doc))
    assert "ЮНЕСКО тау-кен ісі профессоры" in kk
    assert "Әлия Нұрпейісова" in kk
    assert "Қазақстан филиалы, Алматы" in kk
    assert f"{KAZAKH_LETTERS} {KAZAKH_LETTERS.upper()}" in kk
    for letter in KAZAKH_LETTERS + KAZAKH_LETTERS.upper():
        assert letter in kk, letter


def test_the_native_name_and_band_are_optional(make_document):
    text = page_text(render_pdf(make_document("en", holder_name_native=None, band=None)))
    assert "Aliya Nurpeiisova" in text
    assert "Әлия" not in text


def test_metadata(make_document):
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(make_document("kk"))))
    info = reader.metadata
    assert info.title == "ЮНЕСКО тау-кен ісі профессоры — UPME-KZ-2026-000123"
    assert info.author == "UNESCO Chair in Mining Engineering"
    assert info.subject == "Сертификат: Aliya Nurpeiisova"
    assert info.creation_date == dt.datetime(2026, 3, 14, tzinfo=dt.UTC)
    assert reader.trailer["/Root"]["/Lang"] == "kk"


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_qr_code_scans_to_the_verify_url(make_document, language):
    assert scan_qr(render_pdf(make_document(language))) == [VERIFY_URL]


def test_a_long_verify_url_still_scans_and_prints(make_document):
    url = "https://verify.certify.example.org/certificates/UPME-KZ-2026-000123?" + (
        "credential=" + "z" * 120)
    pdf_bytes = render_pdf(make_document("en", verify_url=url))
    assert scan_qr(pdf_bytes, dpi=200) == [url]
    assert url in page_text(pdf_bytes).replace(" ", "")


def test_output_is_deterministic(make_document):
    assert render_pdf(make_document("ru")) == render_pdf(make_document("ru"))
    assert render_pdf(make_document("ru")) != render_pdf(make_document("ru", number="X-1"))


def test_missing_labels_and_unknown_languages_are_refused(make_document):
    with pytest.raises(ValueError, match="status_note"):
        make_document("en", labels={k: v for k, v in LABELS["en"].items() if k != "status_note"})
    with pytest.raises(ValueError, match="language"):
        dataclasses.replace(make_document("en"), language="de")


def test_the_fonts_and_their_licence_ship_in_the_package():
    fonts = files("certify.certificates") / "fonts"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert fonts.joinpath(name).read_bytes()[:4] == b"\x00\x01\x00\x00"
    licence = fonts.joinpath("LICENSE").read_text(encoding="utf-8")
    assert "Bitstream Vera" in licence
    assert "DejaVu" in licence
