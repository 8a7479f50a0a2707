"""Re-anchoring against a correction corpus made from real stories, in four languages.

The stories are ../shared/testdata/news/ntrex-news-4lang.jsonl (45 articles, each in English,
Indonesian, Korean and Russian; one sentence per line). For each story the test picks spans (words
and names, short quotes, numbers, phrases, whole sentences), then makes one corrected version per
kind of edit, with a seeded random, tracking where each span's words went. For each span it states
what must happen:

- "moved": the words survive unchanged where the diff must map them → MOVED to that offset;
- "relocated": the words survive unchanged but their line moved → MOVED to that offset when the
  quote stands once in the new text; when it stands more than once, REVIEW is right too;
- "changed": the words were edited → REVIEW or ORPHANED, never MOVED;
- "deleted": the words are gone → ORPHANED (REVIEW tolerated), never MOVED.

It prints, per kind of edit, how many spans were moved right, sent to review, orphaned, and moved
wrong silently, and asserts none moved wrong, and that at least 97 % of the spans whose words
survive unambiguously are moved right without review. bench/reanchoring_thresholds.py runs the same
corpus with other thresholds.
"""

import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from articles.reanchoring import Outcome, Span, reanchor
from articles.text import is_grapheme_boundary

STORIES = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "news" / "ntrex-news-4lang.jsonl"
KINDS = [
    "paragraphs_inserted",
    "paragraphs_deleted",
    "paragraphs_replaced",
    "sentences_reworded",
    "sentences_moved",
    "numbers_corrected",
    "names_corrected",
    "quotes_duplicated",
    "emoji_hangul_inserted",
]
WORD = re.compile(r"\w+")
SHORT = 16


@dataclass
class Line:
    text: str
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # span id: offsets in the line
    relocated: bool = False


@dataclass
class Case:
    kind: str
    lang: str
    old: str
    new: str
    spans: list[Span]
    expect: dict[int, str]  # span id: moved, relocated, changed, deleted
    at: dict[int, int]  # span id: expected new start, for moved and relocated


def load_stories() -> list[dict]:
    with STORIES.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def pick_spans(lines: list[str], lang: str, rng: random.Random) -> list[tuple[int, int, int]]:
    """(line, start, end) of words and names, short quotes, numbers, phrases and whole sentences."""
    picked = set()
    for index, line in enumerate(lines):
        words = list(WORD.finditer(line))
        if not words:
            continue
        names = [w for w in words if len(w.group()) >= 2 and (lang == "ko" or w.group()[0].isupper())]
        shorts = [w for w in words if 3 <= len(w.group()) <= 5 and not w.group().isdigit()]
        numbers = [w for w in words if w.group().isdigit()]
        for group in (names, shorts, numbers):
            if group:
                w = rng.choice(group)
                end = w.end()
                if lang == "ko" and len(w.group()) >= 3 and not w.group().isdigit():
                    end -= 1  # a Korean name without its particle
                picked.add((index, w.start(), end))
        if len(words) >= 6:
            first = rng.randrange(len(words) - 4)
            picked.add((index, words[first].start(), words[first + rng.randint(2, 4)].end()))
        if rng.random() < 0.3:
            picked.add((index, 0, len(line)))
    return sorted(picked)


def other_lines(stories: list[dict], story: dict, rng: random.Random, count: int) -> list[str]:
    others = [s for s in stories if s["lang"] == story["lang"] and s["doc_id"] != story["doc_id"]]
    return [rng.choice(rng.choice(others)["sentences"]) for _ in range(count)]


def replace_in_line(line: Line, start: int, end: int, text: str, status: dict[int, str]) -> None:
    """Replace line.text[start:end] with text; spans it touches inside are changed, later ones shift.
    An insertion (start == end) changes only a span it falls strictly inside."""
    delta = len(text) - (end - start)
    for key, (s, e) in list(line.spans.items()):
        inside = (s < end and e > start) if start < end else (s < start < e)
        if inside:
            status[key] = "changed"
            del line.spans[key]
        elif s >= end:
            line.spans[key] = (s + delta, e + delta)
    line.text = line.text[:start] + text + line.text[end:]


def make_case(stories: list[dict], story: dict, kind: str, seed: int) -> Case:
    rng = random.Random(seed)
    lang = story["lang"]
    texts = story["text"].split("\n")
    old = "\n".join(texts)
    starts = [0]
    for text in texts:
        starts.append(starts[-1] + len(text) + 1)
    lines = [Line(text) for text in texts]
    spans, status = [], {}
    for key, (index, s, e) in enumerate(pick_spans(texts, lang, rng)):
        spans.append(Span(key, starts[index] + s, starts[index] + e, texts[index][s:e]))
        lines[index].spans[key] = (s, e)
        status[key] = "intact"
    by_key = {span.key: span for span in spans}

    if kind == "paragraphs_inserted":
        for text in other_lines(stories, story, rng, rng.randint(1, 3)):
            lines.insert(rng.randint(0, len(lines)), Line(text))
    elif kind in ("paragraphs_deleted", "paragraphs_replaced"):
        for _ in range(min(rng.randint(1, 2), len(lines) - 1)):
            index = rng.randrange(len(lines))
            for key in lines[index].spans:
                status[key] = "deleted"
            if kind == "paragraphs_deleted":
                del lines[index]
            else:
                lines[index] = Line(other_lines(stories, story, rng, 1)[0])
    elif kind == "sentences_reworded":
        for line in rng.sample(lines, min(3, len(lines))):
            words = list(WORD.finditer(line.text))
            if not words:
                continue
            w = rng.choice(words)
            replacement = rng.choice(WORD.findall(other_lines(stories, story, rng, 1)[0]) or ["x"])
            action = rng.choice(["replace", "delete", "insert"])
            if action == "replace" and replacement != w.group():
                replace_in_line(line, w.start(), w.end(), replacement, status)
            elif action == "delete" and w.end() < len(line.text) and line.text[w.end()] == " ":
                replace_in_line(line, w.start(), w.end() + 1, "", status)
            else:
                replace_in_line(line, w.start(), w.start(), replacement + " ", status)
    elif kind == "sentences_moved" or kind == "quotes_duplicated":
        moves = rng.randint(1, 2) if kind == "sentences_moved" else 1
        if kind == "quotes_duplicated":
            # Two or three quotes copied into new lines; the first one's own line also moves, so
            # its words then stand in two new places with no clear winner.
            chosen = rng.sample(spans, min(3, len(spans)))
            for span in chosen:
                head, tail = other_lines(stories, story, rng, 2)
                copy = " ".join(head.split()[:4] + [span.exact] + tail.split()[-4:])
                lines.insert(rng.randint(0, len(lines)), Line(copy))
            moving = [next(i for i, line in enumerate(lines) if chosen[0].key in line.spans)] if chosen else []
        else:
            moving = [rng.randrange(len(lines)) for _ in range(moves)]
        for index in moving:
            if len(lines) < 2:
                break
            line = lines.pop(index)
            target = rng.choice([i for i in range(len(lines) + 1) if i != index] or [index])
            lines.insert(target, line)
            # The lines between its old and new place moved against it: the diff may pick either.
            for between in lines[min(index, target) : max(index, target) + 1]:
                between.relocated = True
    elif kind == "numbers_corrected":
        numbered = [line for line in lines if re.search(r"\d", line.text)]
        for line in rng.sample(numbered, min(3, len(numbered))):
            number = rng.choice(list(re.finditer(r"\d+", line.text)))
            digits = number.group()
            changed = str(int(digits) + rng.randint(1, 9)).zfill(len(digits))
            replace_in_line(line, number.start(), number.end(), changed, status)
    elif kind == "names_corrected":
        # Prefer a name that also stands elsewhere in the story: only the span's occurrence is
        # corrected, so the others must not attract it.
        counts = Counter(WORD.findall(old))
        named = [
            span for span in spans
            if len(span.exact) >= 3 and WORD.fullmatch(span.exact) and not span.exact.isdigit()
        ]
        named.sort(key=lambda span: -counts[span.exact])
        for span in named[:3]:
            if status[span.key] != "intact":
                continue
            line = next(line for line in lines if span.key in line.spans)
            s, e = line.spans[span.key]
            middle = s + len(span.exact) // 2
            letter = line.text[middle]
            alphabet = "가나다라마바사아자차카타파하" if lang == "ko" else "абвгдежзиклмнопрст" if lang == "ru" else "aeioubcdfgh"
            different = rng.choice([c for c in alphabet if c != letter])
            replace_in_line(line, middle, middle + 1, different, status)
    elif kind == "emoji_hangul_inserted":
        for span in rng.sample(spans, min(5, len(spans))):
            if status[span.key] != "intact":
                continue
            line = next(line for line in lines if span.key in line.spans)
            s, _ = line.spans[span.key]
            inserted = rng.choice(["👩‍👩‍👧", "🇰🇷 ", "한국 ", "한국"])
            replace_in_line(line, s, s, inserted, status)

    new = "\n".join(line.text for line in lines)
    line_starts, offset = [], 0
    for line in lines:
        line_starts.append(offset)
        offset += len(line.text) + 1
    expect, at = {}, {}
    for index, line in enumerate(lines):
        for key, (s, e) in line.spans.items():
            span = by_key[key]
            start = line_starts[index] + s
            assert new[start : start + len(span.exact)] == span.exact
            if len(span.exact) < SHORT and not keeps_word_edges(old, span.start, span.end, new, start):
                status[key] = "changed"  # e.g. "한국" glued before a short quote: another word now
                continue
            at[key] = start
            expect[key] = "relocated" if line.relocated else "moved"
    for key, state in status.items():
        if state in ("changed", "deleted"):
            expect[key] = state
    return Case(kind, lang, old, new, spans, expect, at)


def keeps_word_edges(old: str, start: int, end: int, new: str, new_start: int) -> bool:
    """Whether a short quote still stands as the same word: no letter glued to an edge it had."""
    quote = old[start:end]
    new_end = new_start + len(quote)

    def word(c: str) -> bool:
        return bool(re.match(r"\w", c))

    if word(quote[0]) and (start == 0 or not word(old[start - 1])) and new_start > 0 and word(new[new_start - 1]):
        return False
    unspaced = re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3]$", quote)
    if word(quote[-1]) and not unspaced and (end == len(old) or not word(old[end])):
        if new_end < len(new) and word(new[new_end]):
            return False
    return True


def occurs_once(text: str, quote: str) -> bool:
    if len(quote) < SHORT:
        return len(re.findall(r"(?<!\w)" + re.escape(quote), text)) == 1
    return text.count(quote) == 1


def build_cases() -> list[Case]:
    stories = load_stories()
    cases = []
    for number, story in enumerate(stories):
        for kind_number, kind in enumerate(KINDS):
            cases.append(make_case(stories, story, kind, seed=number * 100 + kind_number))
    return cases


def score(cases: list[Case]) -> dict:
    """Per kind: spans, moved right, review, orphaned, moved wrong; and the unambiguous survivors."""
    table = defaultdict(Counter)
    problems = []
    for case in cases:
        for placement in reanchor(case.old, case.new, case.spans):
            row = table[case.kind]
            expected, at = case.expect[placement.key], case.at.get(placement.key)
            row["spans"] += 1
            if placement.start is not None:
                assert case.new[placement.start : placement.end] == placement.exact
                assert is_grapheme_boundary(case.new, placement.start) and is_grapheme_boundary(case.new, placement.end)
            unambiguous = expected == "moved" or (
                expected == "relocated" and occurs_once(case.new, case.spans[placement.key].exact)
            )
            if unambiguous:
                row["survivors"] += 1
            if placement.outcome == Outcome.MOVED:
                if placement.start == at:
                    row["moved right"] += 1
                    row["survivors moved right"] += unambiguous
                else:
                    row["moved wrong"] += 1
                    problems.append((case, placement))
            elif placement.outcome == Outcome.REVIEW:
                row["review"] += 1
            else:
                row["orphaned"] += 1
            if unambiguous and placement.outcome != Outcome.MOVED:
                row["survivors missed"] += 1
    return {"table": table, "problems": problems}


def print_table(table: dict) -> None:
    columns = ["spans", "moved right", "review", "orphaned", "moved wrong", "survivors", "survivors moved right"]
    print()
    headings = ["spans", "moved right", "review", "orphaned", "moved wrong", "unchanged", "moved right %"]
    print(f"{'kind of edit':24}" + "".join(f"{c:>14}" for c in headings))
    total = Counter()
    for kind in KINDS + ["all"]:
        row = total if kind == "all" else table[kind]
        if kind != "all":
            total.update(row)
        share = 100 * row["survivors moved right"] / row["survivors"] if row["survivors"] else 100.0
        print(f"{kind:24}" + "".join(f"{row[c]:>14}" for c in columns[:-1]) + f"{share:>13.1f}%")


def test_corrections_move_surviving_words_and_never_move_wrongly():
    result = score(build_cases())
    table = result["table"]
    print_table(table)
    for case, placement in result["problems"][:10]:
        span = case.spans[placement.key]
        expected = case.expect[span.key], case.at.get(span.key)
        print("moved wrong:", case.kind, case.lang, repr(span.exact), placement, "expected", *expected)
    survivors = sum(row["survivors"] for row in table.values())
    right = sum(row["survivors moved right"] for row in table.values())
    assert sum(row["moved wrong"] for row in table.values()) == 0
    assert right >= 0.97 * survivors
