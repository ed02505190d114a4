"""Charts as SVG, drawn by matplotlib (no hand-written SVG): data and translated labels in,
an SVG document out. Pages embed them as ``data:`` images, which the strict Content Security
Policy allows, next to a table that says the same in text."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit: server-side only

import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import numpy as np  # noqa: E402
from matplotlib import cbook  # noqa: E402

INK, ACCENT, SELF, MUTED = "#1d2733", "#0b5fa5", "#c0392b", "#5b6776"
STYLE = {
    "svg.fonttype": "none",  # text stays text: selectable, searchable, any script
    "font.family": "DejaVu Sans",  # ships with matplotlib; has Cyrillic and Kazakh letters
    "font.size": 10,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "svg.hashsalt": "certify",  # stable ids: the same data draws the same document
}


def _svg(figure, *, tight: bool = True) -> str:
    """``tight`` crops to what is drawn, which draws the figure twice; figures given their
    margins (``_margins``) already fit and are drawn once."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight" if tight else None,
                   metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()


def _margins(figure, *, left: float, bottom: float, top: float = 0.15,
             right: float = 0.15) -> None:
    """Fixed margins, in inches, around the one plot: room for its tick labels (numbers,
    criterion codes) and axis label in any of our languages. Matplotlib's constrained layout
    measures every label first, which doubled each chart's cost (100–130 ms each at 100×)."""
    width, height = figure.get_size_inches()
    figure.subplots_adjust(left=left / width, right=1 - right / width,
                           bottom=bottom / height, top=1 - top / height)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def radar(labels: Sequence[str], panel: Sequence[float], own: Sequence[float | None], *,
          max_level: int, panel_label: str, self_label: str, title: str = "") -> str:
    """Self-assessment against the panel's mean level, one spoke per criterion."""
    with plt.rc_context(STYLE):
        count = len(labels)
        angles = np.linspace(0, 2 * np.pi, count, endpoint=False)
        closed = np.append(angles, angles[:1])
        figure, axes = plt.subplots(figsize=(6, 6), subplot_kw={"polar": True})
        axes.set_theta_offset(np.pi / 2)
        axes.set_theta_direction(-1)
        axes.set_ylim(0, max_level)
        axes.set_yticks(range(max_level + 1))
        axes.set_xticks(angles, labels)
        for values, colour, label, style in (
            (panel, ACCENT, panel_label, "-"),
            (own, SELF, self_label, "--"),
        ):
            points = np.array([np.nan if v is None else v for v in values], dtype=float)
            if np.isnan(points).all():
                continue
            ring = np.append(points, points[:1])
            axes.plot(closed, ring, style, color=colour, linewidth=2, label=label)
            axes.fill(closed, np.nan_to_num(ring), color=colour, alpha=0.12)
        axes.legend(loc="upper right", bbox_to_anchor=(1.25, 1.12), frameon=False)
        if title:
            axes.set_title(title, pad=24)
        return _svg(figure)


def histogram(scores: Sequence[float], *, threshold: float, xlabel: str, ylabel: str,
              threshold_label: str) -> str:
    """Distribution of weighted scores (0–100) with the pass threshold marked."""
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(figsize=(7, 3.2))
        _margins(figure, left=0.85, bottom=0.6, right=0.3)  # "100" centred on the edge
        axes.hist(list(scores), bins=np.arange(0, 105, 5), color=ACCENT, edgecolor="white")
        axes.axvline(threshold, color=SELF, linestyle="--", linewidth=1.5, label=threshold_label)
        axes.set_xlim(0, 100)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.legend(frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure, tight=False)


def box_plots(labels: Sequence[str], counts: Sequence[Mapping[int, int]], *, max_level: int,
              ylabel: str) -> str:
    """The spread of reviewers' levels per criterion, from how many ratings gave each level
    (at 100× a real call that is 720,000 ratings in a handful of counts). Each outlying level
    is drawn once, not once per rating that gave it."""
    stats = []
    for label, levels in zip(labels, counts, strict=True):
        values = np.repeat(np.fromiter(levels.keys(), dtype=float, count=len(levels)),
                           np.fromiter(levels.values(), dtype=int, count=len(levels)))
        if values.size:
            (stat,) = cbook.boxplot_stats(values, labels=[label])
            stat["fliers"] = np.unique(stat["fliers"])
        else:
            stat = {"label": label, "med": np.nan, "q1": np.nan, "q3": np.nan,
                    "whislo": np.nan, "whishi": np.nan, "fliers": np.array([])}
        stats.append(stat)
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(figsize=(max(6, 0.6 * len(labels) + 2), 3.4))
        _margins(figure, left=0.7, bottom=0.45)
        axes.bxp(stats, patch_artist=True, showfliers=True,
                 boxprops={"facecolor": "#dbe8f5", "edgecolor": ACCENT},
                 medianprops={"color": INK, "linewidth": 2},
                 whiskerprops={"color": ACCENT}, capprops={"color": ACCENT},
                 flierprops={"markeredgecolor": MUTED})
        axes.set_ylim(-0.3, max_level + 0.3)
        axes.set_yticks(range(max_level + 1))
        axes.set_ylabel(ylabel)
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure, tight=False)
