"""Claims matched across languages: the figures on real parallel news, the two thresholds, the
editor's decision, and both ways of storing vectors (pgvector, and a plain array without it)."""

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations import matching, meaning
from annotations.models import Claim, ClaimMatch, StatementVector
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


def expected_method() -> str:
    """How suggestions are found on this server: CI runs this file on one with pgvector (the
    embedded server) and on one without it (.ci/run)."""
    return "pgvector" if meaning.column_type() == "vector" else "words, entities and recent statements"


def demo_story(title_start: str) -> Article:
    return Article.objects.get(title__startswith=title_start)


def mark(article: Article, words: str, statement: str = "") -> Claim:
    start = article.body.index(words)
    claim = Claim.record(article, start=start, end=start + len(words), exact=words, statement=statement, chain=[], by=None)
    meaning.embed([claim.statement])
    return claim


@pytest.fixture
def demo_with_meaning():
    load_demo()
    call_command("embed_statements", verbosity=0)
    russian = demo_story("Кремль подтвердил")
    # The Russian story's appearance of the train claim, as if an editor had not marked it yet.
    Claim.objects.filter(article=russian, exact__startswith="поезд северокорейского").delete()
    return russian


def test_the_kremlins_confirmation_in_russian_is_offered_the_indonesian_train_claim_first(editor_client, demo_with_meaning):
    russian = demo_with_meaning
    claim = mark(russian, "поезд северокорейского лидера уже находится в пути в Россию")
    best = matching.suggestions_for([claim])[claim.pk][0]
    assert best.across.statement == "Kereta Kim Jong Un telah berangkat dari Pyongyang menuju Rusia."
    assert best.method == expected_method()
    page = editor_client.get(f"/desk/articles/{russian.pk}/claims/matches/", HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    html = page.content.decode()
    offered = html[html.index("поезд северокорейского"):]
    assert offered.index("Kereta Kim Jong Un telah berangkat") < offered.index("Join: the same claim as")


def test_an_editor_joins_a_suggested_match_and_the_decision_is_kept_with_its_score(editor_client, editor, demo_with_meaning):
    claim = mark(demo_with_meaning, "поезд северокорейского лидера уже находится в пути в Россию")
    train = matching.suggestions_for([claim])[claim.pk][0].across
    response = editor_client.post(f"/desk/claims/{claim.pk}/matches/decide/", {"across": train.pk, "version": claim.version, "decision": "join"})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.across_id == train.pk
    decision = ClaimMatch.objects.get(claim=claim, candidate=train)
    assert decision.decision == "joined" and decision.decided_by == editor
    assert 0.5 <= decision.score <= 1 and expected_method() in decision.how and "meaning" in decision.how


def test_a_dismissed_match_is_kept_and_not_offered_again(editor_client, demo_with_meaning):
    claim = mark(demo_with_meaning, "поезд северокорейского лидера уже находится в пути в Россию")
    first = matching.suggestions_for([claim])[claim.pk][0].across
    response = editor_client.post(f"/desk/claims/{claim.pk}/matches/decide/", {"across": first.pk, "version": claim.version, "decision": "dismiss"})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.across_id != first.pk
    assert ClaimMatch.objects.get(claim=claim, candidate=first).decision == "dismissed"
    assert first.pk not in [s.across.pk for s in matching.suggestions_for([claim])[claim.pk]]


def test_a_decision_on_a_stale_claim_is_refused_and_nothing_is_joined(editor_client, demo_with_meaning):
    claim = mark(demo_with_meaning, "поезд северокорейского лидера уже находится в пути в Россию")
    train = matching.suggestions_for([claim])[claim.pk][0].across
    response = editor_client.post(f"/desk/claims/{claim.pk}/matches/decide/", {"across": train.pk, "version": claim.version + 5, "decision": "join"})
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.across_id != train.pk
    assert not ClaimMatch.objects.filter(claim=claim).exists()


def test_a_bad_decision_is_refused_with_a_message(editor_client, demo_with_meaning):
    claim = mark(demo_with_meaning, "поезд северокорейского лидера уже находится в пути в Россию")
    response = editor_client.post(f"/desk/claims/{claim.pk}/matches/decide/", {"across": "999999", "version": claim.version, "decision": "join"})
    assert response.status_code == 422
    assert "no longer appears in any story" in response.content.decode()


def test_a_short_statement_is_only_ever_suggested_never_almost_certain():
    story = make_article(body="Kim Jong Un's train has left Pyongyang for Russia. The train has left.", language="en")
    other = make_article(body="The train has left. Nothing more is known.", language="en")
    long_one = mark(other, "The train has left. Nothing more is known.")
    short = mark(story, "The train has left.")
    assert matching.word_count(short.statement) < matching.SHORT_STATEMENT
    exact_twin = mark(make_article(body="The train has left.", language="en"), "The train has left.")
    found = {s.across.pk: s for s in matching.suggestions_for([short], minimum=0.0)[short.pk]}
    assert found[exact_twin.across_id].score >= matching.ALMOST_CERTAIN_AT, "the same words: as close as can be"
    assert not found[exact_twin.across_id].almost_certain
    assert long_one.across_id in found


def test_a_long_statement_told_again_in_other_words_is_almost_certain():
    words = "Kim Jong Un's armoured train has left Pyongyang for Russia, where he will meet Vladimir Putin."
    first = mark(make_article(body=words, language="en"), words)
    again = "Kim Jong Un's armoured train left Pyongyang for Russia, where he is to meet Vladimir Putin."
    second = mark(make_article(body=again, language="en"), again)
    best = matching.suggestions_for([second])[second.pk][0]
    assert best.across.pk == first.across_id and best.almost_certain


def test_words_in_unspaced_scripts_are_counted_by_characters():
    assert matching.word_count("The train has left for Russia today") == 7
    assert matching.word_count("金正恩的专列已离开平壤前往俄罗斯") == 8


def test_without_pgvector_claims_are_still_matched_by_words_entities_and_recent_meaning(demo_with_meaning, monkeypatch):
    # The same code a server without pgvector runs (CI also runs this file against one).
    monkeypatch.setattr(meaning, "column_type", lambda: "real[]")
    claim = mark(demo_with_meaning, "поезд северокорейского лидера уже находится в пути в Россию")
    best = matching.suggestions_for([claim])[claim.pk][0]
    assert best.method == "words, entities and recent statements"
    assert best.across.statement == "Kereta Kim Jong Un telah berangkat dari Pyongyang menuju Rusia."


def test_the_suggestions_take_a_fixed_number_of_queries(demo_with_meaning, django_assert_max_num_queries):
    story = demo_story("Kereta Kim Jong Un berangkat")
    claims = list(story.claims.select_related("article"))
    matching.suggestions_for(claims)  # the entities' frequencies are read once a process
    with django_assert_max_num_queries(16):  # 15 through pgvector (3 set the search breadth), 13 without
        matching.suggestions_for(claims)
    more = [mark(story, words) for words in ("Kremlin mengumumkan secara resmi", "Juru bicara Kremlin Dmitry Peskov")]
    claims += [Claim.objects.select_related("article").get(pk=c.pk) for c in more]
    with django_assert_max_num_queries(16):  # as many for more claims
        matching.suggestions_for(claims)


def test_vectors_are_kept_as_the_server_allows():
    # .ci/run names the column type each of its two runs must find (the embedded server has
    # pgvector; the one at 127.0.0.1:5432 has not); `make test` alone uses the embedded one.
    assert meaning.column_type() == os.environ.get("NEWSDESK_EXPECT_VECTORS", "vector")


def test_a_blank_statement_never_keeps_embed_statements_running():
    claim = mark(make_article(body="The train has left Pyongyang.", language="en"), "The train has left Pyongyang.")
    Claim.objects.filter(pk=claim.pk).update(statement="   ")  # a path that skips save()
    call_command("embed_statements", verbosity=0)  # ends, with nothing to give a meaning to
    assert meaning.statements_to_embed() == []


def test_a_stale_dismissal_is_refused_and_nothing_is_kept(editor_client, demo_with_meaning):
    claim = mark(demo_with_meaning, "поезд северокорейского лидера уже находится в пути в Россию")
    first = matching.suggestions_for([claim])[claim.pk][0].across
    response = editor_client.post(
        f"/desk/claims/{claim.pk}/matches/decide/", {"across": first.pk, "version": claim.version + 1, "decision": "dismiss"}
    )
    assert response.status_code == 409
    assert not ClaimMatch.objects.filter(claim=claim).exists()


def test_a_joined_match_split_off_again_is_offered_again(editor_client, demo_with_meaning):
    claim = mark(demo_with_meaning, "поезд северокорейского лидера уже находится в пути в Россию")
    train = matching.suggestions_for([claim])[claim.pk][0].across
    editor_client.post(f"/desk/claims/{claim.pk}/matches/decide/", {"across": train.pk, "version": claim.version, "decision": "join"})
    claim.refresh_from_db()
    claim.split_off(by=None, expected_version=claim.version)
    assert train.pk in [s.across.pk for s in matching.suggestions_for([claim])[claim.pk]]


def test_a_long_claim_against_a_short_one_is_never_almost_certain():
    words = "The train has left Pyongyang, officials in Seoul said on Sunday night."
    long_claim = mark(make_article(body=words, language="en"), words)
    short = mark(make_article(body="The train has left.", language="en"), "The train has left.")
    other_long = mark(make_article(body=words + " Again.", language="en"), words + " Again.")
    close = {"meaning": 0.95, "entities": 0.0, "figures": 0.0, "time": 1.0}
    assert matching.ClaimSuggestion(long_claim, other_long.across, 0.95, close).almost_certain
    assert not matching.ClaimSuggestion(long_claim, short.across, 0.95, close).almost_certain


def test_a_join_sent_twice_joins_once_and_answers_both(editor_client, demo_with_meaning):
    claim = mark(demo_with_meaning, "поезд северокорейского лидера уже находится в пути в Россию")
    train = matching.suggestions_for([claim])[claim.pk][0].across
    sent = {"across": train.pk, "version": claim.version, "decision": "join"}
    first = editor_client.post(f"/desk/claims/{claim.pk}/matches/decide/", sent)
    again = editor_client.post(f"/desk/claims/{claim.pk}/matches/decide/", sent)  # the same version, now stale
    assert (first.status_code, again.status_code) == (200, 200)
    assert "The claim is now one with" in again.content.decode()
    assert ClaimMatch.objects.filter(claim=claim).count() == 1
