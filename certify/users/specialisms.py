"""The one list of specialisms a reviewer (and, later, a candidate's file) declares: every
form, filter, page and the automatic assignment read it from here (issue 18's list; domain
anchors §3.4 rule 3: at least one reviewer of the candidate's specialism on each file).

Codes are stored; titles are translated. A new specialism is a new line here and its three
translations, with no migration (the column holds any code; unknown codes are refused by the
forms and the operations)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from certify.core.i18n import TitledEnum


class Specialism(TitledEnum):
    mining = "mining", _l("Mining engineering")
    mineral_processing = "mineral_processing", _l("Mineral processing")
    geotechnics = "geotechnics", _l("Geotechnics and ground control")
    ventilation_safety = "ventilation_safety", _l("Mine ventilation and safety")
    surveying = "surveying", _l("Mine surveying")
    electromechanical = "electromechanical", _l("Mine electrical and mechanical engineering")
    geology = "geology", _l("Geology and exploration")
    metallurgy = "metallurgy", _l("Metallurgy")
    economics = "economics", _l("Mining economics")
    environment = "environment", _l("Environmental protection and reclamation")
    automation = "automation", _l("Mining automation and data")
    education = "education", _l("Engineering education")


SPECIALISM_CODES = frozenset(s.value for s in Specialism)


def specialism_title(code: str | None) -> str:
    """The translated title of a stored code (the code itself if the list no longer has it)."""
    if code in SPECIALISM_CODES:
        return Specialism(code).title
    return code or ""


def specialism_title_in(code: str | None, language: str) -> str:
    """The title in ``language`` whatever the page's (a credential, a PDF, the register)."""
    with force_locale(language):
        return str(specialism_title(code))
