import re

import pytest
from django.contrib import admin
from django.urls import reverse

from annotations.models import (
    Attribution, Claim, ClaimMatch, Entity, EntityAlias, Mention, RejectedSuggestion, StoryLink, StorySuggestion,
)
from annotations.tests.makers import add_attribution, make_claim, make_entity, make_mention
from articles.demo_newsroom import load_demo
from articles.models import Article, Feed, ImportJob, Source
from articles.tests.makers import make_article, make_source

OUR_APPS = {"articles", "annotations"}
OUR_MODELS = [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_model_of_ours_is_in_the_admin():
    names = {model.__name__ for model in OUR_MODELS}
    assert names == {
        "Source", "Article", "Entity", "EntityAlias", "Mention", "Claim", "Attribution", "Evidence",
        "ClaimStatusChange", "StoryLink", "RejectedSuggestion", "StorySuggestion", "ClaimAcrossStories", "ClaimMatch",
        "ArticleVersion", "AnchorReview", "Feed", "ImportJob",
    }


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_maintainer_can_open_changelist_add_and_change_pages(maintainer_client, model):
    load_demo()
    if model is RejectedSuggestion:
        mention = Mention.objects.first()
        RejectedSuggestion.objects.create(article=mention.article, entity=mention.entity, start=mention.start, end=mention.end)
    if model is StorySuggestion:
        first, second = Article.objects.order_by("pk")[:2]
        StorySuggestion.objects.create(from_article=first, to_article=second, score=0.5, how="test", state="dismissed")
    if model is ClaimMatch:
        claim, other = Claim.objects.order_by("pk")[:2]
        ClaimMatch.objects.create(claim=claim, candidate=other.across, score=0.6, how="test", decision="dismissed")
    if model.__name__ in ("ArticleVersion", "AnchorReview"):
        from annotations.corrections import correct

        story = Mention.objects.order_by("pk").first().article
        mention = story.mentions.order_by("pk").first()
        # A correction that drops the first mention's words: two versions, and an orphan to review.
        correct(story, body=story.body[:mention.start] + story.body[mention.end:], note="Trimmed")
    if model is Feed:
        Feed.objects.create(source=Source.objects.first(), name="Kim's feed", url="https://example.org/feed.xml")
    if model is ImportJob:
        ImportJob.objects.create(name="kim.jsonl", data=b"{}", size=2, format="jsonl")
    changelist = maintainer_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert maintainer_client.get(admin_url(model, "changelist"), {"q": "Kim"}).status_code == 200
    add = maintainer_client.get(admin_url(model, "add"))
    assert add.status_code == (403 if model.__name__ in ("ClaimStatusChange", "ClaimMatch", "ArticleVersion", "AnchorReview",
                                                        "ImportJob") else 200)
    obj = model.objects.first()
    change = maintainer_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200


def test_autocomplete_finds_sources_for_the_article_form(maintainer_client):
    make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR")
    response = maintainer_client.get(
        reverse("admin:autocomplete"),
        {"term": "yon", "app_label": "articles", "model_name": "article", "field_name": "publisher"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Yonhap (KR)"]


def test_maintainer_adds_an_article_with_a_mention_through_the_admin(maintainer_client):
    publisher = make_source(name="Kabar Timur")
    kim = make_entity(name="Kim Jong Un")
    response = maintainer_client.post(
        admin_url(Article, "add"),
        {
            "title": "Kereta berangkat", "slug": "", "language": "ID", "publisher": publisher.pk, "url": "",
            "published_at_0": "", "published_at_1": "", "status": "draft",
            "body": "Kereta Kim berangkat ke Rusia.",
            "mentions-TOTAL_FORMS": 1, "mentions-INITIAL_FORMS": 0,
            "mentions-0-entity": kim.pk, "mentions-0-start": 7, "mentions-0-end": 10,
            "mentions-0-exact": "Kim", "mentions-0-is_published": "on",
            "claims-TOTAL_FORMS": 0, "claims-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    article = Article.objects.get()
    assert (article.language, article.slug, article.status) == ("id", "kereta-berangkat", "draft")
    mention = article.mentions.get()
    assert (mention.entity, mention.exact, mention.prefix, mention.suffix) == (kim, "Kim", "Kereta ", " berangkat ke Rusia.")
    assert mention.created_by.username == "max"  # added in the story's inline, it records who added it


def test_admin_shows_a_clear_error_for_a_mention_that_misses_the_text(maintainer_client):
    article = make_article(body="Kim Jong Un met Vladimir Putin.")
    entity = make_entity()
    response = maintainer_client.post(
        admin_url(Mention, "add"),
        {"article": article.pk, "entity": entity.pk, "start": 0, "end": 11, "exact": "Vladimir Pu", "is_published": "on"},
    )
    assert response.status_code == 200
    assert "the offsets do not match the quote" in response.content.decode()
    assert not Mention.objects.exists()


def test_publish_and_withdraw_actions(maintainer_client):
    drafts = [make_article(status=Article.Status.DRAFT) for _ in range(2)]
    undated = make_article(status=Article.Status.DRAFT, published_at=None)
    ids = [a.pk for a in drafts]
    asked = maintainer_client.post(admin_url(Article, "changelist"), {"action": "publish", "_selected_action": [*ids, undated.pk]})
    # First each story's checklist, nothing published yet.
    page = asked.content.decode()
    assert "Before they go live" in page and "No publication date" in page
    assert set(Article.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"draft"}
    states = dict(re.findall(r'name="(state-\d+)" value="(\w+)"', page))
    assert len(states) == 3
    confirm = {"action": "publish", "_selected_action": [*ids, undated.pk], "confirm": "yes", **states}
    # A story changed after the maintainer looked is left out, and said so.
    make_claim(drafts[1], "Kim Jong Un")
    answer = maintainer_client.post(admin_url(Article, "changelist"), confirm, follow=True).content.decode()
    assert Article.objects.get(pk=ids[0]).status == "published"
    assert Article.objects.get(pk=ids[1]).status == "draft"
    assert "changed after you looked" in answer and drafts[1].title in answer
    assert "no publication date" in answer
    assert Article.objects.get(pk=undated.pk).status == "draft"  # no date: refused, never the moment of publishing
    maintainer_client.post(admin_url(Article, "changelist"), {"action": "withdraw", "_selected_action": ids[:1]})
    assert Article.objects.get(pk=ids[0]).status == "withdrawn"


def test_merge_action_moves_mentions_and_keeps_aliases(maintainer_client):
    article = make_article(body="Kim Jong Un spoke. 김정은 위원장. Kim Jong-un left.")
    keep = make_entity(name="Kim Jong Un")
    duplicate = make_entity(name="Kim Jong-un", wikidata_id="Q56226")
    EntityAlias.objects.create(entity=duplicate, name="김정은", language="ko")
    make_mention(article, "Kim Jong Un", entity=keep)
    make_mention(article, "김정은", entity=duplicate)
    make_mention(article, "Kim Jong-un", entity=duplicate)
    before = Mention.objects.count()

    confirm = maintainer_client.post(
        admin_url(Entity, "changelist"), {"action": "merge", "_selected_action": [keep.pk, duplicate.pk]}
    )
    assert "Entity to keep" in confirm.content.decode()
    maintainer_client.post(
        admin_url(Entity, "changelist"),
        {"action": "merge", "_selected_action": [keep.pk, duplicate.pk], "keep": keep.pk},
    )

    assert list(Entity.objects.all()) == [keep]
    assert Mention.objects.count() == before
    assert set(Mention.objects.values_list("entity_id", flat=True)) == {keep.pk}
    keep.refresh_from_db()
    assert {a.name for a in keep.aliases.all()} == {"Kim Jong-un", "김정은"}
    assert keep.wikidata_id == "Q56226"


def test_claim_status_view_explains_why_anonymous_claims_cannot_be_confirmed(maintainer_client):
    claim = make_claim()
    anonymous = make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS)
    add_attribution(claim, anonymous, sourcing=Attribution.Sourcing.ANONYMOUS)
    url = reverse("admin:annotations_claim_status", args=[claim.pk])
    response = maintainer_client.post(url, {"status": "confirmed", "reason": "Sure", "version": claim.version})
    assert "every speaker is anonymous" in response.content.decode()
    response = maintainer_client.post(url, {"status": "reported", "reason": "Yonhap reports it", "version": claim.version})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "reported"
    assert claim.history.get().changed_by.username == "max"


def test_attribution_inline_refuses_to_leave_a_confirmed_claim_with_only_anonymous_speakers(maintainer_client):
    claim = make_claim()
    on_record = add_attribution(claim)
    from annotations.tests.makers import quote_evidence

    claim.change_status("confirmed", by=None, reason="On the record", evidence=quote_evidence(on_record))
    anonymous = make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS)
    data = {
        "article": claim.article_id, "start": claim.start, "end": claim.end, "exact": claim.exact,
        "statement": claim.statement, "note": "", "is_published": "on",
        "attributions-TOTAL_FORMS": 2, "attributions-INITIAL_FORMS": 1,
        "attributions-0-id": on_record.pk, "attributions-0-claim": claim.pk, "attributions-0-position": 0,
        "attributions-0-source": on_record.source_id, "attributions-0-role": "speaker",
        "attributions-0-sourcing": "anonymous",
        "attributions-1-claim": claim.pk, "attributions-1-position": 1, "attributions-1-source": anonymous.pk,
        "attributions-1-role": "speaker", "attributions-1-sourcing": "anonymous",
        "evidence-TOTAL_FORMS": 1, "evidence-INITIAL_FORMS": 1,
        "evidence-0-id": claim.evidence.get().pk, "evidence-0-claim": claim.pk, "evidence-0-kind": "quote",
        "evidence-0-attribution": on_record.pk, "evidence-0-url": "", "evidence-0-note": "",
        "history-TOTAL_FORMS": 1, "history-INITIAL_FORMS": 1, "history-0-id": claim.history.get().pk,
        "history-0-claim": claim.pk,
    }
    response = maintainer_client.post(admin_url(Claim, "change", claim.pk), data)
    assert response.status_code == 200
    assert "every speaker is anonymous" in response.content.decode()
    on_record.refresh_from_db()
    assert on_record.sourcing == "on_record"
    assert claim.attributions.count() == 1


def test_status_history_cannot_be_edited_in_the_admin(maintainer_client):
    load_demo()
    change = Claim.objects.filter(history__isnull=False).first().history.first()
    url = reverse("admin:annotations_claimstatuschange_change", args=[change.pk])
    response = maintainer_client.post(url, {"reason": "rewritten"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.reason != "rewritten"
    assert maintainer_client.post(reverse("admin:annotations_claimstatuschange_delete", args=[change.pk]), {"post": "yes"}).status_code == 403


def test_editors_cannot_reach_the_admin(editor_client):
    response = editor_client.get(admin_url(Article, "changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def make_rows(n: int) -> None:
    """n of each row type that an admin changelist shows, all on different articles."""
    from annotations.models import Evidence
    from annotations.tests.makers import quote_evidence

    for _ in range(n):
        article = make_article()
        mention = make_mention(article)
        EntityAlias.objects.create(entity=mention.entity, name=f"alias {mention.entity.pk}")
        claim = make_claim(article)
        attribution = add_attribution(claim)
        claim.change_status("confirmed", by=None, reason="On the record", evidence=quote_evidence(attribution))
        Evidence.objects.create(claim=claim, kind="url", url="https://example.org/")
        StoryLink.objects.create(from_article=article, to_article=make_article(), kind="cites")
        RejectedSuggestion.objects.create(article=article, entity=mention.entity, start=mention.start, end=mention.end)
        StorySuggestion.objects.create(from_article=article, to_article=make_article(), score=0.4, how="test", state="dismissed")


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_query_count_is_constant(maintainer_client, count_queries, model):
    make_rows(3)
    three = count_queries(maintainer_client, admin_url(model, "changelist"))
    make_rows(27)
    assert count_queries(maintainer_client, admin_url(model, "changelist")) == three


def test_article_change_page_query_count_is_constant(maintainer_client, count_queries):
    article = make_article(body=" ".join(f"Kim Jong Un said thing {n}." for n in range(30)))
    for i in range(3):
        make_claim(article, f"said thing {i}.")
        make_mention(article, f"thing {i}.")
    three = count_queries(maintainer_client, admin_url(Article, "change", article.pk))
    for i in range(3, 30):
        make_claim(article, f"said thing {i}.")
        make_mention(article, f"thing {i}.")
    assert count_queries(maintainer_client, admin_url(Article, "change", article.pk)) == three


def test_claim_change_page_query_count_is_constant(maintainer_client, count_queries):
    claim = make_claim()
    sources = [make_source() for _ in range(30)]

    def chain(n: int) -> None:
        from annotations.models import Evidence

        for i in range(claim.attributions.count(), n):
            add_attribution(claim, sources[i], position=i, role="via" if i else "speaker")
            evidence = Evidence.objects.create(claim=claim, kind="article", article=make_article())
            status = "disputed" if claim.status == "reported" else "reported"
            claim.change_status(status, by=None, reason=f"Change {i}", evidence=evidence)

    chain(3)
    three = count_queries(maintainer_client, admin_url(Claim, "change", claim.pk))
    chain(30)
    assert count_queries(maintainer_client, admin_url(Claim, "change", claim.pk)) == three


def test_article_change_page_shows_each_mentions_entity(maintainer_client):
    article = make_article()
    make_mention(article, "Kim Jong Un", entity=make_entity(name="Kim Jong Un"))
    page = maintainer_client.get(admin_url(Article, "change", article.pk)).content.decode()
    assert '<option value="%d" selected>Kim Jong Un</option>' % article.mentions.get().entity_id in page


def test_d2_a_stale_admin_status_change_is_refused(maintainer_client):
    claim = make_claim()
    add_attribution(claim)
    url = reverse("admin:annotations_claim_status", args=[claim.pk])
    loaded = claim.version
    claim.change_status("reported", by=None, reason="Someone else, meanwhile")
    response = maintainer_client.post(url, {"status": "disputed", "reason": "Late", "version": loaded})
    assert response.status_code == 200 and "Someone changed this claim" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "reported" and claim.history.count() == 1


def test_admin_status_change_offers_the_stories_linked_either_way_as_evidence(maintainer_client):
    claim = make_claim()
    earlier, later = make_article(title="Earlier coverage"), make_article(title="The follow-up")
    StoryLink.objects.create(from_article=claim.article, to_article=earlier, kind=StoryLink.Kind.EARLIER_COVERAGE)
    StoryLink.objects.create(from_article=later, to_article=claim.article, kind=StoryLink.Kind.FOLLOW_UP)
    page = maintainer_client.get(reverse("admin:annotations_claim_status", args=[claim.pk])).content.decode()
    assert f'value="article:{earlier.pk}"' in page and f'value="article:{later.pk}"' in page


def test_rows_added_in_the_admin_record_who_added_them_inlines_included(maintainer_client):
    claim, other = make_claim(), make_article()
    data = {
        "article": claim.article_id, "start": claim.start, "end": claim.end, "exact": claim.exact,
        "statement": claim.statement, "note": "", "is_published": "on",
        "attributions-TOTAL_FORMS": 0, "attributions-INITIAL_FORMS": 0,
        "evidence-TOTAL_FORMS": 1, "evidence-INITIAL_FORMS": 0,
        "evidence-0-claim": claim.pk, "evidence-0-kind": "article", "evidence-0-article": other.pk,
        "evidence-0-url": "", "evidence-0-note": "",
        "history-TOTAL_FORMS": 0, "history-INITIAL_FORMS": 0,
        "seen_change": claim.events.order_by("-pgh_id").values_list("pgh_id", flat=True).first(),
    }
    response = maintainer_client.post(admin_url(Claim, "change", claim.pk), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert claim.evidence.get().created_by.username == "max"
    claim.refresh_from_db()
    assert claim.created_by is None  # a change is no addition: who made the claim stays as it was
    response = maintainer_client.post(
        admin_url(StoryLink, "add"), {"from_article": claim.article_id, "to_article": other.pk, "kind": "same_event", "note": ""}
    )
    assert response.status_code == 302
    assert StoryLink.objects.get().created_by.username == "max"


@pytest.mark.parametrize("model", [Source, Entity], ids=lambda m: m.__name__)
def test_a_source_or_entity_changed_in_the_admin_as_its_form_shows_it_is_saved(maintainer_client, model):
    from annotations.tests.makers import form_values

    row = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT) if model is Source else make_entity(name="Kim Jong Un")
    url = admin_url(model, "change", row.pk)
    page = maintainer_client.get(url).content.decode()
    labels = [label for label in ("Name", "Kind", "Description") if f">{label}:<" in page]
    assert [page.index(f">{label}:<") for label in labels] == sorted(page.index(f">{label}:<") for label in labels)
    data = form_values(page, f"{model._meta.model_name}_form")
    data["description"] = "Checked"
    response = maintainer_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    row.refresh_from_db()
    assert row.description == "Checked"


def test_the_story_form_asks_before_a_save_makes_a_story_public(maintainer_client):
    from django.forms.models import model_to_dict

    from articles.admin_inlines import last_change

    draft = make_article(title="Kim leaves", status=Article.Status.DRAFT)
    make_claim(draft, "Kim Jong Un")
    data = {k: v for k, v in model_to_dict(draft).items() if v is not None and k not in ("search_vector", "id")}
    data |= {"status": "published", "published_at_0": draft.published_at.strftime("%Y-%m-%d"),
             "published_at_1": draft.published_at.strftime("%H:%M:%S"), "seen_change": last_change(draft),
             "mentions-TOTAL_FORMS": 0, "mentions-INITIAL_FORMS": 0, "claims-TOTAL_FORMS": 1, "claims-INITIAL_FORMS": 1,
             "claims-0-id": draft.claims.get().pk, "claims-0-article": draft.pk, "claims-0-start": draft.claims.get().start,
             "claims-0-end": draft.claims.get().end, "claims-0-exact": "Kim Jong Un", "claims-0-statement": "Kim Jong Un",
             "claims-0-is_published": "on"}
    data.pop("published_at", None)
    asked = maintainer_client.post(admin_url(Article, "change", draft.pk), data)
    page = asked.content.decode()
    assert asked.status_code == 200 and "This save makes the story public." in page
    assert "1 claim is unverified" in page
    assert Article.objects.get(pk=draft.pk).status == "draft"
    data |= {"publish_checked": "on"}
    done = maintainer_client.post(admin_url(Article, "change", draft.pk), data)
    assert done.status_code == 302, (done.context["errors"], [f.errors for f in done.context["inline_admin_formsets"][1].formset.forms])
    assert Article.objects.get(pk=draft.pk).status == "published"
