"""Issue 15: the worked example from the keyboard alone, with the keystrokes counted.

No mouse, no caret browsing, no script reaching into the page: every step is a key press (or
text typed, one keystroke per character), and the test counts them. The story's reading cursor
moves by word (← →) and by sentence (↑ ↓), Shift selects, Alt+Shift+E tags, Alt+Shift+C marks a
claim, Enter in a name field takes the first match, Ctrl+Enter sends a form, Esc goes back to
the story where one was.
"""

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Claim, Entity, Mention
from annotations.tests.test_desk_browser import STORY, log_in
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source, run_queued_jobs

pytestmark = pytest.mark.browser


class Keys:
    """The page's keyboard, counting: a press is one keystroke (a chord such as Alt+Shift+C is
    one), typed text one per character."""

    def __init__(self, page: Page):
        self.page, self.count = page, 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)


def story_selection(page: Page) -> str:
    return page.evaluate("() => getSelection().toString()")


FOCUSED = """() => { const a = document.activeElement;
    return a.matches("[data-article-body]") ? "story" : (a.id || a.getAttribute("aria-label") || a.tagName); }"""


def focused(page: Page) -> str:
    return page.evaluate(FOCUSED)


def expect_focus(page: Page, name: str) -> None:
    """Wait (htmx settles the new content a moment after the swap) until `name` has the focus."""
    try:
        page.wait_for_function(f"(name) => ({FOCUSED})() === name", arg=name, timeout=3000)
    except Exception:
        raise AssertionError(f"the focus is on {focused(page)!r}, not {name!r}") from None


@pytest.fixture
def keyboard_desk(transactional_db, editor, page: Page):
    story = make_article(title="Kereta Kim berangkat", body=STORY, language="id", status=Article.Status.DRAFT)
    make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR")
    make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS, country="")
    log_in(page, "edna", "edna-password-1")
    page.goto(f"/desk/articles/{story.pk}/")
    page.wait_for_function("() => window.NewsdeskOffsets !== undefined")  # the desk's deferred script
    return story


def tab_to_story(page: Page, keys: Keys) -> None:
    """The second link of the page skips to the story's text."""
    keys.press("Tab", 2)
    expect(page.get_by_role("link", name="Skip to the story's text")).to_be_focused()
    keys.press("Enter")
    expect_focus(page, "story")


def test_the_worked_example_tagged_and_a_claim_with_its_chain_from_the_keyboard_alone(page: Page, keyboard_desk, capsys):
    story = keyboard_desk
    tagging = Keys(page)
    tab_to_story(page, tagging)
    reach = tagging.count

    # "Kim Jong Un": six words on, three words selected, tagged as a new person everywhere.
    tagging.press("ArrowRight", 6)
    tagging.press("Shift+ArrowRight", 3)
    assert story_selection(page) == "Kim Jong Un"
    tagging.press("Alt+Shift+E")
    expect(page.get_by_label("Entity's name")).to_be_focused()
    expect(page.get_by_label("Entity's name")).to_have_value("Kim Jong Un")
    expect(page.get_by_label("Kind", exact=True)).to_be_visible()  # the search found no such entity
    tagging.press("Enter")  # no match to take: Enter goes on to the new entity's kind
    expect(page.get_by_label("Kind", exact=True)).to_be_focused()
    tagging.press("p")  # person
    tagging.press("Tab")
    tagging.press("Space")  # every occurrence
    tagging.press("Control+Enter")
    expect(page.locator("#desk-message")).to_have_text("Tagged 2 × Kim Jong Un.")
    # The focus is back in the story, the cursor just after the name it tagged.
    expect_focus(page, "story")
    tagging.press("Shift+ArrowRight", 2)
    assert story_selection(page).strip() == "telah berangkat"

    # "Rusia", a new place, two words on.
    tagging.press("ArrowRight", 2)
    tagging.press("Shift+ArrowRight")
    assert story_selection(page) == "Rusia"
    tagging.press("Alt+Shift+E")
    expect(page.get_by_label("Kind", exact=True)).to_be_visible()
    tagging.press("Enter")
    tagging.type("pl")  # place, found as one types
    tagging.press("Control+Enter")
    expect(page.locator("#desk-message")).to_have_text("Tagged 1 × Rusia.")
    expect_focus(page, "story")
    assert Entity.objects.get(name="Rusia").kind == "place"
    assert Mention.objects.filter(article=story).count() == 3

    # The claim: "the train has left for Russia", reported, an unnamed official via Yonhap.
    claim_keys = Keys(page)
    claim_keys.press("ArrowUp")  # back to the start of the first sentence
    claim_keys.press("ArrowRight", 5)
    claim_keys.press("Shift+ArrowRight", 8)
    assert story_selection(page) == "kereta Kim Jong Un telah berangkat menuju Rusia"
    claim_keys.press("Alt+Shift+C")
    expect(page.get_by_label("Statement")).to_be_focused()
    claim_keys.press("Tab")
    expect(page.get_by_label("Source of link 1")).to_be_focused()
    claim_keys.type("unnamed")
    expect(page.locator("#chain-0-results button.pick").first).to_contain_text("an unnamed official")
    claim_keys.press("Enter")  # take the first match
    expect(page.get_by_label("Role of link 1")).to_be_focused()
    expect(page.get_by_label("Sourcing of link 1")).to_have_value("anonymous")  # an unnamed source
    claim_keys.press("Tab", 2)
    expect(page.get_by_role("button", name="Add a link to the chain")).to_be_focused()
    claim_keys.press("Enter")
    expect(page.get_by_label("Source of link 2")).to_be_focused()
    claim_keys.type("Yon")
    expect(page.locator("#chain-1-results button.pick").first).to_contain_text("Yonhap")
    claim_keys.press("Enter")
    expect(page.get_by_label("Role of link 2")).to_have_value("via")  # a later link relays
    claim_keys.press("Tab", 3)
    expect(page.get_by_label("Status")).to_be_focused()
    claim_keys.press("r")  # reported
    claim_keys.press("Control+Enter")
    expect(page.locator("#desk-message")).to_have_text("Claim recorded.")

    claim = Claim.objects.get()
    assert claim.exact == "kereta Kim Jong Un telah berangkat menuju Rusia"
    assert claim.status == "reported"
    assert [(a.source.name, a.role, a.sourcing) for a in claim.attributions.order_by("position")] == [
        ("an unnamed official", "speaker", "anonymous"), ("Yonhap", "via", "on_record"),
    ]
    # The focus is on the claim just made; Esc goes back to the story where the cursor was.
    expect_focus(page, f"claim-{claim.pk}")
    page.keyboard.press("Escape")
    expect_focus(page, "story")
    with capsys.disabled():
        print(f"\nkeystrokes: {reach} to reach the story, {tagging.count - reach} to tag Kim Jong Un (twice) and Rusia, "
              f"{claim_keys.count} for the claim with its chain of two")
    assert claim_keys.count <= 43


def test_after_an_update_the_focus_stays_with_what_the_editor_was_doing(page: Page, keyboard_desk):
    from annotations.tests.makers import add_attribution, make_claim, make_mention

    story = keyboard_desk
    kremlin = make_mention(story, "Kremlin")
    claim = make_claim(story, "Kim Jong Un akan bertemu Vladimir Putin")
    add_attribution(claim, Source.objects.get(name="Yonhap"), role="speaker", sourcing="on_record")
    page.reload()
    page.wait_for_function("() => window.NewsdeskOffsets !== undefined")

    # A status changed from the keyboard: the focus stays on that claim's card.
    card = page.locator(f"#claim-{claim.pk}")
    card.get_by_text("Change status").focus()
    page.keyboard.press("Enter")
    card.get_by_label("New status").focus()
    page.keyboard.type("rep")
    page.keyboard.press("Tab")
    page.keyboard.type("Yonhap says so.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#desk-message")).to_have_text("The claim is now reported.")
    expect_focus(page, f"claim-{claim.pk}")

    # A mention removed: its control is gone, the focus is on the next one's; the last one
    # removed, on the list it was in, never the page's top.
    make_mention(story, "Yonhap", entity=kremlin.entity)  # two mentions of one entity: items side by side
    page.reload()
    page.get_by_role("button", name="Remove the mention “Kremlin”").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#desk-message")).to_have_text("Mention removed.")
    page.wait_for_function("() => (document.activeElement.getAttribute('aria-label') || '').startsWith('Remove the mention “Yonhap”')")
    page.keyboard.press("Enter")
    expect(page.locator("#desk-message")).to_have_text("Mention removed.")
    expect_focus(page, "entities-panel")

    # A claim refused: the focus is on the reasons, in the panel where the editor typed.
    page.locator("[data-article-body]").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Alt+Shift+C")
    expect(page.get_by_label("Statement")).to_be_focused()
    page.get_by_label("Status", exact=True).focus()
    page.keyboard.type("con")  # confirmed, with no source and no evidence
    page.keyboard.press("Control+Enter")
    errors = page.locator("#claim-panel .form-errors")
    expect(errors).to_be_visible()
    page.wait_for_function("() => document.activeElement.matches('#claim-panel .form-errors')")
    # Esc closes the panel and puts the cursor back in the story, at the selection it was on.
    page.keyboard.press("Escape")
    expect_focus(page, "story")
    expect(page.locator("#claim-panel")).to_be_hidden()


def test_the_keys_are_on_the_page_and_in_a_list_that_question_mark_opens(page: Page, keyboard_desk):
    expect(page.get_by_text("Alt+Shift+E tag, Alt+Shift+C claim", exact=False)).to_be_visible()
    page.locator("[data-article-body]").focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keys of the desk")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("next or previous sentence")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # Typing a question mark into a field is text, not the list.
    page.get_by_label("Find a story to link").focus()
    page.keyboard.type("why?")
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("Find a story to link")).to_have_value("why?")
    page.get_by_role("button", name="Keys").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_a_story_in_korean_and_one_right_to_left_move_by_their_own_words(page: Page, keyboard_desk):
    korean = make_article(title="김정은 러시아행", body="김정은 위원장이 러시아로 떠났다. 크렘린은 방문을 확인했다.", language="ko")
    page.goto(f"/desk/articles/{korean.pk}/")
    page.wait_for_function("() => window.NewsdeskOffsets !== undefined")
    page.locator("[data-article-body]").focus()
    page.keyboard.press("Shift+ArrowRight")
    assert story_selection(page) == "김정은"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowDown")
    assert story_selection(page) == "크렘린은 방문을 확인했다."
    arabic = make_article(title="زيارة", body="قال الكرملين إن الزيارة ستتم قريبا.", language="ar")
    page.goto(f"/desk/articles/{arabic.pk}/")
    page.wait_for_function("() => window.NewsdeskOffsets !== undefined")
    page.locator("[data-article-body]").focus()
    page.keyboard.press("Shift+ArrowLeft")  # in a right-to-left story the next word is to the left
    assert story_selection(page) == "قال"


def test_an_update_never_trips_the_policy_over_a_style_set_by_a_script(page: Page, keyboard_desk):
    """A script may set an element's style through the CSSOM (the policy allows that); htmx used
    to copy such a style attribute onto the new element of the same id at every update, which
    the policy blocks: dozens of violations per update, again at the next one."""
    from annotations.tests.makers import make_mention

    make_mention(keyboard_desk, "Kremlin")
    page.reload()
    page.evaluate("() => document.querySelectorAll('#workspace-main [id]').forEach((e) => { e.style.outline = '0 solid transparent'; })")
    page.get_by_role("button", name="Remove the mention “Kremlin”").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#desk-message")).to_have_text("Mention removed.")
    page.wait_for_timeout(300)
    assert page.csp_violations == []


def test_enter_in_a_name_field_never_takes_a_match_of_the_name_typed_before(page: Page, keyboard_desk):
    page.locator("[data-article-body]").focus()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Alt+Shift+C")
    source = page.get_by_label("Source of link 1")
    source.focus()
    page.keyboard.type("Yon")
    expect(page.locator("#chain-0-results button.pick").first).to_contain_text("Yonhap")
    page.keyboard.press("Control+a")
    page.keyboard.type("an unnamed")
    page.keyboard.press("Enter")  # at once: the matches of "Yon" are gone, the new ones are waited for
    expect(page.get_by_label("Role of link 1")).to_be_focused()
    assert page.locator("input[name='chain-0-source_query']").input_value() == "an unnamed official"


def test_ctrl_enter_sends_the_import_form_and_publish_now_keeps_the_focus_in_the_header(page: Page, keyboard_desk):
    story = keyboard_desk
    page.get_by_role("button", name="Publish").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Publish now")).to_be_visible()
    page.get_by_role("button", name="Publish now").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Published: readers can read it now.")).to_be_visible()
    expect_focus(page, "workspace-header")
    story.refresh_from_db()
    assert story.status == "published"

    page.goto("/desk/import/")
    page.locator("input[type=file]").set_input_files(files=[{
        "name": "one.jsonl", "mimeType": "application/json",
        "buffer": b'{"title": "Imported by keys", "body": "Kim Jong Un arrived.", "publisher": {"name": "Yonhap"}}\n',
    }])
    page.get_by_label("Format").focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#import-report")).to_contain_text("Waiting for a worker")
    run_queued_jobs()  # the worker, here in the test's own process
    expect(page.locator("#import-report")).to_contain_text("Imported by keys")
    assert Article.objects.filter(title="Imported by keys").exists()


def test_a_panel_opened_before_htmx_has_settled_still_searches(page: Page, keyboard_desk):
    """htmx binds a swapped-in field's triggers only as the new content settles: a fast editor
    (or a loaded machine) opens the next panel before that. A long settle makes the moment last."""
    page.evaluate("() => { htmx.config.defaultSettleDelay = 2000; }")
    page.locator("[data-article-body]").focus()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Alt+Shift+E")
    expect(page.get_by_label("Kind", exact=True)).to_be_visible()  # "Media": no such entity
    page.keyboard.press("Enter")
    page.keyboard.press("o")  # organisation
    page.keyboard.press("Control+Enter")
    expect(page.locator("#desk-message")).to_have_text("Tagged 1 × Media.")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Alt+Shift+E")  # at once, while the update settles for two seconds
    expect(page.get_by_label("Kind", exact=True)).to_be_visible(timeout=1500)  # "Korea": no such entity
