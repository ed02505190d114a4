"""Tables for people (issue 16): what every export meant to be read shares, so each says yes/no,
countries, languages and missing figures the same way, in the exporter's language. Codes a
machine needs stay as columns of their own beside the words (the callers decide which); the
machine-readable files, with codes, True/False and English headers, are written elsewhere."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy
import pandas as pd
from babel import Locale
from flask_babel import gettext as _

from certify.core.i18n import current_language


def cell(value):
    """A cell for people. Cells often come from pandas, so a yes/no or a figure may be a
    numpy scalar: yes/no in words, figures to two decimals, missing ones empty."""
    if isinstance(value, (bool, numpy.bool_)):
        return _("Yes") if value else _("No")
    if isinstance(value, (float, numpy.floating)):
        return "" if math.isnan(value) else round(float(value), 2)
    if isinstance(value, numpy.integer):
        return int(value)
    return value


def country_name(code: str) -> str:
    """The country's name in the page's language ("KZ": "Казахстан"); unknown codes as given."""
    return Locale.parse(current_language()).territories.get(code, code)


def language_name(code: str) -> str:
    """A language's name in the page's language ("kk": "казахский" in Russian)."""
    try:
        return Locale.parse(code).get_display_name(current_language()) or code
    except (ValueError, TypeError):
        return code


def headed(frame: pd.DataFrame, headers: Mapping[str, object]) -> pd.DataFrame:
    """``frame`` with its columns titled for people (``headers``: name → lazy text), every
    cell made readable; columns without a title keep their name."""
    readable = frame.map(cell) if not frame.empty else frame.copy()
    return readable.rename(columns={name: str(title) for name, title in headers.items()})
