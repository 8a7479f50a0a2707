"""The newest matches of a text query, whichever way they are found (articles.search.newest_matches).

A small pool and window make each of the three ways happen with a few stories: few matches
(read off the indexes), a common word (the newest stories read in order), and many matches
that are all old (period by period). Each answer must equal the brute-force one: every
matching story, in the listings' order, cut at the pool."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.search import LISTING_ORDER, AsYouType, WebSearch, newest_matches
from articles.tests.makers import make_article, make_source

POOL, WINDOW = 10, 20


@pytest.fixture
def archive(db):
    """130 stories over two years, newest first: every one says “talks” (the newest in the
    window hold a pool); one in three “summit” (4 × pool of them, but the window holds only
    seven); three “Moleta” (fewer than 4 × pool: all read off the indexes); the oldest sixty
    “drought” (none in the window); ten drafts without a time say “talks” too."""
    publisher = make_source()
    now = timezone.now()
    words = {}
    for n in range(120):
        said = ["talks"]
        if n % 3 == 0:
            said.append("summit")
        if n in (5, 50, 119):
            said.append("Moleta")
        if n >= 60:
            said.append("drought")
        language = ["en", "id", "ru", "ko"][n % 4] if n % 3 else "en"
        article = make_article(
            publisher=publisher, language=language, published_at=now - timedelta(days=6 * n, minutes=n % 7),
            title=f"Story {n}", body=" ".join(said) + " were held.",
        )
        words[article.pk] = set(said)
    for n in range(10):
        article = make_article(publisher=publisher, status=Article.Status.DRAFT, published_at=None, body="talks were held.")
        words[article.pk] = {"talks"}
    return words


def expected(stories, words: dict, word: str) -> list[int]:
    matching = [pk for pk in stories.order_by(*LISTING_ORDER).values_list("pk", flat=True) if word in words[pk]]
    return matching[:POOL]


@pytest.mark.parametrize("word", ["Moleta", "summit", "talks", "drought"])
@pytest.mark.parametrize("who", ["readers", "editors"])
@pytest.mark.parametrize("window", [WINDOW, 5])  # 5: for editors, the window ends among the drafts
def test_the_newest_matches_are_found_whichever_way(archive, word, who, window):
    stories = Article.objects.published() if who == "readers" else Article.objects.all()
    query = WebSearch(word) if who == "readers" else AsYouType(word)
    # English stories hold “talks” as the stem “talk”, Korean ones as the word itself: each
    # matches in its own language.
    found = newest_matches(stories, query, pool=POOL, window=window)
    assert found == expected(stories, archive, word)
    assert len(found) == min(POOL, sum(1 for pk in stories.values_list("pk", flat=True) if word in archive[pk]))


def test_drafts_without_a_time_come_last_for_editors(archive):
    found = newest_matches(Article.objects.all(), AsYouType("talks"), pool=POOL, window=WINDOW)
    assert not any(published_at is None for published_at in Article.objects.filter(pk__in=found).values_list("published_at", flat=True))


def test_filters_narrow_the_matches_before_the_pool_is_cut(archive):
    russian = Article.objects.published().filter(language="ru")
    assert newest_matches(russian, WebSearch("drought"), pool=POOL, window=WINDOW) == expected(russian, archive, "drought")


def test_a_query_in_every_script_finds_its_stories(db):
    korean = make_article(language="ko", body="김정은이 평양에서 연설했다.")
    russian = make_article(language="ru", body="Министры встретились в Пхеньяне.")
    english = make_article(language="en", body="The ministers met in Pyongyang.")
    assert newest_matches(Article.objects.all(), WebSearch("김정은")) == [korean.pk]
    assert newest_matches(Article.objects.all(), WebSearch("министр")) == [russian.pk]
    assert newest_matches(Article.objects.all(), WebSearch("minister -Seoul")) == [english.pk]
    assert newest_matches(Article.objects.all(), AsYouType("pyongy")) == [english.pk]
    assert newest_matches(Article.objects.all(), WebSearch("Pyongyang -ministers")) == []


def test_stories_published_at_the_same_moment_are_ordered_by_id_across_the_window(db):
    publisher, moment = make_source(), timezone.now()
    stories = [
        make_article(publisher=publisher, published_at=moment, body="talks were held." if n % 3 == 0 else "nothing new.")
        for n in range(50)
    ]
    matching = sorted((s.pk for n, s in enumerate(stories) if n % 3 == 0), reverse=True)
    assert newest_matches(Article.objects.all(), WebSearch("talks"), pool=3, window=6) == matching[:3]
    assert newest_matches(Article.objects.all(), WebSearch("talks"), pool=5, window=4) == matching[:5]


def test_a_full_pool_is_said_on_the_search_page_and_in_the_inbox(db, editor_client, monkeypatch):
    from django.test import Client
    from django.urls import reverse

    from articles import search

    monkeypatch.setattr(search, "SEARCH_POOL", 3)
    publisher = make_source()
    for n in range(5):
        make_article(publisher=publisher, title=f"Talks {n}", body="The talks went on.", published_at=timezone.now() - timedelta(days=n))
    make_article(publisher=publisher, title="Summit", body="A summit was held.")
    reader = Client()
    full = reader.get(reverse("articles:search"), {"q": "talks"}).content.decode()
    assert "3 stories found" in full and "Showing the 3 most recent matching stories" in full
    assert "Talks 0" in full and "Talks 2" in full and "Talks 3" not in full  # the newest three
    single = reader.get(reverse("articles:search"), {"q": "summit"}).content.decode()
    assert "1 story found" in single and "most recent matching" not in single
    inbox = editor_client.get(reverse("desk:inbox"), {"q": "talk"}).content.decode()
    assert "Showing the 3 most recent matching stories" in inbox
    assert inbox.count("Talks ") == 3 and "Talks 3" not in inbox
