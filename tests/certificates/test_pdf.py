"""certify.certificates.pdf: the printable certificate, read back as text and as a scanned QR."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from importlib.resources import files

import pypdf
import pytest
from PIL import Image

from certify.certificates.pdf import (
    PAGE_H,
    PAGE_W,
    CertificateDocument,
    Signatory,
    band_caption,
    render_pdf,
)
from certify.certificates.printable import PLACEHOLDER_EMBLEMS
from tests.support import (
    overlapping_text,
    page_text,
    pdf_images,
    printed_pixels,
    scan_qr,
    text_origins,
)

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


ENGLISH = LABELS["en"] | {
    "title": TITLES["en"],
    "band": "UNESCO Professor of Mining Engineering — distinguished",
    "issuer_name": "UNESCO Chair in Mining Engineering",
    "branch_name": "Kazakhstan branch",
}
SIGNATORIES = {
    "en": (Signatory("Serik Tulegenov", "Director of the Centre"),
           Signatory("Aigerim Sadykova", "Head of the Kazakhstan branch")),
    "kk": (Signatory("Серік Төлегенов", "Орталық директоры", "Director of the Centre"),
           Signatory("Айгерім Садықова", "Қазақстан филиалының басшысы",
                     "Head of the Kazakhstan branch")),
}


def framed(language: str = "kk", **overrides) -> CertificateDocument:
    """The certificate as the app prints it: emblems, signatories, band, English beside."""
    fields = {
        "band": {"en": ENGLISH["band"], "ru": "Профессор ЮНЕСКО горного дела — с отличием",
                 "kk": "ЮНЕСКО тау-кен ісі профессоры — үздік деңгей"}[language],
        "branch_name": {"en": "Kazakhstan branch", "ru": "Казахстанский филиал",
                        "kk": "Қазақстан филиалы"}[language],
        "english": ENGLISH,
        "centre_emblem": PLACEHOLDER_EMBLEMS / "centre.svg",
        "branch_emblem": PLACEHOLDER_EMBLEMS / "branch.svg",
        "signatories": SIGNATORIES["en" if language == "en" else "kk"],
    }
    return document(language, **(fields | overrides))


def png(path, width: int, height: int):
    Image.new("RGB", (width, height), (24, 54, 94)).save(path)
    return path


def test_the_emblems_are_drawn_top_left_and_top_right():
    with_emblems = render_pdf(framed("en"))
    without = render_pdf(framed("en", centre_emblem=None, branch_emblem=None))
    # (Without its emblem, the branch's name moves up to where the emblem's top would be.)
    for box in ((23, 20, 26, 26), (PAGE_W - 23 - 26, 30, 26, 16)):
        assert printed_pixels(with_emblems, box) > 100, box
        assert printed_pixels(without, box) == 0, box


def test_png_emblems_and_signatures_are_embedded_as_images(tmp_path):
    doc = framed("kk", centre_emblem=png(tmp_path / "centre.png", 60, 61),
                 branch_emblem=png(tmp_path / "KZ.png", 50, 52),
                 signatories=(Signatory("Серік Төлегенов", "Орталық директоры",
                                        signature=png(tmp_path / "sign.png", 120, 40)),))
    assert pdf_images(render_pdf(doc)) == [(50, 52), (60, 61), (120, 40)]
    assert pdf_images(render_pdf(framed("kk"))) == []   # the placeholders are vector drawings


@pytest.mark.parametrize("language", ["en", "kk"])
def test_signatories_read_back_under_their_lines(language):
    text = page_text(render_pdf(framed(language)))
    for signatory in SIGNATORIES[language]:
        assert signatory.name in text
        assert signatory.title in text
    for english in ("Director of the Centre", "Head of the Kazakhstan branch"):
        assert text.count(english) == 1    # beside the Kazakh title; not twice in English


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_russian_and_kazakh_certificates_carry_the_english_beside(language):
    text = page_text(render_pdf(framed(language)))
    for english in ("Certificate", "is awarded to", TITLES["en"], "distinguished",
                    "UNESCO Chair in Mining Engineering", "Kazakhstan branch",
                    f"{LABELS[language]['number']} / Number",
                    f"{LABELS[language]['valid_until']} / Valid until",
                    "Scan or visit to verify", "Valid only as shown on the verification page"):
        assert english in text, english
    # The holder's language first, larger; the English under it.
    origins = {piece: y for piece, _x, y in text_origins(render_pdf(framed(language)))}
    assert origins[TITLES[language]] < origins[TITLES["en"]]
    assert origins[LABELS[language]["awarded_to"]] < origins["is awarded to"]


def test_an_english_certificate_shows_english_only():
    marked = {key: f"MARK-{key}" for key in ENGLISH}
    text = page_text(render_pdf(framed("en", english=marked)))
    assert "MARK" not in text
    assert text.count(TITLES["en"]) == 1
    assert text.count("is awarded to") == 1


def test_the_band_is_what_it_adds_to_the_title():
    title = TITLES["en"]
    assert band_caption(title, f"{title} — distinguished") == "distinguished"
    assert band_caption("Certified Mining Engineer",
                        "Certified Mining Engineer — Professional") == "Professional"
    assert band_caption(title, title) is None
    assert band_caption(title, None) is None
    assert band_caption(title, "Senior band") == "Senior band"
    kk = page_text(render_pdf(framed("kk")))
    assert "үздік деңгей" in kk and "distinguished" in kk


def test_the_framed_certificate_is_deterministic_and_its_qr_scans():
    assert render_pdf(framed("kk")) == render_pdf(framed("kk"))
    assert scan_qr(render_pdf(framed("kk"))) == [VERIFY_URL]


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_no_text_overlaps_other_text(language):
    assert overlapping_text(render_pdf(framed(language))) == []


def test_long_names_titles_and_many_signatories_stay_on_the_page():
    long = "Nurmukhambetova-Zhaksylykova " * 4
    doc = framed(
        "ru", holder_name=long.strip(), holder_name_native=("Нұрмұхамбетова " * 5).strip(),
        title="Профессор ЮНЕСКО горного дела " * 3, band="Высший уровень с отличием " * 4,
        issuer_name="Международный центр компетенций в области горно-инженерного "
                    "образования и подготовки кадров горной промышленности",
        signatories=[Signatory(f"Константин Константинопольский {i}",
                               "Заместитель директора по научной и учебной работе",
                               "Deputy director for research and teaching")
                     for i in range(3)])
    pdf_bytes = render_pdf(doc)
    text = page_text(pdf_bytes)
    assert len(pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages) == 1
    for expected in (long.split()[0], "Константин Константинопольский 2", VERIFY_URL):
        assert expected in text
    for piece, x, y in text_origins(pdf_bytes):
        assert 14.5 < x < PAGE_W - 14.5 and 14.5 < y < PAGE_H - 14.5, (piece, x, y)
    assert overlapping_text(pdf_bytes) == []
    assert scan_qr(pdf_bytes) == [VERIFY_URL]
