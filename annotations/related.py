"""Related-story suggestions: other coverage of the same events, in any language.

Entities are language-independent, so two versions of a story in Korean and Russian share them
although they share no word. A candidate's score (0 to 1) weighs three things:

- shared entities (0.7): the cosine of the two stories' entity sets, each entity weighted by its
  rarity (inverse document frequency): sharing *Ri Yong Ho* says more than sharing *Russia*;
- shared figures (0.15): numbers are written alike in every script (years, counts, amounts);
- time (0.15): stories published close together more likely cover one event.

Above SUGGEST_AT the desk offers the link for an editor to confirm or dismiss; above SAME_EVENT_AT
it proposes a *same event* link as near-certain. A decision is kept (StorySuggestion) with the
score and how the pair was found, so a dismissed pair is not offered again.
"""

import math
import re
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q

from annotations.models import Entity, Mention, StoryLink, StorySuggestion
from articles.models import Article

SUGGEST_AT = 0.3
SAME_EVENT_AT = 0.6
WEIGHTS = {"entities": 0.7, "figures": 0.15, "time": 0.15}
RAREST_ENTITIES = 12  # candidates come from the stories that share one of these
CANDIDATES = 200  # scored in full
NEAREST = 1000  # of an entity's stories on either side of the story's own (in the order they came in)
FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
DAYS_SCALE = 3.0


@dataclass
class RelatedSuggestion:
    article: Article
    score: float
    shared: list = field(default_factory=list)  # entity names, rarest first
    parts: dict = field(default_factory=dict)

    @property
    def same_event(self) -> bool:
        return self.score >= SAME_EVENT_AT

    @property
    def proposed_kind(self) -> str:
        return StoryLink.Kind.SAME_EVENT if self.same_event else StoryLink.Kind.EARLIER_COVERAGE

    @property
    def how(self) -> str:
        """How the pair was found, in words (kept with the decision)."""
        return (
            f"score {self.score:.2f}: shared entities {self.parts['entities']:.2f} ({', '.join(self.shared[:6])}), "
            f"figures {self.parts['figures']:.2f}, time {self.parts['time']:.2f}"
        )


COMMON_AT = 200  # an entity in more stories than this (or than COMMON_SHARE of them) brings no candidates
COMMON_SHARE = 0.01
FREQUENCIES_FOR = 600  # seconds the entities' story counts are kept, by each process and in the cache
FREQUENCIES_KEY = "entity-frequencies"
# Counting every entity's stories reads the whole mention index: about a second at a million
# stories with the index in memory, more when it must come from disk, which a request's
# statement timeout would cut off. It runs once in ten minutes for every process at once.
FREQUENCIES_TIMEOUT_MS = 120_000
_frequencies: dict = {}


def entity_frequencies() -> tuple[int, dict[int, int]]:
    """How many stories there are, and how many name each entity: counted once every ten
    minutes for every process (the cache), not once per suggestion (rarity moves slowly)."""
    now = time.monotonic()
    if _frequencies.get("until", 0) < now:
        counted = cache.get(FREQUENCIES_KEY)
        if counted is None:
            counted = count_frequencies()
            cache.set(FREQUENCIES_KEY, counted, FREQUENCIES_FOR)
        total, counts = counted
        _frequencies.update(total=total, counts=counts, until=now + FREQUENCIES_FOR)
    return _frequencies["total"], _frequencies["counts"]


def count_frequencies() -> tuple[int, dict[int, int]]:
    with transaction.atomic(), connection.cursor() as cursor:
        # SET LOCAL lasts to the end of the outermost transaction (a savepoint released keeps
        # it): inside a caller's, the request's own limit is put back once the count is done.
        cursor.execute("SHOW statement_timeout")
        (limit,) = cursor.fetchone()
        cursor.execute(f"SET LOCAL statement_timeout = {FREQUENCIES_TIMEOUT_MS}")
        counts = dict(
            Mention.objects.order_by().values("entity_id").annotate(n=Count("article_id", distinct=True))
            .values_list("entity_id", "n")
        )
        total = max(Article.objects.count(), 2)
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [limit])
        return total, counts


def figures(text: str) -> set[str]:
    return {f for f in FIGURE.findall(text) if len(f) > 1 or f != "1"}


def time_closeness(a: Article, b: Article) -> float:
    if a.published_at is None or b.published_at is None:
        return 0.5
    days = abs((a.published_at - b.published_at).total_seconds()) / 86400
    return math.exp(-days / DAYS_SCALE)


def related_suggestions(article: Article, *, limit: int = 5, minimum: float = SUGGEST_AT) -> list[RelatedSuggestion]:
    """The stories most likely about the same events as `article`, best first (a fixed number of queries)."""
    # Each query drops Mention's default order, which would join the stories to sort by their
    # time and defeat DISTINCT.
    own = set(Mention.objects.filter(article=article).in_text().order_by().values_list("entity_id", flat=True))
    if not own:
        return []
    total, frequency = entity_frequencies()

    squares: dict[int, float] = {}

    def weight(entity_id) -> float:
        return math.log(1 + total / max(frequency.get(entity_id, 1), 1))

    def square(entity_id) -> float:  # of the weight, computed once per entity
        if entity_id not in squares:
            squares[entity_id] = weight(entity_id) ** 2
        return squares[entity_id]

    # Candidates come only from the story's rarer entities: a story naming *Russia* is no
    # candidate for that alone, and the stories naming it are too many to look at.
    rarest = sorted(own, key=lambda e: frequency.get(e, 1))[:RAREST_ENTITIES]
    rare_enough = [e for e in rarest if frequency.get(e, 1) <= max(COMMON_AT, total * COMMON_SHARE)] or rarest[:2]
    decided = {
        other for pair in StorySuggestion.objects.filter(Q(from_article=article) | Q(to_article=article))
        .values_list("from_article_id", "to_article_id") for other in pair if other != article.pk
    }
    linked = {
        other for pair in StoryLink.objects.touching(article).values_list("from_article_id", "to_article_id")
        for other in pair if other != article.pk
    }
    # Each other story's reach (the sum of the squared weights of the rare entities it shares),
    # added up in the database: only the best CANDIDATES come back, not every mention. A withdrawn
    # story is never offered (its publisher took it back); drafts are, as they may yet be published.
    # Of each entity, the NEAREST stories on either side of this one in the order they came in
    # (two ranges of mention_entity_article): all of a rare entity's, and a bounded number of the
    # commonest's when no rarer one is named (at a million stories, two entities of 20,000
    # stories each cost the workspace 280 ms read whole).
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT named.article_id
               FROM unnest(%(entities)s::bigint[], %(reach)s::float8[]) AS rare(entity_id, reach)
               CROSS JOIN LATERAL (
                   (SELECT DISTINCT article_id FROM {Mention._meta.db_table}
                    WHERE entity_id = rare.entity_id AND article_id < %(story)s ORDER BY article_id DESC LIMIT %(nearest)s)
                   UNION
                   (SELECT DISTINCT article_id FROM {Mention._meta.db_table}
                    WHERE entity_id = rare.entity_id AND article_id > %(story)s ORDER BY article_id LIMIT %(nearest)s)
               ) named
               JOIN {Article._meta.db_table} story ON story.id = named.article_id AND story.status <> %(withdrawn)s
               WHERE named.article_id <> ALL(%(excluded)s)
               GROUP BY named.article_id ORDER BY sum(rare.reach) DESC, named.article_id DESC LIMIT %(candidates)s""",
            {"entities": rare_enough, "reach": [square(e) for e in rare_enough], "story": article.pk,
             "nearest": NEAREST, "withdrawn": Article.Status.WITHDRAWN, "excluded": [*decided, *linked],
             "candidates": CANDIDATES},
        )
        candidates = [pk for (pk,) in cursor.fetchall()]
    if not candidates:
        return []
    their_entities: dict[int, set[int]] = {}
    named = Mention.objects.filter(article_id__in=candidates).in_text().order_by()
    for other_id, entity_id in named.values_list("article_id", "entity_id").distinct():
        their_entities.setdefault(other_id, set()).add(entity_id)
    own_norm = math.sqrt(sum(square(e) for e in own))
    scored = []
    for other_id, entities in their_entities.items():
        shared = own & entities
        norm = own_norm * math.sqrt(sum(square(e) for e in entities))
        scored.append((sum(square(e) for e in shared) / norm if norm else 0.0, other_id, shared))
    scored.sort(reverse=True)
    top = scored[: max(limit * 4, 20)]
    others = Article.objects.select_related("publisher").defer("search_vector").in_bulk([other_id for _, other_id, _ in top])
    own_figures = figures(article.body)
    names = dict(Entity.objects.filter(pk__in=set().union(*(s for _, _, s in top)) or [0]).values_list("pk", "name"))
    results = []
    for entity_score, other_id, shared in top:
        other = others[other_id]
        theirs = figures(other.body)
        figure_score = len(own_figures & theirs) / len(own_figures | theirs) if own_figures | theirs else 0.0
        parts = {"entities": entity_score, "figures": figure_score, "time": time_closeness(article, other)}
        score = sum(WEIGHTS[k] * v for k, v in parts.items())
        if score >= minimum:
            shared_names = [names.get(e, str(e)) for e in sorted(shared, key=lambda e: frequency.get(e, 1))]
            results.append(RelatedSuggestion(other, round(score, 3), shared_names, parts))
    results.sort(key=lambda s: s.score, reverse=True)
    return results[:limit]


def decide(article: Article, other: Article, *, confirm: bool, kind: str, by) -> StorySuggestion:
    """Keep an editor's decision on a suggested pair; a confirmation also makes the link."""
    found = {s.article.pk: s for s in related_suggestions(article, limit=50, minimum=0.0)}
    suggestion = found.get(other.pk)
    score, how = (suggestion.score, suggestion.how) if suggestion else (0.0, "not among the suggestions")
    decision, _ = StorySuggestion.objects.update_or_create(
        from_article=article, to_article=other,
        defaults={"score": score, "how": how, "state": "confirmed" if confirm else "dismissed", "decided_by": by},
    )
    if confirm and not StoryLink.objects.between(article, other).filter(kind=kind).exists():
        StoryLink.objects.create(from_article=article, to_article=other, kind=kind, note=f"Suggested ({how}).", created_by=by)
    return decision
