"""Claims matched across languages: the figures on real parallel news, the two thresholds, the
editor's decision, and both ways of storing vectors (pgvector, and a plain array without it)."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations import matching, meaning
from annotations.models import Claim, StatementVector
from articles.demo_newsroom import load_demo
from articles.models import Article
from articles.tests.makers import make_article, make_source

NEWS = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "news" / "ntrex-news-4lang.jsonl"

pytestmark = pytest.mark.django_db


def record_parallel_news() -> dict[tuple[str, int], dict[str, Claim]]:
    """Every sentence of the 45 parallel stories, in four languages, recorded as a claim of its
    story; returns the claims by (story, sentence) and language."""
    publishers = {}
    aligned: dict[tuple[str, int], dict[str, Claim]] = {}
    day = datetime(2019, 1, 1, tzinfo=timezone.utc)
    for line in NEWS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        outlet = f"{record['outlet']} ({record['lang']})"
        publisher = publishers.get(outlet) or publishers.setdefault(outlet, make_source(name=outlet))
        body = "\n\n".join(record["sentences"])
        story_number = sorted({json.loads(x)["doc_id"] for x in NEWS.read_text().splitlines()}).index(record["doc_id"])
        article = make_article(
            title=record["headline"], body=body, language=record["lang"], publisher=publisher,
            published_at=day + timedelta(days=story_number, hours=len(record["lang"])),
        )
        offset = 0
        for index, sentence in enumerate(record["sentences"]):
            claim = Claim.record(article, start=offset, end=offset + len(sentence), exact=sentence, chain=[], by=None)
            aligned.setdefault((record["doc_id"], index), {})[record["lang"]] = claim
            offset += len(sentence) + 2
    return aligned


def test_a_sentences_translations_are_its_best_matches_and_no_other_storys_sentence_is_almost_certain():
    load_demo()
    aligned = record_parallel_news()
    computed = call_command_counting()
    assert meaning.column_type() == "vector", "the embedded server has pgvector"
    story_of = {}
    translations_of = {}
    for (doc, index), by_language in aligned.items():
        for language, claim in by_language.items():
            story_of[claim.across_id] = doc
            translations_of[claim.pk] = {other.across_id for other in by_language.values() if other.pk != claim.pk}
    by_story: dict[int, list[Claim]] = {}
    for by_language in aligned.values():
        for claim in by_language.values():
            by_story.setdefault(claim.article_id, []).append(claim)
    pairs = in_top_three = first_is_translation = sentences = 0
    almost_certain_elsewhere = []
    for claims in by_story.values():
        for claim in claims:
            claim.article = claims[0].article
        for claim_id, suggestions in matching.suggestions_for(claims, limit=10, minimum=0.0).items():
            own_story = story_of[next(c.across_id for c in claims if c.pk == claim_id)]
            sentences += 1
            top = [s.across.pk for s in suggestions[:3]]
            wanted = translations_of[claim_id]
            pairs += len(wanted)
            in_top_three += len(wanted & set(top))
            first_is_translation += bool(top) and top[0] in wanted
            almost_certain_elsewhere += [
                (claim_id, s.across.statement, s.score) for s in suggestions
                if s.almost_certain and story_of.get(s.across.pk) != own_story
            ]
    top_three_share, first_share = in_top_three / pairs, first_is_translation / sentences
    print(
        f"\nclaim matching on {sentences} sentences in 4 languages ({computed} vectors computed): "
        f"translations in the top three {top_three_share:.1%}, a translation first {first_share:.1%}, "
        f"other stories' sentences almost certain: {len(almost_certain_elsewhere)}"
    )
    assert sentences == 2624
    assert top_three_share >= 0.90
    assert first_share >= 0.80
    assert almost_certain_elsewhere == []


def call_command_counting() -> int:
    before = StatementVector.objects.count()
    call_command("embed_statements", verbosity=0)
    return StatementVector.objects.count() - before
