"""Issue 15, item 3: Publish shows what is still open and asks; only a confirmation of the story as
it was shown publishes it. Withdraw asks too, and says the public page goes away."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import Entity
from annotations.publishing import checklist
from annotations.suggestions import suggestions_for
from annotations.tests.makers import add_attribution, confirmed, make_claim, make_entity, make_mention
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source, run_sql

HTMX = {"HX-Request": "true"}
BODY = "Kim Jong Un left Pyongyang for Russia, the Kremlin said. Yonhap reported the train had left Pyongyang."


@pytest.fixture
def draft(db) -> Article:
    """Two places still suggested (Pyongyang twice; Russia is tagged), two unverified claims, one
    reported, one kept off the public page."""
    make_entity(name="Pyongyang", kind="place")
    russia = make_entity(name="Russia", kind="place")
    story = make_article(title="Kim leaves", body=BODY, status=Article.Status.DRAFT)
    make_mention(story, "Russia", entity=russia)
    make_claim(story, "Kim Jong Un left Pyongyang for Russia")
    make_claim(story, "the Kremlin said")
    reported = make_claim(story, "Yonhap reported the train had left Pyongyang")
    add_attribution(reported, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role="via")
    reported.change_status("reported", by=None, reason="Yonhap reports it")
    make_claim(story, "the train had left", is_published=False)
    return story


def publish_url(story: Article) -> str:
    return reverse("desk:article-publish", args=[story.pk])


def token_in(response) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', response.content.decode())[1]


def status_of(story: Article) -> str:
    return Article.objects.get(pk=story.pk).status


def test_the_first_press_of_publish_does_not_publish_and_lists_what_is_open(editor_client, draft):
    response = editor_client.post(publish_url(draft), {"action": "publish"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and status_of(draft) == "draft"
    assert page.lstrip().startswith('<div id="workspace-header"')  # the header alone, swapped in place
    assert "2 suggested mentions are still pending" in page
    assert "2 claims are unverified: readers will see them marked unverified." in page
    assert "1 claim is kept off the public page: readers will not see it." in page
    assert "Publish now" in page and "Not yet" in page
    assert '<button type="submit" name="action" value="publish">' not in page  # the plain Publish makes way


def test_without_javascript_the_first_press_answers_the_whole_workspace_with_the_question(editor_client, draft):
    response = editor_client.post(publish_url(draft), {"action": "publish"})
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page and 'id="workspace-main"' in page
    assert "2 suggested mentions are still pending" in page and "Publish now" in page
    assert status_of(draft) == "draft"


def test_publish_now_with_the_state_shown_publishes(editor_client, draft):
    first = editor_client.post(publish_url(draft), {"action": "publish"}, headers=HTMX)
    response = editor_client.post(publish_url(draft), {"action": "publish", "confirm": token_in(first)}, headers=HTMX)
    assert response.status_code == 200 and "Published: readers can read it now." in response.content.decode()
    assert 'value="withdraw"' in response.content.decode()  # the header as it now is
    assert status_of(draft) == "published"
    assert Client().get(Article.objects.get(pk=draft.pk).get_absolute_url()).status_code == 200


def test_a_made_up_confirmation_does_not_publish(editor_client, draft):
    response = editor_client.post(publish_url(draft), {"action": "publish", "confirm": "yes"}, headers=HTMX)
    assert response.status_code == 409 and status_of(draft) == "draft"


@pytest.mark.parametrize("change", ["a claim marked in the desk", "a mention deleted by raw SQL", "a new entity elsewhere"])
def test_a_confirmation_of_a_story_changed_since_does_not_publish_and_shows_the_list_anew(editor_client, draft, change):
    first = editor_client.post(publish_url(draft), {"action": "publish"}, headers=HTMX)
    if change == "a claim marked in the desk":
        make_claim(draft, "Kim Jong Un left Pyongyang")
        now = "3 claims are unverified"
    elif change == "a mention deleted by raw SQL":
        run_sql("DELETE FROM annotations_mention WHERE article_id = %s", [draft.pk])
        now = "3 suggested mentions are still pending"  # Russia is offered again
    else:
        make_entity(name="Yonhap", kind="organisation")  # the story did not change; its list did
        now = "3 suggested mentions are still pending"
    response = editor_client.post(publish_url(draft), {"action": "publish", "confirm": token_in(first)}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 409 and status_of(draft) == "draft"
    assert "The story has changed since this list was shown" in page and now in page
    assert token_in(response) != token_in(first)
    again = editor_client.post(publish_url(draft), {"action": "publish", "confirm": token_in(response)}, headers=HTMX)
    assert again.status_code == 200 and status_of(draft) == "published"


def test_the_list_counts_the_places_the_suggestions_panel_still_offers(editor_client, draft):
    pyongyang = Entity.objects.get(name="Pyongyang")
    assert checklist(draft).pending_suggestions == 2
    make_entity(name="Pyongyang", kind="event")  # a twin: each place is offered once, to pick from
    assert len(suggestions_for(draft)) == 4 and checklist(draft).pending_suggestions == 2
    first, second = draft.body.index("Pyongyang"), draft.body.rindex("Pyongyang")
    editor_client.post(reverse("desk:suggestion-accept", args=[draft.pk]),
                       {"entity": pyongyang.pk, "start": first, "end": first + 9}, headers=HTMX)
    assert checklist(draft).pending_suggestions == 1
    for entity in Entity.objects.filter(name="Pyongyang"):
        editor_client.post(reverse("desk:suggestion-reject", args=[draft.pk]),
                           {"entity": entity.pk, "start": second, "end": second + 9}, headers=HTMX)
    assert checklist(draft).pending_suggestions == 0
    page = editor_client.post(publish_url(draft), {"action": "publish"}, headers=HTMX).content.decode()
    assert "suggested mention" not in page and "2 claims are unverified" in page


def test_one_of_each_reads_in_the_singular_and_nothing_open_says_so(editor_client, db):
    make_entity(name="Pyongyang", kind="place")
    story = make_article(body="The train left Pyongyang. It was late.", status=Article.Status.DRAFT)
    make_claim(story, "It was late")
    make_claim(story, "The train left", is_published=False)
    page = editor_client.post(publish_url(story), {"action": "publish"}, headers=HTMX).content.decode()
    assert "1 suggested mention is still pending: a known name in the story" in page
    assert "1 claim is unverified: readers will see it marked unverified." in page
    assert "1 claim is kept off the public page" in page
    plain = make_article(body="Nothing to see.", status=Article.Status.DRAFT)
    page = editor_client.post(publish_url(plain), {"action": "publish"}, headers=HTMX).content.decode()
    assert "Nothing is left open" in page and "Publish now" in page


def test_an_undated_story_is_refused_at_the_first_press_and_at_any_confirmation(editor_client, draft):
    Article.objects.filter(pk=draft.pk).update(published_at=None)
    response = editor_client.post(publish_url(draft), {"action": "publish"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 422 and status_of(draft) == "draft"
    assert "no publication date" in page and 'role="alert"' in page
    assert "Publish now" not in page and 'name="confirm"' not in page
    assert "2 claims are unverified" in page  # the rest of the list is still said
    forged = checklist(Article.objects.get(pk=draft.pk)).state
    response = editor_client.post(publish_url(draft), {"action": "publish", "confirm": forged}, headers=HTMX)
    assert response.status_code == 422 and status_of(draft) == "draft"


def test_withdraw_asks_first_and_says_the_public_page_goes_away(editor_client, db):
    story = make_article()
    url = story.get_absolute_url()
    response = editor_client.post(publish_url(story), {"action": "withdraw"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and status_of(story) == "published"
    assert "Its public page goes away" in page and "Withdraw now" in page
    assert Client().get(url).status_code == 200
    confirmed(editor_client, publish_url(story), {"action": "withdraw"}, headers=HTMX)
    assert status_of(story) == "withdrawn" and Client().get(url).status_code == 404


def test_a_press_from_a_page_left_open_changes_nothing_and_says_why(editor_client, draft):
    first = editor_client.post(publish_url(draft), {"action": "publish"}, headers=HTMX)
    token = token_in(first)
    editor_client.post(publish_url(draft), {"action": "publish", "confirm": token}, headers=HTMX)
    events = draft.events.count()
    # The same Publish now pressed again (a double click, another tab): already done.
    response = editor_client.post(publish_url(draft), {"action": "publish", "confirm": token}, headers=HTMX)
    assert response.status_code == 200 and "This story is already published." in response.content.decode()
    # Withdraw now pressed in a tab where the story is no longer public: nothing happens.
    Article.objects.get(pk=draft.pk).withdraw()
    events = draft.events.count()
    response = editor_client.post(publish_url(draft), {"action": "withdraw", "confirm": "yes"}, headers=HTMX)
    assert "This story is not public." in response.content.decode()
    assert draft.events.count() == events and status_of(draft) == "withdrawn"


@pytest.mark.django_db(transaction=True)
def test_four_presses_of_publish_now_at_once_publish_the_story_once():
    from annotations.tests.test_double_submits import at_once, editor_clients

    story = make_article(title="Kim leaves", body=BODY, status=Article.Status.DRAFT)
    clients = editor_clients(4)
    token = token_in(clients[0].post(publish_url(story), {"action": "publish"}, headers=HTMX))
    results = at_once(
        [lambda c=c: c.post(publish_url(story), {"action": "publish", "confirm": token}, headers=HTMX) for c in clients],
        door="articles_article", mode="EXCLUSIVE",  # each waits at the story's row lock
    )
    assert [r.status_code for r in results] == [200] * 4
    assert sum("Published: readers can read it now." in r.content.decode() for r in results) == 1
    assert sum("This story is already published." in r.content.decode() for r in results) == 3
    assert story.events.filter(pgh_label="update", status="published").count() == 1
