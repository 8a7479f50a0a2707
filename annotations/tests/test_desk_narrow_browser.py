"""Issue 15: every desk page at 1280 px and on a 360 px phone: no serious or critical axe-core
finding, no page wider than the screen, and the workspace's panels reachable from the top."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from annotations.models import Attribution, Entity, EntityAlias, StoryLink
from annotations.tests.makers import add_attribution, make_claim, make_entity, make_mention, quote_evidence
from articles.models import Article, Feed, Source
from articles.tests.makers import make_article, make_source

pytestmark = pytest.mark.browser

LONG_NAME = "Badan Meteorologi, Klimatologi, dan Geofisika Republik Indonesia" * 3
BODY = (
    "Kim Jong Un travelled to Russia, the Kremlin said on Monday. Yonhap reported that the train had left "
    "Pyongyang for Vladivostok. Russia denied that weapons would be discussed. An official said the talks "
    "were retracted. " + LONG_NAME.replace(" ", "") + " was not named.\n\n"
    "Kim Jong Un and Vladimir Putin are expected to meet in Vladivostok. Russia and North Korea disputed the "
    "report. Putin said nothing."
)


def busy_story() -> Article:
    """A story with a claim of every status, mentions, suggestions, links and a long history."""
    publisher = make_source(name=LONG_NAME, kind=Source.Kind.PUBLICATION)
    story = make_article(title="Kim Jong Un travels to Russia " + "and more " * 12, body=BODY, publisher=publisher,
                         status=Article.Status.DRAFT, url="https://example.org/" + "very-long-path/" * 10)
    kim = make_mention(story, "Kim Jong Un", entity=make_entity(name="Kim Jong Un")).entity
    russia = make_entity(name="Russia", kind=Entity.Kind.PLACE)
    EntityAlias.objects.create(entity=russia, name="Rusia")
    make_entity(name="Vladivostok", kind=Entity.Kind.PLACE)
    make_mention(story, "Kremlin", entity=make_entity(name="Kremlin", kind=Entity.Kind.ORGANISATION))
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    agency = make_source(name="Yonhap " + LONG_NAME, kind=Source.Kind.NEWS_AGENCY)
    for text, status in [("Kim Jong Un travelled to Russia", "confirmed"), ("the train had left", "reported"),
                         ("weapons would be discussed", "denied"), ("the talks were retracted", "retracted"),
                         ("disputed the report", "disputed"), ("Putin said nothing", "unverified")]:
        claim = make_claim(story, text, statement=f"{text} " * 6)
        attribution = add_attribution(claim, kremlin)
        add_attribution(claim, agency, role=Attribution.Role.VIA)
        if status == "confirmed":
            claim.change_status("confirmed", by=None, reason="On the record " * 10, evidence=quote_evidence(attribution))
        elif status != "unverified":
            claim.change_status("reported", by=None, reason="Reported")
            if status != "reported":
                claim.change_status(status, by=None, reason="Because " * 20)
    other = make_article(title="Putin meets Kim in Vladivostok " + LONG_NAME, body="Kim Jong Un met Putin in Russia.")
    make_mention(other, "Kim Jong Un", entity=kim)
    StoryLink.objects.create(from_article=story, to_article=other, kind=StoryLink.Kind.FOLLOW_UP)
    troubled_feeds(publisher)
    return story


def troubled_feeds(source: Source) -> None:
    """A feed of each kind of trouble, with long names, addresses, errors and notes."""
    long_url = "https://example.org/" + "very-long-path/" * 10 + "feed.xml"
    Feed.objects.create(source=source, url=long_url, paused_at=timezone.now(), failures=10, last_polled_at=timezone.now(),
                        last_result=Feed.Result.FAILED, last_error="the server answered 404 " + LONG_NAME,
                        paused_reason="paused after 10 failures in a row; the last: the server answered 404 " + LONG_NAME)
    Feed.objects.create(source=source, name=LONG_NAME, url=long_url + "?failing", failures=2, last_polled_at=timezone.now(),
                        last_result=Feed.Result.FAILED, last_error="timed out",
                        last_messages=["item 3: " + LONG_NAME.replace(" ", ""), "item 4: no title"])
    Feed.objects.create(source=source, name="Antara", url="https://example.org/antara.xml", last_new=3, last_known=40,
                        last_polled_at=timezone.now(), last_result=Feed.Result.NEW)


def desk_pages(story: Article) -> list[str]:
    return [
        "/desk/", "/desk/?q=Kim", "/desk/?status=bogus", "/desk/import/",
        f"/desk/articles/{story.pk}/", f"/desk/articles/{story.pk}/history/",
        "/desk/entities/search/?q=Kim", "/desk/sources/search/?q=Yonhap",
        f"/desk/articles/{story.pk}/links/search/?q=Putin", "/desk/feeds/",
    ]


SERIOUS = """async () => (await axe.run(document)).violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`)"""
SIDEWAYS = """() => document.documentElement.scrollWidth > window.innerWidth + 1
    ? Array.from(document.querySelectorAll("body *")).filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5).map((e) => e.tagName + "." + e.className) : null"""


def test_every_desk_page_passes_axe_and_fits_at_1280_and_360_px(editor_page: Page, axe_source):
    page = editor_page
    story = busy_story()
    for url in desk_pages(story):
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(url)
            page.evaluate("(open) => document.querySelectorAll('details').forEach((d) => d.open = open)", True)
            page.evaluate(axe_source + "\n;true")
            assert page.evaluate(SERIOUS) == [], (url, width)
            assert page.evaluate(SIDEWAYS) is None, (url, width, "the page scrolls sideways")


def test_the_keys_list_an_open_panel_and_the_publish_checklist_pass_axe_on_a_phone(editor_page: Page, axe_source):
    page = editor_page
    story = busy_story()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/desk/articles/{story.pk}/")
    page.wait_for_function("() => window.NewsdeskOffsets !== undefined")
    page.locator("[data-article-body]").focus()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Alt+Shift+C")
    expect(page.get_by_label("Statement")).to_be_focused()
    page.evaluate(axe_source + "\n;true")
    assert page.evaluate(SERIOUS) == []
    assert page.evaluate(SIDEWAYS) is None
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keys of the desk")).to_be_visible()
    assert page.evaluate(SERIOUS) == []
    assert page.evaluate(SIDEWAYS) is None
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    # The publish checklist, asked before the story goes live.
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("button", name="Publish now")).to_be_visible()
    assert page.evaluate(SERIOUS) == []
    assert page.evaluate(SIDEWAYS) is None


def test_on_a_phone_the_panels_are_a_tap_away_from_the_top(editor_page: Page):
    page = editor_page
    story = busy_story()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/desk/articles/{story.pk}/")
    tabs = page.get_by_role("navigation", name="Panels of the workspace")
    expect(tabs).to_be_visible()
    page.screenshot(path="/tmp/probe/narrow.png", full_page=False)
    assert tabs.bounding_box()["y"] < 800, "the panels' links are on the first screen"
    claims = page.locator("#claims-panel")
    assert claims.bounding_box()["y"] > 800, "on a phone the claims come after the story"
    tabs.get_by_role("link", name="Claims").click()
    expect(claims).to_be_in_viewport()
    # The links stay at the top as one scrolls, and lead back to the story.
    expect(tabs).to_be_in_viewport()
    tabs.get_by_role("link", name="Story").click()
    expect(page.locator("[data-article-body]")).to_be_in_viewport()

    # At 1280 px the panels are beside the story: no links needed.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(tabs).to_be_hidden()
    assert claims.bounding_box()["y"] < 800


def test_each_claim_status_looks_different_even_without_colour(editor_page: Page):
    """In grey scale too: each status has its own line under the words (solid, dashed, dotted,
    wavy, double, struck through), in the story and in the legend beside it."""
    page = editor_page
    story = busy_story()
    page.goto(f"/desk/articles/{story.pk}/")
    looks = page.evaluate("""() => Array.from(document.querySelectorAll(".highlight-legend .hl-claim")).map((e) => {
        const style = getComputedStyle(e);
        return [e.className.match(/hl-(\\w+)$/)[1], style.textDecorationLine + " " + style.textDecorationStyle];
    })""")
    assert len(looks) == 6
    assert len({look for _, look in looks}) == 6, looks
    in_story = page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll("[data-article-body] mark.hl-claim"))
        .map((e) => [e.className.match(/hl-(\\w+)$/)[1], getComputedStyle(e).textDecorationStyle]))""")
    assert set(in_story) == {status for status, _ in looks}
    assert dict(looks)["denied"].endswith("double") and in_story["denied"] == "double"
