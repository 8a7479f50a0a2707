"""Issue 20: news flows in by itself. The desk's feeds page (health, trouble first, Resume and
Poll now), the admin of feeds, and the inbox saying what arrived since an editor last looked."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annotations.models import Profile
from articles.models import Article, Feed
from articles.tests.makers import make_article, make_source


def make_feed(**overrides) -> Feed:
    fields = {"url": f"https://example.org/{Feed.objects.count() + 1}.xml", "interval": 15} | overrides
    if "source" not in fields:
        fields["source"] = make_source()
    return Feed.objects.create(**fields)


def paused_feed(**overrides) -> Feed:
    return make_feed(**{
        "name": "Antara", "paused_at": timezone.now() - timedelta(hours=2), "failures": 10,
        "paused_reason": "paused after 10 failures in a row; the last: the server answered 404 Not Found",
        "last_error": "the server answered 404 Not Found", "last_result": Feed.Result.FAILED,
        "last_polled_at": timezone.now() - timedelta(hours=2), "next_poll_at": timezone.now() + timedelta(days=1),
    } | overrides)


def jobs() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, args, status FROM procrastinate_jobs ORDER BY id")
        return [(name, json.loads(args) if isinstance(args, str) else args, status) for name, args, status in cursor]


def names_in_order(page: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda name: page.index(f">{name}</h2>"))


# The feeds page

def test_feeds_page_shows_trouble_first_and_each_feeds_health_in_words(editor_client, db):
    make_feed(name="Zeta wire", last_polled_at=timezone.now() - timedelta(minutes=5), last_result=Feed.Result.NEW,
              last_new=3, last_known=4, last_changed=1, last_failed=2, imported_total=30,
              last_messages=["item 7: the story has no title, so it was not imported"])
    make_feed(name="Beta news", failures=2, last_result=Feed.Result.FAILED, last_polled_at=timezone.now(),
              last_error="the server did not answer within 20 seconds")
    paused_feed(name="Omega daily")
    make_feed(name="Alpha off", active=False)

    response = editor_client.get(reverse("desk:feeds"))
    page = response.content.decode()

    assert response.status_code == 200
    assert names_in_order(page, ["Alpha off", "Beta news", "Omega daily", "Zeta wire"]) == [
        "Omega daily", "Beta news", "Zeta wire", "Alpha off"]
    assert "4 feeds." in page and "1 paused." in page and "1 failing." in page and "1 switched off." in page
    omega = page.split(">Omega daily</h2>")[1].split("</li>")[0]
    assert "paused after 10 failures in a row; the last: the server answered 404 Not Found" in omega
    assert "not until it is resumed" in omega and ">Resume</button>" in omega and "Poll now" not in omega
    beta = page.split(">Beta news</h2>")[1].split("</li>")[0]
    assert "its last 2 polls failed" in beta and "the server did not answer within 20 seconds" in beta
    assert "failed" in beta and ">Poll now</button>" in beta and "Resume" not in beta
    zeta = page.split(">Zeta wire</h2>")[1].split("</li>")[0]
    assert "new stories" in zeta  # the result, in words
    assert "3 new, 4 already known, 1 changed upstream, 2 failed" in " ".join(zeta.split())
    assert "5\xa0minutes ago" in zeta and "in 14\xa0minutes" not in zeta  # last poll, relative
    assert "<details" in zeta and "item 7: the story has no title" in zeta
    assert "none: it is switched off" in page.split(">Alpha off</h2>")[1].split("</li>")[0]
    assert "maintainers" in page.lower() and "/admin/articles/feed/" not in page  # an editor is not staff


def test_feeds_page_links_the_admin_for_staff(maintainer_client, db):
    make_feed(name="Antara")
    assert reverse("admin:articles_feed_changelist") in maintainer_client.get(reverse("desk:feeds")).content.decode()


def test_feeds_page_query_count_is_constant(editor_client, count_queries, db):
    for _ in range(3):
        make_feed()
    three = count_queries(editor_client, reverse("desk:feeds"))
    for _ in range(20):
        paused_feed(source=make_source())
    assert count_queries(editor_client, reverse("desk:feeds")) == three


# Resume

def test_resume_unpauses_the_feed_and_queues_exactly_one_poll(editor_client, db):
    feed = paused_feed()

    response = editor_client.post(reverse("desk:feed-resume", args=[feed.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 200 and b"<html" not in response.content
    assert "Resumed; it will be polled within a minute." in response.content.decode()
    assert f'id="feed-{feed.pk}"' in response.content.decode() and b">Poll now</button>" in response.content
    feed.refresh_from_db()
    assert feed.paused_at is None and feed.paused_reason == "" and feed.failures == 0
    assert feed.next_poll_at <= timezone.now()
    assert jobs() == [("poll_feed", {"feed_id": feed.pk, "force": False}, "todo")]


def test_resume_without_javascript_goes_back_to_the_page_and_says_what_it_did(editor_client, db):
    feed = paused_feed()

    response = editor_client.post(reverse("desk:feed-resume", args=[feed.pk]), follow=True)

    assert response.redirect_chain == [(f"/desk/feeds/#feed-{feed.pk}", 302)]
    assert "Resumed; it will be polled within a minute." in response.content.decode()


def test_resume_pressed_twice_resumes_once_and_says_so(editor_client, db):
    feed = paused_feed()
    editor_client.post(reverse("desk:feed-resume", args=[feed.pk]), headers={"HX-Request": "true"})

    again = editor_client.post(reverse("desk:feed-resume", args=[feed.pk]), headers={"HX-Request": "true"})

    assert again.status_code == 409 and "This feed is not paused" in again.content.decode()
    assert len(jobs()) == 1


def test_resuming_a_switched_off_feed_says_it_will_not_be_polled(editor_client, db):
    feed = paused_feed(active=False)

    response = editor_client.post(reverse("desk:feed-resume", args=[feed.pk]), headers={"HX-Request": "true"})

    assert "will not be polled until a maintainer switches it on" in response.content.decode()
    assert Feed.objects.get(pk=feed.pk).paused_at is None and jobs() == []


# Poll now

def test_poll_now_queues_one_poll_even_when_pressed_twice(editor_client, db):
    feed = make_feed(next_poll_at=timezone.now() + timedelta(hours=1))
    url = reverse("desk:feed-poll", args=[feed.pk])

    first = editor_client.post(url, headers={"HX-Request": "true"})
    second = editor_client.post(url, headers={"HX-Request": "true"})

    assert "A poll is queued" in first.content.decode()
    assert second.status_code == 200 and "already waiting for a worker" in second.content.decode()
    assert jobs() == [("poll_feed", {"feed_id": feed.pk, "force": True}, "todo")]


@pytest.mark.parametrize("state, words", [
    ({"paused_at": timezone.now(), "paused_reason": "gone", "failures": 1}, "resume it to poll it again"),
    ({"active": False}, "switched off"),
])
def test_poll_now_refuses_a_paused_or_switched_off_feed(editor_client, db, state, words):
    feed = make_feed(**state)

    response = editor_client.post(reverse("desk:feed-poll", args=[feed.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 409 and words in response.content.decode()
    assert jobs() == []


def test_outsiders_may_neither_see_nor_resume_nor_poll_feeds(client, db):
    feed = paused_feed()
    client.force_login(User.objects.create_user("reader", password="reader-password-1"))

    assert client.get(reverse("desk:feeds")).status_code == 403
    assert client.post(reverse("desk:feed-resume", args=[feed.pk])).status_code == 403
    assert client.post(reverse("desk:feed-poll", args=[feed.pk])).status_code == 403
    client.logout()
    assert client.post(reverse("desk:feed-resume", args=[feed.pk])).status_code == 302
    assert Feed.objects.get(pk=feed.pk).paused_at is not None and jobs() == []


def test_resume_and_poll_of_no_such_feed_are_404(editor_client, db):
    assert editor_client.post(reverse("desk:feed-resume", args=[999999])).status_code == 404
    assert editor_client.post(reverse("desk:feed-poll", args=[999999])).status_code == 404


# The admin

def admin_form(source, **overrides) -> dict:
    return {"source": source.pk, "name": "Antara", "url": "https://example.org/rss.xml", "format": "auto",
            "language": "", "publisher": "", "interval": "15", "active": "on"} | overrides


def test_admin_add_form_refuses_a_feed_address_that_is_not_on_the_web(maintainer_client, db):
    response = maintainer_client.post(reverse("admin:articles_feed_add"), admin_form(make_source(), url="file:///etc/passwd"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"] == [
        "Enter the feed's web address, starting with http:// or https://."]
    assert not Feed.objects.exists() and jobs() == []


@pytest.mark.parametrize("url", ["http://127.0.0.1/feed", "http://[::1]:8000/feed", "http://10.0.0.7/rss", "http://169.254.169.254/"])
def test_admin_add_form_refuses_a_private_address_with_fetchings_reason(maintainer_client, db, url):
    from articles.fetching import refusal

    response = maintainer_client.post(reverse("admin:articles_feed_add"), admin_form(make_source(), url=url))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["url"]
    assert errors == [refusal(url)] and errors[0]
    assert not Feed.objects.exists() and jobs() == []


def test_admin_add_form_refuses_a_language_that_is_no_language_tag(maintainer_client, db):
    response = maintainer_client.post(reverse("admin:articles_feed_add"), admin_form(make_source(), language="english!"))

    assert "is not a BCP 47 language tag" in " ".join(response.context["adminform"].form.errors["language"])
    assert not Feed.objects.exists()


def test_a_feed_saved_in_the_admin_is_polled_at_once_and_an_unchanged_one_is_not(
        maintainer_client, db, django_capture_on_commit_callbacks):
    source = make_source()
    with django_capture_on_commit_callbacks(execute=True):
        response = maintainer_client.post(reverse("admin:articles_feed_add"), admin_form(source, language="ID"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    feed = Feed.objects.get()
    assert feed.language == "id" and feed.source == source
    assert jobs() == [("poll_feed", {"feed_id": feed.pk, "force": True}, "todo")]

    change = reverse("admin:articles_feed_change", args=[feed.pk])
    seen = maintainer_client.get(change).context["adminform"].form["seen_change"].value()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        maintainer_client.post(change, admin_form(source, language="id", seen_change=seen))
    assert callbacks == [] and len(jobs()) == 1


def test_changing_a_feeds_address_forgets_what_the_old_one_said_and_keeps_its_health(
        maintainer_client, db, django_capture_on_commit_callbacks):
    feed = make_feed(name="Antara", etag='"abc"', last_modified="Mon, 07 Dec 2026 10:00:00 GMT", imported_total=12)
    change = reverse("admin:articles_feed_change", args=[feed.pk])
    seen = maintainer_client.get(change).context["adminform"].form["seen_change"].value()
    Feed.objects.filter(pk=feed.pk).update(imported_total=15, last_new=3)  # a poll ends meanwhile

    with django_capture_on_commit_callbacks(execute=True):
        response = maintainer_client.post(change, admin_form(feed.source, url="https://example.org/new.xml", seen_change=seen))

    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.url == "https://example.org/new.xml" and feed.etag == "" and feed.last_modified == ""
    assert feed.imported_total == 15 and feed.last_new == 3
    assert len(jobs()) == 1


def test_admin_actions_poll_resume_and_switch_off(maintainer_client, db):
    on, paused = make_feed(name="On"), paused_feed(name="Paused")
    changelist = reverse("admin:articles_feed_changelist")

    response = maintainer_client.post(changelist, {"action": "poll_now", "_selected_action": [on.pk, paused.pk]}, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert "1 poll queued." in said and any("paused and was not polled" in m for m in said)
    assert jobs() == [("poll_feed", {"feed_id": on.pk, "force": True}, "todo")]

    response = maintainer_client.post(changelist, {"action": "resume", "_selected_action": [on.pk, paused.pk]}, follow=True)
    assert any(m.startswith("1 feed resumed") for m in map(str, response.context["messages"]))
    assert Feed.objects.get(pk=paused.pk).paused_at is None
    assert [args["feed_id"] for _, args, _ in jobs()] == [on.pk, paused.pk]

    maintainer_client.post(changelist, {"action": "switch_off", "_selected_action": [on.pk, paused.pk]})
    assert not Feed.objects.filter(active=True).exists()


def test_admin_list_of_uploads_never_shows_the_file(maintainer_client, db):
    from articles.models import ImportJob

    job = ImportJob.objects.create(name="secret.jsonl", data=b"SECRET-BYTES", size=12, format="jsonl")
    for url in (reverse("admin:articles_importjob_changelist"), reverse("admin:articles_importjob_change", args=[job.pk])):
        response = maintainer_client.get(url)
        assert response.status_code == 200 and b"secret.jsonl" in response.content
        assert b"SECRET-BYTES" not in response.content
    assert maintainer_client.get(reverse("admin:articles_importjob_add")).status_code == 403


# The inbox

def test_inbox_counts_stories_added_since_the_last_visit_then_resets(editor_client, editor, db):
    make_article(title="Old story")
    first = editor_client.get(reverse("desk:inbox")).content.decode()
    assert "since your last visit" not in first  # the first visit has nothing to compare with
    feed = make_feed()
    make_article(title="From the wire", feed=feed, status=Article.Status.DRAFT, published_at=None)
    make_article(title="Typed in")
    editor_client.get(reverse("desk:inbox"), {"q": "wire"}, headers={"HX-Request": "true"})  # a partial: no visit

    second = editor_client.get(reverse("desk:inbox")).content.decode()

    assert "2 new stories since your last visit (1 from feeds)." in second
    link = second.split('class="arrived"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    listed = editor_client.get(link).content.decode()
    assert "From the wire" in listed and "Typed in" in listed and "Old story" not in listed
    third = editor_client.get(reverse("desk:inbox")).content.decode()
    assert "since your last visit" not in third
    assert Profile.objects.get(user=editor).inbox_seen_at > timezone.now() - timedelta(minutes=1)


def test_inbox_later_pages_and_partials_are_no_visit(editor_client, editor, db):
    Profile.inbox_seen(editor, timezone.now() - timedelta(days=1))
    before = Profile.objects.get(user=editor).inbox_seen_at
    make_article(title="New one")
    editor_client.get(reverse("desk:inbox"), {"page": "2"})
    editor_client.get(reverse("desk:inbox"), headers={"HX-Request": "true"})
    assert Profile.objects.get(user=editor).inbox_seen_at == before
    assert "1 new story since your last visit." in editor_client.get(reverse("desk:inbox")).content.decode()


def test_inbox_keeps_the_language_the_editor_chose(editor_client, editor, db):
    Profile.objects.create(user=editor, language="id")
    editor_client.get(reverse("desk:inbox"))
    assert Profile.objects.get(user=editor).language == "id"


def test_inbox_points_to_the_feeds_page_when_a_feed_is_paused_or_failing(editor_client, db):
    make_feed()
    calm = editor_client.get(reverse("desk:inbox")).content.decode()
    assert "is paused" not in calm and "failing" not in calm
    paused_feed()
    make_feed(failures=3)

    page = editor_client.get(reverse("desk:inbox")).content.decode()

    notice = page.split('class="correction-notice"')[1].split("</p>")[0]
    assert "1 feed is paused" in notice and "1 feed is failing." in notice and 'href="/desk/feeds/"' in notice


def test_inbox_htmx_partial_reads_neither_visits_nor_feeds(editor_client, db):
    editor_client.get(reverse("desk:inbox"))
    with CaptureQueriesContext(connection) as queries:
        editor_client.get(reverse("desk:inbox"), headers={"HX-Request": "true"})
    sql = " ".join(q["sql"] for q in queries)
    assert "articles_feed" not in sql and "inbox_seen_at" not in sql
