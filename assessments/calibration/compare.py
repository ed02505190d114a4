"""Pure: a reviewer's levels against the reference panel's, per criterion and overall.

The distance is the mean absolute difference in levels over every criterion, unweighted: a
reviewer is calibrated on each criterion alike, whatever its weight in the score. After
Moodle Workshop's "best assessment" evaluation, which grades each assessor by their distance
to the reference assessment (``../shared/reference/review_anchors.md`` §1, §3, and §4 item 9,
"Calibration round: all reviewers first score one reference dossier; report deviation").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    differences: dict[str, float]  # criterion code -> reviewer's level minus the reference
    mean_abs_difference: float

    def flagged(self, threshold: float) -> bool:
        return is_flagged(self.mean_abs_difference, threshold)


def is_flagged(mean_abs_difference: float, threshold: float) -> bool:
    """Above the threshold (not at it): staff look at the reviewer's calibration."""
    return mean_abs_difference > threshold + 1e-9


def compare(levels: Mapping[str, int], reference: Mapping[str, float]) -> Comparison:
    """``levels`` and ``reference`` name the same criteria (by code)."""
    if set(levels) != set(reference) or not levels:
        raise ValueError("the reviewer's levels and the reference must cover the same criteria")
    differences = {code: levels[code] - reference[code] for code in reference}
    mean = sum(abs(d) for d in differences.values()) / len(differences)
    return Comparison(differences, mean)
