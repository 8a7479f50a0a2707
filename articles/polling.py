"""Polling a feed: fetch it politely (articles/fetching.py), import what it brings as drafts
(articles/importing.py), and keep the feed's health: its last poll, what came of it, when the next
one is due, and why it failed.

A poll runs as a job (articles/tasks.py), one at a time per feed. Every story is stored in its own
transaction, and the feed's ETag is kept only once its import has ended: a worker killed in the
middle leaves whole stories only, and the poll that runs again fetches the whole feed, finds the
stories already stored and stores the rest. Nothing is lost, nothing doubled.

A failure (an error status, a timeout, a refused address, a file that is not a feed) puts the next
poll off, twice as long after each failure in a row (never sooner than a Retry-After asks), and
after FEEDS_PAUSE_AFTER_FAILURES of them the feed is paused with its reason until an editor
resumes it. A refused address or a feed gone for good (410) pauses it at once.
"""

import logging
import random
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from articles import fetching
from articles.importing import Report, fast_commits, first_line, import_all
from articles.models import Feed, PollResult

logger = logging.getLogger(__name__)

# Never further off than a day after failures; a Retry-After is honoured up to a week (fetching).
LONGEST_BACKOFF = timedelta(days=1)
# The notes of a poll kept for the desk's feeds page (a feed of 500 bad items keeps the first ones).
NOTES_KEPT = 20
# The file's name in the import's notes when the feed's address ends in none.
NAME = "feed"


def poll(feed_id: int, *, force: bool = False, **fetch_options) -> Feed | None:
    """Poll one feed if it is due (or `force`d): fetch, import, and record what happened.
    `fetch_options` go to fetching.fetch (the tests' resolver and network)."""
    feed = Feed.objects.select_related("source", "publisher").filter(pk=feed_id).first()
    if feed is None or not (force or is_due(feed)):
        return feed
    try:
        fetched = fetching.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified, **fetch_options)
    except fetching.FetchFailed as failure:
        return failed(feed, failure.reason, retry_after=failure.retry_after, pause_now=pauses_at_once(failure))
    except Exception as error:
        # Not the feed's fault, nor a network's (the database gone, a bug): the feed still backs
        # off, so that it is not polled again every few seconds, and the job fails with the error.
        failed(feed, first_line(gettext("the poll stopped (%(error)s)"), error))
        raise
    if fetched.not_modified:
        return succeeded(feed, fetched, Report())
    try:
        report = import_feed(feed, fetched)
    except Exception as error:
        failed(feed, first_line(gettext("the import stopped (%(error)s)"), error))
        raise
    if report.failed == report.total:  # no item at all, or every one refused
        # Nothing could be read at all: the feed is broken, not merely its items.
        reason = report.messages[0] if report.messages else gettext("no stories could be read from the feed")
        return failed(feed, reason, report=report)
    return succeeded(feed, fetched, report)


def is_due(feed: Feed) -> bool:
    return feed.active and feed.paused_at is None and feed.next_poll_at <= timezone.now()


def pauses_at_once(failure: fetching.FetchFailed) -> bool:
    """A refused address will be refused again; a 410 says the feed is gone for good."""
    return failure.kind == "refused" or failure.status == 410


def import_feed(feed: Feed, fetched: fetching.Fetched) -> Report:
    """The fetched feed imported as drafts, each story in its own transaction."""
    fmt = feed.format if feed.format != Feed.Format.AUTO else "auto"
    with tempfile.TemporaryDirectory(prefix="newsdesk-feed-") as folder:
        # The importer reads files by path (a JSON Lines file twice) and names them in its notes.
        path = Path(folder) / (Path(fetched.url.split("?")[0]).name[:80] or NAME)
        path.write_bytes(fetched.body)
        with fast_commits():
            return import_all(
                [path], fmt=fmt, source=feed.default_publisher, publish=False, progress=None,
                subscription=True, language=feed.language, feed_id=feed.pk,
            )


def succeeded(feed: Feed, fetched: fetching.Fetched, report: Report) -> Feed:
    now = timezone.now()
    if fetched.not_modified:
        result = PollResult.NOT_MODIFIED
    else:
        result = PollResult.NEW if report.imported else PollResult.NOTHING_NEW
    changes = {
        "last_polled_at": now,
        "next_poll_at": now + timedelta(minutes=feed.interval),
        "last_result": result,
        "last_error": "",
        "last_messages": report.messages[:NOTES_KEPT],
        "last_new": report.imported,
        "last_known": report.duplicates,
        "last_changed": report.changed,
        "last_failed": report.failed,
        "failures": 0,
        "imported_total": feed.imported_total + report.imported,
        "etag": fetched.etag[:500],
        "last_modified": fetched.last_modified[:100],
    }
    if fetched.moved_to and fetched.moved_to != feed.url:
        if Feed.objects.filter(url=fetched.moved_to).exclude(pk=feed.pk).exists():
            changes["last_error"] = gettext(
                "the feed has moved for good to %(url)s, which another feed here already polls; "
                "switch one of them off"
            ) % {"url": fetched.moved_to}
        else:
            changes["url"] = fetched.moved_to
    return record(feed, changes)


def failed(feed: Feed, reason: str, *, retry_after: float | None = None, pause_now: bool = False,
           report: Report | None = None) -> Feed:
    now = timezone.now()
    failures = feed.failures + 1
    delay = backoff(feed.interval, failures)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    changes = {
        "last_polled_at": now,
        "next_poll_at": now + delay,
        "last_result": PollResult.FAILED,
        "last_error": reason,
        "last_messages": (report.messages if report else [])[:NOTES_KEPT],
        "last_new": 0, "last_known": 0, "last_changed": 0, "last_failed": report.failed if report else 0,
        "failures": failures,
    }
    if pause_now or failures >= settings.FEEDS_PAUSE_AFTER_FAILURES:
        changes["paused_at"] = now
        changes["paused_reason"] = (
            gettext("paused at once: %(reason)s") % {"reason": reason} if pause_now and failures < settings.FEEDS_PAUSE_AFTER_FAILURES
            else ngettext(
                "paused after %(n)s failure in a row; the last: %(reason)s",
                "paused after %(n)s failures in a row; the last: %(reason)s", failures,
            ) % {"n": failures, "reason": reason}
        )
    return record(feed, changes)


def backoff(interval_minutes: int, failures: int) -> timedelta:
    """The wait after `failures` failures in a row: the interval doubled for each, up to a day,
    and up to a tenth more at random, so that feeds failing together do not come back together."""
    delay = min(timedelta(minutes=interval_minutes) * 2 ** min(failures, 20), LONGEST_BACKOFF)
    return delay * (1 + random.uniform(0, 0.1))


def record(feed: Feed, changes: dict) -> Feed:
    """Write the poll's outcome with update(): a maintainer's edit made meanwhile in the admin (its
    interval, its name) is never overwritten by a whole-row save."""
    Feed.objects.filter(pk=feed.pk).update(**changes)
    if "last_result" in changes:
        logger.info(
            "feed %s (%s): %s; %s new, %s known, %s changed, %s failed%s%s", feed.pk, feed.url, changes["last_result"],
            changes["last_new"], changes["last_known"], changes["last_changed"], changes["last_failed"],
            f"; {changes['last_error']}" if changes.get("last_error") else "",
            f"; {changes['paused_reason']}" if changes.get("paused_reason") else "",
        )
    for name, value in changes.items():
        setattr(feed, name, value)
    return feed


def resume(feed: Feed) -> None:
    """An editor resumes a paused feed: its failures forgotten, polled at once."""
    record(feed, {"paused_at": None, "paused_reason": "", "failures": 0, "next_poll_at": timezone.now()})
