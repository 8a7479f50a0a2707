"""The desk's search box finds claims, sources and entities besides stories."""

import html
from itertools import count, islice

from django.urls import reverse

from annotations import desk_search
from annotations.models import AttributionSpec, Claim, EntityAlias
from annotations.tests.makers import make_claim, make_entity, make_mention
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

INBOX = reverse("desk:inbox")
STORY = "Kim Jong Un's train left Pyongyang, Yonhap said. Kim Jong Un will meet Putin, the Kremlin said."


def searched(client, q: str) -> str:
    response = client.get(INBOX, {"q": q})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def section(page: str, heading: str) -> str:
    return page.split(f">{heading}</h2>")[1].split("</section>")[0]


def test_the_desk_search_finds_a_claim_by_its_words_and_links_to_its_first_story(editor_client, db):
    article = make_article(title="Draft", body=STORY, status=Article.Status.DRAFT, published_at=None)
    claim = make_claim(article, "Kim Jong Un's train left Pyongyang")
    make_claim(make_article(body=STORY), "Kim Jong Un will meet Putin")
    claims = section(searched(editor_client, "train left"), "Claims")
    assert "1 claim matches" in claims and '<q lang="en">Kim Jong Un\'s train left Pyongyang</q>' in claims
    assert "meet Putin" not in claims
    assert f'href="{reverse("desk:article", args=[article.pk])}#claim-{claim.pk}"' in claims
    assert f'href="{reverse("desk:claim-across", args=[claim.pk])}"' in claims


def test_the_desk_search_finds_a_source_by_name_and_links_to_its_public_page(editor_client, db):
    agency = make_source(name="Yonhap News Agency", kind=Source.Kind.NEWS_AGENCY)
    make_article(publisher=agency)
    unpublished = make_source(name="Yonhap Radio", kind=Source.Kind.BROADCASTER)
    make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    sources = section(searched(editor_client, "yonhap"), "Sources")
    assert "2 sources match" in sources and "Kremlin" not in sources
    assert f'<a href="/sources/{agency.slug}/">Yonhap News Agency</a>' in sources
    assert f"/sources/{unpublished.slug}/" not in sources and "Yonhap Radio <span" in sources  # no page to 404


def test_the_desk_search_finds_an_entity_by_an_alias_in_another_script(editor_client, db):
    kim = make_entity(name="Kim Jong-un")
    EntityAlias.objects.create(entity=kim, name="김정은", language="ko")
    make_mention(make_article(body=STORY), "Kim Jong Un", entity=kim)
    make_entity(name="Putin")
    entities = section(searched(editor_client, "김정은"), "Entities")
    assert "1 entity matches" in entities and "Putin" not in entities
    assert f'<a href="/entities/{kim.slug}/">Kim Jong-un</a>' in entities
    assert f'href="{INBOX}?entity={kim.pk}"' in entities
    assert f'href="{reverse("desk:follow-up")}?entity={kim.pk}"' in entities


def test_each_section_shows_a_few_and_counts_them_all(editor_client, db):
    for n in range(7):
        make_source(name=f"Kremlin press office {n}", kind=Source.Kind.GOVERNMENT)
    sources = section(searched(editor_client, "kremlin press"), "Sources")
    assert "7 sources match" in sources and "(the first 5 shown)" in sources
    assert sources.count("<li>") == 5


def test_the_inbox_without_words_searches_no_claims_sources_or_entities(editor_client, db):
    make_claim(make_article(body=STORY), "Kim Jong Un's train left Pyongyang")
    page = editor_client.get(INBOX).content.decode()
    assert 'id="found-claims"' not in page


def test_a_claim_found_by_its_chain_and_by_an_entity_within_its_words(editor_client, db):
    article = make_article(body=STORY)
    agency = make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY)
    start = STORY.index("Kim Jong Un's train")
    Claim.record(article, start=start, end=start + 34, exact=STORY[start:start + 34], chain=[AttributionSpec(agency)])
    assert "1 claim matches" in section(searched(editor_client, "yonhap"), "Claims")


def test_the_desk_search_makes_as_many_queries_with_many_matches_as_with_few(editor_client, count_queries, db, monkeypatch):
    numbers = count(1)

    def add(n: int) -> None:
        for i in islice(numbers, n):
            article = make_article(body=STORY, publisher=make_source(name=f"Kremlin outlet {i}"))
            make_claim(article, "Kim Jong Un will meet Putin")  # found by the entity named within it
            make_mention(article, "Kim Jong Un", entity=make_entity(name=f"Kremlin watcher {i}"))

    url = f"{INBOX}?q=kremlin"
    add(3)
    few = count_queries(editor_client, url)
    add(27)
    assert count_queries(editor_client, url) == few
    monkeypatch.setattr(desk_search, "found", lambda q: {})
    assert count_queries(editor_client, url) == few - 4  # one query for each of the three sections, one for the pool


def test_whether_a_found_entity_or_source_is_public_is_asked_of_its_own_rows(db):
    """As Exists(Entity.objects.published().filter(pk=…)) the question scanned every entity
    again, and the planner joined them to every published mention: 2.8 s at a million stories.
    Asked of each found row's own mentions (or stories and chains), it costs milliseconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    story = make_article(body="Kim Jong Un met the Kremlin.")
    make_mention(story, "Kim Jong Un", entity=make_entity(name="Kim Jong Un"))
    make_entity(name="Kim Il Sung")
    make_source(name="Kim's Office")
    with CaptureQueriesContext(connection) as queries:
        found = desk_search.found("kim")
    assert [(e.name, e.public) for e in found["entities"]] == [("Kim Il Sung", False), ("Kim Jong Un", True)]
    assert [(s.name, s.public) for s in found["sources"]] == [("Kim's Office", False)]
    for sql in [q["sql"] for q in queries.captured_queries]:
        if sql.startswith('SELECT "annotations_entity"'):
            assert sql.count('FROM "annotations_entity"') == 1, sql
        if sql.startswith('SELECT "articles_source"'):
            assert sql.count('FROM "articles_source"') == 1, sql
