"""Re-anchoring: where each span of a story's old body stands in its corrected body.

A span is code point offsets into the NFC body plus the words they cover (`exact`). When the body
changes, every span must follow its words to the new version, or say honestly that it lost them.
`reanchor()` answers, for each span, one of three outcomes:

- MOVED: the words are unchanged and stand where a character diff of the two versions maps them,
  or, away from that place, they stand exactly once in new text with their context around them.
  The desk moves these silently.
- REVIEW: placed at the best candidate, which an editor must confirm: the words were changed in
  place, were found only approximately, or stand exactly in more than one new place.
- ORPHANED: not found.

How a span is placed, in order:

1. One diff of the whole text, computed once per call: paragraphs first (so a deleted paragraph is
   never half-aligned with a look-alike neighbour), then sentences and words inside changed
   paragraphs, then characters inside small changed runs of words (a corrected letter, a Korean
   particle). Short
   equal islands between two larger changes are folded into the change (two unrelated sentences
   share "the" and "said", which says nothing about where a span went), and a pure insertion or
   deletion slides to the nearest line, sentence or word edge (an identical run at both ends makes
   the diff's choice arbitrary: "A. B. A." less " B. A." might otherwise keep the wrong "A.").
   Blank lines between two changed paragraphs are no anchor: the changes are diffed as one region,
   so a sentence kept from a paragraph that lost another sentence, under a paragraph inserted
   above it, is kept in place (the line diff alone pairs the blank lines instead, and so the
   edited paragraph with the new one). Not when the two changes traded a paragraph or sentence
   across the blank lines: each traded one is then a move.
   A paragraph or sentence deleted in one place and inserted word for word in another moved whole:
   it is never matched word by word against its new neighbour. One that the changed region's own
   diff keeps in place did not move: the last paragraph, which only gained a line break or blank
   lines after it, is the same paragraph with other white space around it.
2. Mapped: a span inside one equal run of the diff is MOVED, provided its new ends do not cut a
   grapheme cluster and, for a short quote, the word edges it had are still there ("AMs" may not
   follow its letters into "DAMs"). This wins over any other occurrence of the words.
3. Exact elsewhere: the quote's occurrences in the new text, less those that the diff says are the
   image of another old occurrence (the earlier "Jones" that was always there; the look-alike
   paragraph that survived). One left, with context similarity at or above MOVE_CONTEXT for its
   length: MOVED. One with poorer context, or several: REVIEW at the best context. A short quote
   whose context is below SHORT_FLOOR_CONTEXT is ORPHANED instead: three letters in an unrelated
   sentence are not the same mention.
4. A short quote (under SHORT_QUOTE code points) stops here: it is never matched approximately.
5. Words changed in place: the range the diff maps the span to, if its words are at least
   REVIEW_QUOTE alike: REVIEW.
6. Approximate elsewhere: inside the new text the diff calls changed (where moved and reworded
   words must be), a candidate with quote similarity at least REVIEW_QUOTE and, separately,
   context similarity at least REVIEW_CONTEXT: REVIEW.
7. Otherwise ORPHANED.

A place offered for review (5, 6) never cuts a pair of quotation marks or brackets that the old
words did not cut: "космодроме Восточный" corrected to "космодроме «Восточный»" is offered with both
guillemets, not as "космодроме «Восточный". The candidate grows, within its line and PAIR_REACH, to
the other mark of a pair it opens or closes; where that mark is not near, a lone mark at its edge is
left out.

Quote and context are separate gates, never one blended score: a long sentence moved to another
paragraph keeps its words but loses its context; a sentence rewritten in place keeps its context but
loses its words. One score cannot both allow the first and refuse the second.

Similarities are rapidfuzz's Indel similarity (1 - (insertions + deletions) / (len a + len b));
context similarity is the mean of the prefix's and the suffix's (`context` code points each).

Thresholds, measured on the correction corpus of articles/tests/test_reanchoring_corpus.py
(180 stories: 45 each in English, Indonesian, Korean, Russian; 10 kinds of edit; see
bench/reanchoring_thresholds.py for the sweep that prints these figures):

    gate                  value  what the corpus said (each varied alone; 71,734 spans survive)
    MOVE_CONTEXT_SHORT    0.75   0.50: 4 moved wrong; 0.60: 2 (a Korean "말했" and an English "The" moved
                                 silently into a replaced paragraph, context 0.62 and 0.69); 0.70: 0.
                                 0.75 keeps a margin for 0 wrong at 99.4 % of survivors moved right
                                 (0.70: 99.6 %, 0.90: 99.2 %).
    MOVE_CONTEXT_LONG     0.30   no wrong move at any value from 0 to 0.6; survivors moved right
                                 99.8 % at 0, 99.7 % at 0.3, 99.5 % at 0.6. Kept at 0.3 as a guard
                                 the corpus cannot exercise, for 0.1 point.
    SHORT_FLOOR_CONTEXT   0.35   only trades review for orphaned (0: 8 fewer orphaned; 0.55: 122
                                 more); 0.35 orphans short words found in unrelated sentences.
    REVIEW_QUOTE          0.75   0.90 lets one span move wrongly (its in-place change, 0.8 alike, no
                                 longer blocks a copy elsewhere); 0.50 to 0.80 only trade orphaned for
                                 review (2,755 to 2,805 orphaned). 0.75: a sentence with a word or
                                 two changed is offered, a rewritten one is not.
    REVIEW_CONTEXT        0.35   no effect on the corpus from 0 to 0.5; a guard against an
                                 approximate candidate in unrelated new text.
    SHORT_QUOTE           16     as the issue asks.

With these values (1,620 corrected versions, 78,240 spans): moved wrong 0; 99.6 % of the spans
whose words survive unambiguously moved right without review (sentences moved 97.5 %, quotes
duplicated 98.5 %, the others 99.8 % to 100 %). The threshold sweep above was measured before
the last paragraph's new line break stopped counting as a move (99.4 % then).
"""

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db import models
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from articles.text import UNSPACED_END, is_grapheme_boundary

SHORT_QUOTE = 16  # code points: below this a quote is only ever matched exactly
MOVE_CONTEXT_SHORT = 0.75  # context needed to move a short quote silently away from its mapped place
MOVE_CONTEXT_LONG = 0.3  # the same for a longer quote, whose own words are most of the evidence
SHORT_FLOOR_CONTEXT = 0.35  # below this a short quote found elsewhere is not offered for review
REVIEW_QUOTE = 0.75  # how alike the words must be to offer an approximate candidate for review
REVIEW_CONTEXT = 0.35  # how alike the context must be for an approximate candidate away from the mapped place
REFINE_CHARACTERS = 40  # changed runs of words up to this long on both sides are diffed by character
SLIDE_LIMIT = 200  # how far an insertion or deletion may slide to an edge


class Outcome(models.TextChoices):
    MOVED = "moved"
    REVIEW = "review"
    ORPHANED = "orphaned"


@dataclass(frozen=True)
class Span:
    key: object  # the caller's identifier, returned untouched
    start: int  # code point offsets into the old text
    end: int
    exact: str  # == old[start:end]


@dataclass(frozen=True)
class Placement:
    key: object
    outcome: str
    start: int | None  # in the new text; None when orphaned
    end: int | None
    exact: str | None  # new[start:end]
    quote_similarity: float  # 0..1, how alike the old words and the candidate's words are
    context_similarity: float  # 0..1, how alike the old prefix and suffix and the candidate's
    reason: str


# Words, runs of white space, and any other single character: the units of the word-level diff.
TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
WORD_CHARACTER = re.compile(r"\w")


@dataclass
class Block:
    """A run of the diff: old[a0:a1] became new[b0:b1]; `same` when the two are equal."""

    same: bool
    a0: int
    a1: int
    b0: int
    b1: int

    @property
    def size(self) -> int:
        return max(self.a1 - self.a0, self.b1 - self.b0)


def _runs(old_units: list[str], new_units: list[str], a: int, b: int) -> list[Block]:
    """Blocks of a diff of two sequences of strings, in code points from offsets a and b."""
    old_ends = _ends(old_units, a)
    new_ends = _ends(new_units, b)
    blocks: list[Block] = []
    for op in Indel.opcodes(old_units, new_units):
        a0, a1 = old_ends[op.src_start], old_ends[op.src_end]
        b0, b1 = new_ends[op.dest_start], new_ends[op.dest_end]
        _append(blocks, Block(op.tag == "equal", a0, a1, b0, b1))
    return blocks


def _ends(units: list[str], offset: int) -> list[int]:
    ends = [offset]
    for unit in units:
        offset += len(unit)
        ends.append(offset)
    return ends


def _append(blocks: list[Block], block: Block) -> None:
    """Add a block, merging it with the last one when both are equal runs or both changes."""
    if block.a0 == block.a1 and block.b0 == block.b1:
        return
    if blocks and blocks[-1].same == block.same:
        blocks[-1].a1, blocks[-1].b1 = block.a1, block.b1
    else:
        blocks.append(block)


def _align(old: str, new: str, *, refine: bool = True, moved: list | None = None) -> list[Block]:
    """The diff of two texts: paragraphs, then words inside changed paragraphs, then (with `refine`)
    characters inside small changed runs of words. `moved`, when given, receives the old and new
    ranges of each paragraph or sentence that moved whole (see _moved_lines)."""
    lines = _runs(old.splitlines(keepends=True), new.splitlines(keepends=True), 0, 0)
    # The line diff compares hashes; an equal run is checked, never trusted.
    for block in lines:
        block.same = block.same and old[block.a0 : block.a1] == new[block.b0 : block.b1]
    lines = _blank_lines_folded(old, new, lines)
    moved_old, moved_new = _moved_lines(old, new, lines, moved)
    blocks: list[Block] = []

    def by_words(a0: int, a1: int, b0: int, b1: int) -> None:
        if a0 == a1 or b0 == b1:
            _append(blocks, Block(False, a0, a1, b0, b1))
            return
        words = _runs(TOKEN.findall(old, a0, a1), TOKEN.findall(new, b0, b1), a0, b0)
        for word_block in words:
            # A paragraph or sentence that moved whole is not matched word by word against its new neighbour.
            moved = moved_old.overlaps(word_block.a0, word_block.a1) or moved_new.overlaps(word_block.b0, word_block.b1)
            if word_block.same and moved:
                word_block.same = False
        for word_block in _without_islands(words, open_ends=True):
            _append(blocks, word_block)

    for block in lines:
        if block.same or block.a0 == block.a1 or block.b0 == block.b1:
            _append(blocks, Block(block.same, block.a0, block.a1, block.b0, block.b1))
            continue
        # Inside a changed paragraph, sentences first: one kept whole stays aligned with itself,
        # however its neighbours were traded or rewritten.
        old_bounds, new_bounds, ops = _sentence_diff(old, new, block)
        if ops is None:
            by_words(block.a0, block.a1, block.b0, block.b1)
            continue
        change = None  # the sentences of consecutive deletions and insertions, diffed together by word
        for op in [*ops, None]:
            if op is not None and op.tag != "equal":
                change = (change or (op.src_start, op.dest_start))[:2] + (op.src_end, op.dest_end)
                continue
            if change is not None:
                i0, j0, i1, j1 = change
                by_words(old_bounds[i0], old_bounds[i1], new_bounds[j0], new_bounds[j1])
                change = None
            if op is None:
                break
            for i, j in zip(range(op.src_start, op.src_end), range(op.dest_start, op.dest_end)):
                a0, a1, b0, b1 = old_bounds[i], old_bounds[i + 1], new_bounds[j], new_bounds[j + 1]
                if old[a0:a1] == new[b0:b1]:
                    _append(blocks, Block(True, a0, a1, b0, b1))
                else:  # the same sentence, other white space around it
                    by_words(a0, a1, b0, b1)
    blocks = _without_islands(blocks)
    if refine:
        blocks = _refined(old, new, blocks, moved_old, moved_new)
    _slide_to_edges(old, new, blocks)
    return [block for block in blocks if block.a0 < block.a1 or block.b0 < block.b1]


def _blank_lines_folded(old: str, new: str, lines: list[Block]) -> list[Block]:
    """The line diff with a run of blank lines between two changes folded into one change, unless
    the two changes traded a paragraph or sentence across it.

    A blank line says nothing about which paragraph is which: with a paragraph inserted at the
    top and the next one edited, the line diff pairs the blank line under the new paragraph with
    the old one under the edited paragraph, and so pairs the edited paragraph with the new one.
    Folded, the two changes are one region whose sentence by sentence diff keeps the sentences
    that are still there. Not when a sentence stands on both sides of the folded region and its
    diff does not keep it: two paragraphs traded are each a move (see _moved_lines), not one kept
    in place between the deletion and the insertion of the other."""

    def sentences(block: Block) -> tuple[list[str], list[str]]:
        return (
            [old[a:b] for a, b in _sentences(old, block.a0, block.a1)],
            [new[a:b] for a, b in _sentences(new, block.b0, block.b1)],
        )

    def no_trade(old_keys: list[str], new_keys: list[str]) -> bool:
        common = sum((Counter(old_keys) & Counter(new_keys)).values())
        kept = sum(op.src_end - op.src_start for op in Indel.opcodes(old_keys, new_keys) if op.tag == "equal")
        return kept == common

    folded: list[Block] = []
    keys = None  # the sentences of folded[-1], a change, once needed
    i = 0
    while i < len(lines):
        block = lines[i]
        blank = block.same and not old[block.a0 : block.a1].strip()
        if blank and folded and not folded[-1].same and i + 1 < len(lines) and not lines[i + 1].same:
            following = lines[i + 1]
            keys = keys or sentences(folded[-1])
            following_keys = sentences(following)
            merged_keys = (keys[0] + following_keys[0], keys[1] + following_keys[1])
            if no_trade(*merged_keys):
                folded[-1].a1, folded[-1].b1 = following.a1, following.b1
                keys = merged_keys
                i += 2
                continue
        _append(folded, Block(block.same, block.a0, block.a1, block.b0, block.b1))
        keys = None
        i += 1
    return folded


class _Ranges:
    def __init__(self, ranges: list[tuple[int, int]]):
        self.ranges = sorted(ranges)
        self.starts = [start for start, _ in self.ranges]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, end - 1) - 1
        return i >= 0 and self.ranges[i][1] > start


# A sentence: from a non-space character to its end mark (followed by space or the end) or the line's end.
SENTENCE = re.compile(r"\S[^\n]*?(?:[.!?。]+(?=\s|$)|(?=\n)|$)")


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [match.span() for match in SENTENCE.finditer(text, start, end)]


def _sentence_diff(old: str, new: str, block: Block):
    """The sentence by sentence diff of a changed paragraph: each side's unit boundaries (a unit
    is a sentence with the white space after it; the first also takes any before it) and the
    opcodes over the sentences' words; None for the opcodes when a side has no sentence."""
    old_sentences, new_sentences = _sentences(old, block.a0, block.a1), _sentences(new, block.b0, block.b1)
    if not old_sentences or not new_sentences:
        return None, None, None
    old_bounds = [block.a0] + [a for a, _ in old_sentences[1:]] + [block.a1]
    new_bounds = [block.b0] + [b for b, _ in new_sentences[1:]] + [block.b1]
    ops = Indel.opcodes([old[a:b] for a, b in old_sentences], [new[a:b] for a, b in new_sentences])
    return old_bounds, new_bounds, ops


def _moved_lines(old: str, new: str, lines: list[Block], pairs: list | None = None) -> tuple[_Ranges, _Ranges]:
    """The old and new ranges of lines, and of sentences, deleted in one place and inserted, word
    for word, in another. Sentences count inside a changed paragraph too (those its own sentence
    by sentence diff does not keep in place): two sentences of one paragraph traded are not each
    rewritten in place, and their common words ("said Kim") say nothing about where a span went."""
    deleted, inserted = defaultdict(list), defaultdict(list)

    def add_sentences(text, ranges, spans):
        for start, end in spans:
            sentence = text[start:end]
            if WORD_CHARACTER.search(sentence):
                ranges[("sentence", sentence)].append((start, end))

    for block in lines:
        if block.same:
            continue
        sides = []
        for text, start, end in ((old, block.a0, block.a1), (new, block.b0, block.b1)):
            lines_of_side = []
            while start < end:
                stop = text.find("\n", start, end)
                stop = end if stop == -1 else stop + 1
                line = text[start:stop]
                if WORD_CHARACTER.search(line):
                    lines_of_side.append((line.rstrip("\r\n"), (start, stop)))
                start = stop
            sides.append(lines_of_side)
        # The lines the block's own diff keeps in place are not moved: the last paragraph, which
        # only gained a line break after it, or blank lines around it.
        old_lines, new_lines = sides
        for op in Indel.opcodes([key for key, _ in old_lines], [key for key, _ in new_lines]):
            if op.tag != "equal":
                for key, at in old_lines[op.src_start : op.src_end]:
                    deleted[key].append(at)
                for key, at in new_lines[op.dest_start : op.dest_end]:
                    inserted[key].append(at)
        old_sentences, new_sentences = _sentences(old, block.a0, block.a1), _sentences(new, block.b0, block.b1)
        if old_sentences and new_sentences:
            # The sentences the paragraph's own diff keeps in place are not moved.
            old_keys = [old[a:b] for a, b in old_sentences]
            new_keys = [new[a:b] for a, b in new_sentences]
            for op in Indel.opcodes(old_keys, new_keys):
                if op.tag != "equal":
                    add_sentences(old, deleted, old_sentences[op.src_start : op.src_end])
                    add_sentences(new, inserted, new_sentences[op.dest_start : op.dest_end])
        else:
            add_sentences(old, deleted, old_sentences)
            add_sentences(new, inserted, new_sentences)
    moved = deleted.keys() & inserted.keys()
    if pairs is not None:
        pairs.extend((deleted[key], inserted[key]) for key in moved)
    return (
        _Ranges([r for line in moved for r in deleted[line]]),
        _Ranges([r for line in moved for r in inserted[line]]),
    )


def _without_islands(blocks: list[Block], *, open_ends: bool = False) -> list[Block]:
    """Fold into the change around it an equal run no longer than the smaller change beside it.

    Two unrelated paragraphs share spaces, "the" and "said"; the diff of one against the other
    keeps those as equal runs, which would carry a span of "said" into a sentence it never was in.
    Twice over: a fold makes a bigger change, which may swallow the next island too. With
    `open_ends` (the words of one changed paragraph) and a paragraph more changed than kept, an
    equal run at either end is folded too when no longer than the change beside it: a paragraph
    replaced by another that also begins with "The "."""
    for _ in range(2):
        kept: list[Block] = []
        for block in blocks:
            _append(kept, Block(block.same, block.a0, block.a1, block.b0, block.b1))
            while (
                len(kept) >= 3
                and not kept[-1].same
                and kept[-2].same
                and kept[-2].size <= min(kept[-3].size, kept[-1].size)
            ):
                last = kept.pop()
                kept.pop()
                kept[-1].a1, kept[-1].b1 = last.a1, last.b1
        rewritten = sum(b.size for b in kept if not b.same) > sum(b.size for b in kept if b.same)
        if open_ends and rewritten and len(kept) >= 2:
            for end, beside in ((0, 1), (-1, -2)):
                if kept[end].same and not kept[beside].same and kept[end].size <= kept[beside].size:
                    kept[end].same = False
            merged: list[Block] = []
            for block in kept:
                _append(merged, block)
            kept = merged
        blocks = kept
    return blocks


def _refined(old: str, new: str, blocks: list[Block], moved_old: "_Ranges", moved_new: "_Ranges") -> list[Block]:
    """Changes of a few words on both sides, diffed again by character: "Jones" to "Johns" keeps
    its "Jo", "김정은은" to "김정은이" keeps the name. Never a change that touches a paragraph
    which moved whole: two short paragraphs traded are not one edited in place, and their common
    letters ("met Kim in") say nothing about where a span went."""
    refined: list[Block] = []
    for block in blocks:
        small = 0 < block.a1 - block.a0 <= REFINE_CHARACTERS and 0 < block.b1 - block.b0 <= REFINE_CHARACTERS
        moved = moved_old.overlaps(block.a0, block.a1) or moved_new.overlaps(block.b0, block.b1)
        if block.same or not small or moved:
            _append(refined, block)
            continue
        characters = _runs(list(old[block.a0 : block.a1]), list(new[block.b0 : block.b1]), block.a0, block.b0)
        for character_block in characters:
            _append(refined, character_block)
    return refined


def _edge_score(text: str, index: int) -> int:
    """How good a place `index` is for a change to begin or end: the text's ends and line starts
    best, then sentence ends, white space, punctuation; inside a word worst."""
    if index <= 0 or index >= len(text):
        return 6
    before, after = text[index - 1], text[index]
    if before == "\n":
        return 5
    if after == "\n":
        return 4
    if before.isspace() and index >= 2 and text[index - 2] in ".!?。":
        return 3
    if before.isspace() or after.isspace():
        return 2
    if not before.isalnum() or not after.isalnum():
        return 1
    return 0


def _slide_to_edges(old: str, new: str, blocks: list[Block]) -> None:
    """Slide each pure insertion or deletion, between two equal runs, to its best edge."""
    for i in range(1, len(blocks) - 1):
        before, block, after = blocks[i - 1], blocks[i], blocks[i + 1]
        if block.same or not before.same or not after.same:
            continue
        if block.a0 == block.a1:  # inserted new[b0:b1]
            text, start, end, low, high = new, block.b0, block.b1, before.b0, after.b1
        elif block.b0 == block.b1:  # deleted old[a0:a1]
            text, start, end, low, high = old, block.a0, block.a1, before.a0, after.a1
        else:
            continue
        left = 0
        while left < SLIDE_LIMIT and start - left > low and text[start - left - 1] == text[end - left - 1]:
            left += 1
        right = 0
        while right < SLIDE_LIMIT and end + right < high and text[start + right] == text[end + right]:
            right += 1
        if not left and not right:
            continue
        best = max(
            range(-left, right + 1),
            key=lambda shift: (_edge_score(text, start + shift) + _edge_score(text, end + shift), -abs(shift)),
        )
        block.a0, block.a1, block.b0, block.b1 = block.a0 + best, block.a1 + best, block.b0 + best, block.b1 + best
        before.a1 += best
        before.b1 += best
        after.a0 += best
        after.b0 += best


class Alignment:
    """The diff of two versions, for mapping offsets either way."""

    def __init__(self, blocks: list[Block], moved: list | None = None):
        self.blocks = blocks
        # Each paragraph or sentence that moved whole: its old ranges and its new ranges.
        self.moved = [(old_ranges, sorted(new_ranges)) for old_ranges, new_ranges in moved or []]
        self.by_old = [block for block in blocks if block.a0 < block.a1]
        self.old_starts = [block.a0 for block in self.by_old]
        self.by_new = [block for block in blocks if block.b0 < block.b1]
        self.new_starts = [block.b0 for block in self.by_new]

    def _old_block(self, index: int) -> Block:
        return self.by_old[bisect_right(self.old_starts, index) - 1]

    def _new_block(self, index: int) -> Block:
        return self.by_new[bisect_right(self.new_starts, index) - 1]

    def map_span(self, start: int, end: int) -> tuple[int, int, bool]:
        """Where old[start:end] went: its new start and end, and whether it lies whole inside one
        equal run (so its words are unchanged there). Inside a change, a start goes to the
        change's new start and an end to its new end."""
        first, last = self._old_block(start), self._old_block(end - 1)
        new_start = first.b0 + (start - first.a0) if first.same else first.b0
        new_end = last.b0 + (end - last.a0) if last.same else last.b1
        return new_start, max(new_start, new_end), first is last and first.same

    def source(self, start: int, end: int) -> int | None:
        """The old offset that new[start:end] is the unchanged image of, or None when any of it
        is new text."""
        block = self._new_block(start)
        if block.same and end <= block.b1:
            return block.a0 + (start - block.b0)
        return None

    def moved_sources(self, start: int, end: int) -> list[int] | None:
        """When new[start:end] lies inside a paragraph or sentence that moved whole, the old offsets
        it is a copy of (one per old copy of that text); else None."""
        for old_ranges, new_ranges in self.moved:
            for b0, b1 in new_ranges:
                if b0 <= start and end <= b1:
                    return [a0 + (start - b0) for a0, _ in old_ranges]
        return None

    def changed_in_new(self) -> list[tuple[int, int]]:
        return [(block.b0, block.b1) for block in self.blocks if not block.same and block.b0 < block.b1]


def align(old: str, new: str) -> Alignment:
    if old == new:
        return Alignment([Block(True, 0, len(old), 0, len(new))] if old else [])
    moved: list = []
    blocks = _align(old, new, moved=moved)
    return Alignment(blocks, moved)


def diff_words(old: str, new: str) -> list[tuple[str, str]]:
    """("equal" | "insert" | "delete", text) runs at word granularity, in order: for the desk's
    "words added and removed" between two versions. A replaced run is its deletion then its
    insertion."""
    runs: list[tuple[str, str]] = []

    def add(tag: str, text: str) -> None:
        if not text:
            return
        if runs and runs[-1][0] == tag:
            runs[-1] = (tag, runs[-1][1] + text)
        else:
            runs.append((tag, text))

    blocks = [Block(True, 0, len(old), 0, len(new))] if old == new else _align(old, new, refine=False)
    for block in blocks:
        if block.same:
            add("equal", old[block.a0 : block.a1])
        else:
            add("delete", old[block.a0 : block.a1])
            add("insert", new[block.b0 : block.b1])
    return runs


def similarity(a: str, b: str) -> float:
    return Indel.normalized_similarity(a, b)


def _edges(text: str, start: int, end: int, quote: str) -> tuple[bool, bool]:
    """Which word edges a quote has at text[start:end] that a short quote must keep: one before it
    where it begins with a letter and none precedes it; the same after it, except after a script
    without spaces, whose words take particles (김정은은, 러시아로)."""
    before = bool(WORD_CHARACTER.match(quote)) and (start == 0 or not WORD_CHARACTER.match(text[start - 1]))
    after = (
        bool(WORD_CHARACTER.match(quote[-1]))
        and not UNSPACED_END.search(quote)
        and (end >= len(text) or not WORD_CHARACTER.match(text[end]))
    )
    return before, after


def _keeps_edges(text: str, start: int, end: int, edges: tuple[bool, bool]) -> bool:
    before, after = edges
    if before and start > 0 and WORD_CHARACTER.match(text[start - 1]):
        return False
    if after and end < len(text) and WORD_CHARACTER.match(text[end]):
        return False
    return True


@lru_cache(maxsize=4096)
def _pattern(quote: str, before: bool, after: bool) -> re.Pattern:
    return re.compile(("(?<!\\w)" if before else "") + re.escape(quote) + ("(?!\\w)" if after else ""))


def _whole_characters(text: str, start: int, end: int) -> bool:
    return is_grapheme_boundary(text, start) and is_grapheme_boundary(text, end)


def _widened(text: str, start: int, end: int) -> tuple[int, int]:
    """The range grown outwards until neither end cuts a grapheme cluster."""
    while start > 0 and not is_grapheme_boundary(text, start):
        start -= 1
    while end < len(text) and not is_grapheme_boundary(text, end):
        end += 1
    return start, end


# Opening marks and the closing mark each pairs with. Straight quotes and ’ (also an apostrophe) are
# left out: which of them opens and which closes cannot be told from the character.
PAIRS = {
    "«": "»", "‹": "›", "“": "”", "„": "“", "(": ")", "[": "]", "{": "}",
    "（": "）", "「": "」", "『": "』", "《": "》", "〈": "〉", "【": "】",
}  # fmt: skip
CLOSERS = frozenset(PAIRS.values())
PAIR_REACH = 64  # how far a candidate may grow, within its line, to take the other mark of a pair


def _unpaired(text: str, start: int, end: int) -> tuple[list[int], list[int]]:
    """The offsets of the opening marks text[start:end] does not close, and of the closing marks
    it does not open."""
    opened: list[int] = []
    closed: list[int] = []
    for index in range(start, end):
        character = text[index]
        if opened and character == PAIRS[text[opened[-1]]]:
            opened.pop()
        elif character in PAIRS:
            opened.append(index)
        elif character in CLOSERS:
            closed.append(index)
    return opened, closed


def _partner(text: str, index: int, step: int) -> int | None:
    """The offset of the mark that pairs with text[index], searching forwards (step 1, from an
    opening mark) or backwards (step -1, from a closing mark) within its line and PAIR_REACH."""
    depth = 0
    at = index + step
    while 0 <= at < len(text) and abs(at - index) <= PAIR_REACH and text[at] != "\n":
        character = text[at]
        if step > 0:
            if character == PAIRS[text[index]] and depth == 0:
                return at
            if character in PAIRS:
                depth += 1
            elif character in CLOSERS and depth:
                depth -= 1
        else:
            if character in PAIRS and PAIRS[character] == text[index] and depth == 0:
                return at
            if character in CLOSERS:
                depth += 1
            elif character in PAIRS and depth:
                depth -= 1
        at += step
    return None


def _paired(text: str, start: int, end: int) -> tuple[int, int]:
    """A candidate that cuts no pair of quotation marks or brackets: grown to take the other mark
    of a pair it opens or closes ("космодроме «Восточный" takes its "»"), or, where that mark is not
    near, trimmed of a lone mark at its edge."""
    opened, closed = _unpaired(text, start, end)
    if opened:
        partner = _partner(text, opened[0], 1)
        if partner is not None:
            end = partner + 1
        elif not text[start : opened[0]].strip():
            start = opened[0] + 1
    if closed:
        partner = _partner(text, closed[-1], -1)
        if partner is not None:
            start = partner
        elif not text[closed[-1] + 1 : end].strip():
            end = closed[-1]
    return _widened(text, start, max(start, end))


class _Placer:
    def __init__(self, old: str, new: str, context: int):
        self.old, self.new, self.context = old, new, context
        self.alignment = align(old, new)
        self._changed: list[tuple[int, int]] | None = None

    def context_similarity(self, prefix: str, suffix: str, start: int, end: int) -> float:
        new = self.new
        before = similarity(prefix, new[max(0, start - self.context) : start])
        after = similarity(suffix, new[end : end + self.context])
        return (before + after) / 2

    def place(self, span: Span) -> Placement:
        old, new = self.old, self.new
        quote, start, end = span.exact, span.start, span.end
        if not (0 <= start < end <= len(old)) or old[start:end] != quote:
            raise ValueError(f"span {span.key!r}: {start}–{end} is not {quote!r} in the old text")
        short = len(quote) < SHORT_QUOTE
        edges = _edges(old, start, end, quote) if short else (False, False)
        prefix, suffix = old[max(0, start - self.context) : start], old[end : end + self.context]

        def placed(outcome: str, at: tuple[int, int] | None, quote_similarity: float, reason: str) -> Placement:
            if at is None:
                return Placement(span.key, outcome, None, None, None, quote_similarity, 0.0, reason)
            context_similarity = self.context_similarity(prefix, suffix, *at)
            return Placement(
                span.key, outcome, at[0], at[1], new[at[0] : at[1]], quote_similarity, context_similarity, reason
            )

        mapped_start, mapped_end, in_place = self.alignment.map_span(start, end)
        if (
            in_place
            and _whole_characters(new, mapped_start, mapped_end)
            and _keeps_edges(new, mapped_start, mapped_end, edges)
        ):
            return placed(Outcome.MOVED, (mapped_start, mapped_end), 1.0, "mapped")

        # The words may stand exactly elsewhere: a moved paragraph, or a copy.
        found, others = [], 0
        for match in _pattern(quote, *edges).finditer(new):
            at = match.span()
            if not _whole_characters(new, *at):
                continue
            source = self.alignment.source(*at)
            if source is not None and source != start:
                others += 1  # the image of another old occurrence, which was always there
                continue
            copies = self.alignment.moved_sources(*at) if source is None else None
            if copies is not None and start not in copies:
                others += 1  # inside another paragraph or sentence that moved whole: its words, not these
                continue
            found.append((self.context_similarity(prefix, suffix, *at), at))
        if found:
            context_similarity, at = max(found)
            needed = MOVE_CONTEXT_SHORT if short else MOVE_CONTEXT_LONG
            in_place_change = None if short else self._changed_in_place(quote, mapped_start, mapped_end)
            if in_place_change is not None:
                # Changed where the diff maps it, and also found elsewhere: the editor decides.
                return placed(Outcome.REVIEW, in_place_change[1], in_place_change[0], "words_changed")
            if len(found) == 1 and context_similarity >= needed:
                return placed(Outcome.MOVED, at, 1.0, "moved")
            if short and context_similarity < SHORT_FLOOR_CONTEXT:
                return placed(Outcome.ORPHANED, None, 0.0, "short_quote_elsewhere")
            return placed(Outcome.REVIEW, at, 1.0, "context_changed" if len(found) == 1 else "several_occurrences")
        if short:
            return placed(Outcome.ORPHANED, None, 0.0, "only_other_occurrences" if others else "short_quote_changed")

        in_place_change = self._changed_in_place(quote, mapped_start, mapped_end)
        if in_place_change is not None:
            return placed(Outcome.REVIEW, in_place_change[1], in_place_change[0], "words_changed")
        candidate = self._approximate(quote, prefix, suffix, mapped_start)
        if candidate is not None:
            return placed(Outcome.REVIEW, candidate[1], candidate[0], "approximate")
        return placed(Outcome.ORPHANED, None, 0.0, "only_other_occurrences" if others else "not_found")

    def _changed_in_place(self, quote: str, start: int, end: int) -> tuple[float, tuple[int, int]] | None:
        """The words the diff maps a long quote to, when they are still alike enough."""
        if end <= start:
            return None
        start, end = _widened(self.new, start, end)
        if not any(_unpaired(quote, 0, len(quote))):
            start, end = _paired(self.new, start, end)
        quote_similarity = similarity(quote, self.new[start:end])
        if quote_similarity < REVIEW_QUOTE:
            return None
        return quote_similarity, (start, end)

    def _approximate(self, quote: str, prefix: str, suffix: str, near: int) -> tuple[float, tuple[int, int]] | None:
        """The best approximate occurrence in the new text the diff calls changed, nearest first,
        within a budget: never a fuzzy scan of the whole story per span."""
        if self._changed is None:
            self._changed = self.alignment.changed_in_new()
        reach = len(quote)
        regions = sorted(self._changed, key=lambda region: abs(region[0] - near))
        best, budget = None, 20_000
        for region_start, region_end in regions:
            start, end = max(0, region_start - reach), min(len(self.new), region_end + reach)
            if end - start < len(quote) * REVIEW_QUOTE or budget <= 0:
                continue
            budget -= end - start
            window = self.new[start:end]
            if len(window) >= len(quote):
                alignment = fuzz.partial_ratio_alignment(quote, window, score_cutoff=REVIEW_QUOTE * 100)
                if not alignment:
                    continue
                at = (start + alignment.dest_start, start + alignment.dest_end)
            else:
                at = (start, end)
            at = _widened(self.new, *at)
            if not any(_unpaired(quote, 0, len(quote))):
                at = _paired(self.new, *at)
            if self.alignment.source(*at) is not None:
                continue  # unchanged text that was always there, not these words
            quote_similarity = similarity(quote, self.new[at[0] : at[1]])
            if quote_similarity < REVIEW_QUOTE:
                continue
            context_similarity = self.context_similarity(prefix, suffix, *at)
            if context_similarity < REVIEW_CONTEXT:
                continue
            if best is None or (quote_similarity, context_similarity) > best[:2]:
                best = (quote_similarity, context_similarity, at)
        return None if best is None else (best[0], best[2])


def reanchor(old: str, new: str, spans: Iterable[Span], *, context: int = 32) -> list[Placement]:
    """Each span's placement in the new text, in the order of `spans`. The two texts are the old
    and new NFC bodies; a span whose `exact` is not old[start:end] is a ValueError."""
    spans = list(spans)
    if not spans:
        return []
    placer = _Placer(old, new, context)
    return [placer.place(span) for span in spans]
