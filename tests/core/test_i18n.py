"""Languages: how the locale is chosen, and catalogs that are complete in RU and KK."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from flask_babel import force_locale

from certify.core.extensions import db
from certify.users.models import User
from certify.web.templating import number, percent
from tests.support import login

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "certify" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages in the source right now, extracted as `make translations` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
        "--no-location", "-o", str(pot), str(ROOT),
    ])
    with pot.open("rb") as handle:
        return read_po(handle)


def _catalog(language: str):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_catalog_translates_every_message(extracted, language):
    catalog = _catalog(language)
    problems = []
    for message in extracted:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None:
            problems.append(f"missing: {message.id!r}")
            continue
        strings = translated.string if isinstance(translated.string, tuple | list) else (
            translated.string,)
        if translated.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(strings):
            problems.append(f"empty: {message.id!r}")
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != set(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {message.id!r} -> {string!r}")
    assert problems == [], "\n".join(problems[:30])


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_catalog_defines_each_message_once(language):
    """Two branches adding the same msgid by hand made a catalog GNU msgfmt refuses; Babel
    reads it silently, keeping one of the two translations."""
    text = (CATALOGS / language / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    entries = re.findall(r'^(?:msgctxt "(.*)"\n)?msgid "(.+)"$', text, re.M)
    repeated = sorted(entry for entry, count in Counter(entries).items() if count > 1)
    assert repeated == []


@pytest.mark.parametrize(
    ("headers", "session_lang", "user_lang", "expected"),
    [
        ({}, None, None, "en"),
        ({"Accept-Language": "ru-RU,ru;q=0.9"}, None, None, "ru"),
        ({"Accept-Language": "kk"}, None, None, "kk"),
        ({"Accept-Language": "de"}, None, None, "en"),
        ({"Accept-Language": "ru"}, "kk", None, "kk"),  # the switcher beats the browser
        ({"Accept-Language": "ru"}, "en", "kk", "kk"),  # the user's setting beats both
    ],
)
def test_locale_choice(app, create_user, headers, session_lang, user_lang, expected):
    client = app.test_client()
    if user_lang:
        login(client, create_user("candidate", language=user_lang))
    if session_lang:
        with client.session_transaction() as session:
            session["lang"] = session_lang
    response = client.get("/competitions/", headers=headers)
    assert f'<html lang="{expected}">' in response.get_data(as_text=True)


def test_language_switcher_sets_the_session_and_the_users_setting(app, create_user, in_app):
    anonymous = app.test_client()
    response = anonymous.post("/language/ru", data={"next": "/competitions/"})
    assert response.status_code == 302 and response.headers["Location"] == "/competitions/"
    assert '<html lang="ru">' in anonymous.get("/").get_data(as_text=True)

    person = create_user("candidate", language="en")
    client = app.test_client()
    login(client, person)
    client.post("/language/kk", data={"next": "https://evil.example/"})
    assert in_app(lambda: db.session.get(User, person.id).preferred_language) == "kk"
    assert client.post("/language/de").status_code == 404


def test_switcher_redirect_stays_on_this_site(client):
    response = client.post("/language/kk", data={"next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["75.0%", "50%", "72.5%", "3.00", "+1.00", "-0.33", "—"]),
    ("ru", ["75,0\u00a0%", "50\u00a0%", "72,5\u00a0%", "3,00", "+1,00", "-0,33", "—"]),
    ("kk", ["75,0%", "50%", "72,5%", "3,00", "+1,00", "-0,33", "—"]),
])
def test_figures_are_written_as_the_viewers_language_writes_them(app, language, expected):
    with app.test_request_context(), force_locale(language):
        assert [percent(75.0, 1), percent(50), percent(72.5), number(3), number(1, signed=True),
                number(-1 / 3, signed=True), number(float("nan"))] == expected
