"""Issue 15, item 3: an undo readers would see asks first and says, in a plain sentence, what
changes on the public page; only a second press confirming that does it. Undoing anything else
(a draft's change, a note, a claim kept off the public page) stays one press. The admin alike."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import Claim, Mention, StoryLink
from annotations.tests.makers import add_attribution, confirmed, make_claim, make_entity, make_mention
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

HTMX = {"HX-Request": "true"}
STORY = "Kim Jong Un's train left Pyongyang for Russia on Sunday, an official said. Kim Jong Un waved."


@pytest.fixture
def story(db) -> Article:
    return make_article(title="Train leaves", body=STORY, language="en")  # published


def undo_url(article: Article, kind: str, event) -> str:
    return reverse("desk:history-undo", args=[article.pk, kind, event.pgh_id])


def text(response) -> str:
    return html.unescape(response.content.decode())


def token_in(response) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', response.content.decode())[1]


def public_page(article: Article) -> str:
    return Client().get(article.get_absolute_url()).content.decode()


def test_removing_an_added_claim_from_a_published_story_asks_and_names_the_claim(editor_client, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    assert f'id="claim-{claim.pk}"' in public_page(story)
    url = undo_url(story, "claim", claim.events.get(pgh_label="insert"))
    response = editor_client.post(url, headers=HTMX)
    page = text(response)
    assert response.status_code == 200 and Claim.objects.filter(pk=claim.pk).exists()
    assert "The public page of this story will lose the claim “Kim Jong Un's train left Pyongyang” (unverified)." in page
    assert "Undo it and change the public page" in page and "Keep it as it is" in page
    assert page.index('id="undo-question"') > page.index("marked the claim")  # beside its change, not on top
    response = editor_client.post(url, {"confirm": token_in(response)}, headers=HTMX)
    assert response.status_code == 200 and "Removed again" in text(response)
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert f'id="claim-{claim.pk}"' not in public_page(story)


def test_undoing_a_status_change_on_a_published_story_names_the_status_readers_will_see(editor_client, editor, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role="via")
    claim.change_status("reported", by=editor, reason="Yonhap reports it")
    event = claim.events.filter(pgh_label="update", status="reported").latest("pgh_id")
    history_page = editor_client.get(reverse("desk:article-history", args=[story.pk])).content.decode()
    assert 'action="%s#undo-question"' % undo_url(story, "claim", event) in history_page  # to the question, at once
    response = editor_client.post(undo_url(story, "claim", event))  # no JavaScript: the whole page
    page = text(response)
    assert response.status_code == 200 and "<html" in page and 'id="undo-question"' in page
    assert "will show the claim “Kim Jong Un's train left Pyongyang” as unverified instead of reported." in page
    assert Claim.objects.get(pk=claim.pk).status == "reported"
    confirmed(editor_client, undo_url(story, "claim", event))
    assert Claim.objects.get(pk=claim.pk).status == "unverified"


def test_restoring_a_mention_and_removing_a_chain_link_say_what_comes_back_and_what_goes(editor_client, story):
    mention = make_mention(story, "Pyongyang", entity=make_entity(name="Pyongyang", kind="place"))
    Mention.objects.filter(pk=mention.pk).delete()
    response = editor_client.post(undo_url(story, "mention", mention.events.get(pgh_label="delete")), headers=HTMX)
    assert "The public page of this story will tag “Pyongyang” as Pyongyang again." in text(response)
    assert not Mention.objects.filter(pk=mention.pk).exists()
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    link = add_attribution(claim, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role="via")
    response = editor_client.post(undo_url(story, "attribution", link.events.get(pgh_label="insert")), headers=HTMX)
    assert ("will no longer name Yonhap (via, on the record) in the chain of the claim “Kim Jong Un's train left Pyongyang”"
            in text(response))


def test_undoing_a_publication_says_the_public_page_goes_and_undoing_a_withdrawal_lists_what_is_open(editor_client, db):
    make_entity(name="Pyongyang", kind="place")
    story = make_article(body=STORY, status=Article.Status.DRAFT)
    make_claim(story, "Kim Jong Un waved")
    story.publish()
    published = story.events.filter(status="published").latest("pgh_id")
    response = editor_client.post(undo_url(story, "article", published), headers=HTMX)
    assert "The story will be taken off the public site (set back to draft): its public page goes away" in text(response)
    assert Article.objects.get(pk=story.pk).is_published
    story.withdraw()
    withdrawn = story.events.filter(status="withdrawn").latest("pgh_id")
    response = editor_client.post(undo_url(story, "article", withdrawn), headers=HTMX)
    page = text(response)
    assert "The story will be published again: its public page comes back" in page
    assert "1 suggested mention is still pending" in page and "1 claim is unverified" in page
    assert Article.objects.get(pk=story.pk).status == "withdrawn"
    confirmed(editor_client, undo_url(story, "article", withdrawn), headers=HTMX)
    assert Article.objects.get(pk=story.pk).is_published


def test_unlinking_two_published_stories_names_the_other_one(editor_client, story):
    other = make_article(title="Putin waits in Vladivostok")
    link = StoryLink.objects.create(from_article=story, to_article=other, kind="follow_up")
    response = editor_client.post(undo_url(story, "storylink", link.events.get(pgh_label="insert")), headers=HTMX)
    assert ("The public pages of this story and of “Putin waits in Vladivostok” will no longer show them as related"
            in text(response))
    assert StoryLink.objects.filter(pk=link.pk).exists()


def test_undo_on_a_draft_stays_one_press(editor_client, db):
    draft = make_article(body=STORY, status=Article.Status.DRAFT)
    claim = make_claim(draft, "Kim Jong Un waved")
    response = editor_client.post(undo_url(draft, "claim", claim.events.get(pgh_label="insert")), headers=HTMX)
    assert response.status_code == 200 and "Removed again" in text(response) and 'id="undo-question"' not in text(response)
    assert not Claim.objects.filter(pk=claim.pk).exists()


@pytest.mark.parametrize("change", ["an internal note", "a claim kept off the public page", "a link to a draft"])
def test_undoing_what_readers_never_see_stays_one_press_on_a_published_story(editor_client, story, change):
    if change == "an internal note":
        claim = make_claim(story, "Kim Jong Un waved")
        Claim.objects.filter(pk=claim.pk).update(note="Ask Seoul")
        kind, event = "claim", claim.events.filter(pgh_label="update").latest("pgh_id")
    elif change == "a claim kept off the public page":
        claim = make_claim(story, "Kim Jong Un waved", is_published=False)
        kind, event = "claim", claim.events.get(pgh_label="insert")
    else:
        link = StoryLink.objects.create(from_article=story, to_article=make_article(status="draft"), kind="follow_up")
        kind, event = "storylink", link.events.get(pgh_label="insert")
    response = editor_client.post(undo_url(story, kind, event), headers=HTMX)
    assert response.status_code == 200 and 'id="undo-question"' not in text(response)
    assert "Undone" in text(response) or "Removed again" in text(response)


def test_a_confirmation_of_what_has_changed_since_asks_again(editor_client, story):
    claim = make_claim(story, "Kim Jong Un waved")
    url = undo_url(story, "claim", claim.events.get(pgh_label="insert"))
    first = editor_client.post(url, headers=HTMX)
    Claim.objects.filter(pk=claim.pk).update(statement="Kim waved from the train")  # a colleague, meanwhile
    response = editor_client.post(url, {"confirm": token_in(first)}, headers=HTMX)
    page = text(response)
    assert response.status_code == 409 and Claim.objects.filter(pk=claim.pk).exists()
    assert "has changed since you were asked" in page and "will lose the claim “Kim waved from the train”" in page
    editor_client.post(url, {"confirm": token_in(response)}, headers=HTMX)
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_a_confirmation_for_a_story_withdrawn_since_is_done_at_once(editor_client, story):
    claim = make_claim(story, "Kim Jong Un waved")
    url = undo_url(story, "claim", claim.events.get(pgh_label="insert"))
    first = editor_client.post(url, headers=HTMX)
    story.withdraw()
    response = editor_client.post(url, {"confirm": token_in(first)}, headers=HTMX)
    assert response.status_code == 200 and not Claim.objects.filter(pk=claim.pk).exists()


def test_an_undo_it_would_refuse_is_refused_at_the_first_press_not_asked(editor_client, story):
    claim = make_claim(story, "Kim Jong Un waved")
    first = claim.events.get(pgh_label="insert")
    Claim.objects.filter(pk=claim.pk).update(statement="Kim waved")
    statement_change = claim.events.filter(pgh_label="update").latest("pgh_id")
    Claim.objects.filter(pk=claim.pk).update(statement="Kim waved twice")  # overtakes it
    response = editor_client.post(undo_url(story, "claim", statement_change), headers=HTMX)
    assert response.status_code == 422 and "changed again later" in text(response)
    assert 'id="undo-question"' not in text(response) and claim.events.count() == 3
    assert first.pgh_id  # the claim's first event stays where it was


def test_the_admin_asks_before_restoring_into_a_published_story(maintainer_client, story):
    mention = make_mention(story, "Pyongyang", entity=make_entity(name="Pyongyang", kind="place"))
    Mention.objects.filter(pk=mention.pk).delete()
    url = reverse("admin:articles_article_history_undo", args=[story.pk, "mention", mention.events.get(pgh_label="delete").pgh_id])
    response = maintainer_client.post(url)
    page = text(response)
    assert response.status_code == 200 and not Mention.objects.filter(pk=mention.pk).exists()
    assert "The public page of this story will tag “Pyongyang” as Pyongyang again." in page
    assert "Mention deleted: Pyongyang" in page  # which change it is about
    assert maintainer_client.post(url, {"confirm": "stale"}).status_code == 409
    assert not Mention.objects.filter(pk=mention.pk).exists()
    response = maintainer_client.post(url, {"confirm": token_in(response)})
    assert response.status_code == 302 and response["Location"] == reverse("admin:articles_article_history", args=[story.pk])
    assert Mention.objects.filter(pk=mention.pk).exists() and "/entities/pyongyang/" in public_page(story)


def test_the_admin_restores_into_a_draft_at_one_press(maintainer_client, db):
    draft = make_article(body=STORY, status=Article.Status.DRAFT)
    mention = make_mention(draft, "Pyongyang")
    Mention.objects.filter(pk=mention.pk).delete()
    url = reverse("admin:articles_article_history_undo", args=[draft.pk, "mention", mention.events.get(pgh_label="delete").pgh_id])
    assert maintainer_client.post(url).status_code == 302 and Mention.objects.filter(pk=mention.pk).exists()


def test_the_question_stands_beside_its_change_or_on_top_when_the_change_is_on_another_page(editor_client, story, monkeypatch):
    monkeypatch.setattr("annotations.views.HISTORY_PAGE_SIZE", 1)
    url = reverse("desk:mention-create", args=[story.pk])
    for text_, name in [("Pyongyang", "Pyongyang"), ("Russia", "Russia")]:  # two requests: two entries, newest first
        start = STORY.index(text_)
        entity = make_entity(name=name, kind="place")
        editor_client.post(url, {"start": start, "end": start + len(text_), "exact": text_, "entity": entity.pk}, headers=HTMX)
    older = Mention.objects.get(exact="Pyongyang").events.get(pgh_label="insert")
    on_page_one = text(editor_client.post(undo_url(story, "mention", older), headers=HTMX))
    assert on_page_one.index('id="undo-question"') < on_page_one.index('<ol class="timeline">')  # its change is on page 2
    assert "will no longer tag “Pyongyang” as Pyongyang" in on_page_one
    on_page_two = text(editor_client.post(undo_url(story, "mention", older) + "?page=2", headers=HTMX))
    assert on_page_two.index('id="undo-question"') > on_page_two.index('<ol class="timeline">')
    assert f'action="{undo_url(story, "mention", older)}?page=2"' in on_page_two  # the confirmation stays on page 2
