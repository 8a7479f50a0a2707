"""Issue 20: an editor resumes a paused feed on the desk's feeds page, and is told what was done,
in place (htmx), with the message focused for a screen reader."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from annotations.tests.test_feeds_desk import jobs
from articles.models import Feed
from articles.tests.makers import make_source

pytestmark = pytest.mark.browser


def test_resume_in_place_says_what_it_did_and_offers_poll_now(editor_page: Page):
    page = editor_page
    feed = Feed.objects.create(source=make_source(), name="Antara", url="https://example.org/antara.xml",
                               paused_at=timezone.now(), failures=10, paused_reason="paused at once: the feed is gone (410)")
    page.goto("/desk/feeds/")
    item = page.locator(f"#feed-{feed.pk}")
    expect(item).to_contain_text("the feed is gone (410)")

    page.get_by_role("button", name="Resume: Antara").click()

    expect(page.get_by_role("status")).to_have_text("Resumed; it will be polled within a minute.")
    expect(page.get_by_role("status")).to_be_focused()
    expect(page.get_by_role("button", name="Poll now: Antara")).to_be_visible()
    expect(item).not_to_contain_text("the feed is gone (410)")
    assert page.url.endswith("/desk/feeds/")  # in place, not a new page
    feed.refresh_from_db()
    assert feed.paused_at is None and len(jobs()) == 1
