"""Public pages in a real browser: hostile stored text stays text, and axe-core finds no serious fault."""


import pytest
from playwright.sync_api import Page

from annotations.models import Attribution, EntityAlias, Source
from annotations.tests.makers import add_attribution, make_claim, make_entity, make_mention, quote_evidence
from articles.tests.makers import make_article, make_source

pytestmark = pytest.mark.browser

HOSTILE = (
    '<script>__xss=1</script>"><img src=x onerror="__xss=2"><svg onload="__xss=3">'
    '<a href="javascript:__xss=4">x</a><div hx-get="/" hx-trigger="load" hx-on:htmx:load="__xss=5" '
    'id="results" hx-swap-oob="true">y</div></textarea><style>body{display:none}</style>'
)
assert len(HOSTILE) < 280

INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) bad.push(el.tagName + " " + name);
      if ((name === "href" || name === "src") && /^\\s*javascript:/i.test(attr.value)) bad.push(el.tagName + " " + name);
      if (name.startsWith("hx-on") || name === "hx-trigger" && attr.value.includes("load")) bad.push(el.tagName + " " + name);
    }
    if (el.tagName === "SCRIPT" && el.type !== "application/ld+json" && el.textContent.includes("__xss")) bad.push("script");
    if (el.tagName === "SVG" || el.tagName === "IMG" && el.getAttribute("src") === "x") bad.push(el.tagName);
  }
  return bad;
}"""


def hostile_story():
    story = make_article(title=f"Title {HOSTILE}", body=f"Kim Jong Un said {HOSTILE} and left.", language="en")
    entity = make_entity(name=f"Entity {HOSTILE}")
    EntityAlias.objects.create(entity=entity, name=f"Alias {HOSTILE}")
    make_mention(story, "Kim Jong Un", entity=entity)
    claim = make_claim(story, "Kim Jong Un said", statement=f"Claim {HOSTILE}")
    source = make_source(name=f"Source {HOSTILE}", kind=Source.Kind.GOVERNMENT, url="https://example.org/")
    attribution = add_attribution(claim, source)
    claim.change_status("confirmed", by=None, reason=f"Reason {HOSTILE}", evidence=quote_evidence(attribution))
    return story, entity, source, claim


def public_pages(story, entity, source, claim) -> list[str]:
    return [
        "/", f"/?entity={entity.slug}", story.get_absolute_url(), entity.get_absolute_url(), source.get_absolute_url(),
        claim.get_absolute_url(), "/search/?q=Kim", "/search/?q=" + "%3Cscript%3Ewindow.__xss%3D9%3C%2Fscript%3E",
    ]


def test_b3_hostile_stored_text_never_runs_or_becomes_markup(page: Page, transactional_db):
    story, entity, source, claim = hostile_story()
    for url in public_pages(story, entity, source, claim):
        page.goto(url)
        page.wait_for_timeout(150)
        assert page.evaluate("window.__xss") is None, url
        assert page.evaluate(INJECTED) == [], url
        assert page.locator("body").is_visible(), url


def test_b3_hostile_text_is_inert_in_the_desk_too(editor_page: Page):
    story, *_ = hostile_story()
    editor_page.goto(f"/desk/articles/{story.pk}/")
    editor_page.goto("/desk/?q=Kim")
    editor_page.wait_for_timeout(150)
    assert editor_page.evaluate("window.__xss") is None
    editor_page.goto(f"/desk/articles/{story.pk}/")
    editor_page.wait_for_timeout(150)
    assert editor_page.evaluate("window.__xss") is None
    assert editor_page.evaluate(INJECTED) == []


def test_public_pages_have_no_serious_accessibility_violations(page: Page, transactional_db, axe_source):
    story = make_article(title="Kim Jong Un travels to Russia", language="en",
                         body="Kim Jong Un travelled to Russia, the Kremlin said. Yonhap reported the train had left.")
    entity = make_mention(story, "Kim Jong Un", entity=make_entity(name="Kim Jong Un")).entity
    claim = make_claim(story, "Kim Jong Un travelled to Russia")
    source = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    attribution = add_attribution(claim, source)
    claim.change_status("confirmed", by=None, reason="On the record", evidence=quote_evidence(attribution))
    reported = make_claim(story, "Yonhap reported the train had left")
    add_attribution(reported, make_source(name="an official", kind=Source.Kind.ANONYMOUS), sourcing="anonymous")
    add_attribution(reported, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role=Attribution.Role.VIA)
    reported.change_status("reported", by=None, reason="Reported")
    rtl = make_article(title="خبر عن الزيارة", language="ar", body="قال الكرملين إن الزيارة ستتم قريبا.")
    for url in ["/", story.get_absolute_url(), rtl.get_absolute_url(), entity.get_absolute_url(),
                source.get_absolute_url(), claim.get_absolute_url(), "/search/?q=Kremlin", "/search/"]:
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(url)
            page.evaluate(axe_source + "\n;true")
            result = page.evaluate("async () => await axe.run(document)")
            serious = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"] if v["impact"] in ("serious", "critical")]
            assert serious == [], (url, width, serious)
            overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
            assert not overflow, (url, width, "the page scrolls sideways")


def test_the_story_keeps_its_paragraphs_on_the_page(page: Page, transactional_db):
    story = make_article(body="First paragraph, with a claim.\n\nSecond paragraph.")
    make_claim(story, "with a claim")
    page.goto(story.get_absolute_url())
    body = page.locator("[data-article-body]")
    assert body.evaluate("el => el.textContent") == story.body
    assert body.evaluate("el => el.innerText").count("\n") >= 2, "the blank line between paragraphs shows"


def test_each_paragraph_is_a_block_of_its_own_and_a_line_break_inside_one_shows(page: Page, transactional_db):
    story = make_article(body="A first line\nand a second, in one paragraph.\n\n\nThe claim ends here.")
    claim = make_claim(story, "paragraph.\n\n\nThe claim")
    page.goto(story.get_absolute_url())
    body = page.locator("[data-article-body]")
    assert body.evaluate("el => el.textContent") == story.body
    paragraphs = body.locator(":scope > p")
    assert paragraphs.count() == 2
    assert paragraphs.nth(0).evaluate("el => el.innerText") == "A first line\nand a second, in one paragraph."
    first, second = paragraphs.nth(0).bounding_box(), paragraphs.nth(1).bounding_box()
    assert second["y"] > first["y"] + first["height"], "a gap between the paragraphs"
    marks = body.locator(f"mark[data-claims='{claim.pk}']")
    assert [marks.nth(i).evaluate("el => el.parentElement.tagName + ':' + el.textContent") for i in range(marks.count())] == [
        "P:paragraph.", "P:The claim",
    ]
