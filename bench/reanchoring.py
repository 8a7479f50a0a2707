"""Re-anchoring speed: a 50,000-character story with 500 spans, after a realistic correction.

    .venv/bin/python bench/reanchoring.py [--runs 20]

The story is built from the test corpus (../shared/testdata/news, English, Indonesian, Korean and
Russian stories one after the other); spans are words, names, phrases and whole sentences spread
over it. The correction inserts a paragraph at the top, corrects a few words, deletes a sentence and
moves a paragraph. Prints the best and median time of reanchor() and of the diff alone (target:
at most 200 ms), and the outcome counts. No database needed.
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
STORIES = BASE_DIR.parent / "shared" / "testdata" / "news" / "ntrex-news-4lang.jsonl"
LENGTH, SPANS = 50_000, 500


def story_and_correction(rng: random.Random) -> tuple[str, str, list]:
    from articles.reanchoring import Span

    with STORIES.open(encoding="utf-8") as lines:
        stories = [json.loads(line) for line in lines]
    rng.shuffle(stories)
    paragraphs: list[str] = []
    while sum(len(p) + 1 for p in paragraphs) < LENGTH:
        story = stories[len(paragraphs) % len(stories)]
        sentences = story["sentences"]
        for i in range(0, len(sentences), 3):  # paragraphs of three sentences
            paragraphs.append(" ".join(sentences[i : i + 3]))
    old = "\n".join(paragraphs)[:LENGTH]
    old = old[: old.rfind(" ")]
    words = list(re.finditer(r"\w+", old))
    spans = []
    for key, index in enumerate(sorted(rng.sample(range(len(words) - 5), SPANS))):
        first = words[index]
        last = words[index + rng.choice([0, 0, 0, 1, 2, 4])]
        spans.append(Span(key, first.start(), last.end(), old[first.start() : last.end()]))

    lines = old.split("\n")
    lines.insert(0, "Correction: an earlier version of this story misspelt two names and gave a wrong date.")
    for _ in range(5):  # a few words corrected
        i = rng.randrange(1, len(lines))
        found = list(re.finditer(r"\w{4,}", lines[i]))
        if found:
            w = rng.choice(found)
            lines[i] = lines[i][: w.start()] + w.group()[::-1] + lines[i][w.end() :]
    i = rng.randrange(1, len(lines))  # a sentence deleted
    first_stop = lines[i].find(". ")
    if first_stop > 0:
        lines[i] = lines[i][first_stop + 2 :]
    moved = lines.pop(rng.randrange(1, len(lines)))  # a paragraph moved
    lines.insert(rng.randrange(1, len(lines)), moved)
    return old, "\n".join(lines), spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    import django

    django.setup()
    old, new, spans = story_and_correction(random.Random(19))
    from articles.reanchoring import Span

    one = [Span(s.key, s.start, s.end, s.exact.replace("\n", " ")) for s in spans]
    for title, (old, new, spans) in (
        ("in paragraphs", (old, new, spans)),
        # The worst case for the paragraph diff: no line breaks, so every word is diffed.
        ("as one paragraph", (old.replace("\n", " "), new.replace("\n", " "), one)),
    ):
        measure(title, old, new, spans, options.runs)


def measure(title: str, old: str, new: str, spans: list, runs: int) -> None:
    from articles.reanchoring import align, reanchor

    print(f"{title}: old {len(old):,} code points, new {len(new):,}, {len(spans)} spans")

    def timed(work) -> list[float]:
        work()  # warm up
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            work()
            times.append((time.perf_counter() - began) * 1000)
        return times

    diff = timed(lambda: align(old, new))
    whole = timed(lambda: reanchor(old, new, spans))
    print(f"diff alone:  best {min(diff):6.1f} ms  median {statistics.median(diff):6.1f} ms")
    print(f"reanchor():  best {min(whole):6.1f} ms  median {statistics.median(whole):6.1f} ms  (target ≤ 200 ms)")
    placements = reanchor(old, new, spans)
    print("outcomes:", dict(Counter(str(p.outcome) for p in placements)))
    print("reasons: ", dict(Counter(p.reason for p in placements)))
    print()


if __name__ == "__main__":
    main()
