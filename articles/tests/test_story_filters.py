"""The story filters of the front page, the search and the desk's inbox (articles/filtering.py):
each page is offered, and finds, only what its reader may see, and a refused value says why."""

import lxml.html
import pytest
from django.urls import reverse

from annotations.tests.makers import make_entity, make_mention
from articles.models import Article
from articles.tests.makers import make_article, make_source

FRONT_PAGE, SEARCH, INBOX = reverse("articles:list"), reverse("articles:search"), reverse("desk:inbox")


@pytest.fixture
def stories(db) -> dict:
    published = make_article(title="Kim travels", body="Kim Jong Un travelled to Russia.", publisher=make_source(name="Kabar"))
    draft = make_article(
        title="Kim draft", body="Kim Jong Un travelled again.", language="ko", status=Article.Status.DRAFT,
        published_at=None, publisher=make_source(name="Draft Weekly"),
    )
    kim = make_mention(published, "Kim Jong Un", entity=make_entity(name="Kim Jong Un")).entity
    drafted = make_mention(draft, "Kim Jong Un", entity=make_entity(name="Draft Kim")).entity
    return {"published": published, "draft": draft, "kim": kim, "drafted": drafted}


def offered(html: str, name: str) -> set[str]:
    # The story filters' own select, not the site language switcher's.
    path = f'//form[not(contains(@class, "language-switcher"))]//select[@name="{name}"]/option'
    return {option.text for option in lxml.html.fromstring(html).xpath(path)}


def test_the_public_is_offered_the_publishers_and_languages_of_published_stories_the_desk_those_of_every_story(
    client, editor_client, stories
):
    for page in (client.get(FRONT_PAGE).content.decode(), client.get(SEARCH).content.decode()):
        assert offered(page, "source") == {"all publishers", "Kabar (ID)"} and offered(page, "language") == {"all languages", "en"}
    # The desk's facets are its own, though both are kept in the cache at the same generation.
    desk = editor_client.get(INBOX).content.decode()
    assert offered(desk, "source") == {"all publishers", "Kabar (ID)", "Draft Weekly (ID)"}
    assert offered(desk, "language") == {"all languages", "en", "ko"}


def test_a_front_page_filter_naming_what_the_public_may_not_see_is_422_with_the_reason_and_lists_nothing(client, stories):
    no_entity, no_choice = "There is no such entity to filter by.", "Select a valid choice."
    for query, reason in [({"entity": stories["drafted"].slug}, no_entity), ({"entity": "no-such-entity"}, no_entity),
                          ({"source": stories["draft"].publisher.slug}, no_choice), ({"language": "ko"}, no_choice)]:
        response = client.get(FRONT_PAGE, query)
        page = response.content.decode()
        assert response.status_code == 422, query
        assert reason in page and stories["published"].title not in page and "Draft" not in page, query
    page = client.get(FRONT_PAGE, {"entity": stories["kim"].slug}).content.decode()
    assert stories["published"].title in page and "Stories that name Kim Jong Un." in page


def test_the_desk_finds_a_drafts_publisher_and_entity(editor_client, stories):
    page = editor_client.get(INBOX, {"source": stories["draft"].publisher.pk}).content.decode()
    assert stories["draft"].title in page and stories["published"].title not in page
    page = editor_client.get(INBOX, {"entity": stories["drafted"].pk}).content.decode()
    assert stories["draft"].title in page and "Stories that name Draft Kim." in page


# (NUL is refused before any view, by newsdesk/parameters.py: articles/tests/test_hostile_inputs.py)
@pytest.mark.parametrize("value", ["a b", "x" * 500, "99999999999999999999", "-1", "²", "٣", "１"])
def test_an_entity_no_column_could_hold_is_refused_before_any_query(client, editor_client, stories, value):
    assert client.get(FRONT_PAGE, {"entity": value}).status_code == 422
    assert editor_client.get(INBOX, {"entity": value}).status_code == 422


def test_a_search_filters_by_publisher_and_dates_of_published_stories_only(client, stories):
    page = client.get(SEARCH, {"q": "travelled", "source": stories["published"].publisher.slug}).content.decode()
    assert stories["published"].title in page and "1 story found." in page
    assert client.get(SEARCH, {"q": "travelled", "source": stories["draft"].publisher.slug}).status_code == 422
    assert "0 stories found." in client.get(SEARCH, {"q": "travelled", "date_from": "2999-01-01"}).content.decode()


def test_the_stories_naming_an_entity_read_each_story_s_status_once(db):
    """The stories an entity's page, feed and filter list are published ones whose published
    mention names it: the mention's test does not join every published story again (at a million
    stories that second join took the commonest entity's page from 60 ms to half a second)."""
    from articles.filtering import published_stories_naming

    kim = make_entity(name="Kim Jong Un")
    shown, withdrawn = make_article(body="Kim Jong Un arrived."), make_article(body="Kim Jong Un left.")
    make_mention(shown, "Kim Jong Un", entity=kim)
    make_mention(withdrawn, "Kim Jong Un", entity=kim)
    Article.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    stories = published_stories_naming(kim)
    assert list(stories) == [shown]
    assert "JOIN" not in str(stories.query)  # the stories, in FROM, once


@pytest.mark.parametrize("cap, count, capped", [(5, 3, False), (2, 2, True)])
def test_an_entity_s_stories_are_counted_from_its_mentions_as_the_page_lists_them(db, rf, monkeypatch, cap, count, capped):
    """The entity page counts its stories from the entity's published mentions (a story named
    twice once; a withdrawn or draft story, or one whose mention is unpublished, not at all): the
    same stories its pages list."""
    from articles.views import entity_context
    from newsdesk.paging import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "CAP", cap)
    kim = make_entity(name="Kim Jong Un")
    for status, published in [("published", True)] * 3 + [("withdrawn", True), ("draft", True), ("published", False)]:
        story = make_article(body="Kim Jong Un arrived. Kim Jong Un left.")
        make_mention(story, "Kim Jong Un", entity=kim, is_published=published)
        second = story.body.index("Kim Jong Un", 1)
        make_mention(story, "Kim Jong Un", entity=kim, is_published=published, start=second, end=second + 11)
        Article.objects.filter(pk=story.pk).update(status=status)
    page = entity_context(rf.get(kim.get_absolute_url()), kim.slug)["page"]
    assert (page.paginator.count, page.paginator.capped) == (count, capped)
    assert len(page.object_list) == count


def test_the_planner_knows_the_thousand_commonest_entities(db):
    """How many stories name an entity is skewed; the planner is given the thousand commonest
    (migration annotations 0023), not PostgreSQL's default hundred."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'annotations_mention'::regclass AND attname = 'entity_id'"
        )
        assert cursor.fetchone()[0] == 1000
