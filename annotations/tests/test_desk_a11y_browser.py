"""Every control of the desk can be found by name, and annotating works from the keyboard."""

import pytest
from playwright.sync_api import expect

from annotations.tests.makers import add_attribution, make_claim, make_mention
from articles.tests.makers import make_article

pytestmark = pytest.mark.browser

UNNAMED_CONTROLS = """() => Array.from(document.querySelectorAll("input, select, textarea, button"))
  .filter((c) => c.type !== "hidden")
  .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute("aria-label") && !c.getAttribute("aria-labelledby")
                 && !(c.tagName === "BUTTON" && c.textContent.trim()))
  .map((c) => c.outerHTML.slice(0, 120))"""


def test_every_desk_control_has_an_accessible_name(editor_page):
    article = make_article()
    make_mention(article)
    claim = make_claim(article)
    add_attribution(claim)
    for url in ["/desk/", f"/desk/articles/{article.pk}/", "/desk/import/"]:
        editor_page.goto(url)
        assert editor_page.evaluate(UNNAMED_CONTROLS) == [], url


def test_tagging_works_from_the_keyboard(editor_page):
    page = editor_page
    article = make_article(body="Kim Jong Un travelled to Russia.")
    page.goto(f"/desk/articles/{article.pk}/")
    page.wait_for_function("() => window.NewsdeskOffsets !== undefined")  # a function: an expression would be eval()ed, which the CSP refuses
    page.locator("[data-article-body]").focus()
    # Select the first three words with the keyboard's own selection commands.
    page.evaluate("""() => { const s = getSelection(); const t = document.querySelector("[data-article-body] [data-start]").firstChild;
                            s.collapse(t, 0); for (let i = 0; i < 3; i++) s.modify("extend", "forward", "word"); }""")
    expect(page.get_by_role("toolbar", name="Annotate the selection")).to_be_visible()
    page.keyboard.press("Alt+Shift+E")
    expect(page.get_by_label("Entity's name")).to_be_focused()
    expect(page.get_by_label("Kind", exact=True)).to_be_visible()  # once the search finds no entity of that name
    page.get_by_label("Kind", exact=True).focus()
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Tag", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Tagged 1 × Kim Jong Un.")
