import re

import pytest
from playwright.sync_api import expect

from articles.tests.makers import make_articles

pytestmark = pytest.mark.browser


def test_older_stories_load_in_place_and_the_back_button_returns(page, transactional_db):
    articles = make_articles(30)
    newest, oldest = articles[-1], articles[0]
    page.goto("/")
    expect(page.get_by_role("heading", name="Latest stories")).to_be_visible()
    expect(page.get_by_role("link", name=newest.title, exact=True)).to_be_visible()
    page.evaluate("window.fullLoads = (window.fullLoads || 0) + 1")

    page.get_by_role("link", name="Older").click()

    expect(page.get_by_role("link", name=oldest.title, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"\\?page=2$"))
    assert page.evaluate("window.fullLoads") == 1, "htmx swapped the results without reloading the page"
    assert page.locator(".story-card").count() == 5

    page.go_back()
    expect(page.get_by_role("link", name=newest.title, exact=True)).to_be_visible()
