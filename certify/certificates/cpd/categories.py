"""The CPD categories a holder may choose, per track (``CPD_CATEGORIES``), with their titles
in the page's language. A code configured but not listed here shows as itself."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

TITLES = {
    "area_of_practice": _l("Area of practice"),
    "risk_and_safety": _l("Risk and safety"),
    "management": _l("Management"),
    "professional_ethics": _l("Professional ethics"),
    "teaching_practice": _l("Teaching practice"),
    "research": _l("Research"),
    "industry_engagement": _l("Industry engagement"),
}


def category_title(code: str | None) -> str:
    if code is None:
        return str(_l("All categories"))
    return str(TITLES.get(code, code))


def categories_for(tracks) -> list[str]:
    """The categories of these tracks, each once, in the configured order."""
    configured = current_app.config["CPD_CATEGORIES"]
    codes: list[str] = []
    for track in tracks:
        codes += [c for c in configured.get(str(track), []) if c not in codes]
    return codes


def rule_for(track) -> dict:
    return current_app.config["CPD_RULES"].get(str(track), {})
