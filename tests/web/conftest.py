"""Fixtures of the web tests."""

from __future__ import annotations

import pytest

from tests.support import ARTIFACTS
from tests.support.journeys import LANGUAGES, Journey


@pytest.fixture(params=LANGUAGES)
def journey(request, live_server):
    checks = Journey(request.param, live_server)
    yield checks
    print(f"\n{checks.report()}")
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "ui-figures.tsv").open("a", encoding="utf-8") as figures:
        figures.writelines("\t".join(map(str, row)) + "\n" for row in checks.figures)
