"""The sweep behind the thresholds of articles/reanchoring.py, on the correction corpus of
articles/tests/test_reanchoring_corpus.py.

    .venv/bin/python bench/reanchoring_thresholds.py

Each threshold is varied alone, the others at their chosen values; each line prints the spans moved
wrong silently (must be 0), the share of unambiguous survivors moved right without review, and
how many spans went to review and were orphaned.
"""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")

GRID = {
    "MOVE_CONTEXT_SHORT": [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9],
    "MOVE_CONTEXT_LONG": [0.0, 0.2, 0.3, 0.4, 0.5, 0.6],
    "SHORT_FLOOR_CONTEXT": [0.0, 0.25, 0.35, 0.45, 0.55],
    "REVIEW_QUOTE": [0.5, 0.6, 0.7, 0.75, 0.8, 0.9],
    "REVIEW_CONTEXT": [0.0, 0.2, 0.35, 0.5],
}


def main() -> None:
    import django

    django.setup()
    from articles import reanchoring
    from articles.tests.test_reanchoring_corpus import build_cases, score

    cases = build_cases()
    print(f"{len(cases)} corrected versions")
    for name, values in GRID.items():
        chosen = getattr(reanchoring, name)
        for value in values:
            setattr(reanchoring, name, value)
            rows = score(cases)["table"].values()
            keys = ("moved wrong", "survivors", "survivors moved right", "review", "orphaned")
            total = {key: sum(row[key] for row in rows) for key in keys}
            share = 100 * total["survivors moved right"] / total["survivors"]
            mark = "  <- chosen" if value == chosen else ""
            print(f"{name:20} {value:5.2f}  wrong {total['moved wrong']:3}  survivors moved right {share:5.1f}%"
                  f"  review {total['review']:5}  orphaned {total['orphaned']:5}{mark}")
        setattr(reanchoring, name, chosen)


if __name__ == "__main__":
    main()
