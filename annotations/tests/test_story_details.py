"""Issue 14, finding 8: the desk sets or corrects a story's title, publisher, date and web address."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Source
from annotations.tests.makers import confirmed
from articles.tests.makers import make_article, make_source
from articles.admin_inlines import last_change

HTMX = {"HX-Request": "true"}


def details(story: Article, **changes) -> dict:
    when = story.published_at.strftime("%Y-%m-%dT%H:%M") if story.published_at else ""
    return {"title": story.title, "publisher": str(story.publisher_id), "published_at": when, "url": story.url,
            "seen_change": str(last_change(story) or "")} | changes


def post(client, story, data, **kwargs):
    return client.post(reverse("desk:article-update", args=[story.pk]), data, **kwargs)


def test_an_editor_sets_the_title_publisher_date_and_address_and_history_records_it(editor_client, db):
    story = make_article(status=Article.Status.DRAFT, published_at=None, url="")
    kabar = make_source(name="Kabar Nusantara", kind=Source.Kind.PUBLICATION)
    page = editor_client.get(reverse("desk:article", args=[story.pk])).content.decode()
    assert "Edit the story's details" in page and "Kabar Nusantara" in page
    response = post(editor_client, story, details(story, title="  Kim meets Putin ", publisher=str(kabar.pk),
                                                   published_at="2023-09-05T02:10",
                                                   url="https://kabar.example/kim?utm_source=x"), headers=HTMX)
    assert response.status_code == 200, response.content.decode()
    assert "The story&#x27;s details were saved." in response.content.decode()
    story.refresh_from_db()
    assert (story.title, story.publisher, story.published_at, story.url) == (
        "Kim meets Putin", kabar, datetime(2023, 9, 5, 2, 10, tzinfo=UTC), "https://kabar.example/kim")
    assert story.events.filter(title="Kim meets Putin").exists()
    assert "Kim meets Putin" in editor_client.get(reverse("desk:article-history", args=[story.pk])).content.decode()
    # With a date, the story can now be published.
    confirmed(editor_client, reverse("desk:article-publish", args=[story.pk]), {"action": "publish"})
    assert Article.objects.get(pk=story.pk).status == "published"


@pytest.mark.parametrize("changes, message", [
    ({"title": "   "}, "This field is required"),
    ({"title": "\u202e\u2066"}, "This field is required"),
    ({"url": "javascript:alert(1)"}, "http:// or https://"),
    ({"published_at": "2023-02-30T10:00"}, "Enter a valid date/time"),
    ({"published_at": "tomorrow-ish"}, "Enter a valid date/time"),
    ({"publisher": "99999999"}, "Select a valid choice"),
    ({"publisher": "٣"}, "Select a valid choice"),
])
def test_bad_details_are_refused_with_a_message_and_what_was_typed_is_kept(editor_client, db, changes, message):
    story = make_article(title="As it was")
    before = Article.objects.values().get(pk=story.pk)
    data = details(story, **{"title": "Typed title", "url": "https://typed.example/a"} | changes)
    response = post(editor_client, story, data, headers=HTMX)
    assert response.status_code == 422
    text = response.content.decode()
    assert message in text
    for value in data.values():
        if value.strip() and value not in ("99999999", "٣", "javascript:alert(1)"):
            assert value.replace("'", "&#x27;") in text or value == data["publisher"]
    assert Article.objects.values().get(pk=story.pk) == before


def test_a_date_in_the_future_is_refused(editor_client, db):
    story = make_article(status="draft", published_at=None)
    future = (timezone.now() + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    response = post(editor_client, story, details(story, published_at=future), headers=HTMX)
    assert response.status_code == 422 and "is in the future" in response.content.decode()
    assert Article.objects.get(pk=story.pk).published_at is None


def test_a_published_story_keeps_its_date(editor_client, db):
    story = make_article()
    response = post(editor_client, story, details(story, published_at=""), headers=HTMX)
    assert response.status_code == 422 and "keeps its date" in response.content.decode()
    assert Article.objects.get(pk=story.pk).published_at is not None


def test_an_address_another_story_has_is_refused_naming_that_story(editor_client, db):
    make_article(title="The first one", url="https://kabar.example/kim")
    story = make_article(url="")
    response = post(editor_client, story, details(story, url="https://kabar.example/kim#top"), headers=HTMX)
    assert response.status_code == 422 and "“The first one” already has this address" in response.content.decode()
    assert Article.objects.get(pk=story.pk).url == ""


def test_a_source_that_cannot_publish_is_not_offered_and_a_forged_id_is_refused(editor_client, db):
    story = make_article()
    unnamed = make_source(name="An unnamed official", kind=Source.Kind.ANONYMOUS)
    page = editor_client.get(reverse("desk:article", args=[story.pk])).content.decode()
    assert "An unnamed official" not in page
    response = post(editor_client, story, details(story, publisher=str(unnamed.pk)), headers=HTMX)
    assert response.status_code == 422
    assert Article.objects.get(pk=story.pk).publisher_id != unnamed.pk


def test_a_change_made_meanwhile_is_not_overwritten(editor_client, db):
    story = make_article(title="Original")
    data = details(story, title="Mine")
    Article.objects.filter(pk=story.pk).update(title="Theirs")
    response = post(editor_client, story, data, headers=HTMX)
    assert response.status_code == 422 and "Someone changed this" in response.content.decode()
    assert Article.objects.get(pk=story.pk).title == "Theirs"


def test_the_plain_form_works_without_javascript(editor_client, db):
    story = make_article()
    response = post(editor_client, story, details(story, title="Plain title"))
    assert response.status_code == 302 and Article.objects.get(pk=story.pk).title == "Plain title"
    response = post(editor_client, story, details(Article.objects.get(pk=story.pk), title=" "))
    assert response.status_code == 422 and b"<html" in response.content
