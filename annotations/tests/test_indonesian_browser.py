"""The worked example of product.md done in Indonesian, in a real browser: chosen with the
switcher, the desk from log-in to publishing, then the public pages. On every screen no visible
text (nor a control's accessible name) may be an English message of our catalogue."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import Page, expect

from annotations.models import Claim, Entity, StoryLink
from annotations.tests.test_desk_browser import SELECT_TEXT, STORY, desk_editor  # noqa: F401 - a fixture
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source
from newsdesk.translations import PLACEHOLDER, SAME_IN_EVERY_LANGUAGE, reviewed_same

pytestmark = pytest.mark.browser

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.po"


def t(message: str, context: str | None = None, **values) -> str:
    """A message as the Indonesian interface writes it: the test finds controls by these."""
    with translation.override("id"):
        text = pgettext(context, message) if context else gettext(message)
    return text % values if values else text


def normal(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", text).split())


def english_messages():
    """Our catalogue's English, as a page shows it (markup gone, spaces folded): the messages
    whose Indonesian differs, a set of plain ones and a pattern for those with placeholders."""
    catalogue = polib.pofile(str(CATALOGUE))
    same = SAME_IN_EVERY_LANGUAGE | reviewed_same(CATALOGUE)
    plain, patterns = set(), []
    for entry in catalogue:
        for english in filter(None, (entry.msgid, entry.msgid_plural)):
            if entry.obsolete or english in same or english in (entry.msgstr, *entry.msgstr_plural.values()):
                continue
            text = normal(english)
            if not re.search(r"[A-Za-z]{2}", PLACEHOLDER.sub("", text)):
                continue
            if PLACEHOLDER.search(text):
                parts = PLACEHOLDER.split(text)
                if sum(len(part.strip(" .,:;()“”")) for part in parts) >= 4:  # enough words of its own
                    patterns.append(".+?".join(re.escape(part) for part in parts))
            else:
                plain.add(text)
    return plain, re.compile("|".join(f"(?:{p})" for p in patterns))


ENGLISH = None

# Each visible element's text (innerText: what the page shows), and every control's accessible
# words, outside anything in a language of its own (the story's text, a language's own name).
VISIBLE_TEXTS = """() => {
  const page = document.documentElement.lang;
  const own = (el) => { const holder = el.closest("[lang]"); return !holder || holder.lang === page; };
  const texts = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"].includes(el.tagName) || !own(el)) continue;
    if (!el.checkVisibility()) continue;
    for (const node of el.childNodes) {
      if (node.nodeType === Node.TEXT_NODE && node.data.trim()) texts.push(node.data);
    }
    const foreign = [...el.querySelectorAll("[lang]")].some((inner) => inner.lang !== page);
    if (el.children.length && el.innerText && !foreign) texts.push(el.innerText);
    for (const name of ["aria-label", "placeholder", "title", "alt"]) {
      if (el.getAttribute(name)) texts.push(el.getAttribute(name));
    }
    if (el.matches("input[type=submit], input[type=button]") && el.value) texts.push(el.value);
  }
  texts.push(document.title);
  return texts;
}"""


def english_on(page: Page) -> list[str]:
    global ENGLISH
    if ENGLISH is None:
        ENGLISH = english_messages()
    plain, pattern = ENGLISH
    assert page.evaluate("() => document.documentElement.lang") == "id", page.url
    found = []
    for text in page.evaluate(VISIBLE_TEXTS):
        for line in [text, *text.split("\n")]:
            line = normal(line)
            if line and (line in plain or pattern.fullmatch(line)):
                found.append(line)
    return sorted(set(found))


def assert_indonesian(page: Page) -> None:
    assert english_on(page) == [], f"English on {page.url}"


def select(page: Page, text: str, occurrence: int = 0) -> None:
    page.wait_for_function("() => window.NewsdeskOffsets !== undefined")
    page.evaluate(SELECT_TEXT, [text, occurrence])
    expect(page.get_by_role("toolbar", name=t("Annotate the selection"))).to_be_visible()


def choose_indonesian(page: Page) -> None:
    page.get_by_label("Site language").select_option("id")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")


def test_the_check_finds_english_left_on_a_page(page: Page, transactional_db):
    """The guard itself: an English message on an Indonesian page is caught, words of a story are not."""
    page.goto("/")
    choose_indonesian(page)
    assert english_on(page) == []
    page.evaluate("""() => {
      const p = document.createElement("p"); p.textContent = "Latest stories"; document.querySelector("main").append(p);
      const q = document.createElement("p"); q.lang = "en"; q.textContent = "Search the stories"; document.querySelector("main").append(q);
      const b = document.createElement("button"); b.setAttribute("aria-label", "Tag entity"); document.querySelector("main").append(b);
      const s = document.createElement("p"); s.textContent = "Tagged 3 × Kim Jong Un."; document.querySelector("main").append(s);
    }""")
    assert english_on(page) == ["Latest stories", "Tag entity", "Tagged 3 × Kim Jong Un."]


def test_the_worked_example_in_indonesian_on_the_desk_and_the_public_pages(page: Page, desk_editor, reader_page: Page):
    story = make_article(title="Kereta Kim berangkat", body=STORY, language="id", status=Article.Status.DRAFT, published_at=None)
    make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR")
    earlier = make_article(title="US says arms talks are advancing", language="en")

    # The editor's browser asks for English; the switcher on the log-in page chooses Indonesian.
    page.goto("/accounts/login/?next=/desk/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    choose_indonesian(page)
    assert_indonesian(page)
    page.get_by_label(t("Username")).fill("edna")
    page.get_by_label(t("Password")).fill("edna-password-1")
    page.get_by_role("button", name=t("Log in")).click()
    expect(page.get_by_role("heading", name=t("Inbox"))).to_be_visible()
    assert_indonesian(page)
    page.get_by_role("link", name="Kereta Kim berangkat").click()
    assert_indonesian(page)

    # Tag Kim Jong Un as a new person, then its second occurrence.
    select(page, "Kim Jong Un")
    page.get_by_role("button", name=t("Tag entity")).click()
    expect(page.get_by_label(t("Entity's name"))).to_have_value("Kim Jong Un")
    page.get_by_label(t("Kind"), exact=True).select_option("person")
    assert_indonesian(page)
    page.get_by_role("button", name=t("Tag"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(t("Tagged %(n)s × %(entity)s.", n=1, entity="Kim Jong Un"))
    select(page, "Kim Jong Un", occurrence=1)
    page.get_by_role("button", name=t("Tag entity")).click()
    page.get_by_role("button", name=re.compile("^Kim Jong Un")).click()
    page.get_by_role("button", name=t("Tag"), exact=True).click()
    expect(page.locator("[data-article-body] mark.hl-mention")).to_have_count(2)
    assert_indonesian(page)

    # The reported claim: an unnamed official, via Yonhap.
    select(page, "kereta Kim Jong Un telah berangkat menuju Rusia")
    page.get_by_role("button", name=t("Mark claim")).click()
    page.get_by_label(t("Statement")).fill("Kereta Kim Jong Un telah berangkat menuju Rusia.")
    page.get_by_label(t("Source of link %(number)s", number=1)).fill("seorang pejabat yang tidak disebutkan namanya")
    page.get_by_label(t("Kind, if link %(number)s is a new source", number=1)).select_option("anonymous")
    page.get_by_label(t("Sourcing of link %(number)s", number=1)).select_option("anonymous")
    page.get_by_role("button", name=t("Add a link to the chain")).click()
    page.get_by_label(t("Source of link %(number)s", number=2)).fill("Yonh")
    page.get_by_role("button", name=re.compile("^Yonhap")).click()
    page.get_by_label(t("Role of link %(number)s", number=2)).select_option("via")
    page.get_by_label(t("Status"), exact=True).select_option("reported")
    assert_indonesian(page)
    page.get_by_role("button", name=t("Record claim")).click()
    expect(page.get_by_role("status")).to_have_text(t("Claim recorded."))
    card = page.locator(".claim-card", has_text="telah berangkat menuju Rusia")
    expect(card).to_contain_text("menurut Yonhap, mengutip seorang pejabat yang tidak disebutkan namanya")
    assert_indonesian(page)

    # Confirming on an anonymous chain is refused, with the reason in Indonesian.
    card.get_by_text(t("Change status")).click()
    card.get_by_label(t("New status")).select_option("confirmed")
    card.get_by_label(t("Why (internal, for editors only)")).fill("Yakin")
    card.get_by_role("button", name=t("Save status")).click()
    refusal = page.locator(".claim-card", has_text="telah berangkat").get_by_role("alert")
    expect(refusal).to_be_visible()
    assert_indonesian(page)
    assert Claim.objects.get().status == "reported"

    # The Kremlin on the record, then the confirmation naming its quote.
    card = page.locator(".claim-card", has_text="telah berangkat menuju Rusia")
    card.get_by_text(t("Add a source to the chain")).click()
    card.get_by_label(t("Source"), exact=True).fill("Kremlin")
    card.get_by_label(t("Kind, if it is a new source")).select_option("government")
    card.get_by_label(t("Country"), exact=True).fill("RU")
    card.get_by_role("button", name=t("Add source")).click()
    expect(page.get_by_role("status")).to_have_text(t("Source added to the chain."))
    card = page.locator(".claim-card", has_text="telah berangkat menuju Rusia")
    card.get_by_text(t("Change status")).click()
    card.get_by_label(t("New status")).select_option("confirmed")
    card.get_by_label(t("Why (internal, for editors only)")).fill("Kremlin mengonfirmasi kunjungan itu secara resmi.")
    card.get_by_label(t("Evidence"), exact=True).select_option(label=t("on-record quote: %(source)s", source="Kremlin"))
    card.get_by_role("button", name=t("Save status")).click()
    with translation.override("id"):
        confirmed = str(Claim.Status("confirmed").label)
    expect(page.get_by_role("status")).to_have_text(t("The claim is now %(status)s.", status=confirmed))
    assert Claim.objects.get().status == "confirmed"
    assert_indonesian(page)

    # Link the earlier story.
    page.get_by_label(t("Find a story to link")).fill("arms talks")
    page.get_by_label(t("Relation to “%(title)s”", title=earlier.title)).select_option("earlier_coverage")
    page.get_by_role("button", name=t("Link “%(title)s”", title=earlier.title)).click()
    expect(page.get_by_role("status")).to_have_text(t("Linked to “%(title)s”.", title=earlier.title))
    assert StoryLink.objects.filter(from_article=story, to_article=earlier).exists()
    assert_indonesian(page)

    # Its date, then publishing: the checklist asks first, in Indonesian.
    page.get_by_text(t("Edit the story's details")).click()
    page.get_by_label(t("Publication date and time")).fill("2023-09-10T21:00")
    page.get_by_role("button", name=t("Save the details")).click()
    expect(page.locator("time").first).to_contain_text("10 Sep 2023, 21.00")
    page.get_by_role("button", name=t("Publish"), exact=True).click()
    checklist = page.get_by_role("region", name=t("Before it goes live"))
    expect(checklist).to_be_visible()
    assert_indonesian(page)
    page.get_by_role("button", name=t("Publish now")).click()
    expect(page.get_by_role("button", name=t("Withdraw"))).to_be_visible()
    story.refresh_from_db()
    assert story.status == Article.Status.PUBLISHED
    assert_indonesian(page)

    # The story's history.
    page.goto(f"/desk/articles/{story.pk}/history/")
    assert_indonesian(page)

    # A reader whose browser asks for English chooses Indonesian on the story's page.
    reader = reader_page
    assert reader.goto(story.get_absolute_url()).status == 200
    expect(reader.locator("html")).to_have_attribute("lang", "en")
    choose_indonesian(reader)
    expect(reader.get_by_text("menurut Yonhap, mengutip seorang pejabat yang tidak disebutkan namanya; menurut Kremlin")).to_be_visible()
    expect(reader.locator("article.story")).to_have_attribute("lang", "id")
    assert_indonesian(reader)
    kim = Entity.objects.get(name="Kim Jong Un")
    claim = Claim.objects.get()
    for url in ["/", kim.get_absolute_url(), claim.get_absolute_url(), "/search/?q=Kremlin", "/feed/", "/articles/no-such-story/"]:
        response = reader.goto(url)
        if url != "/feed/":
            assert_indonesian(reader)
    assert response.status == 404
    reader.console_errors.remove(f"Failed to load resource: the server responded with a status of 404 (Not Found) ({response.url})")
