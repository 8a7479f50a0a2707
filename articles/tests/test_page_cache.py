"""Public pages are served whole from the cache to readers, and never once their content changed."""

import json
import re

import psycopg
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Claim, Entity, EntityAlias, Mention
from annotations.tests.makers import add_attribution, confirmed, make_claim, make_entity, make_mention
from articles import page_cache
from articles.importing import import_paths
from articles.models import Article, Feed, ImportJob, Source
from articles.tests.makers import make_article, make_source

STORY = "Kim Jong Un's train left Pyongyang for Russia on Sunday, an official said."


@pytest.fixture
def story(db) -> Article:
    article = make_article(title="Train leaves", body=STORY)
    claim = make_claim(article, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
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
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert [query["sql"] for query in queries] == [page_cache.GENERATION_QUERY]
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] and second["ETag"] == first["ETag"]
    assert "public" in second["Cache-Control"]


def test_a_cached_page_answers_304_to_its_etag(client, story):
    first = client.get(story.get_absolute_url())
    response, queries = get(client, story.get_absolute_url(), **{"If-None-Match": first["ETag"]})
    assert response.status_code == 304 and queries == 1


def test_a_head_request_stores_nothing_so_the_next_get_still_gets_its_etag_and_304s(client, story):
    assert client.head(story.get_absolute_url())["X-Page-Cache"] == "miss"
    first = client.get(story.get_absolute_url())
    assert first["X-Page-Cache"] == "miss" and first.has_header("ETag")
    assert client.head(story.get_absolute_url())["X-Page-Cache"] == "hit"
    assert client.get(story.get_absolute_url(), headers={"If-None-Match": first["ETag"]}).status_code == 304


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
    confirmed(editor_client, reverse("desk:history-undo", args=[story.pk, "mention", event.pgh_id]))
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


# Every way a row of content can change, each of which must drop the stored pages.
def desk_status_change(story, maintainer_client, tmp_path):
    claim = Claim.objects.get(article=story)
    maintainer_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "reported", "reason": "Two agencies carry it", "version": claim.version},
    )


def admin_withdrawal(story, maintainer_client, tmp_path):
    response = maintainer_client.post(
        reverse("admin:articles_article_changelist"), {"action": "withdraw", "_selected_action": [story.pk]}
    )
    assert response.status_code == 302


def orm_save(story, maintainer_client, tmp_path):
    story.title = "Train arrives"
    story.save()


def queryset_update(story, maintainer_client, tmp_path):
    Article.objects.filter(pk=story.pk).update(title="Train arrives")


def bulk_create(story, maintainer_client, tmp_path):
    EntityAlias.objects.bulk_create([EntityAlias(entity=Entity.objects.get(slug="pyongyang"), name="Pjöngjang")])


def bulk_update(story, maintainer_client, tmp_path):
    story.title = "Train arrives"
    Article.objects.bulk_update([story], ["title"])


def instance_delete(story, maintainer_client, tmp_path):
    story.mentions.get().delete()


def queryset_delete(story, maintainer_client, tmp_path):
    Mention.objects.filter(article=story).delete()


def raw_sql(story, maintainer_client, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET title = 'Train arrives' WHERE id = %s", [story.pk])


def truncate(story, maintainer_client, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE annotations_entityalias")


def an_import(story, maintainer_client, tmp_path):
    path = tmp_path / "stories.jsonl"
    record = {"title": "Train arrives", "body": "The train reached Vladivostok.", "url": "https://news.example/1",
              "language": "en", "status": "published", "publisher": {"name": "Kabar Timur", "kind": "publication"}}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert import_paths([path]).imported == 1


@pytest.mark.parametrize("change", [
    desk_status_change, admin_withdrawal, orm_save, queryset_update, bulk_create, bulk_update, instance_delete,
    queryset_delete, raw_sql, truncate, an_import,
], ids=lambda change: change.__name__)
def test_a_change_made_by_any_path_drops_every_stored_page(maintainer_client, story, tmp_path, change):
    reader = Client()
    urls = ["/", story.get_absolute_url(), "/entities/pyongyang/", "/sitemap.xml"]
    for url in urls:
        reader.get(url)
    assert [reader.get(url)["X-Page-Cache"] for url in urls] == ["hit"] * len(urls)
    change(story, maintainer_client, tmp_path)
    assert [reader.get(url)["X-Page-Cache"] for url in urls] == ["miss"] * len(urls)


def test_a_change_to_the_desk_s_own_bookkeeping_keeps_the_pages(client, story):
    client.get("/")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_submission SET message = 'x'")
    assert client.get("/")["X-Page-Cache"] == "hit"


def committed_generation() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM articles_page_generation")
        return cursor.fetchone()[0]


@pytest.fixture
def other_connection(transactional_db):
    """A second session of the test database, as another worker or an import would hold."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=False) as other:
        yield other
        other.rollback()


def test_a_page_rendered_while_a_change_was_not_committed_is_not_served_once_it_is(client, other_connection):
    story = make_article(title="Train leaves")
    url = story.get_absolute_url()
    client.get(url)
    other_connection.execute("UPDATE articles_article SET title = 'Train arrives' WHERE id = %s", [story.pk])
    during = client.get(url)  # from the rows as they were: the change is not committed yet
    assert during["X-Page-Cache"] == "miss" and "Train leaves" in during.content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    before = committed_generation()
    other_connection.commit()
    assert committed_generation() == before + 1
    after = client.get(url)
    assert after["X-Page-Cache"] == "miss" and "Train arrives" in after.content.decode()


def test_a_change_rolled_back_keeps_the_generation_and_the_pages_of_the_rows_kept(client, other_connection):
    story = make_article(title="Train leaves")
    url = story.get_absolute_url()
    other_connection.execute("UPDATE articles_article SET title = 'Train arrives' WHERE id = %s", [story.pk])
    generation, committed = page_cache.generation(), committed_generation()
    assert "Train leaves" in client.get(url).content.decode()
    other_connection.rollback()
    assert (page_cache.generation(), committed_generation()) == (generation, committed)
    kept = client.get(url)
    assert kept["X-Page-Cache"] == "hit" and "Train leaves" in kept.content.decode()


def test_a_transaction_raises_the_committed_generation_once_however_many_rows_it_changes(transactional_db):
    before = committed_generation()
    with transaction.atomic():
        for n in range(3):
            make_article(title=f"Story {n}")
        Article.objects.update(title="Same")
    assert committed_generation() == before + 1


def tables_without_the_trigger() -> set[str]:
    """The content tables that lack the trigger, or have it other than on every statement that
    inserts, updates, deletes or truncates rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = %s AND tgenabled = 'O'"
            " AND pg_get_triggerdef(oid) LIKE %s",
            [page_cache.TRIGGER, "% AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON % FOR EACH STATEMENT %"],
        )
        return page_cache.content_tables() - {table for (table,) in cursor.fetchall()}


def test_every_content_table_has_the_trigger_and_no_history_table_does(db):
    content = page_cache.content_tables()
    assert {"articles_article", "articles_source", "annotations_entity", "annotations_entityalias",
            "annotations_mention", "annotations_claim", "annotations_attribution", "annotations_evidence",
            "annotations_claimstatuschange", "annotations_storylink"} <= content
    assert not any(table.endswith("event") for table in content) and "annotations_submission" not in content
    assert tables_without_the_trigger() == set()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE annotations_storylink DISABLE TRIGGER articles_page_changed")
    assert tables_without_the_trigger() == {"annotations_storylink"}


def test_a_feed_s_poll_and_an_upload_leave_every_stored_page_in_place(db):
    """Feeds and uploads are the desk's bookkeeping: every poll writes a feed's health, and that
    must not drop every stored page (and every kept part) a second."""
    feed = Feed.objects.create(source=make_source(), name="Wire", url="https://wire.example/feed.xml")
    before = page_cache.generation()
    Feed.objects.filter(pk=feed.pk).update(last_error="timed out", failures=1)
    ImportJob.objects.create(name="stories.jsonl", data=b"{}", size=2, format="jsonl")
    assert page_cache.generation() == before
    assert {"articles_feed", "articles_importjob"}.isdisjoint(page_cache.content_tables())


def test_migrate_takes_the_trigger_off_a_table_no_page_reads_any_more(db):
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TRIGGER {page_cache.TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON articles_feed"
            " FOR EACH STATEMENT EXECUTE FUNCTION articles_page_changed()"
        )
    page_cache.install_triggers()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgrelid = 'articles_feed'::regclass",
                       [page_cache.TRIGGER])
        assert cursor.fetchone()[0] == 0
    assert tables_without_the_trigger() == set()


def test_a_model_added_to_a_content_app_gets_the_trigger_from_migrate(db):
    class Probe(models.Model):
        class Meta:
            app_label = "annotations"

    try:
        with connection.schema_editor() as editor:
            editor.create_model(Probe)
        assert tables_without_the_trigger() == {"annotations_probe"}
        before = page_cache.generation()
        page_cache.install_triggers()
        assert tables_without_the_trigger() == set()
        assert page_cache.generation() != before  # what a migration wrote meanwhile is not hidden
    finally:
        del apps.all_models["annotations"]["probe"]
        apps.clear_cache()


def test_the_generations_query_is_the_connections_health_check_and_a_dead_connection_is_replaced(
    transactional_db, monkeypatch
):
    """A reused connection is checked before a request's first query (CONN_HEALTH_CHECKS): the
    generation's query is that check, so a stored page costs one round trip; a connection that
    died meanwhile (a database restart) is replaced, not used."""
    from django.db import close_old_connections, connection

    assert connection.health_check_enabled
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", None)  # a connection that is kept
    connection.ensure_connection()
    close_old_connections()  # what a new request does: its connection is to be checked again
    assert connection.connection is not None and not connection.health_check_done
    checks = []
    with monkeypatch.context() as patched:
        patched.setattr(connection, "is_usable", lambda: checks.append("SELECT 1") or True)
        first = page_cache.generation()
    assert connection.health_check_done and checks == []  # Django's SELECT 1 neither ran nor will
    close_old_connections()
    connection.connection.close()  # the server went away behind Django's back
    assert page_cache.generation() == first
    assert connection.connection is not None and not connection.connection.closed


@pytest.mark.parametrize(
    "first, then",
    [
        ({"HX-Request": "1"}, {"HX-Request": "true"}),  # not htmx to the views: a whole page
        ({"HX-Request": "false"}, {"HX-Request": "true"}),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, {"HX-Request": "true"}),
        ({"HX-Request": "true"}, {"HX-Request": "true", "HX-History-Restore-Request": "true"}),
    ],
)
def test_a_page_is_kept_as_the_view_rendered_it_whole_or_as_htmx_results(client, story, first, then):
    """A stored page is a whole page or the results fragment exactly as the views decide
    (django-htmx: HX-Request "true", a history restore getting the whole page), so a request
    with another spelling of the header cannot leave a whole page where htmx swaps results in,
    nor a fragment where the back button restores a page."""
    url = "/search/?q=train"
    stored = client.get(url, headers=first)
    served = client.get(url, headers=then)
    whole = b"<!doctype" in stored.content.lower()[:50]
    wants_whole = then.get("HX-History-Restore-Request") == "true" or then.get("HX-Request") != "true"
    assert (b"<!doctype" in served.content.lower()[:50]) == wants_whole
    assert whole != wants_whole and served["X-Page-Cache"] == "miss"


# What every reader sees of a public page is kept per content generation (page_cache.kept()); a
# logged-in reader's page, never stored whole, renders only their own header around it.

def queries_of(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.parametrize("kind", ["story", "entity", "source", "claim", "search"])
def test_a_logged_in_reader_s_page_renders_the_shared_part_once_and_a_change_by_any_path_shows_at_once(editor_client, story, kind):
    claim = Claim.objects.get(article=story)
    url = {"story": story.get_absolute_url(), "entity": "/entities/pyongyang/", "claim": claim.get_absolute_url(),
           "source": Source.objects.get(name="Kremlin").get_absolute_url(), "search": "/search/?q=train"}[kind]
    first, made = queries_of(editor_client, url)
    second, kept = queries_of(editor_client, url)
    # The session, the user, their profile's language, the generation (and for some, a row: not
    # the story's, whose title and language are kept with it).
    assert kept <= (4 if kind == "story" else 5) < made
    assert second.content.decode().count("Log out edna") == 1
    # A change through update() (no signal, no save()): the next page shows it.
    old, new = {
        "story": ("Train leaves", "Train stays"), "search": ("Train leaves", "Train stays"),
        "claim": ("Train leaves", "Train stays"), "entity": ("Pyongyang<", "Pyongyang city<"),
        "source": ("Kremlin<", "The Kremlin Press Office<"),
    }[kind]
    assert old in second.content.decode()
    Article.objects.filter(pk=story.pk).update(title="Train stays")
    Entity.objects.filter(name="Pyongyang").update(name="Pyongyang city")
    Source.objects.filter(name="Kremlin").update(name="The Kremlin Press Office")
    changed = editor_client.get(url).content.decode()
    assert new in changed and old not in changed.replace(new, "")


def test_the_shared_part_never_carries_one_reader_s_header_or_token(client, story):
    first_user = User.objects.create_user("ana", password="ana-password-1")
    second_user = User.objects.create_user("budi", password="budi-password-1")
    pages = []
    for user in (first_user, second_user):
        client.force_login(user)
        pages.append(client.get(story.get_absolute_url()).content.decode())
    assert "Log out ana" in pages[0] and "Log out ana" not in pages[1] and "Log out budi" in pages[1]
    tokens = [set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)) for page in pages]
    assert tokens[0] and tokens[1] and tokens[0] != tokens[1]


def test_the_shared_part_is_kept_per_language_and_per_host(editor_client, story, settings):
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example"]
    english = editor_client.get(story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    indonesian = editor_client.get(story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Claims in this story" in english and "Klaim dalam berita ini" in indonesian
    assert "Claims in this story" not in indonesian
    mirrored = editor_client.get(story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en", HTTP_HOST="mirror.example").content.decode()
    assert "http://mirror.example/" in mirrored and "http://testserver/" not in mirrored


def test_a_kept_story_speaks_its_own_language_to_a_reader_who_named_none_and_goes_at_once_when_withdrawn(editor_client, story):
    """The story's page reads no row of the story once kept: what the page around it needs
    (its title, its language) is kept with it, per whether the reader's language was named."""
    Article.objects.filter(pk=story.pk).update(language="id")
    for _ in range(2):  # made, then kept
        unnamed = editor_client.get(story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="")
        named = editor_client.get(story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        assert "Klaim dalam berita ini" in unnamed.content.decode() and unnamed["Content-Language"] == "id"
        assert "Claims in this story" in named.content.decode() and named["Content-Language"] == "id"
        assert "<title>Train leaves · Newsdesk</title>" in named.content.decode()
    Article.objects.filter(pk=story.pk).update(status="draft")
    assert editor_client.get(story.get_absolute_url()).status_code == 404
    assert editor_client.get(story.get_absolute_url()).status_code == 404


def test_a_search_s_results_for_htmx_and_its_whole_page_are_kept_apart(editor_client, story):
    page = editor_client.get("/search/?q=train").content.decode()
    results = editor_client.get("/search/?q=train", HTTP_HX_REQUEST="true").content.decode()
    assert page.lstrip().startswith("<!doctype html>") and "<html" not in results
    assert 'id="results"' in results and "Train leaves" in results
    assert editor_client.get("/search/?q=train").content.decode().lstrip().startswith("<!doctype html>")
    assert editor_client.get("/search/?date_from=yesterday").status_code == 422
    assert editor_client.get("/search/?date_from=yesterday").status_code == 422  # kept, still 422


def test_an_address_longer_than_any_of_ours_is_rendered_but_not_kept(editor_client, story):
    from django.core.cache import cache

    url = f"/search/?q=train&x={'a' * page_cache.LONGEST_URL}"
    assert "Train leaves" in editor_client.get(url).content.decode()
    assert not [key for key in cache._cache if "public-part" in key]
    editor_client.get("/search/?q=train")
    assert [key for key in cache._cache if "public-part" in key]



def test_after_a_change_one_process_makes_a_part_while_the_others_wait_for_it(db):
    """page_cache.made_once(): a part another process is making is waited for, not made again;
    a maker that fails or dies holds nobody back longer than it takes to notice."""
    import threading

    from django.core.cache import cache

    made = []

    def make(value):
        return lambda: made.append(value) or value

    def later(seconds, act):
        timer = threading.Timer(seconds, act)
        timer.start()
        return timer

    cache.add("part-a:making", 1, 10)  # another process is making it
    later(0.05, lambda: (cache.set("part-a", "theirs"), cache.delete("part-a:making")))
    assert page_cache.made_once("part-a", make("ours")) == "theirs" and made == []
    cache.add("part-b:making", 1, 10)  # another process failed: its claim goes, nothing made
    later(0.05, lambda: cache.delete("part-b:making"))
    assert page_cache.made_once("part-b", make("ours")) == "ours" and made == ["ours"]
    assert cache.get("part-b") == "ours"

    def fails():
        raise ValueError("no such story")

    with pytest.raises(ValueError):
        page_cache.made_once("part-c", fails)
    assert cache.get("part-c:making") is None  # released: the next request tries at once
    assert page_cache.made_once("part-c", make("found")) == "found"


def test_a_restore_that_makes_the_sequence_anew_never_meets_a_generation_kept_before_it(db):
    """A backup restored (pg_restore --clean, or into a new database) sets the counts back to the
    backup's; pages and parts kept since the backup was made must not come back with them."""
    before = page_cache.generation()
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM articles_page_changes")
        (last,) = cursor.fetchone()
        cursor.execute("DROP SEQUENCE articles_page_changes")
        cursor.execute("CREATE SEQUENCE articles_page_changes AS bigint")
        cursor.execute("SELECT setval('articles_page_changes', %s)", [last])
    after = page_cache.generation()
    assert after != before and after.split(".")[:2] == before.split(".")[:2]
