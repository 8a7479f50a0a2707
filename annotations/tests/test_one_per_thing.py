"""One entity per thing, one source per source (issue 14, finding 1): a typed name that is a known
entity's or source's name or alias, folded, is that row; a twin takes an explicit "create another"."""

import json

import pytest
from django.urls import reverse

from annotations.models import Entity, EntityAlias, Mention
from annotations.suggestions import suggestions_for
from annotations.tests.makers import make_claim, make_entity, make_mention
from annotations.tests.test_desk import claim_data, post_mention
from articles.importing import import_paths
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

BODY = "Kim Jong Un travelled to Russia, the Kremlin said. Yonhap reported the train had left Pyongyang."


@pytest.fixture
def story(db):
    return make_article(body=BODY)


@pytest.fixture
def kim(db):
    return make_entity(name="Kim Jong Un", kind="person", wikidata_id="Q56226")


def box_is_never_empty(html: str) -> None:
    assert '<div class="form-errors" role="alert">\n    \n  </div>' not in html
    for chunk in html.split('<div class="form-errors" role="alert">')[1:]:
        assert "<p>" in chunk.split("</div>")[0]


@pytest.mark.parametrize("typed", [
    "Kim Jong Un", "kim jong un", "KIM JONG UN", "  Kim  Jong   Un ", "Kim Jong-un", "Kim Jong\u2010Un", "\u202eKim Jong Un\u202c", "Kim Jong Ün", "Kim Jong U\u0308n",
])
def test_a_typed_name_of_one_known_entity_is_that_entity(editor_client, story, kim, typed):
    response = post_mention(editor_client, story, "Kim Jong Un", new_entity_name=typed, new_entity_kind="")
    assert response.status_code == 200, response.content.decode()[:3000]
    assert Entity.objects.count() == 1
    assert Mention.objects.get().entity == kim


def test_a_typed_alias_is_its_entity(editor_client, story, kim):
    EntityAlias.objects.create(entity=kim, name="김정은")
    response = post_mention(editor_client, story, "Kim Jong Un", new_entity_name="김정은")
    assert response.status_code == 200
    assert Entity.objects.count() == 1 and Mention.objects.get().entity == kim


def test_a_name_of_several_entities_is_refused_with_them_to_pick_from(editor_client, story, kim):
    twin = make_entity(name="Kim Jong-un", kind="person")
    EntityAlias.objects.create(entity=twin, name="kim jong un")
    response = post_mention(editor_client, story, "Kim Jong Un", new_entity_name="Kim Jong Un")
    html = response.content.decode()
    assert response.status_code == 422 and not Mention.objects.exists() and Entity.objects.count() == 2
    assert "is the name of several" in html and "Q56226" in html
    assert f'data-pick-entity="{kim.pk}"' in html and f'data-pick-entity="{twin.pk}"' in html
    box_is_never_empty(html)


def test_a_new_entity_beside_a_same_named_one_of_its_kind_needs_create_another(editor_client, story, kim):
    response = post_mention(editor_client, story, "Kim Jong Un", new_entity_name="kim jong un", new_entity_kind="person")
    html = response.content.decode()
    assert response.status_code == 422 and Entity.objects.count() == 1 and not Mention.objects.exists()
    assert "“Kim Jong Un” (person, Q56226, named in 0 stories) already exists" in html
    assert f'data-pick-entity="{kim.pk}"' in html
    response = post_mention(editor_client, story, "Kim Jong Un", new_entity_name="kim jong un", new_entity_kind="person",
                            create_another="on")
    assert response.status_code == 200
    assert Entity.objects.count() == 2 and Mention.objects.get().entity != kim


def test_a_same_named_entity_of_another_kind_is_created(editor_client, story, kim):
    response = post_mention(editor_client, story, "Kim Jong Un", new_entity_name="Kim Jong Un", new_entity_kind="event")
    assert response.status_code == 200 and Entity.objects.filter(kind="event").count() == 1


def test_a_new_name_without_a_kind_asks_for_it_in_no_empty_box(editor_client, story):
    response = post_mention(editor_client, story, "Kim Jong Un", new_entity_name="Kim Jong Un")
    html = response.content.decode()
    assert response.status_code == 422 and not Entity.objects.exists()
    assert "No entity is called “Kim Jong Un” yet: say what kind it is to create it." in html
    assert 'class="form-errors"' not in html.split('id="mention-panel"')[1].split("</section>")[0]
    box_is_never_empty(html)


def test_entity_search_offers_the_exact_match_first_with_kind_wikidata_and_stories(editor_client, story, kim):
    make_mention(story, entity=kim)
    make_entity(name="Kim", kind="person")
    html = editor_client.get(reverse("desk:entity-search"), {"q": "KIM JONG UN"}, headers={"HX-Request": "true"}).content.decode()
    first = html.split("<li")[1]
    assert "data-exact-match" in first and "Kim Jong Un" in first and "Q56226" in first and "named in 1 story" in first
    assert "create another" in html


def test_suggestions_list_an_occurrence_once_though_twins_exist(editor_client, story, kim):
    twin = Entity.objects.create(name="Kim Jong Un", kind="person")  # as an import may have made before
    html = editor_client.get(reverse("desk:article", args=[story.pk])).content.decode()
    panel = html.split('id="suggestions-heading"')[1].split("</section>")[0]
    assert panel.count("data-suggestion=") == 1 and "This name names several entities: pick one." in panel
    assert f'value="{kim.pk}"' in panel and f'value="{twin.pk}"' in panel  # both offered, to pick from


# Sources: Mark claim's chain, and a source added to an existing claim.

@pytest.fixture
def yonhap(db):
    return make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR")


def chain_link(**fields):
    return {f"chain-0-{k}": v for k, v in fields.items()}


@pytest.mark.parametrize("typed", ["Yonhap", "yonhap ", "YONHAP", "Yónhap", "Yo\u0301nhap", "\u2066Yonhap\u2069"])
def test_mark_claim_with_a_typed_known_source_cites_it(editor_client, story, yonhap, typed):
    data = claim_data(story, "Yonhap reported the train had left Pyongyang", **chain_link(source_query=typed))
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content.decode()[:3000]
    assert Source.objects.filter(kind="news_agency").count() == 1
    assert story.claims.get().attributions.get().source == yonhap


def test_mark_claim_refuses_a_twin_source_without_create_another(editor_client, story, yonhap):
    data = claim_data(story, "Yonhap reported the train had left Pyongyang",
                      **chain_link(source_query="Yonhap", new_source_kind="news_agency", new_source_country=""))
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 422 and not story.claims.exists()
    assert "“Yonhap” (news agency, KR, named in 0 stories) already exists" in html
    assert f'data-pick-source="{yonhap.pk}"' in html
    data |= chain_link(create_another="on")
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and Source.objects.filter(name="Yonhap").count() == 2


def test_mark_claim_with_the_same_kind_and_country_uses_the_known_source(editor_client, story, yonhap):
    data = claim_data(story, "Yonhap reported the train had left Pyongyang",
                      **chain_link(source_query="yónhap", new_source_kind="news_agency", new_source_country="kr"))
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and story.claims.get().attributions.get().source == yonhap
    assert Source.objects.filter(kind="news_agency").count() == 1


def test_mark_claim_refuses_a_name_of_several_sources_with_them_to_pick_from(editor_client, story, yonhap):
    other = make_source(name="YONHAP", kind=Source.Kind.PUBLICATION, country="KR")
    data = claim_data(story, "Yonhap reported the train had left Pyongyang", **chain_link(source_query="Yonhap"))
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 422 and not story.claims.exists() and "is the name of several" in html
    assert f'data-pick-source="{yonhap.pk}"' in html and f'data-pick-source="{other.pk}"' in html


def test_an_unknown_source_without_a_kind_says_so_truly(editor_client, story, yonhap):
    data = claim_data(story, "Yonhap reported the train had left Pyongyang", **chain_link(source_query="Antara"))
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "“Antara” is not a known source" in response.content.decode()
    box_is_never_empty(response.content.decode())


def attribution_data(claim, **fields):
    values = {"source_query": "", "new_source_kind": "", "new_source_country": "", "role": "speaker",
              "sourcing": "on_record", "source": "", "version": claim.version} | fields
    return {f"attribution-{claim.pk}-{k}": v for k, v in values.items()}


def test_a_source_added_to_a_claim_by_its_typed_name_is_the_known_one(editor_client, story, yonhap):
    claim = make_claim(story, "Yonhap reported the train had left Pyongyang")
    url = reverse("desk:claim-attribution-create", args=[claim.pk])
    response = editor_client.post(url, attribution_data(claim, source_query="YONHAP"), headers={"HX-Request": "true"})
    assert response.status_code == 200 and claim.attributions.get().source == yonhap
    assert Source.objects.filter(name__iexact="yonhap").count() == 1


def test_a_twin_source_added_to_a_claim_needs_create_another(editor_client, story, yonhap):
    claim = make_claim(story, "Yonhap reported the train had left Pyongyang")
    url = reverse("desk:claim-attribution-create", args=[claim.pk])
    data = attribution_data(claim, source_query="Yonhap", new_source_kind="news_agency")
    response = editor_client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "already exists" in response.content.decode() and not claim.attributions.exists()
    response = editor_client.post(url, data | {f"attribution-{claim.pk}-create_another": "on"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and Source.objects.filter(name="Yonhap").count() == 2


def test_import_names_the_known_entity_and_source_by_folded_name(db, tmp_path, kim, yonhap):
    record = {
        "title": "Kim goes", "body": BODY, "language": "en", "url": "https://example.org/kim",
        "publisher": {"name": "yónhap", "kind": "news_agency", "country": "KR"},
        "mentions": [{"start": 0, "end": 11, "exact": "Kim Jong Un", "entity": {"name": "KIM JONG UN", "kind": "person"}}],
    }
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(record) + "\n")
    report = import_paths([path])
    assert report.imported == 1, report
    assert Entity.objects.count() == 1 and Source.objects.count() == 1
    article = Article.objects.get(url="https://example.org/kim")
    assert article.publisher == yonhap and article.mentions.get().entity == kim
