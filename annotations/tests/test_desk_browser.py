"""The worked example of product.md, annotated end to end in a real browser by an editor."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from annotations.models import Claim, Entity, Mention, StoryLink
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

pytestmark = pytest.mark.browser

STORY = (
    "Media Korea Selatan melaporkan bahwa kereta Kim Jong Un telah berangkat menuju Rusia.\n\n"
    "Kremlin mengatakan kunjungan itu akan berlangsung dalam beberapa hari mendatang. "
    "Menurut Yonhap, Kim Jong Un akan bertemu Vladimir Putin."
)

SELECT_TEXT = """([text, occurrence]) => {
  const body = document.querySelector("[data-article-body]");
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const nodes = []; let full = "";
  while (walker.nextNode()) { nodes.push([walker.currentNode, full.length]); full += walker.currentNode.data; }
  let at = -1;
  for (let i = 0; i <= occurrence; i++) at = full.indexOf(text, at + 1);
  if (at < 0) throw new Error("text not in the story: " + text);
  const locate = (pos, isEnd) => {
    for (const [node, start] of nodes) {
      if (isEnd ? pos <= start + node.data.length : pos < start + node.data.length) return [node, pos - start];
    }
  };
  const range = document.createRange();
  range.setStart(...locate(at, false));
  range.setEnd(...locate(at + text.length, true));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}"""


def select(page: Page, text: str, occurrence: int = 0) -> None:
    """Select text in the story with the Range API, counting in UTF-16 as the DOM does."""
    page.wait_for_function("() => window.NewsdeskOffsets !== undefined")  # the desk's deferred script (a function: an expression would be eval()ed, which the CSP refuses)
    page.evaluate(SELECT_TEXT, [text, occurrence])
    expect(page.get_by_role("toolbar", name="Annotate the selection")).to_be_visible()


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/?next=/desk/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


@pytest.fixture
def desk_editor(transactional_db, editor) -> User:
    return editor


def mark_reported_via_yonhap(page: Page, words: str, statement: str) -> None:
    """Mark `words` as a claim, reported by an unnamed official (a new source) via Yonhap (one the
    newsroom knows), as the worked example's train claim is."""
    select(page, words)
    page.get_by_role("button", name="Mark claim").click()
    page.get_by_label("Statement").fill(statement)
    page.get_by_label("Source of link 1").fill("an unnamed official")
    page.get_by_label("Kind, if link 1 is a new source").select_option("anonymous")
    page.get_by_label("Sourcing of link 1").select_option("anonymous")
    page.get_by_role("button", name="Add a link to the chain").click()
    page.get_by_label("Source of link 2").fill("Yonh")
    page.get_by_role("button", name=re.compile("^Yonhap")).click()
    page.get_by_label("Role of link 2").select_option("via")
    page.get_by_label("Status").select_option("reported")
    page.get_by_role("button", name="Record claim").click()
    expect(page.get_by_role("status")).to_have_text("Claim recorded.")


def test_editor_annotates_the_worked_example_end_to_end(page: Page, desk_editor, reader_page: Page):
    story = make_article(title="Kereta Kim berangkat", body=STORY, language="id", status=Article.Status.DRAFT, published_at=None)
    make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR")
    earlier = make_article(title="US says arms talks are advancing", language="en")
    log_in(page, "edna", "edna-password-1")
    page.get_by_role("link", name="Kereta Kim berangkat").click()

    # Tag a name as a new person; the highlight appears without a reload.
    select(page, "Kim Jong Un")
    page.get_by_role("button", name="Tag entity").click()
    expect(page.get_by_label("Entity's name")).to_have_value("Kim Jong Un")
    page.get_by_label("Kind", exact=True).select_option("person")
    page.get_by_role("button", name="Tag", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Tagged 1 × Kim Jong Un.")
    expect(page.locator("[data-article-body] mark.hl-mention")).to_have_count(1)

    # The second occurrence, with the entity that now exists.
    select(page, "Kim Jong Un", occurrence=1)
    page.get_by_role("button", name="Tag entity").click()
    page.get_by_role("button", name=re.compile("^Kim Jong Un")).click()
    page.get_by_role("button", name="Tag", exact=True).click()
    expect(page.locator("[data-article-body] mark.hl-mention")).to_have_count(2)
    kim = Entity.objects.get(name="Kim Jong Un")
    assert sorted(Mention.objects.filter(entity=kim).values_list("start", flat=True)) == [
        STORY.index("Kim Jong Un"), STORY.index("Kim Jong Un", STORY.index("Kim Jong Un") + 1),
    ]

    # A claim attributed to an anonymous official via a news agency, reported.
    mark_reported_via_yonhap(page, "kereta Kim Jong Un telah berangkat menuju Rusia", "Kim Jong Un's train has left for Russia.")
    card = page.locator(".claim-card", has_text="train has left for Russia")
    expect(card).to_contain_text("according to Yonhap, citing an unnamed official")

    # Confirming it is refused, with the reason.
    card.get_by_text("Change status").click()
    card.get_by_label("New status").select_option("confirmed")
    card.get_by_label("Why").fill("Sure of it")
    card.get_by_role("button", name="Save status").click()
    expect(page.locator(".claim-card", has_text="train has left").get_by_role("alert")).to_contain_text(
        "every speaker is anonymous"
    )
    assert Claim.objects.get().status == "reported"

    # An on-record source, then a confirmation that names it as evidence.
    card = page.locator(".claim-card", has_text="train has left for Russia")
    card.get_by_text("Add a source to the chain").click()
    card.get_by_label("Source", exact=True).fill("Kremlin")
    card.get_by_label("Kind, if it is a new source").select_option("government")
    card.get_by_label("Country", exact=True).fill("RU")
    card.get_by_role("button", name="Add source").click()
    expect(page.get_by_role("status")).to_have_text("Source added to the chain.")
    card = page.locator(".claim-card", has_text="train has left for Russia")
    card.get_by_text("Change status").click()
    card.get_by_label("New status").select_option("confirmed")
    card.get_by_label("Why").fill("The Kremlin confirmed the visit on the record.")
    card.get_by_label("Evidence", exact=True).select_option(label="on-record quote: Kremlin")
    card.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("status")).to_have_text("The claim is now confirmed.")
    claim = Claim.objects.get()
    assert claim.status == "confirmed"
    assert list(claim.history.values_list("from_status", "to_status", "changed_by__username")) == [
        ("unverified", "reported", "edna"), ("reported", "confirmed", "edna"),
    ]
    assert [(a.source.name, a.role, a.sourcing) for a in claim.attributions.order_by("position")] == [
        ("an unnamed official", "speaker", "anonymous"), ("Yonhap", "via", "on_record"),
        ("Kremlin", "speaker", "on_record"),
    ]

    # Link a related story.
    page.get_by_label("Find a story to link").fill("arms talks")
    page.get_by_label(f"Relation to “{earlier.title}”").select_option("earlier_coverage")
    page.get_by_role("button", name=f"Link “{earlier.title}”").click()
    expect(page.get_by_role("status")).to_have_text(f"Linked to “{earlier.title}”.")
    assert StoryLink.objects.filter(from_article=story, to_article=earlier, kind="earlier_coverage").exists()

    # Publish; an undated story is refused until it has its date; then the public can read it.
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="no publication date")).to_be_visible()
    expect(page.locator("details.story-details")).to_have_attribute("open", "")  # opened where the date goes
    page.get_by_label("Publication date and time").fill("2023-09-10T21:00")
    page.get_by_role("button", name="Save the details").click()
    expect(page.get_by_text("undated")).to_have_count(0)
    page.get_by_role("button", name="Publish").click()
    # The first press asks, with what is still open; "Not yet" leaves it a draft.
    checklist = page.get_by_role("region", name="Before it goes live")
    expect(checklist).to_contain_text("claim")
    expect(checklist.get_by_role("heading", name="Before it goes live")).to_be_focused()
    checklist.get_by_role("link", name="Not yet").click()
    expect(page.get_by_role("button", name="Publish", exact=True)).to_be_visible()
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_role("button", name="Withdraw")).to_be_visible()
    story.refresh_from_db()
    assert story.status == Article.Status.PUBLISHED
    reader = reader_page  # its console and the policy are watched like the editor's
    response = reader.goto(story.get_absolute_url())
    assert response.status == 200
    expect(reader.get_by_text("according to Yonhap, citing an unnamed official; according to Kremlin")).to_be_visible()
    expect(reader.get_by_text("Kim Jong Un's train has left for Russia.")).to_be_visible()
    # The reader goes on through the public site: not one console error or blocked thing on the way.
    for url in ["/", kim.get_absolute_url(), claim.get_absolute_url(), "/search/?q=Kremlin", "/feed/"]:
        assert reader.goto(url).status == 200, url


def test_the_worked_example_twice_by_typed_names_leaves_one_entity_and_one_source_each(page: Page, desk_editor):
    """Issue 14, finding 1: names typed (the matches never clicked) on two stories in a row."""
    stories = [
        make_article(title=f"Kereta Kim {n}", body=STORY, language="id", status=Article.Status.DRAFT, published_at=None)
        for n in (1, 2)
    ]
    log_in(page, "edna", "edna-password-1")
    for story in stories:
        page.goto(f"/desk/articles/{story.pk}/")
        select(page, "Kim Jong Un")
        page.get_by_role("button", name="Tag entity").click()
        expect(page.get_by_label("Entity's name")).to_have_value("Kim Jong Un")
        if story == stories[0]:
            page.get_by_label("Kind", exact=True).select_option("person")
        else:  # the known one is offered first, and no new-entity fields are shown
            expect(page.locator("#entity-results li").first).to_contain_text("named in 1 story")
            expect(page.get_by_label("Kind", exact=True)).to_be_hidden()
        page.get_by_role("button", name="Tag", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Tagged 1 × Kim Jong Un.")
        expect(page.locator(".form-errors")).to_have_count(0)

        select(page, "Menurut Yonhap, Kim Jong Un akan bertemu Vladimir Putin")
        page.get_by_role("button", name="Mark claim").click()
        page.get_by_label("Source of link 1").fill("Yonhap")
        if story == stories[0]:
            page.get_by_label("Kind, if link 1 is a new source").select_option("news_agency")
            page.get_by_label("Country of link 1").fill("KR")
        else:
            expect(page.locator("#chain-0-results [data-exact-match]")).to_contain_text("Yonhap")
            expect(page.get_by_label("Kind, if link 1 is a new source")).to_be_hidden()
        page.get_by_role("button", name="Record claim").click()
        expect(page.get_by_role("status")).to_have_text("Claim recorded.")

        # The same source again on the claim's card, by typing its name in another case.
        card = page.locator(".claim-card", has_text="Vladimir Putin")
        card.get_by_text("Add a source to the chain").click()
        card.get_by_label("Source", exact=True).fill("yonhap ")
        card.get_by_label("Role").select_option("via")
        card.get_by_role("button", name="Add source").click()
        expect(page.get_by_role("status")).to_have_text("Source added to the chain.")

    assert list(Entity.objects.values_list("name", flat=True)) == ["Kim Jong Un"]
    assert list(Source.objects.exclude(articles__isnull=False).values_list("name", flat=True)) == ["Yonhap"]
    assert Mention.objects.count() == 2 and Claim.objects.count() == 2
    assert set(Claim.objects.values_list("attributions__source__name", flat=True)) == {"Yonhap"}


def test_selection_after_emoji_and_hangul_saves_exactly_that_text(page: Page, desk_editor):
    body = "👍🏽 🇰🇷 e\u0301 김정은 위원장이 말했다: «مرحبا» Kim Jong Un arrived."
    story = make_article(title="Emoji story", body=body, language="ko")
    log_in(page, "edna", "edna-password-1")
    page.goto(f"/desk/articles/{story.pk}/")
    for text, kind in [("김정은", "person"), ("مرحبا", "event"), ("Kim Jong Un", "person")]:
        select(page, text)
        page.get_by_role("button", name="Tag entity").click()
        page.get_by_label("Kind", exact=True).select_option(kind)
        page.get_by_role("button", name="Tag", exact=True).click()
        expect(page.get_by_role("status")).to_have_text(f"Tagged 1 × {text}.")
    story.refresh_from_db()
    saved = {m.exact: (m.start, m.end) for m in story.mentions.all()}
    for text in ["김정은", "مرحبا", "Kim Jong Un"]:
        start, end = saved[text]
        assert story.body[start:end] == text


def test_inbox_search_as_you_type_keeps_its_filters_in_the_url_and_the_back_button_works(editor_page):
    page = editor_page
    make_article(title="Kremlin confirms the visit", body="The Kremlin said the visit will happen.")
    make_article(title="Floods in Semarang", body="Rivers rose across the city.")
    page.goto("/desk/")
    expect(page.get_by_role("link", name="Floods in Semarang")).to_be_visible()
    page.get_by_label("Search stories, claims, sources and entities").press_sequentially("krem", delay=30)
    expect(page.get_by_role("link", name="Floods in Semarang")).to_have_count(0)
    expect(page.get_by_role("link", name="Kremlin confirms the visit")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=krem"))
    page.get_by_label("Status").select_option("draft")
    expect(page.get_by_text("No stories match these filters.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"status=draft"))
    page.go_back()
    expect(page.get_by_role("link", name="Kremlin confirms the visit")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Search stories, claims, sources and entities")).to_have_value("krem")


def test_editor_confirms_a_claim_on_the_selected_quote_and_readers_read_it(page: Page, desk_editor):
    """Issue 14, finding 6: the words the Kremlin said, selected in the story, are the evidence."""
    story = make_article(title="Kremlin mengonfirmasi", body=STORY, language="id")
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT, country="RU")
    statement = "kunjungan itu akan berlangsung dalam beberapa hari mendatang"
    start = STORY.index(statement)
    Claim.record(story, start=start, end=start + len(statement), exact=statement, chain=[(kremlin, "speaker", "on_record")],
                 status="reported")
    log_in(page, "edna", "edna-password-1")
    page.goto(f"/desk/articles/{story.pk}/")
    card = page.locator(".claim-card", has_text=statement)
    card.get_by_text("Change status").click()
    expect(card.get_by_label("New status")).to_have_value("reported")
    select(page, statement)
    card.get_by_role("button", name="Use the words selected in the story as the quote").click()
    expect(card.locator("[data-quote-text]")).to_have_text(statement)
    card.get_by_label("New status").select_option("confirmed")
    card.get_by_label("Why").fill("The Kremlin's statement, on the record.")
    card.get_by_label("Public explanation").fill("The Kremlin confirmed the visit.")
    evidence = card.get_by_label("Evidence", exact=True)
    expect(evidence.locator("option", has_text="on-record quote")).to_have_count(1)
    evidence.select_option(label="on-record quote: Kremlin")
    card.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("status")).to_have_text("The claim is now confirmed.")
    claim = Claim.objects.get()
    assert claim.status == "confirmed" and claim.history.last().evidence.exact == statement

    page.goto(claim.get_absolute_url())
    evidence_list = page.get_by_role("region", name="Evidence")
    expect(evidence_list.locator("q.quoted-evidence")).to_have_text(statement)  # <q> draws the quotation marks
    expect(evidence_list).to_contain_text(f"{statement} — Kremlin, on the record")
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("The Kremlin confirmed the visit.")
    expect(timeline).not_to_contain_text("Kremlin's statement")  # the internal reason stays on the desk
    page.goto(story.get_absolute_url())
    expect(page.locator(".quoted-evidence")).to_have_text(statement)


def test_suggestions_are_reviewed_and_accepted_entity_by_entity(editor_page):
    page = editor_page
    body = "Kereta Kim Jong Un menuju Rusia. Kremlin: Rusia menyambut Kim Jong Un. Pejabat Rusia setuju."
    story = make_article(title="Kereta", body=body, language="id")
    russia = Entity.objects.create(name="Russia", kind="place")
    russia.aliases.create(name="Rusia", language="id")
    kim = Entity.objects.create(name="Kim Jong Un", kind="person")
    page.goto(f"/desk/articles/{story.pk}/")
    panel = page.get_by_role("region", name=re.compile("^Suggested mentions"))
    expect(panel).to_contain_text("Russia — 3 times")
    expect(panel).not_to_contain_text("@")
    # One occurrence, reviewed by its words.
    panel.get_by_text("review the 3 suggestions of Russia one by one").click()
    panel.get_by_role("button", name="accept: Russia, in “…Un menuju Rusia. Kremlin: Rusia menyambut Kim Jong Un.…”").click()
    expect(page.get_by_role("status")).to_have_text("Tagged 1 suggested mention.")
    # The rest of that entity at once; the other entity's suggestions stay.
    panel.get_by_role("button", name="Accept all 2 suggestions of Russia").click()
    expect(page.get_by_role("status")).to_have_text("Tagged 2 suggested mentions of Russia.")
    expect(panel).to_contain_text("Kim Jong Un — 2 times")
    assert Mention.objects.filter(entity=russia).count() == 3 and not Mention.objects.filter(entity=kim).exists()
    panel.get_by_role("button", name="Reject all 2 suggestions of Kim Jong Un").click()
    expect(page.get_by_role("status")).to_have_text("Rejected 2 suggestions of Kim Jong Un.")
    expect(panel).to_contain_text("No known entity is named here without a tag.")
    expect(page.locator("[data-article-body] mark.hl-mention")).to_have_count(3)
