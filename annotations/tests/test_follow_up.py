"""The desk's follow-up queue: claims reported and neither confirmed nor denied since."""

import html
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from annotations.across import Standing, appearances_of, standing
from annotations.models import AttributionSpec, Claim, ClaimAcrossStories, EvidenceSpec, StatusStep
from annotations.tests.makers import make_entity, make_mention
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

BODY = "Kim Jong Un's train has left Pyongyang for Russia, an official said. The Kremlin said the visit is on."
WORDS = "Kim Jong Un's train has left Pyongyang for Russia"
QUEUE = reverse("desk:follow-up")


@pytest.fixture
def sources(db) -> dict[str, Source]:
    return {
        "kremlin": make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT),
        "official": make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS),
        "agency": make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY),
    }


def told(sources, status: str, *, hours_ago: float = 72, across=None, language: str = "en", body: str = BODY,
         words: str = WORDS, draft: bool = False) -> Claim:
    """`words` told in a story of their own, published `hours_ago`, as `status`: reported by an
    unnamed official via Yonhap, or on the record by the Kremlin for every other status."""
    article = make_article(
        body=body, language=language, published_at=None if draft else timezone.now() - timedelta(hours=hours_ago),
        status=Article.Status.DRAFT if draft else Article.Status.PUBLISHED,
    )
    chain, evidence, steps = [], [], []
    if status == "reported":
        chain = [AttributionSpec(sources["official"], "speaker", "anonymous"), AttributionSpec(sources["agency"], "via")]
        steps = [StatusStep("reported", "The agency reports it.")]
    elif status != "unverified":
        chain = [AttributionSpec(sources["kremlin"], "speaker", "on_record")]
        evidence = [EvidenceSpec("quote", position=0)]
        steps = [StatusStep("confirmed", "On the record.", 0)] if status == "confirmed" else [
            StatusStep("reported", "The Kremlin says so."), StatusStep(status, f"Now {status}.")
        ]
    start = body.index(words)
    return Claim.record(
        article, start=start, end=start + len(words), exact=words, chain=chain, evidence=evidence, history=steps,
        across=across,
    )


def queue(client, **filters) -> str:
    response = client.get(QUEUE, filters)
    assert response.status_code == 200, response.content.decode()[:2000]
    return html.unescape(response.content.decode())


def test_a_claim_reported_49_hours_ago_is_in_the_48_hour_queue_and_one_reported_47_hours_ago_is_not(editor_client, sources):
    told(sources, "reported", hours_ago=49, body="Old news: " + BODY)
    told(sources, "reported", hours_ago=47, body="New news: " + BODY)
    page = queue(editor_client)  # 48 hours unless chosen
    assert page.count(f"<q lang=\"en\">{WORDS}</q>") == 1
    assert "Old news" not in page  # the statement is shown, not the story's text
    old, new = (ClaimAcrossStories.objects.get(appearances__article__body__startswith=s) for s in ("Old", "New"))
    assert f'href="{reverse("desk:claim-across", args=[old.appearances.get().pk])}"' in page
    assert f'href="{reverse("desk:claim-across", args=[new.appearances.get().pk])}"' not in page
    assert f'href="{reverse("desk:claim-across", args=[new.appearances.get().pk])}"' in queue(editor_client, window="24h")


def test_each_row_says_when_and_by_whom_it_was_first_reported_and_links_to_the_story_and_the_claim(editor_client, sources):
    first = told(sources, "reported", hours_ago=80, language="ko")
    told(sources, "reported", hours_ago=60, across=first.across)
    page = queue(editor_client)
    assert f'<q lang="ko">{WORDS}</q>' in page
    assert f"in {first.article.publisher.name}, according to Yonhap, citing an unnamed official" in page
    assert "3\xa0days, 8\xa0hours ago" in page
    assert '<td data-label="Stories">2</td>' in page
    assert f'href="{reverse("desk:article", args=[first.article.pk])}#claim-{first.pk}"' in page
    assert f'href="{reverse("desk:claim-across", args=[first.pk])}"' in page


def test_a_claim_later_confirmed_in_another_story_leaves_the_queue(editor_client, sources):
    reported = told(sources, "reported", hours_ago=72)
    assert WORDS in queue(editor_client)
    told(sources, "confirmed", hours_ago=1, across=reported.across)
    assert WORDS not in queue(editor_client)


def test_a_claim_denied_in_another_story_leaves_the_queue(editor_client, sources):
    reported = told(sources, "reported", hours_ago=72)
    told(sources, "denied", hours_ago=1, across=reported.across)
    assert WORDS not in queue(editor_client)


def test_a_report_that_becomes_denied_leaves_the_queue(editor_client, sources, editor):
    reported = told(sources, "reported", hours_ago=72)
    reported.change_status("denied", by=editor, reason="The Kremlin denies it.")
    assert WORDS not in queue(editor_client)


def test_a_disputed_claim_stays_in_the_queue_marked_disputed(editor_client, sources):
    reported = told(sources, "reported", hours_ago=72)
    told(sources, "disputed", hours_ago=2, across=reported.across)
    page = queue(editor_client)
    assert WORDS in page and '<span class="status-badge">disputed</span>' in page


@pytest.mark.parametrize(
    "statuses",
    [
        ("reported",), ("unverified",), ("confirmed",), ("denied",), ("disputed",), ("retracted",),
        ("reported", "confirmed"), ("reported", "denied"), ("reported", "disputed"), ("reported", "retracted"),
        ("retracted", "retracted"), ("unverified", "reported"), ("confirmed", "disputed"),
    ],
)
def test_the_queue_holds_exactly_the_claims_whose_standing_is_reported_or_disputed(sources, statuses):
    across = told(sources, statuses[0], hours_ago=100).across
    for status in statuses[1:]:
        told(sources, status, hours_ago=90, across=across)
    verdict = standing(appearances_of(across, public=False))
    is_open = ClaimAcrossStories.objects.still_open().filter(pk=across.pk).exists()
    assert is_open == (verdict.standing in (Standing.REPORTED, Standing.DISPUTED)), verdict


def test_a_report_in_a_draft_is_in_the_queue_by_when_it_was_recorded(editor_client, sources):
    draft = told(sources, "reported", draft=True)
    assert WORDS not in queue(editor_client)  # recorded just now
    Claim.objects.filter(pk=draft.pk).update(created_at=timezone.now() - timedelta(hours=7))
    assert WORDS in queue(editor_client, window="6h")


def test_the_queue_filters_by_a_source_of_any_chain(editor_client, sources):
    by_agency = told(sources, "reported", words="Kim Jong Un's train")
    by_kremlin = told(sources, "disputed", words="The Kremlin said the visit is on")
    page = queue(editor_client, source=sources["agency"].pk)
    assert by_agency.statement in page and by_kremlin.statement not in page
    page = queue(editor_client, source=sources["kremlin"].pk)
    assert by_kremlin.statement in page and by_agency.statement not in page


def test_the_queue_filters_by_an_entity_tagged_within_an_appearance(editor_client, sources):
    kim, kremlin = make_entity(name="Kim Jong Un"), make_entity(name="Kremlin", kind="organisation")
    train = told(sources, "reported", words="Kim Jong Un's train")
    visit = told(sources, "reported", words="The Kremlin said the visit is on")
    make_mention(train.article, "Kim Jong Un", entity=kim)
    make_mention(visit.article, "Kremlin", entity=kremlin)
    make_mention(visit.article, "Kim Jong Un", entity=kim)  # in the story, outside the claim's words
    page = queue(editor_client, entity=kim.pk)
    assert train.statement in page and visit.statement not in page
    page = queue(editor_client, entity=kremlin.pk)
    assert visit.statement in page and train.statement not in page


def test_the_queue_filters_by_the_language_of_any_story(editor_client, sources):
    korean = told(sources, "reported", words="Kim Jong Un's train", language="ko")
    told(sources, "reported", words="Kim Jong Un's train", language="en", across=korean.across)
    english = told(sources, "reported", words="The Kremlin said the visit is on", language="en")
    page = queue(editor_client, language="ko")
    assert korean.statement in page and english.statement not in page
    page = queue(editor_client, language="en")
    assert korean.statement in page and english.statement in page


def test_the_queue_can_put_the_most_widely_told_first(editor_client, sources):
    once = told(sources, "reported", hours_ago=100, words="The Kremlin said the visit is on")
    thrice = told(sources, "reported", hours_ago=50, words="Kim Jong Un's train")
    for _ in range(2):
        told(sources, "reported", hours_ago=50, words="Kim Jong Un's train", across=thrice.across)
    oldest = queue(editor_client)
    assert oldest.index(once.statement) < oldest.index(thrice.statement)
    widest = queue(editor_client, order="widest")
    assert widest.index(thrice.statement) < widest.index(once.statement)


@pytest.mark.parametrize(
    "filters, reason",
    [
        ({"window": "3 weeks"}, "Select a valid choice"),
        ({"order": "random"}, "Select a valid choice"),
        ({"source": "999999999"}, "There is no such source to filter by."),
        ({"source": "٣"}, "There is no such source to filter by."),
        ({"entity": "99999999999999999999999"}, "There is no such entity to filter by."),
        ({"language": "xx-bogus"}, "Select a valid choice"),
    ],
)
def test_a_bad_filter_is_422_with_the_reason(editor_client, sources, filters, reason):
    told(sources, "reported")
    response = editor_client.get(QUEUE, filters)
    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert reason in page and WORDS not in page


def test_only_editors_reach_the_queue(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={QUEUE}"
    client.force_login(User.objects.create_user("reader", password="reader-password-1"))
    assert client.get(QUEUE).status_code == 403


def test_the_desk_navigation_links_to_the_queue(editor_client, db):
    assert f'href="{QUEUE}"' in editor_client.get(reverse("desk:inbox")).content.decode()


def test_the_queue_htmx_renders_only_the_results(editor_client, sources):
    told(sources, "reported")
    response = editor_client.get(QUEUE, {"window": "6h"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content and b'id="results"' in response.content
    assert WORDS in html.unescape(response.content.decode())
    assert "HX-Request" in response["Vary"]


def test_the_queue_query_count_is_constant(editor_client, count_queries, sources):
    kim = make_entity(name="Kim Jong Un")

    def add(n: int) -> None:
        for i in range(n):
            claim = told(sources, "reported", hours_ago=60 + i)
            told(sources, "reported", hours_ago=50, across=claim.across)
            make_mention(claim.article, "Kim Jong Un", entity=kim)

    url = f"{QUEUE}?source={sources['agency'].pk}&entity={kim.pk}&language=en"

    def counts() -> tuple[int, int]:
        # Each page asked once first: what is cached a while (the languages offered) is cached in
        # both measures, whatever earlier tests left in the cache.
        editor_client.get(url), editor_client.get(QUEUE)
        return count_queries(editor_client, url), count_queries(editor_client, QUEUE)

    add(3)
    three = counts()
    add(27)
    assert counts() == three


def test_the_filters_offer_the_sources_and_entities_of_open_claims_and_keep_the_one_chosen(editor_client, sources):
    kim, putin = make_entity(name="Kim Jong Un"), make_entity(name="Putin")
    train = told(sources, "reported", words="Kim Jong Un's train")
    make_mention(train.article, "Kim Jong Un", entity=kim)
    make_mention(train.article, "Kremlin", entity=make_entity(name="Kremlin"))  # outside the claim's words
    page = queue(editor_client)
    assert f'<option value="{sources["agency"].pk}">Yonhap (ID)</option>' in page
    assert f'<option value="{kim.pk}">Kim Jong Un</option>' in page
    assert "Kremlin</option>" not in page and "Putin</option>" not in page
    assert f'<option value="{putin.pk}" selected>Putin</option>' in queue(editor_client, entity=putin.pk)


def test_the_queue_looks_back_thirty_days_from_the_latest_report_so_an_archive_still_shows_its_last_month(editor_client, sources):
    # The demo's news is from 2023: the queue shows its last month rather than nothing.
    year = 24 * 365
    told(sources, "reported", hours_ago=year, words="Kim Jong Un's train has left", body="Kim Jong Un's train has left Pyongyang.")
    told(sources, "reported", hours_ago=year + 24 * 20, words="The summit is planned", body="The summit is planned for September.")
    told(sources, "reported", hours_ago=year + 24 * 40, words="Shells are on their way", body="Shells are on their way to Russia.")
    page = queue(editor_client)
    assert "Kim Jong Un&#x27;s train has left" in page or "Kim Jong Un's train has left" in page
    assert "The summit is planned" in page
    assert "Shells are on their way" not in page  # 40 days before the latest report
    assert "the 30 days up to the latest report" in page
