"""Claims matched across languages, in a real browser: the Kremlin's confirmation, marked in a
Russian story, is offered the Indonesian story's train claim first, and one press joins them."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from annotations.models import Claim, ClaimMatch
from annotations.tests.test_desk_browser import desk_editor, log_in, select  # noqa: F401 (a fixture)
from articles.demo_newsroom import load_demo
from articles.models import Article

pytestmark = pytest.mark.browser

CONFIRMATION = "поезд северокорейского лидера уже находится в пути в Россию"
TRAIN = "Kereta Kim Jong Un telah berangkat dari Pyongyang menuju Rusia."


def test_marking_the_kremlins_confirmation_in_russian_offers_the_indonesian_train_claim_first(page: Page, desk_editor):
    load_demo()
    russian = Article.objects.get(title__startswith="Кремль подтвердил")
    Claim.objects.filter(article=russian, exact=CONFIRMATION).delete()  # not yet marked in this story
    call_command("embed_statements", verbosity=0)
    log_in(page, "edna", "edna-password-1")
    page.goto(f"/desk/articles/{russian.pk}/")

    select(page, CONFIRMATION)
    page.get_by_role("button", name="Mark claim").click()
    page.get_by_label("Source of link 1").fill("Kreml")
    page.get_by_role("button", name=re.compile("^Kremlin")).click()
    page.get_by_label("Status").select_option("reported")
    page.get_by_role("button", name="Record claim").click()
    expect(page.get_by_role("status")).to_have_text("Claim recorded.")

    # The panel asks for its suggestions once it is in view.
    matches = page.get_by_role("region", name="The same claims in other stories?")
    matches.scroll_into_view_if_needed()
    offered = matches.get_by_role("region", name=re.compile("поезд северокорейского"))
    expect(offered.locator("li").first).to_contain_text(TRAIN)
    offered.locator("li").first.get_by_role("button", name=re.compile("^Join: the same claim as")).click()
    expect(page.get_by_role("status")).to_contain_text("told in 4 stories")

    claim = Claim.objects.get(article=russian, exact=CONFIRMATION)
    train = Claim.objects.get(statement=TRAIN)
    assert claim.across_id == train.across_id
    assert ClaimMatch.objects.get(claim=claim).decision == "joined"
