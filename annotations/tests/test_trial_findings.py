"""Issue 15, found by an editor trying the desk from the keyboard: a tag across paragraphs, a
tag made twice, a withdrawn story offered as evidence, a published story's header."""

from django.urls import reverse

from annotations.models import Mention, StoryLink
from annotations.tests.makers import make_claim, make_entity
from annotations.tests.test_desk import post_mention
from articles.models import Article
from articles.tests.makers import make_article

HTMX = {"HX-Request": "true"}
BODY = "Kim Jong Un left Pyongyang.\n\nThe Kremlin said the visit would happen soon."


def test_a_tag_never_runs_from_one_paragraph_into_the_next(editor_client, db):
    story = make_article(body=BODY)
    response = post_mention(editor_client, story, "Pyongyang.\n\nThe Kremlin", new_entity_name="Cross para",
                            new_entity_kind="place")
    assert response.status_code == 422
    assert "A name never runs from one paragraph into the next" in response.content.decode()
    assert not Mention.objects.exists()
    # A claim may: a statement can run on into the next paragraph.


def test_a_name_tagged_again_says_it_is_tagged_already(editor_client, db):
    story = make_article(body=BODY)
    kim = make_entity(name="Kim Jong Un")
    post_mention(editor_client, story, "Kim Jong Un", entity=kim.pk)
    response = post_mention(editor_client, story, "Kim Jong Un", entity=kim.pk)
    html = response.content.decode()
    assert response.status_code == 200 and Mention.objects.count() == 1
    assert "“Kim Jong Un” is tagged as Kim Jong Un already; nothing was changed." in html
    assert "Tagged 0" not in html
    mention = Mention.objects.get()
    assert f'data-just-made="mention:{mention.pk}"' in html  # the focus goes back to the story, after it


def test_a_withdrawn_story_is_never_offered_as_evidence(editor_client, db):
    story = make_article(body=BODY)
    claim = make_claim(story, "the visit would happen soon")
    live = make_article(title="Visit confirmed", body="The visit was confirmed.")
    gone = make_article(title="Visit rumoured", body="A visit was rumoured.")
    for other in (live, gone):
        StoryLink.objects.create(from_article=story, to_article=other, kind=StoryLink.Kind.FOLLOW_UP)
    gone.withdraw(by=None)
    html = editor_client.get(reverse("desk:article", args=[story.pk])).content.decode()
    assert f'value="article:{live.pk}"' in html
    assert f'value="article:{gone.pk}"' not in html
    # Nor taken if sent anyway.
    response = editor_client.post(reverse("desk:claim-status-update", args=[claim.pk]), {
        "status": "reported", "reason": "A rumour", "evidence": f"article:{gone.pk}", "version": claim.version,
    }, headers=HTMX)
    assert not claim.evidence.filter(article=gone).exists(), response.status_code


def test_publishing_answers_the_header_as_it_now_is_saying_so(editor_client, db):
    story = make_article(body=BODY, status=Article.Status.DRAFT)
    url = reverse("desk:article-publish", args=[story.pk])
    first = editor_client.post(url, {"action": "publish"}, headers=HTMX).content.decode()
    token = first.split('name="confirm" value="')[1].split('"')[0]
    response = editor_client.post(url, {"action": "publish", "confirm": token}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Redirect" not in response
    assert 'id="workspace-header"' in html and "Published: readers can read it now." in html and 'value="withdraw"' in html


def test_the_workspace_has_no_id_twice(editor_client, db):
    import re
    from collections import Counter

    from annotations.tests.makers import add_attribution, make_mention

    story = make_article(body=BODY)
    make_mention(story, "Kim Jong Un")
    for text in ("Kim Jong Un left Pyongyang", "the visit would happen soon"):
        add_attribution(make_claim(story, text))
    html = editor_client.get(reverse("desk:article", args=[story.pk])).content.decode()
    twice = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
    assert twice == []


def test_a_group_of_a_name_and_its_alias_says_the_alias_is_also_written(editor_client, db):
    from annotations.models import EntityAlias

    putin = make_entity(name="Vladimir Putin")
    EntityAlias.objects.create(entity=putin, name="Putin")
    story = make_article(body="Vladimir Putin spoke. Later Putin left. Vladimir Putin came back.")
    html = " ".join(editor_client.get(reverse("desk:article", args=[story.pk])).content.decode().split())
    assert "— 3 times <span class=\"meta\">also as <q" in html
    russia = make_entity(name="Russia", kind="place")
    EntityAlias.objects.create(entity=russia, name="Rusia")
    other = make_article(body="Kereta ke Rusia. Rusia menyambut.", language="id")
    html = " ".join(editor_client.get(reverse("desk:article", args=[other.pk])).content.decode().split())
    assert "— 2 times <span class=\"meta\">as <q" in html


def test_no_path_writes_a_tag_across_a_paragraph_break(db, tmp_path):
    """The admin and the import save a mention through the same check as the desk."""
    import json

    import pytest
    from django.core.exceptions import ValidationError

    from articles.importing import import_paths

    story = make_article(body=BODY)
    start, end = BODY.index("Pyongyang"), BODY.index("Kremlin") + len("Kremlin")
    with pytest.raises(ValidationError, match="never runs from one paragraph"):
        Mention(article=story, entity=make_entity(), start=start, end=end, exact=BODY[start:end]).save()
    body = "Kim left Pyongyang.\n\nThe Kremlin said so."
    start, end = body.index("Pyongyang"), body.index("Kremlin") + len("Kremlin")
    record = {"title": "Kereta", "body": body, "language": "en", "publisher": {"name": "Kabar", "kind": "publication"},
              "mentions": [{"start": start, "end": end, "exact": body[start:end], "entity": {"name": "Cross", "kind": "place"}}]}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = import_paths([path])
    assert report.failed == 1 and any("never runs from one paragraph" in m for m in report.messages), report.messages
    assert not Mention.objects.exists()
