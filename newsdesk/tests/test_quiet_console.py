"""Nothing for the browser's console to complain of: a favicon, feeds in their stories'
languages, plurals right (issue 15, item 5)."""

from xml.etree import ElementTree

from django.urls import reverse

from annotations.models import Entity
from annotations.tests.makers import make_entity, make_mention
from articles.tests.makers import make_article

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_favicon_ico_is_ours_and_every_page_names_its_icon(client, db):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("favicon.svg")
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg"), "the icon is one of our static files (whitenoise serves it)"
    assert 'rel="icon"' in client.get(reverse("articles:list")).content.decode()


def test_each_feed_entry_carries_its_storys_language(client, db):
    make_article(title="Kereta berangkat", body="Kereta Kim berangkat ke Rusia.", language="id")
    make_article(title="Поезд ушёл", body="Поезд Ким Чен Ына ушёл в Россию.", language="ru")
    feed = ElementTree.fromstring(client.get(reverse("articles:feed")).content)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert sorted(entry.get(XML_LANG) for entry in entries) == ["id", "ru"]


def test_one_suggested_mention_is_said_in_the_singular(editor_client, db):
    make_entity(name="Vladimir Putin")
    story = make_article(body="Vladimir Putin spoke in Vladivostok.")
    putin = Entity.objects.get(name="Vladimir Putin")
    answer = editor_client.post(
        reverse("desk:suggestion-accept", args=[story.pk]), {"action": "all", "group": putin.pk, "entity": putin.pk}
    )
    assert "Tagged 1 suggested mention of Vladimir Putin." in answer.content.decode()


def test_merging_one_entity_says_so_in_the_singular(maintainer_client, db):
    story = make_article(body="Kim Jong Un spoke. Kim Jong-un left.")
    keep, other = make_entity(name="Kim Jong Un"), make_entity(name="Kim Jong-un")
    make_mention(story, "Kim Jong-un", entity=other)
    answer = maintainer_client.post(
        reverse("admin:annotations_entity_changelist"),
        {"action": "merge", "_selected_action": [keep.pk, other.pk], "keep": keep.pk}, follow=True,
    )
    page = answer.content.decode()
    assert "Merged 1 entity into “Kim Jong Un”: 1 mention moved, 1 alias added." in page
    assert list(Entity.objects.all()) == [keep]


def test_the_merge_question_counts_one_mention_in_the_singular(maintainer_client, db):
    story = make_article(body="Kim Jong Un spoke. Kim Jong-un left.")
    keep, other = make_entity(name="Kim Jong Un"), make_entity(name="Kim Jong-un")
    make_mention(story, "Kim Jong-un", entity=other)
    page = maintainer_client.post(
        reverse("admin:annotations_entity_changelist"), {"action": "merge", "_selected_action": [keep.pk, other.pk]},
    ).content.decode()
    words = " ".join(page.split())
    assert "— 1 mention</label>" in words and "— 0 mentions</label>" in words
    assert "1 mentions" not in words
