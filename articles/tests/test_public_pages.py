from html.parser import HTMLParser

from django.core.cache import cache
from django.urls import reverse

from annotations.models import Attribution, Mention, StoryLink
from annotations.tests.makers import add_attribution, make_claim, make_entity, make_mention
from articles.models import Article
from articles.tests.makers import make_article, make_articles, make_source
from newsdesk.paging import CappedPaginator


def test_front_page_lists_published_stories_newest_first(client, db):
    older, newer = make_articles(2)
    Article.objects.filter(pk=older.pk).update(published_at=newer.published_at.replace(year=2020))
    make_article(title="Secret draft", status=Article.Status.DRAFT, published_at=None)
    make_article(title="Pulled story", status=Article.Status.WITHDRAWN)
    page = client.get(reverse("articles:list")).content.decode()
    assert page.index(newer.title) < page.index(older.title)
    assert "Secret draft" not in page and "Pulled story" not in page


def test_front_page_htmx_request_renders_only_the_results(client, db):
    make_articles(2)
    response = client.get(reverse("articles:list"), headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b'id="results"' in response.content
    assert "HX-Request" in response["Vary"]


def test_front_page_paginates(client, db):
    make_articles(30)
    first = client.get(reverse("articles:list")).content.decode()
    assert first.count('class="story-card"') == 25 and "Page 1 of 2" in first
    second = client.get(reverse("articles:list"), {"page": 2}).content.decode()
    assert second.count('class="story-card"') == 5


def test_long_listings_count_only_up_to_a_cap_and_say_there_are_more(client, db, monkeypatch):
    """Counting every story that names a common entity costs more than the page: listings
    count up to CappedPaginator.CAP stories (1,000) and say there are more."""
    monkeypatch.setattr(CappedPaginator, "CAP", 50)
    stories = make_articles(60, body="Kim Jong Un spoke.")
    entity = make_entity(name="Kim Jong Un")
    for story in stories:
        make_mention(story, "Kim Jong Un", entity=entity)
    for url in [reverse("articles:list"), reverse("articles:entity-detail", args=[entity.slug])]:
        page = client.get(url).content.decode()
        assert page.count('class="story-card"') == 25 and "Page 1 of more than 2" in page
    monkeypatch.setattr(CappedPaginator, "CAP", 100)
    cache.clear()  # the public page cache kept the first answer
    assert "Page 1 of 3" in client.get(reverse("articles:list")).content.decode()


def test_draft_and_withdrawn_stories_are_404_for_the_public(client, db):
    for status in (Article.Status.DRAFT, Article.Status.WITHDRAWN):
        article = make_article(status=status)
        assert client.get(article.get_absolute_url()).status_code == 404


def test_article_page_shows_the_body_claims_entities_and_related_stories(client, db):
    article = make_article(language="en")
    make_mention(article, "Kim Jong Un", entity=make_entity(name="Kim Jong Un"))
    claim = make_claim(article, "Yonhap reported the train had left Pyongyang")
    add_attribution(claim, make_source(name="an unnamed official", kind="anonymous"), sourcing=Attribution.Sourcing.ANONYMOUS)
    add_attribution(claim, make_source(name="Yonhap", kind="news_agency"), role=Attribution.Role.VIA)
    hidden = make_claim(article, "the Kremlin said", is_published=False)
    other = make_article(title="The meeting itself")
    StoryLink.objects.create(from_article=other, to_article=article, kind=StoryLink.Kind.FOLLOW_UP)
    draft = make_article(title="Unpublished follow-up", status=Article.Status.DRAFT)
    StoryLink.objects.create(from_article=article, to_article=draft, kind=StoryLink.Kind.SAME_EVENT)

    page = client.get(article.get_absolute_url()).content.decode()
    assert "data-article-body" in page and 'lang="en"' in page
    assert "according to Yonhap, citing an unnamed official" in page
    assert "Kim Jong Un" in page and "The meeting itself" in page
    assert hidden.statement not in page.split("claims-heading")[1]
    assert "Unpublished follow-up" not in page


def test_story_text_is_escaped(client, db):
    article = make_article(title="<script>alert(1)</script>", body="Hello <img src=x onerror=alert(1)>")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_right_to_left_story_is_marked_rtl(client, db):
    article = make_article(language="ar", title="خبر", body="نص الخبر")
    assert 'dir="rtl"' in client.get(article.get_absolute_url()).content.decode()


def test_front_page_query_count_is_constant(client, db, count_queries):
    make_articles(3)
    three = count_queries(client, reverse("articles:list"))
    make_articles(27)
    # two of them read the page generation: the page cache's, and the filter facets' cache
    assert count_queries(client, reverse("articles:list")) == three <= 6


def test_article_page_query_count_is_constant(client, db, count_queries):
    article = make_article(body=" ".join(f"Kim Jong Un said thing {n}." for n in range(30)))

    def annotate(n: int) -> None:
        start_at = article.mentions.count()
        for i in range(start_at, n):
            offset = article.body.index(f"thing {i}.")
            make_mention(article, f"thing {i}.", start=offset, end=offset + len(f"thing {i}."))
            claim = make_claim(article, f"said thing {i}.")
            add_attribution(claim)
            add_attribution(claim, role=Attribution.Role.VIA)
            StoryLink.objects.create(from_article=article, to_article=make_article(), kind=StoryLink.Kind.CITES)

    annotate(3)
    three = count_queries(client, article.get_absolute_url())
    annotate(30)
    assert count_queries(client, article.get_absolute_url()) == three <= 8


class TagBalance(HTMLParser):
    """Fails on an end tag that does not close the innermost open element (crossed tags)."""

    def __init__(self):
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()


LINKED = "Kim Jong Un berangkat menuju Rusia.\n\nKemudian Kim Jong Un bertemu Putin di Vladivostok, kata Kremlin."


def test_each_tagged_name_in_the_public_text_links_to_its_entity_in_the_storys_own_words(client, db):
    import lxml.html

    article = make_article(title="Kereta", body=LINKED, language="id")
    kim, russia = make_entity(name="Kim Jong Un"), make_entity(name="Russia", kind="place")
    putin, city = make_entity(name="Vladimir Putin"), make_entity(name="Vladivostok", kind="place")
    family = make_entity(name="Kim family", kind="organisation")
    make_mention(article, "Kim Jong Un", entity=kim)
    make_mention(article, "Rusia", entity=russia)
    second = LINKED.index("Kim Jong Un", 1)
    make_mention(article, "Kim Jong Un", entity=kim, start=second, end=second + 11)
    make_mention(article, "Kim", entity=family, start=second, end=second + 3)  # tagged inside the longer name
    make_mention(article, "Vladivostok", entity=city)
    secret = make_entity(name="Hidden Person")
    make_mention(article, "Kremlin", entity=secret, is_published=False)
    crossing = make_claim(article, "menuju Rusia.\n\nKemudian Kim Jong Un bertemu Putin")
    make_mention(article, "Putin", entity=putin)

    html = client.get(article.get_absolute_url()).content.decode()
    body_html = html.split("data-article-body>")[1].split("</div>")[0]
    TagBalance().feed(body_html)
    story = lxml.html.fromstring(html).xpath("//*[@data-article-body]")[0]
    assert story.text_content() == LINKED
    links = [(a.text_content(), a.get("href")) for a in story.xpath(".//a")]
    assert links == [
        ("Kim Jong Un", kim.get_absolute_url()), ("Rusia", russia.get_absolute_url()),
        ("Kim Jong Un", kim.get_absolute_url()),  # the inner "Kim" goes with the longer name: links never nest
        ("Putin", putin.get_absolute_url()), ("Vladivostok", city.get_absolute_url()),
    ]
    assert not story.xpath(".//a//a | .//mark//a")
    # The claim's highlight runs on inside the links it crosses, one mark per piece.
    marked = [(m.getparent().tag, m.text_content()) for m in story.xpath(".//mark") if m.get("data-claims") == str(crossing.pk)]
    assert marked == [("p", "menuju "), ("a", "Rusia"), ("p", "."), ("p", "Kemudian "), ("a", "Kim"), ("a", " Jong Un"),
                      ("p", " bertemu "), ("a", "Putin")]
    # Only what is public: the unpublished mention is plain text, and its entity is named nowhere.
    assert "Hidden Person" not in html and secret.slug not in html
    for _, href in links:
        assert client.get(href).status_code == 200
    assert family.get_absolute_url() not in body_html


def test_a_stored_public_page_drops_the_link_of_a_mention_taken_back(client, db):
    article = make_article(title="Kereta", body=LINKED, language="id")
    mention = make_mention(article, "Rusia", entity=make_entity(name="Russia", kind="place"))
    link = f'<a class="mention-span" href="{mention.entity.get_absolute_url()}">Rusia</a>'
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss" and link in first.content.decode()
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    Mention.objects.filter(pk=mention.pk).update(is_published=False)
    again = client.get(article.get_absolute_url())
    assert again["X-Page-Cache"] == "miss" and link not in again.content.decode() and "Rusia" in again.content.decode()
