"""Entity suggestions: every known name and alias found in a story, offered as pending mentions.

One Aho-Corasick automaton (pyahocorasick) holds every entity's name and aliases, folded as the
database folds them (`articles.text.Folded`: lower case, compatibility forms, no accents), and
finds all of them in a story in one pass over its folded text. Each process builds it once and
builds it again only when an entity or alias changed: a shared token in the cache is replaced
with every such change (`entities_changed`), so every gunicorn worker sees it.

A match counts where the story's script has word edges: it must start and end on one, except
after a name in Hangul or in a script written without spaces, where a particle may follow
(김정은은, 러시아로 → 김정은, 러시아).
"""

import threading
from bisect import bisect_left, bisect_right
from itertools import accumulate
import uuid
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
from django.core.cache import cache
from django.db import transaction

GENERATION = "entity-matcher:generation"
SHORTEST_NAME = 2  # folded characters; a single letter would match everywhere
STROKES = str.maketrans("đħıłøŧ", "dhilot")
UNSPACED = ("\u3040", "\u30ff"), ("\u3400", "\u9fff"), ("\uac00", "\ud7a3"), ("\u1100", "\u11ff"), ("\u3130", "\u318f")
WRITTEN_WITHOUT_SPACES = ("\u3040", "\u30ff"), ("\u3400", "\u9fff")


@lru_cache(maxsize=8192)  # a story is made of few characters, each met thousands of times
def fold(char: str) -> str:
    """One character as the matcher compares it (the same folding as the database's Folded)."""
    decomposed = unicodedata.normalize("NFKD", char.lower())
    return "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f").translate(STROKES)


def fold_text(text: str) -> tuple[str, list[int], list[int]]:
    """The folded text, and for each original character where its folded form starts and ends."""
    pieces = list(map(fold, text))  # all in C: fold is cached, the loop is map's
    ends = list(accumulate(map(len, pieces)))
    return "".join(pieces), [0, *ends[:-1]] if ends else [], ends


def in_ranges(char: str, ranges) -> bool:
    return any(low <= char <= high for low, high in ranges)


def is_word(char: str) -> bool:
    return char.isalnum() or char == "_" or unicodedata.category(char) == "Mn"


def on_word_edges(body: str, start: int, end: int) -> bool:
    first, last = body[start], body[end - 1]
    if start > 0 and is_word(body[start - 1]) and not in_ranges(first, WRITTEN_WITHOUT_SPACES):
        return False
    if end < len(body) and is_word(body[end]) and not in_ranges(last, UNSPACED):
        return False
    return True


class Matcher:
    """Every entity name and alias, folded, in one automaton."""

    def __init__(self, names: list[tuple[int, str]]):
        keys: dict[str, set[int]] = {}
        for entity_id, name in names:
            key = " ".join("".join(fold(c) for c in name).split())
            if len(key) >= SHORTEST_NAME:
                keys.setdefault(key, set()).add(entity_id)
        self.automaton = ahocorasick.Automaton()
        for key, entity_ids in keys.items():
            self.automaton.add_word(key, (len(key), tuple(sorted(entity_ids))))
        self.size = len(keys)
        if keys:
            self.automaton.make_automaton()

    def find(self, body: str) -> list[tuple[int, int, int]]:
        """(start, end, entity id) of every whole-word occurrence of a known name in `body`."""
        if not self.size:
            return []
        folded, starts, ends = fold_text(body)
        found = []
        for last, (length, entity_ids) in self.automaton.iter(folded):
            # The characters whose folded forms the match starts and ends with: a character that
            # folds to nothing (a lone accent) starts where the next one does, so the match
            # starts at the last character starting there and ends at the first ending there.
            start = bisect_right(starts, last - length + 1) - 1
            end = bisect_left(ends, last + 1)
            if start < 0 or starts[start] != last - length + 1 or end == len(ends) or ends[end] != last + 1:
                continue  # the match cuts a character in two (a Hangul syllable, a ligature)
            if ends[start] == starts[start] or ends[end] == starts[end]:
                continue
            end += 1
            if on_word_edges(body, start, end):
                found.extend((start, end, entity_id) for entity_id in entity_ids)
        return found


_local = threading.local()


def matcher() -> Matcher:
    """This process's automaton, built again if an entity or alias changed since it was built."""
    from annotations.models import Entity, EntityAlias

    generation = cache.get(GENERATION)
    if generation is None:  # a new or emptied cache: whatever was built before may be stale
        cache.add(GENERATION, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION)
    built = getattr(_local, "matcher", None)
    if built is None or built[0] != generation:
        names = list(Entity.objects.values_list("id", "name")) + list(EntityAlias.objects.values_list("entity_id", "name"))
        _local.matcher = built = (generation, Matcher(names))
    return built[1]


def entities_changed(**kwargs) -> None:
    def bump():
        cache.set(GENERATION, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def occurrences_to_tag(article, entity, exact: str, selected: tuple[int, int]) -> tuple[list[tuple[int, int]], list[str]]:
    """The spans a tag of every occurrence of `exact` as `entity` takes; and for each occurrence
    it leaves out, the longer name that occurrence is part of.

    Each whole-word occurrence, but not one inside a longer name, tagged in the story or known to
    the newsroom: "Kim" inside "Kim Jong Un" is part of his name, and a mention there would nest
    inside his. The span the editor selected is always taken, wherever it is: they asked for it
    (the database allows nested mentions); so is one `entity` already tags, which stays as it is.
    """
    from articles.text import occurrences

    body = article.body
    tagged = list(article.mentions.in_text().values_list("start", "end", "entity_id"))  # not an orphan's old offsets
    own = {(start, end) for start, end, entity_id in tagged if entity_id == entity.pk}
    longer = {(start, end) for start, end, _ in tagged} | {(start, end) for start, end, _ in matcher().find(body)}
    spans, left_out = [], []
    for start, end in sorted({*occurrences(body, exact), selected}):
        around = [(s, e) for s, e in longer if s <= start and end <= e and (s, e) != (start, end)]
        if around and (start, end) != selected and (start, end) not in own:
            s, e = min(around, key=lambda span: span[0] - span[1])  # the longest, for the message
            left_out.append(body[s:e])
        else:
            spans.append((start, end))
    return spans, left_out


def tags_reaching_past(tagged: list[tuple[int, int]]):
    """For the spans `tagged`, a function of an offset: the furthest end of the tags that start
    before it (-1 if none). A tag overlaps a span [start, end) and is not inside it exactly when
    one starting before `start` ends after it, or one starting before `end` ends after that."""
    ordered = sorted(tagged)
    starts = [start for start, _ in ordered]
    furthest = list(accumulate((end for _, end in ordered), max))

    def reaching(offset: int) -> int:
        i = bisect_left(starts, offset)
        return furthest[i - 1] if i else -1

    return reaching


@dataclass
class Suggestion:
    entity: object
    start: int
    end: int
    exact: str

    @property
    def key(self) -> str:
        return f"{self.entity.pk}:{self.start}:{self.end}"


@dataclass
class Occurrence:
    """One span of the story a group's names stand at: its suggestions (one per entity the name
    there names) and a few words either side, by which the desk shows it (never by offsets)."""

    start: int
    end: int
    exact: str
    before: str
    after: str
    suggestions: list[Suggestion]

    @property
    def key(self) -> str:
        return f"{self.start}:{self.end}"

    @property
    def context(self) -> str:
        return f"{self.before}{self.exact}{self.after}"


@dataclass
class SuggestionGroup:
    """The pending suggestions of one entity (“Russia — 21 times”), or of the entities a name
    names together (twins, or an alias of several), where the editor picks one."""

    entities: list
    occurrences: list[Occurrence]

    @property
    def key(self) -> tuple[int, ...]:
        return tuple(sorted(entity.pk for entity in self.entities))

    @property
    def ambiguous(self) -> bool:
        return len(self.entities) > 1

    @property
    def names(self) -> list[str]:
        """The names as the story writes them, each once, in order."""
        return list(dict.fromkeys(o.exact for o in self.occurrences))

    @property
    def other_names(self) -> list[str]:
        """The names the story writes other than the entity's own (“Rusia” for Russia)."""
        return [name for name in self.names if name != self.entities[0].name] if not self.ambiguous else []

    @property
    def own_name_written(self) -> bool:
        """Whether the story writes the entity's own name too (then the other names come "also")."""
        return not self.ambiguous and self.entities[0].name in self.names

    @property
    def label(self) -> str:
        if self.ambiguous:
            return ", ".join(f"“{name}”" for name in self.names)
        return self.entities[0].name


def suggestion_groups(article, suggestions: list[Suggestion] | None = None) -> list[SuggestionGroup]:
    """The story's suggestions (suggestions_for), one group per entity, in the order each first
    appears; a span whose name names several entities is one occurrence, offered to pick from,
    in the group of those entities together."""
    from annotations.highlighting import around

    spans: dict[tuple[int, int], list[Suggestion]] = {}
    for s in suggestions_for(article) if suggestions is None else suggestions:
        spans.setdefault((s.start, s.end), []).append(s)
    groups: dict[tuple[int, ...], SuggestionGroup] = {}
    for (start, end), row in spans.items():
        key = tuple(sorted(s.entity.pk for s in row))
        group = groups.setdefault(key, SuggestionGroup(sorted((s.entity for s in row), key=lambda e: e.pk), []))
        group.occurrences.append(Occurrence(start, end, row[0].exact, *around(article.body, start, end), row))
    return list(groups.values())


def pending(hits: list[tuple[int, int, int]], tagged: list[tuple[int, int]], rejected: set) -> list[tuple[int, int, int]]:
    """Of the matcher's `hits` (start, end, entity id), those to offer, by the rules of
    suggestions_for(), in order. Sorted once, then one pass with a lookup by bisection for each
    hit: the work grows with the hits and tags, never with hits times tags."""
    hits = sorted(hits, key=lambda h: (h[0], -(h[1] - h[0]), h[2]))
    offered: list[tuple[int, int, int]] = []
    crossing_tag = tags_reaching_past(tagged)
    tagged_spans = set(tagged)
    # The spans offered or turned down so far come in the order of the hits (by start): one
    # overlaps the hit at hand when it reaches past the hit's start. The last taken span is kept
    # apart, since the same span again (another entity of that name) does not block itself.
    last: tuple[int, int] | None = None
    reach = -1  # the furthest end of the spans taken before `last`
    for start, end, entity_id in hits:
        if (start, end) in tagged_spans or crossing_tag(start) > start or crossing_tag(end) > end:
            continue  # tagged here, or a tag overlaps it and is not inside it
        if reach > start or (last is not None and last != (start, end) and last[1] > start):
            continue  # overlaps a longer or earlier name offered or turned down
        if last != (start, end):
            reach = max(reach, last[1]) if last else reach
            last = (start, end)
        if (entity_id, start, end) not in rejected:
            offered.append((start, end, entity_id))
    return offered


def suggestions_for(article) -> list[Suggestion]:
    """The pending mentions of a story: known names not yet tagged there, nor rejected there.

    Longest match wins: of overlapping names the longest is offered (“Kim Jong Un”, not the
    “Kim” inside it), and a name inside a longer one offered or turned down here never is. A span
    already tagged, or overlapping a tag, is not offered either, unless the tag lies inside it:
    “Kim” tagged by hand inside “Kim Jong Un” leaves “Kim Jong Un” on offer. The other entities
    of the same name (twins, or an alias of several) are offered at the same span to pick from,
    also once one of them was turned down there.
    """
    from annotations.models import Entity, RejectedSuggestion

    # The same three queries whatever the story holds (and none per name or alias).
    hits = matcher().find(article.body)
    tagged = list(article.mentions.in_text().values_list("start", "end"))  # an orphan's offsets are an earlier text's
    rejected = set(RejectedSuggestion.objects.filter(article=article).values_list("entity_id", "start", "end"))
    offered = pending(hits, tagged, rejected)
    entities = {e.pk: e for e in Entity.objects.filter(pk__in=[entity_id for _, _, entity_id in offered] or [0])}
    return [
        Suggestion(entities[entity_id], start, end, article.body[start:end])
        for start, end, entity_id in offered
        if entity_id in entities
    ]
