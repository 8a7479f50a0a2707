from django.core.cache import cache
from django.urls import reverse

from annotations.models import Attribution, StoryLink
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
