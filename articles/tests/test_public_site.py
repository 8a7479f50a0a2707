import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from annotations.models import Attribution, Claim, EntityAlias, Evidence, Mention, StoryLink
from annotations.tests.makers import add_attribution, make_claim, make_entity, make_mention, quote_evidence
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def story(db) -> Article:
    article = make_article(
        title="Kim Jong Un travels to Russia", language="en",
        body="Kim Jong Un travelled to Russia, the Kremlin said. Yonhap reported the train had left Pyongyang.",
    )
    kim = make_entity(name="Kim Jong Un", wikidata_id="Q56226")
    EntityAlias.objects.create(entity=kim, name="김정은", language="ko")
    make_mention(article, "Kim Jong Un", entity=kim)
    make_mention(article, "Russia", entity=make_entity(name="Russia", kind="place"))
    claim = make_claim(article, "Kim Jong Un travelled to Russia")
    attribution = add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT, country="RU"))
    claim.change_status("confirmed", by=None, reason="On the record", evidence=quote_evidence(attribution))
    reported = make_claim(article, "the train had left Pyongyang")
    add_attribution(reported, make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS), sourcing="anonymous")
    add_attribution(reported, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR"), role="via")
    reported.change_status("reported", by=None, reason="Yonhap reports it")
    return article


def test_article_page_highlights_published_claims_with_status_and_chain(client, story):
    page = client.get(story.get_absolute_url())
    html = page.content.decode()
    assert page["Content-Language"] == "en"
    assert '<mark class="claim-span hl-reported"' in html
    assert "according to Yonhap, citing an unnamed official" in html
    assert '<span class="status-badge">confirmed</span>' in html
    assert '<span class="status-badge">reported</span>' in html
    assert 'href="/entities/kim-jong-un/"' in html


def test_article_body_text_is_exactly_the_stored_text(client, story):
    import re
    from html import unescape

    html = client.get(story.get_absolute_url()).content.decode()
    body = html.split("data-article-body>")[1].split("</div>")[0]
    assert unescape(re.sub(r"<[^>]+>", "", body)) == story.body


def test_entity_page_lists_aliases_stories_and_companions(client, story):
    page = client.get(reverse("articles:entity-detail", args=["kim-jong-un"])).content.decode()
    assert "김정은" in page and story.title in page and "Russia" in page and "Q56226" in page


def test_entity_known_only_from_drafts_is_404(client, db):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    mention = make_mention(draft)
    assert client.get(mention.entity.get_absolute_url()).status_code == 404


def test_source_page_counts_on_record_and_anonymous_citations(client, story):
    kremlin = Source.objects.get(name="Kremlin")
    page = client.get(kremlin.get_absolute_url()).content.decode()
    assert '<a href="#made-on-record">1 on the record</a>' in page
    assert '<a href="#made-unnamed">0 without attribution</a>' in page
    assert "Kim Jong Un travelled to Russia" in page
    anonymous = Source.objects.get(name="an unnamed official")
    page = client.get(anonymous.get_absolute_url()).content.decode()
    assert '<a href="#made-unnamed">1 without attribution</a>' in page


def test_publisher_page_lists_its_stories(client, story):
    assert story.title in client.get(story.publisher.get_absolute_url()).content.decode()


def test_claim_page_shows_statement_chain_evidence_and_timeline(client, story):
    claim = Claim.objects.get(status="confirmed")
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "Kim Jong Un travelled to Russia" in page
    assert "On the record, from Kremlin" in page
    # Confirmed as it was recorded: the story's own word, at the story's time.
    assert "told as <strong>confirmed</strong>" in page


def test_front_page_filters_by_source_entity_and_language(client, story):
    other = make_article(title="Cerita lain", language="id")
    assert other.title not in client.get(reverse("articles:list"), {"entity": "kim-jong-un"}).content.decode()
    assert story.title not in client.get(reverse("articles:list"), {"language": "id"}).content.decode()
    page = client.get(reverse("articles:list"), {"source": story.publisher.slug}).content.decode()
    assert story.title in page and other.title not in page


def search(client, q: str, **filters) -> str:
    response = client.get(reverse("articles:search"), {"q": q, **filters})
    assert response.status_code == 200
    return response.content.decode()


def test_search_finds_indonesian_word_forms_through_the_stemmer(client, db):
    article = make_article(title="Kunjungan ke Rusia", language="id", body="Para pejabat berkunjung ke Vladivostok.")
    assert article.title in search(client, "kunjungan")
    assert article.title in search(client, "berkunjung")


def test_search_finds_korean_names_followed_by_particles(client, db):
    article = make_article(title="정상회담", language="ko", body="김정은은 러시아에 도착했다. 푸틴 대통령이 그를 맞았다.")
    make_article(title="Other", language="ko", body="다른 기사입니다.")
    page = search(client, "김정은")
    assert article.title in page and "Other" not in page
    assert article.title in search(client, "러시아")
    assert article.title not in search(client, "김정은 -푸틴")


def test_search_understands_phrases_exclusions_and_or(client, db):
    train = make_article(title="Train story", body="The armoured train left Pyongyang on Monday.")
    plane = make_article(title="Plane story", body="The plane left Pyongyang, not the train.")
    assert "Train story" in search(client, '"armoured train"') and "Plane story" not in search(client, '"armoured train"')
    page = search(client, "Pyongyang -plane")
    assert "Train story" in page and "Plane story" not in page
    page = search(client, "armoured or plane")
    assert train.title in page and plane.title in page


def test_search_highlights_matches_in_escaped_snippets(client, db):
    make_article(title="Hostile", body="<script>alert(1)</script> The Kremlin said <b>the visit</b> is near & soon.")
    page = search(client, "Kremlin")
    assert "<mark>Kremlin</mark>" in page
    assert "<script>" not in page.split("<main")[1] and "<b>the visit" not in page


def test_a_story_holding_the_snippets_marker_characters_cannot_add_marks(client, db):
    make_article(title="Markers", body="Odd \ue001text\ue000 here: the Kremlin said \ue000so.")
    page = search(client, "Kremlin").split("<main")[1]
    assert page.count("<mark>") == 1 and page.count("</mark>") == 1 and "<mark>Kremlin</mark>" in page


@pytest.mark.parametrize("q", ["", "   ", "!!! ??? ***", "the of and", "a" * 10_000, "Kremlin " * 1500])
def test_empty_absurd_and_very_long_queries_get_a_helpful_page(client, db, q):
    make_article(body="The Kremlin said so.")
    response = client.get(reverse("articles:search"), {"q": q})
    assert response.status_code == 200
    if len(q) > 500:
        assert "only its first 500 characters were used" in response.content.decode()


def test_search_filters_by_language_source_and_date(client, db):
    english = make_article(title="English Kremlin story", language="en", body="The Kremlin said so.")
    make_article(title="Cerita Kremlin", language="id", body="Kremlin mengatakan begitu.")
    page = search(client, "Kremlin", language="en")
    assert english.title in page and "Cerita Kremlin" not in page
    assert english.title not in search(client, "Kremlin", date_from="2999-01-01")


def test_search_never_shows_drafts(client, db):
    make_article(title="Secret draft", status=Article.Status.DRAFT, published_at=None, body="Kremlin secrets.")
    assert "Secret draft" not in search(client, "Kremlin")


def test_atom_feed_lists_published_stories_as_text(client, story):
    make_article(title="Unpublished", status=Article.Status.DRAFT, published_at=None)
    hostile = make_article(title="<b>Bold</b> title", body="<script>alert(1)</script>")
    response = client.get(reverse("articles:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert story.title in titles and "Unpublished" not in titles and hostile.title in titles
    summary = [e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == hostile.title][0]
    assert summary.findtext(f"{ATOM}summary") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_entity_feed_lists_the_stories_that_name_it(client, story):
    make_article(title="Another story")
    feed = ET.fromstring(client.get(reverse("articles:entity-feed", args=["kim-jong-un"])).content)
    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == [story.title]


def test_sitemap_lists_published_pages_only(client, story):
    draft = make_article(title="Draft", status=Article.Status.DRAFT, published_at=None)
    sitemap = client.get("/sitemap.xml").content.decode()
    assert story.get_absolute_url() in sitemap and draft.get_absolute_url() not in sitemap
    assert "/entities/kim-jong-un/" in sitemap and Claim.objects.first().get_absolute_url() in sitemap


def annotated(mentions: int, claims: int) -> Article:
    body = " ".join(f"Kim Jong Un spoke {n} times." for n in range(max(mentions, claims)))
    article = make_article(body=body)
    kim = make_entity(name=f"Kim {article.pk}")
    other = make_entity(name=f"Other {article.pk}")
    starts = [i for i in range(len(body)) if body.startswith("Kim Jong Un", i)][:mentions]
    Mention.objects.bulk_create(
        [Mention(article=article, entity=kim if i % 2 else other, start=s, end=s + 11, exact="Kim Jong Un") for i, s in enumerate(starts)]
    )
    agency = make_source(kind=Source.Kind.NEWS_AGENCY)
    for n in range(claims):
        claim = make_claim(article, f"spoke {n} times")
        attribution = add_attribution(claim, agency)
        claim.change_status("confirmed", by=None, reason="On the record", evidence=quote_evidence(attribution))
        Evidence.objects.create(claim=claim, kind="article", article=make_article())
    StoryLink.objects.create(from_article=article, to_article=make_article(), kind="cites")
    return article


def page_of(kind: str, article: Article) -> str:
    if kind == "article":
        return article.get_absolute_url()
    if kind == "entity":
        return article.mentions.first().entity.get_absolute_url()
    if kind == "source":
        return Attribution.objects.filter(claim__article=article).first().source.get_absolute_url()
    if kind == "claim":
        return article.claims.first().get_absolute_url()
    if kind == "feed":
        return reverse("articles:entity-feed", args=[article.mentions.first().entity.slug])
    return reverse("articles:search") + "?q=spoke"


@pytest.mark.parametrize("page", ["article", "entity", "source", "claim", "search", "feed"])
def test_public_pages_make_as_many_queries_for_a_big_story_as_for_a_small_one(client, db, count_queries, page):
    counts = [count_queries(client, page_of(page, article)) for article in (annotated(2, 5), annotated(200, 50))]
    assert counts[0] == counts[1], counts


PUBLIC_URLS = ["/", "/search/?q=Kremlin", "/feed/", "/sitemap.xml"]


def public_urls_of(story) -> list[str]:
    claim = story.claims.first()
    return PUBLIC_URLS + [
        story.get_absolute_url(), f"{story.get_absolute_url()}annotations.jsonld", claim.get_absolute_url(),
        "/entities/kim-jong-un/", "/entities/kim-jong-un/feed/", Source.objects.get(name="Kremlin").get_absolute_url(),
    ]


def test_public_pages_answer_304_to_a_conditional_request_and_may_be_cached(client, story):
    for url in public_urls_of(story):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["ETag"] and "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"], url
        again = client.get(url, headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304, url


def test_a_changed_page_gets_a_new_etag(client, story):
    first = client.get(story.get_absolute_url())
    Claim.objects.filter(article=story).update(statement="A different statement")
    second = client.get(story.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200 and second["ETag"] != first["ETag"]


def test_an_editors_copy_is_private(editor_client, story):
    response = editor_client.get(story.get_absolute_url())
    assert "private" in response["Cache-Control"] and "Cookie" in response["Vary"]


def test_b4_overlapping_nested_and_edge_spans_beside_markup_characters_are_escaped(client, db):
    """security.md B4: each slice is escaped before <mark> goes in; the text is the stored text."""
    import lxml.html

    from annotations.tests.makers import make_claim, make_entity, make_mention

    body = "<b>Kim</b> & Putin said \"x < y && y > z\" & <script>alert(1)</script> ended"
    article = make_article(title="Markup", body=body)
    make_mention(article, "<b>Kim</b>", entity=make_entity(name="Kim tag"))  # at the very start
    make_mention(article, "Putin", entity=make_entity(name="Putin"))
    make_claim(article, "Putin said \"x < y && y > z\"")  # overlaps the mention
    make_claim(article, "& <script>alert(1)</script> ended", statement="edge")  # runs to the very end
    make_claim(article, "y && y", statement="nested")  # inside the other claim
    for url in (article.get_absolute_url(),):
        html = client.get(url).content.decode()
        tree = lxml.html.fromstring(html)
        story = tree.xpath("//*[@data-article-body]")[0]
        assert story.text_content() == body
        assert not story.xpath(".//b | .//script") and "<script>alert" not in html
        assert len(story.xpath(".//mark")) >= 3


def test_story_page_shows_each_paragraph_as_its_own_p_and_splits_a_highlight_across_them(client, db):
    import lxml.html

    body = "Kim Jong Un left Pyongyang.\nThe train was seen at dawn.\n\nIt reached Russia,\n\n\nofficials said."
    article = make_article(title="Paragraphs", body=body)
    kim = make_mention(article, "Kim Jong Un", entity=make_entity(name="Kim Jong Un"))
    crossing = make_claim(article, "dawn.\n\nIt reached Russia,\n\n\nofficials", statement="crossing")
    inside = make_claim(article, "reached", statement="nested")
    tree = lxml.html.fromstring(client.get(article.get_absolute_url()).content.decode())
    story = tree.xpath("//*[@data-article-body]")[0]
    paragraphs = story.xpath("./p")
    assert [p.text_content() for p in paragraphs] == [
        "Kim Jong Un left Pyongyang.\nThe train was seen at dawn.", "It reached Russia,", "officials said.",
    ]
    assert story.text_content() == body, "the blank lines stay between the paragraphs: offsets count in the stored body"
    assert not story.xpath(".//p//p | .//mark//p | .//span//p")
    # The claim crossing two paragraph breaks is one part per paragraph, each naming the claim.
    parts = [(mark.getparent(), mark.text_content()) for mark in story.xpath(".//mark") if str(crossing.pk) in mark.get("data-claims").split()]
    assert [(paragraphs.index(p), text) for p, text in parts] == [(0, "dawn."), (1, "It "), (1, "reached"), (1, " Russia,"), (2, "officials")]
    assert [m.get("data-claims") for m in story.xpath(".//mark") if m.text_content() == "reached"] == [f"{crossing.pk} {inside.pk}"]
    assert [s.text_content() for s in paragraphs[0].xpath("./a[@class='mention-span']")] == [kim.exact]


@pytest.mark.parametrize("body, expected", [
    ("One.\r\n\r\nTwo.\r\nstill two.", ["One.", "Two.\r\nstill two."]),  # a body typed into a form
    ("\n\n  \nOne.\n\n\n\n\n \t \n\nTwo.\n\n", ["One.", "Two."]),  # blank lines everywhere, some of spaces
    ("One.\n\n      \n\nTwo.", ["One.", "Two."]),  # a paragraph of only spaces is no paragraph
    ("One.\rTwo.\r\rThree.", ["One.\rTwo.", "Three."]),  # lone carriage returns
    ("<p>One.</p>\n\n<script>x()</script>", ["<p>One.</p>", "<script>x()</script>"]),  # markup stays text
    ("   ", []),
])
def test_paragraph_blocks_keep_every_character_in_place(body, expected):
    from annotations.highlighting import paragraphs, segments

    blocks = paragraphs(body, segments(body))
    assert "".join(block.text for block in blocks) == body
    assert [block.text for block in blocks if block.is_paragraph] == expected
    for block in blocks:
        assert "".join(piece.text for piece in block.pieces) == (block.text if block.is_paragraph else "")
        assert all(body[piece.start:piece.end] == piece.text for piece in block.pieces)
