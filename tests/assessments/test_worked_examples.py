"""The worked examples of docs/scoring.md on the shipped v2 rubrics: a zero on any criterion
fails the award (domain_anchors §3.4 rule 6), recomputed by the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.scoring import award_band, score_panel
from rubrics.io import LIBRARY, load_file
from tests.support import criteria_frame, ratings_frame

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "scoring.md").read_text(encoding="utf-8")


def panel_of_two(file: str, changed: dict[str, tuple[int, int]]):
    """Two reviewers, level 4 on every criterion but the changed ones: (criteria, ratings)."""
    document = load_file(LIBRARY / file)
    criteria = document["version"]["criteria"]
    frame = criteria_frame((c["code"], c["weight"], 4, c["min_pass_level"]) for c in criteria)
    ratings = ratings_frame(
        ("a", reviewer, c["code"], changed.get(c["code"], (4, 4))[i])
        for c in criteria for i, reviewer in enumerate(("r1", "r2")))
    return document, frame, ratings


CASES = [
    # case, file, changed levels, score, gates passed, below floor
    ("A", "upme.v2.json", {"P7": (0, 0)}, 94.0, True, ("P7",)),
    ("B", "upme.v2.json", {"P8": (4, 0)}, 95.0, False, ()),
    ("C", "cme.v2.json", {"E10": (0, 0)}, 94.0, True, ("E10",)),
    ("D", "cme.v2.json", {"E8": (4, 0)}, 96.0, False, ()),
]


@pytest.mark.parametrize(("case", "file", "changed", "score", "gates", "below"), CASES,
                         ids=[c[0] for c in CASES])
def test_a_zero_on_any_criterion_fails_the_award(case, file, changed, score, gates, below):
    document, criteria, ratings = panel_of_two(file, changed)
    row = score_panel(ratings, criteria, pass_threshold=50, floor=2).loc["a"]
    assert row["score"] == score
    assert bool(row["gates_passed"]) is gates
    assert tuple(row["below_floor"]) == below
    assert not row["recommended"]
    # The score alone would have reached the top band: only the rule stops it.
    levels = ratings.groupby("criterion_id")["level"].mean().to_dict()
    top = document["version"]["bands"][-1]["code"]
    assert award_band(row["score"], levels, document["version"]["bands"]) == top
    # The documentation shows the same figures.
    assert f"| {case}. " in DOCS
    line = next(text for text in DOCS.splitlines() if text.startswith(f"| {case}. "))
    assert f"{score:.1f} %" in line


def test_case_d_passes_under_v1_where_financial_viability_was_not_gated():
    """The same ratings against CME v1 are recommended (Fellow): v2's gate on E8 is the
    change, and applications pinned to v1 keep v1's rule."""
    document, criteria, ratings = panel_of_two("cme.json", {"E8": (4, 0)})
    row = score_panel(ratings, criteria, pass_threshold=50, floor=2).loc["a"]
    assert (row["score"], bool(row["gates_passed"]), row["recommended"]) == (96.0, True, True)
    levels = ratings.groupby("criterion_id")["level"].mean().to_dict()
    assert award_band(row["score"], levels, document["version"]["bands"]) == "fellow"


def test_every_v2_criterion_at_zero_alone_fails_the_award():
    """Not only the documented rows: for each criterion of both v2 rubrics, two zeros on it and
    fours elsewhere are never recommended."""
    for file in ("upme.v2.json", "cme.v2.json"):
        codes = [c["code"] for c in load_file(LIBRARY / file)["version"]["criteria"]]
        for code in codes:
            _, criteria, ratings = panel_of_two(file, {code: (0, 0)})
            row = score_panel(ratings, criteria, pass_threshold=50, floor=2).loc["a"]
            assert row["score"] >= 88.0  # the heaviest criterion weighs 12
            assert not row["recommended"], (file, code)
            assert code in row["below_floor"]
