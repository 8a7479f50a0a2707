import re
import uuid

import pytest
from django.db import DataError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.contrib.auth.models import User
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape

from annotations.roles import ensure_editors_group
from annotations.corrections import correct
from annotations.models import (
    AnchorReview, Attribution, Claim, Entity, EntityAlias, Mention, RejectedSuggestion, StoryLink, StatementVector,
)
from articles import page_cache
from annotations.tests.makers import add_attribution, confirmed, make_claim, make_entity, make_mention
from articles.models import Article, Feed, ImportJob, Source
from articles.tests.makers import make_article, make_source
from articles.tests.makers import post_import

STORY = "Kim Jong Un's train left Pyongyang, Yonhap said. Kim Jong Un will meet Putin, the Kremlin said."


def desk_urls(article: Article, claim: Claim, mention: Mention, link: StoryLink) -> dict[str, str]:
    """Every URL of the desk, by name, for the objects given."""
    feed = Feed.objects.create(source=article.publisher, url="https://example.org/feed.xml")
    args = {
        "inbox": [], "entity-search": [], "source-search": [], "import": [],
        "article": [article.pk], "article-publish": [article.pk], "article-update": [article.pk], "mention-create": [article.pk],
        "claim-create": [article.pk], "story-link-create": [article.pk], "story-link-search": [article.pk],
        "mention-delete": [article.pk, mention.pk], "story-link-delete": [article.pk, link.pk],
        "claim-across": [claim.pk], "claim-join-search": [claim.pk], "claim-join": [claim.pk], "claim-split": [claim.pk],
        "claim-translation-create": [claim.pk],
        "claim-status-update": [claim.pk], "claim-attribution-create": [claim.pk], "claim-match-decide": [claim.pk], "claim-delete": [claim.pk],
        "article-history": [article.pk], "suggestion-accept": [article.pk], "suggestion-reject": [article.pk],
        "related-decide": [article.pk], "follow-up": [],
        "claim-matches": [article.pk],
        "history-undo": [article.pk, "mention", mention.events.get(pgh_label="insert").pgh_id],
        "article-correct": [article.pk], "article-versions": [article.pk], "review-queue": [],
        "version-decide": [article.pk, article.versions.order_by("number").last().number],
        "review-decide": [AnchorReview.objects.filter(article=article).first().pk],
        "import-job": [ImportJob.objects.create(name="s.txt", data=b"", size=0, format="auto").pk],
        "feeds": [], "feed-resume": [feed.pk], "feed-poll": [feed.pk],
    }
    resolver = get_resolver().namespace_dict["desk"][1]
    names = {p.name for p in resolver.url_patterns if isinstance(p, URLPattern)}
    assert names == set(args), "every desk URL must be in this test"
    return {name: reverse(f"desk:{name}", args=a) for name, a in args.items()}


@pytest.fixture
def story(db) -> Article:
    return make_article(title="Train leaves", body=STORY, language="en")


def test_a1_every_desk_url_is_for_editors_only(client, story, editor):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    mention = make_mention(story, "Kim Jong Un")
    link = StoryLink.objects.create(from_article=story, to_article=make_article(), kind="cites")
    make_mention(story, "Kremlin")
    correct(story, body=STORY.replace("the Kremlin said", "Moscow said"), note="The source was named wrongly")
    urls = desk_urls(story, claim, mention, link)
    outsider = User.objects.create_user("reader", password="reader-password-1")

    for name, url in urls.items():
        method = client.get if name in {
            "inbox", "article", "entity-search", "source-search", "story-link-search", "import", "article-history", "claim-join-search",
            "claim-across", "follow-up", "claim-matches", "article-correct", "article-versions", "review-queue",
            "import-job", "feeds",
        } else client.post
        client.logout()
        response = method(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), name
        response = method(url, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/desk/articles/{story.pk}/"})
        assert response.status_code == 403, name
        assert response["HX-Redirect"] == f"/accounts/login/?next=%2Fdesk%2Farticles%2F{story.pk}%2F", name
        client.force_login(outsider)
        assert method(url).status_code == 403, name
        client.force_login(editor)
        assert method(url).status_code in {200, 302, 422}, name
    assert not Mention.objects.filter(pk=mention.pk).exists(), "the editor's POST went through"


def test_desk_pages_refuse_get_for_actions(editor_client, story):
    response = editor_client.get(reverse("desk:mention-create", args=[story.pk]))
    assert response.status_code == 405


def test_inbox_lists_every_status_with_counts(editor_client, story):
    make_article(title="Draft story", status=Article.Status.DRAFT, published_at=None)
    make_mention(story, "Kim Jong Un")
    make_claim(story, "Kim Jong Un's train left Pyongyang")
    page = editor_client.get(reverse("desk:inbox")).content.decode()
    assert "Train leaves" in page and "Draft story" in page
    row = page.split("Train leaves")[1].split("</tr>")[0]
    assert '<td data-label="Mentions">1</td>' in row and "1 unverified" in row


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "pyongy"}, {"Train leaves"}),  # a word typed in part
        ({"q": "Train"}, {"Train leaves"}),
        ({"status": "draft"}, {"Draft story"}),
        ({"language": "id"}, {"Cerita Indonesia"}),
        ({"unverified": "on"}, {"Train leaves"}),
    ],
)
def test_inbox_filters(editor_client, story, query, expected):
    make_article(title="Draft story", status=Article.Status.DRAFT, published_at=None, body="Nothing here.")
    make_article(title="Cerita Indonesia", language="id", body="Para pejabat mengunjungi kota.")
    make_claim(story, "Kim Jong Un's train left Pyongyang")
    response = editor_client.get(reverse("desk:inbox"), query)
    shown = {title for title in ["Train leaves", "Draft story", "Cerita Indonesia"] if title in response.content.decode()}
    assert shown == expected


def test_inbox_filters_by_entity_and_stemmed_words(editor_client, story):
    kim = make_mention(story, "Kim Jong Un").entity
    indonesian = make_article(title="Cerita", language="id", body="Kunjungan para pejabat ke kota.")
    page = editor_client.get(reverse("desk:inbox"), {"entity": kim.pk}).content.decode()
    assert "Train leaves" in page and "Cerita" not in page
    page = editor_client.get(reverse("desk:inbox"), {"q": "berkunjung"}).content.decode()
    assert indonesian.title in page


def test_inbox_bad_filter_is_422_with_the_reason(editor_client, story):
    response = editor_client.get(reverse("desk:inbox"), {"date_from": "yesterday", "status": "bogus"})
    assert response.status_code == 422
    assert "Enter a valid date" in response.content.decode()


def test_inbox_htmx_renders_only_the_results(editor_client, story):
    response = editor_client.get(reverse("desk:inbox"), {"q": "train"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content and b'id="results"' in response.content
    assert "HX-Request" in response["Vary"]


def test_inbox_query_count_is_constant(editor_client, count_queries, db):
    for _ in range(3):
        make_claim(make_article(body=STORY), "Kim Jong Un's train left Pyongyang")
    three = count_queries(editor_client, reverse("desk:inbox"))
    for _ in range(27):
        make_claim(make_article(body=STORY), "Kim Jong Un's train left Pyongyang")
    assert count_queries(editor_client, reverse("desk:inbox")) == three


def test_the_inbox_s_stories_are_kept_for_every_editor_and_a_change_by_any_path_shows_at_once(client, editor, story):
    """The list of stories is the same for every editor who asks the same: rendered once per
    content generation. What is an editor's own (what arrived since their last visit, their
    header) is theirs."""
    other = User.objects.create_user("eko", password="eko-password-1")
    other.groups.add(ensure_editors_group())
    client.force_login(editor)
    client.get(reverse("desk:inbox"))
    with CaptureQueriesContext(connection) as made:
        first = client.get(reverse("desk:inbox"), {"status": "published"}).content.decode()
    with CaptureQueriesContext(connection) as kept:
        second = client.get(reverse("desk:inbox"), {"status": "published"}).content.decode()
    assert len(kept) < len(made) and "Log out edna" in second
    client.force_login(other)
    theirs = client.get(reverse("desk:inbox"), {"status": "published"}).content.decode()
    assert "Log out eko" in theirs and "Log out edna" not in theirs and story.title in theirs
    Article.objects.filter(pk=story.pk).update(title="A title changed by update()")
    changed = client.get(reverse("desk:inbox"), {"status": "published"}).content.decode()
    assert "A title changed by update()" in changed and story.title not in changed
    results = client.get(reverse("desk:inbox"), {"status": "published"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in results and "A title changed by update()" in results
    assert client.get(reverse("desk:inbox"), {"status": "published"}).content.decode().lstrip().startswith("<!doctype html>")
    assert client.get(reverse("desk:inbox"), {"since": "yesterday"}).status_code == 422
    assert client.get(reverse("desk:inbox"), {"since": "yesterday"}).status_code == 422  # kept, still 422


def test_the_workspace_is_kept_for_every_editor_with_their_own_token_and_a_fresh_key_in_every_form(client, editor, story):
    """The workspace is the same for every editor with the same permissions: rendered once per
    content generation and per the decisions on its suggestions. Each editor's page carries
    their own CSRF token and submission keys no other page ever had; a change by any path
    shows at once."""
    kim = make_entity(name="Kim Jong Un")
    workspace = reverse("desk:article", args=[story.pk])
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(editor)
    csrf_client.get(workspace)
    with CaptureQueriesContext(connection) as kept:
        page = csrf_client.get(workspace).content.decode()
    again = csrf_client.get(workspace).content.decode()
    assert len(kept) <= 8, [q["sql"] for q in kept]
    assert page_cache.placeholder("csrf") not in page and page_cache.placeholder("submission-key") not in page
    keys = re.findall(r'name="submission" value="([^"]+)"', page)
    keys_again = re.findall(r'name="submission" value="([^"]+)"', again)
    assert len(keys) >= 2 and len(set(keys + keys_again)) == len(keys) * 2  # every key new, on every page
    assert all(uuid.UUID(key) for key in keys)
    assert "Reject all 2 suggestions of Kim Jong Un" in page and "Log out edna" in page
    # The token served is this editor's: a form sent with it is taken.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    start = story.body.index("Kim Jong Un")
    sent = csrf_client.post(reverse("desk:mention-create", args=[story.pk]),
                            {"csrfmiddlewaretoken": token, "start": start, "end": start + 11, "exact": "Kim Jong Un",
                             "entity": kim.pk, "submission": keys[0]}, headers={"HX-Request": "true"})
    assert sent.status_code == 200 and Mention.objects.filter(article=story, entity=kim).count() == 1
    # Another editor: their name, their token.
    other = User.objects.create_user("eko", password="eko-password-1")
    other.groups.add(ensure_editors_group())
    client.force_login(other)
    theirs = client.get(workspace).content.decode()
    assert "Log out eko" in theirs and "Log out edna" not in theirs
    assert "Reject the suggestion of Kim Jong Un" in theirs  # the tag above moved the generation
    # A decision by a path that moves no generation (the ORM, the admin) shows at once too.
    second = story.body.index("Kim Jong Un", start + 1)
    RejectedSuggestion.objects.create(article=story, entity=kim, start=second, end=second + 11)
    assert "suggestion of Kim Jong Un" not in client.get(workspace).content.decode()
    RejectedSuggestion.objects.filter(article=story).update(start=second + 1, end=second + 11)  # no longer that span
    assert "Reject the suggestion of Kim Jong Un" in client.get(workspace).content.decode()
    Article.objects.filter(pk=story.pk).update(title="A title changed by update()")
    assert "A title changed by update()" in client.get(workspace).content.decode()


def test_an_editor_renamed_is_renamed_at_once_in_the_kept_workspace_s_claim_history(editor_client, editor, story):
    """The claim cards name who changed a status; an account renamed (the admin saves every
    column) moves the generation, a log-in (which writes last_login alone) does not."""
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim)
    claim.change_status("reported", by=editor, reason="Yonhap says so")
    workspace = reverse("desk:article", args=[story.pk])
    assert re.search(r"</time>\s*edna:", editor_client.get(workspace).content.decode())
    before = page_cache.generation()
    User.objects.filter(pk=editor.pk).update(last_login=timezone.now())
    assert page_cache.generation() == before
    editor.username = "edna.w"
    editor.save()
    page = editor_client.get(workspace).content.decode()
    assert "Log out edna.w" in page and re.search(r"</time>\s*edna\.w:", page)


def test_a_decision_taken_while_the_workspace_is_made_is_not_kept_under_the_digest_of_before(editor_client, story, monkeypatch):
    """Decisions on suggestions move no generation; the digest of them the workspace is kept
    under is read before the page is made and again after: a decision committed in between
    (which an undo would take back, bringing the first digest back) keeps nothing."""
    from annotations import views

    kim = make_entity(name="Kim Jong Un")
    workspace = reverse("desk:article", args=[story.pk])
    first = story.body.index("Kim Jong Un")
    second = story.body.index("Kim Jong Un", first + 1)
    real = views.workspace_context

    def racing(request, article):  # another editor's rejections commit while this page is made
        RejectedSuggestion.objects.create(article=story, entity=kim, start=first, end=first + 11)
        RejectedSuggestion.objects.create(article=story, entity=kim, start=second, end=second + 11)
        return real(request, article)

    monkeypatch.setattr(views, "workspace_context", racing)
    assert "Reject all 2 suggestions of Kim Jong Un" not in editor_client.get(workspace).content.decode()
    monkeypatch.setattr(views, "workspace_context", real)
    RejectedSuggestion.objects.filter(article=story).delete()  # undone, by a path that moves no generation
    assert "Reject all 2 suggestions of Kim Jong Un" in editor_client.get(workspace).content.decode()


def test_no_text_of_a_story_can_write_a_placeholder_of_the_kept_workspace(editor_client, story):
    """The placeholders for a reader's CSRF token and keys hold NUL, which PostgreSQL stores in no
    text, between < and >, which escaping changes: a title that looks like one is shown as typed."""
    assert all("\x00" in page_cache.placeholder(what) for what in ("csrf", "submission-key"))
    lookalike = page_cache.placeholder("csrf").replace("\x00", "")
    Article.objects.filter(pk=story.pk).update(title=f"Train leaves {lookalike}")
    page = editor_client.get(reverse("desk:article", args=[story.pk])).content.decode()
    assert f'value="Train leaves {escape(lookalike)}"' in page
    with pytest.raises(DataError), transaction.atomic():
        Article.objects.filter(pk=story.pk).update(title=f"Train leaves {page_cache.placeholder('csrf')}")


def test_entity_search_folds_case_accents_and_finds_aliases(editor_client, db):
    kim = make_entity(name="Kim Jong-un")
    EntityAlias.objects.create(entity=kim, name="김정은", language="ko")
    make_entity(name="Đà Nẵng", kind="place")
    for query, name in [("KIM JONG", "Kim Jong-un"), ("김정", "Kim Jong-un"), ("da nang", "Đà Nẵng"), ("jöng", "Kim Jong-un")]:
        page = editor_client.get(reverse("desk:entity-search"), {"q": query}, headers={"HX-Request": "true"}).content.decode()
        assert name in page, query


def post_mention(client, article, text, occurrence=0, **fields):
    start = -1
    for _ in range(occurrence + 1):
        start = article.body.index(text, start + 1)
    data = {"start": start, "end": start + len(text), "exact": text} | fields
    return client.post(reverse("desk:mention-create", args=[article.pk]), data, headers={"HX-Request": "true"})


def test_tagging_a_new_entity_highlights_it(editor_client, story):
    response = post_mention(editor_client, story, "Kim Jong Un", new_entity_name="Kim Jong Un", new_entity_kind="person")
    assert response.status_code == 200
    mention = Mention.objects.get()
    assert (mention.entity.name, mention.start, mention.exact) == ("Kim Jong Un", 0, "Kim Jong Un")
    assert f'<mark data-start="0" class="hl-mention" data-mentions="{mention.pk}"' in response.content.decode()


def test_tag_every_occurrence_skips_parts_of_words(editor_client, db):
    article = make_article(body="Kim said. Kimchi is food. Then Kim left.")
    kim = make_entity(name="Kim")
    post_mention(editor_client, article, "Kim", entity=kim.pk, every_occurrence="on")
    assert list(Mention.objects.order_by("start").values_list("start", flat=True)) == [0, 31]


NAMES = "Kim Jong Un arrived. Kim waved. Later Kim Jong Un left, and Kim Yo Jong stayed."


def test_tag_every_occurrence_leaves_out_a_name_inside_a_longer_tagged_one_and_says_so(editor_client, db):
    article = make_article(body=NAMES)
    leader = make_entity(name="Supreme leader")  # a name the matcher does not know: only the tags count
    make_mention(article, "Kim Jong Un", entity=leader)
    second = NAMES.index("Kim Jong Un", 1)
    make_mention(article, "Kim Jong Un", entity=leader, start=second, end=second + 11)
    kim = make_entity(name="Kim family", kind="organisation")
    response = post_mention(editor_client, article, "Kim", occurrence=1, entity=kim.pk, every_occurrence="on")
    assert response.status_code == 200
    assert [m.start for m in Mention.objects.filter(entity=kim).order_by("start")] == [NAMES.index("Kim waved"), NAMES.index("Kim Yo")]
    assert "Tagged 2 × Kim family. 2 occurrences inside longer names were left untagged (“Kim Jong Un”)" in response.content.decode()


def test_tag_every_occurrence_leaves_out_a_name_inside_a_longer_known_one(editor_client, db):
    article = make_article(body=NAMES)
    make_entity(name="Kim Jong Un")  # known to the newsroom, not tagged here yet
    EntityAlias.objects.create(entity=make_entity(name="Kim Yo-jong"), name="Kim Yo Jong")
    response = post_mention(editor_client, article, "Kim", occurrence=1, new_entity_name="Kim", new_entity_kind="person",
                            every_occurrence="on")
    assert [m.start for m in Mention.objects.filter(entity__name="Kim")] == [NAMES.index("Kim waved")]
    html = response.content.decode()
    assert "3 occurrences inside longer names were left untagged (“Kim Jong Un”, “Kim Yo Jong”)" in html
    response = post_mention(editor_client, article, "Kim Jong Un", entity=Entity.objects.get(name="Kim Jong Un").pk,
                            every_occurrence="on")
    assert "Tagged 2 × Kim Jong Un." in response.content.decode() and "left untagged" not in response.content.decode()


def test_a_name_selected_inside_a_longer_one_is_tagged_when_the_editor_asks(editor_client, db):
    article = make_article(body=NAMES)
    kim_jong_un = make_entity(name="Kim Jong Un")
    EntityAlias.objects.create(entity=make_entity(name="Kim Yo-jong"), name="Kim Yo Jong")
    post_mention(editor_client, article, "Kim Jong Un", entity=kim_jong_un.pk, every_occurrence="on")
    family = make_entity(name="Kim family", kind="organisation")
    # Alone, as selected: inside the first "Kim Jong Un".
    assert post_mention(editor_client, article, "Kim", entity=family.pk).status_code == 200
    assert Mention.objects.filter(entity=family, start=0, end=3).exists()
    # Every occurrence, from inside the second: that one too, the one already tagged stays, and
    # none inside another longer name.
    response = post_mention(editor_client, article, "Kim", occurrence=2, entity=family.pk, every_occurrence="on")
    second = NAMES.index("Kim Jong Un", 1)
    assert sorted(Mention.objects.filter(entity=family).values_list("start", flat=True)) == [0, NAMES.index("Kim waved"), second]
    assert ("Tagged 2 × Kim family. 1 occurrence inside a longer name was left untagged (“Kim Yo Jong”); "
            "to tag it, select it and tag it alone.") in response.content.decode()


def test_a_selection_that_does_not_match_the_text_is_refused(editor_client, story):
    data = {"start": 0, "end": 11, "exact": "Kim Jong Il", "new_entity_name": "Kim", "new_entity_kind": "person"}
    response = editor_client.post(reverse("desk:mention-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "offsets do not match" in response.content.decode()
    assert not Mention.objects.exists() and not Entity.objects.exists()


@pytest.mark.parametrize("start, end", [(-1, 5), (5, 2), (5, 5), (0, 10**9), ("1.5", 3), (2**70, 2**70 + 1)])
def test_bad_offsets_answer_422(editor_client, story, start, end):
    data = {"start": start, "end": end, "exact": "x", "new_entity_name": "X", "new_entity_kind": "person"}
    response = editor_client.post(reverse("desk:mention-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert not Mention.objects.exists()


def test_d3_double_submitted_mention_creates_one_row(editor_client, story):
    kim = make_entity(name="Kim Jong Un")
    for _ in range(2):
        assert post_mention(editor_client, story, "Kim Jong Un", entity=kim.pk).status_code == 200
    assert Mention.objects.count() == 1


def claim_data(story, text, **fields):
    start = story.body.index(text)
    data = {
        "start": start, "end": start + len(text), "exact": text, "statement": "", "status": "reported",
        "evidence": "", "evidence_url": "", "note": "",
        "chain-TOTAL_FORMS": 6, "chain-INITIAL_FORMS": 0, "chain-MIN_NUM_FORMS": 0, "chain-MAX_NUM_FORMS": 6,
    }
    for i in range(6):
        data |= {f"chain-{i}-source": "", f"chain-{i}-source_query": "", f"chain-{i}-new_source_kind": "",
                 f"chain-{i}-new_source_country": "", f"chain-{i}-role": "speaker", f"chain-{i}-sourcing": "on_record"}
    return data | fields


def test_claim_with_an_anonymous_speaker_via_an_agency_is_recorded(editor_client, story):
    yonhap = make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR")
    data = claim_data(
        story, "Kim Jong Un's train left Pyongyang",
        **{"chain-0-source_query": "a South Korean official", "chain-0-new_source_kind": "anonymous",
           "chain-0-new_source_country": "kr", "chain-0-sourcing": "anonymous",
           "chain-1-source": yonhap.pk, "chain-1-source_query": "Yonhap", "chain-1-role": "via"},
    )
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content.decode()
    claim = Claim.objects.get()
    assert claim.status == "reported" and claim.statement == "Kim Jong Un's train left Pyongyang"
    assert claim.chain_in_words() == "according to Yonhap, citing a South Korean official"
    assert Source.objects.get(name="a South Korean official").country == "KR"


def test_confirming_an_anonymous_only_claim_explains_why_not(editor_client, story):
    data = claim_data(
        story, "Kim Jong Un's train left Pyongyang", status="confirmed", evidence="url",
        evidence_url="https://example.org/report",
        **{"chain-0-source_query": "an official", "chain-0-new_source_kind": "anonymous", "chain-0-sourcing": "anonymous"},
    )
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "every speaker is anonymous" in page
    assert 'value="an official"' in page, "what the editor typed is kept"
    assert not Claim.objects.exists() and not Source.objects.filter(name="an official").exists()


def test_confirmed_claim_with_an_on_record_quote(editor_client, story):
    data = claim_data(
        story, "Kim Jong Un will meet Putin", status="confirmed", evidence="quote:speaker",
        **{"chain-0-source_query": "Kremlin", "chain-0-new_source_kind": "government", "chain-0-new_source_country": "RU"},
    )
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content.decode()
    claim = Claim.objects.get()
    change = claim.history.get()
    assert (change.to_status, change.evidence.attribution.source.name) == ("confirmed", "Kremlin")


def test_d3_double_submitted_claim_creates_one_row(editor_client, story):
    data = claim_data(story, "Kim Jong Un will meet Putin", status="unverified")
    for _ in range(2):
        editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert Claim.objects.count() == 1


def status_data(claim, **fields):
    return {"status": "disputed", "reason": "Contradicted", "evidence": "", "evidence_url": "", "version": claim.version} | fields


def test_d1_second_editor_with_a_stale_version_gets_409_and_keeps_what_they_typed(client, story, editor):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim)
    claim.change_status("reported", by=None, reason="Reported")
    claim.refresh_from_db()
    first, second = client, type(client)()
    first.force_login(editor)
    other = User.objects.create_user("other", password="other-password-1")
    other.groups.add(ensure_editors_group())
    second.force_login(other)
    loaded_version = claim.version

    url = reverse("desk:claim-status-update", args=[claim.pk])
    ok = first.post(url, status_data(claim, status="disputed", reason="Another outlet contradicts it"), headers={"HX-Request": "true"})
    assert ok.status_code == 200
    stale = second.post(
        url, status_data(claim, status="denied", reason="The ministry denies it, I typed this", confirm="on", version=loaded_version),
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    claim.refresh_from_db()
    assert claim.status == "disputed" and claim.history.last().reason == "Another outlet contradicts it"
    page = stale.content.decode()
    assert "The ministry denies it, I typed this" in page
    assert "Another editor changed this claim" in page


def test_status_change_with_the_current_version_is_recorded(editor_client, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim)
    url = reverse("desk:claim-status-update", args=[claim.pk])
    response = editor_client.post(url, status_data(claim, status="reported", reason="Yonhap says so"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == "reported" and claim.version == 2
    assert claim.history.get().changed_by.username == "edna"


def test_adding_an_attribution_to_the_chain_checks_the_version(editor_client, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    url = reverse("desk:claim-attribution-create", args=[claim.pk])
    data = {f"attribution-{claim.pk}-{k}": v for k, v in {"source_query": "Kremlin", "new_source_kind": "government",
            "new_source_country": "RU", "role": "speaker", "sourcing": "on_record", "source": "", "version": 1}.items()}
    assert editor_client.post(url, data, headers={"HX-Request": "true"}).status_code == 200
    assert editor_client.post(url, data, headers={"HX-Request": "true"}).status_code == 409
    assert claim.attributions.count() == 1


def test_linking_stories_shows_from_both_sides_and_once(editor_client, story):
    other = make_article(title="The summit itself")
    url = reverse("desk:story-link-create", args=[story.pk])
    for _ in range(2):
        editor_client.post(url, {"to_article": other.pk, "kind": "follow_up"}, headers={"HX-Request": "true"})
    assert StoryLink.objects.count() == 1
    assert "Train leaves" in editor_client.get(reverse("desk:article", args=[other.pk])).content.decode()
    response = editor_client.post(url, {"to_article": story.pk, "kind": "cites"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "cannot be linked to itself" in response.content.decode()


def test_publish_and_withdraw_from_the_desk(editor_client, db):
    draft = make_article(status=Article.Status.DRAFT)  # dated: an undated one is refused (test_undated.py)
    url = reverse("desk:article-publish", args=[draft.pk])
    assert confirmed(editor_client, url, {"action": "publish"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    confirmed(editor_client, url, {"action": "withdraw"}, headers={"HX-Request": "true"})
    draft.refresh_from_db()
    assert draft.status == "withdrawn"


def annotated_story(mentions: int, claims: int) -> Article:
    body = " ".join(f"Kim Jong Un spoke {n} times." for n in range(max(mentions, claims)))
    article = make_article(body=body)
    kim, yonhap = make_entity(name=f"Kim {article.pk}"), make_source(kind=Source.Kind.NEWS_AGENCY)
    starts = [i for i in range(len(body)) if body.startswith("Kim Jong Un", i)][:mentions]
    Mention.objects.bulk_create(
        [Mention(article=article, entity=kim, start=i, end=i + 11, exact="Kim Jong Un") for i in starts]
    )
    for n in range(claims):
        claim = make_claim(article, f"spoke {n} times")
        add_attribution(claim, make_source(kind=Source.Kind.ANONYMOUS), sourcing="anonymous")
        add_attribution(claim, yonhap, role=Attribution.Role.VIA)
        claim.change_status("reported", by=None, reason="Reported")
    StoryLink.objects.create(from_article=article, to_article=make_article(), kind="cites")
    return article


def test_workspace_query_count_does_not_grow_with_annotations(editor_client, count_queries, db):
    small = count_queries(editor_client, reverse("desk:article", args=[annotated_story(2, 5).pk]))
    large = count_queries(editor_client, reverse("desk:article", args=[annotated_story(200, 50).pk]))
    assert large == small


def queries_of(action) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = action()
    assert response.status_code == 200, response.content.decode()[:500]
    return len(queries)


def perform(action: str, client, article: Article):
    htmx = {"HX-Request": "true"}
    claim = article.claims.order_by("pk").first()
    if action == "tag":
        return post_mention(client, article, "spoke 1", new_entity_name=f"E{article.pk}", new_entity_kind="event")
    if action == "claim":
        data = claim_data(article, "Kim Jong Un spoke 3", status="unverified")
        return client.post(reverse("desk:claim-create", args=[article.pk]), data, headers=htmx)
    if action == "status":
        return client.post(reverse("desk:claim-status-update", args=[claim.pk]), status_data(claim), headers=htmx)
    if action == "story-link":
        other = make_article()
        return client.post(
            reverse("desk:story-link-create", args=[article.pk]), {"to_article": other.pk, "kind": "same_event"},
            headers=htmx,
        )
    mention = article.mentions.first()
    return client.post(reverse("desk:mention-delete", args=[article.pk, mention.pk]), headers=htmx)


@pytest.mark.parametrize("action", ["tag", "claim", "status", "story-link", "untag"])
def test_htmx_actions_make_the_same_number_of_queries_on_small_and_large_stories(editor_client, db, action):
    from annotations import meaning
    from annotations.related import entity_frequencies
    from annotations.suggestions import matcher

    stories = (annotated_story(2, 5), annotated_story(200, 50))
    counts = []
    for article in stories:
        # Built once per change of names, and once every ten minutes: not part of a request's cost.
        matcher()
        entity_frequencies()
        meaning.column_type()  # asked once a connection
        StatementVector.objects.all().delete()  # each story's new claim is given its meaning
        counts.append(queries_of(lambda article=article: perform(action, editor_client, article)))
    assert counts[0] == counts[1], counts


def test_a_confirmed_claim_with_its_evidence_can_be_removed(editor_client, story):
    from annotations.tests.makers import quote_evidence

    claim = make_claim(story, "Kim Jong Un will meet Putin")
    attribution = add_attribution(claim)
    claim.change_status("confirmed", by=None, reason="On record", evidence=quote_evidence(attribution))
    response = editor_client.post(reverse("desk:claim-delete", args=[claim.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and not Claim.objects.exists()


def test_editor_uploads_a_file_and_gets_the_per_item_report(editor_client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lines = (
        '{"title": "Uploaded", "body": "Kim Jong Un arrived.", "url": "https://up.example/1", "language": "en", '
        '"publisher": {"name": "Kabar"}}\n{broken\n'
    )
    upload = SimpleUploadedFile("stories.jsonl", lines.encode(), content_type="application/x-ndjson")
    response = post_import(editor_client, {"file": upload, "format": "auto", "source": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 imported, 0 skipped as duplicates, 0 changed upstream (kept as new versions), 1 failed" in page
    assert "stories.jsonl, line 2: not valid JSON" in page
    assert Article.objects.get().title == "Uploaded"


def test_an_upload_over_the_limit_is_refused_with_a_clear_message(editor_client, db, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    upload = SimpleUploadedFile("big.txt", b"Title\n" + b"x" * 200)
    response = post_import(editor_client, {"file": upload, "format": "auto"})
    assert response.status_code == 413
    assert "files of up to 100 bytes can be uploaded here" in response.content.decode()
    assert not Article.objects.exists()
