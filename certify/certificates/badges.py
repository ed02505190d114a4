"""The achievement's badge image: one SVG per track and award band, drawn from a fixed
template (the same track and band give the same bytes), at a stable address the credentials
name (``achievement.image``)."""

from __future__ import annotations

import textwrap
from html import escape

import sqlalchemy as sa
from flask import current_app

from certify.core.extensions import db
from certify.core.i18n import localized
from certify.core.urls import absolute_url
from rubrics.models import Rubric, RubricVersion

TRACK_COLOURS = {"professor": "#1f3a68", "engineer": "#2f5f46"}
# Ring colours by the band's rank in its rubric version, lowest first; no band: plain.
BAND_COLOURS = ("#9c6b30", "#8a8f98", "#c9a227", "#6b3fa0")
PLAIN_RING = "#d7dde6"
NO_BAND = "none"
TITLE_LINE_CHARS = 20  # what fits across the inner circle at 15 px

TEMPLATE = """<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" \
viewBox="0 0 256 256" role="img" aria-label="{label}">
<title>{label}</title>
<circle cx="128" cy="128" r="124" fill="{ring}"/>
<circle cx="128" cy="128" r="104" fill="{track}"/>
<text font-family="DejaVu Sans, sans-serif" font-size="15" fill="#ffffff" \
text-anchor="middle">{title}</text>
<text font-family="DejaVu Sans, sans-serif" font-size="14" font-weight="bold" fill="#ffffff" \
text-anchor="middle">{band}</text>
</svg>
"""


def badge_url(track: str, band: str | None) -> str:
    return absolute_url("certificates.badge", track=track, band=band or NO_BAND)


def _band(track: str, code: str) -> tuple[int, dict] | None:
    """The band ``code`` of the newest rubric version of ``track`` that has it, with its
    rank (0 = lowest), or None when no rubric of the track has such a band."""
    versions = db.session.scalars(
        sa.select(RubricVersion).join(Rubric).where(Rubric.track == track)
        .where(RubricVersion.published_at.is_not(None))
        .order_by(RubricVersion.published_at.desc(), RubricVersion.id.desc()))
    for version in versions:
        for rank, band in enumerate(version.bands or []):
            if band.get("code") == code:
                return rank, band
    return None


def badge_svg(track: str, band: str) -> str | None:
    """The SVG badge of ``track`` and ``band`` (a band code, or NO_BAND), in English (the
    credential's texts carry the languages); None for an unknown track or band."""
    titles = current_app.config["AWARD_TITLES"].get(track)
    if titles is None:
        return None
    title = localized(titles, "en")
    if band == NO_BAND:
        return draw_badge(title, "", PLAIN_RING, TRACK_COLOURS.get(track, "#333333"))
    found = _band(track, band)
    if found is None:
        return None
    rank, description = found
    band_title = localized(description.get("title") or {}, "en") or band
    # Band titles repeat the award's ("<title> — distinguished"): the ring shows the rest.
    band_title = band_title.removeprefix(title).strip(" —-")
    return draw_badge(title, band_title, BAND_COLOURS[min(rank, len(BAND_COLOURS) - 1)],
                      TRACK_COLOURS.get(track, "#333333"))


def _lines(text: str, width: int, most: int, first_y: int, step: int) -> str:
    return "".join(f'<tspan x="128" y="{first_y + step * n}">{escape(line)}</tspan>'
                   for n, line in enumerate(textwrap.wrap(text, width)[:most]))


def draw_badge(title: str, band_title: str, ring: str, fill: str) -> str:
    """The badge: a disc in the track's colour, ringed in the band's, with the award's title
    and the band's name."""
    label = f"{title} — {band_title}" if band_title else title
    title_lines = len(textwrap.wrap(title, TITLE_LINE_CHARS)[:4])
    return TEMPLATE.format(
        label=escape(label), ring=ring, track=fill,
        title=_lines(title, TITLE_LINE_CHARS, 4, 120 - 10 * title_lines, 19),
        band=_lines(band_title.upper(), 16, 2, 170, 18))
