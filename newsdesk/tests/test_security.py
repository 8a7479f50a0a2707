"""The cases of ../shared/design/security.md (groups A, B, D and G), each test named after its case.

Cases tested elsewhere, under the same names: A3/A4 articles/tests/test_visibility.py, A6 and D3
annotations/tests/test_span_and_link_rules.py and test_desk.py, B3 articles/tests/test_public_browser.py,
B7 newsdesk/tests/test_csp_browser.py, D1 (sequential) and D3 annotations/tests/test_desk.py, D2 (status
view) and the admin pages annotations/tests/test_admin.py, D4 articles/tests/test_importing.py, D5
annotations/tests/test_history.py, G1 newsdesk/tests/test_settings.py.
"""

import logging
import re
import threading
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from annotations.models import (
    Claim, ClaimMatch, ClaimStatusChange, Evidence, Mention, RejectedSuggestion, StoryLink, StorySuggestion,
)
from annotations.roles import ensure_editors_group
from annotations.tests.makers import add_attribution, form_values, make_claim, make_entity, make_mention
from articles.models import Article, Feed, ImportJob, Source
from articles.tasks import queue_poll
from articles.tests.makers import make_article, make_source

BASE_DIR = Path(settings.BASE_DIR)
STORY = "Kim Jong Un's train left Pyongyang for Russia on Sunday, an official said. Kim Jong Un waved."


# --- The routes and who may use them -------------------------------------------------------

def named_routes(resolver=None, namespace: str = "", prefix: str = "") -> dict[str, URLPattern]:
    """Every named URL pattern of the project, admin included, by its full name."""
    resolver = resolver or get_resolver()
    found = {}
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= named_routes(entry, inner, prefix + str(entry.pattern))
        elif entry.name:
            found[namespace + entry.name] = entry
    return found


PUBLIC = {
    "articles:list", "articles:detail", "articles:annotations", "articles:entity-detail", "articles:source-detail",
    "articles:claim-detail", "articles:entity-feed", "articles:feed", "articles:search", "articles:sitemap",
    "articles:version", "healthz", "favicon", "language", "login", "logout", "admin:login", "admin:logout",
}
# Admin pages any staff member may open (they show only what the account may see).
ADMIN_FOR_ANY_STAFF = {
    "admin:index", "admin:password_change", "admin:password_change_done",
    "admin:jsi18n", "admin:view_on_site", "admin:autocomplete", "admin:app_list",
}


def policy(name: str) -> str:
    """Who may use the route. A route this does not know fails the test: declare it here first."""
    if name in PUBLIC:
        return "public"
    if name.startswith("desk:"):
        return "editor"
    if name in ADMIN_FOR_ANY_STAFF:
        return "staff"
    if name.startswith("admin:") and registered_model(name) is not None:
        return "admin"
    raise AssertionError(f"no access policy declared for the route {name!r}")


def registered_model(name: str):
    short = name.removeprefix("admin:")
    for model in admin.site._registry:
        stem = f"{model._meta.app_label}_{model._meta.model_name}_"
        if short.startswith(stem):
            return model
    return None


@pytest.fixture
def world(db):
    """One of everything, published and not, for the routes' arguments."""
    ensure_editors_group()
    story = make_article(title="Train leaves", body=STORY, language="en")
    draft = make_article(title="Draft", body=STORY, status=Article.Status.DRAFT, published_at=None)
    entity = make_entity(name="Kim Jong Un")
    entity.aliases.create(name="김정은", language="ko")
    mention = make_mention(story, "Kim Jong Un", entity=entity)
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    attribution = add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    Evidence.objects.create(claim=claim, kind="quote", attribution=attribution)
    story_link = StoryLink.objects.create(from_article=story, to_article=draft, kind="follow_up")
    claim.change_status("reported", by=None, reason="Two agencies")
    RejectedSuggestion.objects.create(article=story, entity=entity, start=mention.start, end=mention.end)
    StorySuggestion.objects.create(from_article=story, to_article=draft, score=0.4, how="test", state="dismissed")
    elsewhere = make_claim(draft, "Kim Jong Un's train left Pyongyang")
    ClaimMatch.objects.create(claim=claim, candidate=elsewhere.across, score=0.7, how="test", decision="dismissed")
    # A correction: two versions of the story, and an orphaned mention waiting in the review queue.
    make_mention(story, "waved")
    from annotations.corrections import correct

    correct(story, body=STORY.replace("waved", "smiled"), note="He smiled", public_note="He smiled.")
    # A row of each of django-axes' admin pages, so that their change pages have something to show.
    from django.utils import timezone
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    seen = {"user_agent": "test", "ip_address": "192.0.2.1", "username": "someone", "http_accept": "*/*", "path_info": "/"}
    AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1, attempt_time=timezone.now())
    AccessLog.objects.create(**seen, attempt_time=timezone.now())
    AccessFailureLog.objects.create(**seen, attempt_time=timezone.now(), locked_out=False)
    # A feed (on, not paused: resuming it is refused without polling) and an upload, for the desk's and admin's pages.
    feed = Feed.objects.create(source=story.publisher, name="Antara", url="https://example.org/feed.xml")
    ImportJob.objects.create(name="stories.jsonl", data=b"{}", size=2, format="jsonl")
    queue_poll(feed.pk)  # a row of the job queue, for its admin pages
    return {"story": story, "draft": draft, "entity": entity, "mention": mention, "claim": claim, "link": story_link,
            "feed": feed}


def route_kwargs(name: str, pattern: URLPattern, world) -> dict:
    story, claim, mention = world["story"], world["claim"], world["mention"]
    params = set(pattern.pattern.regex.groupindex)
    if not params:
        return {}
    if name.startswith("admin:"):
        kwargs = {}
        if "app_label" in params:
            kwargs["app_label"] = "articles"
        if "content_type_id" in params:
            from django.contrib.contenttypes.models import ContentType

            kwargs["content_type_id"] = ContentType.objects.get_for_model(Article).pk
            kwargs["object_id"] = str(story.pk)
        elif "object_id" in params:
            model = registered_model(name)
            row = model._base_manager.order_by("pk").first()
            kwargs["object_id"] = str(row.pk if row else 1)
        if "id" in params:
            kwargs["id"] = User.objects.order_by("pk").first().pk
        if "kind" in params:
            kwargs["kind"], kwargs["event_id"] = "mention", mention.events.get(pgh_label="insert").pgh_id
        return kwargs
    by_name = {
        "articles:detail": {"slug": story.slug}, "articles:annotations": {"slug": story.slug},
        "articles:entity-detail": {"slug": world["entity"].slug}, "articles:entity-feed": {"slug": world["entity"].slug},
        "articles:source-detail": {"slug": story.publisher.slug}, "articles:claim-detail": {"pk": claim.pk},
        "desk:mention-delete": {"pk": story.pk, "mention_pk": mention.pk},
        "desk:story-link-delete": {"pk": story.pk, "link_pk": world["link"].pk},
        "desk:history-undo": {"pk": story.pk, "kind": "mention", "event_id": mention.events.get(pgh_label="insert").pgh_id},
        "articles:version": {"slug": story.slug, "number": 1}, "desk:version-decide": {"pk": story.pk, "number": 2},
        "desk:review-decide": {"pk": story.anchor_reviews.first().pk},
        "desk:feed-resume": {"pk": world["feed"].pk}, "desk:feed-poll": {"pk": world["feed"].pk},
    }
    if name in by_name:
        return by_name[name]
    if name.startswith("desk:claim"):
        return {"pk": claim.pk}
    return {"pk": story.pk}


def every_route(world) -> list[tuple[str, str, str]]:
    routes = []
    for name, pattern in sorted(named_routes().items()):
        url = reverse(name, kwargs=route_kwargs(name, pattern, world))
        routes.append((name, url, policy(name)))
    return routes


def roles() -> dict[str, User | None]:
    editor = User.objects.create_user("edna", password="edna-password-1")
    editor.groups.add(ensure_editors_group())
    return {
        "anonymous": None,
        "editor": editor,
        "staff": User.objects.create_user("stan", password="stan-password-1", is_staff=True),
        "superuser": User.objects.create_user("max", password="max-password-1", is_staff=True, is_superuser=True),
    }


def client_as(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def test_a1_every_route_has_a_declared_policy_and_keeps_to_it(world):
    users = roles()
    routes = every_route(world)
    assert len(routes) > 60  # the admin's routes are in the list, not only ours
    # The editor goes last: their POSTs delete things (a claim, a mention) the others' URLs name.
    for role in ("anonymous", "staff", "superuser", "editor"):
        client = client_as(users[role])
        for name, url, rule in routes:
            if name in {"logout", "admin:logout"} and role != "anonymous":
                continue  # it would end the session the rest of the walk needs
            methods = ["get"] if role == "superuser" or name == "desk:history-undo" else ["get", "post"]
            for method in methods:
                response = getattr(client, method)(url)
                where = f"{role} {method.upper()} {name} {url} -> {response.status_code}"
                assert response.status_code < 500, where
                if rule == "public" or role == "superuser":
                    continue
                if role == "anonymous":
                    login = "/admin/login/" if name.startswith("admin:") else "/accounts/login/"
                    assert response.status_code == 302 and response["Location"].startswith(login), where
                elif rule == "editor":
                    assert (response.status_code == 403) == (role != "editor"), where
                elif rule == "admin":
                    if role == "editor":
                        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), where
                    else:  # refused for lack of permission (or, for a POST-only action, of the method)
                        assert response.status_code in {403, 405}, where


def test_a1_htmx_requests_of_anonymous_users_get_403_with_a_way_to_log_in(world):
    client = Client()
    url = reverse("desk:article", args=[world["story"].pk])
    response = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{url}"})
    assert response.status_code == 403
    assert response["HX-Redirect"] == f"/accounts/login/?next=%2Fdesk%2Farticles%2F{world['story'].pk}%2F"


def test_a2_a_mention_or_link_of_another_story_cannot_be_deleted_through_this_ones_url(world, caplog):
    other = make_article(title="Other", body=STORY)
    other_mention = make_mention(other, "Pyongyang")
    other_link = StoryLink.objects.create(from_article=other, to_article=make_article(), kind="cites")
    client = client_as(roles()["editor"])
    story = world["story"]
    with caplog.at_level(logging.WARNING, logger="newsdesk.desk"):
        assert client.post(reverse("desk:mention-delete", args=[story.pk, other_mention.pk])).status_code == 404
        assert client.post(reverse("desk:story-link-delete", args=[story.pk, other_link.pk])).status_code == 404
    assert Mention.objects.filter(pk=other_mention.pk).exists() and StoryLink.objects.filter(pk=other_link.pk).exists()
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == 2


def test_a2_anonymous_users_change_nothing_by_pk(world):
    client = Client()
    claim, mention = world["claim"], world["mention"]
    client.post(reverse("desk:claim-delete", args=[claim.pk]))
    client.post(reverse("desk:mention-delete", args=[world["story"].pk, mention.pk]))
    client.post(reverse("desk:claim-status-update", args=[claim.pk]), {"status": "denied", "reason": "x", "version": 1})
    assert Claim.objects.filter(pk=claim.pk, status="reported").exists() and Mention.objects.filter(pk=mention.pk).exists()


def test_a5_extra_fields_in_a_post_are_ignored(world):
    editor = roles()["editor"]
    someone_else = User.objects.create_user("mallory", password="mallory-password-1")
    client = client_as(editor)
    story, draft = world["story"], world["draft"]
    start = STORY.index("Pyongyang")
    response = client.post(
        reverse("desk:mention-create", args=[story.pk]),
        {
            "start": start, "end": start + 9, "exact": "Pyongyang", "new_entity_name": "Pyongyang", "new_entity_kind": "place",
            # Not fields of the form: none of these may reach the row.
            "created_by": someone_else.pk, "article": draft.pk, "is_published": "false", "is_staff": "true", "id": 999,
        },
    )
    assert response.status_code == 200
    mention = Mention.objects.get(exact="Pyongyang")
    assert (mention.article_id, mention.created_by_id, mention.is_published) == (story.pk, editor.pk, True)
    assert mention.pk != 999
    editor.refresh_from_db()
    assert not editor.is_staff


def test_a5_no_model_form_takes_all_fields_or_excludes_some():
    offenders = []
    for path in [*BASE_DIR.glob("articles/**/*.py"), *BASE_DIR.glob("annotations/**/*.py"), *BASE_DIR.glob("newsdesk/**/*.py")]:
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        if re.search(r"fields\s*=\s*['\"]__all__['\"]", text) or re.search(r"^\s+exclude\s*=\s*[\[(]", text, re.M):
            offenders.append(str(path))
    assert offenders == []


def test_a7_an_account_is_locked_after_ten_failures_even_for_the_right_password(world, caplog):
    roles()
    client = Client()
    login = reverse("login")
    with caplog.at_level(logging.INFO):
        statuses = [client.post(login, {"username": "edna", "password": f"wrong-{i}"}).status_code for i in range(20)]
    assert statuses[:9] == [200] * 9  # the form again, with its error
    assert set(statuses[10:]) == {429}
    locked = client.post(login, {"username": "edna", "password": "edna-password-1"})
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert any("locking out" in r.getMessage().lower() and "edna" in r.getMessage() for r in caplog.records), [
        r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
    ]


def test_a7_failures_from_many_addresses_still_lock_the_account(world):
    roles()
    login = reverse("login")
    statuses = []
    for address in ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]:
        client = Client(REMOTE_ADDR=address)
        statuses += [client.post(login, {"username": "edna", "password": "wrong"}).status_code for _ in range(4)]
    assert statuses.count(429) >= 10
    right = Client(REMOTE_ADDR="10.0.0.9").post(login, {"username": "edna", "password": "edna-password-1"})
    assert right.status_code == 429


def test_a7_a_forged_x_forwarded_for_does_not_escape_the_lock(world):
    roles()
    login = reverse("login")
    for i in range(12):
        Client().post(login, {"username": f"nobody{i}", "password": "wrong"}, headers={"X-Forwarded-For": f"203.0.113.{i}"})
    # Twelve failures from one real address (the header was not believed): that address is locked,
    # whichever account it tries next and whatever the header says.
    response = Client().post(
        login, {"username": "edna", "password": "edna-password-1"}, headers={"X-Forwarded-For": "198.51.100.7"}
    )
    assert response.status_code == 429


def test_a7_behind_a_configured_proxy_the_proxys_address_for_the_client_is_believed(world, settings):
    from newsdesk.security import client_ip

    class Request:
        META = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}

    assert client_ip(Request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(Request) == "198.51.100.7"  # what our proxy appended, not what the client wrote


# --- B. CSRF, XSS, injection ------------------------------------------------------------

def app_row_counts() -> dict[str, int]:
    models = [m for m in apps.get_models() if m._meta.app_label in {"articles", "annotations", "auth"}]
    return {m._meta.label: m._base_manager.count() for m in models}


def test_b1_unsafe_requests_need_this_sessions_csrf_token_and_get_changes_nothing(world):
    users = roles()
    routes = every_route(world)
    unsafe = [(name, url) for name, url, rule in routes if rule == "editor" and name not in {
        "desk:inbox", "desk:article", "desk:entity-search", "desk:source-search", "desk:story-link-search",
        "desk:article-history", "desk:import",
    }] + [("desk:import", reverse("desk:import")), ("logout", reverse("logout"))]
    attacker = Client(enforce_csrf_checks=True)
    attacker.force_login(users["superuser"])
    attacker.get(reverse("desk:inbox"))
    foreign_token = attacker.cookies[settings.CSRF_COOKIE_NAME].value
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["editor"])
    client.get(reverse("desk:inbox"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    # Counted after those looks at the inbox: it remembers when each editor last looked (their
    # profile's row), the one thing a GET writes, and about the viewer alone.
    before = app_row_counts()
    for name, url in unsafe:
        assert client.post(url).status_code == 403, name
        assert client.post(url, headers={"X-CSRFToken": foreign_token}).status_code == 403, name
    assert app_row_counts() == before
    for name, url in unsafe:
        if name != "logout":
            assert client.post(url, headers={"X-CSRFToken": token}).status_code in {200, 302, 404, 409, 422}, name
    # Every GET, as every role: not a row changes.
    after_posts = app_row_counts()
    for user in users.values():
        reader = client_as(user)
        for name, url, _ in routes:
            if name not in {"logout", "admin:logout"}:
                reader.get(url)
    assert app_row_counts() == after_posts


def test_b2_a_post_from_another_origin_is_refused_even_with_a_valid_token(world, settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(roles()["editor"])
    client.get(reverse("desk:inbox"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    url = reverse("desk:claim-delete", args=[world["claim"].pk])
    response = client.post(url, headers={"X-CSRFToken": token, "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert Claim.objects.filter(pk=world["claim"].pk).exists()
    assert "security token" in response.content.decode() or "Forbidden" in response.content.decode()


@pytest.mark.parametrize("target", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x", "//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_b5_log_in_never_redirects_off_site(world, target):
    roles()
    client = Client()
    response = client.post(f"{reverse('login')}?next={target}", {"username": "edna", "password": "edna-password-1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:inbox")


def test_b5_hx_redirect_only_names_a_page_of_ours(world):
    response = Client().post(
        reverse("desk:claim-delete", args=[world["claim"].pk]),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/phish"},
    )
    assert response.status_code == 403
    assert response["HX-Redirect"].startswith("/accounts/login/?next=%2F")
    assert "evil.example" not in response["HX-Redirect"]


def test_b5_no_header_can_be_split_by_a_crafted_next(world):
    client = Client()
    response = client.get(reverse("desk:inbox") + "?x=%0d%0aSet-Cookie:%20pwned=1")
    assert response.status_code == 302
    assert "\n" not in response["Location"] and "\r" not in response["Location"]
    assert "pwned" not in response.cookies


@pytest.mark.parametrize("query", [
    "status=-id;DROP TABLE articles_article", "sort=password", "_connector=OR", "language=en'--",
    "publisher=1%20OR%201=1", "date_from=2026-13-45", "page=-1", "page=99999999999999999999", "entity=%00", "unknown=1",
])
def test_b6_filters_answer_from_an_allowlist_never_500(world, query):
    client = client_as(roles()["editor"])
    for url in (reverse("desk:inbox"), reverse("articles:list"), reverse("articles:search")):
        response = client.get(f"{url}?{query}")
        assert response.status_code in {200, 400, 422}, (url, query, response.status_code)
    assert Article.objects.count() == 2


def test_b6_no_request_data_is_spread_into_orm_calls():
    pattern = re.compile(r"\.(filter|exclude|annotate|order_by|update|create)\(\s*\*\*\s*request\.")
    offenders = [
        str(p) for p in [*BASE_DIR.glob("articles/*.py"), *BASE_DIR.glob("annotations/*.py"), *BASE_DIR.glob("newsdesk/*.py")]
        if pattern.search(p.read_text())
    ]
    assert offenders == []


def test_b6_log_lines_escape_newlines_and_terminal_escapes(world, capsys):
    from newsdesk.logging import OneLineFormatter

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "login failed for %s", ("edna\nINFO forged line\x1b[2J",), None)
    line = OneLineFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line and "\x1b" not in line
    assert line == "WARNING login failed for edna\\nINFO forged line\\x1b[2J"


# --- D. Concurrency ----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_d1_of_two_editors_saving_the_same_claim_version_at_once_exactly_one_wins():
    ensure_editors_group()
    story = make_article(title="Train leaves", body=STORY, language="en")
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    users = []
    for name in ("ann", "bob"):
        user = User.objects.create_user(name, password=f"{name}-password-1")
        user.groups.add(ensure_editors_group())
        users.append(user)
    url = reverse("desk:claim-status-update", args=[claim.pk])
    rounds, wins = 100, []
    for n in range(rounds):
        version = Claim.objects.get(pk=claim.pk).version
        current = Claim.objects.get(pk=claim.pk).status
        targets = [s for s in ("reported", "disputed", "unverified") if s != current][:2]
        barrier, results = threading.Barrier(2), [None, None]

        def save(i):
            try:
                client = Client()
                client.force_login(users[i])
                barrier.wait()
                results[i] = client.post(
                    url, {"status": targets[i], "reason": f"round {n} by {i}", "version": version},
                    headers={"HX-Request": "true"},
                ).status_code
            finally:
                connection.close()

        threads = [threading.Thread(target=save, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [200, 409], (n, results)
        winner = results.index(200)
        final = Claim.objects.get(pk=claim.pk)
        assert final.version == version + 1 and final.status == targets[winner]
        wins.append(winner)
    assert Claim.objects.get(pk=claim.pk).history.count() == rounds


def test_d2_a_stale_admin_change_form_is_refused(world):
    superuser = roles()["superuser"]
    first, second = client_as(superuser), client_as(superuser)
    claim = world["claim"]
    url = reverse("admin:annotations_claim_change", args=[claim.pk])
    form_a = form_values(first.get(url).content.decode(), "claim_form")
    form_b = form_values(second.get(url).content.decode(), "claim_form")
    form_a["note"] = "A's note"
    assert first.post(url, form_a).status_code == 302
    form_b["note"] = "B's note, typed over an old copy"
    response = second.post(url, form_b)
    assert response.status_code == 200
    assert "Someone changed this claim after you opened it" in response.content.decode()
    claim.refresh_from_db()
    assert claim.note == "A's note"


def test_d2_a_change_made_outside_the_admin_also_makes_its_open_form_stale(world):
    client = client_as(roles()["superuser"])
    story = world["story"]
    url = reverse("admin:articles_article_change", args=[story.pk])
    data = form_values(client.get(url).content.decode(), "article_form")
    Article.objects.filter(pk=story.pk).update(title="Changed by a script")
    data["title"] = "Changed in the admin"
    assert "Someone changed this article" in client.post(url, data).content.decode()
    story.refresh_from_db()
    assert story.title == "Changed by a script"


# --- G. Deployment settings --------------------------------------------------------------

def production_client(settings) -> Client:
    settings.SECURE_SSL_REDIRECT = True
    return Client(raise_request_exception=False)


def test_g2_headers_of_pages_partials_and_errors(world, settings):
    client = production_client(settings)
    client.force_login(roles()["editor"])
    pages = [
        reverse("articles:list"), world["story"].get_absolute_url(), "/no-such-page/",
        reverse("desk:inbox"), reverse("desk:entity-search") + "?q=Kim",
    ]
    nonces = set()
    for url in pages:
        response = client.get(url, secure=True, headers={"HX-Request": "true"} if "search" in url else {})
        policy = response["Content-Security-Policy"]
        for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in policy, (url, policy)
        assert "unsafe-" not in policy
        nonces.add(re.search(r"'nonce-([^']+)'", policy).group(1))
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
    assert len(nonces) == len(pages), "a fresh nonce in every response"
    assert "HX-Request" in client.get(reverse("desk:inbox"), secure=True)["Vary"]


def test_g2_cookies_are_host_only_secure_http_only_and_same_site(world, settings):
    assert settings.SESSION_COOKIE_NAME == "__Host-sessionid" and settings.CSRF_COOKIE_NAME == "__Host-csrftoken"
    roles()
    client = production_client(settings)
    client.get(reverse("login"), secure=True)
    response = client.post(reverse("login"), {"username": "edna", "password": "edna-password-1"}, secure=True)
    assert response.status_code == 302
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        cookie = response.cookies.get(name) or client.cookies[name]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax", name
        assert cookie["path"] == "/" and not cookie["domain"], name


def test_g3_unknown_hosts_are_refused_and_proxy_headers_ignored(world, settings, caplog):
    client = production_client(settings)
    with caplog.at_level(logging.ERROR, logger="django.security.DisallowedHost"):
        response = client.get("/", HTTP_HOST="evil.example", secure=True)
    assert response.status_code == 400
    assert any(r.name == "django.security.DisallowedHost" for r in caplog.records)
    assert "evil.example" not in response.content.decode()
    # A client cannot claim to be behind our proxy: X-Forwarded-Proto and -Host are not believed.
    response = client.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert response.status_code == 301 and response["Location"].startswith("https://testserver/")


@pytest.mark.parametrize("path", ["/.git/config", "/.env", "/static/", "/static/css/", "/var/pgdata/postgresql.conf", "/../manage.py"])
def test_g4_files_of_the_project_are_never_served(world, path):
    response = Client().get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert "SECRET" not in body and "Traceback" not in body and "DEBUG" not in body


@pytest.mark.urls("newsdesk.tests.error_urls")
def test_g4_error_pages_are_generic(world):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and "SENTINEL" not in body and "/work/main" not in body
    response = client.get("/database-gone/", headers={"HX-Request": "true"})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Back in a moment" in response.content.decode() and "SENTINEL" not in response.content.decode()
    not_found = client.get("/articles/no-such-story-SENTINEL/")
    assert not_found.status_code == 404 and "SENTINEL" not in not_found.content.decode()
    forbidden = client_as(User.objects.create_user("reader", password="reader-password-1")).get(reverse("desk:inbox"))
    assert forbidden.status_code == 403 and "Not allowed" in forbidden.content.decode()
    bad = client.get("/", HTTP_HOST="bad host")
    assert bad.status_code == 400 and "Bad request" in bad.content.decode()
