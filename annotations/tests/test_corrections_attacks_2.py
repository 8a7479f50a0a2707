"""Second attack on corrections (issue 19): leaks of spans in review or orphaned to the public,
the desk after a correction, the admin, imports."""

import json

from django.urls import reverse

from annotations import corrections
from annotations.models import (
    AnchorReview, AnchorState, AttributionSpec, Claim, EvidenceSpec, Mention,
)
from annotations.tests.makers import make_entity
# The story (a fixture) and the helpers that tag, mark and correct it are test_corrections.py's.
from annotations.tests.test_corrections import BODY, PARAGRAPHS, claim_on, corrected, story, tag  # noqa: F401
from articles.models import Article, ArticleVersion, Source
from articles.tests.makers import make_source


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


def article_events(story, label="update"):
    from annotations.history import event_model

    return list(event_model(Article).objects.filter(pgh_obj_id=story.pk, pgh_label=label).order_by("pgh_id"))


def test_undoing_a_corrections_change_of_the_text_from_the_history_is_refused_with_words(story, editor, maintainer_client):
    from annotations import history

    story.status = Article.Status.DRAFT
    story.save()
    kim = tag(story, "Kim Jong Un")
    corrected(story, "Editor's note.\n\n" + BODY, by=editor)
    kim.refresh_from_db()
    last = article_events(story)[-1]
    url = reverse("desk:history-undo", args=[story.pk, "article", last.pgh_id])
    response = maintainer_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code < 500
    story.refresh_from_db()
    assert story.body == "Editor's note.\n\n" + BODY  # the text changes only as a new version
    assert story.versions.get(state=ArticleVersion.State.CURRENT).body == story.body


def test_undoing_a_corrections_change_of_a_text_without_spans_keeps_the_versions_true(story, editor, maintainer):
    from annotations import history

    story.status = Article.Status.DRAFT
    story.save()
    corrected(story, "Editor's note.\n\n" + BODY, by=editor)
    last = article_events(story)[-1]
    try:
        history.undo(story, "article", last.pgh_id, user=maintainer)
    except history.CannotUndo:
        pass
    story.refresh_from_db()
    assert story.versions.get(state=ArticleVersion.State.CURRENT).body == story.body
    assert story.text_version == story.versions.get(state=ArticleVersion.State.CURRENT).number


REWORDED = BODY.replace("reported that the train had left Pyongyang", "reported that the train had already left Pyongyang")


def test_undoing_an_accepted_new_place_from_the_history_never_leaves_a_claim_hidden_with_nothing_to_review(story, editor, maintainer):
    from annotations import history
    from annotations.history import event_model

    claim = claim_on(story, "Yonhap, citing an unnamed official, reported that the train had left Pyongyang")
    corrected(story, REWORDED, by=editor)
    corrections.decide(AnchorReview.objects.get(claim=claim), AnchorReview.Decision.ACCEPTED, by=editor)
    accepted = event_model(Claim).objects.filter(pgh_obj_id=claim.pk, pgh_label="update").order_by("-pgh_id").first()
    try:
        history.undo(story, "claim", accepted.pgh_id, user=maintainer)
    except history.CannotUndo as error:
        assert "review" in str(error)
    claim.refresh_from_db()
    # Either it is placed (and public), or it waits in the queue where an editor can decide it.
    assert claim.anchor_state == AnchorState.PLACED or AnchorReview.objects.open().filter(claim=claim).exists()


def test_restoring_a_mention_removed_from_the_review_queue_never_leaves_it_hidden_with_nothing_to_review(story, editor, maintainer):
    from annotations import history
    from annotations.history import event_model

    yonhap = tag(story, "Yonhap, citing an unnamed official")
    corrected(story, BODY.replace("Yonhap, citing an unnamed official", "Yonhap, citing one unnamed official"), by=editor)
    yonhap.refresh_from_db()
    assert yonhap.anchor_state == AnchorState.REVIEW
    corrections.decide(AnchorReview.objects.get(mention=yonhap), AnchorReview.Decision.REMOVED, by=editor)
    deleted = event_model(Mention).objects.get(pgh_obj_id=yonhap.pk, pgh_label="delete")
    history.undo(story, "mention", deleted.pgh_id, user=maintainer)
    back = Mention.objects.get(pk=yonhap.pk)  # restored as it was: waiting, and in the queue again
    assert back.anchor_state == AnchorState.REVIEW
    assert AnchorReview.objects.open().get(mention=back).reason == "restored"


def test_a_pending_version_cannot_be_withheld_and_so_never_becomes_a_current_text_withheld(story, editor, maintainer_client):
    pending, carried = corrections.propose(story, title=story.title, body=BODY.replace("on Monday", "on Tuesday"))
    assert pending.state == ArticleVersion.State.PENDING and carried is None
    url = reverse("admin:articles_articleversion_change", args=[pending.pk])
    maintainer_client.post(url, {"withheld": "on", "withheld_reason": "A court order"})
    corrections.accept(ArticleVersion.objects.get(pk=pending.pk), by=editor)
    current = story.versions.get(state=ArticleVersion.State.CURRENT)
    assert not current.withheld
    assert ArticleVersion.objects.filter(withheld=True).count() == 0


def jsonl(tmp_path, name, **record):
    path = tmp_path / name
    path.write_text(json.dumps({"title": "Kim goes to Russia", "language": "en", "publisher": {"name": "Daily"}, **record}) + "\n")
    return path


def claim_record(body, words):
    start = body.index(words)
    return {"start": start, "end": start + len(words), "exact": words, "statement": words, "chain": [], "evidence": [],
            "history": []}


def test_a_changed_story_whose_record_carries_its_claims_is_reported_as_changed_not_as_failing(db, tmp_path):
    from articles.importing import import_paths

    url = "https://daily.example/kim-russia"
    words = "South Korean officials said on Monday"
    import_paths([jsonl(tmp_path, "one.jsonl", url=url, body=BODY, claims=[claim_record(BODY, words)])])
    changed = "A new first paragraph.\n\n" + BODY
    report = import_paths([jsonl(tmp_path, "two.jsonl", url=url, body=changed, claims=[claim_record(changed, words)])])
    assert report.changed == 1
    assert report.failed == 0, report.messages
