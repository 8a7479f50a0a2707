"""Attacks on corrections (issue 19): each test here failed before its fix."""

import re

import pytest

from annotations import corrections
from annotations.models import AnchorState, Mention
from annotations.tests.makers import make_entity
from articles.reanchoring import Outcome, Span, reanchor
from articles.tests.makers import make_article


def span_at(text: str, words: str, nth: int = 0, key=None) -> Span:
    start = [m.start() for m in re.finditer(re.escape(words), text)][nth]
    return Span(key if key is not None else (words, nth), start, start + len(words), words)


def sentence_of(text: str, offset: int) -> str:
    return next(m.group().strip() for m in re.finditer(r"[^.\n]+\.?", text) if m.start() <= offset < m.end())


@pytest.mark.parametrize("old, new", [
    # Two sentences of one paragraph traded.
    ("Moon said Kim was candid. Yonhap said Kim left.", "Yonhap said Kim left. Moon said Kim was candid."),
    ("Kim said the talks went well. Kim Jong Un met Moon Jae-in in Seoul. The talks lasted an hour. Kim met Putin. "
     "Officials in Seoul said Kim left by train. Donald Trump met Kim Jong Un in Hanoi.",
     "Kim said the talks went well. Donald Trump met Kim Jong Un in Hanoi. The talks lasted an hour. Kim met Putin. "
     "Officials in Seoul said Kim left by train. Kim Jong Un met Moon Jae-in in Seoul."),
    # Two short paragraphs traded (each under the 40 characters diffed letter by letter).
    ("Moon met Kim in Seoul.\n\nThe talks lasted an hour.\n\nTrump met Kim in Hanoi.",
     "Trump met Kim in Hanoi.\n\nThe talks lasted an hour.\n\nMoon met Kim in Seoul."),
])
def test_a_span_never_moves_silently_into_another_sentence_when_sentences_are_traded(old, new):
    spans = [span_at(old, words, nth) for words in ("Kim", "Kim Jong Un", "said", "met")
             for nth in range(len(re.findall(re.escape(words), old)))]
    for span, placement in zip(spans, reanchor(old, new, spans)):
        if placement.outcome == Outcome.MOVED:
            assert sentence_of(new, placement.start) == sentence_of(old, span.start), (span, placement)


def test_a_correction_trading_two_sentences_never_swaps_two_mentions_of_different_people(db, editor):
    body = "Moon said Kim was candid. Yonhap said Kim left."
    story = make_article(title="Talks", body=body, language="en")
    sister, leader = make_entity(name="Kim Yo Jong"), make_entity(name="Kim Jong Un")
    first = Mention.objects.create(article=story, entity=sister, start=10, end=13, exact="Kim")
    second = Mention.objects.create(article=story, entity=leader, start=38, end=41, exact="Kim")
    new = "Yonhap said Kim left. Moon said Kim was candid."
    corrections.correct(story, body=new, by=editor, note="Order")

    for mention, sentence in ((first, "Moon said Kim was candid."), (second, "Yonhap said Kim left.")):
        mention.refresh_from_db()
        if mention.anchor_state == AnchorState.PLACED:
            assert sentence_of(new, mention.start) == sentence, mention.entity.name


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999999"])
def test_the_review_queue_answers_a_strange_story_number_without_a_server_error(editor_client, value):
    response = editor_client.get("/desk/review/", {"article": value})
    assert response.status_code in (200, 404)
