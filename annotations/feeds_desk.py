"""The desk's feeds page: every feed's health, trouble first, so that an editor sees at a glance
which sources stopped flowing and why; a paused feed is resumed here, any feed polled now.
Maintainers add and change feeds in the admin (articles/admin.py)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from annotations.views import editor_required
from articles.models import Feed
from articles.tasks import queue_poll


@editor_required
def feed_list(request: HttpRequest) -> HttpResponse:
    feeds = list(Feed.objects.select_related("source").in_trouble_first())
    paused = sum(feed.paused_at is not None for feed in feeds)
    summary = {
        "total": len(feeds),
        "paused": paused,
        "failing": sum(feed.paused_at is None and feed.failures > 0 for feed in feeds),
        "off": sum(not feed.active for feed in feeds),
    }
    context = {"feeds": feeds, "summary": summary, "now": timezone.now()}
    return render(request, "annotations/feed_list.html", context)


@editor_required
@require_POST
def feed_resume(request: HttpRequest, pk: int) -> HttpResponse:
    feed = get_object_or_404(Feed.objects.select_related("source"), pk=pk)
    if feed.paused_at is None:  # resumed meanwhile, by another editor or a maintainer
        return feed_answer(request, feed, gettext("This feed is not paused: there is nothing to resume."), status=409)
    from articles import polling  # it brings the fetching machinery (httpx), which only resuming needs

    polling.resume(feed)
    if not feed.active:
        return feed_answer(request, feed, gettext(
            "Resumed, but it is switched off, so it will not be polled until a maintainer switches it on in the admin."
        ))
    queue_poll(feed.pk)
    return feed_answer(request, feed, gettext("Resumed; it will be polled within a minute."))


@editor_required
@require_POST
def feed_poll(request: HttpRequest, pk: int) -> HttpResponse:
    feed = get_object_or_404(Feed.objects.select_related("source"), pk=pk)
    if feed.paused_at is not None:
        return feed_answer(request, feed, gettext("This feed is paused: resume it to poll it again."), status=409)
    if not feed.active:
        return feed_answer(request, feed, gettext(
            "This feed is switched off, so it is not polled; maintainers switch feeds on in the admin."
        ), status=409)
    if queue_poll(feed.pk, force=True):
        return feed_answer(request, feed, gettext("A poll is queued; it will run within a minute."))
    return feed_answer(request, feed, gettext("A poll of this feed is already waiting for a worker; it will run within a minute."))


def feed_answer(request: HttpRequest, feed: Feed, message: str, status: int = 200) -> HttpResponse:
    """The feed again, with what was done (htmx swaps it in place); without JavaScript, the page."""
    if request.htmx:
        context = {"feed": feed, "message": message, "failed": status != 200, "now": timezone.now()}
        return render(request, "annotations/feed_list.html#feed-item", context, status=status)
    (messages.success if status == 200 else messages.error)(request, message)
    return redirect(reverse("desk:feeds") + f"#feed-{feed.pk}")
