"""One claim across many stories: appearances, the derived standing, the timeline, join and split
(and their undo), the public claim page, and the claim's way out and in."""

import itertools
import json
import re
from datetime import datetime, timedelta, timezone as tz

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import history
from annotations.across import (
    Standing, appearances_of, dated, dated_in_sql, picture, standing, standings_in_sql, timeline,
)
from annotations.models import (
    AttributionSpec, Claim, ClaimAcrossStories, ClaimStatusChange, ClaimTranslation, EvidenceSpec, StaleVersion,
    StatusStep,
)
from annotations.tests.makers import confirmed, make_entity, make_mention
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source, run_sql

BODY = "Kim Jong Un's train has left Pyongyang for Russia, an official said. The Kremlin said the visit is on."
WORDS = "Kim Jong Un's train has left Pyongyang for Russia"
SUNDAY = datetime(2023, 9, 10, 20, 0, tzinfo=tz.utc)


@pytest.fixture
def sources(db) -> dict[str, Source]:
    return {
        "kremlin": make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT),
        "official": make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS),
        "agency": make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY),
    }


def told(sources, status: str, *, hours: int = 0, outlet: str = "", language: str = "en", across=None,
         published: bool = True) -> Claim:
    """The train claim told in a story of its own, `hours` after Sunday night, as `status`."""
    article = make_article(
        title=f"{outlet or 'Outlet'}: the train, {status}", body=BODY, language=language,
        publisher=make_source(name=outlet) if outlet else make_source(), published_at=SUNDAY + timedelta(hours=hours),
        status=Article.Status.PUBLISHED if published else Article.Status.DRAFT,
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
    return Claim.record(article, start=0, end=len(WORDS), exact=WORDS, chain=chain, evidence=evidence, history=steps,
                        across=across)


def one_claim(sources, *statuses, **kwargs) -> ClaimAcrossStories:
    first = told(sources, statuses[0], hours=0, outlet="Outlet 0", **kwargs)
    for i, status in enumerate(statuses[1:], start=1):
        told(sources, status, hours=i, outlet=f"Outlet {i}", across=first.across, **kwargs)
    return first.across


# --- The model -------------------------------------------------------------------------------

def test_a_new_claim_is_a_claim_of_its_own_worded_and_dated_as_recorded(sources):
    claim = told(sources, "reported", language="id")
    across = claim.across
    assert list(across.appearances.all()) == [claim]
    assert (across.statement, across.language) == (WORDS, "id")
    assert ClaimAcrossStories.objects.count() == 1


def test_a_claim_can_only_be_an_appearance_of_a_claim_across_stories_on_every_path(sources):
    claim = told(sources, "reported")
    with pytest.raises(IntegrityError, match="claim_has_claim_across_stories"):
        run_sql("UPDATE annotations_claim SET across_id = NULL WHERE id = %s", [claim.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(across=None)
    with pytest.raises(ProtectedError), transaction.atomic():
        claim.across.delete()  # a claim across stories with an appearance stays


def test_joining_makes_two_stories_tell_one_claim_and_keeps_the_one_left(sources):
    first, second = told(sources, "reported"), told(sources, "confirmed", hours=2)
    left = second.across
    second.join(first.across)
    assert set(first.across.appearances.all()) == {first, second}
    assert ClaimAcrossStories.objects.filter(pk=left.pk).exists(), "kept, so that undoing the join puts it back"
    assert list(ClaimAcrossStories.objects.with_appearances()) == [first.across]
    assert second.join(first.across) is False, "joined already: nothing done"
    with pytest.raises(StaleVersion):
        first.join(left, expected_version=first.version - 1)


def test_splitting_off_makes_a_claim_of_its_own_worded_as_its_story_words_it(sources):
    across = one_claim(sources, "reported", "confirmed")
    second = across.appearances.get(article__title__startswith="Outlet 1")
    made = second.split_off()
    assert list(made.appearances.all()) == [second] and made.statement == second.statement
    with pytest.raises(ValidationError, match="no other story"):
        second.split_off()


def test_each_appearance_keeps_its_own_chain_status_and_rules(sources):
    across = one_claim(sources, "reported", "confirmed")
    reported = across.appearances.get(status="reported")
    # The rules hold per appearance: the unnamed-sourced one cannot be confirmed on its own word,
    # even though another story of the same claim is confirmed.
    with pytest.raises(ValidationError, match="cannot be confirmed"):
        reported.change_status("confirmed", by=None, reason="The other story confirms it.")
    assert across.appearances.get(pk=reported.pk).status == "reported"


# --- The standing, row by row -----------------------------------------------------------------

@pytest.mark.parametrize("statuses, expected", [
    (["confirmed"], "confirmed"),
    (["reported", "confirmed"], "confirmed"),
    (["confirmed", "confirmed"], "confirmed"),
    (["unverified", "confirmed"], "confirmed"),
    (["confirmed", "retracted"], "confirmed"),
    (["reported", "confirmed", "denied"], "contested"),
    (["confirmed", "disputed"], "contested"),
    (["retracted"], "retracted"),
    (["retracted", "retracted"], "retracted"),
    (["retracted", "reported"], "reported"),
    (["reported", "unverified"], "reported"),
    (["reported", "denied"], "denied"),
    (["disputed", "reported"], "disputed"),
    (["disputed", "denied"], "denied"),
    (["unverified"], "unverified"),
    (["retracted", "unverified"], "unverified"),
])
def test_the_standing_follows_the_rule_row_by_row(sources, statuses, expected):
    across = one_claim(sources, *statuses)
    assert [a.status for a in appearances_of(across, public=False)] == statuses
    assert standing(appearances_of(across, public=False)).standing == expected


def test_the_sql_standing_agrees_with_standing_row_by_row(sources):
    """Every mix of one to three appearance statuses (all retracted, confirmed and denied,
    confirmed and disputed, only reported, unverified...), and a draft's that must not count."""
    mixes = [
        mix for size in (1, 2, 3) for mix in itertools.combinations_with_replacement(Claim.Status.values, size)
    ]
    claims = {}
    for mix in mixes:
        first = told(sources, mix[0])
        for hours, status in enumerate(mix[1:], start=1):
            told(sources, status, hours=hours, across=first.across)
        claims[first.across_id] = mix
    drafted = told(sources, "reported").across
    told(sources, "confirmed", hours=5, across=drafted, published=False)
    in_sql = dict(standings_in_sql(Claim.objects.published()).values_list("across", "standing"))
    for pk, mix in claims.items():
        expected = standing(appearances_of(ClaimAcrossStories.objects.get(pk=pk), public=True)).standing
        assert in_sql[pk] == expected, mix
    assert in_sql[drafted.pk] == "reported"
    assert len(mixes) == 83 and {in_sql[pk] for pk in claims} == set(Standing.values)


def test_a_confirmed_standing_says_when_by_whom_on_the_record_and_where(sources):
    across = one_claim(sources, "reported", "confirmed")
    verdict = standing(appearances_of(across, public=False))
    assert verdict.reason == "Confirmed on 10 Sep 2023 by Kremlin, on the record, in “Outlet 1: the train, confirmed” (Outlet 1)."


def test_a_contested_standing_names_the_confirmation_and_the_contradiction(sources):
    across = one_claim(sources, "confirmed", "denied")
    verdict = standing(appearances_of(across, public=False))
    assert verdict.standing == Standing.CONTESTED
    assert "Confirmed on 10 Sep 2023 in “Outlet 0: the train, confirmed” (Outlet 0), but denied on" in verdict.reason


def test_the_public_standing_counts_only_what_the_public_may_see(sources):
    across = one_claim(sources, "reported")
    told(sources, "confirmed", hours=3, outlet="Draft outlet", across=across, published=False)
    assert standing(appearances_of(across, public=False)).standing == "confirmed"
    assert standing(appearances_of(across, public=True)).standing == "reported"


def test_no_appearance_is_unverified_with_a_reason():
    verdict = standing([])
    assert verdict.standing == "unverified" and verdict.reason


# --- The timeline -----------------------------------------------------------------------------

def test_the_timeline_is_every_appearance_and_every_later_change_in_time_order(sources):
    across = one_claim(sources, "reported", "reported", "confirmed")
    later = across.appearances.get(article__title__startswith="Outlet 1")
    later.change_status("denied", by=None, reason="The subject denies it.", public_explanation="Denied.")
    moments = timeline(appearances_of(across, public=False))
    # The stories as they told it, at their times (Sunday night on); the denial when it was recorded.
    assert [(m.outlet.name, m.status, m.is_appearance) for m in moments] == [
        ("Outlet 0", "reported", True),
        ("Outlet 1", "reported", True),
        ("Outlet 2", "confirmed", True),
        ("Outlet 1", "denied", False),
    ]
    assert [m.at for m in moments] == sorted(m.at for m in moments)
    assert moments[3].explanation == "Denied." and moments[3].from_status == "reported"
    drawn = picture(moments)
    assert [name for name, _ in drawn.rows] == ["Outlet 0", "Outlet 1", "Outlet 2"]
    assert [m.x for m in drawn.marks] == sorted(m.x for m in drawn.marks)
    assert [m.shape for m in drawn.marks] == ["unnamed", "unnamed", "on_record", "unnamed"]


def test_an_imported_history_dated_before_the_appearance_was_recorded_is_still_the_storys_word(sources):
    claim = told(sources, "reported", hours=2)
    ClaimStatusChange.objects.filter(claim=claim).update(changed_at=SUNDAY + timedelta(hours=2))
    [moment] = timeline(appearances_of(claim.across, public=False))
    assert moment.is_appearance and moment.status == "reported"


def test_a_change_made_as_the_appearance_was_recorded_is_the_storys_own_word_dated_by_the_story(sources):
    claim = told(sources, "confirmed", hours=5)
    [moment] = timeline([claim])
    assert moment.is_appearance and moment.status == "confirmed" and moment.at == SUNDAY + timedelta(hours=5)


# --- Join and split in the desk, and their undo ----------------------------------------------

def test_an_editor_finds_a_claim_by_statement_entity_or_source_and_joins_it_then_undoes_it(editor_client, editor, sources):
    first = told(sources, "reported", outlet="Yonhap wire")
    make_mention(first.article, "Pyongyang", entity=make_entity(name="North Korean capital"))
    second = told(sources, "confirmed", hours=3)
    search = reverse("desk:claim-join-search", args=[second.pk])
    for q in ["train has LEFT", "korean capital", "an unnamed official"]:  # its words, an entity in them, a source
        page = editor_client.get(search, {"q": q}, headers={"HX-Request": "true"}).content.decode()
        assert f'name="across" value="{first.across_id}"' in page, q
        assert f'value="{second.across_id}"' not in page, "never its own claim"
    assert "No claim told in another story matches" in editor_client.get(search, {"q": "Vladivostok"}).content.decode()
    assert "<html" in editor_client.get(search, {"q": "train"}).content.decode(), "a whole page when opened directly"

    left = second.across_id
    response = editor_client.post(reverse("desk:claim-join", args=[second.pk]),
                                  {"across": first.across_id, "version": second.version}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "told in 2 stories" in response.content.decode()
    assert Claim.objects.get(pk=second.pk).across_id == first.across_id
    # Sent twice (a double click): the same answer, nothing more.
    again = editor_client.post(reverse("desk:claim-join", args=[second.pk]),
                               {"across": first.across_id, "version": second.version}, headers={"HX-Request": "true"})
    assert again.status_code == 200 and Claim.objects.get(pk=second.pk).version == second.version + 1

    entry = next(e for e in history.entries(second.article) if "one with the claim" in e.sentence)
    assert "one with the claim “Kim Jong Un's train has left Pyongyang for Russia”, told in other stories" in entry.sentence
    change = next(c for c in entry.changes if c.kind == "claim")
    history.undo(second.article, "claim", change.event.pgh_id, user=editor)
    assert Claim.objects.get(pk=second.pk).across_id == left


def test_an_editor_splits_a_claim_off_and_undoes_the_split(editor_client, editor, sources):
    across = one_claim(sources, "reported", "confirmed")
    second = across.appearances.get(status="confirmed")
    page = editor_client.get(reverse("desk:article", args=[second.article_id])).content.decode()
    assert "Also in 1 other story" in page
    across_page = reverse("desk:claim-across", args=[second.pk])
    assert f'hx-get="{across_page}"' in page, "its standing and timeline load when the card's details open"
    timeline_part = editor_client.get(across_page, headers={"HX-Request": "true"}).content.decode()
    assert "Confirmed on 10 Sep 2023 by Kremlin" in timeline_part and "<html" not in timeline_part
    assert "<html" in editor_client.get(across_page).content.decode(), "a whole page when opened directly"
    response = editor_client.post(reverse("desk:claim-split", args=[second.pk]), {"version": second.version},
                                  headers={"HX-Request": "true"})
    assert response.status_code == 200 and "a claim of its own" in response.content.decode()
    made = Claim.objects.get(pk=second.pk).across
    assert made != across and list(made.appearances.all()) == [second]
    entry = next(e for e in history.entries(second.article) if "split the claim" in e.sentence)
    change = next(c for c in entry.changes if c.kind == "claim")
    history.undo(second.article, "claim", change.event.pgh_id, user=editor)
    assert Claim.objects.get(pk=second.pk).across == across


def test_a_join_from_a_stale_card_is_a_conflict_and_changes_nothing(editor_client, sources):
    first, second = told(sources, "reported"), told(sources, "confirmed", hours=2)
    response = editor_client.post(reverse("desk:claim-join", args=[second.pk]),
                                  {"across": first.across_id, "version": second.version - 1}, headers={"HX-Request": "true"})
    assert response.status_code == 409 and Claim.objects.get(pk=second.pk).across_id == second.across_id


def test_a_join_to_a_claim_that_no_longer_appears_anywhere_is_refused_in_words(editor_client, sources):
    first, second = told(sources, "reported"), told(sources, "confirmed", hours=2)
    empty = ClaimAcrossStories.objects.create(statement="Nothing tells it.", language="en")
    response = editor_client.post(reverse("desk:claim-join", args=[second.pk]),
                                  {"across": empty.pk, "version": second.version}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "no longer appears in any story" in response.content.decode()
    response = editor_client.post(reverse("desk:claim-join", args=[second.pk]),
                                  {"across": "x", "version": second.version}, headers={"HX-Request": "true"})
    assert response.status_code == 422


def test_an_editor_words_the_claim_in_another_language(editor_client, sources):
    claim = told(sources, "reported", language="id")
    url = reverse("desk:claim-translation-create", args=[claim.pk])
    data = {f"translation-{claim.pk}-language": "en", f"translation-{claim.pk}-statement": "The train left."}
    assert editor_client.post(url, data, headers={"HX-Request": "true"}).status_code == 200
    data[f"translation-{claim.pk}-statement"] = "  Kim's train has left.  "
    editor_client.post(url, data, headers={"HX-Request": "true"})
    assert list(claim.across.translations.values_list("language", "statement")) == [("en", "Kim's train has left.")]
    refused = editor_client.post(url, {f"translation-{claim.pk}-language": "id", f"translation-{claim.pk}-statement": "x"},
                                 headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "first recorded in that language" in refused.content.decode()
    bad = editor_client.post(url, {f"translation-{claim.pk}-language": "not a tag!", f"translation-{claim.pk}-statement": "x"},
                             headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "BCP 47" in bad.content.decode()


# --- The public claim page --------------------------------------------------------------------

def test_the_public_claim_page_shows_the_standing_its_reason_and_the_timeline_as_picture_and_table(client, sources):
    across = one_claim(sources, "reported", "confirmed")
    told(sources, "denied", hours=4, outlet="Draft outlet", across=across, published=False)
    first = across.appearances.get(status="reported")
    page = client.get(first.get_absolute_url()).content.decode()
    assert 'class="status-badge">confirmed</span>' in page.replace("Confirmed", "confirmed")
    assert "Confirmed on 10 Sep 2023 by Kremlin, on the record" in page
    svg = re.search(r"<svg class=\"timeline-picture\".*?</svg>", page, re.S).group(0)
    assert svg.count('<g class="mark ') == 2 and "<polygon" in svg and "<circle" in svg
    assert "Draft outlet" not in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr") == 2 and rows.index("Outlet 0") < rows.index("Outlet 1")
    second = across.appearances.get(status="confirmed")
    assert f'<link rel="canonical" href="http://testserver{first.get_absolute_url()}">' in client.get(second.get_absolute_url()).content.decode()
    assert client.get(across.appearances.get(status="denied").get_absolute_url()).status_code == 404


def test_the_claim_page_shows_the_wording_in_the_readers_language_when_an_editor_wrote_one(client, sources):
    claim = told(sources, "reported", language="id")
    ClaimTranslation.objects.create(claim=claim.across, language="en", statement="The train has left, in English.")
    english = client.get(claim.get_absolute_url(), headers={"Accept-Language": "en"}).content.decode()
    assert '<h1><q lang="en">The train has left, in English.</q></h1>' in english
    indonesian = client.get(claim.get_absolute_url(), headers={"Accept-Language": "id"}).content.decode()
    assert f'<h1><q lang="id">{WORDS}</q></h1>'.replace("'", "&#x27;") in indonesian


def test_the_claim_pages_json_ld_is_a_claim_review_of_a_claim_with_each_appearance(client, sources):
    across = one_claim(sources, "reported", "confirmed")
    first = across.appearances.get(status="reported")
    page = client.get(first.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    [review] = data["@graph"]
    item = review["itemReviewed"]
    assert review["@type"] == "ClaimReview" and item["@type"] == "Claim"
    assert [a["headline"] for a in item["appearance"]] == ["Outlet 0: the train, reported", "Outlet 1: the train, confirmed"]
    assert item["firstAppearance"]["headline"] == "Outlet 0: the train, reported"
    assert review["reviewRating"]["ratingValue"] == 5 and review["reviewRating"]["alternateName"] == "Confirmed"


def test_the_w3c_export_relates_the_appearances_of_one_claim(client, sources):
    across = one_claim(sources, "reported", "confirmed")
    first, second = across.appearances.get(status="reported"), across.appearances.get(status="confirmed")
    data = client.get(f"{first.article.get_absolute_url()}annotations.jsonld").json()
    [claim] = [item for item in data["first"]["items"] if item["motivation"] == "assessing"]
    linked = [body["source"] for body in claim["body"] if body.get("purpose") == "linking"]
    assert linked == [f"http://testserver{second.get_absolute_url()}"]
    assert {"type": "SpecificResource", "source": f"urn:uuid:{across.key}", "purpose": "identifying"} in claim["body"]


def test_the_claim_page_costs_the_same_queries_with_two_appearances_or_twelve(client, sources):
    across = one_claim(sources, "reported", "confirmed")
    url = across.appearances.first().get_absolute_url()

    def cost() -> int:
        cache.clear()  # the page itself, not its stored copy
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    two = cost()
    for hour in range(10):
        told(sources, "reported", hours=10 + hour, across=across)
    assert cost() == two


def test_a_change_resting_on_the_storys_own_words_is_the_storys_word_and_one_on_another_story_dates_from_it(sources):
    claim = told(sources, "disputed", hours=1)  # reported, then disputed: on record, the Kremlin
    quote = claim.evidence.get(kind="quote")
    claim.change_status("confirmed", by=None, reason="Its own words.", evidence=quote, public_explanation="On record.")
    moments = timeline([Claim.objects.get(pk=claim.pk)])
    # Reported as recorded; disputed by an editor (dated when recorded); then confirmed on the story's
    # own words, which date from the story, but never before the dispute it followed.
    assert [(m.status, m.is_appearance) for m in moments] == [("reported", True), ("disputed", False), ("confirmed", False)]
    assert moments[0].at == SUNDAY + timedelta(hours=1) and moments[2].at == moments[1].at > moments[0].at

    later = make_article(title="The summit happened", published_at=SUNDAY + timedelta(days=3))
    other = told(sources, "reported", hours=2)
    from annotations.models import Evidence
    proof = Evidence.objects.create(claim=other, kind="article", article=later)
    other.change_status("denied", by=None, reason="The other story says it did not happen.", evidence=proof)
    [_, denial] = timeline([Claim.objects.get(pk=other.pk)])
    assert denial.status == "denied" and denial.at == SUNDAY + timedelta(days=3)


def test_the_sql_date_of_a_change_agrees_with_dated(sources):
    """On the story's own words, on a published story, on a draft, on a claim of a published story, on none."""
    from annotations.models import Evidence

    claim = told(sources, "disputed", hours=1)
    claim.change_status("confirmed", by=None, reason="Its own words.", evidence=claim.evidence.get(kind="quote"))
    later = make_article(title="The summit happened", published_at=SUNDAY + timedelta(days=3))
    draft = make_article(title="A draft", status=Article.Status.DRAFT, published_at=SUNDAY + timedelta(days=4))
    for proof in (
        Evidence.objects.create(claim=claim, kind="article", article=later),
        Evidence.objects.create(claim=claim, kind="article", article=draft),
        Evidence.objects.create(claim=claim, kind="claim", other_claim=told(sources, "reported", hours=30)),
    ):
        claim.change_status("disputed", by=None, reason="Another story.")
        claim.change_status("confirmed", by=None, reason="Another story.", evidence=proof)
    in_sql = dict(ClaimStatusChange.objects.filter(claim=claim).annotate(at=dated_in_sql()).values_list("pk", "at"))
    changes = appearances_of(claim.across, public=False)[0].history.all()
    assert len(in_sql) == 9 and {change.pk: dated(change, claim) for change in changes} == in_sql
    dates = set(in_sql.values())  # the story's own, the summit's, the other claim's story's; never the draft's
    assert {SUNDAY + timedelta(hours=1), SUNDAY + timedelta(days=3), SUNDAY + timedelta(hours=30)} <= dates
    assert SUNDAY + timedelta(days=4) not in dates


def test_the_sitemap_lists_each_claim_across_stories_once_by_its_canonical_page(client, sources):
    across = one_claim(sources, "reported", "confirmed", "reported")
    alone = told(sources, "reported", hours=9)
    sitemap = client.get("/sitemap.xml").content.decode()
    first = across.appearances.order_by("article__published_at").first()
    claim_pages = re.findall(r"/claims/(\d+)/", sitemap)
    assert sorted(map(int, claim_pages)) == sorted([first.pk, alone.pk])


def test_a_claim_told_by_many_outlets_is_still_a_picture_at_a_glance_and_its_table_lists_every_moment(client, sources):
    first = told(sources, "reported", hours=0, outlet="First outlet")
    for hour in range(1, 55):
        told(sources, "reported", hours=hour, outlet=f"Outlet {hour}", across=first.across)
    page = client.get(first.get_absolute_url()).content.decode()
    svg = re.search(r'<svg class="timeline-picture".*?</svg>', page, re.S).group(0)
    outlets = re.findall(r'<text class="timeline-outlet"[^>]*>([^<]*)</text>', svg)
    assert len(outlets) == 12 and outlets[0] == "First outlet" and outlets[-1] == "44 other outlets"
    assert svg.count('<g class="mark ') == 55
    assert svg.count('class="mark-label"') < 55, "a run of one status is said once"
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr") == 50 and "Moments 1–50 of 55" in page
    later = client.get(first.get_absolute_url() + "?page=2").content.decode()
    assert later.split("<tbody>")[1].split("</tbody>")[0].count("<tr") == 5 and "Outlet 54" in later


def test_undoing_a_join_on_a_published_story_says_what_readers_will_see_and_asks_first(editor_client, sources):
    first, second = told(sources, "reported"), told(sources, "confirmed", hours=2)
    left = second.across_id
    editor_client.post(reverse("desk:claim-join", args=[second.pk]), {"across": first.across_id, "version": second.version},
                       headers={"HX-Request": "true"})
    entry = next(e for e in history.entries(second.article) if "one with the claim" in e.sentence)
    event = next(c for c in entry.changes if c.kind == "claim").event
    url = reverse("desk:history-undo", args=[second.article_id, "claim", event.pgh_id])
    question = editor_client.post(url).content.decode()
    assert "will follow it across the stories of the claim" in question.replace("&#x27;", "'")
    assert Claim.objects.get(pk=second.pk).across_id == first.across_id, "nothing done before the answer"
    confirmed(editor_client, url)
    assert Claim.objects.get(pk=second.pk).across_id == left


# --- Found by attacking it --------------------------------------------------------------------

def test_a_drafts_wording_never_becomes_the_public_headline_of_a_claim(client, sources):
    draft = make_article(title="Embargoed", body=BODY, status=Article.Status.DRAFT, published_at=None)
    secret = Claim.record(draft, start=0, end=len(WORDS), exact=WORDS, statement="EMBARGOED wording of the train claim.")
    published = told(sources, "reported", hours=1)
    published.join(secret.across)
    page = client.get(published.get_absolute_url()).content.decode()
    assert "EMBARGOED" not in page
    assert f"<h1><q lang=\"en\">{WORDS}</q></h1>".replace("'", "&#x27;") in page


def test_a_statement_summed_up_in_another_language_is_recorded_in_that_language(sources):
    story = make_article(body="Kereta Kim Jong Un telah berangkat dari Pyongyang menuju Rusia, kata seorang pejabat.", language="id")
    words = "Kereta Kim Jong Un telah berangkat dari Pyongyang menuju Rusia"
    own = Claim.record(story, start=0, end=len(words), exact=words)
    summed_up = Claim.record(story, start=0, end=len(words), exact=words,
                             statement="Kim Jong Un's train has left Pyongyang for Russia, an official says.")
    assert own.across.language == "id" and summed_up.across.language == "en"


def test_one_wording_per_language_and_none_that_names_no_language(editor_client, sources):
    claim = told(sources, "reported", language="id")
    url = reverse("desk:claim-translation-create", args=[claim.pk])
    for tag, words in [("en", "The train left."), ("EN-us", "The train has left.")]:
        data = {f"translation-{claim.pk}-language": tag, f"translation-{claim.pk}-statement": words}
        assert editor_client.post(url, data, headers={"HX-Request": "true"}).status_code == 200
    assert list(claim.across.translations.values_list("language", "statement")) == [("en-US", "The train has left.")]
    refused = editor_client.post(url, {f"translation-{claim.pk}-language": "und", f"translation-{claim.pk}-statement": "x"},
                                 headers={"HX-Request": "true"})
    assert refused.status_code == 422


def test_the_admin_refuses_two_wordings_in_one_language_with_a_message_not_a_crash(admin_client, sources):
    claim = told(sources, "reported", language="id")
    ClaimTranslation.objects.create(claim=claim.across, language="en", statement="The train left.")
    url = reverse("admin:annotations_claimacrossstories_change", args=[claim.across_id])
    page = admin_client.get(url).content.decode()
    wording = ClaimTranslation.objects.get()
    data = {
        "statement": claim.across.statement, "language": claim.across.language,
        "translations-TOTAL_FORMS": 3, "translations-INITIAL_FORMS": 1, "translations-MIN_NUM_FORMS": 0,
        "translations-MAX_NUM_FORMS": 1000,
        "translations-0-id": wording.pk, "translations-0-claim": claim.across_id, "translations-0-language": "en",
        "translations-0-statement": "The train left.",
        "translations-1-claim": claim.across_id, "translations-1-language": "fr", "translations-1-statement": "Le train.",
        "translations-2-claim": claim.across_id, "translations-2-language": "FR", "translations-2-statement": "Le train!",
        "appearances-TOTAL_FORMS": 0, "appearances-INITIAL_FORMS": 0, "appearances-MIN_NUM_FORMS": 0,
        "appearances-MAX_NUM_FORMS": 1000,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "One wording per language" in response.content.decode()
    assert ClaimTranslation.objects.count() == 1 and "translations-TOTAL_FORMS" in page


def test_undoing_a_join_brings_back_the_claim_it_left_even_if_a_maintainer_deleted_it(editor, sources):
    first, second = told(sources, "reported"), told(sources, "confirmed", hours=2)
    left = second.across
    left_id, left_key = left.pk, left.key
    ClaimTranslation.objects.create(claim=left, language="fr", statement="Le train est parti.")
    second.join(first.across)
    left.delete()
    change = second.events.filter(pgh_label="update").order_by("-pgh_id").first()
    history.undo(second.article, "claim", change.pgh_id, user=editor)
    back = Claim.objects.get(pk=second.pk).across
    assert back.pk == left_id and back.key == left_key and list(back.translations.values_list("language", flat=True)) == ["fr"]


def test_an_import_that_joins_a_claim_worded_otherwise_says_so(db, tmp_path, sources):
    from articles.importing import import_paths

    claim = told(sources, "reported")
    record = {
        "title": "Another outlet", "body": BODY, "url": "https://elsewhere.example/1", "language": "en",
        "publisher": {"name": "Elsewhere"},
        "claims": [{"start": 0, "end": len(WORDS), "exact": WORDS,
                    "across": {"key": str(claim.across.key), "statement": "Totally different statement",
                               "translations": [{"language": "en-GB", "statement": "Same language, other spelling"}]}}],
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record))
    report = import_paths([path])
    assert report.imported == 1 and "joins the claim" in " ".join(report.messages)
    assert claim.across.appearances.count() == 2 and not claim.across.translations.exists()
    record["claims"][0]["across"]["statement"] = "x" * 2001
    record["url"] = "https://elsewhere.example/2"
    path.write_text(json.dumps(record))
    assert import_paths([path]).failed == 1


def test_a_join_in_the_admin_moves_the_claims_version_so_a_desk_form_from_before_is_stale(admin_client, sources):
    first, second = told(sources, "reported"), told(sources, "confirmed", hours=2)
    page = admin_client.get(reverse("admin:annotations_claim_change", args=[second.pk])).content.decode()
    from annotations.tests.makers import form_values
    data = form_values(page, "claim_form")
    data["across"] = str(first.across_id)
    response = admin_client.post(reverse("admin:annotations_claim_change", args=[second.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    moved = Claim.objects.get(pk=second.pk)
    assert moved.across_id == first.across_id and moved.version == second.version + 1
