"""Personal names as they reach accounts, certificates and PDFs: one rule for every place a name
is entered (issue 14). A name is normalised to NFC and refused when it holds a character that is
not shown as itself: control and format characters (Unicode categories Cc, Cf: bidirectional
overrides such as U+202E, zero-width spaces and joiners), private-use and surrogate code points
(Co, Cs), and line and paragraph separators (Zl, Zp)."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from certify.core.errors import DomainError

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
NAME_MESSAGE = _l("A name may not contain invisible, control or direction-changing characters.")


def name_is_plain(value: str) -> bool:
    return not any(unicodedata.category(char) in REFUSED_CATEGORIES for char in value)


def normalise_name(value: str | None) -> str | None:
    """The name in NFC, stripped; DomainError when it holds a refused character."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value).strip()
    if not name_is_plain(value):
        raise DomainError(str(NAME_MESSAGE))
    return value


def search_key(text: str) -> str:
    """``text`` as searches compare it, the same on every database: decomposed, without its
    combining marks ("é" is "e", "ё" is "е"), case-folded, spaces collapsed. Letters with no
    decomposition (Kazakh "қ", "ә") stay themselves."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


def nfc(value):
    """WTForms filter: NFC and stripped."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


class PlainName:
    """WTForms validator: the name holds no refused character (use with the ``nfc`` filter)."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and not name_is_plain(field.data):
            raise ValidationError(NAME_MESSAGE)
