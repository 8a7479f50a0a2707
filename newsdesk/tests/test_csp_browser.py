"""security.md B7 in Chromium: no flow trips the Content Security Policy, and framing is refused.

Every browser test's page reports CSP violations (conftest.CSP_RECORDER) and fails on any; this
test walks the pages that the desk's end-to-end test does not: public pages and search as you
type, the history timeline with an undo, and the admin.
"""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from annotations.tests.makers import make_claim, make_entity, make_mention
from articles.demo_newsroom import load_demo
from articles.models import Article

pytestmark = pytest.mark.browser


def test_b7_the_recorder_sees_a_blocked_inline_script(page: Page, transactional_db):
    """The control: an inline script added to the page is blocked, and reported."""
    page.goto("/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.append(script);
    }""")
    page.wait_for_timeout(200)  # the violation event is dispatched asynchronously
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in page.csp_violations), page.csp_violations
    assert any("Content Security Policy" in line for line in page.console_errors), page.console_errors
    page.csp_violations.clear()
    page.console_errors.clear()


def test_b7_public_desk_history_and_admin_pages_trip_no_policy(page: Page, transactional_db, live_server):
    load_demo()
    story = Article.objects.published().order_by("pk").first()
    mention = make_mention(story, story.body[:5], entity=make_entity(name="Kabar"))
    User.objects.create_user("max", password="max-password-1", is_staff=True, is_superuser=True)

    # Public: the front page, search as you type, a story, an entity, a source, a claim.
    page.goto("/")
    page.goto("/search/")
    page.get_by_role("searchbox").first.fill("Kremlin")
    page.wait_for_timeout(600)
    page.goto(story.get_absolute_url())
    page.goto(mention.entity.get_absolute_url())
    page.goto(story.publisher.get_absolute_url())
    claim = story.claims.filter(is_published=True).first()
    if claim is not None:
        page.goto(f"/claims/{claim.pk}/")

    # The desk, as a maintainer: the inbox, the story, its history; undo the tag from there.
    page.goto("/accounts/login/?next=/desk/")
    page.get_by_label("Username").fill("max")
    page.get_by_label("Password").fill("max-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    page.get_by_label("Search").first.fill("Kim")
    page.wait_for_timeout(600)
    page.goto(f"/desk/articles/{story.pk}/")
    page.get_by_role("link", name="history").click()
    expect(page.get_by_role("heading", name="History", exact=False)).to_be_visible()
    page.locator(".timeline-entry", has_text="Mention added").filter(has_text="Kabar").get_by_role("button").click()
    # The story is public: the undo asks first, saying what readers lose.
    question = page.get_by_role("group", name="Undoing this changes what readers see")
    expect(question).to_contain_text("will no longer tag")
    question.get_by_role("button", name="Undo it and change the public page").click()
    expect(page.locator("#history-message")).to_contain_text("Removed again")

    # The admin: index, a changelist, a change form, the story's history with a restore.
    page.goto("/admin/")
    page.goto("/admin/articles/article/")
    page.goto(f"/admin/articles/article/{story.pk}/change/")
    page.goto(f"/admin/articles/article/{story.pk}/history/")
    page.locator("tr", has_text="Mention deleted").get_by_role("button", name="Restore").click()
    expect(page.get_by_text("will tag")).to_be_visible()  # asked first, on a page of its own
    page.get_by_role("button", name="Undo it and change the public page").click()
    expect(page.locator(".messagelist")).to_contain_text("Restored")
    assert page.csp_violations == []


def test_b7_our_pages_cannot_be_framed(page: Page, transactional_db, live_server):
    load_demo()
    page.goto("about:blank")
    page.set_content(f'<iframe id="frame" src="{live_server.url}/" width="600" height="400"></iframe>')
    page.wait_for_timeout(1500)
    frame = page.frame_locator("#frame")
    assert frame.locator(".site-header").count() == 0, "the front page rendered inside a frame"


def test_b2_a_page_of_another_site_cannot_make_a_logged_in_editor_change_anything(editor_page: Page, live_server):
    """A page on 127.0.0.2 (another site) auto-submits a form and fires a fetch at the desk."""
    import http.server
    import threading

    from annotations.models import Claim

    claim = make_claim(make_article_with_claim_text(), "Kim Jong Un's train left Pyongyang")
    target = f"{live_server.url}/desk/claims/{claim.pk}/delete/"
    attack = f"""<!doctype html><title>cheap flights</title>
    <form id="f" method="post" action="{target}"><input name="x" value="1"></form>
    <script>
      fetch("{target}", {{method: "POST", credentials: "include", mode: "no-cors"}}).finally(() => document.getElementById("f").submit());
    </script>"""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(attack.encode())

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.2", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        editor_page.goto(f"{live_server.url}/desk/")  # the editor is logged in here
        editor_page.goto(f"http://127.0.0.2:{server.server_port}/")
        editor_page.wait_for_url(lambda url: url.startswith(live_server.url), timeout=10_000)
        editor_page.wait_for_load_state()
    finally:
        server.shutdown()
    assert Claim.objects.filter(pk=claim.pk).exists()
    body = editor_page.content()
    assert "Log in" in body or "security token" in body
    # The browser notes the refused requests (403) in the console of the attacker's page: expected.
    assert all("403" in line for line in editor_page.console_errors), editor_page.console_errors
    editor_page.console_errors.clear()


def make_article_with_claim_text():
    from articles.tests.makers import make_article

    return make_article(body="Kim Jong Un's train left Pyongyang. Officials said so.")
