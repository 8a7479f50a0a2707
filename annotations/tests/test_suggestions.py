"""Entity suggestions: known names and aliases found in a story, in any script, as whole words."""

import re

import lxml.html
import pytest
from django.urls import reverse

from annotations.models import EntityAlias, Mention, RejectedSuggestion
from annotations.suggestions import Matcher, suggestion_groups, suggestions_for
from annotations.tests.makers import make_entity, make_mention
from articles.tests.makers import make_article


def found(article) -> list[tuple[str, str]]:
    return [(s.entity.name, s.exact) for s in suggestions_for(article)]


@pytest.fixture
def kim(db):
    entity = make_entity(name="Kim Jong Un")
    EntityAlias.objects.create(entity=entity, name="김정은", language="ko")
    EntityAlias.objects.create(entity=entity, name="Ким Чен Ын", language="ru")
    return entity


def test_names_and_aliases_are_found_in_latin_hangul_and_cyrillic(kim):
    putin = make_entity(name="Vladimir Putin")
    EntityAlias.objects.create(entity=putin, name="Путин", language="ru")
    EntityAlias.objects.create(entity=putin, name="푸틴", language="ko")
    english = make_article(body="Kim Jong Un met Vladimir Putin at Vostochny.", language="en")
    korean = make_article(body="김정은 위원장이 푸틴 대통령과 만났다.", language="ko")
    russian = make_article(body="Ким Чен Ын встретился с Путин в Восточном.", language="ru")
    assert found(english) == [("Kim Jong Un", "Kim Jong Un"), ("Vladimir Putin", "Vladimir Putin")]
    assert found(korean) == [("Kim Jong Un", "김정은"), ("Vladimir Putin", "푸틴")]
    assert found(russian) == [("Kim Jong Un", "Ким Чен Ын"), ("Vladimir Putin", "Путин")]


def test_case_accents_and_unicode_forms_are_folded(db):
    make_entity(name="Đà Nẵng")
    make_entity(name="José Martí")
    body = "Delegates flew from DA NANG; jose marti airport. Ｊｏｓé Ｍａｒｔí in full width."
    article = make_article(body=body)
    assert found(article) == [("Đà Nẵng", "DA NANG"), ("José Martí", "jose marti"), ("José Martí", "Ｊｏｓé Ｍａｒｔí")]
    decomposed = make_article(body="Jose\u0301 Marti\u0301 spoke.".replace("e\u0301", "é").replace("i\u0301", "í"))
    assert found(decomposed) == [("José Martí", "José Martí")]


def test_korean_particles_after_a_name_are_left_out_of_the_span(kim):
    russia = make_entity(name="Russia")
    EntityAlias.objects.create(entity=russia, name="러시아", language="ko")
    article = make_article(body="김정은은 러시아로 떠났다. 김정은이 말했다.", language="ko")
    assert found(article) == [("Kim Jong Un", "김정은"), ("Russia", "러시아"), ("Kim Jong Un", "김정은")]
    spans = [(s.start, s.end) for s in suggestions_for(article)]
    assert spans[0] == (0, 3) and spans[1] == (5, 8)


def test_no_suggestion_inside_another_word(db):
    make_entity(name="Kim")
    make_entity(name="Ross")
    make_entity(name="Рим")
    article = make_article(body="Kimberley and Grossman met Ross in Kim's office. Примерно в Рим.", language="en")
    assert found(article) == [("Ross", "Ross"), ("Kim", "Kim"), ("Рим", "Рим")]


def test_of_overlapping_names_the_longest_is_offered_and_tagged_spans_are_not(kim):
    make_entity(name="Kim")
    article = make_article(body="Kim Jong Un arrived. Kim Jong Un left.")
    assert found(article) == [("Kim Jong Un", "Kim Jong Un"), ("Kim Jong Un", "Kim Jong Un")]
    make_mention(article, "Kim Jong Un", entity=kim)
    assert [(s.start, s.exact) for s in suggestions_for(article)] == [(21, "Kim Jong Un")]


def test_no_name_is_offered_inside_a_longer_mention_or_a_longer_suggested_name(kim):
    make_entity(name="Kim")
    EntityAlias.objects.create(entity=make_entity(name="Kim Yo-jong"), name="Kim Yo Jong")
    article = make_article(body="Chairman Kim Jong Un spoke. Kim Yo Jong listened. Kim left.")
    leader = make_entity(name="Supreme leader")  # a name the matcher does not know: only the tag counts
    make_mention(article, "Chairman Kim Jong Un", entity=leader)
    assert found(article) == [("Kim Yo-jong", "Kim Yo Jong"), ("Kim", "Kim")]
    assert [s.start for s in suggestions_for(article)] == [article.body.index("Kim Yo"), article.body.index("Kim left")]


def test_a_longer_name_is_offered_around_a_shorter_one_tagged_by_hand(kim):
    family = make_entity(name="Kim")
    article = make_article(body="Kim Jong Un spoke, and then Kim left.")
    make_mention(article, "Kim", entity=family)  # the editor's own choice, inside the longer name
    assert [(s.entity.name, s.start) for s in suggestions_for(article)] == [("Kim Jong Un", 0), ("Kim", 28)]
    make_mention(article, "Kim Jong Un", entity=kim)
    make_mention(article, "Kim Jong", entity=make_entity(name="Someone"))  # crossing nothing, inside a tag
    assert [(s.entity.name, s.start) for s in suggestions_for(article)] == [("Kim", 28)]


def test_turning_down_one_of_two_same_named_entities_leaves_the_other_on_offer(kim):
    twin = make_entity(name="Kim Jong Un")
    article = make_article(body="Kim Jong Un arrived.")
    for turned_down, other in [(kim, twin), (twin, kim)]:
        RejectedSuggestion.objects.all().delete()
        RejectedSuggestion.objects.create(article=article, entity=turned_down, start=0, end=11)
        assert [s.entity for s in suggestions_for(article)] == [other]


def test_the_matcher_learns_a_new_alias_at_once(kim):
    article = make_article(body="Chairman Kim Jong-un and the Marshal met.")
    assert found(article) == []
    EntityAlias.objects.create(entity=kim, name="Kim Jong-un")
    assert found(article) == [("Kim Jong Un", "Kim Jong-un")]
    kim.aliases.filter(name="Kim Jong-un").delete()
    assert found(article) == []


def test_accepting_one_and_rejecting_one_from_the_desk(editor_client, kim):
    putin = make_entity(name="Vladimir Putin")
    article = make_article(body="Kim Jong Un met Vladimir Putin. Putin and Kim Jong Un smiled.")
    EntityAlias.objects.create(entity=putin, name="Putin")
    workspace = editor_client.get(reverse("desk:article", args=[article.pk])).content.decode()
    assert "Suggested mentions" in workspace and 'data-suggestion="0:11"' in workspace
    accept = reverse("desk:suggestion-accept", args=[article.pk])
    reject = reverse("desk:suggestion-reject", args=[article.pk])
    assert editor_client.post(accept, {"entity": kim.pk, "start": 0, "end": 11}).status_code == 200
    assert Mention.objects.filter(article=article, entity=kim, start=0, end=11).exists()
    assert editor_client.post(reject, {"entity": putin.pk, "start": 16, "end": 30}).status_code == 200
    assert RejectedSuggestion.objects.filter(article=article, entity=putin, start=16, end=30).exists()
    assert [(s.entity.name, s.start) for s in suggestions_for(article)] == [("Vladimir Putin", 32), ("Kim Jong Un", 42)]
    # A rejected suggestion stays rejected, also once the matcher is rebuilt.
    EntityAlias.objects.create(entity=putin, name="V. Putin")
    assert [s.start for s in suggestions_for(article)] == [32, 42]
    assert not Mention.objects.filter(article=article, entity=putin, start=16).exists()


RUSSIA = (
    "Kereta Kim Jong Un berangkat menuju Rusia pada hari Minggu, menurut Yonhap.\n\n"
    "Kremlin mengatakan Kim Jong Un akan bertemu Vladimir Putin di Rusia. Russia tidak menyebut tanggalnya, "
    "tetapi pejabat Rusia mengatakan kunjungan itu akan berlangsung di Vladivostok."
)


@pytest.fixture
def russia_story(kim):
    russia = make_entity(name="Russia", kind="place")
    EntityAlias.objects.create(entity=russia, name="Rusia", language="id")
    putin = make_entity(name="Vladimir Putin")
    return make_article(body=RUSSIA, language="id"), russia, kim, putin


def panel_of(html: str, heading: str) -> str:
    return html.split(f'id="{heading}"')[1].split("</section>")[0]


def test_suggestions_are_grouped_by_entity_with_counts_and_each_occurrence_in_its_words(editor_client, russia_story):
    article, russia, kim, putin = russia_story
    groups = suggestion_groups(article)
    assert [(g.entities, len(g.occurrences)) for g in groups] == [([kim], 2), ([russia], 4), ([putin], 1)]
    assert groups[1].other_names == ["Rusia"]
    assert [(o.before, o.exact, o.after) for o in groups[1].occurrences][:2] == [
        ("…Kim Jong Un berangkat menuju ", "Rusia", " pada hari Minggu, menurut…"),
        ("…bertemu Vladimir Putin di ", "Rusia", ". Russia tidak menyebut…"),
    ]
    html = editor_client.get(reverse("desk:article", args=[article.pk])).content.decode()
    panel = panel_of(html, "suggestions-heading")
    assert '<span class="count">7</span>' in panel
    text = " ".join(lxml.html.fromstring(panel.split("</h2>", 1)[1]).text_content().split())
    assert "Russia — 4 times also as Rusia: accept all · reject all · review" in text
    assert "Vladimir Putin — 1 time, in …Kim Jong Un akan bertemu Vladimir Putin di Rusia. Russia tidak…: accept · reject" in text
    assert "Kim Jong Un — 2 times" in text
    assert "<strong>Rusia</strong> pada hari Minggu" in panel
    # One accept all and one reject all per entity, none for the whole story.
    assert panel.count('name="action" value="all"') == 6
    assert 'aria-label="Accept all 4 suggestions of Russia"' in panel and 'aria-label="Reject all 2 suggestions of Kim Jong Un"' in panel
    assert "Accept all" not in text


def test_no_offset_is_shown_or_read_out_anywhere_in_the_workspace(editor_client, russia_story):
    article, russia, kim, putin = russia_story
    make_mention(article, "Rusia", entity=russia)
    html = editor_client.get(reverse("desk:article", args=[article.pk])).content.decode()
    text = lxml.html.fromstring(html).text_content()
    assert not re.search(r"@\s*\d", text), re.search(r".{20}@\s*\d+.{20}", text)
    labels = re.findall(r'aria-label="([^"]*)"', html)
    starts = {str(o.start) for g in suggestion_groups(article) for o in g.occurrences} | {str(RUSSIA.index("Rusia"))}
    assert not [label for label in labels if set(re.findall(r"\d+", label)) & starts]
    assert "Remove the mention “Rusia” in “…Kim Jong Un berangkat menuju Rusia pada hari Minggu, menurut…”" in html
    assert "accept: Russia, in “…bertemu Vladimir Putin di Rusia. Russia tidak menyebut…”" in html


def test_accept_all_and_reject_all_touch_only_that_entitys_suggestions(editor_client, russia_story):
    article, russia, kim, putin = russia_story
    accept = reverse("desk:suggestion-accept", args=[article.pk])
    reject = reverse("desk:suggestion-reject", args=[article.pk])
    response = editor_client.post(accept, {"action": "all", "group": russia.pk, "entity": russia.pk})
    assert "Tagged 4 suggested mentions of Russia." in response.content.decode()
    assert Mention.objects.filter(article=article).count() == Mention.objects.filter(entity=russia).count() == 4
    response = editor_client.post(reject, {"action": "all", "group": kim.pk})
    assert "Rejected 2 suggestions of Kim Jong Un." in response.content.decode()
    assert set(RejectedSuggestion.objects.values_list("entity", flat=True)) == {kim.pk}
    assert RejectedSuggestion.objects.count() == 2
    assert [(g.entities, len(g.occurrences)) for g in suggestion_groups(article)] == [([putin], 1)]
    # Sent again: nothing left of that group, nothing else touched.
    response = editor_client.post(accept, {"action": "all", "group": russia.pk, "entity": russia.pk})
    assert response.status_code == 200 and "decided already" in response.content.decode()
    assert Mention.objects.count() == 4


def test_there_is_no_accept_all_for_the_whole_story(editor_client, russia_story):
    article, russia, kim, putin = russia_story
    accept = reverse("desk:suggestion-accept", args=[article.pk])
    for data in [{"action": "all"}, {"action": "all", "group": "", "entity": russia.pk}, {"action": "all", "group": "x"},
                 {"action": "all", "group": russia.pk, "entity": kim.pk}, {"action": "all", "group": russia.pk}]:
        response = editor_client.post(accept, data)
        assert response.status_code == 422, data
    assert "each entity has its own accept all" in editor_client.post(accept, {"action": "all"}).content.decode()
    assert editor_client.post(reverse("desk:suggestion-reject", args=[article.pk]), {"action": "all"}).status_code == 422
    assert not Mention.objects.exists() and not RejectedSuggestion.objects.exists()


def test_a_name_of_several_entities_is_one_group_to_pick_from(editor_client, kim):
    sister = make_entity(name="Kim Yo Jong")
    for entity in (kim, sister):
        EntityAlias.objects.create(entity=entity, name="Kim")
    article = make_article(body="Kim Jong Un spoke. Then Kim left, and Kim Yo Jong stayed. Kim waved.")
    groups = suggestion_groups(article)
    assert [(g.entities, len(g.occurrences)) for g in groups] == [([kim], 1), ([kim, sister], 2), ([sister], 1)]
    html = editor_client.get(reverse("desk:article", args=[article.pk])).content.decode()
    panel = panel_of(html, "suggestions-heading")
    assert "This name names several entities: pick one." in panel
    assert 'aria-label="Accept all 2 suggestions as Kim Yo Jong"' in panel
    assert 'aria-label="Reject all 2 suggestions of “Kim”"' in panel
    accept = reverse("desk:suggestion-accept", args=[article.pk])
    both = {"action": "all", "group": [kim.pk, sister.pk]}
    response = editor_client.post(accept, both | {"entity": sister.pk})
    assert "Tagged 2 suggested mentions of Kim Yo Jong." in response.content.decode()
    assert sorted(Mention.objects.values_list("entity__name", "exact")) == [("Kim Yo Jong", "Kim"), ("Kim Yo Jong", "Kim")]
    # Rejecting the group of a name of several entities turns it down as each of them.
    article = make_article(body="Kim arrived. Kim left.")
    editor_client.post(reverse("desk:suggestion-reject", args=[article.pk]), both)
    assert RejectedSuggestion.objects.filter(article=article).count() == 4 and suggestion_groups(article) == []


def test_a_suggestion_for_a_span_outside_the_story_is_refused(editor_client, kim):
    article = make_article(body="Kim Jong Un arrived.")
    response = editor_client.post(reverse("desk:suggestion-accept", args=[article.pk]), {"entity": kim.pk, "start": 5, "end": 99})
    assert response.status_code == 422
    assert not Mention.objects.exists()
    response = editor_client.post(reverse("desk:suggestion-reject", args=[article.pk]), {"entity": "x", "start": 0, "end": 3})
    assert response.status_code == 422


def test_the_matcher_is_one_automaton_not_a_query_per_alias(django_assert_max_num_queries, kim):
    for n in range(200):
        EntityAlias.objects.create(entity=make_entity(name=f"Person {n}"), name=f"Alias number {n}")
    article = make_article(body="Alias number 7 met Person 150 and 김정은.")
    suggestions_for(article)  # builds the automaton once
    with django_assert_max_num_queries(4):
        assert len(suggestions_for(article)) == 3
    assert Matcher([(1, "Kim"), (2, "kim"), (3, "K")]).size == 1
