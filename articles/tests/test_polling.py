"""Polling feeds (articles/polling.py) against a local HTTP server serving the shared test feeds:
what a poll imports, what it costs when nothing changed, and how it backs off and pauses."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import polling
from articles.models import Article, Feed, PollResult
from articles.tasks import queue_due_feeds, queue_poll
from articles.tests.feed_server import FEEDS, endless, gzip_bomb
from articles.tests.makers import make_source, run_queued_jobs
from articles.tests.test_fetching import OnlyTo, resolving

RSS = (FEEDS / "docs-examples" / "rss20.xml").read_bytes()
SECOND_ITEM = b"""  <item>
    <title>Second item title</title>
    <link>http://example.org/item/2</link>
    <description>The second story of the sample feed, added upstream after the first poll.</description>
    <guid>http://example.org/guid/2</guid>
    <pubDate>Fri, 06 Sep 2002 00:00:01 GMT</pubDate>
  </item>
</channel>"""


def make_feed(url: str, **fields) -> Feed:
    return Feed.objects.create(source=fields.pop("source", None) or make_source(), url=url,
                               interval=fields.pop("interval", 15), **fields)


def poll(feed: Feed, **options) -> Feed:
    polling.poll(feed.pk, force=True, **options)
    feed.refresh_from_db()
    return feed


def test_the_first_poll_imports_drafts_the_second_costs_a_304_and_a_change_brings_only_new_items(
    db, local, feed_server
):
    route = feed_server.feed("/rss", "docs-examples/rss20.xml")
    feed = make_feed(feed_server.url("/rss"), language="en")

    feed = poll(feed)
    story = Article.objects.get()
    assert (story.title, story.status, story.publisher, story.url, story.feed) == (
        "First item title", Article.Status.DRAFT, feed.source, "http://example.org/item/1", feed)
    assert (feed.last_result, feed.last_new, feed.last_known, feed.failures) == (PollResult.NEW, 1, 0, 0)
    assert feed.etag == route.etag and feed.last_polled_at is not None
    assert feed.next_poll_at - feed.last_polled_at == timedelta(minutes=15)
    assert feed_server.seen["/rss"][0].get("if-none-match") is None

    feed = poll(feed)
    assert feed_server.seen["/rss"][1]["if-none-match"] == route.etag
    assert feed.last_result == PollResult.NOT_MODIFIED and (feed.last_new, feed.last_known) == (0, 0)
    assert Article.objects.count() == 1

    route.change(RSS.replace(b"</channel>", SECOND_ITEM))
    feed = poll(feed)
    assert (feed.last_result, feed.last_new, feed.last_known) == (PollResult.NEW, 1, 1)
    assert sorted(Article.objects.values_list("title", flat=True)) == ["First item title", "Second item title"]
    assert feed.imported_total == 2


def test_what_a_feed_brings_arrives_as_a_draft_whatever_it_claims(db, local, feed_server):
    record = {"title": "Claims to be published", "body": "Kim Jong Un arrived in Vladivostok.", "status": "published",
              "published_at": "2026-12-01T10:00:00Z", "url": "https://news.example/kim", "publisher": {"name": "Kabar"}}
    feed_server.route("/stories.jsonl", body=json.dumps(record).encode() + b"\n", content_type="application/x-ndjson")
    feed = poll(make_feed(feed_server.url("/stories.jsonl"), format=Feed.Format.JSONL))
    story = Article.objects.get()
    assert story.status == Article.Status.DRAFT and feed.last_new == 1
    assert story.publisher.name == "Kabar", "a story naming its publisher keeps it"


def test_the_feed_s_default_language_is_for_stories_declaring_none(db, local, feed_server):
    body = RSS.replace(b"<language>en</language>", b"").replace(
        b"<title>First item title</title>", b"<title>Kereta itu berangkat</title>")
    feed_server.route("/rss", body=body)
    poll(make_feed(feed_server.url("/rss"), language="id"))
    assert Article.objects.get().language == "id"


def test_a_permanent_redirect_updates_the_stored_address_and_a_temporary_one_does_not(db, local, feed_server):
    feed_server.feed("/new", "docs-examples/rss20.xml")
    feed_server.redirect("/moved", feed_server.url("/new"), status=301)
    feed_server.redirect("/for-now", feed_server.url("/new"), status=302)
    moved = poll(make_feed(feed_server.url("/moved")))
    assert moved.url == feed_server.url("/new") and moved.last_result == PollResult.NEW
    for_now = poll(make_feed(feed_server.url("/for-now")))
    assert for_now.url == feed_server.url("/for-now") and for_now.last_result == PollResult.NOTHING_NEW


def waited(feed: Feed) -> timedelta:
    return feed.next_poll_at - feed.last_polled_at


@pytest.mark.parametrize("answer", [
    {"status": 500, "body": b"oops"},
    {"pause": 2.5, "body": RSS},  # no answer within the read timeout
])
def test_errors_and_timeouts_back_off_twice_as_long_each_time_then_pause(db, local, feed_server, answer):
    feed_server.route("/rss", **answer)
    feed = make_feed(feed_server.url("/rss"), interval=10)
    waits = []
    for failures in (1, 2, 3):
        feed = poll(feed)
        assert (feed.last_result, feed.failures, feed.paused_at) == (PollResult.FAILED, failures, None)
        waits.append(waited(feed))
    assert feed.last_error, "the error is said in words"
    assert "500" in feed.last_error if answer.get("status") else "within" in feed.last_error
    for failures, wait in zip((1, 2, 3), waits):
        assert timedelta(minutes=10 * 2**failures) <= wait <= timedelta(minutes=10 * 2**failures) * 1.1
    feed = poll(feed)  # the fourth in a row (FEEDS_PAUSE_AFTER_FAILURES)
    assert feed.paused_at is not None and feed.paused_reason.startswith("paused after 4 failures in a row; the last: ")
    assert not Feed.objects.due(timezone.now() + timedelta(days=30)).exists(), "a paused feed is not polled"

    feed_server.feed("/rss", "docs-examples/rss20.xml")
    polling.resume(feed)
    feed.refresh_from_db()
    assert (feed.paused_at, feed.failures) == (None, 0) and Feed.objects.due().filter(pk=feed.pk).exists()
    feed = poll(feed)
    assert (feed.last_result, feed.failures, feed.last_error) == (PollResult.NEW, 0, "")


def test_a_429_with_retry_after_is_honoured(db, local, feed_server):
    feed_server.route("/rss", status=429, headers={"Retry-After": "7200"})
    feed = poll(make_feed(feed_server.url("/rss"), interval=5))
    assert feed.last_result == PollResult.FAILED and waited(feed) >= timedelta(hours=2)
    assert "429" in feed.last_error or "requests" in feed.last_error


def test_a_503_with_a_short_retry_after_still_backs_off(db, local, feed_server):
    feed_server.route("/rss", status=503, headers={"Retry-After": "1"})
    feed = poll(make_feed(feed_server.url("/rss"), interval=5))
    assert waited(feed) >= timedelta(minutes=10)


def test_a_response_over_the_cap_is_cut_off_and_reported(db, local, feed_server):
    local.FEEDS_MAX_BYTES = 50_000
    feed_server.route("/rss", chunks=endless)
    feed = poll(make_feed(feed_server.url("/rss")))
    assert feed.last_result == PollResult.FAILED and "50,000" in feed.last_error.replace(".", ",")
    assert not Article.objects.exists()


def test_a_gzip_bomb_is_refused(db, local, feed_server):
    feed_server.route("/rss", chunks=gzip_bomb, headers={"Content-Encoding": "gzip"})
    feed = poll(make_feed(feed_server.url("/rss")))
    assert feed.last_result == PollResult.FAILED and feed.last_error
    assert not Article.objects.exists()


def test_a_redirect_to_a_refused_address_pauses_the_feed_at_once_without_a_connection(db, local, feed_server):
    feed_server.redirect("/rss", "http://metadata.example/latest/meta-data/")
    resolver = resolving({"metadata.example": ["169.254.169.254"]})
    feed = poll(make_feed(feed_server.url("/rss")), resolver=resolver, network=OnlyTo("127.0.0.1"))
    assert feed.last_result == PollResult.FAILED and feed.paused_at is not None
    assert "169.254.169.254" in feed.paused_reason and feed.paused_reason.startswith("paused at once: ")
    assert feed_server.count("/rss") == 1


def test_a_page_that_is_no_feed_is_a_failure_in_words(db, local, feed_server):
    feed_server.route("/rss", body=b"<!doctype html><title>Hello</title><p>Nothing here", content_type="text/html")
    feed = poll(make_feed(feed_server.url("/rss"), format=Feed.Format.FEED))
    assert feed.last_result == PollResult.FAILED and "no stories could be read" in feed.last_error


def jobs() -> list[tuple[str, dict]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, args FROM procrastinate_jobs WHERE status = 'todo' ORDER BY id")
        return [(name, args if isinstance(args, dict) else json.loads(args)) for name, args in cursor.fetchall()]


def test_due_feeds_are_queued_once_each_and_a_queued_poll_runs(db, local, feed_server):
    feed_server.feed("/rss", "docs-examples/rss20.xml")
    due = make_feed(feed_server.url("/rss"))
    make_feed(feed_server.url("/later"), next_poll_at=timezone.now() + timedelta(minutes=5))
    make_feed(feed_server.url("/off"), active=False)
    paused = make_feed(feed_server.url("/paused"))
    Feed.objects.filter(pk=paused.pk).update(paused_at=timezone.now(), paused_reason="test")

    assert queue_due_feeds(0) == 1
    assert queue_due_feeds(0) == 0, "a poll already waiting is not queued again"
    assert queue_poll(due.pk, force=True) is False
    assert jobs() == [("poll_feed", {"feed_id": due.pk, "force": False})]
    run_queued_jobs()
    due.refresh_from_db()
    assert due.last_result == PollResult.NEW and Article.objects.count() == 1
    assert queue_due_feeds(0) == 0, "polled: not due before its interval"


def test_a_poll_that_stops_on_an_unexpected_error_still_backs_off_and_says_why(db, local, feed_server, monkeypatch):
    feed_server.feed("/rss", "docs-examples/rss20.xml")
    feed = make_feed(feed_server.url("/rss"))

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(polling, "import_all", broken)
    with pytest.raises(RuntimeError):
        polling.poll(feed.pk, force=True)
    feed.refresh_from_db()
    assert feed.last_result == PollResult.FAILED and feed.failures == 1
    assert feed.last_error == "the import stopped (RuntimeError: the disk is full)"
    assert waited(feed) >= timedelta(minutes=30) and not Feed.objects.due().exists()


def test_a_feed_whose_poll_runs_is_not_queued_again_behind_it(db, local, feed_server):
    feed = make_feed(feed_server.url("/rss"))
    assert queue_due_feeds(0) == 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE task_name = 'poll_feed'")
    assert queue_due_feeds(0) == 0, "its poll runs: still due, but not queued again"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE task_name = 'poll_feed'")
    assert queue_due_feeds(0) == 1 and feed.pk == jobs()[-1][1]["feed_id"]


def test_a_feed_polled_again_looks_its_known_stories_up_instead_of_failing_to_insert_them(
    db, local, feed_server
):
    route = feed_server.feed("/rss", "docs-examples/rss20.xml")
    feed = poll(make_feed(feed_server.url("/rss")))
    route.change(RSS.replace(b"</channel>", SECOND_ITEM))
    with CaptureQueriesContext(connection) as queries:
        feed = poll(feed)
    assert (feed.last_new, feed.last_known) == (1, 1)
    assert not any("ROLLBACK TO SAVEPOINT" in q["sql"] for q in queries.captured_queries), "no INSERT failed"
