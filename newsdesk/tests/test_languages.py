"""The interface's language: the reader's choice, else Accept-Language, else a story's own
language on its page, else English; only complete languages; one stored page per language."""

import re
from datetime import datetime, timezone as tz

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from annotations.models import Profile
from articles.tests.makers import make_article
from newsdesk import languages

INDONESIAN_STORY = "Kereta Kim Jong Un telah meninggalkan Pyongyang menuju Rusia, kata seorang pejabat."
KOREAN_STORY = "김정은 위원장의 열차가 평양을 떠나 러시아로 향했다고 한 관리가 말했다."


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def offered_again():
    """Forget the languages a test made the process offer."""
    languages.offered.cache_clear()
    yield
    languages.offered.cache_clear()


# --- The order: choice, header, story, default -----------------------------------------------

def test_with_nothing_to_go_by_the_interface_is_english(client, db):
    response = client.get("/")
    assert page_language(response) == "en" and "Latest stories" in response.content.decode()
    assert response["Content-Language"] == "en"


def test_accept_language_naming_indonesian_gives_the_indonesian_interface(client, db):
    response = client.get("/", headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.8"})
    page = response.content.decode()
    assert page_language(response) == "id" and response["Content-Language"] == "id"
    assert "Berita terbaru" in page and "Latest stories" not in page


def test_accept_language_is_read_in_its_own_order_skipping_languages_we_do_not_offer(client, db):
    assert page_language(client.get("/", headers={"Accept-Language": "fr-FR, de;q=0.9, id;q=0.5, en;q=0.4"})) == "id"
    assert page_language(client.get("/", headers={"Accept-Language": "en;q=0.3, id;q=0.8"})) == "id"
    assert page_language(client.get("/", headers={"Accept-Language": "fr, de, *"})) == "en"
    assert page_language(client.get("/", headers={"Accept-Language": "in-ID;;;;,q=zz, ,,"})) == "en"


def test_the_readers_choice_beats_the_header(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert page_language(client.get("/", headers={"Accept-Language": "id"})) == "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    assert page_language(client.get("/", headers={"Accept-Language": "en"})) == "id"


def test_a_choice_of_a_language_we_do_not_offer_is_ignored(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert page_language(client.get("/", headers={"Accept-Language": "id"})) == "id"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "<script>"
    assert page_language(client.get("/")) == "en"


def test_a_storys_page_speaks_the_storys_language_when_nothing_else_says_which(client, db):
    story = make_article(title="Kereta ke Rusia", body=INDONESIAN_STORY, language="id")
    response = client.get(story.get_absolute_url())
    assert page_language(response) == "id" and "Langsung ke konten" in response.content.decode()
    # The story's text keeps its own language whatever the interface's.
    assert re.search(r'<article[^>]*lang="id"', response.content.decode())
    # A header (or a choice) naming one of ours wins over the story's language.
    assert page_language(client.get(story.get_absolute_url(), headers={"Accept-Language": "en"})) == "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert page_language(client.get(story.get_absolute_url())) == "en"


def test_a_story_in_a_language_we_do_not_offer_gets_the_english_interface_and_keeps_its_own_lang(client, db):
    story = make_article(title="열차", body=KOREAN_STORY, language="ko")
    response = client.get(story.get_absolute_url())
    assert page_language(response) == "en"
    assert re.search(r'<article[^>]*lang="ko"', response.content.decode())


def test_the_front_page_never_takes_a_storys_language(client, db):
    make_article(title="Kereta ke Rusia", body=INDONESIAN_STORY, language="id")
    assert page_language(client.get("/")) == "en"


def test_every_negotiated_response_says_what_it_depends_on(client, db):
    story = make_article(title="Kereta ke Rusia", body=INDONESIAN_STORY, language="id")
    for url in ("/", story.get_absolute_url(), "/feed/", "/search/?q=kereta", reverse("login")):
        vary = {part.strip() for part in client.get(url)["Vary"].split(",")}
        assert {"Accept-Language", "Cookie"} <= vary, url


def test_only_complete_languages_are_offered_or_chosen(client, db, monkeypatch, offered_again):
    assert languages.offered() == ("en", "id")
    assert 'class="language-switcher"' in client.get("/").content.decode()
    # Were the Indonesian catalogue incomplete, no header or cookie could choose it.
    monkeypatch.setattr("newsdesk.translations.complete_languages", lambda: ["en"])
    languages.offered.cache_clear()
    assert languages.offered() == ("en",)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    response = client.get("/", headers={"Accept-Language": "id"})
    assert page_language(response) == "en" and 'class="language-switcher"' not in response.content.decode()


# --- The switcher ----------------------------------------------------------------------------

def switcher(page: str) -> str:
    return re.search(r'<form[^>]*class="language-switcher".*?</form>', page, re.S).group(0)


def test_the_switcher_on_every_page_lists_each_language_in_its_own_words(editor, maintainer, db):
    client, editor_client, maintainer_client = Client(), Client(), Client()
    editor_client.force_login(editor)
    maintainer_client.force_login(maintainer)
    story = make_article(title="Kereta ke Rusia", body=INDONESIAN_STORY, language="id")
    for page_client, url in [
        (client, "/"), (client, story.get_absolute_url()), (client, "/search/?q=x"), (client, reverse("login")),
        (client, "/articles/no-such-story/"), (editor_client, reverse("desk:inbox")),
        (editor_client, reverse("desk:article", args=[story.pk])), (maintainer_client, reverse("admin:index")),
    ]:
        page = page_client.get(url, headers={"Accept-Language": "id"}).content.decode()
        assert "language-switcher" in page, (url, page[:3000])
        form = switcher(page)
        assert '<option value="en" lang="en">English</option>' in form, url
        assert '<option value="id" lang="id" selected>Bahasa Indonesia</option>' in form, url


def test_choosing_a_language_keeps_it_in_a_cookie_and_goes_back_to_the_page(client, db):
    response = client.post(reverse("language"), {"language": "id", "next": "/search/?q=kereta"})
    assert response.status_code == 303 and response["Location"] == "/search/?q=kereta"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "id" and cookie["max-age"] >= 30 * 24 * 3600 and cookie["samesite"] == "Lax"
    assert page_language(client.get("/search/?q=kereta")) == "id"
    client.post(reverse("language"), {"language": "en", "next": "/"})
    assert page_language(client.get("/", headers={"Accept-Language": "id"})) == "en"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)", "", "/\r\nSet-Cookie: x=1", "/a\u2028b",
])
def test_the_switcher_never_sends_anyone_off_site(client, db, target):
    response = client.post(reverse("language"), {"language": "id", "next": target})
    assert response.status_code == 303 and response["Location"] == "/"


def test_the_switcher_refuses_a_language_we_do_not_offer(client, db):
    response = client.post(reverse("language"), {"language": "fr", "next": "/"})
    assert response.status_code == 400 and settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.put(reverse("language")).status_code == 405


def test_the_switchers_address_opened_in_a_browser_is_a_page_listing_the_languages(client, db):
    response = client.get(reverse("language"), headers={"Accept-Language": "id"})
    assert response.status_code == 200 and page_language(response) == "id"
    assert '<li lang="id">Bahasa Indonesia</li>' in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_after_a_refused_form_the_switcher_goes_back_to_the_page_it_was_sent_from(editor_client, db):
    story = make_article()
    workspace = reverse("desk:article", args=[story.pk])
    refused = editor_client.post(
        reverse("desk:article-update", args=[story.pk]), {"title": ""}, headers={"Referer": f"http://testserver{workspace}"}
    )
    assert refused.status_code == 422
    assert f'name="next" value="{workspace}"' in switcher(refused.content.decode())
    elsewhere = editor_client.post(
        reverse("desk:article-update", args=[story.pk]), {"title": ""}, headers={"Referer": "https://evil.example/x"}
    )
    assert 'name="next" value="/"' in switcher(elsewhere.content.decode())


def test_a_help_text_made_when_the_code_was_loaded_still_speaks_the_readers_language(editor_client, db):
    story = make_article()
    editor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    page = editor_client.get(reverse("desk:article", args=[story.pk])).content.decode()
    assert "dalam zona waktu" in page and "When the publisher published it" not in page


def test_the_admins_log_in_page_has_the_switcher(client, db):
    response = client.get(reverse("admin:login"), headers={"Accept-Language": "id"})
    assert response.status_code == 200 and "Bahasa Indonesia" in switcher(response.content.decode())


def test_error_pages_have_the_switcher_too(client, db):
    response = client.get("/", headers={"Host": "evil.example", "Accept-Language": "id"})
    assert response.status_code == 400 and page_language(response) == "id"
    assert 'name="next" value="/"' in switcher(response.content.decode())


def test_accept_language_with_quality_zero_names_a_language_the_reader_does_not_want(client, db):
    assert page_language(client.get("/", headers={"Accept-Language": "id;q=0, en;q=0.5"})) == "en"
    assert page_language(client.get("/", headers={"Accept-Language": "id;q=0"})) == "en"


def test_the_old_tag_in_for_indonesian_is_indonesian(client, db):
    assert page_language(client.get("/", headers={"Accept-Language": "in-ID"})) == "id"


def test_a_form_of_another_site_cannot_change_a_readers_language(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("language"), {"language": "id"}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and settings.LANGUAGE_COOKIE_NAME not in response.cookies
    # The site's own origin, and a reader without a session, need no token: stored pages carry none.
    response = client.post(reverse("language"), {"language": "id"}, headers={"Origin": "http://testserver"})
    assert response.status_code == 303


def test_a_logged_in_users_choice_needs_the_csrf_token_and_goes_to_their_profile(editor, db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(reverse("desk:inbox")).content.decode()
    refused = client.post(reverse("language"), {"language": "id"}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and settings.LANGUAGE_COOKIE_NAME not in refused.cookies
    # From this site's own page without a token (an error page has none): this browser keeps it, the profile does not.
    response = client.post(reverse("language"), {"language": "id"}, headers={"Origin": "http://testserver"})
    assert response.status_code == 303 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    # (Looking at the inbox made the profile, for the time of the look: no language in it.)
    assert not Profile.objects.filter(user=editor).exclude(language="").exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', switcher(page)).group(1)
    response = client.post(reverse("language"), {"language": "id", "next": "/desk/", "csrfmiddlewaretoken": token})
    assert response.status_code == 303 and Profile.objects.get(user=editor).language == "id"


def test_a_log_in_in_another_browser_brings_the_profiles_language_back(editor, db):
    Profile.objects.create(user=editor, language="id")
    browser = Client()
    response = browser.post(reverse("login"), {"username": "edna", "password": "edna-password-1"})
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    page = browser.get(reverse("desk:inbox"), headers={"Accept-Language": "en"})
    assert page_language(page) == "id"


def test_a_browser_logged_in_before_the_choice_takes_the_profiles_language_and_keeps_it(editor, db):
    browser = Client()
    browser.force_login(editor)
    assert page_language(browser.get(reverse("desk:inbox"), headers={"Accept-Language": "en"})) == "en"
    # Chosen in another browser (the profile is there already: looking at the inbox made it).
    Profile.objects.update_or_create(user=editor, defaults={"language": "id"})
    response = browser.get(reverse("desk:inbox"), headers={"Accept-Language": "en"})
    assert page_language(response) == "id" and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"


def test_a_log_in_without_a_chosen_language_leaves_the_readers_choice_alone(editor, db):
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    response = browser.post(reverse("login"), {"username": "edna", "password": "edna-password-1"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert page_language(browser.get(reverse("desk:inbox"))) == "id"


# --- The page cache keeps one copy per language ----------------------------------------------

def test_the_page_cache_keeps_one_copy_per_language_and_never_serves_one_to_another(client, db):
    story = make_article(title="Kereta ke Rusia", body=INDONESIAN_STORY, language="id")
    english, indonesian = {"Accept-Language": "en"}, {"Accept-Language": "id-ID"}
    first = client.get("/", headers=english)
    assert first["X-Page-Cache"] == "miss" and page_language(first) == "en"
    other = client.get("/", headers=indonesian)
    assert other["X-Page-Cache"] == "miss" and page_language(other) == "id"
    assert client.get("/", headers=english)["X-Page-Cache"] == "hit"
    again = client.get("/", headers=indonesian)
    assert again["X-Page-Cache"] == "hit" and page_language(again) == "id" and again.content == other.content
    # A header that names no language of ours is English: the English copy.
    french = client.get("/", headers={"Accept-Language": "fr"})
    assert page_language(french) == "en"
    # A cookie choosing Indonesian gets the Indonesian copy, whatever the header says.
    chooser = Client()
    chooser.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    chosen = chooser.get("/", headers=english)
    assert chosen["X-Page-Cache"] == "hit" and page_language(chosen) == "id"
    # A story's page for a reader who names no language: the story's, never another reader's copy.
    Client().get(story.get_absolute_url(), headers=english)
    plain = Client().get(story.get_absolute_url())
    assert plain["X-Page-Cache"] == "miss" and page_language(plain) == "id"
    assert page_language(Client().get(story.get_absolute_url(), headers=english)) == "en"


def test_a_conditional_request_in_another_language_gets_the_other_page_not_a_304(client, db):
    english = client.get("/", headers={"Accept-Language": "en"})
    response = client.get("/", headers={"Accept-Language": "id", "If-None-Match": english["ETag"]})
    assert response.status_code == 200 and page_language(response) == "id"


# --- Dates, numbers and plurals ---------------------------------------------------------------

def test_dates_and_times_are_written_as_each_language_writes_them(client, db):
    story = make_article(
        title="Kereta ke Rusia", body=INDONESIAN_STORY, language="id",
        published_at=datetime(2023, 8, 17, 14, 30, tzinfo=tz.utc),
    )
    english = client.get(story.get_absolute_url(), headers={"Accept-Language": "en"}).content.decode()
    indonesian = client.get(story.get_absolute_url(), headers={"Accept-Language": "id"}).content.decode()
    assert "17 Aug 2023, 14:30" in english
    assert "17 Agu 2023, 14.30" in indonesian and "Aug" not in indonesian
    listing = client.get("/", headers={"Accept-Language": "id"}).content.decode()
    assert "17 Agu 2023, 14.30" in listing


def test_numbers_are_grouped_as_each_language_groups_them(client, db, settings):
    with translation.override("en"):
        assert languages.number(1234567) == "1,234,567"
    with translation.override("id"):
        assert languages.number(1234567) == "1.234.567"
    settings.REQUEST_MAX_BODY_BYTES = 1_048_576
    refused = client.post("/search/", data=b"x" * 1_048_577, content_type="text/plain", headers={"Accept-Language": "id"})
    assert refused.status_code == 413 and "1.048.576" in refused.content.decode()
    assert 'lang="id"' in refused.content.decode()


def test_indonesian_has_one_plural_form_and_english_two(db):
    singular, plural = "named in %(n)s story", "named in %(n)s stories"
    with translation.override("en"):
        assert [ngettext(singular, plural, n) % {"n": n} for n in (1, 2)] == ["named in 1 story", "named in 2 stories"]
    with translation.override("id"):
        assert [ngettext(singular, plural, n) % {"n": n} for n in (0, 1, 2, 21)] == [
            "disebut dalam 0 berita", "disebut dalam 1 berita", "disebut dalam 2 berita", "disebut dalam 21 berita",
        ]


def test_the_desk_writes_plurals_in_indonesian_through_a_page(editor_client, db):
    from annotations.tests.makers import make_entity, make_mention

    entity = make_entity(name="Kim Jong Un")
    for _ in range(2):
        make_mention(make_article(body="Kim Jong Un travelled."), "Kim Jong Un", entity=entity)
    page = editor_client.get(reverse("desk:entity-search") + "?q=Kim+Jong+Un", headers={"Accept-Language": "id"}).content.decode()
    assert "disebut dalam 2 berita" in page and "stories" not in page, page[page.find("<main"):]


# --- Feeds and structured data in the reader's language ----------------------------------------

def test_the_feed_and_json_ld_speak_the_readers_language(client, db):
    from annotations.tests.makers import add_attribution, make_claim, quote_evidence
    from articles.models import Source
    from articles.tests.makers import make_source

    story = make_article(title="Kereta ke Rusia", body=INDONESIAN_STORY, language="id")
    claim = make_claim(story, "Kereta Kim Jong Un telah meninggalkan Pyongyang")
    attribution = add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.change_status("confirmed", by=None, reason="On the record", evidence=quote_evidence(attribution))
    feed = client.get("/feed/", headers={"Accept-Language": "id"}).content.decode()
    assert 'xml:lang="id"' in feed and "Newsdesk: berita terbaru" in feed
    english_feed = client.get("/feed/", headers={"Accept-Language": "en"}).content.decode()
    assert 'xml:lang="en"' in english_feed and "Newsdesk: latest stories" in english_feed
    page = client.get(story.get_absolute_url(), headers={"Accept-Language": "id"}).content.decode()
    assert '"alternateName": "Terkonfirmasi"' in page and '"inLanguage": "id"' in page
    export = client.get(f"{story.get_absolute_url()}annotations.jsonld", headers={"Accept-Language": "id"}).json()
    assert export["label"] == "Anotasi “Kereta ke Rusia”"
    chain = [body for item in export["first"]["items"] for body in item["body"] if body.get("purpose") == "commenting"]
    assert chain == [{"type": "TextualBody", "value": "menurut Kremlin", "purpose": "commenting", "language": "id"}]
