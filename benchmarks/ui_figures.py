"""The header heights and page widths the language journeys measured (issue 16), per role and
language: run the journeys (tests/web/test_browser_language_journeys*.py), which append each
page's figures to test-artifacts/ui-figures.tsv, then ``python benchmarks/ui_figures.py``.

Prints a Markdown table: the tallest header at 1280 and at 390 px, and the widest page at 390 px
(its scrollWidth; 390 means no sideways scroll), with the page it was met on.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

FIGURES = Path(__file__).resolve().parent.parent / "test-artifacts" / "ui-figures.tsv"


def main(path: Path = FIGURES) -> None:
    seen = defaultdict(list)
    with path.open(encoding="utf-8") as source:
        for who, language, page, desk, phone, width in csv.reader(source, delimiter="\t"):
            seen[who, language].append((int(desk), int(phone), int(width), page))
    print("| Role | Language | Pages | Header at 1280 px | Header at 390 px "
          "| Widest page at 390 px |")
    print("|---|---|---|---|---|---|")
    for (who, language), rows in sorted(seen.items()):
        widest = max(rows, key=lambda row: row[2])
        print(f"| {who} | {language} | {len({row[3] for row in rows})} "
              f"| {max(row[0] for row in rows)} px | {max(row[1] for row in rows)} px "
              f"| {widest[2]} px ({widest[3]}) |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else FIGURES)
