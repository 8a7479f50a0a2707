"""Related-story suggestions: ranked by rare shared entities, figures and time, across languages."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from annotations.models import EntityAlias, StoryLink, StorySuggestion
from annotations.related import SAME_EVENT_AT, SUGGEST_AT, related_suggestions
from annotations.suggestions import suggestion_groups, suggestions_for
from annotations.tests.makers import make_entity, make_mention
from articles.models import Article, Source
from articles.tests.makers import make_article

NEWS = Path(settings.BASE_DIR).parent / "shared" / "testdata" / "news" / "ntrex-news-4lang.jsonl"

# The main entities of ten stories of the parallel set, each with its names in English,
# Indonesian, Korean and Russian (the Russian in the case forms these texts use).
ENTITIES = {
    "rt.com.91337": [
        ("Macedonia", ["Makedonia", "마케도니아", "Македония", "Македонии", "Македонию"]),
        ("Greece", ["Yunani", "그리스", "Греция", "Грецией", "Греции"]),
        ("North Macedonia", ["Makedonia Utara", "북마케도니아", "Северная Македония"]),
    ],
    "guardian.221754": [
        ("Sainsbury's", ["Sainsbury", "세인즈버리", "Сейнсбери"]),
        ("Boots", ["부츠", "Бутс"]),
        ("Debenhams", ["데벤함스", "Дебенхэмс"]),
        ("Superdrug", ["수퍼드러그", "Супердраг"]),
    ],
    "dailymail.co.uk.298595": [
        ("Peter Jones", ["피터 존스", "Питер Джонс", "Питера"]),
        ("Holly Willoughby", ["홀리 윌로비", "Холли Уиллоуби", "Willoughby", "윌로비", "Уиллоуби"]),
    ],
    "reuters.218882": [
        ("Theresa May", ["테레사 메이", "Тереза Мэй", "May", "메이"]),
        ("Brexit", ["브렉시트", "Брексит", "Брекситом"]),
        ("Sunday Times", ["선데이 타임즈"]),
    ],
    "euronews-en.153800": [
        ("Recep Tayyip Erdoğan", ["Erdogan", "에르도안", "Эрдоган", "Эрдогана"]),
        ("Cologne", ["쾰른", "Кельн"]),
        ("Germany", ["Jerman", "독일", "Германия", "Германии", "Германию"]),
    ],
    "guardian.221762": [
        ("Bolivia", ["볼리비아", "Боливия", "Боливии"]),
        ("La Paz", ["라파즈", "Ла-Пасе", "Ла-Пас"]),
        ("Pacific Ocean", ["Pacific", "Pasifik", "태평양", "Тихому океану", "Тихий океан"]),
    ],
    "cnbc.com.6769": [
        ("North Korea", ["Korea Utara", "북한", "Северная Корея", "Северной Кореи"]),
        ("Ri Yong Ho", ["이 영호", "Ри Ён Хо"]),
        ("Washington", ["워싱턴", "Вашингтону", "Вашингтон"]),
    ],
    "thelocal.65969": [
        ("Syria", ["Suriah", "시리아", "Сирия", "Сирии"]),
        ("Walid al-Moualem", ["Moualem", "왈리드 알무알렘", "무알렘", "Валид аль-Муалем", "Муалем"]),
        ("United Nations General Assembly", ["UN General Assembly", "Majelis Umum PBB", "유엔 총회", "Генеральной Ассамблее ООН"]),
    ],
    "abcnews.306758": [
        ("Andrés Manuel López Obrador", ["Andres Manuel Lopez Obrador", "Lopez Obrador", "AMLO", "안드레스 마누엘 로페스 오브라도르",
                                         "로페스 오브라도르", "Андрес Мануэль Лопес Обрадор", "Лопес Обрадор"]),
        ("Mexico", ["Meksiko", "멕시코", "Мексики", "Мексика"]),
        ("Tlatelolco", ["틀라텔로코", "Тлателолько"]),
    ],
    "bbc.381746": [
        ("Livingston F.C.", ["Livingston", "리빙스턴", "Ливингстон", "Ливингстона"]),
        ("Rangers F.C.", ["Rangers", "레인저스", "Рейнджерс"]),
        ("Steven Gerrard", ["스티븐 제라드", "Стивена Джеррарда", "Стивен Джеррард"]),
        ("Dolly Menga", ["Menga", "돌리 멘가", "멘가", "Долли Менги", "Менги"]),
    ],
}


def load_parallel_news() -> dict[str, dict[str, Article]]:
    if not NEWS.exists():
        pytest.fail(f"{NEWS} is missing: ../shared sits beside the clone")
    publisher = Source.objects.create(name="NTREX", kind=Source.Kind.PUBLICATION)
    stories: dict[str, dict[str, Article]] = {}
    when = timezone.now() - timedelta(days=30)
    for line in NEWS.read_text().splitlines():
        record = json.loads(line)
        body = record["text"]
        stories.setdefault(record["doc_id"], {})[record["lang"]] = Article.objects.create(
            title=record["headline"], body=body, language=record["lang"], publisher=publisher,
            status=Article.Status.PUBLISHED, published_at=when,
        )
    return stories


def test_every_version_of_a_parallel_story_finds_another_version_first(editor_client, db):
    stories = load_parallel_news()
    for doc_id, entities in ENTITIES.items():
        for name, aliases in entities:
            entity = make_entity(name=name)
            for alias in aliases:
                EntityAlias.objects.get_or_create(entity=entity, name=alias)
    # An editor accepts every suggested mention of every version, entity by entity (accept all).
    for versions in stories.values():
        for article in versions.values():
            for group in suggestion_groups(article):
                if not group.ambiguous:
                    data = {"action": "all", "group": group.key, "entity": group.key[0]}
                    assert editor_client.post(reverse("desk:suggestion-accept", args=[article.pk]), data).status_code == 200
    checked, right, misses = 0, 0, []
    for doc_id in ENTITIES:
        for lang, article in stories[doc_id].items():
            top = related_suggestions(article, limit=1)
            checked += 1
            other_versions = {a.pk for a in stories[doc_id].values()} - {article.pk}
            if top and top[0].article.pk in other_versions:
                right += 1
            else:
                misses.append((doc_id, lang, top[0].article.title if top else None))
    assert checked == 40
    assert right / checked >= 0.8, misses
    print(f"top suggestion is another version of the same story for {right} of {checked}")


@pytest.fixture
def newsroom(db):
    """A rare person, a common country, and stories naming them in two languages."""
    rare = make_entity(name="Ri Yong Ho")
    common = make_entity(name="Russia")
    EntityAlias.objects.create(entity=rare, name="리용호")
    EntityAlias.objects.create(entity=common, name="러시아")
    now = timezone.now()
    english = make_article(title="Ri speaks", body="Ri Yong Ho spoke about Russia in 2018 to 193 states.", published_at=now)
    korean = make_article(title="리용호 연설", body="리용호는 2018년 193개국 앞에서 러시아에 대해 말했다.", language="ko", published_at=now)
    others = [
        make_article(title=f"Russia story {n}", body=f"Russia and its neighbours, part {n}.", published_at=now - timedelta(days=40))
        for n in range(8)
    ]
    for article in [english, korean, *others]:
        for s in suggestions_for(article):
            make_mention(article, s.exact, entity=s.entity, start=s.start, end=s.end)
    return english, korean, others


def test_rare_entities_weigh_more_than_common_ones_across_languages(newsroom):
    english, korean, others = newsroom
    found = related_suggestions(english, minimum=0.0, limit=10)
    assert found[0].article == korean
    assert found[0].score >= SAME_EVENT_AT and found[0].same_event
    assert found[0].shared[0] == "Ri Yong Ho"  # rarest first
    assert all(s.score < found[0].score for s in found[1:])
    assert all(s.score < SUGGEST_AT for s in found if s.article in others)


def test_confirmed_and_dismissed_suggestions_are_remembered(editor_client, newsroom):
    english, korean, others = newsroom
    decide = reverse("desk:related-decide", args=[english.pk])
    workspace = editor_client.get(reverse("desk:article", args=[english.pk])).content.decode()
    assert "Suggested related stories" in workspace and "same event, near-certain" in workspace
    response = editor_client.post(decide, {"to_article": korean.pk, "kind": "same_event", "action": "confirm"})
    assert response.status_code == 200
    link = StoryLink.objects.get(from_article=english, to_article=korean, kind="same_event")
    decision = StorySuggestion.objects.get(from_article=english, to_article=korean)
    assert decision.state == "confirmed" and decision.score >= SAME_EVENT_AT and "Ri Yong Ho" in decision.how
    assert "Suggested (score" in link.note
    # Linked pairs are not suggested again, from either side.
    assert korean.pk not in [s.article.pk for s in related_suggestions(english, minimum=0.0)]
    assert english.pk not in [s.article.pk for s in related_suggestions(korean, minimum=0.0)]
    editor_client.post(reverse("desk:related-decide", args=[others[0].pk]), {"to_article": others[1].pk, "action": "dismiss"})
    assert StorySuggestion.objects.get(from_article=others[0], to_article=others[1]).state == "dismissed"
    assert others[1].pk not in [s.article.pk for s in related_suggestions(others[0], minimum=0.0, limit=20)]
    assert others[0].pk not in [s.article.pk for s in related_suggestions(others[1], minimum=0.0, limit=20)]
    assert not StoryLink.objects.filter(from_article=others[0], to_article=others[1]).exists()


def test_a_decision_on_a_related_story_by_any_path_shows_at_once_in_the_kept_workspace(editor_client, newsroom):
    """The workspace is kept per content generation and per the decisions on its suggestions,
    which move no generation: one made or undone without the desk (the ORM, the admin) shows at
    the next request."""
    english, korean, _ = newsroom
    workspace = reverse("desk:article", args=[english.pk])
    suggested = f'name="to_article" value="{korean.pk}"'
    assert suggested in editor_client.get(workspace).content.decode()
    assert suggested in editor_client.get(workspace).content.decode()  # kept
    StorySuggestion.objects.create(from_article=korean, to_article=english, score=1.0, how="", state="dismissed")
    assert suggested not in editor_client.get(workspace).content.decode()
    StorySuggestion.objects.filter(from_article=korean).delete()
    assert suggested in editor_client.get(workspace).content.decode()


def test_a_bad_decision_is_refused(editor_client, newsroom):
    english, korean, _ = newsroom
    decide = reverse("desk:related-decide", args=[english.pk])
    assert editor_client.post(decide, {"to_article": english.pk, "action": "confirm", "kind": "same_event"}).status_code == 422
    assert editor_client.post(decide, {"to_article": korean.pk, "action": "confirm", "kind": "nonsense"}).status_code == 422
    assert editor_client.post(decide, {"to_article": "x", "action": "dismiss"}).status_code == 422
    assert not StorySuggestion.objects.exists()


def test_a_withdrawn_story_is_never_suggested_as_related_and_a_link_to_one_says_withdrawn(editor_client, newsroom):
    english, korean, others = newsroom
    draft = make_article(title="리용호 초안", body="리용호는 2018년 러시아에 대해 말했다.", language="ko", status=Article.Status.DRAFT)
    for s in suggestions_for(draft):
        make_mention(draft, s.exact, entity=s.entity, start=s.start, end=s.end)
    assert korean.pk in [s.article.pk for s in related_suggestions(english, minimum=0.0, limit=20)]
    korean.withdraw()
    found = [s.article.pk for s in related_suggestions(english, minimum=0.0, limit=20)]
    assert korean.pk not in found
    assert draft.pk in found  # a draft may yet be published: it is still offered
    workspace = editor_client.get(reverse("desk:article", args=[english.pk])).content.decode()
    suggested = workspace.split('id="related-suggestions-heading"')[1].split("</section>")[0]
    assert korean.title not in suggested and draft.title in suggested
    # A link made before the story was withdrawn stays, labelled as withdrawn.
    StoryLink.objects.create(from_article=english, to_article=korean, kind=StoryLink.Kind.SAME_EVENT)
    workspace = editor_client.get(reverse("desk:article", args=[english.pk])).content.decode()
    linked = workspace.split('id="related-heading"')[1].split("</section>")[0]
    assert korean.title in linked
    assert '<span class="article-status article-status-withdrawn">withdrawn</span>' in linked


def test_the_entities_story_counts_are_counted_once_for_every_process_under_their_own_time_limit(db):
    """Counting every entity's stories reads the whole mention index (about a second at a
    million stories, more from disk): under a request's statement timeout it failed the
    workspace. It runs with its own limit, and other processes take its counts from the cache."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annotations import related

    story = make_article(body="Kim Jong Un met Putin.")
    kim = make_entity(name="Kim Jong Un")
    make_mention(story, "Kim Jong Un", entity=kim)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (limit,) = cursor.fetchone()
    with CaptureQueriesContext(connection) as counted:
        total, counts = related.entity_frequencies()
    assert counts == {kim.pk: 1} and total == 2  # at least 2: a logarithm's guard
    statements = [query["sql"] for query in counted.captured_queries if "SAVEPOINT" not in query["sql"]]
    assert statements[1] == f"SET LOCAL statement_timeout = {related.FREQUENCIES_TIMEOUT_MS}"
    assert "COUNT(DISTINCT" in statements[2]
    with connection.cursor() as cursor:  # inside the test's transaction, its own limit is back
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == limit
    related._frequencies.clear()  # another process
    with CaptureQueriesContext(connection) as again:
        assert related.entity_frequencies() == (total, counts)
    assert len(again) == 0


def test_of_an_entity_named_in_many_stories_only_the_nearest_are_read_as_candidates(db, monkeypatch):
    """Candidates come from each rare entity's stories nearest to this one in the order they came
    in (two index ranges): a bounded read however many stories name it."""
    from annotations import related

    monkeypatch.setattr(related, "NEAREST", 2)
    kim = make_entity(name="Kim Jong Un")
    stories = [make_article(title=f"Story {n}", body=f"Kim Jong Un spoke on day {n}.") for n in range(7)]
    for story in stories:
        make_mention(story, "Kim Jong Un", entity=kim)
    found = {s.article.pk for s in related_suggestions(stories[3], minimum=0.0, limit=20)}
    assert found == {stories[1].pk, stories[2].pk, stories[4].pk, stories[5].pk}
