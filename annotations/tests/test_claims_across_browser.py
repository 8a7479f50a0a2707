"""One claim across stories, in a real browser: an editor records the train claim in one story
and the Kremlin's confirmation in another, joins them, and readers see one claim."""

import re

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Claim
from annotations.tests.test_desk_browser import desk_editor, log_in, mark_reported_via_yonhap, select  # noqa: F401 (a fixture)
from articles.models import Source
from articles.tests.makers import make_article, make_source

pytestmark = pytest.mark.browser

REPORT = (
    "Media Korea Selatan melaporkan bahwa kereta Kim Jong Un telah berangkat menuju Rusia, "
    "mengutip seorang pejabat yang tidak disebutkan namanya."
)
CONFIRMATION = "The Kremlin confirmed on Monday that Kim Jong Un's train is on its way to Russia."


def test_an_editor_joins_the_report_and_the_kremlins_confirmation_and_readers_see_one_claim(page: Page, desk_editor, reader_page: Page):
    from datetime import datetime, timezone as tz

    report = make_article(title="Kereta Kim berangkat", body=REPORT, language="id",
                          publisher=make_source(name="Kabar Timur"), published_at=datetime(2023, 9, 11, 9, 15, tzinfo=tz.utc))
    confirmation = make_article(title="Kremlin confirms the train", body=CONFIRMATION, language="en",
                                publisher=make_source(name="The Meridian Post"), published_at=datetime(2023, 9, 11, 10, 5, tzinfo=tz.utc))
    make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR")
    make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT, country="RU")
    log_in(page, "edna", "edna-password-1")

    # The report: an unnamed official, via Yonhap.
    page.goto(f"/desk/articles/{report.pk}/")
    mark_reported_via_yonhap(page, "kereta Kim Jong Un telah berangkat menuju Rusia", "Kim Jong Un's train has left for Russia.")

    # The Kremlin's confirmation, on the record, in another story and language.
    page.goto(f"/desk/articles/{confirmation.pk}/")
    select(page, "Kim Jong Un's train is on its way to Russia")
    page.get_by_role("button", name="Mark claim").click()
    page.get_by_label("Source of link 1").fill("Kreml")
    page.get_by_role("button", name=re.compile("^Kremlin")).click()
    page.get_by_label("Status").select_option("reported")
    page.get_by_role("button", name="Record claim").click()
    expect(page.get_by_role("status")).to_have_text("Claim recorded.")
    card = page.locator(".claim-card", has_text="on its way to Russia")
    card.get_by_text("Change status").click()
    card.get_by_label("New status").select_option("confirmed")
    card.get_by_label("Why").fill("The Kremlin said so on the record.")
    card.get_by_label("Evidence", exact=True).select_option(label="on-record quote: Kremlin")
    card.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("status")).to_have_text("The claim is now confirmed.")

    # The same claim: found as the editor types, joined with one press.
    card = page.locator(".claim-card", has_text="on its way to Russia")
    card.get_by_text("Same claim as in other stories?").click()
    card.get_by_label("Look for its words, an entity or who said it").press_sequentially("train has left")
    join = card.get_by_role("button", name="Join: the same claim as “Kim Jong Un's train has left for Russia.”")
    join.click()
    expect(page.get_by_role("status")).to_contain_text("told in 2 stories")
    card = page.locator(".claim-card", has_text="on its way to Russia")
    expect(card.get_by_text("Also in 1 other story")).to_be_visible()
    reported, confirmed = Claim.objects.get(article=report), Claim.objects.get(article=confirmation)
    assert reported.across_id == confirmed.across_id

    # Readers: one claim, both stories on its timeline, confirmed, and why.
    reader_page.goto(reported.get_absolute_url())
    expect(reader_page.locator(".status-badge").first).to_have_text(re.compile("confirmed", re.I))
    expect(reader_page.locator(".standing-reason")).to_have_text(
        "Confirmed on 11 Sep 2023 by Kremlin, on the record, in “Kremlin confirms the train” (The Meridian Post)."
    )
    timeline = reader_page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_role("img")).to_be_visible()
    expect(timeline.locator("svg.timeline-picture g.mark")).to_have_count(2)
    rows = timeline.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Kabar Timur")
    expect(rows.nth(0)).to_contain_text("According to Yonhap, citing an unnamed official")
    expect(rows.nth(1)).to_contain_text("The Meridian Post")
    expect(rows.nth(1)).to_contain_text("confirmed")
