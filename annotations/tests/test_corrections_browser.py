"""Corrections in a real browser (issue 19): an editor corrects a published story in the desk;
the moved mention stays on the same words; the reworded claim leaves the public page until the
review queue resolves it; an orphaned name is placed anew by selecting its words; readers see
the correction note."""

import re

import pytest
from playwright.sync_api import Page, expect

from annotations.models import AnchorState, Claim, Mention
from annotations.tests.makers import make_entity
from annotations.tests.test_desk_browser import desk_editor, log_in  # noqa: F401 (a fixture)
from articles.tests.makers import make_article

pytestmark = pytest.mark.browser

BODY = (
    "Kim Jong Un travelled to Russia by train, the Kremlin said on Monday.\n\n"
    "Yonhap, citing an unnamed official, reported that the train had left Pyongyang for Vladivostok.\n\n"
    "Analysts at KCNA Watch said the trip could last a week."
)
CLAIM = "Yonhap, citing an unnamed official, reported that the train had left Pyongyang for Vladivostok"
CORRECTED = (
    "Update: the Kremlin confirmed the visit on Tuesday.\n\n"
    "Kim Jong Un travelled to Russia by train, the Kremlin said on Monday.\n\n"
    "Yonhap, citing an unnamed official, reported that the train had already left Pyongyang for Vladivostok.\n\n"
    "Analysts said the trip could last a week."
)


def mark_text(page: Page, mention_id: int) -> str:
    return page.evaluate(
        """(id) => Array.from(document.querySelectorAll('[data-article-body] mark[data-mentions]'))
              .filter(m => m.dataset.mentions.split(' ').includes(String(id))).map(m => m.textContent).join('')""",
        mention_id,
    )


def select_in(page: Page, container: str, text: str) -> None:
    page.evaluate(
        """([selector, text]) => {
            const box = document.querySelector(selector);
            const node = box.querySelector('[data-start]').firstChild;
            const at = node.data.indexOf(text);
            const range = document.createRange();
            range.setStart(node, at); range.setEnd(node, at + text.length);
            const selection = window.getSelection();
            selection.removeAllRanges(); selection.addRange(range);
        }""",
        [container, text],
    )


def read_again(reader: Page, url: str) -> None:
    """The reader opens the page again; their browser may keep a public page for a minute, so it
    asks the server (as a reader's reload does)."""
    reader.goto(url)
    reader.reload()


def test_an_editor_corrects_a_published_story_and_resolves_the_review(page: Page, desk_editor, reader_page: Page):
    story = make_article(title="Kim goes to Russia", body=BODY, language="en")
    kremlin = Mention.objects.create(article=story, entity=make_entity(name="Kremlin", kind="organisation"),
                                     start=BODY.index("Kremlin"), end=BODY.index("Kremlin") + 7, exact="Kremlin")
    watch = Mention.objects.create(article=story, entity=make_entity(name="KCNA Watch", kind="organisation"),
                                   start=BODY.index("KCNA Watch"), end=BODY.index("KCNA Watch") + 10, exact="KCNA Watch")
    claim = Claim.record(story, start=BODY.index(CLAIM), end=BODY.index(CLAIM) + len(CLAIM), exact=CLAIM)

    reader_page.goto(story.get_absolute_url())
    expect(reader_page.locator(f'mark[data-claims="{claim.pk}"]')).to_have_count(1)

    log_in(page, "edna", "edna-password-1")
    page.goto(f"/desk/articles/{story.pk}/")
    assert mark_text(page, kremlin.pk) == "Kremlin"
    page.get_by_role("link", name="Correct the text").click()
    page.get_by_label("Text", exact=True).fill(CORRECTED)
    page.get_by_label("Correction note for readers").fill("The train had already left; an update was added.")
    page.get_by_role("button", name="Save the corrected text").click()
    expect(page.get_by_text(re.compile("Corrected: version 2"))).to_be_visible()
    expect(page.get_by_text(re.compile("1 moved with their words, 1 to review, 1 orphaned"))).to_be_visible()

    # The moved mention is highlighted on the same words, in their new place.
    kremlin.refresh_from_db()
    assert kremlin.start == CORRECTED.index("the Kremlin said") + 4 and mark_text(page, kremlin.pk) == "Kremlin"
    expect(page.locator("mark.hl-review")).to_have_count(1)
    expect(page.get_by_role("region", name=re.compile("Lost in a correction"))).to_contain_text("KCNA Watch")

    # Readers: the new text and the note, but not the reworded claim until it is reviewed.
    read_again(reader_page, story.get_absolute_url())
    expect(reader_page.get_by_text("Corrected on")).to_be_visible()
    expect(reader_page.locator("[data-article-body]")).to_contain_text("had already left")
    expect(reader_page.locator(f'mark[data-claims="{claim.pk}"]')).to_have_count(0)

    # The review queue: the claim's old and new words side by side; one press accepts.
    page.get_by_role("link", name="Review them").click()
    item = page.locator("li.review-item", has_text="Claim:")
    expect(item).to_contain_text("had left Pyongyang")
    expect(item).to_contain_text("had already left Pyongyang")
    item.get_by_role("button", name="Accept the new place").click()
    expect(page.get_by_role("status").filter(has_text="The new place is accepted")).to_be_visible()
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.PLACED

    # The orphaned name, placed anew on words the editor selects in the current text.
    orphan = page.locator("li.review-item", has_text="KCNA Watch")
    orphan.get_by_text("Select the words anew").click()
    select_in(page, f"#review-{watch.reviews.get().pk} [data-review-text]", "Analysts")
    orphan.get_by_role("button", name="Place on the selected words").click()
    expect(page.get_by_role("status").filter(has_text="Placed on the words you selected.")).to_be_visible()
    watch.refresh_from_db()
    assert (watch.anchor_state, watch.exact) == (AnchorState.PLACED, "Analysts")

    read_again(reader_page, story.get_absolute_url())
    expect(reader_page.locator(f'mark[data-claims="{claim.pk}"]')).to_have_count(1)
    expect(reader_page.locator(f'mark[data-claims="{claim.pk}"]')).to_have_text(re.compile("had already left"))
    expect(reader_page.get_by_text("The train had already left; an update was added.")).to_be_visible()
    reader_page.get_by_role("link", name="Version 1").click()
    expect(reader_page.locator("[data-article-body]")).to_contain_text("Analysts at KCNA Watch")


def test_the_review_queue_is_worked_from_the_keyboard(page: Page, desk_editor):
    from annotations.corrections import correct

    body = "Peskov spoke to reporters on Monday.\n\nThe talks went well, Peskov said."
    story = make_article(title="Peskov on the talks", body=body, language="en")
    peskov = make_entity(name="Dmitry Peskov")
    first = Mention.objects.create(article=story, entity=peskov, start=0, end=6, exact="Peskov")
    later = body.rindex("Peskov")
    second = Mention.objects.create(article=story, entity=peskov, start=later, end=later + 6, exact="Peskov")
    claim = Claim.record(story, start=body.index("The talks went well"), end=body.index("The talks went well") + 19,
                         exact="The talks went well")
    correct(story, body="Dmitry Peskov spoke to reporters on Monday.\n\nThe talks went very well, he said.", note="Fuller")
    first.refresh_from_db()
    assert (first.start, first.anchor_state) == (7, AnchorState.PLACED)

    log_in(page, "edna", "edna-password-1")
    page.goto("/desk/review/")
    # The newest first; its one decision has the focus: Enter accepts the claim's new place.
    accept = page.get_by_role("button", name="Accept the new place")
    expect(accept).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="The new place is accepted")).to_be_visible()
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.PLACED and claim.exact == "The talks went very well"

    # The orphan, placed anew from the keyboard: open "Select the words anew", Tab into the text,
    # Shift+→ selects its first word, Tab to the button, Enter.
    item = page.locator(f"#review-{second.reviews.get().pk}")
    item.get_by_text("Select the words anew").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(item.locator("[data-review-text]")).to_be_focused()
    page.keyboard.press("Shift+ArrowRight")
    expect(item.locator("[data-review-selected]")).to_have_text("Dmitry")
    place = item.get_by_role("button", name="Place on the selected words")
    expect(place).to_be_enabled()
    place.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Placed on the words you selected.")).to_be_visible()
    second.refresh_from_db()
    assert (second.anchor_state, second.start, second.exact) == (AnchorState.PLACED, 0, "Dmitry")
