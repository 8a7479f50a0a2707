"""Public pages are served whole from the cache to readers, and never once their content changed."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Claim
from annotations.tests.makers import add_link, make_claim, make_entity, make_mention
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

STORY = "Kim Jong Un's train left Pyongyang for Russia on Sunday, an official said."


@pytest.fixture
def story(db) -> Article:
    article = make_article(title="Train leaves", body=STORY)
    claim = make_claim(article, "Kim Jong Un's train left Pyongyang")
    add_link(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    make_mention(article, "Pyongyang", entity=make_entity(name="Pyongyang"))
    return article


def get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


@pytest.mark.parametrize("url", ["/", "story", "/search/?q=train", "/feed/", "/sitemap.xml", "entity"])
def test_a_cached_page_is_served_with_one_query_the_generation(client, story, url):
    url = {"story": story.get_absolute_url(), "entity": "/entities/pyongyang/"}.get(url, url)
    first, queries = get(client, url)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss" and queries > 0
    second, queries = get(client, url)
    assert second["X-Page-Cache"] == "hit" and queries == 1
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] and second["ETag"] == first["ETag"]
    assert "public" in second["Cache-Control"]


def test_a_cached_page_answers_304_to_its_etag(client, story):
    first = client.get(story.get_absolute_url())
    response, queries = get(client, story.get_absolute_url(), **{"If-None-Match": first["ETag"]})
    assert response.status_code == 304 and queries == 1


def test_each_response_from_the_cache_gets_a_fresh_csp_nonce(client, story):
    client.get("/")
    nonces = {client.get("/")["Content-Security-Policy"] for _ in range(3)}
    assert len(nonces) == 3


def test_a_published_edit_shows_at_once(editor_client, story):
    client = Client()
    claim = Claim.objects.get(article=story)
    url = story.get_absolute_url()
    assert ">unverified<" in client.get(url).content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    response = editor_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "reported", "reason": "Two agencies carry it", "version": claim.version},
    )
    assert response.status_code == 200
    fresh = client.get(url)
    assert fresh["X-Page-Cache"] == "miss"
    assert ">reported<" in fresh.content.decode() and ">unverified<" not in fresh.content.decode()


def test_withdrawing_a_story_takes_it_off_at_once_and_publishing_puts_it_back(client, story):
    url = story.get_absolute_url()
    client.get(url)
    client.get("/")
    story.withdraw()
    assert client.get(url).status_code == 404
    assert "Train leaves" not in client.get("/").content.decode()
    story.publish()
    assert client.get(url).status_code == 200
    assert "Train leaves" in client.get("/").content.decode()


def test_an_annotation_edited_through_update_or_undone_from_history_shows_at_once(editor_client, story):
    client = Client()
    url = story.get_absolute_url()
    client.get(url)
    mention = story.mentions.get()
    editor_client.post(reverse("desk:mention-delete", args=[story.pk, mention.pk]))
    assert "/entities/pyongyang/" not in client.get(url).content.decode()
    event = mention.events.get(pgh_label="delete")
    editor_client.post(reverse("desk:history-undo", args=[story.pk, "mention", event.pgh_id]))
    assert "/entities/pyongyang/" in client.get(url).content.decode()


def test_editors_never_get_or_leave_a_stored_page(editor_client, story):
    url = story.get_absolute_url()
    editor_page = editor_client.get(url)
    assert "X-Page-Cache" not in editor_page and "private" in editor_page["Cache-Control"]
    reader = Client()
    assert reader.get(url)["X-Page-Cache"] == "miss"  # the editor's copy was not stored
    assert "Log out" not in reader.get(url).content.decode()


def test_htmx_fragments_and_whole_pages_are_stored_apart(client, story):
    whole = client.get("/search/?q=train")
    fragment = client.get("/search/?q=train", headers={"HX-Request": "true"})
    assert fragment["X-Page-Cache"] == "miss"
    assert fragment.content != whole.content
    assert client.get("/search/?q=train", headers={"HX-Request": "true"}).content == fragment.content


@pytest.fixture
def our_host(settings) -> str:
    settings.ALLOWED_HOSTS = ["news.example"]
    return "news.example"


def test_a_host_django_refuses_never_gets_a_stored_page(client, story, our_host):
    assert client.get("/", headers={"Host": our_host}).status_code == 200
    assert client.get("/", headers={"Host": our_host})["X-Page-Cache"] == "hit"
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "X-Page-Cache" not in refused
    assert client.get("/", headers={"Host": "evil.example:1"}).status_code == 400


@pytest.mark.parametrize("url", ["/sitemap.xml", "/feed/"])
def test_a_page_asked_for_through_another_port_is_kept_apart(client, story, our_host, url):
    odd = client.get(url, headers={"Host": f"{our_host}:1"})
    assert odd.status_code == 200 and f"//{our_host}:1/" in odd.content.decode()
    ours = client.get(url, headers={"Host": our_host})
    assert ours["X-Page-Cache"] == "miss" and ":1/" not in ours.content.decode()
    assert f"//{our_host}/" in ours.content.decode()
    assert client.get(url, headers={"Host": our_host}).content == ours.content
    again = client.get(url, headers={"Host": f"{our_host}:1"})
    assert again["X-Page-Cache"] == "hit" and again.content == odd.content


def test_http_and_https_never_share_a_page(client, story, our_host):
    plain = client.get("/sitemap.xml", headers={"Host": our_host})
    secure = client.get("/sitemap.xml", headers={"Host": our_host}, secure=True)
    assert secure["X-Page-Cache"] == "miss"
    assert f"https://{our_host}/" in secure.content.decode() and f"http://{our_host}/" not in secure.content.decode()
    assert f"http://{our_host}/" in plain.content.decode() and f"https://{our_host}/" not in plain.content.decode()
    assert client.get("/sitemap.xml", headers={"Host": our_host})["X-Page-Cache"] == "hit"
