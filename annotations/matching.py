"""Claims told elsewhere that a story's claim may be the same as, in any language.

A candidate is a claim across stories; its score (0 to 1) is the meaning of the two statements
(the cosine of their vectors, the best over the candidate's wordings: its statement, its
translations, its appearances' statements), raised by what they share and lowered by what sets
them apart:

- shared entities (up to +0.15): those tagged within the two claims' words, weighted by rarity;
- figures (+0.05 when the numbers agree, -0.10 when both name numbers and none agree);
- time (up to +0.03): claims told close together are likelier the same.

Above SUGGEST_AT it is offered; at ALMOST_CERTAIN_AT or more, with the meaning alone at
ALMOST_CERTAIN_MEANING or more (two statements about the same people that say different things
share every entity), it is marked almost certainly the same — never for a statement under
SHORT_STATEMENT words (either of the two), which says too little to be sure of. Either way an editor joins or
dismisses it, and the decision is kept (ClaimMatch) with the score and how it was found.

Candidates come from the nearest wordings by meaning (pgvector's HNSW index, one query for all of
a story's claims), from the rarer entities tagged in the claim's words, and, on a server without
pgvector, from the claim's words and the most recent statements, ranked the same way.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import regex
from django.db import connection, transaction
from django.db.models import Count, F, Q, Value

from annotations import meaning
from annotations.models import Claim, ClaimAcrossStories, ClaimMatch, ClaimTranslation, Entity
from annotations.related import COMMON_AT, COMMON_SHARE, entity_frequencies, figures
from articles.text import Folded

SUGGEST_AT = 0.5
ALMOST_CERTAIN_AT = 0.85
ALMOST_CERTAIN_MEANING = 0.8
SHORT_STATEMENT = 8  # words
NEAREST = 16  # nearest wordings looked at for each claim
SEARCH_BREADTH = 24
ENTITY_CANDIDATES = 40
LOOKED_AT = 7  # candidates of each claim scored in full beyond the `limit` shown
RECENT_POOL = 2000  # without pgvector: the newest statements compared by meaning
DAYS_SCALE = 7.0
# Scripts written without spaces between words: two characters count as a word.
UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
WORD = regex.compile(r"\w+")


def word_count(text: str) -> int:
    unspaced = len(UNSPACED.findall(text))
    return len(WORD.findall(UNSPACED.sub(" ", text))) + math.ceil(unspaced / 2)


@dataclass
class ClaimSuggestion:
    claim: Claim  # the story's appearance
    across: ClaimAcrossStories  # the claim told elsewhere, with_first_appearance()
    score: float
    parts: dict = field(default_factory=dict)
    shared: list = field(default_factory=list)  # entity names, rarest first
    method: str = ""

    @property
    def almost_certain(self) -> bool:
        return (
            self.score >= ALMOST_CERTAIN_AT and self.parts.get("meaning", 0) >= ALMOST_CERTAIN_MEANING
            and min(word_count(self.claim.statement), word_count(self.across.statement)) >= SHORT_STATEMENT
        )

    @property
    def how(self) -> str:
        """How the match was found, in words (kept with the decision)."""
        shared = f" ({', '.join(self.shared[:6])})" if self.shared else ""
        return (
            f"score {self.score:.2f} by {self.method}: meaning {self.parts.get('meaning', 0):.2f} "
            f"({meaning.encoder().name}), shared entities {self.parts.get('entities', 0):.2f}{shared}, "
            f"figures {self.parts.get('figures', 0):+.2f}, time {self.parts.get('time', 0):.2f}"
        )


def suggestions_for(claims: list[Claim], *, limit: int = 3, minimum: float = SUGGEST_AT) -> dict[int, list[ClaimSuggestion]]:
    """For each claim (of one story), the claims told elsewhere it may be, best first: a fixed
    number of queries whatever the number of claims, stories and vectors."""
    if not claims:
        return {}
    article = claims[0].article
    own_vectors = meaning.vectors_of(meaning.digest(c.statement) for c in claims)
    queries = {c.pk: own_vectors.get(meaning.digest(c.statement)) for c in claims}
    vector_column = meaning.column_type() == "vector"
    found: dict[int, dict[str, float]] = {c.pk: {} for c in claims}  # claim → digest → similarity
    if vector_column:
        for claim_id, key, similarity in nearest_wordings(queries):
            found[claim_id][key] = similarity
    own_entities = entities_within([(c.article_id, c.start, c.end) for c in claims], key=lambda i: claims[i].pk)
    candidate_ids: dict[int, set[int]] = {c.pk: set() for c in claims}
    for claim_id, ids in across_of_digests(found).items():
        candidate_ids[claim_id] |= ids
    sharing = across_sharing_entities(own_entities)
    for claim_id, ids in sharing.items():
        candidate_ids[claim_id] |= ids
    if not vector_column:
        for claim_id, ids in across_by_words(claims).items():
            candidate_ids[claim_id] |= ids
        for claim_id, ids in across_recent(queries, found).items():
            candidate_ids[claim_id] |= ids
    # A dismissed match is not offered again; a joined one is offered again if the claim was split off since.
    decided = set(ClaimMatch.objects.filter(claim__in=claims, decision=ClaimMatch.Decision.DISMISSED).values_list("claim_id", "candidate_id"))
    for claim in claims:
        candidate_ids[claim.pk] = {a for a in candidate_ids[claim.pk] if a != claim.across_id and (claim.pk, a) not in decided}
    everyone = set().union(*candidate_ids.values())
    if not everyone:
        return {c.pk: [] for c in claims}
    candidates = {
        a.pk: a for a in ClaimAcrossStories.objects.with_appearances().filter(pk__in=everyone)
        .exclude(pk__in=[c.across_id for c in claims]).only("id", "statement", "language")
    }
    translated: dict[int, list[str]] = {}
    for across_id, statement in ClaimTranslation.objects.filter(claim__in=list(candidates)).values_list("claim", "statement"):
        translated.setdefault(across_id, []).append(statement)
    wordings = {
        pk: [meaning.digest(across.statement), *(meaning.digest(t) for t in translated.get(pk, ()))]
        for pk, across in candidates.items()
    }
    similar = similarities(claims, queries, candidate_ids, wordings, found, vector_column)
    # Only the likeliest few of each claim are looked at further (their entities, their first story):
    # by meaning, with what an entity shared with the claim's words could add.
    for claim in claims:
        def likeliness(across_id, claim=claim) -> float:
            known = [similar[claim.pk][k] for k in wordings.get(across_id, ()) if k in similar[claim.pk]]
            best = max(known) if known else lexical_similarity(claim.statement, candidates[across_id].statement)
            return best + (0.15 if across_id in sharing.get(claim.pk, ()) else 0)
        likeliest = sorted((a for a in candidate_ids[claim.pk] if a in candidates), key=likeliness, reverse=True)
        candidate_ids[claim.pk] = set(likeliest[: limit + LOOKED_AT])
    their_entities = entities_of({a: candidates[a] for a in set().union(*candidate_ids.values())})
    total, frequency = entity_frequencies()
    method = "pgvector" if vector_column else "words, entities and recent statements"
    scored: dict[int, list[ClaimSuggestion]] = {}
    for claim in claims:
        own_figures = figures(f"{claim.statement} {claim.exact}")
        scored[claim.pk] = []
        for across_id in candidate_ids[claim.pk]:
            across = candidates.get(across_id)
            if across is None:
                continue
            known = [similar[claim.pk][k] for k in wordings[across_id] if k in similar[claim.pk]]
            parts = {
                "meaning": max(known) if known else lexical_similarity(claim.statement, across.statement),
                "entities": entity_overlap(own_entities[claim.pk], their_entities.get(across_id, set()), total, frequency),
                "figures": figure_agreement(own_figures, figures(" ".join([across.statement, *translated.get(across_id, ())]))),
            }
            shared = own_entities[claim.pk] & their_entities.get(across_id, set())
            scored[claim.pk].append(ClaimSuggestion(claim, across, 0.0, parts, sorted(shared, key=lambda e: frequency.get(e, 1)), method))
        # Time weighs at most 0.03: only the best few are told apart by it, and only they are
        # looked up in full (their first story), in one query.
        scored[claim.pk].sort(key=lambda s: -(s.parts["meaning"] + 0.15 * s.parts["entities"] + s.parts["figures"]))
        del scored[claim.pk][limit + 5:]
    kept = [s for suggestions in scored.values() for s in suggestions]
    firsts = first_appearances({s.across.pk for s in kept})
    names = dict(Entity.objects.filter(pk__in={e for s in kept for e in s.shared} or [0]).values_list("pk", "name"))
    results = {}
    for claim in claims:
        final = []
        for suggestion in scored[claim.pk]:
            for attribute, value in firsts.get(suggestion.across.pk, {}).items():
                setattr(suggestion.across, attribute, value)
            parts = suggestion.parts
            parts["time"] = time_closeness(article.published_at, suggestion.across)
            suggestion.score = round(min(1.0, max(0.0, parts["meaning"] + 0.15 * parts["entities"] + parts["figures"] + 0.03 * parts["time"])), 3)
            suggestion.shared = [names.get(e, str(e)) for e in suggestion.shared]
            if suggestion.score >= minimum:
                final.append(suggestion)
        final.sort(key=lambda s: (-s.score, -s.across.pk))
        results[claim.pk] = final[:limit]
    return results


def first_appearances(ids: set[int]) -> dict[int, dict]:
    """For each claim, what ClaimAcrossStoriesQuerySet.with_first_appearance() adds to it, in two
    plain queries (one sort of their appearances, one count) rather than subqueries for each."""
    appearances = Claim.objects.filter(across__in=ids)
    firsts = (
        appearances.order_by("across", F("article__published_at").asc(nulls_last=True), "created_at", "id").distinct("across")
        .values_list("across", "pk", "article_id", "article__title", "article__publisher__name", "article__language", "article__published_at")
    )
    counts = dict(appearances.order_by().values("across").annotate(n=Count("pk")).values_list("across", "n"))
    return {
        across: {
            "appearance_count": counts.get(across, 0), "first_claim_id": claim_id, "first_article_id": article_id,
            "first_title": title, "first_outlet": outlet, "first_language": language, "first_published_at": published_at,
        }
        for across, claim_id, article_id, title, outlet, language, published_at in firsts
    }


def similarities(claims, queries, candidate_ids, wordings, found, vector_column: bool) -> dict[int, dict[str, float]]:
    """Each claim's similarity to each wording of its candidates: those the nearest-wordings query
    gave, and the rest computed in the database (pgvector) or here from the stored arrays."""
    result = {claim.pk: dict(found[claim.pk]) for claim in claims}
    wanted = {
        claim.pk: {k for a in candidate_ids[claim.pk] for k in wordings.get(a, ()) if k not in result[claim.pk]}
        for claim in claims if queries[claim.pk] is not None
    }
    pairs = [(claim_id, key) for claim_id, keys in wanted.items() for key in keys]
    if not pairs:
        return result
    if vector_column:
        vectors = {claim_id: meaning.literal(queries[claim_id]) for claim_id in wanted}
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT p.claim_id, v.digest, -(v.embedding <#> q.vector)
                   FROM unnest(%s::bigint[], %s::text[]) AS p(claim_id, digest)
                   JOIN unnest(%s::bigint[], %s::text[]::vector[]) AS q(claim_id, vector) ON q.claim_id = p.claim_id
                   JOIN annotations_statementvector v ON v.digest = p.digest AND v.encoder = %s""",
                [[c for c, _ in pairs], [k for _, k in pairs], list(vectors), list(vectors.values()), meaning.encoder().name],
            )
            for claim_id, key, similarity in cursor.fetchall():
                result[claim_id][key] = float(similarity)
        return result
    stored = meaning.vectors_of(k for _, k in pairs)
    for claim_id, key in pairs:
        if key in stored:
            result[claim_id][key] = float(stored[key] @ queries[claim_id])
    return result


def nearest_wordings(queries: dict[int, np.ndarray | None]) -> list[tuple[int, str, float]]:
    """(claim, digest, similarity) of the NEAREST stored wordings to each claim's vector, in one
    query through the HNSW index (vectors are normalised: the inner product is the cosine)."""
    rows = [(claim_id, meaning.literal(vector)) for claim_id, vector in queries.items() if vector is not None]
    if not rows:
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        # How many neighbours the HNSW search keeps while it walks: a little over NEAREST (its
        # default, 40, costs a third more time for no better suggestions).
        cursor.execute(f"SET LOCAL hnsw.ef_search = {SEARCH_BREADTH}")
        cursor.execute(
            # Each vector is parsed once (as vector[]), not once for every row it is compared with.
            """SELECT q.claim_id, v.digest, -v.distance FROM unnest(%s::bigint[], %s::text[]::vector[]) AS q(claim_id, vector)
               CROSS JOIN LATERAL (
                   SELECT digest, embedding <#> q.vector AS distance FROM annotations_statementvector
                   WHERE encoder = %s ORDER BY embedding <#> q.vector LIMIT %s
               ) v""",
            [[r[0] for r in rows], [r[1] for r in rows], meaning.encoder().name, NEAREST],
        )
        return [(claim_id, key, float(similarity)) for claim_id, key, similarity in cursor.fetchall()]


def across_of_digests(found: dict[int, dict[str, float]]) -> dict[int, set[int]]:
    """The claims across stories that have each found wording: as their statement, a translation,
    or an appearance's statement (one query, through the md5 indexes)."""
    keys = list({key for by_key in found.values() for key in by_key})
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT md5(statement), id FROM annotations_claimacrossstories WHERE md5(statement) = ANY(%s)
               UNION SELECT md5(statement), claim_id FROM annotations_claimtranslation WHERE md5(statement) = ANY(%s)
               UNION SELECT md5(statement), across_id FROM annotations_claim WHERE md5(statement) = ANY(%s)""",
            [keys, keys, keys],
        )
        owners: dict[str, set[int]] = {}
        for key, across_id in cursor.fetchall():
            owners.setdefault(key, set()).add(across_id)
    return {claim_id: set().union(*(owners.get(k, set()) for k in by_key)) for claim_id, by_key in found.items()}


def entities_within(spans: list[tuple[int, int, int]], *, key) -> dict:
    """The entities tagged within each span (article, start, end), keyed by key(index)."""
    result = {key(i): set() for i in range(len(spans))}
    if not spans:
        return result
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT s.n, m.entity_id FROM unnest(%s::int[], %s::bigint[], %s::int[], %s::int[]) AS s(n, article_id, start, "end")
               JOIN annotations_mention m ON m.article_id = s.article_id AND m.start >= s.start AND m."end" <= s."end" """,
            [list(range(len(spans))), [s[0] for s in spans], [s[1] for s in spans], [s[2] for s in spans]],
        )
        for n, entity_id in cursor.fetchall():
            result[key(n)].add(entity_id)
    return result


def across_sharing_entities(own_entities: dict[int, set[int]]) -> dict[int, set[int]]:
    """Claims told elsewhere whose words name one of the rarer entities of each claim's words."""
    total, frequency = entity_frequencies()
    common = max(COMMON_AT, total * COMMON_SHARE)
    rare = {claim_id: [e for e in entities if frequency.get(e, 1) <= common] for claim_id, entities in own_entities.items()}
    wanted = sorted(set().union(*map(set, rare.values())))
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT m.entity_id, c.across_id FROM annotations_mention m
               JOIN annotations_claim c ON c.article_id = m.article_id AND c.start <= m.start AND c."end" >= m."end"
               WHERE m.entity_id = ANY(%s) LIMIT %s""",
            [wanted, ENTITY_CANDIDATES * len(wanted)],
        )
        by_entity: dict[int, set[int]] = {}
        for entity_id, across_id in cursor.fetchall():
            by_entity.setdefault(entity_id, set()).add(across_id)
    return {claim_id: set().union(*(by_entity.get(e, set()) for e in entities)) for claim_id, entities in rare.items()}


def entities_of(candidates: dict[int, ClaimAcrossStories]) -> dict[int, set[int]]:
    """The entities tagged within the words of each candidate's appearances (one query)."""
    result: dict[int, set[int]] = {}
    if not candidates:
        return result
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT DISTINCT c.across_id, m.entity_id FROM annotations_claim c
               JOIN annotations_mention m ON m.article_id = c.article_id AND m.start >= c.start AND m."end" <= c."end"
               WHERE c.across_id = ANY(%s)""",
            [list(candidates)],
        )
        for across_id, entity_id in cursor.fetchall():
            result.setdefault(across_id, set()).add(entity_id)
    return result


def across_by_words(claims: list[Claim]) -> dict[int, set[int]]:
    """Without pgvector: claims told elsewhere that share one of each claim's longer words (two
    queries for all the claims: their statements, and their translations)."""
    words = {
        claim.pk: sorted({w for w in WORD.findall(claim.statement.casefold()) if len(w) >= 4}, key=len, reverse=True)[:5]
        for claim in claims
    }
    every_word = sorted(set().union(*map(set, words.values())))
    if not every_word:
        return {}
    found = Q()
    for word in every_word:
        found |= Q(folded__contains=Folded(Value(word)))
    limit = ENTITY_CANDIDATES * len(claims)
    rows = list(ClaimAcrossStories.objects.alias(folded=Folded("statement")).filter(found).values_list("pk", "statement")[:limit])
    rows += ClaimTranslation.objects.alias(folded=Folded("statement")).filter(found).values_list("claim_id", "statement")[:limit]
    return {
        claim_id: {pk for pk, statement in rows if any(word in statement.casefold() for word in own)}
        for claim_id, own in words.items()
    }


def across_recent(queries: dict[int, np.ndarray | None], found: dict[int, dict[str, float]]) -> dict[int, set[int]]:
    """Without pgvector: the newest RECENT_POOL statements compared by meaning, in numpy."""
    wanted = {claim_id: vector for claim_id, vector in queries.items() if vector is not None}
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT digest, embedding::real[] FROM annotations_statementvector WHERE encoder = %s ORDER BY created_at DESC LIMIT %s",
            [meaning.encoder().name, RECENT_POOL],
        )
        rows = cursor.fetchall()
    if not rows:
        return {}
    keys = [key for key, _ in rows]
    matrix = np.asarray([values for _, values in rows], dtype=np.float32)
    for claim_id, vector in wanted.items():
        similarities = matrix @ vector
        for i in np.argsort(-similarities)[:NEAREST]:
            found[claim_id][keys[i]] = float(similarities[i])
    return across_of_digests(found)


def lexical_similarity(a: str, b: str) -> float:
    """Without vectors: the share of words the two statements have in common."""
    words_a, words_b = set(WORD.findall(a.casefold())), set(WORD.findall(b.casefold()))
    return len(words_a & words_b) / len(words_a | words_b) if words_a | words_b else 0.0


def entity_overlap(own: set[int], theirs: set[int], total: int, frequency: dict[int, int]) -> float:
    """The rarity-weighted share of the two claims' entities that both name (0 when either names none)."""
    if not own or not theirs:
        return 0.0

    def weight(entity_id) -> float:
        return math.log(1 + total / max(frequency.get(entity_id, 1), 1))

    return sum(weight(e) for e in own & theirs) / sum(weight(e) for e in own | theirs)


def figure_agreement(own: set[str], theirs: set[str]) -> float:
    if not own or not theirs:
        return 0.0
    shared = own & theirs
    return 0.05 * len(shared) / len(own | theirs) if shared else -0.10


def time_closeness(published_at, across: ClaimAcrossStories) -> float:
    first = getattr(across, "first_published_at", None)
    if published_at is None or first is None:
        return 0.5
    return math.exp(-abs((published_at - first).total_seconds()) / 86400 / DAYS_SCALE)


def decide(claim: Claim, across: ClaimAcrossStories, *, join: bool, by) -> ClaimMatch:
    """Keep an editor's decision on a suggested match, with its score and how it was found as
    they are now. The join itself is the caller's (Claim.join, with its version check)."""
    found = {s.across.pk: s for s in suggestions_for([claim], limit=1000, minimum=0.0).get(claim.pk, [])}
    suggestion = found.get(across.pk)
    score, how = (suggestion.score, suggestion.how) if suggestion else (0.0, "not among the suggestions")
    decision, _ = ClaimMatch.objects.update_or_create(
        claim=claim, candidate=across,
        defaults={
            "score": score, "how": how, "almost_certain": bool(suggestion and suggestion.almost_certain),
            "decision": ClaimMatch.Decision.JOINED if join else ClaimMatch.Decision.DISMISSED, "decided_by": by,
        },
    )
    return decision
