"""certify.certificates.printable: the certificate as the app prints it -- official names from
the configuration and the branch, emblems and signatories from the configuration."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from PIL import Image

from certify.certificates.models import Certificate
from certify.certificates.printable import certificate_document
from certify.core.extensions import db
from tests.support import page_text, pdf_images

SIGNATORIES = [
    {"name": {"en": "Serik Tulegenov", "kk": "Серік Төлегенов"},
     "title": {"en": "Director of the Centre", "kk": "Орталық директоры"}},
    {"name": "Aigerim Sadykova", "title": {"en": "Head of the Kazakhstan branch",
                                           "kk": "Қазақстан филиалының басшысы"},
     "branches": ["KZ"]},
]


def certificate_number(in_app) -> str:
    return in_app(lambda: db.session.scalar(sa.select(Certificate.number)))


def png(path, width, height):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height), (160, 128, 64)).save(path)
    return path


def test_a_kazakh_certificate_names_everything_from_the_configuration_with_english_beside(
        app, client, award, in_app, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNATORIES", SIGNATORIES)
    award()
    number = certificate_number(in_app)
    kk = page_text(client.get(f"/certificates/{number}.pdf?lang=kk").data)
    en = page_text(client.get(f"/certificates/{number}.pdf?lang=en").data)

    issuer, titles = app.config["ISSUER_NAME"], app.config["AWARD_TITLES"]["professor"]
    for expected in (issuer["kk"], issuer["en"], titles["kk"], titles["en"], "Қазақстан филиалы",
                     "Kazakhstan branch", "берілді", "is awarded to", "Серік Төлегенов",
                     "Орталық директоры", "Director of the Centre", "Aigerim Sadykova"):
        assert expected in kk, expected
    for expected in (issuer["en"], titles["en"], "Serik Tulegenov", "Director of the Centre"):
        assert expected in en, expected
    assert issuer["kk"] not in en and titles["kk"] not in en and "Серік" not in en
    assert en.count("is awarded to") == 1


def test_a_signatory_limited_to_branches_signs_only_theirs(app, award, in_app, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNATORIES", SIGNATORIES)
    award(branch="RU")
    with app.app_context(), app.test_request_context():
        doc = certificate_document(db.session.scalar(sa.select(Certificate)), "en")
        assert [s.name for s in doc.signatories] == ["Serik Tulegenov"]


def test_emblems_come_from_configured_files_and_a_branch_folder(
        app, client, award, in_app, monkeypatch, tmp_path):
    award()
    number = certificate_number(in_app)
    placeholders = client.get(f"/certificates/{number}.pdf").data
    assert pdf_images(placeholders) == []          # the neutral placeholders are vector

    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    png(tmp_path / "centre.png", 64, 65)           # relative to the instance folder
    png(tmp_path / "emblems" / "KZ.png", 48, 49)   # the default folder: instance/emblems/
    monkeypatch.setitem(app.config, "CERTIFICATE_CENTRE_EMBLEM", "centre.png")
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNATORIES", [
        {"name": "Serik Tulegenov", "title": "Director of the Centre",
         "signature": str(png(tmp_path / "signatures" / "director.png", 90, 30))}])
    assert pdf_images(client.get(f"/certificates/{number}.pdf").data) == [
        (48, 49), (64, 65), (90, 30)]

    folder = tmp_path / "branch-emblems"
    png(folder / "KZ.png", 40, 41)
    monkeypatch.setitem(app.config, "CERTIFICATE_BRANCH_EMBLEMS", str(folder))
    assert (40, 41) in pdf_images(client.get(f"/certificates/{number}.pdf").data)


def test_a_configured_file_that_is_missing_is_named(app, award, monkeypatch):
    award()
    monkeypatch.setitem(app.config, "CERTIFICATE_CENTRE_EMBLEM", "/nowhere/centre.svg")
    with app.app_context(), app.test_request_context():
        certificate = db.session.scalar(sa.select(Certificate))
        with pytest.raises(RuntimeError, match="CERTIFICATE_CENTRE_EMBLEM: no file at "
                                               "/nowhere/centre.svg"):
            certificate_document(certificate, "en")
