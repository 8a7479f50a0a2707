"""Real workers (`manage.py work`, in processes of their own) on the test database: two of them
polling the same feeds import every item once, and a worker killed in the middle of a feed's
import leaves no partial story while its job is run again, by itself, well within two minutes."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from django.conf import settings
from django.db import connection

from annotations.models import Mention
from articles.importing import database_url
from articles.models import Article, Feed, PollResult
from articles.tasks import queue_poll
from articles.tests.makers import make_source

pytestmark = pytest.mark.django_db(transaction=True)


def start_worker(*options: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "FEEDS_ALLOW_NETWORKS": "127.0.0.1",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "tests-only-not-secret"),
    }
    environment.pop("DATABASE_OWNER_URL", None)
    return subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "work", *options],
        # Its log in a file, read when a test fails: a pipe nobody reads would fill and stop it.
        env=environment, stdout=subprocess.DEVNULL, stderr=tempfile.TemporaryFile(),
    )


def log_of(worker: subprocess.Popen) -> str:
    worker.stderr.seek(0)
    return worker.stderr.read().decode()[-3000:]


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.kill()
    worker.wait(10)


def killed_once_stored(stories: int, *options: str) -> None:
    """A worker started, and killed with SIGKILL once `stories` stories are stored: in the middle."""
    worker = start_worker(*options)
    try:
        wait_for(lambda: Article.objects.count() >= stories, 60, "the first stories stored")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        stop(worker)


def rss(items: list[int]) -> bytes:
    entries = "".join(
        f"<item><title>Story {n}</title><link>https://news.example/{n}</link><guid>https://news.example/{n}</guid>"
        f"<description>The {n}th story of the day: talks in the capital went on late into the night.</description>"
        f"<pubDate>Mon, 07 Dec 2026 10:00:00 GMT</pubDate></item>"
        for n in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{entries}</channel></rss>'.encode()


def wait_for(condition, seconds: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            pytest.fail(f"{what}: not within {seconds} s")
        time.sleep(0.2)
    return time.monotonic() - started


def test_two_workers_polling_the_same_50_feeds_at_once_import_every_item_exactly_once(feed_server):
    source = make_source(name="Wire")
    # Each feed shares half its items with the next: the same stories arrive through two feeds,
    # polled by two workers at the same time.
    feeds = []
    for n in range(50):
        feed_server.route(f"/feed/{n}", body=rss(list(range(n * 4, n * 4 + 8))))
        feeds.append(Feed.objects.create(source=source, url=feed_server.url(f"/feed/{n}")))
    for feed in feeds:
        queue_poll(feed.pk, force=True)
        queue_poll(feed.pk, force=True)  # pressed twice: waits once
    workers = [start_worker("--until-idle", "--concurrency", "4") for _ in range(2)]
    try:
        # Each stops once no job waits (a poll the schedule queued meanwhile finds its feed polled: not due).
        wait_for(lambda: all(w.poll() is not None for w in workers), 120, "both workers done")
    finally:
        for worker in workers:
            stop(worker)
    assert [w.returncode for w in workers] == [0, 0], [log_of(w) for w in workers]
    assert Article.objects.count() == 50 * 4 + 4 == len(set(Article.objects.values_list("url", flat=True)))
    polled = Feed.objects.filter(last_result__in=[PollResult.NEW, PollResult.NOTHING_NEW])
    assert polled.count() == 50 and sum(f.last_new + f.last_known for f in polled) == 50 * 8
    assert sum(f.last_new for f in polled) == 204 and not Feed.objects.filter(failures__gt=0).exists()
    assert all(feed_server.count(f"/feed/{n}") == 1 for n in range(50)), "each feed polled once"


def test_a_worker_killed_in_the_middle_of_an_import_leaves_no_partial_story_and_the_job_finishes_by_itself(
    feed_server,
):
    source = make_source(name="Kabar")
    records = [
        {"title": f"Berita {n}", "body": f"Kim Jong Un tiba di Vladivostok, hari ke-{n}. Kremlin membenarkannya.",
         "url": f"https://kabar.example/{n}", "language": "id",
         "mentions": [{"start": 0, "end": 11, "exact": "Kim Jong Un", "entity": {"name": "Kim Jong Un", "kind": "person"}}]}
        for n in range(400)
    ]
    feed_server.route("/kabar.jsonl", body="".join(json.dumps(r) + "\n" for r in records).encode(),
                      content_type="application/x-ndjson")
    feed = Feed.objects.create(source=source, url=feed_server.url("/kabar.jsonl"), format=Feed.Format.JSONL)
    queue_poll(feed.pk, force=True)

    killed_once_stored(20, "--concurrency", "1")
    stored = Article.objects.count()
    assert 20 <= stored < 400, "killed in the middle of the feed's import"
    # No partial story: each one stored has its mention, stored with it in one transaction.
    assert Mention.objects.count() == stored
    killed_at = time.monotonic()

    second = start_worker("--concurrency", "1")
    try:
        wait_for(lambda: Feed.objects.get(pk=feed.pk).last_result == PollResult.NEW, 120 - 5,
                 "the interrupted poll run again to its end")
    finally:
        stop(second)
    took = time.monotonic() - killed_at
    feed.refresh_from_db()
    assert Article.objects.count() == 400 == Mention.objects.count()
    assert len(set(Article.objects.values_list("url", flat=True))) == 400
    assert (feed.last_new, feed.last_known, feed.failures) == (400 - stored, stored, 0)
    assert took < 120


def test_an_upload_whose_worker_is_killed_is_imported_whole_by_another_with_nothing_doubled(editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles import uploads
    from articles.models import ImportJob

    lines = "".join(
        json.dumps({"title": f"Story {n}", "body": f"Talks went on for the {n}th day.", "url": f"https://wire.example/{n}",
                    "language": "en", "publisher": {"name": "Wire"}}) + "\n"
        for n in range(3000)
    ).encode()
    job = uploads.queue(user=editor, upload=SimpleUploadedFile("wire.jsonl", lines), fmt="auto", source=None,
                        publish=False, total=3000)
    killed_once_stored(200, "--queue", "imports", "--concurrency", "1")
    stored = Article.objects.count()
    assert stored < 3000 and ImportJob.objects.get(pk=job.pk).state == ImportJob.State.RUNNING
    assert bytes(ImportJob.objects.get(pk=job.pk).data) == lines, "the file is kept until its job ends"

    second = start_worker("--concurrency", "1")
    try:
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).finished, 115, "the upload run again to its end")
    finally:
        stop(second)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.done) == (ImportJob.State.DONE, 2, 3000)
    assert (job.report["imported"], job.report["duplicates"]) == (3000 - stored, stored)
    assert "interrupted" in job.report["messages"][0] and bytes(job.data) == b""
    assert Article.objects.count() == 3000 == len(set(Article.objects.values_list("url", flat=True)))


def test_make_run_s_server_polls_a_feed_added_in_the_admin_with_no_other_command(feed_server):
    """`make run` runs `manage.py serve`: the web server and a worker. A maintainer adds a feed in
    the admin of that very server, and the feed is polled without anything else being started."""
    import socket
    import urllib.request

    from django.contrib.auth.models import User

    with socket.socket() as probe:  # a free port for the development server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "DEBUG": "1",
                   "FEEDS_ALLOW_NETWORKS": "127.0.0.1", "SECRET_KEY": "tests-only-not-secret"}
    environment.pop("DATABASE_OWNER_URL", None)
    server = subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "serve", f"127.0.0.1:{port}"],
        env=environment, stdout=subprocess.DEVNULL, stderr=tempfile.TemporaryFile(), start_new_session=True,
    )
    try:
        def page(path: str) -> tuple[int, str]:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
                    return answer.status, answer.read().decode()
            except OSError:
                return 0, ""

        wait_for(lambda: page("/admin/login/")[0] == 200, 60, "the development server answering")
        feed_server.feed("/rss", "docs-examples/rss20.xml")
        User.objects.create_superuser("max", password="max-password-1")
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        base = f"http://127.0.0.1:{port}"
        login = opener.open(f"{base}/admin/login/").read().decode()
        token = login.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

        def post(path: str, fields: dict) -> str:
            from urllib.parse import urlencode

            request = urllib.request.Request(f"{base}{path}", data=urlencode({**fields, "csrfmiddlewaretoken": token}).encode(),
                                             headers={"Referer": f"{base}{path}"})
            return opener.open(request).read().decode()

        post("/admin/login/?next=/admin/", {"username": "max", "password": "max-password-1", "next": "/admin/"})
        source = make_source(name="Sample")
        form = opener.open(f"{base}/admin/articles/feed/add/").read().decode()
        token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        post("/admin/articles/feed/add/", {
            "source": source.pk, "name": "Sample", "url": feed_server.url("/rss"), "format": "auto", "language": "",
            "publisher": "", "interval": "15", "active": "on",
        })
        feed = Feed.objects.get()
        took = wait_for(lambda: Feed.objects.get(pk=feed.pk).last_result == PollResult.NEW, 60, "the feed polled")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    assert Article.objects.get().title == "First item title" and took < 60
