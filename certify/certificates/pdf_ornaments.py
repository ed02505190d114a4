"""The certificate's ornaments, drawn in vector: the fine background pattern (guilloche-like
curves in a very light tint, as on banknotes and diplomas; a copy on an office printer loses
them or shows them flat) and the ribbon that carries the band.

Pure geometry: the curves depend only on the page size, so they are computed once per process
and every certificate gets the same pattern, byte for byte.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

from fpdf import FPDF

Point = tuple[float, float]

TINT = (222, 214, 190)          # the band of waves in the border
FIELD_TINT = (236, 232, 220)    # the rosette behind the text
RIBBON = (24, 54, 94)
RIBBON_FOLD = (14, 34, 62)
RIBBON_EDGE = (160, 128, 64)


Parametric = Callable[[float], Point]


def _bezier_path(curve: Parametric, segments: int, scale: float, page_h: float) -> str:
    """The closed curve ``curve(t)``, t in [0, 1], as PDF path operators: ``segments`` cubic
    Bézier pieces (Hermite interpolation, the tangents by central differences), in points with
    the PDF's upward y."""
    h = 1e-5

    def point(t: float) -> tuple[Point, Point]:
        (x0, y0), (x1, y1) = curve(t - h), curve(t + h)
        return curve(t), ((x1 - x0) / (2 * h), (y1 - y0) / (2 * h))

    def pdf_xy(x: float, y: float) -> str:
        return f"{x * scale:.1f} {(page_h - y) * scale:.1f}"

    (x, y), (dx, dy) = point(0.0)
    parts = [f"{pdf_xy(x, y)} m"]
    for i in range(1, segments + 1):
        (nx, ny), (ndx, ndy) = point(i / segments)
        third = 1 / (3 * segments)
        parts.append(f"{pdf_xy(x + dx * third, y + dy * third)} "
                     f"{pdf_xy(nx - ndx * third, ny - ndy * third)} {pdf_xy(nx, ny)} c")
        x, y, dx, dy = nx, ny, ndx, ndy
    parts.append("S")
    return "\n".join(parts)


@cache
def border_waves(width: float, height: float, outer: float, inner: float, scale: float,
                 period: float = 6.0) -> str:
    """Four interlaced waves running round the page between the two border lines: a rope.

    The waves follow a rounded rectangle (so they turn the corners smoothly) and close on
    themselves: a whole number of waves fits round the page."""
    mid = (outer + inner) / 2
    amplitude = (inner - outer) / 2 - 0.7
    radius = 4.0
    x0, y0, x1, y1 = mid + radius, mid + radius, width - mid - radius, height - mid - radius
    straight_w, straight_h = x1 - x0, y1 - y0
    corner = math.pi * radius / 2
    perimeter = 2 * (straight_w + straight_h) + 4 * corner
    waves = round(perimeter / period)
    sides = (  # each straight side (length, start, direction) and the corner after it
        (straight_w, (x0, mid), (1.0, 0.0), (x1, y0), -math.pi / 2),
        (straight_h, (width - mid, y0), (0.0, 1.0), (x1, y1), 0.0),
        (straight_w, (x1, height - mid), (-1.0, 0.0), (x0, y1), math.pi / 2),
        (straight_h, (mid, y1), (0.0, -1.0), (x0, y0), math.pi),
    )

    def centre_line(s: float) -> tuple[Point, Point]:
        """The point at arc length ``s`` and the outward normal there."""
        s %= perimeter
        for length, (sx, sy), (dx, dy), (cx, cy), angle in sides:
            if s <= length:
                return (sx + dx * s, sy + dy * s), (dy, -dx)
            s -= length
            if s <= corner:
                a = angle + s / radius
                return (cx + radius * math.cos(a), cy + radius * math.sin(a)), (
                    math.cos(a), math.sin(a))
            s -= corner
        return (x0, mid), (0.0, -1.0)

    def wave(phase: float) -> Parametric:
        def at(t: float) -> Point:
            (px, py), (nx, ny) = centre_line(t * perimeter)
            offset = amplitude * math.sin(2 * math.pi * waves * t + phase)
            return px + nx * offset, py + ny * offset
        return at

    return "\n".join(_bezier_path(wave(k * math.pi / 2), waves * 3, scale, height)
                     for k in range(4))


@cache
def rosette(cx: float, cy: float, radius: float, scale: float, page_h: float) -> str:
    """Concentric braided rings: each ring is a few closed curves r(θ) = R + a·sin(nθ + φ),
    phase-shifted against each other, as a guilloche lathe draws them."""
    rings = ((radius, 0.09 * radius, 30, 6), (0.74 * radius, 0.08 * radius, 24, 5),
             (0.5 * radius, 0.07 * radius, 18, 4))

    def strand(ring_radius: float, amplitude: float, lobes: int, phase: float) -> Parametric:
        def at(t: float) -> Point:
            angle = 2 * math.pi * t
            r = ring_radius + amplitude * math.sin(lobes * angle + phase)
            return cx + r * math.cos(angle), cy + r * math.sin(angle)
        return at

    return "\n".join(
        _bezier_path(strand(ring_radius, amplitude, lobes, 2 * math.pi * k / strands),
                     lobes * 4, scale, page_h)
        for ring_radius, amplitude, lobes, strands in rings for k in range(strands))


def draw_paths(pdf: FPDF, operators: str, color: tuple[int, int, int], width: float) -> None:
    """Stroke ready-made path operators (computed once per process: the same for every
    certificate). They go straight into the page's content, as fpdf2's own shapes do: its
    drawing API would rebuild thousands of curve pieces per certificate."""
    pdf.set_draw_color(*color)
    pdf.set_line_width(width)
    pdf._out(operators)  # noqa: SLF001 -- fpdf2 has no public call for raw path operators


def draw_ribbon(pdf: FPDF, x: float, y: float, width: float, height: float) -> None:
    """A banner: the band's field, with tails folded behind it at both ends."""
    tail, fold, notch = 9.0, 2.2, 3.2
    pdf.set_draw_color(*RIBBON_EDGE)
    pdf.set_line_width(0.3)
    for side in (-1, 1):  # the tails: behind and a little lower than the field
        edge = x if side < 0 else x + width
        outer = edge + side * tail
        pdf.set_fill_color(*RIBBON)
        pdf.polyline([(edge, y + fold), (outer, y + fold), (outer - side * notch,
                      y + fold + height / 2), (outer, y + fold + height),
                      (edge, y + fold + height)], polygon=True, style="DF")
        pdf.set_fill_color(*RIBBON_FOLD)   # the fold's shadow
        pdf.polyline([(edge, y + height), (edge + side * (tail / 3), y + fold + height),
                      (edge, y + fold + height)], polygon=True, style="F")
    pdf.set_fill_color(*RIBBON)
    pdf.rect(x, y, width, height, style="DF")
    pdf.set_draw_color(*RIBBON_EDGE)
    pdf.set_line_width(0.2)
    pdf.rect(x + 1.0, y + 1.0, width - 2.0, height - 2.0)
