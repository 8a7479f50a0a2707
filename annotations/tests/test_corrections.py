"""Corrections (issue 19): a story's text changes as a new version, and every annotation follows
its words, waits for review, or is orphaned — on the desk, on the public pages, in the exports,
through an import, and whatever path changes a body."""

import json
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from annotations import corrections
from annotations.models import (
    AnchorReview, AnchorState, Attribution, AttributionSpec, Claim, Entity, Evidence, EvidenceSpec, Mention,
)
from annotations.tests.makers import add_attribution, make_entity, make_mention
from articles.importing import import_paths
from articles.models import Article, ArticleVersion, Source
from articles.tests.makers import make_article, make_source
from articles.tests.makers import post_import

HTMX = {"HX-Request": "true"}
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


def test_a_paragraph_inserted_at_the_top_moves_every_annotation_with_its_words(story, editor):
    kim, putin = tag(story, "Kim Jong Un"), tag(story, "Vladimir Putin")
    claim = claim_on(story, "the visit would take place in the coming days")
    new_body = "Editor's note: this story was updated.\n\n" + BODY
    version, carried = corrected(story, new_body, by=editor, public_note="A note was added.")

    assert (carried.moved, carried.review, carried.orphaned) == (3, 0, 0)
    for span in (kim, putin, claim):
        span.refresh_from_db()
        assert span.anchor_state == AnchorState.PLACED
        assert new_body[span.start:span.end] == span.exact
        assert span.prefix == new_body[max(0, span.start - 32):span.start]
    story.refresh_from_db()
    assert story.body == new_body
    assert [(v.number, v.state, v.origin) for v in story.versions.order_by("number")] == [
        (1, "earlier", "original"), (2, "current", "desk")]
    assert version.created_by == editor and version.accepted_by == editor
    assert version.corrects_public and story.versions.get(number=1).was_public
    assert not AnchorReview.objects.exists()


def test_a_reworded_claim_waits_for_review_hidden_from_the_public_until_accepted(story, editor, client):
    claim = claim_on(story, "Yonhap, citing an unnamed official, reported that the train had left Pyongyang")
    reworded = BODY.replace("reported that the train had left Pyongyang", "reported that the train had already left Pyongyang")
    _, carried = corrected(story, reworded, by=editor)

    claim.refresh_from_db()
    assert carried.review == 1 and claim.anchor_state == AnchorState.REVIEW
    assert reworded[claim.start:claim.end] == claim.exact  # placed on the best candidate
    assert not Claim.objects.published().filter(pk=claim.pk).exists()
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'data-claims="{claim.pk}"' not in page and "had already left" in page
    export = client.get(reverse("articles:annotations", args=[story.slug])).json()
    assert export["total"] == 0

    review = AnchorReview.objects.get(claim=claim)
    assert (review.state, review.old_exact) == ("review", "Yonhap, citing an unnamed official, reported that the train had left Pyongyang")
    message = corrections.decide(review, AnchorReview.Decision.ACCEPTED, by=editor)
    assert "accepted" in message
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.PLACED
    assert Claim.objects.published().filter(pk=claim.pk).exists()
    assert AnchorReview.objects.get(pk=review.pk).decided_by == editor


def test_a_deleted_paragraph_orphans_its_annotations_which_keep_their_old_words_and_version(story, editor):
    yonhap = tag(story, "Yonhap")
    kim = tag(story, "Kim Jong Un")
    new_body = "\n\n".join(PARAGRAPHS[:2])
    _, carried = corrected(story, new_body, by=editor)

    yonhap.refresh_from_db()
    kim.refresh_from_db()
    assert carried.orphaned == 1 and carried.moved == 1
    assert yonhap.anchor_state == AnchorState.ORPHANED and yonhap.exact == "Yonhap"
    assert yonhap.orphaned_in.number == 1 and yonhap.orphaned_in.body[yonhap.start:yonhap.end] == "Yonhap"
    assert kim.anchor_state == AnchorState.PLACED
    # Saved again through the model (the admin, an undo), an orphan is checked against its version's text.
    yonhap.save()
    review = AnchorReview.objects.get(mention=yonhap)
    assert review.state == "orphaned" and review.new_start is None


def test_an_orphan_is_placed_anew_on_words_the_editor_selects_and_only_on_the_story_s_words(story, editor):
    yonhap = tag(story, "Yonhap")
    new_body = "\n\n".join([*PARAGRAPHS[:2], "The agency Yonhap later withdrew its report."])
    corrected(story, new_body.replace("Yonhap", "YNA"), by=editor)
    review = AnchorReview.objects.get(mention=yonhap)
    story.refresh_from_db()
    with pytest.raises(Exception):
        corrections.decide(review, AnchorReview.Decision.PLACED, by=editor, start=0, end=3, exact="Yon")
    start = story.body.index("YNA")
    corrections.decide(review, AnchorReview.Decision.PLACED, by=editor, start=start, end=start + 3, exact="YNA")
    yonhap.refresh_from_db()
    assert (yonhap.anchor_state, yonhap.exact, yonhap.orphaned_in) == (AnchorState.PLACED, "YNA", None)
    with pytest.raises(Exception, match="decided"):
        corrections.decide(review, AnchorReview.Decision.REMOVED, by=editor)


def test_a_confirmed_claim_whose_quote_is_orphaned_goes_to_review(story, editor):
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    quote = "the visit would take place in the coming days at the invitation of Vladimir Putin"
    start = story.body.index(quote)
    claim = claim_on(
        story, "the visit would take place in the coming days",
        chain=[AttributionSpec(kremlin, "speaker", "on_record")],
        evidence=EvidenceSpec("quote", position=0, start=start, end=start + len(quote), exact=quote),
        status="confirmed",
    )
    # The claim's own words stay; the quote around them is cut down.
    new_body = BODY.replace(" at the invitation of Vladimir Putin", "")
    corrected(story, new_body, by=editor)
    evidence = claim.evidence.get()
    claim.refresh_from_db()
    assert evidence.anchor_state in (AnchorState.ORPHANED, AnchorState.REVIEW)
    assert claim.anchor_state == AnchorState.REVIEW
    assert not Claim.objects.published().filter(pk=claim.pk).exists()
    review = AnchorReview.objects.get(evidence=evidence)
    corrections.decide(review, AnchorReview.Decision.REMOVED, by=editor)
    claim.refresh_from_db()
    evidence.refresh_from_db()
    assert claim.anchor_state == AnchorState.PLACED and evidence.start is None
    assert claim.status == "confirmed"  # the evidence stays; only its words are unmarked


def test_paragraphs_traded_with_the_same_names_move_without_breaking_a_unique_place(story, editor):
    entity = make_entity(name="Kremlin")
    first = "The Kremlin said one thing."
    second = "The Kremlin said another."
    body = f"{first}\n\n{second}"
    trade = make_article(body=body)
    a, b = tag(trade, "Kremlin", entity, 0), tag(trade, "Kremlin", entity, 1)
    # Same length paragraphs would trade places exactly; pad so a's new place is b's old one.
    swapped = f"{second}\n\n{first}"
    _, carried = corrected(trade, swapped, by=editor)
    a.refresh_from_db()
    b.refresh_from_db()
    assert {a.start, b.start} == {m.start() for m in re.finditer("Kremlin", swapped)}
    assert carried.orphaned == 0


def test_a_correction_must_say_why_and_change_something_and_start_from_the_current_version(story, editor):
    with pytest.raises(Exception, match="Say why"):
        corrections.correct(story, body=BODY + " More.", by=editor)
    with pytest.raises(Exception, match="unchanged"):
        corrected(story, BODY, by=editor)
    corrected(story, BODY + " More.", by=editor, expected_version=1)
    with pytest.raises(Exception, match="corrected while you were editing"):
        corrected(story, BODY + " Other.", by=editor, expected_version=1)
    assert story.versions.count() == 2


def test_a_body_changed_on_any_other_path_is_refused_if_a_span_would_stand_on_other_words(story):
    tag(story, "Kim Jong Un")
    story.body = "Someone else travelled."
    with pytest.raises(Exception, match="Correct the text"):
        story.save()
    # Raw SQL, past every Django check: refused at commit by the database.
    with pytest.raises(IntegrityError, match="spans_follow_body"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE articles_article SET body = 'X' || body WHERE id = %s", [story.pk])
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # A change that leaves every span on its words is the database's to allow.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET body = body || ' End.' WHERE id = %s", [story.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_an_orphaned_quote_keeps_its_words_against_its_version_in_the_claim_rules(story, editor):
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    quote = "at the invitation of Vladimir Putin"
    start = story.body.index(quote)
    claim = claim_on(story, "Kim Jong Un travelled to Russia by train",
                     chain=[AttributionSpec(kremlin, "speaker", "on_record")],
                     evidence=EvidenceSpec("quote", position=0, start=start, end=start + len(quote), exact=quote),
                     status="confirmed")
    corrected(story, "\n\n".join([PARAGRAPHS[0], PARAGRAPHS[2]]), by=editor)
    evidence = claim.evidence.get()
    assert evidence.anchor_state == AnchorState.ORPHANED
    # The claim rules still hold at commit: the orphan's words are its version's.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_claim SET note = 'checked' WHERE id = %s", [claim.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_evidence SET exact = 'other words' WHERE id = %s", [evidence.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_public_page_shows_the_correction_note_and_earlier_versions_stay_readable(story, editor, client, maintainer_client):
    corrected(story, BODY.replace("on Monday", "on Tuesday"), by=editor, public_note="The day of the trip was wrong.")
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Corrected on" in page and "The day of the trip was wrong." in page
    graph = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    news = next(node for node in graph["@graph"] if node["@type"] == "NewsArticle")
    assert news["correction"][0]["@type"] == "CorrectionComment"
    assert news["correction"][0]["text"] == "The day of the trip was wrong."

    earlier = client.get(reverse("articles:version", args=[story.slug, 1]))
    assert earlier.status_code == 200 and "on Monday" in earlier.content.decode()
    assert client.get(reverse("articles:version", args=[story.slug, 2])).status_code == 302  # the current one
    assert client.get(reverse("articles:version", args=[story.slug, 9])).status_code == 404

    export = client.get(reverse("articles:annotations", args=[story.slug])).json()
    assert export["total"] == 0  # no annotations, but the collection still names its version
    tag(story, "Kim Jong Un")
    export = client.get(reverse("articles:annotations", args=[story.slug])).json()
    state = export["first"]["items"][0]["target"]["state"]
    assert state["type"] == "TimeState" and state["cached"].endswith(f"/articles/{story.slug}/versions/2/")

    # Withheld by a maintainer, with a reason: gone for readers, and said so.
    version = story.versions.get(number=1)
    url = reverse("admin:articles_articleversion_change", args=[version.pk])
    refused = maintainer_client.post(url, {"withheld": "on", "withheld_reason": ""})
    assert refused.status_code == 200 and not ArticleVersion.objects.get(pk=version.pk).withheld
    maintainer_client.post(url, {"withheld": "on", "withheld_reason": "A court order"})
    assert ArticleVersion.objects.get(pk=version.pk).withheld
    gone = client.get(reverse("articles:version", args=[story.slug, 1]))
    assert gone.status_code == 410 and "on Monday" not in gone.content.decode()
    assert "withheld" in gone.content.decode()
    assert "The day of the trip was wrong." in client.get(story.get_absolute_url()).content.decode()


def test_a_draft_s_versions_are_not_public(db, editor, client):
    draft = make_article(body=BODY, status=Article.Status.DRAFT)
    corrected(draft, BODY + " More.", by=editor, public_note="More.")
    assert client.get(reverse("articles:version", args=[draft.slug, 1])).status_code == 404
    assert not draft.versions.get(number=2).corrects_public


def test_the_desk_corrects_compares_and_reviews(story, editor, editor_client):
    claim = claim_on(story, "Yonhap, citing an unnamed official, reported that the train had left Pyongyang")
    tag(story, "Kim Jong Un")
    url = reverse("desk:article-correct", args=[story.pk])
    form = editor_client.get(url)
    assert form.status_code == 200 and "Kim Jong Un travelled" in form.content.decode()
    refused = editor_client.post(url, {"version": 1, "title": story.title, "body": BODY + " More.", "note": "", "public_note": ""})
    assert refused.status_code == 422 and "Say why" in refused.content.decode()
    reworded = BODY.replace("had left Pyongyang", "had departed from Pyongyang")
    done = editor_client.post(url, {"version": 1, "title": story.title, "body": reworded.replace("\n", "\r\n"),
                                    "note": "", "public_note": "The wording was made clearer."}, follow=True)
    text = done.content.decode()
    assert "Corrected: version 2" in text and "1 moved with their words, 1 to review, 0 orphaned" in text
    assert "hl-review" in text and "Review them" in text

    versions = editor_client.get(reverse("desk:article-versions", args=[story.pk])).content.decode()
    assert '<del class="diff-removed">' in versions and '<ins class="diff-added">' in versions
    assert "departed" in versions

    queue = editor_client.get(reverse("desk:review-queue")).content.decode()
    review = AnchorReview.objects.get(claim=claim)
    assert f'id="review-{review.pk}"' in queue and "had left Pyongyang" in queue and "departed from" in queue
    answer = editor_client.post(reverse("desk:review-decide", args=[review.pk]), {"decision": "accepted"}, headers=HTMX)
    assert answer.status_code == 200 and "accepted" in answer.content.decode()
    again = editor_client.post(reverse("desk:review-decide", args=[review.pk]), {"decision": "accepted"}, headers=HTMX)
    assert again.status_code == 422
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.PLACED
    assert "Nothing waits for review." in editor_client.get(reverse("desk:review-queue")).content.decode()


def test_readers_and_strangers_cannot_reach_the_desk_s_correction_pages(story, client):
    for url in (reverse("desk:article-correct", args=[story.pk]), reverse("desk:review-queue"),
                reverse("desk:article-versions", args=[story.pk])):
        assert client.get(url).status_code == 302
    assert client.post(reverse("desk:article-correct", args=[story.pk]), {"body": "x"}).status_code == 302


def jsonl(tmp_path, name, **record):
    path = tmp_path / name
    path.write_text(json.dumps({"title": "Kim goes to Russia", "language": "en", "publisher": {"name": "Daily"}, **record}) + "\n")
    return path


def test_an_import_of_a_story_changed_upstream_makes_a_pending_version_that_an_editor_accepts(db, tmp_path, editor):
    url = "https://daily.example/kim-russia"
    import_paths([jsonl(tmp_path, "one.jsonl", url=url, body=BODY)])
    story = Article.objects.get(url=url)
    kim, yonhap = tag(story, "Kim Jong Un"), tag(story, "Yonhap")
    changed = "\n\n".join(["A new first paragraph.", *PARAGRAPHS[:2]])
    report = import_paths([jsonl(tmp_path, "two.jsonl", url=url, body=changed)])
    assert report.changed == 1
    assert "version 2, waiting for an editor" in report.messages[0]
    assert "1 moved with their words, 0 to review, 1 orphaned" in report.messages[0]
    assert "2 annotations wait on new versions to be accepted" in report.summary()
    story.refresh_from_db()
    assert story.body == BODY  # nothing changes until an editor accepts
    pending = story.versions.get(state="pending")
    # The same text again waits once.
    again = import_paths([jsonl(tmp_path, "three.jsonl", url=url, body=changed)])
    assert again.changed == 0 and story.versions.filter(state="pending").count() == 1

    carried = corrections.accept(pending, by=editor)
    assert (carried.moved, carried.review, carried.orphaned) == (1, 0, 1)
    story.refresh_from_db()
    kim.refresh_from_db()
    assert story.body == changed and changed[kim.start:kim.end] == "Kim Jong Un"


def test_a_publisher_whose_corrections_are_accepted_gets_them_at_once_and_ids_recognise_stories(db, tmp_path):
    import_paths([jsonl(tmp_path, "one.jsonl", id="story-17", body=BODY)])
    story = Article.objects.get(upstream_id="story-17")
    Source.objects.filter(pk=story.publisher_id).update(accepts_upstream_versions=True)
    tag(story, "Vladimir Putin")
    report = import_paths([jsonl(tmp_path, "two.jsonl", id="story-17", body="Breaking.\n\n" + BODY)])
    assert report.changed == 1 and "accepted" in report.messages[0]
    assert "annotations of the corrected stories: 1 moved with their words" in report.summary()
    story.refresh_from_db()
    assert story.body.startswith("Breaking.") and story.versions.get(state="current").origin == "upstream"
    assert Article.objects.count() == 1


def test_a_feed_item_s_guid_recognises_its_story_when_its_link_is_gone(db, tmp_path):
    def feed(body):
        path = tmp_path / "feed.xml"
        path.write_text(f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Daily</title>
            <item><guid isPermaLink="false">daily-42</guid><title>Kim goes to Russia</title>
            <description>{body}</description></item></channel></rss>""")
        return path

    import_paths([feed("Kim Jong Un travelled to Russia.")])
    assert Article.objects.get().upstream_id == "daily-42"
    report = import_paths([feed("Kim Jong Un travelled to Russia by train.")])
    assert report.changed == 1 and Article.objects.count() == 1
    assert Article.objects.get().versions.filter(state="pending").count() == 1


def test_a_claim_whose_status_changed_after_publication_says_so_on_its_timeline(story, editor, client):
    claim = claim_on(story, "Kim Jong Un travelled to Russia by train", chain=[
        AttributionSpec(make_source(name="Officials", kind=Source.Kind.GOVERNMENT), "speaker", "on_record")],
        status="reported")
    Claim.objects.filter(pk=claim.pk).update(created_at=story.published_at - __import__("datetime").timedelta(hours=1))
    claim.refresh_from_db()
    claim.change_status("disputed", by=editor, reason="Another outlet says otherwise", public_explanation="Disputed.")
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "changed after the story was published" in page


def test_the_desk_upload_says_what_a_changed_story_does_to_its_annotations(editor_client, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(body, name):
        line = json.dumps({"title": "Kim goes to Russia", "url": "https://daily.example/k", "body": body,
                           "publisher": {"name": "Daily"}})
        return SimpleUploadedFile(name, line.encode() + b"\n", content_type="application/jsonl")

    post_import(editor_client, {"file": upload(BODY, "a.jsonl"), "format": "auto"})
    story = Article.objects.get()
    tag(story, "Kim Jong Un")
    tag(story, "Yonhap")
    page = post_import(editor_client, {"file": upload("\n\n".join(PARAGRAPHS[:2]), "b.jsonl"),
                                                       "format": "auto"}).content.decode()
    assert "1 changed upstream (kept as new versions)" in page
    assert "2 annotations wait on new versions to be accepted" in page
    assert "1 moved with their words, 0 to review, 1 orphaned" in page  # the story's own line
    queue = editor_client.get(reverse("desk:review-queue")).content.decode()
    assert "New versions from upstream, waiting for an editor" in queue
    assert reverse("desk:article-versions", args=[story.pk]) in queue and "version 2, found" in queue
    versions = editor_client.get(reverse("desk:article-versions", args=[story.pk])).content.decode()
    assert "If you accept it, annotations: 1 move with their words, 0 go to review, 1 are orphaned." in versions
    answer = editor_client.post(reverse("desk:version-decide", args=[story.pk, 2]), {"decision": "accept"}, follow=True)
    assert "Version 2 is now the story&#x27;s text. Annotations: 1 moved with their words, 0 to review, 1 orphaned." in answer.content.decode()


def test_make_run_s_demo_has_a_story_corrected_after_publication_with_a_claim_to_review(db, client):
    from articles.demo_newsroom import correct_demo, load_demo

    load_demo()
    assert correct_demo() == 1 and correct_demo() == 0  # once
    story = Article.objects.get(url__endswith="/summit-en")
    assert story.text_version == 2 and "about five hours" in story.body
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Corrected on" in page and "they lasted about five" in page and "Version 1" in page
    review = AnchorReview.objects.get(article=story)
    assert review.claim.exact == "The talks lasted about five hours" and review.state == "review"


def test_two_publishers_numbering_their_items_alike_keep_two_stories(db, tmp_path):
    def feed(title, body):
        path = tmp_path / f"{title}.xml"
        path.write_text(f"""<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>
            <item><guid isPermaLink="false">1</guid><title>News of {title}</title>
            <description>{body}</description></item></channel></rss>""")
        return path

    report = import_paths([feed("Daily", "Kim Jong Un travelled."), feed("Weekly", "Putin waited.")])
    assert report.imported == 2 and report.changed == 0
    assert sorted(Article.objects.values_list("publisher__name", "upstream_id")) == [("Daily", "1"), ("Weekly", "1")]
    again = import_paths([feed("Weekly", "Putin waited in Vladivostok.")])
    weekly = Article.objects.get(publisher__name="Weekly")
    assert again.changed == 1 and weekly.versions.get(state="pending").body == "Putin waited in Vladivostok."
    assert not Article.objects.get(publisher__name="Daily").versions.exists()


def test_a_text_published_by_any_path_stays_readable_once_corrected(db, editor, client):
    draft = make_article(body=BODY, status=Article.Status.DRAFT)
    corrected(draft, BODY + " More.", by=editor)  # while a draft: version 1 never public
    # Published as the admin does it, by saving the status (not Article.publish()).
    draft.status = Article.Status.PUBLISHED
    draft.save()
    corrected(draft, BODY + " More, and more.", by=editor, public_note="More was added.")
    assert client.get(reverse("articles:version", args=[draft.slug, 1])).status_code == 404
    second = client.get(reverse("articles:version", args=[draft.slug, 2]))
    assert second.status_code == 200 and "More." in second.content.decode()


@pytest.mark.parametrize("offset", [0, 990, 995, 999, 1000, 1990, 2493])
def test_the_database_reads_every_span_of_a_long_text_right_whatever_piece_it_falls_in(db, offset):
    # The check cuts the text into pieces of 1,000 characters: a span across two pieces, at a
    # piece's edge or at the text's end is read whole, in a text of many scripts.
    filler = ("Kim 김정은 Путин 👩‍👩‍👧 " * 200)[:offset]
    body = filler + "Vladivostok" + "x" * max(0, 2504 - offset - 11)
    story = make_article(body=body)
    tag(story, "Vladivostok")
    with transaction.atomic(), connection.cursor() as cursor:  # the span's words stay: allowed
        cursor.execute("UPDATE articles_article SET body = body || ' end' WHERE id = %s", [story.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError, match="spans_follow_body"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET body = replace(body, 'Vladivostok', 'Vladivostoc') WHERE id = %s",
                       [story.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_claim_hidden_for_its_cue_is_shown_again_when_the_cue_goes_another_way(story, editor):
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    cue = "The Kremlin said"
    claim = claim_on(story, "the visit would take place in the coming days", chain=[
        AttributionSpec(kremlin, "speaker", "on_record", start=BODY.index(cue), end=BODY.index(cue) + len(cue), exact=cue)])
    corrected(story, BODY.replace("The Kremlin said", "The Kremlin's spokesman told reporters"), by=editor)
    claim.refresh_from_db()
    attribution = claim.attributions.get()
    assert attribution.anchor_state != AnchorState.PLACED and claim.anchor_state == AnchorState.REVIEW
    # The chain edited elsewhere (the admin, an undo): the waiting cue goes, and the claim with
    # nothing left waiting is the public's again.
    Evidence.objects.filter(claim=claim).delete()
    attribution.delete()
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.PLACED and not AnchorReview.objects.exists()


def test_a_turned_down_suggestion_follows_its_words_and_is_forgotten_where_they_changed(story, editor):
    from annotations.models import RejectedSuggestion

    putin, pyongyang = make_entity(name="Vladimir Putin"), make_entity(name="Pyongyang")
    at = BODY.index("Vladimir Putin")
    kept = RejectedSuggestion.objects.create(article=story, entity=putin, start=at, end=at + 14, rejected_by=editor)
    at = BODY.index("Pyongyang")
    RejectedSuggestion.objects.create(article=story, entity=pyongyang, start=at, end=at + 9, rejected_by=editor)
    new_body = "A first line.\n\n" + BODY.replace("left Pyongyang", "left the capital")
    corrected(story, new_body, by=editor)
    (row,) = RejectedSuggestion.objects.filter(article=story)
    assert (row.entity, new_body[row.start:row.end]) == (putin, "Vladimir Putin")
    assert row.rejected_at == kept.rejected_at and row.rejected_by == editor


def test_accepting_a_corrected_claim_words_its_statement_as_the_story_now_does_unless_an_editor_worded_it(story, editor):
    words = "the train had left Pyongyang for Vladivostok"
    quoted = claim_on(story, words)
    worded = claim_on(story, "Kim Jong Un travelled to Russia by train", statement="Kim went to Russia by train.")
    corrected(story, BODY.replace("had left Pyongyang", "had left the capital Pyongyang")
              .replace("travelled to Russia by train", "travelled to Russia by armoured train"), by=editor)
    for claim in (quoted, worded):
        review = AnchorReview.objects.get(claim=claim)
        message = corrections.decide(review, AnchorReview.Decision.ACCEPTED, by=editor)
        claim.refresh_from_db()
        assert claim.anchor_state == AnchorState.PLACED
    assert quoted.statement == quoted.exact == "the train had left the capital Pyongyang for Vladivostok"
    assert worded.statement == "Kim went to Russia by train." and "statement" not in message


def test_an_export_carries_a_story_s_upstream_id_so_that_it_imports_back_as_the_same_story(db, tmp_path):
    from articles.exporting import export_lines

    import_paths([jsonl(tmp_path, "one.jsonl", id=17, body=BODY)])
    story = Article.objects.get()
    assert story.upstream_id == "17"
    (line,) = export_lines()
    record = json.loads(line)
    assert record["id"] == "17"
    record["body"] = "Breaking.\n\n" + BODY
    path = tmp_path / "back.jsonl"
    path.write_text(json.dumps(record) + "\n")
    report = import_paths([path])
    assert report.changed == 1 and Article.objects.count() == 1


def test_an_editor_who_corrected_an_older_version_keeps_their_text_and_can_save_it_after_comparing(story, editor_client, editor):
    url = reverse("desk:article-correct", args=[story.pk])
    mine = {"version": 1, "title": story.title, "body": BODY + " My addition.", "note": "Mine", "public_note": ""}
    corrected(story, BODY + " A colleague's addition.", by=editor)  # saved first, in another tab
    refused = editor_client.post(url, mine)
    page = refused.content.decode()
    assert refused.status_code == 422 and "corrected while you were editing" in page
    assert "My addition." in page and 'name="version" value="2"' in page  # kept, now from version 2
    assert reverse("desk:article-versions", args=[story.pk]) in page
    again = editor_client.post(url, dict(mine, version=2))
    assert again.status_code == 302
    story.refresh_from_db()
    assert story.body.endswith("My addition.") and story.text_version == 3


def test_removing_a_claim_from_the_queue_asks_first_and_restoring_it_brings_it_back_to_the_queue(story, editor, editor_client):
    from annotations import history
    from annotations.history import event_model

    claim = claim_on(story, "the train had left Pyongyang for Vladivostok")
    corrected(story, BODY.replace("had left Pyongyang", "had left the capital Pyongyang"), by=editor)
    review = AnchorReview.objects.get(claim=claim)
    url = reverse("desk:review-decide", args=[review.pk])
    asked = editor_client.post(url, {"decision": "removed"}, headers=HTMX).content.decode()
    assert "with its chain and its status history" in asked and "Yes, remove it" in asked
    assert Claim.objects.filter(pk=claim.pk).exists()  # nothing removed on the first press
    done = editor_client.post(url, {"decision": "removed", "confirm": "on"}, headers=HTMX)
    assert done.status_code == 200 and not Claim.objects.filter(pk=claim.pk).exists()

    deleted = event_model(Claim).objects.get(pgh_obj_id=claim.pk, pgh_label="delete")
    history.undo(story, "claim", deleted.pgh_id, user=editor)
    back = Claim.objects.get(pk=claim.pk)
    assert back.anchor_state == AnchorState.REVIEW and not Claim.objects.published().filter(pk=claim.pk).exists()
    again = AnchorReview.objects.open().get(claim=back)
    assert again.reason == "restored"
    queue = editor_client.get(reverse("desk:review-queue")).content.decode()
    assert f'id="review-{again.pk}"' in queue and "restored from the history" in queue
    corrections.decide(again, AnchorReview.Decision.ACCEPTED, by=editor)
    assert Claim.objects.published().filter(pk=claim.pk).exists()


def test_a_span_still_waiting_after_a_second_correction_keeps_the_reason_it_waits_for(story, editor):
    claim = claim_on(story, "the train had left Pyongyang for Vladivostok")
    corrected(story, BODY.replace("had left Pyongyang", "had left the capital Pyongyang"), by=editor)
    corrected(story, "Editor's note.\n\n" + story.versions.get(state="current").body, by=editor)
    review = AnchorReview.objects.open().get(claim=claim)
    assert review.reason == "words_changed" and review.from_version.number == 1 and review.to_version.number == 3


def test_a_draft_is_corrected_without_a_note_and_the_desk_tells_what_corrections_left(db, editor, editor_client, client):
    draft = make_article(body=BODY, status=Article.Status.DRAFT)
    form = editor_client.get(reverse("desk:article-correct", args=[draft.pk])).content.decode()
    assert "Correction note for readers" not in form and "not published" in form
    saved = editor_client.post(reverse("desk:article-correct", args=[draft.pk]),
                               {"version": 1, "title": draft.title, "body": BODY + " More.", "note": ""})
    assert saved.status_code == 302
    tag(draft, "Yonhap")
    corrections.correct(draft, body=BODY.replace("Yonhap, citing", "The agency, citing") + " More.", note="")
    inbox = editor_client.get(reverse("desk:inbox")).content.decode()
    assert "1 annotation waits for a decision after a correction." in inbox
    workspace = editor_client.get(reverse("desk:article", args=[draft.pk])).content.decode()
    assert "version 3, corrected" in workspace
    same = editor_client.get(reverse("desk:article-versions", args=[draft.pk]), {"a": 2, "b": 2}).content.decode()
    assert "The two versions are the same." in same


def test_readers_see_until_when_each_earlier_version_read_so(story, editor, client):
    version, _ = corrected(story, BODY + " More.", by=editor, public_note="More.")
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Version 1</a>, as it read until" in page


def test_a_confirmation_whose_speaker_is_no_longer_named_waits_for_review(db, editor):
    body = ("The Kremlin confirmed that Kim Jong Un will visit Russia. Dmitry Peskov announced the visit on the record.\n\n"
            "Yonhap reported the train had left.")
    story = make_article(body=body)
    peskov = make_source(name="Dmitry Peskov", kind=Source.Kind.PERSON)
    claim = claim_on(story, "Kim Jong Un will visit Russia", chain=[AttributionSpec(peskov, "speaker", "on_record")],
                     evidence=EvidenceSpec("quote", position=0), status="confirmed")
    tag(story, "Dmitry Peskov")
    tag(story, "Yonhap")
    corrected(story, body.replace(" Dmitry Peskov announced the visit on the record.", ""), by=editor)
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.REVIEW and not Claim.objects.published().filter(pk=claim.pk).exists()
    review = AnchorReview.objects.open().get(claim=claim)
    assert review.reason == "source_gone" and review.from_version.body[review.old_start:review.old_end] == claim.exact
    corrections.decide(review, AnchorReview.Decision.ACCEPTED, by=editor)  # the editor judges it still holds
    assert Claim.objects.published().filter(pk=claim.pk).exists()
    # A correction that keeps the speaker named leaves it alone.
    corrected(story, "Update.\n\n" + story.versions.get(state="current").body, by=editor)
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.PLACED
