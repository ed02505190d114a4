"""The CPD rules: a pure function of the log and the rule (no app, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from certify.certificates.cpd.rules import evaluate, frame, rule_window

ENGINEER = {"years": 3, "total_hours": 150,
            "minimum_hours": {"area_of_practice": 50, "risk_and_safety": 10}}
TODAY = date(2026, 11, 29)


def log(*entries):
    return frame({"ended_on": day, "hours": hours, "category": category}
                 for day, hours, category in entries)


@pytest.mark.parametrize(("entries", "passed", "failed"), [
    ((), False, [None, "area_of_practice", "risk_and_safety"]),
    (((date(2026, 1, 1), 140, "area_of_practice"), (date(2025, 6, 1), 10, "risk_and_safety")),
     True, []),
    (((date(2026, 1, 1), 100, "management"), (date(2025, 6, 1), 50, "risk_and_safety")),
     False, ["area_of_practice"]),
    (((date(2026, 1, 1), 49.5, "area_of_practice"), (date(2026, 2, 1), 100, "management"),
      (date(2026, 3, 1), 10, "risk_and_safety")), False, ["area_of_practice"]),
    # Ended before the window (3 years ending today): not counted.
    (((date(2023, 11, 28), 200, "area_of_practice"), (date(2026, 1, 1), 10, "risk_and_safety")),
     False, [None, "area_of_practice"]),
    # The window's first day counts.
    (((date(2023, 11, 29), 140, "area_of_practice"), (date(2026, 1, 1), 10, "risk_and_safety")),
     True, []),
])
def test_the_rule_is_met_only_with_the_total_and_every_minimum(entries, passed, failed):
    starts, ends = rule_window(ENGINEER, TODAY)
    result = evaluate(log(*entries), ENGINEER, starts, ends)
    assert result.passed is passed
    assert [r.category for r in result.failed] == failed


def test_the_figures_and_the_stored_summary():
    result = evaluate(log((date(2026, 1, 1), 30, "area_of_practice"),
                          (date(2026, 2, 1), 12.5, "area_of_practice"),
                          (date(2026, 3, 1), 5, "risk_and_safety")),
                      ENGINEER, *rule_window(ENGINEER, TODAY))
    assert result.total == 47.5
    assert result.hours_by_category == {"area_of_practice": 42.5, "risk_and_safety": 5.0}
    assert [r.percent for r in result.requirements] == [31, 85, 50]
    summary = result.summary()
    assert summary["starts"] == "2023-11-29" and summary["requirements"][0] == {
        "category": None, "needed": 150.0, "done": 47.5, "passed": False}


@pytest.mark.parametrize(("rule", "window"), [
    ({"years": 3}, (date(2023, 11, 29), TODAY)),
    ({"years": 5}, (date(2021, 11, 29), TODAY)),
    ({"window": "validity"}, (date(2022, 5, 1), TODAY)),
])
def test_the_window_is_the_rules_years_or_the_validity_period(rule, window):
    assert rule_window(rule, TODAY, date(2022, 5, 1), date(2027, 5, 1)) == window


def test_a_leap_day_window_starts_on_the_28th():
    assert rule_window({"years": 3}, date(2028, 2, 29))[0] == date(2025, 2, 28)
