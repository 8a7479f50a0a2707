"""A desk upload in a real browser, imported by a real worker (issue 20): the upload answers at
once, the page shows the progress live (stories done of all, the rate) and the report at the end."""

import json

import pytest
from playwright.sync_api import Page, expect

from annotations.tests.test_desk_browser import desk_editor, log_in  # noqa: F401 (a fixture)
from articles.models import Article
from articles.tests.test_jobs import start_worker, stop

pytestmark = pytest.mark.browser

STORIES = 3000


def test_an_upload_answers_at_once_and_shows_its_progress_live_then_the_report(page: Page, desk_editor, tmp_path):
    lines = [
        json.dumps({"title": f"Berita {n}", "body": f"Kereta itu berangkat pada hari ke-{n}, kata para pejabat.",
                    "url": f"https://kabar.example/{n}", "language": "id", "publisher": {"name": "Kabar"}})
        for n in range(STORIES)
    ]
    upload = tmp_path / "kabar.jsonl"
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log_in(page, "edna", "edna-password-1")
    page.goto("/desk/import/")
    page.get_by_label("File").set_input_files(upload)
    page.get_by_role("button", name="Import").click()
    # No worker yet: the answer came at once, and the file waits, kept.
    expect(page.get_by_text("Waiting for a worker to start the import")).to_be_visible()
    assert Article.objects.count() == 0

    worker = start_worker("--queue", "imports", "--concurrency", "1")
    try:
        # Live: the progress bar moves while the worker imports, with the count and the rate in words.
        page.wait_for_function(
            f"() => {{ const p = document.querySelector('#import-progress progress');"
            f" return p && p.value > 0 && p.value < {STORIES}; }}", timeout=60_000)
        expect(page.locator("#progress-words")).to_contain_text(f"of {STORIES} stories done")
        expect(page.locator("#progress-words")).to_contain_text("a second")
        expect(page.get_by_text(f"{STORIES} imported, 0 skipped as duplicates")).to_be_visible(timeout=120_000)
    finally:
        stop(worker)
    assert Article.objects.count() == STORIES
    expect(page.get_by_role("link", name="Berita 0", exact=True)).to_be_visible()
