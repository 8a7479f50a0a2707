"""Issue 14, finding 8: a story without a date is stored undated (never with the import time),
shown as undated, listed last, and cannot be published until it has a date."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from annotations import history
from articles.importing import import_paths
from articles.models import Article
from articles.search import WebSearch, newest_matches
from articles.tests.makers import make_article, make_source

RSS_UNDATED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Kabar</title><item><title>Kim arrives</title>'
               b"<link>https://kabar.example/kim</link><description>Kim arrived in Vladivostok.</description></item></channel></rss>")
RSS_DATED = RSS_UNDATED.replace(b"<item>", b"<item><pubDate>Tue, 05 Sep 2023 02:10:00 GMT</pubDate>")
ATOM_UNDATED = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Kabar</title><entry><title>Kim</title>'
                b'<link href="https://kabar.example/atom-kim"/><id>x</id><content type="html">Kim arrived.</content></entry></feed>')
HTML_UNDATED = (b"<!doctype html><html><head><title>Kim arrives</title></head><body><article><h1>Kim arrives</h1>"
                + b"<p>Kim Jong Un arrived in Vladivostok by train on Tuesday morning, officials said.</p>" * 5
                + b"</article></body></html>")


def jsonl(**fields) -> bytes:
    record = {"title": "Kim arrives", "body": "Kim Jong Un arrived.", "language": "en",
              "publisher": {"name": "Kabar", "kind": "publication"}} | fields
    return json.dumps(record).encode() + b"\n"


@pytest.mark.parametrize("name, content", [
    ("undated.xml", RSS_UNDATED), ("undated.atom", ATOM_UNDATED), ("undated.html", HTML_UNDATED),
    ("undated.jsonl", jsonl()), ("undated.txt", b"Kim arrives\nKim Jong Un arrived in Vladivostok."),
])
@pytest.mark.parametrize("publish", [False, True])
def test_every_import_path_stores_a_story_without_a_date_undated(tmp_path, db, name, content, publish):
    path = tmp_path / name
    path.write_bytes(content)
    report = import_paths([path], source=make_source(name="Desk"), publish=publish)
    assert report.imported == 1, report.messages
    story = Article.objects.get()
    assert story.published_at is None
    assert story.status == Article.Status.DRAFT  # publishing would need a date: it waits for one
    if publish:
        assert any("no date" in message for message in report.messages)


def test_a_story_marked_published_in_a_json_lines_file_without_a_date_stays_an_undated_draft(tmp_path, db):
    path = tmp_path / "s.jsonl"
    path.write_bytes(jsonl(status="published"))
    report = import_paths([path])
    assert Article.objects.get().published_at is None and Article.objects.get().status == "draft", report.messages


def test_a_malformed_date_in_a_json_lines_file_is_reported_and_nothing_is_stored(tmp_path, db):
    path = tmp_path / "s.jsonl"
    path.write_bytes(jsonl(published_at="5 Sept, about noon") + jsonl(title="Other", body="Other.", published_at="2023-13-01"))
    report = import_paths([path])
    assert report.failed == 2 and not Article.objects.exists()
    assert "line 1" in report.messages[0] and "published_at" in report.messages[0]


def test_a_dated_feed_item_keeps_its_own_date(tmp_path, db):
    path = tmp_path / "dated.xml"
    path.write_bytes(RSS_DATED)
    import_paths([path], publish=True)
    assert Article.objects.get().published_at == datetime(2023, 9, 5, 2, 10, tzinfo=UTC)


def test_publishing_an_undated_story_is_refused_on_every_path(db, maintainer_client):
    story = make_article(status=Article.Status.DRAFT, published_at=None)
    with pytest.raises(ValidationError, match="no publication date"):
        story.publish()
    story.status = Article.Status.PUBLISHED
    with pytest.raises(ValidationError, match="no publication date"):
        story.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        story.save()  # the import time is never filled in any more; the database refuses
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=story.pk).update(status="published")
    response = maintainer_client.post(reverse("admin:articles_article_changelist"),
                                      {"action": "publish", "_selected_action": [story.pk]}, follow=True)
    assert "No publication date" in response.content.decode()  # the admin's checklist says so first
    state = response.content.decode().split(f'name="state-{story.pk}" value="')[1].split('"')[0]
    response = maintainer_client.post(reverse("admin:articles_article_changelist"), {
        "action": "publish", "_selected_action": [story.pk], "confirm": "yes", f"state-{story.pk}": state,
    }, follow=True)
    assert "no publication date" in response.content.decode()
    assert Article.objects.get(pk=story.pk).status == "draft"


def test_undoing_a_withdrawal_of_a_story_whose_date_was_removed_is_refused(db, editor):
    story = make_article()
    story.withdraw()
    Article.objects.filter(pk=story.pk).update(published_at=None)
    event = story.events.filter(pgh_label="update", status="withdrawn").order_by("pgh_id").first()
    with pytest.raises(history.CannotUndo, match="no publication date"):
        history.undo(story, "article", event.pgh_id, user=editor)


def test_the_desk_refuses_to_publish_an_undated_story_and_asks_for_a_date(editor_client, db):
    story = make_article(status=Article.Status.DRAFT, published_at=None)
    page = editor_client.get(reverse("desk:article", args=[story.pk])).content.decode()
    assert "undated" in page and "Before publishing: this story has no publication date" in page
    response = editor_client.post(reverse("desk:article-publish", args=[story.pk]), {"action": "publish"},
                                  headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "no publication date" in response.content.decode() and 'id="workspace-header"' in response.content.decode()
    assert Article.objects.get(pk=story.pk).status == "draft"


def test_undated_stories_come_last_in_the_inbox_and_its_search(editor_client, db):
    publisher = make_source()
    undated = make_article(title="Undated talks", status="draft", published_at=None, publisher=publisher, body="talks")
    dated = [make_article(title=f"Dated talks {n}", publisher=publisher, body="talks",
                          published_at=datetime(2023, 9, 5, tzinfo=UTC) + timedelta(days=n)) for n in range(3)]
    assert list(Article.objects.all()) == [*reversed(dated), undated]
    assert list(Article.objects.for_listing()) == [*reversed(dated), undated]
    expected = [story.pk for story in [*reversed(dated), undated]]
    assert newest_matches(Article.objects.all(), WebSearch("talks"), pool=4, window=2) == expected
    assert newest_matches(Article.objects.all(), WebSearch("talks"), pool=1, window=1) == expected[:1]
    page = editor_client.get(reverse("desk:inbox")).content.decode()
    assert page.index("Dated talks 0") < page.index("Undated talks")
    assert "undated" in page.split("Undated talks")[1][:600]


def test_no_public_page_feed_or_sitemap_ever_shows_an_undated_story(client, db):
    """Publishing needs a date (the database holds it), so a feed entry's date is always the
    story's own: never the import's time, never the moment it was published here."""
    make_article(title="Undated draft", status="draft", published_at=None)
    dated = make_article(title="Dated story")
    for name in ["articles:list", "articles:feed", "articles:sitemap"]:
        page = client.get(reverse(name)).content.decode()
        assert "Undated draft" not in page and "undated-draft" not in page
    assert dated.title in client.get(reverse("articles:feed")).content.decode()
    assert client.get(Article.objects.get(title="Undated draft").get_absolute_url()).status_code == 404
