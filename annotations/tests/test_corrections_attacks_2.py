"""Second attack on corrections (issue 19): leaks of spans in review or orphaned to the public,
the desk after a correction, the admin, imports."""

import json
import re

import pytest
from django.urls import reverse

from annotations import corrections
from annotations.models import (
    AnchorReview, AnchorState, Attribution, AttributionSpec, Claim, Entity, Evidence, EvidenceSpec, Mention,
)
from annotations.tests.makers import make_entity
from articles.models import Article, ArticleVersion, Source
from articles.tests.makers import make_article, make_source

PARAGRAPHS = [
    "Kim Jong Un travelled to Russia by train, South Korean officials said on Monday.",
    "The Kremlin said the visit would take place in the coming days at the invitation of Vladimir Putin.",
    "Yonhap, citing an unnamed official, reported that the train had left Pyongyang for Vladivostok.",
]
BODY = "\n\n".join(PARAGRAPHS)


@pytest.fixture
def story(db) -> Article:
    return make_article(title="Kim goes to Russia", body=BODY, language="en")


def tag(story: Article, words: str, entity: Entity | None = None, nth: int = 0) -> Mention:
    start = [m.start() for m in re.finditer(re.escape(words), story.body)][nth]
    return Mention.objects.create(article=story, entity=entity or make_entity(name=words), start=start,
                                  end=start + len(words), exact=words)


def claim_on(story: Article, words: str, **extra) -> Claim:
    start = story.body.index(words)
    return Claim.record(story, start=start, end=start + len(words), exact=words, **extra)


def corrected(story: Article, body: str, **kwargs):
    kwargs.setdefault("note", "Fixed in a test")
    return corrections.correct(story, body=body, **kwargs)


def quoted_claim(story, status="reported"):
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    quote = "at the invitation of Vladimir Putin"
    start = story.body.index(quote)
    return claim_on(story, "Kim Jong Un travelled to Russia by train",
                    chain=[AttributionSpec(kremlin, "speaker", "on_record")],
                    evidence=EvidenceSpec("quote", position=0, start=start, end=start + len(quote), exact=quote),
                    status=status)


def test_an_orphaned_quote_of_a_claim_not_confirmed_is_not_shown_to_readers_as_the_storys_words(story, editor, client):
    claim = quoted_claim(story)
    corrected(story, "\n\n".join([PARAGRAPHS[0], PARAGRAPHS[2]]), by=editor, public_note="A paragraph was wrong.")
    assert claim.evidence.get().anchor_state == AnchorState.ORPHANED
    claim.refresh_from_db()
    assert Claim.objects.published().filter(pk=claim.pk).exists()  # the claim itself still stands
    for url in (story.get_absolute_url(), claim.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "at the invitation of Vladimir Putin" not in page, url


def test_an_orphaned_cue_is_not_shown_to_readers_as_the_quote_of_its_claim(story, editor, client):
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    cue = "at the invitation of Vladimir Putin"
    start = story.body.index(cue)
    claim = claim_on(story, "Kim Jong Un travelled to Russia by train",
                     chain=[AttributionSpec(kremlin, "speaker", "on_record", start=start, end=start + len(cue), exact=cue)],
                     evidence=EvidenceSpec("quote", position=0), status="reported")
    corrected(story, "\n\n".join([PARAGRAPHS[0], PARAGRAPHS[2]]), by=editor, public_note="A paragraph was wrong.")
    assert claim.attributions.get().anchor_state == AnchorState.ORPHANED
    assert Claim.objects.published().filter(pk=claim.pk).exists()
    for url in (story.get_absolute_url(), claim.get_absolute_url()):
        page = client.get(url).content.decode()
        assert cue not in page, url


def test_an_orphaned_mention_does_not_block_suggestions_at_its_stale_offsets(story, editor):
    from annotations.suggestions import suggestions_for

    kim = tag(story, "Kim Jong Un")  # 0..11
    putin = make_entity(name="Putin")
    new_body = "Vladimir Putin said the visit would take place.\n\n" + PARAGRAPHS[2]
    corrected(story, new_body, by=editor)
    kim.refresh_from_db()
    assert kim.anchor_state == AnchorState.ORPHANED
    story.refresh_from_db()
    assert [(s.entity, s.exact) for s in suggestions_for(story)] == [(putin, "Putin")]


def test_tagging_the_words_now_at_an_orphans_old_offsets_makes_a_mention_not_the_orphan(story, editor, editor_client):
    kim = tag(story, "Kim Jong Un")  # 0..11, orphaned below
    new_body = BODY.replace("Kim Jong Un travelled", "Moon Jae In travelled")
    corrected(story, new_body, by=editor)
    kim.refresh_from_db()
    assert kim.anchor_state == AnchorState.ORPHANED and (kim.start, kim.end) == (0, 11)
    data = {"start": 0, "end": 11, "exact": "Moon Jae In", "entity": kim.entity_id}
    response = editor_client.post(reverse("desk:mention-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    placed = Mention.objects.filter(article=story, anchor_state=AnchorState.PLACED)
    assert [(m.start, m.end, m.exact) for m in placed] == [(0, 11, "Moon Jae In")], response.content.decode()[-3000:]
