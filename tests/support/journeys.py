"""What every page of a journey must hold at desk and phone width, in the page's language
(issue 16), and the translated texts a journey expects to read.

``Journey.visit(page, who)`` checks the page at 1280 and 390 px: no sideways scroll, the header
on one line at 1280 px and folded behind its menu button at 390 px, axe-core at both widths (no
serious or critical violation, WCAG 2.1 AA: a menu folded at 390 px is other markup), and, in
Russian and Kazakh,
no English sentence of the catalogs left on the page. The English phrases are derived from the
catalogs themselves (certify/translations/*/messages.po): any msgid, or a literal piece of one
between its placeholders, whose translation differs from it. The figures measured are kept for
the closing note (``pytest -s`` prints them).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from babel.messages.pofile import read_po
from babel.support import Translations

CATALOGS = Path(__file__).resolve().parents[2] / "certify" / "translations"
LANGUAGES = ("en", "ru", "kk")
DESK, PHONE = 1280, 390
ONE_LINE = 72  # px: the header's height at 1280 px, whatever the role and language
TITLE = {"en": "Test call", "ru": "Тестовый конкурс", "kk": "Сынақ конкурсы"}
LOCALE = {"en": "en-GB", "ru": "ru-RU", "kk": "kk-KZ"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|%[sdf]|\{\w*\}")

MEASURE = """() => {
    const shown = (element) => element !== null && element.getClientRects().length > 0;
    return {
        header: Math.round(document.querySelector('header').getBoundingClientRect().height),
        width: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
        menuButton: shown(document.querySelector('header .menu-button')),
        menuShown: shown(document.querySelector('header .site-menu nav')),
    };
}"""

# Every text a reader meets: text nodes and the attributes read out or shown, except those
# written in another language on purpose (the language switcher's own names), code samples,
# and what the test says is content (names, titles typed by people).
TEXTS = """() => {
    const lang = document.documentElement.lang;
    const foreign = (node) => {
        const element = node.nodeType === 1 ? node : node.parentElement;
        const marked = element.closest('[lang]');
        return (marked && marked.lang !== lang) || element.closest('script, style, code, pre');
    };
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        if (!foreign(walker.currentNode)) texts.push(walker.currentNode.textContent);
    }
    for (const element of document.querySelectorAll(
            '[aria-label], [placeholder], [title], [alt], input[type=submit][value]')) {
        if (foreign(element)) continue;
        for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
            if (element.hasAttribute(name)) texts.push(element.getAttribute(name));
        }
        if (element.matches('input[type=submit]')) texts.push(element.value);
    }
    texts.push(document.title);
    return texts.map((text) => text.replace(/\\s+/g, ' ').trim()).filter(Boolean);
}"""


@functools.cache
def translations(language: str) -> Translations:
    return Translations.load(str(CATALOGS), [language])


def tr(language: str, message: str, **values) -> str:
    """``message`` as the catalog of ``language`` gives it, its placeholders filled."""
    text = translations(language).gettext(message)
    return text % values if values else text


@functools.cache
def english_left(language: str) -> tuple[frozenset[str], re.Pattern | None]:
    """The catalog's English texts that must not be met on a page in ``language``: whole
    messages (matched as a whole text) and phrases of two words or more (matched inside one)."""
    if language == "en":
        return frozenset(), None
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    whole, phrases = set(), set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in filter(None, ids):
            if msgid in strings or not any(strings):
                continue  # the same in both languages (a code, a product name)
            pieces = [" ".join(piece.split()) for piece in PLACEHOLDER.split(msgid)[::2]]
            if not PLACEHOLDER.search(msgid) and len(re.findall(r"[A-Za-z]", msgid)) >= 3:
                whole.add(" ".join(msgid.split()))
            phrases.update(piece.strip(" .:,;—·()") for piece in pieces
                           if len(piece.split()) >= 2 and len(piece) >= 12)
    pattern = re.compile(r"(?<![A-Za-z])(" + "|".join(
        re.escape(phrase) for phrase in sorted(phrases, key=len, reverse=True)) + r")(?![A-Za-z])")
    return frozenset(whole), pattern


def english_on(texts: list[str], language: str, content: tuple[str, ...] = ()) -> list[str]:
    whole, phrases = english_left(language)
    found = []
    for text in texts:
        for allowed in content:
            text = text.replace(allowed, " ")
        text = " ".join(text.split())
        if text in whole:
            found.append(text)
        elif phrases is not None and (match := phrases.search(text)):
            found.append(match.group(1))
    return found


def severe_violations(page) -> list[str]:
    """axe-core on the page as it stands: its serious and critical violations, each with the
    first elements it names."""
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@dataclass
class Journey:
    """One journey's checks, in one language; ``problems`` gathers what fails, ``figures``
    what was measured (role, language, path, header at 1280, header at 390, width at 390)."""

    language: str
    live_server: str
    content: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)
    figures: list[tuple] = field(default_factory=list)
    axe_runs: int = 0

    def t(self, message: str, **values) -> str:
        return tr(self.language, message, **values)

    def visit(self, page, who: str) -> None:
        """Check the page as it stands at both widths, then leave it at desk width."""
        page.wait_for_load_state()  # a click's page is measured once its styles are in
        path = page.url.removeprefix(self.live_server)
        where = f"{who} {self.language} {path}"
        seen = {}
        for width in (DESK, PHONE):
            page.set_viewport_size({"width": width, "height": 900})
            seen[width] = page.evaluate(MEASURE)
            if seen[width]["width"] > seen[width]["viewport"]:
                self.problems.append(f"{where} at {width} px: {seen[width]['width']} px wide")
            self.problems.extend(f"{where} at {width} px: axe: {violation}"
                                 for violation in severe_violations(page))
            self.axe_runs += 1
        if seen[DESK]["header"] > ONE_LINE or seen[DESK]["menuButton"]:
            self.problems.append(f"{where}: header {seen[DESK]['header']} px tall at {DESK} px")
        if not seen[PHONE]["menuButton"] or seen[PHONE]["menuShown"]:
            self.problems.append(f"{where}: header not folded behind its menu at {PHONE} px")
        page.set_viewport_size({"width": DESK, "height": 900})
        english = english_on(page.evaluate(TEXTS), self.language, self.content)
        if english:
            self.problems.append(f"{where}: English left: {english}")
        self.figures.append((who, self.language, path, seen[DESK]["header"],
                             seen[PHONE]["header"], seen[PHONE]["width"]))

    def report(self) -> str:
        lines = [f"axe ran {self.axe_runs} times ({len(self.figures)} visits)"]
        return "\n".join(lines + [f"{who:11} {language} {path:40} header {desk:3} px at {DESK},"
                         f" {phone:3} px at {PHONE}; page {width:4} px wide at {PHONE}"
                         for who, language, path, desk, phone, width in self.figures])


def open_page(browser, **options):
    """A fresh page (its own cookies) and the list of errors met on the way: uncaught script
    errors, errors on the console (e.g. a blocked by the Content-Security-Policy) and failed
    loads of what a page uses (styles, scripts, images). A page's own status is the step's to
    check: a refused form answers 422 by design."""
    page = browser.new_page(**options)
    errors: list[str] = []

    def console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"{page.url}: console: {message.text}")

    def response(answer):
        if answer.status >= 400 and answer.request.resource_type != "document":
            errors.append(f"{page.url}: {answer.status} for {answer.url}")

    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on("console", console)
    page.on("response", response)
    return page, errors


def sign_in(page, journey: Journey, person) -> None:
    from playwright.sync_api import expect

    page.goto(f"{journey.live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", journey.language)
    page.get_by_label(journey.t("Email")).fill(person.email)
    page.get_by_label(journey.t("Password"), exact=True).fill(person.password)
    page.locator("main").get_by_role("button", name=journey.t("Log in")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(journey.t("My dashboard"))
